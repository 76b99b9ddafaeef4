"""Seconds per training step of the engine's speed paths against its plain path, same run.

    .venv/bin/python benchmarks/train_speed.py --crop 128 --blocks 6 --batch 1
    .venv/bin/python benchmarks/train_speed.py --crop 256 --blocks 9 --batch 1 4 16 --device cuda
    python3 benchmarks/train_speed.py --crop 256 --blocks 9 --batch 1 4 16 --variants plain default \
        --measure-peak --json speed.json    # what tools/gpu_check.py runs on a GPU

Variants (each a real Trainer.train_step on fixed random tensors; data loading excluded):
  plain          fp32, NCHW, eager, a loss read back to the host every step (the reference way)
  channels_last  plain + NHWC memory layout
  default        what the engine does by default on this device (see engine/speed.py)
  compiled       default + torch.compile (only with --compile; on by default on CUDA already)
  bf16           default + bf16 autocast (only with --bf16; on by default on CUDA already)
  bf16_cl        bf16 autocast + channels_last (only with --bf16; oneDNN's bf16 kernels prefer NHWC)

Variants are timed in interleaved rounds so that machine noise hits them alike; each figure
is the median over all timed steps. FLOPs of one step come from torch.utils.flop_counter.
On a GPU, model FLOP utilisation (MFU) is achieved FLOP/s over the device's dense bf16 peak
(the data sheet's, and with --measure-peak also a large bf16 matrix product's on this card).
The first warm-up step of each variant is reported too: it holds torch.compile's compilation.
``--json PATH`` writes every figure for tools/gpu_check.py; the printed lines stay as they were.
"""

from __future__ import annotations

import argparse
import json
import platform
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
from engine.devices import pick_device  # noqa: E402
from tests.conftest import write_images  # noqa: E402

