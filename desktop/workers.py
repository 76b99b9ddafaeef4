"""Qt adapters: run engine jobs in a QThread and re-emit their events as signals.

The engine knows nothing of Qt. Each worker calls the same engine function the CLI calls,
with an ``on_event`` that turns events into signals (queued to the GUI thread). Progress is
coalesced so the GUI repaints at most ~10 times a second; logged loss points are batched,
never dropped.
"""

from __future__ import annotations

import threading
import time
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThread, Signal
from PySide6.QtGui import QImage

from engine.events import (CheckpointSaved, Control, ConvertFinished, ConvertProgress, Failed, FileDone, FileFailed,
                           Finished, Message, Progress, Samples)
from engine.fileio import in_words

FRAME_S = 0.1


class _Throttle:
    def __init__(self, period: float = FRAME_S):
        self.period, self.last = period, 0.0

    def ready(self) -> bool:
        now = time.monotonic()
        if now - self.last >= self.period:
            self.last = now
            return True
        return False


_running: set[QThread] = set()  # every background job started, until it ends


def track(worker: QThread) -> None:
    """Keep ``worker`` until it ends, so that closing the window can wait for it (:func:`stop_all`): a QThread
    destroyed while it runs aborts the whole process, and closing the window while a dataset was checked or
    copied, or a model evaluated, did exactly that (a core dump)."""
    _running.add(worker)
    worker.finished.connect(lambda: _running.discard(worker))


def ask_all_to_stop() -> None:
    """Tell the jobs that can stop (those with a ``control``) to stop, without waiting for them."""
    for worker in list(_running):
        if worker.isRunning() and getattr(worker, "control", None) is not None:
            worker.control.stop()


def stop_all() -> None:
    """Stop the jobs that can stop and wait for every one still running."""
    ask_all_to_stop()
    for worker in [w for w in _running if w.isRunning()]:
        worker.wait()


class TrackedThread(QThread):
    """A background job that closing the window waits for (:func:`track`)."""

    def start(self, *args) -> None:
        track(self)
        super().start(*args)


class TrainWorker(TrackedThread):  # closing waits for the step in flight (a long one aborted)
    """Builds a Trainer (fresh or resumed) off the GUI thread and runs it."""

    progress = Signal(object)      # latest Progress
    points = Signal(list)          # logged Progress events since the last emission
    samples = Signal(object)       # Samples
    checkpoint = Signal(object)    # CheckpointSaved
    message = Signal(str)
    finished_run = Signal(object)  # Finished
    failed = Signal(str)
    held = Signal(int)             # a pause took effect after this step (before the first: the run's starting step)
    nothing_left = Signal(int, int, str)  # a continued run with no step to train: its step, its last step, and why

    def __init__(self, config=None, resume_dir: str | Path | None = None, overrides: dict | None = None, parent=None):
        super().__init__(parent)
        self.config, self.resume_dir, self.overrides = config, resume_dir, overrides or {}
        self.control = Control(on_hold=self._on_hold)
        self._pending: list[Progress] = []
        self._latest: Progress | None = None
        self._throttle = _Throttle()
        self.run_dir: str = ""
        self.trainer = None  # the Trainer once built (its step, read while the run holds in a pause)

    def _on_hold(self) -> None:
        """A pause took effect: the last step goes out (held back by the rate, it said "Paused at step 4" over a
        run held after step 5), and the step it holds after, which exists before the first step too."""
        self._flush()
        self.held.emit(self.trainer.step if self.trainer is not None else 0)

    def _flush(self) -> None:
        if self._latest is not None:
            self.progress.emit(self._latest)
        if self._pending:
            self.points.emit(self._pending)
            self._pending = []

    def _on_event(self, event) -> None:
        if isinstance(event, Progress):
            self._latest = event
            if event.logged:
                self._pending.append(event)
            if self._throttle.ready():
                self._flush()
        elif isinstance(event, Samples):
            self.samples.emit(event)
        elif isinstance(event, CheckpointSaved):
            self.checkpoint.emit(event)
        elif isinstance(event, Message):
            self.message.emit(event.text)
        elif isinstance(event, (Finished, Failed)):
            self._flush()

    def run(self) -> None:
        from engine.train import Trainer, new_run

        try:
            trainer = Trainer.from_run(self.resume_dir, **self.overrides) if self.resume_dir else new_run(self.config)
        except Exception as exc:  # bad dataset, bad settings: shown in the GUI
            self.failed.emit(in_words(exc))
            return
        self.run_dir, self.trainer = str(trainer.run_dir), trainer
        why = trainer.nothing_left("Stop after steps (under All settings)")
        if why:
            self.trainer = None
            self.nothing_left.emit(trainer.step, trainer.total_steps, why)
            return
        try:
            result = trainer.run(self._on_event, self.control)
        except Exception as exc:  # the engine reports its own errors; this is a last resort
            self.failed.emit(f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}")
            return
        finally:
            self.trainer = None  # its networks and optimisers (on the GPU, maybe) go with the run, not the page
        if isinstance(result, Failed):
            self.failed.emit(result.reason)
        else:
            self.finished_run.emit(result)


