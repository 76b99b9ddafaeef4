"""Seconds per training step of the engine's speed paths against its plain path, same run.

    .venv/bin/python benchmarks/train_speed.py --crop 128 --blocks 6 --batch 1
    .venv/bin/python benchmarks/train_speed.py --crop 256 --blocks 9 --batch 1 4 16 --device cuda

Variants (each a real Trainer.train_step on fixed random tensors; data loading excluded):
  plain          fp32, NCHW, eager, a loss read back to the host every step (the reference way)
  channels_last  plain + NHWC memory layout
  default        what the engine does by default on this device (see engine/speed.py)
  compiled       default + torch.compile (only with --compile; on by default on CUDA already)
  bf16           default + bf16 autocast (only with --bf16; on by default on CUDA already)
  bf16_cl        bf16 autocast + channels_last (only with --bf16; oneDNN's bf16 kernels prefer NHWC)

Variants are timed in interleaved rounds so that machine noise hits them alike; each figure
is the median over all timed steps. FLOPs of one step come from torch.utils.flop_counter.
On a GPU, model FLOP utilisation (MFU) is achieved FLOP/s over the device's dense bf16 peak.
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
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import ModelConfig, TrainConfig, Trainer  # noqa: E402
from tests.conftest import write_images  # noqa: E402

# dense bf16 tensor-core peaks (TFLOP/s, without sparsity) from the vendors' data sheets
BF16_PEAK = {"H100": 989.0, "H200": 989.0, "A100": 312.0, "L40S": 362.0, "L4": 121.0, "A10": 125.0,
             "RTX 4090": 165.0, "RTX 3090": 71.0}

VARIANTS = {
    "plain": dict(channels_last="off", amp="off", compile="off"),
    "channels_last": dict(channels_last="on", amp="off", compile="off"),
    "default": dict(),
    "compiled": dict(compile="on"),
    "bf16": dict(amp="bf16"),
    "bf16_cl": dict(amp="bf16", channels_last="on"),
}


def bf16_peak(device: torch.device) -> float | None:
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    return next((peak for key, peak in BF16_PEAK.items() if key in name), None)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def make_trainer(data: str, args, batch: int, **speed) -> Trainer:
    cfg = TrainConfig(data=data, out=str(Path(data) / "run"), crop_size=args.crop, load_size=args.crop,
                      batch_size=batch, device=args.device, workers=0, seed=0,
                      model=ModelConfig(blocks=args.blocks, ngf=args.ngf), **speed)
    return Trainer(cfg)


def time_steps(trainer: Trainer, a, b, steps: int, read_every_step: bool) -> list[float]:
    times = []
    for _ in range(steps):
        sync(trainer.device)
        t0 = time.perf_counter()
        losses = trainer.train_step(a, b)
        if read_every_step:
            losses["G_A"].item()  # the reference code's per-step host sync
        sync(trainer.device)
        times.append(time.perf_counter() - t0)
    return times


def bench(batch: int, args, data: str) -> None:
    names = ["plain", "channels_last", "default"] + (["compiled"] if args.compile else []) + (
        ["bf16", "bf16_cl"] if args.bf16 else [])
    trainers = {n: make_trainer(data, args, batch, **VARIANTS[n]) for n in names}
    device = trainers["plain"].device
    c = 3
    g = torch.Generator().manual_seed(0)
    a = (torch.rand(batch, c, args.crop, args.crop, generator=g) * 2 - 1).to(device)
    b = (torch.rand(batch, c, args.crop, args.crop, generator=g) * 2 - 1).to(device)
    with FlopCounterMode(display=False) as counter:
        trainers["plain"].train_step(a, b)
    flops = counter.get_total_flops()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    for name, trainer in trainers.items():  # warm-up (and compilation)
        time_steps(trainer, a, b, args.warmup, False)
    times: dict[str, list[float]] = {n: [] for n in names}
    for _ in range(args.rounds):
        for name, trainer in trainers.items():
            times[name] += time_steps(trainer, a, b, args.steps, read_every_step=name == "plain")
    peak = bf16_peak(device)
    print(f"\n{device} ({torch.cuda.get_device_name(device) if device.type == 'cuda' else f'{torch.get_num_threads()} threads'}),"
          f" crop {args.crop}, {args.blocks} blocks, ngf {args.ngf}, batch {batch}: "
          f"{flops / 1e12:.3f} TFLOP/step; median of {args.rounds} x {args.steps} steps")
    base = statistics.median(times["plain"])
    for name in names:
        med = statistics.median(times[name])
        line = (f"  {name:14s} {med:8.4f} s/step  {batch / med:8.2f} img/s  {flops / med / 1e9:9.1f} GFLOP/s  "
                f"{med / base:5.2f}x plain time ({base / med:4.2f}x speed)  [{trainers[name].speed.describe()}]")
        if peak:
            line += f"  MFU {flops / med / 1e12 / peak * 100:5.1f} % of {peak:.0f} TFLOP/s bf16"
        print(line)
    if device.type == "cuda":
        print(f"  peak GPU memory (all variants) {torch.cuda.max_memory_allocated(device) / 2**30:.2f} GiB")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--crop", type=int, default=128)
    p.add_argument("--blocks", type=int, default=6)
    p.add_argument("--ngf", type=int, default=64)
    p.add_argument("--batch", type=int, nargs="+", default=[1])
    p.add_argument("--steps", type=int, default=3, help="timed steps per variant per round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--device", default="auto")
    p.add_argument("--compile", action="store_true", help="also time torch.compile (slow to compile on a CPU)")
    p.add_argument("--bf16", action="store_true", help="also time bf16 autocast (the default on CUDA only)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        write_images(Path(tmp) / "trainA", 2, size=(args.crop, args.crop))
        write_images(Path(tmp) / "trainB", 2, size=(args.crop, args.crop))
        for batch in args.batch:
            bench(batch, args, tmp)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak resident memory of this process: {rss:.2f} GiB")


if __name__ == "__main__":
    main()
