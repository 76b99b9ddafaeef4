"""How long a run will take on the machine at hand: a few real training steps, timed.

Step times differ twofold between machines that look alike (docs/performance.md), so no
figure measured elsewhere is built into a label. This builds the run's model on its device
with its speed plan, and times real optimisation steps on random images of the run's crop and
batch size (data loading aside, which runs in parallel with the steps).
"""

from __future__ import annotations

import math
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


def seconds_per_step(config: TrainConfig, steps: int = 2, warmup: int = 1, control: Control | None = None,
                     samples: int | None = None) -> float:
    """The median time of ``steps`` optimisation steps after ``warmup`` (which pays for compiling), on batches as
    large as the run's over ``samples`` pictures a side; ``control`` stops it between steps (raising Stopped: a
    Paper step takes seconds on a CPU, and closing the app waited)."""
    config.validate()
    device = pick_device(config.device)
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
        if i >= warmup:
            times.append(time.perf_counter() - start)
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
    return f"{seconds / 86400:.1f} days"
