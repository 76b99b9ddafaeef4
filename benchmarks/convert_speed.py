"""Images/s of folder conversion: a plain loop against the engine's pipeline, in one run.

    .venv/bin/python benchmarks/convert_speed.py --count 200 --size 512x384 --blocks 9 --ngf 64
    python3 benchmarks/convert_speed.py --device cuda --count 64 --size 1024x768 --warmup 8 --json c.json
    python3 benchmarks/convert_speed.py --device cuda --count 3 --size 4000x3000 --skip-plain --json t.json

The plain loop is what a script would do: decode one file with Pillow, run the generator
in fp32 (no_grad), encode, next. The pipeline is ``engine.convert.convert_folder`` with its
defaults. Both convert the same generated JPEG folder with the same (untrained) generator;
each is run ``--repeats`` times and the median is printed. On CUDA the share of wall time
the GPU was busy is printed too (the union of the profiler's kernel and copy intervals over the
wall time of a second, profiled pass of each repeat, so that the profiler's cost stays out of the
images/s), and the pipeline's peak GPU memory (allocated by tensors, and reserved by the caching
allocator: what the card gives up). ``--warmup N`` converts N images untimed first
with the same options (compilation and cuDNN's first calls stay out of the figures); ``--json
PATH`` writes every figure for tools/gpu_check.py.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import shutil
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
from engine.convert import COMPILE_MIN_IMAGES, compiles, convert_folder  # noqa: E402
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


def busy_share(prof, wall: float) -> tuple[float, float]:
    """(union of device activity intervals, sum of device self times), each over ``wall``.

    The union cannot pass 100 % when kernels overlap on several streams; the sum is the older
    figure (kept to compare), which can.
    """
    intervals = sorted((e.time_range.start, e.time_range.end) for e in prof.events()
                       if e.device_type == torch.autograd.DeviceType.CUDA and e.time_range.end > e.time_range.start)
    union, end = 0.0, float("-inf")
    for start, stop in intervals:
        if stop > end:
            union += stop - max(start, end)
            end = stop
    total = sum(e.self_device_time_total for e in prof.key_averages())
    return union / 1e6 / wall, total / 1e6 / wall


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--size", default="512x384")
    p.add_argument("--blocks", type=int, default=9)
    p.add_argument("--ngf", type=int, default=64)
    p.add_argument("--batch", type=int, default=0, help="0: the engine default (1 on CPU, 4 on GPU)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--device", default="auto")
    p.add_argument("--compile", choices=("auto", "on", "off"), default="auto",
                   help=f"the pipeline's torch.compile (auto: on CUDA for {COMPILE_MIN_IMAGES}+ images, as in the "
                        "engine)")
    p.add_argument("--tile", type=int, default=0, help="tile size (0: the engine's default, tiles above 2 MP)")
    p.add_argument("--overlap", type=int, default=128, help="pixels shared by neighbouring tiles")
    p.add_argument("--warmup", type=int, default=0, help="images converted untimed first, with the same options")
    p.add_argument("--skip-plain", action="store_true", help="time the pipeline alone")
    p.add_argument("--more-workers", type=int, default=0, metavar="N",
                   help="also time the pipeline with N decoding and N encoding threads (0: not)")
    p.add_argument("--json", metavar="PATH", help="also write every figure to this JSON file")
    args = p.parse_args()
    w, h = map(int, args.size.split("x"))
    device = pick_device(args.device)
    cuda = device.type == "cuda"
    torch.manual_seed(0)
    net = build_generator(ModelConfig(blocks=args.blocks, ngf=args.ngf)).eval()
    # separate copies: the pipeline converts its generator to channels_last in place, which
    # (shared) had silently sped up the "plain" loop from the second repeat on
    plain_net = copy.deepcopy(net)
    model = LoadedModel(net, {"model": {"channels": 3}})
    # decided once from the timed folder, by the engine's own rule (auto compiles on CUDA only: on the CPU it was
    # said to here after the engine stopped), so the warm-up compiles exactly what is timed
    compile_on = compiles(ConvertConfig(compile=args.compile), args.count, args.count, device.type)
    options = ConvertConfig(device=str(device), batch_size=args.batch, compile="on" if compile_on else "off",
                            tile=args.tile, overlap=args.overlap)

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        make_folder(src, args.count, w, h)
        if args.warmup:
            warm = Path(tmp) / "warm"
            warm.mkdir()
            for path in list_images(src)[:args.warmup]:
                shutil.copy(path, warm / path.name)
            t0 = time.perf_counter()
            assert convert_folder(model, warm, Path(tmp) / "warm_out", options).ok
            print(f"warm-up: {args.warmup} images in {time.perf_counter() - t0:.1f} s", flush=True)
        plain, piped, busy, busy_sum, memory, reserved, splits, profiled = [], [], [], [], [], [], [], []
        more, more_splits = [], []
        more_options = dataclasses.replace(options, workers=args.more_workers)
        for r in range(args.repeats):
            if not args.skip_plain:
                plain_net.to(device)
                t0 = time.perf_counter()
                plain_loop(plain_net, device, src, Path(tmp) / f"plain{r}")
                plain.append(args.count / (time.perf_counter() - t0))
                plain_net.cpu()  # its weights stay out of the pipeline's memory figure
            if cuda:
                torch.cuda.synchronize(device)
                torch.cuda.empty_cache()
                torch.cuda.reset_peak_memory_stats(device)
                base = torch.cuda.memory_allocated(device)
            t0 = time.perf_counter()
            summary = convert_folder(model, src, Path(tmp) / f"pipe{r}", options)
            wall = time.perf_counter() - t0
            if cuda:
                memory.append((torch.cuda.max_memory_allocated(device) - base) / 2**30)
                reserved.append(torch.cuda.max_memory_reserved(device) / 2**30)
                # the busy share comes from a second, profiled pass: the profiler's own cost on each launch
                # stays out of the images/s (the first H100 run timed the profiled pass: 66.1 img/s)
                from torch.profiler import ProfilerActivity, profile
                with profile(activities=[ProfilerActivity.CUDA]) as prof:
                    t1 = time.perf_counter()
                    convert_folder(model, src, Path(tmp) / f"prof{r}", options)
                    profiled_wall = time.perf_counter() - t1
                union, total = busy_share(prof, profiled_wall)
                busy.append(union)
                busy_sum.append(total)
                profiled.append(args.count / profiled_wall)
            assert summary.ok, summary
            piped.append(args.count / wall)
            splits.append({k: v / wall for k, v in summary.time_split.items()})  # shares of this repeat's wall time
            line = f"repeat {r + 1}: pipeline {piped[-1]:.2f} img/s"
            if plain:
                line += f", plain {plain[-1]:.2f} img/s"
            if cuda:
                line += (f", GPU busy {busy[-1]:.0%} (profiled pass: {profiled[-1]:.2f} img/s), peak GPU memory"
                         f" {memory[-1]:.2f} GiB ({reserved[-1]:.2f} reserved)")
            line += "; converting thread: " + ", ".join(f"{k} {v:.0%}" for k, v in splits[-1].items())
            if args.more_workers:  # does decoding or encoding hold the pipeline back?
                t0 = time.perf_counter()
                summary = convert_folder(model, src, Path(tmp) / f"more{r}", more_options)
                wall = time.perf_counter() - t0
                assert summary.ok, summary
                more.append(args.count / wall)
                more_splits.append({k: v / wall for k, v in summary.time_split.items()})
                line += (f"; with {args.more_workers} workers {more[-1]:.2f} img/s, converting thread: "
                         + ", ".join(f"{k} {v:.0%}" for k, v in more_splits[-1].items()))
            print(line, flush=True)

    mq = statistics.median(piped)
    print(f"device {device} ({torch.get_num_threads()} threads), {args.count} x {w}x{h} JPEG, "
          f"generator {args.blocks} blocks ngf {args.ngf}, batch {args.batch}, compile {options.compile}")
    report = {"device": str(device), "device_name": torch.cuda.get_device_name(device) if cuda else "cpu",
              "torch": torch.__version__, "count": args.count, "width": w, "height": h, "blocks": args.blocks,
              "ngf": args.ngf, "batch": args.batch, "compile": options.compile, "tile": args.tile,
              "repeats": args.repeats, "pipeline_images_per_s": piped, "pipeline_images_per_s_median": mq,
              "workers": options.workers, "thread_split": splits[-1]}  # the last repeat's: which of the three bounds it
    if plain:
        mp = statistics.median(plain)
        report.update(plain_images_per_s=plain, plain_images_per_s_median=mp, speed_vs_plain=mq / mp)
        print(f"median of {args.repeats}: plain loop {mp:.2f} img/s, pipeline {mq:.2f} img/s, ratio {mq / mp:.2f}x")
    else:
        print(f"median of {args.repeats}: pipeline {mq:.2f} img/s")
    if more:
        report.update(more_workers=args.more_workers, more_workers_images_per_s=more,
                      more_workers_images_per_s_median=statistics.median(more), more_workers_thread_split=more_splits[-1])
        print(f"median of {args.repeats} with {args.more_workers} workers: {statistics.median(more):.2f} img/s")
    if busy:
        report.update(gpu_busy=busy, profiled_images_per_s=profiled, gpu_busy_median=statistics.median(busy),
            gpu_busy_sum_median=statistics.median(busy_sum), peak_gpu_gib=memory, peak_gpu_gib_max=max(memory), peak_gpu_reserved_gib=reserved,
            peak_gpu_reserved_gib_max=max(reserved))
        print(f"GPU busy (device activity / wall time): median {statistics.median(busy):.0%} "
              f"(summed kernel time {statistics.median(busy_sum):.0%}); pipeline peak GPU memory {max(memory):.2f} GiB "
              f"allocated, {max(reserved):.2f} GiB reserved by the allocator")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
