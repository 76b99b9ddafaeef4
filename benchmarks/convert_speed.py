"""Images/s of folder conversion: a plain loop against the engine's pipeline, in one run.

    .venv/bin/python benchmarks/convert_speed.py --count 200 --size 512x384 --blocks 9 --ngf 64

The plain loop is what a script would do: decode one file with Pillow, run the generator
in fp32 (no_grad), encode, next. The pipeline is ``engine.convert.convert_folder`` with its
defaults. Both convert the same generated JPEG folder with the same (untrained) generator;
each is run ``--repeats`` times and the median is printed. On CUDA the share of wall time
the GPU was busy is printed too (from the profiler's kernel time).
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.config import ConvertConfig, ModelConfig  # noqa: E402
from engine.convert import convert_folder  # noqa: E402
from engine.data import list_images  # noqa: E402
from engine.devices import pick_device  # noqa: E402
from engine.modelfile import LoadedModel  # noqa: E402
from engine.nets import build_generator  # noqa: E402


def make_folder(folder: Path, count: int, w: int, h: int) -> None:
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    base = rng.integers(0, 256, (h // 8, w // 8, 3), dtype=np.uint8)
    for i in range(count):  # smooth photo-like content so JPEG sizes are realistic
        img = Image.fromarray(np.roll(base, i, axis=1)).resize((w, h), Image.BICUBIC)
        img.save(folder / f"{i:04d}.jpg", quality=90)


def plain_loop(net: torch.nn.Module, device: torch.device, src: Path, dst: Path) -> int:
    dst.mkdir(parents=True, exist_ok=True)
    n = 0
    with torch.no_grad():
        for path in list_images(src):
            img = Image.open(path).convert("RGB")
            x = torch.from_numpy(np.array(img)).permute(2, 0, 1)[None].float().div(127.5).sub(1).to(device)
            y = net(x)[0].add(1).mul(127.5).clamp(0, 255).round().byte().permute(1, 2, 0).cpu().numpy()
            Image.fromarray(y).save(dst / path.name, quality=95)
            n += 1
    return n


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--size", default="512x384")
    p.add_argument("--blocks", type=int, default=9)
    p.add_argument("--ngf", type=int, default=64)
    p.add_argument("--batch", type=int, default=0, help="0: the engine default (1 on CPU, 4 on GPU)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--device", default="auto")
    args = p.parse_args()
    w, h = map(int, args.size.split("x"))
    device = pick_device(args.device)
    torch.manual_seed(0)
    net = build_generator(ModelConfig(blocks=args.blocks, ngf=args.ngf)).eval()
    # separate copies: the pipeline converts its generator to channels_last in place, which
    # (shared) had silently sped up the "plain" loop from the second repeat on
    plain_net = copy.deepcopy(net)
    model = LoadedModel(net, {"model": {"channels": 3}})

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        make_folder(src, args.count, w, h)
        plain, piped, busy = [], [], []
        for r in range(args.repeats):
            plain_net.to(device)
            t0 = time.perf_counter()
            plain_loop(plain_net, device, src, Path(tmp) / f"plain{r}")
            plain.append(args.count / (time.perf_counter() - t0))

            options = ConvertConfig(device=str(device), batch_size=args.batch)
            if device.type == "cuda":
                from torch.profiler import ProfilerActivity, profile
                with profile(activities=[ProfilerActivity.CUDA]) as prof:
                    t0 = time.perf_counter()
                    summary = convert_folder(model, src, Path(tmp) / f"pipe{r}", options)
                    wall = time.perf_counter() - t0
                kernel_us = sum(e.self_device_time_total for e in prof.key_averages())
                busy.append(kernel_us / 1e6 / wall)
            else:
                t0 = time.perf_counter()
                summary = convert_folder(model, src, Path(tmp) / f"pipe{r}", options)
                wall = time.perf_counter() - t0
            assert summary.ok, summary
            piped.append(args.count / wall)
            print(f"repeat {r + 1}: plain {plain[-1]:.2f} img/s, pipeline {piped[-1]:.2f} img/s", flush=True)

    mp, mq = statistics.median(plain), statistics.median(piped)
    print(f"device {device} ({torch.get_num_threads()} threads), {args.count} x {w}x{h} JPEG, "
          f"generator {args.blocks} blocks ngf {args.ngf}, batch {args.batch}")
    print(f"median of {args.repeats}: plain loop {mp:.2f} img/s, pipeline {mq:.2f} img/s, ratio {mq / mp:.2f}x")
    if busy:
        print(f"GPU busy (kernel time / wall time): median {statistics.median(busy):.0%}")


if __name__ == "__main__":
    main()