class ConvertWorker(TrackedThread):  # closing waits for the image in flight
    progress = Signal(object)    # ConvertProgress (the latest)
    files_done = Signal(list)    # every FileDone since the last emission, in order (throttled, none dropped)
    file_failed = Signal(object)
    finished_all = Signal(object)  # ConvertSummary
    failed = Signal(str)

    def __init__(self, model_source: str, direction: str, src: str, dst: str, options, parent=None):
        super().__init__(parent)
        self.model_source, self.direction, self.src, self.dst, self.options = model_source, direction, src, dst, options
        self.control = Control()
        self._throttle = _Throttle()
        self._latest_progress = None
        self._done: list[FileDone] = []

    def _flush(self) -> None:
        if self._latest_progress is not None:
            self.progress.emit(self._latest_progress)
        if self._done:
            self.files_done.emit(self._done)
            self._done = []

    def _on_event(self, event) -> None:
        """Each finished file comes with the count after it: only the count flushes, or a file's own event took
        the throttle's turn and its count waited for the next file (seconds, for large photos)."""
        if isinstance(event, ConvertProgress):
            self._latest_progress = event
            if self._throttle.ready():
                self._flush()
        elif isinstance(event, FileDone):
            self._done.append(event)
        elif isinstance(event, FileFailed):
            self.file_failed.emit(event)
        elif isinstance(event, ConvertFinished):
            self._flush()

    def run(self) -> None:
        from engine.convert import convert_folder
        from engine.modelfile import load_model

        try:
            model = load_model(self.model_source, self.direction)
            summary = convert_folder(model, self.src, self.dst, self.options, self._on_event, self.control)
        except Exception as exc:  # refused folders, unreadable model: the engine's message
            self.failed.emit(in_words(exc))
            return
        self.finished_all.emit(summary)


class ThumbnailSignals(QObject):
    ready = Signal(str, QImage)


class ThumbnailTask(QRunnable):
    """Decode and shrink one image (or a pair, side by side) on a pool thread, cached as a small PNG."""

    def __init__(self, path: Path, size: int, cache_dir: Path, signals: ThumbnailSignals,
                 partner: Path | None = None, width: int | None = None, dropped: threading.Event | None = None):
        super().__init__()
        self.path, self.size, self.cache_dir, self.signals, self.partner = path, size, cache_dir, signals, partner
        self.width = width or size  # a single image that holds a pair is twice as wide
        self.dropped = dropped  # set once its grid shows other pictures: nothing to decode any more

    def run(self) -> None:
        import hashlib

        from PIL import Image

        from engine.data import load_image
        from engine.fileio import atomic_path

        if self.dropped is not None and self.dropped.is_set():
            return
        try:
            paths = [self.path] + ([self.partner] if self.partner else [])
            stamp = "|".join(f"{p}|{p.stat().st_mtime_ns}|{p.stat().st_size}" for p in paths)
            key = hashlib.sha1(f"{stamp}|{self.size}|{self.width}".encode()).hexdigest()
            cached = self.cache_dir / f"{key}.png"
            if not cached.exists():
                tiles = []
                for path in paths:
                    img = load_image(path, 3, at_least=self.width)  # a JPEG decoded at 1/8 scale where that will do
                    img.thumbnail((self.size if self.partner else self.width, self.size), Image.Resampling.BILINEAR)
                    tiles.append(img)
                img = tiles[0]
                if len(tiles) == 2:  # a pair: A and B side by side, B at A's height
                    b = tiles[1].resize((max(1, round(tiles[1].width * img.height / tiles[1].height)), img.height))
                    both = Image.new("RGB", (img.width + 2 + b.width, img.height), "white")
                    both.paste(img, (0, 0))
                    both.paste(b, (img.width + 2, 0))
                    img = both
                with atomic_path(cached) as tmp:  # a unique temp name: two pool threads may race here
                    img.save(tmp)
            image = QImage(str(cached))
        except Exception:
            image = QImage()
        try:
            self.signals.ready.emit(str(self.path), image)
        except RuntimeError:  # its grid is gone (the window closed meanwhile): nobody to show it to
            pass


class CallWorker(TrackedThread):
    """Run one plain function off the GUI thread (copying a dataset, exporting a model, ...). With
    ``stoppable``, the function is given a ``control`` through which closing the window stops it; with
    ``reports_progress``, an ``on_progress(done, total)`` that the ``progress`` signal carries. A failure's
    exception is kept in ``error``, for callers that answer some kinds of failure (its words may be anything)."""

    done = Signal(object)
    failed = Signal(str)
    progress = Signal(int, int)

    def __init__(self, fn, *args, parent=None, stoppable: bool = False, reports_progress: bool = False, **kwargs):
        super().__init__(parent)
        self.control = Control() if stoppable else None
        if stoppable:
            kwargs["control"] = self.control
        if reports_progress:
            kwargs["on_progress"] = self.progress.emit
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.error: Exception | None = None

    @property
    def stopped(self) -> bool:
        """Whether it was asked to stop (its failure is then no news to show)."""
        return self.control is not None and self.control.stopped

    def run(self) -> None:
        try:
            result = self.fn(*self.args, **self.kwargs)
        except Exception as exc:
            self.error = exc.with_traceback(None)  # not its frames (a state dict read by a failed import)
            self.failed.emit(in_words(exc))
            return
        self.done.emit(result)
