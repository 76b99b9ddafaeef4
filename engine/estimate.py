"""How long a run will take on the machine at hand: a few real training steps, timed.

Step times differ twofold between machines that look alike (docs/performance.md), so no
figure measured elsewhere is built into a label. This builds the run's model on its device
with its speed plan, and times real optimisation steps on random images of the run's crop and
batch size (data loading aside, which runs in parallel with the steps).
"""

from __future__ import annotations

import math
import os
import time

import torch

from .config import TrainConfig
from .devices import pick_device
from .events import Control
from .models import build_model
from .speed import plan_speed


def batch_of(config: TrainConfig, samples: int | None) -> int:
    """The batch a step of the run holds: no more than the dataset's ``samples`` (a batch of 1024 over six
    pictures holds six, and was measured at 1024: minutes, gigabytes, and an estimate far too long)."""
    return min(config.batch_size, max(samples, 1)) if samples else config.batch_size


LONG_STEP_S = 10.0  # a first step this long on a CPU is the measurement: a Paper step took 38 s here, three of them
# held a core for two minutes at each start of the app, and Start waited for the one in progress (a new-user pass)


def seconds_per_step(config: TrainConfig, steps: int = 2, warmup: int = 1, control: Control | None = None,
                     samples: int | None = None, long_step_s: float = LONG_STEP_S) -> float:
    """The median time of ``steps`` optimisation steps after ``warmup`` (which pays for compiling), on batches as
    large as the run's over ``samples`` pictures a side; ``control`` stops it between steps (raising Stopped: a
    Paper step takes seconds on a CPU, and closing the app waited). On a CPU without compiling, a first step of
    ``long_step_s`` or more is taken as it is: what it pays once (memory, kernels' set-up) is small beside it."""
    config.validate()
    device = pick_device(config.device)
    if device.type == "cpu":  # measured in the app as the form changes: a 4096 px crop would have ended it
        check_cpu_memory(config)
    speed = plan_speed(config.channels_last, config.amp, config.compile, device)
    model = build_model(config, device, speed)  # (seeded inside, leaving the global random state as it was)
    if speed.compile:
        model.compile()
    size = (batch_of(config, samples), config.model.channels, config.crop_size, config.crop_size)
    noise = torch.Generator().manual_seed(0)
    a, b = (torch.rand(size, generator=noise) * 2 - 1 for _ in range(2))
    times = []
    for i in range(warmup + steps):  # the step's own draws (dropout, the pool) use the global generator
        if control is not None:
            control.checkpoint()
        start = time.perf_counter()
        losses = model.train_step(a, b)
        float(next(iter(losses.values())))  # wait for the device
        took = time.perf_counter() - start
        if i >= warmup:
            times.append(took)
        elif device.type == "cpu" and not speed.compile and took >= long_step_s:
            return took
    return sorted(times)[len(times) // 2]


def total_steps(config: TrainConfig, samples: int) -> int:
    """Steps the run will take for a dataset of ``samples`` images a side (or pairs)."""
    planned = config.steps or math.ceil(max(samples, 1) / config.batch_size) * (config.epochs + config.epochs_decay)
    return min(config.max_steps, planned) if config.max_steps else planned


def describe_duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds < 365 * 86400:
        return f"{seconds / 86400:.1f} days"
    return f"{seconds / (365.25 * 86400):,.1f} years"  # 999,999,999 steps read "37093.1 days" (a Train page pass)


# Memory of a CPU training step, per pixel of each crop of the batch at 64 filters (ngf or ndf, whichever is larger;
# it grows with them), and what torch, the model and the data hold besides: ResNet 9 blocks, batch 1, measured on
# the 2-core EPYC (2026-12-07; peaks of 1.6, 2.9 and 7.6 GB at crops of 128, 256 and 512 px with bf16 autocast, 1.8
# and 3.8 GB at 128 and 256 px in fp32, which CPUs without bf16 instructions run).
CPU_STEP_BYTES_PER_PIXEL = {"bf16": 24_000, "fp32": 40_000}
CPU_STEP_FIXED_BYTES = 1_200_000_000


def cpu_step_memory(config: TrainConfig) -> int | None:
    """About how many bytes a training step of ``config`` takes on the CPU, or None where the crop does not say
    (``--preprocess none`` trains on whole pictures)."""
    if config.preprocess == "none":
        return None
    speed = plan_speed(config.channels_last, config.amp, config.compile, torch.device("cpu"))
    per_pixel = CPU_STEP_BYTES_PER_PIXEL["bf16" if speed.amp_dtype is not None else "fp32"]
    width = max(config.model.ngf, config.model.ndf) / 64
    return int(CPU_STEP_FIXED_BYTES + per_pixel * width * config.batch_size * config.crop_size ** 2)


def physical_memory() -> int | None:
    """The machine's memory in bytes, where the system says (Linux, macOS)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_cpu_memory(config: TrainConfig) -> None:
    """Refuse, before anything is written, a CPU run whose step cannot fit in the machine's memory: a 4096 px crop
    asked for about 400 GB, and the kernel killed the process (and starved the machine) with no word said (a
    hostile training pass)."""
    need, have = cpu_step_memory(config), physical_memory()
    if need is None or have is None or need <= have:
        return
    raise ValueError(f"a training step at a crop of {config.crop_size} px (batch {config.batch_size}, "
                     f"{max(config.model.ngf, config.model.ndf)} filters) needs about {need / 1e9:,.0f} GB of memory "
                     f"on the CPU, more than this machine's {have / 1e9:,.0f} GB: choose a smaller crop size or batch")
