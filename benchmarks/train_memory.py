"""Peak memory and seconds per step of one default Trainer at the paper's size, alone in its process.

    .venv/bin/python benchmarks/train_memory.py                 # 256 px, 9 blocks, the device's defaults
    .venv/bin/python benchmarks/train_memory.py --amp off       # fp32

Prints the median of three timed steps (after one warm-up step) and the process's peak
resident memory (and, on CUDA, the peak GPU memory allocated).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import ModelConfig, TrainConfig, Trainer  # noqa: E402
from tests.conftest import write_images  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--crop", type=int, default=256)
    p.add_argument("--blocks", type=int, default=9)
    p.add_argument("--amp", default="auto", choices=("auto", "bf16", "fp16", "off"))
    p.add_argument("--device", default="auto")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for side in ("trainA", "trainB"):
            write_images(Path(tmp) / side, 2, size=(args.crop, args.crop))
        trainer = Trainer(TrainConfig(data=tmp, out=f"{tmp}/run", crop_size=args.crop, load_size=args.crop,
                                      workers=0, amp=args.amp, device=args.device,
                                      model=ModelConfig(blocks=args.blocks)))
        a, b = (torch.rand(1, 3, args.crop, args.crop) * 2 - 1 for _ in range(2))
        trainer.train_step(a, b)
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            trainer.train_step(a, b)["G_A"].item()
            times.append(time.perf_counter() - t0)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        line = (f"{trainer.device} [{trainer.speed.describe()}], {args.crop} px, {args.blocks} blocks, batch 1: "
                f"{statistics.median(times):.2f} s/step, peak resident memory {rss:.2f} GiB")
        if trainer.device.type == "cuda":
            line += f", peak GPU memory {torch.cuda.max_memory_allocated(trainer.device) / 2**30:.2f} GiB"
        print(line)


if __name__ == "__main__":
    main()
