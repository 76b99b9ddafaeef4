"""Seconds per training step, images/s and achieved GFLOP/s for one config.

    .venv/bin/python benchmarks/train_speed.py --crop 128 --blocks 6 --batch 1 --steps 10

Uses the engine's own Trainer.train_step on random tensors (data loading excluded), counts
FLOPs of one step with torch.utils.flop_counter, and prints the median of several timed steps
after warm-up.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import ModelConfig, TrainConfig, Trainer  # noqa: E402
from tests.conftest import write_images  # noqa: E402


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--crop", type=int, default=128)
    p.add_argument("--blocks", type=int, default=6)
    p.add_argument("--ngf", type=int, default=64)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--device", default="auto")
    args = p.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        write_images(Path(tmp) / "trainA", 2, size=(args.crop, args.crop))
        write_images(Path(tmp) / "trainB", 2, size=(args.crop, args.crop))
        cfg = TrainConfig(data=tmp, out=str(Path(tmp) / "run"), crop_size=args.crop, load_size=args.crop,
                          batch_size=args.batch, device=args.device, workers=0,
                          model=ModelConfig(blocks=args.blocks, ngf=args.ngf))
        trainer = Trainer(cfg)
        c = cfg.model.channels
        a = torch.rand(args.batch, c, args.crop, args.crop, device=trainer.device) * 2 - 1
        b = torch.rand(args.batch, c, args.crop, args.crop, device=trainer.device) * 2 - 1

        with FlopCounterMode(display=False) as counter:
            trainer.train_step(a, b)
        flops = counter.get_total_flops()
        for _ in range(args.warmup):
            trainer.train_step(a, b)
        times = []
        for _ in range(args.steps):
            sync(trainer.device)
            t0 = time.perf_counter()
            losses = trainer.train_step(a, b)
            losses["G_A"].item()  # the plain path reads a loss back every step
            sync(trainer.device)
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(f"device {trainer.device}, threads {torch.get_num_threads()}, crop {args.crop}, blocks {args.blocks}, "
          f"ngf {args.ngf}, batch {args.batch}")
    print(f"step FLOPs {flops / 1e12:.3f} TFLOP; median {med:.3f} s/step over {args.steps} steps "
          f"(min {min(times):.3f}, max {max(times):.3f}); {args.batch / med:.2f} images/s; "
          f"{flops / med / 1e9:.1f} GFLOP/s")


if __name__ == "__main__":
    main()
