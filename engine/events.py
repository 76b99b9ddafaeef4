"""What a running job tells its front end, and how the front end steers it.

Events are small frozen dataclasses handed to an ``on_event`` callback on the worker's
thread; the CLI prints them with tqdm, the desktop app re-emits them as Qt signals. A
:class:`Control` is shared between the two threads to pause, resume or stop the job
between steps.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

LOSS_NAMES = ("D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B")  # CycleGAN's; see models/


@dataclass(frozen=True)
class Progress:
    step: int
    total_steps: int
    epoch: int
    losses: dict[str, float]
    lr: float
    images_per_s: float
    eta_s: float
    logged: bool = True  # False: ``losses`` repeat the last logged values (no device sync)


@dataclass(frozen=True)
class Samples:
    """uint8 HxWxC arrays of the model's sample panels, in grid order (``columns`` a row).

    CycleGAN: real_A, fake_B, rec_A / real_B, fake_A, rec_B; pix2pix: input, output, target.
    """
    step: int
    images: dict[str, np.ndarray]
    path: str = ""
    panels: tuple[str, ...] = ("real_A", "fake_B", "rec_A", "real_B", "fake_A", "rec_B")
    columns: int = 3


@dataclass(frozen=True)
class CheckpointSaved:
    step: int
    path: str


@dataclass(frozen=True)
class Message:
    """Something a person should read (a skipped file, a setting that was adjusted)."""
    level: str
    text: str


@dataclass(frozen=True)
class Finished:
    step: int
    run_dir: str
    stopped: bool = False
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Failed:
    step: int
    reason: str
    run_dir: str = ""
    resumable: bool = True


@dataclass(frozen=True)
class FileDone:
    """One image converted and written."""
    source: str
    output: str
    seconds: float
    note: str = ""  # what the user should know about it ("only the first of its 3 frames was converted")


@dataclass(frozen=True)
class FileFailed:
    source: str
    reason: str


@dataclass(frozen=True)
class ConvertProgress:
    """Conversion's Progress: files finished (converted or failed) out of the files to do."""
    done: int
    total: int
    images_per_s: float
    eta_s: float
    tile: int = 0  # within a large photo converted tile by tile: the tile being translated, of ``tiles``
    tiles: int = 0


@dataclass(frozen=True)
class ConvertSummary:
    output_dir: str
    total: int
    converted: int
    skipped: int
    failed: tuple[tuple[str, str], ...]
    seconds: float
    cancelled: bool = False
    error: str = ""  # set when the batch had to stop (output not writable, disk full)
    # seconds of the converting thread spent waiting for decodes, translating, and waiting for writes: which
    # of the three bounds a folder (a GPU kept 35 % busy on an H100 asks which one; docs/performance.md)
    time_split: dict = field(default_factory=dict, compare=False)

    @property
    def images_per_s(self) -> float:
        return self.converted / self.seconds if self.seconds > 0 else 0.0

    @property
    def ok(self) -> bool:
        return not self.error and not self.failed and not self.cancelled


@dataclass(frozen=True)
class ConvertFinished:
    """Conversion's Finished: always the last event, whatever happened."""
    summary: ConvertSummary


Event = (Progress | Samples | CheckpointSaved | Message | Finished | Failed
         | FileDone | FileFailed | ConvertProgress | ConvertFinished)
EventCallback = Callable[[Any], None]


class Stopped(Exception):
    """Raised inside a job when its Control asks it to stop."""


class Control:
    """Pause/resume/stop flags, safe to set from any thread. ``on_hold`` is called (in the job's thread) each time
    a pause takes effect, before the job waits: a front end that sends progress at a limited rate sends the last
    step then, or it said "Paused at step 4" over a run held after step 5."""

    def __init__(self, on_hold: Callable[[], None] | None = None) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._held = threading.Event()
        self._on_hold = on_hold
        self._on_stop: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def stop(self) -> None:
        with self._lock:
            self._stop.set()
            callbacks, self._on_stop = self._on_stop, []
        self._running.set()  # wake a paused job so it can stop
        for callback in callbacks:
            callback()

    def when_stopped(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (in the stopping thread) when the job is stopped, at once if it is already: how a job
        blocked outside Python (a read from a server that sends nothing) is woken."""
        with self._lock:
            if not self._stop.is_set():
                self._on_stop.append(callback)
                return
        callback()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def held(self) -> bool:
        """Whether the job is waiting in a pause now (``paused`` is set at once, the step in flight ends first)."""
        return self._held.is_set()

    def checkpoint(self) -> None:
        """Called by the job between steps: blocks while paused, raises Stopped on stop."""
        if not self._running.is_set():
            if self._on_hold is not None:
                self._on_hold()
            self._held.set()
            try:
                self._running.wait()
            finally:
                self._held.clear()
        if self._stop.is_set():
            raise Stopped()