# dense bf16 tensor-core peaks (TFLOP/s, without sparsity) from the vendors' data sheets; the
# first key found in the device's name wins, so the PCIe and NVL H100s come before the SXM one
BF16_PEAK = {"H100 PCIe": 756.0, "H100 NVL": 835.0, "H100": 989.0, "H200": 989.0, "A100": 312.0, "L40S": 362.0,
             "L4": 121.0, "A10": 125.0,
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


def measured_bf16_peak(device: torch.device, n: int = 8192, repeats: int = 10) -> float | None:
    """TFLOP/s of an n x n x n bf16 matrix product on random data: what this card really gives
    dense bf16 work (data sheets quote boost clocks; an H100 measured about 800 of its 989)."""
    if device.type != "cuda":
        return None
    a = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(repeats):
        a @ b
    end.record()
    torch.cuda.synchronize(device)
    seconds = start.elapsed_time(end) / 1e3 / repeats
    return 2 * n**3 / seconds / 1e12


def make_trainer(data: str, args, batch: int, **speed) -> Trainer:
    cfg = TrainConfig(data=data, out=str(Path(data) / "run"), crop_size=args.crop, load_size=args.crop,
                      batch_size=batch, device=args.device, workers=0, seed=0,
                      model=ModelConfig(blocks=args.blocks, ngf=args.ngf), **speed)
    return Trainer(cfg)


def time_steps(trainer: Trainer, a, b, steps: int, read_every_step: bool,
               peaks: list[int] | None = None) -> list[float]:
    """Seconds of each of ``steps`` steps; on CUDA each step's peak allocated bytes go to ``peaks``."""
    times = []
    cuda = trainer.device.type == "cuda"
    for _ in range(steps):
        sync(trainer.device)
        if cuda:
            torch.cuda.reset_peak_memory_stats(trainer.device)
        t0 = time.perf_counter()
        losses = trainer.train_step(a, b)
        if read_every_step:
            losses["G_A"].item()  # the reference code's per-step host sync
        sync(trainer.device)
        times.append(time.perf_counter() - t0)
        if cuda and peaks is not None:
            peaks.append(torch.cuda.max_memory_allocated(trainer.device))
    return times


def variant_names(args) -> list[str]:
    if args.variants:
        return ["plain"] + [n for n in args.variants if n != "plain"]  # plain is every ratio's base
    return ["plain", "channels_last", "default"] + (["compiled"] if args.compile else []) + (
        ["bf16", "bf16_cl"] if args.bf16 else [])


def bench(batch: int, args, data: str) -> dict:
    """Time every variant at one batch size; print the lines and return the figures."""
    names = variant_names(args)
    # Each batch size compiles afresh with static shapes, as a run of that batch size would; without
    # the reset, dynamo would recompile the previous batch's graphs with a dynamic batch dimension.
    torch._dynamo.reset()
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
    first: dict[str, float] = {}
    for name, trainer in trainers.items():  # warm-up (and compilation)
        t0 = time.perf_counter()
        first[name] = time_steps(trainer, a, b, max(args.warmup, 1), False)[0]
        # said at once: a check cut short by its time cap still shows what compiling cost
        print(f"  batch {batch}, {name}: warmed up in {time.perf_counter() - t0:.1f} s "
              f"(first step {first[name]:.1f} s)", flush=True)
    times: dict[str, list[float]] = {n: [] for n in names}
    peaks: dict[str, list[int]] = {n: [] for n in names}
    for _ in range(args.rounds):
        for name, trainer in trainers.items():
            times[name] += time_steps(trainer, a, b, args.steps, read_every_step=name == "plain", peaks=peaks[name])
    peak = bf16_peak(device)
    print(f"\n{device} ({torch.cuda.get_device_name(device) if device.type == 'cuda' else f'{torch.get_num_threads()} threads'}),"
          f" crop {args.crop}, {args.blocks} blocks, ngf {args.ngf}, batch {batch}: "
          f"{flops / 1e12:.3f} TFLOP/step; median of {args.rounds} x {args.steps} steps")
    base = statistics.median(times["plain"])
    result = {"batch": batch, "tflop_per_step": flops / 1e12, "variants": {}}
    for name in names:
        med = statistics.median(times[name])
        row = {"speed_plan": trainers[name].speed.describe(), "s_per_step": med, "images_per_s": batch / med,
               "gflop_per_s": flops / med / 1e9, "speed_vs_plain": base / med, "first_step_s": first[name],
               "steps_timed": len(times[name])}
        line = (f"  {name:14s} {med:8.4f} s/step  {batch / med:8.2f} img/s  {flops / med / 1e9:9.1f} GFLOP/s  "
                f"{med / base:5.2f}x plain time ({base / med:4.2f}x speed)  [{trainers[name].speed.describe()}]")
        if peak:
            row["mfu_datasheet"] = flops / med / 1e12 / peak
            line += f"  MFU {flops / med / 1e12 / peak * 100:5.1f} % of {peak:.0f} TFLOP/s bf16"
        if args.measured_peak:
            row["mfu_measured"] = flops / med / 1e12 / args.measured_peak
        if peaks[name]:
            row["peak_gpu_gib"] = max(peaks[name]) / 2**30
        line += f"  first step {first[name]:.2f} s"
        print(line)
        result["variants"][name] = row
    if device.type == "cuda":
        result["peak_gpu_gib_all"] = torch.cuda.max_memory_allocated(device) / 2**30
        print(f"  peak GPU memory (all variants) {result['peak_gpu_gib_all']:.2f} GiB; per variant (its own steps, "
              "every variant's weights resident): "
              + ", ".join(f"{n} {r['peak_gpu_gib']:.2f}" for n, r in result["variants"].items() if "peak_gpu_gib" in r))
    del trainers
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return result


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
    p.add_argument("--variants", nargs="+", choices=sorted(VARIANTS),
                   help="time exactly these variants (plain is always added: it is the base of every ratio)")
    p.add_argument("--measure-peak", action="store_true",
                   help="on CUDA, also measure the card's bf16 peak with an 8192^3 matrix product (MFU against it)")
    p.add_argument("--json", metavar="PATH", help="also write every figure to this JSON file")
    args = p.parse_args()
    device = pick_device(args.device)
    args.measured_peak = measured_bf16_peak(device) if args.measure_peak else None
    if args.measured_peak:
        print(f"measured bf16 peak: {args.measured_peak:.0f} TFLOP/s (8192^3 matrix product, random data)")
    report = {"device": str(device), "device_name": torch.cuda.get_device_name(device) if device.type == "cuda"
              else platform.processor() or platform.machine(), "threads": torch.get_num_threads(),
              "torch": torch.__version__, "crop": args.crop, "blocks": args.blocks, "ngf": args.ngf,
              "rounds": args.rounds, "steps": args.steps, "warmup": args.warmup,
              "bf16_peak_datasheet_tflops": bf16_peak(device), "bf16_peak_measured_tflops": args.measured_peak,
              "batches": []}
    with tempfile.TemporaryDirectory() as tmp:
        write_images(Path(tmp) / "trainA", 2, size=(args.crop, args.crop))
        write_images(Path(tmp) / "trainB", 2, size=(args.crop, args.crop))
        for batch in args.batch:
            report["batches"].append(bench(batch, args, tmp))
            if args.json:  # written after every batch size, so a timeout still leaves the finished ones
                Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    report["peak_rss_gib"] = rss
    print(f"peak resident memory of this process: {rss:.2f} GiB")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
