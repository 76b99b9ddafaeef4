"""The run folder: the one module that knows its layout, and what keeps it trustworthy.

    RUN/config.json                the TrainConfig of the run (JSON)
    RUN/metrics.jsonl              one JSON line per logged step
    RUN/metrics.discarded.jsonl    lines set aside when a resume went back to an earlier step
    RUN/metrics.damaged.txt        lines of metrics.jsonl that were not records (a crash, a full disk, an edit)
    RUN/config.damaged.json        a config.json that could not be read, kept when a resume took the checkpoint's
    RUN/log.txt                    the engine's log
    RUN/samples/step_XXXXXXXX.png  sample grids
    RUN/checkpoints/latest.pt      the newest checkpoint, and step_XXXXXXXX.pt kept ones
    RUN/.lock                      held with an OS lock by the process training the run

Everything here is plain Python and Qt-free: the trainer, the CLI, the model loader and the
app all read runs through this module.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import json
import logging
import os
import re
import socket
import stat
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .fileio import atomic_write_bytes, atomic_write_text, lock_file, remove_stale_temp_files, unlock_file
from .safeload import UnreadableFile, load_weights_only

CHECKPOINT_FORMAT = "cyclegan-studio-checkpoint"
NUMBERED = re.compile(r"step_(\d{8,})\.(pt|png)")
# Files a fresh run may find in its folder without it being "someone else's folder".
IGNORABLE = {".ds_store", "thumbs.db", "desktop.ini", ".lock"}  # .lock: RunLock's, kept by the OS lock it holds

log = logging.getLogger(__name__)


class CheckpointError(ValueError):
    """A checkpoint that cannot be used, with the reason in words; where no checkpoint of a run can be used,
    ``reasons`` holds each file's."""

    def __init__(self, text: str, reasons: tuple[str, ...] = ()):
        super().__init__(text)
        self.reasons = reasons


class RunLocked(RuntimeError):
    """Another process is training this run."""


@dataclass(frozen=True)
class RunDir:
    """Paths of one run folder (nothing is created by naming them)."""

    path: Path

    def __init__(self, path: str | Path):
        object.__setattr__(self, "path", Path(path))

    @property
    def config(self) -> Path:
        return self.path / "config.json"

    @property
    def metrics(self) -> Path:
        return self.path / "metrics.jsonl"

    @property
    def discarded_metrics(self) -> Path:
        return self.path / "metrics.discarded.jsonl"

    @property
    def damaged_metrics(self) -> Path:
        return self.path / "metrics.damaged.txt"

    @property
    def damaged_config(self) -> Path:
        return self.path / "config.damaged.json"

    @property
    def log(self) -> Path:
        return self.path / "log.txt"

    @property
    def lock(self) -> Path:
        return self.path / ".lock"

    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    @property
    def latest(self) -> Path:
        return self.checkpoints / "latest.pt"

    @property
    def samples(self) -> Path:
        return self.path / "samples"

    def numbered_checkpoint(self, step: int) -> Path:
        return self.checkpoints / f"step_{step:08d}.pt"

    def sample_grid(self, step: int) -> Path:
        return self.samples / f"step_{step:08d}.png"

    def is_run(self) -> bool:
        """Its settings are here, or a checkpoint is: a run whose config.json was deleted vanished from the app's
        lists, its checkpoints kept out of reach (a datasets and runs pass); each checkpoint holds the settings."""
        return self.config.is_file() or self.has_checkpoint()

    def sample_grids(self) -> list[Path]:
        """Sample grids, oldest first."""
        return sorted(p for p in self.samples.glob("step_*.png") if NUMBERED.fullmatch(p.name))

    def checkpoint_candidates(self) -> list[Path]:
        """Checkpoint files to resume from, newest first: latest.pt, then the kept ones by step."""
        numbered = sorted((p for p in self.checkpoints.glob("step_*.pt") if NUMBERED.fullmatch(p.name)),
                          key=lambda p: int(NUMBERED.fullmatch(p.name)[1]), reverse=True)
        return ([self.latest] if self.latest.is_file() else []) + numbered

    def has_checkpoint(self) -> bool:
        return bool(self.checkpoint_candidates())

    def checkpoints_cut_short(self) -> bool:
        """It has checkpoints and every one lacks a zip's closing record, which a whole checkpoint ends with: cut
        short by a full disk, or a copy stopped part way. Read from each file's last bytes, cheap enough for a list;
        such a run looked healthy in the lists until it was continued or used (a datasets and runs pass)."""
        candidates = self.checkpoint_candidates()
        return bool(candidates) and not any(_ends_whole(path) for path in candidates)

    def relative(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.path))
        except ValueError:
            return str(path)


def _ends_whole(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return zipfile.is_zipfile(fh)
    except OSError:
        return True  # unreadable now (permissions, a network drive), perhaps not later: using it says why


# ------------------------------------------------------------------ new runs
def check_new_run_folder(path: str | Path) -> None:
    """Refuse a folder for a new run unless it is new or empty: never mix a run into other files."""
    run = RunDir(path)
    if run.path.exists() and not run.path.is_dir():
        raise NotADirectoryError(f"{run.path} is a file; choose a folder for the run")
    if run.is_run():
        raise FileExistsError(f"{run.path} already holds a run; resume it (--resume) or choose another folder")
    if run.path.is_dir():
        others = [p.name for p in run.path.iterdir() if p.name.lower() not in IGNORABLE]
        if others:
            raise FileExistsError(f"{run.path} is not empty (it holds {others[0]!r}"
                                  f"{f' and {len(others) - 1} more' if len(others) > 1 else ''}); choose a new "
                                  "or empty folder for the run")


def delete_run(path: str | Path) -> list[str]:
    """Delete what training wrote in a run folder (checkpoints, samples, log, metrics, then its settings last, so
    that an interrupted delete leaves no run without them), then each folder it made if nothing else is left in
    it. Files another program put there are kept; their paths (relative) come back. Refused, with RunLocked, while
    a process trains the run."""
    run = RunDir(path)
    if not run.is_run():
        raise ValueError(f"{run.path} is not a run folder")
    lock = RunLock(run.path)
    lock.acquire()
    try:
        clean_stale_temp_files(run)
        for file in [*run.checkpoint_candidates(), *run.sample_grids(), run.log, run.discarded_metrics,
                     run.damaged_metrics, run.damaged_config, run.metrics, run.config]:
            file.unlink(missing_ok=True)
    finally:
        lock.release()
    run.lock.unlink(missing_ok=True)
    for folder in (run.checkpoints, run.samples, run.path):
        with contextlib.suppress(OSError):  # not empty (someone else's file) or already gone
            folder.rmdir()
    return sorted(str(p.relative_to(run.path)) for p in run.path.rglob("*")) if run.path.exists() else []


def clean_stale_temp_files(run: RunDir) -> list[Path]:
    """Remove the temp files that a killed save of this run left, and nothing else."""
    removed = remove_stale_temp_files(run.path, {run.config.name, run.metrics.name, run.discarded_metrics.name,
                                                 run.damaged_metrics.name})
    removed += remove_stale_temp_files(run.checkpoints, lambda n: n == run.latest.name or bool(NUMBERED.fullmatch(n)))
    removed += remove_stale_temp_files(run.samples, lambda n: bool(NUMBERED.fullmatch(n)))
    return removed


# ------------------------------------------------------------------- metrics
@dataclass
class MetricsFile:
    rows: list[dict] = field(default_factory=list)
    damaged: list[int] = field(default_factory=list)  # 1-based numbers of lines that are not a record
    clean_end: bool = True  # False: the last line has no newline, so an append would join it
    unreadable: str = ""  # why the file could not be read at all (a folder, a pipe, no permission, an I/O error)


def read_metrics_file(path: str | Path) -> MetricsFile:
    """Every record of ``metrics.jsonl``; lines cut short (a crash, a full disk) are counted, not fatal."""
    result = MetricsFile()
    try:  # one unreadable file stopped the app from starting (its Train page lists every run's last step)
        if not stat.S_ISREG(os.stat(path).st_mode):  # a pipe would be waited on for ever
            result.unreadable = "it is not a regular file"
            return result
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return result
    except OSError as exc:
        result.unreadable = (exc.strerror or str(exc)).lower()
        return result
    result.clean_end = not text or text.endswith("\n")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        row = metrics_record(line)
        if row is None:
            result.damaged.append(number)
        else:
            result.rows.append(row)
    return result


def metrics_record(line: str | bytes) -> dict | None:
    """One line of ``metrics.jsonl`` as its record, None where it is not one: the one test of a line, for the whole
    file and for its tail (the tail's own let [[[[...]]]] 5000 deep through, which stopped the app from starting)."""
    try:
        row = json.loads(line)
    except (ValueError, RecursionError):  # not JSON, a number of 5000 digits, [[[[...]]]] 100,000 deep
        return None
    return row if isinstance(row, dict) and isinstance(row.get("step"), int) else None


def read_metrics(run_dir: str | Path) -> list[dict]:
    """All logged steps of a run, for plotting (damaged lines skipped)."""
    return read_metrics_file(RunDir(run_dir).metrics).rows


def last_step(run_dir: str | Path, tail_bytes: int = 1 << 16) -> int:
    """The last logged step, from the end of ``metrics.jsonl``: the Train page listed each run's by parsing its
    whole file (40 MB for 200,000 logged steps), and froze for seconds each time it was shown. 0 where none."""
    return last_row(run_dir, tail_bytes).get("step", 0)


def schedule_done(row: dict) -> bool:
    """Whether a run whose last logged record is ``row`` trained its whole schedule: its learning rate decays to
    zero at the end, and only there."""
    lr = row.get("lr")
    return isinstance(lr, (int, float)) and not isinstance(lr, bool) and lr <= 0


def last_row(run_dir: str | Path, tail_bytes: int = 1 << 16) -> dict:
    """The last logged record of a run, read from the end of ``metrics.jsonl`` ({} where there is none)."""
    path = RunDir(run_dir).metrics
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return {}
        with open(path, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(size - tail_bytes, 0))
            tail = fh.read()
    except OSError:
        return {}
    for line in reversed(tail.splitlines()[1 if size > tail_bytes else 0:]):  # the first may be cut
        if (row := metrics_record(line)) is not None:
            return row
    rows = read_metrics(run_dir) if size > tail_bytes else []  # a tail of damaged lines: the whole file
    return rows[-1] if rows else {}


def append_metrics(run: RunDir, record: dict) -> None:
    with open(run.metrics, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")


def rewind_metrics(run: RunDir, step: int) -> list[str]:
    """Keep the records up to ``step`` (the checkpoint resumed from); say what happened to the rest.

    Records logged after ``step`` are appended to ``metrics.discarded.jsonl`` rather than
    dropped, and damaged lines are removed; each is reported in the returned sentences.
    """
    report = read_metrics_file(run.metrics)
    if report.unreadable:  # rewritten, whatever it holds would be lost
        raise ValueError(f"{run.metrics} cannot be read ({report.unreadable}); make it readable, or move it aside "
                         "to continue the run without its loss history")
    keep = [r for r in report.rows if r["step"] <= step]
    later = [r for r in report.rows if r["step"] > step]
    notes = []
    if report.damaged:  # kept as they were, in a file of their own: they were deleted, whatever they held
        text = run.metrics.read_text(encoding="utf-8", errors="surrogateescape").splitlines()  # numbered as read
        removed = "".join(f"{text[n - 1]}\n" for n in report.damaged).encode("utf-8", "surrogateescape")
        before = run.damaged_metrics.read_bytes() if run.damaged_metrics.exists() else b""
        atomic_write_bytes(run.damaged_metrics, before + removed)
        lines = ", ".join(map(str, report.damaged[:5])) + (" ..." if len(report.damaged) > 5 else "")
        notes.append(f"metrics.jsonl: {len(report.damaged)} damaged line(s) (line {lines}; cut short by a crash "
                     f"or a full disk, or edited) were moved to {run.damaged_metrics.name}")
    if later:
        existing = run.discarded_metrics.read_text(encoding="utf-8") if run.discarded_metrics.exists() else ""
        atomic_write_text(run.discarded_metrics, existing + "".join(json.dumps(r) + "\n" for r in later))
        notes.append(f"metrics.jsonl: {len(later)} record(s) logged after step {step} (steps {later[0]['step']}-"
                     f"{later[-1]['step']}) were moved to {run.discarded_metrics.name}; those steps are trained again")
    if later or report.damaged or not report.clean_end or not run.metrics.exists():
        atomic_write_text(run.metrics, "".join(json.dumps(r) + "\n" for r in keep))
    return notes


# --------------------------------------------------------------- checkpoints
def read_checkpoint(path: str | Path) -> dict:
    """A checkpoint's contents, loaded weights-only (no code runs); CheckpointError if unusable."""
    path = Path(path)
    try:
        state = load_weights_only(path)
    except FileNotFoundError:
        raise CheckpointError(f"{path.name} does not exist") from None
    except UnreadableFile as exc:
        if exc.refused:
            raise CheckpointError(f"{path.name} was refused: {exc.reason}, which a checkpoint never holds") from None
        raise CheckpointError(f"{path.name} is damaged or not a checkpoint: {exc.reason}") from None
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path.name} is not a CycleGAN Studio checkpoint")
    missing = [k for k in ("step", "nets") if k not in state]
    if missing or not isinstance(state.get("step"), int) or not isinstance(state.get("nets"), dict):
        raise CheckpointError(f"{path.name} lacks {', '.join(missing) or 'a valid step'}")
    return state


def newest_checkpoint(run: RunDir, use=None) -> tuple[Path, dict, list[str]] | None:
    """The newest checkpoint that loads, with a reason for each newer one skipped; None if there is none.

    ``use(path, state)``, if given, is tried on each checkpoint that reads; one it refuses (raising
    CheckpointError: a checkpoint of another run copied in, say) is skipped like a damaged one.

    Raises CheckpointError if checkpoint files exist but none of them loads: they are left
    as they are, since a file that cannot be read now (permissions, a network drive) may be
    readable later.
    """
    candidates = run.checkpoint_candidates()
    skipped = [] if run.latest.is_file() or not candidates else [f"{run.latest.name} is missing"]
    for path in candidates:
        try:
            state = read_checkpoint(path)
            if use is not None:
                use(path, state)
            return path, state, skipped
        except CheckpointError as exc:
            skipped.append(str(exc))
    if candidates:
        raise CheckpointError(f"no checkpoint of {run.path} can be read (the files were left as they are): "
                              f"{'; '.join(skipped)}", tuple(skipped))
    return None


# ---------------------------------------------------------------------- lock
HELD_ERRNOS = {errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES}  # what a lock another process holds answers
LOCK_RETRY_S = 0.25  # a lock held for an instant (the app looking whether a run is trained elsewhere) is waited for


class RunLock:
    """An OS lock on ``RUN/.lock`` while a process trains the run; the OS releases it if the process dies.

    The lock file holds who took it (process, host, start time, command), which a second
    process reads to say who it is waiting for (see :func:`engine.fileio.lock_file`).
    """

    def __init__(self, run_dir: str | Path):
        self.run = RunDir(run_dir)
        self._fh = None
        self.made: list[Path] = []  # the folders acquire made, the run's first, then outward

    def acquire(self) -> None:
        self.made = [p for p in (self.run.path, *self.run.path.parents) if not p.exists()]
        try:
            self.run.path.mkdir(parents=True, exist_ok=True)
            self._take()
        except OSError:
            self.undo()
            raise

    def undo(self) -> None:
        """Release the lock and remove its file and the folders acquire made, where nothing else is in them: a
        refusal left them behind (an empty folder on a full disk; "q/" of a name too long for the file system)."""
        made, self.made = self.made, []
        if made:  # its file first, while it is held: released first, another process could take it meanwhile
            with contextlib.suppress(OSError):
                self.run.lock.unlink(missing_ok=True)
        self.release()
        for folder in made:  # rmdir takes only an empty one; one never made (a name too long) is passed over
            with contextlib.suppress(OSError):
                folder.rmdir()

    def _take(self) -> None:
        fh = open(self.run.lock, "a+", encoding="utf-8")
        try:
            deadline = time.monotonic() + LOCK_RETRY_S
            while True:  # the app's look at a stale lock takes it for an instant: a start then was refused
                try:
                    lock_file(fh)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
        except OSError:
            owner = None
            with contextlib.suppress(OSError, ValueError):
                fh.seek(0)
                owner = json.loads(fh.read() or "{}")
            fh.close()
            if isinstance(owner, dict) and owner.get("pid") == os.getpid() and owner.get("host") == socket.gethostname():
                # the app renaming or deleting the run its own Train page trains: it named itself "another process"
                raise RunLocked(f"{self.run.path} is being trained by this program (since {owner.get('since', '?')}); "
                                "stop that run first, then try again") from None
            raise RunLocked(f"{self.run.path} is being trained by another process ({_describe_owner(owner)}); "
                            "wait for it to finish or stop it, then try again") from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "since": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                                 "command": " ".join([Path(sys.argv[0]).name] + sys.argv[1:])[:300]}))
            fh.flush()
        except OSError:
            with contextlib.suppress(OSError):
                fh.close()
            raise
        self._fh = fh

    def release(self) -> None:
        if self._fh is None:
            return
        with contextlib.suppress(OSError):
            self._fh.seek(0)
            self._fh.truncate()
        with contextlib.suppress(OSError):
            unlock_file(self._fh)
        self._fh.close()
        self._fh = None

    def __enter__(self) -> "RunLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def trained_elsewhere(run_dir: str | Path) -> str | None:
    """Who trains the run now, in words, if another process holds its lock (``cyclegan train`` in a terminal, say);
    None otherwise, or where it cannot be told. Tried only where the lock file names a holder (a released lock is
    emptied), and not waited for. The app listed such a run as idle, and Continue, Rename and Delete each failed on
    it (a datasets and runs pass)."""
    run = RunDir(run_dir)
    try:
        fh = open(run.lock, "rb")
    except OSError:
        return None
    with fh:
        try:
            if not fh.read(1):
                return None
        except PermissionError:  # Windows: a held lock refuses even reads of its byte
            return _holder_words(None)
        try:
            lock_file(fh)
        except OSError as exc:
            if exc.errno not in HELD_ERRNOS:  # a file system that cannot lock a file opened to read (NFS): not known
                return None
            fh.seek(0)
            try:
                owner = json.loads(fh.read(65536) or b"{}")
            except (ValueError, OSError):
                owner = None
            return _holder_words(owner)
        unlock_file(fh)  # held by nobody: its holder was killed
    return None


def _holder_words(owner) -> str:
    """Who holds a run's lock, as the end of "being trained by …"."""
    if not isinstance(owner, dict) or "pid" not in owner:
        return "another process (its details could not be read)"
    return _describe_owner(owner)


def _describe_owner(owner) -> str:
    if not isinstance(owner, dict) or "pid" not in owner:
        return "its details could not be read"
    text = f"process {owner['pid']}"
    if owner.get("host") and owner["host"] != socket.gethostname():
        text += f" on {owner['host']}"
    if owner.get("since"):
        text += f", since {owner['since']}"
    if owner.get("command"):
        text += f": {owner['command']}"
    return text


def settings_from_checkpoints(run: RunDir):
    """(TrainConfig, checkpoint) from the newest checkpoint whose copy of the run's settings reads, or None: every
    checkpoint holds them, and a damaged config.json had blocked the run from being resumed at all."""
    from .config import TrainConfig, from_dict

    for path in run.checkpoint_candidates():
        try:
            config = from_dict(TrainConfig, read_checkpoint(path)["config"])
            config.validate()
        except (CheckpointError, KeyError, TypeError, ValueError):
            continue
        return config, path
    return None


def missing_data_folders(run_dir: str | Path) -> list[tuple[str, str]]:
    """The run's data folders that are gone (moved or renamed), as (setting, path): "data" and "data_b" are
    what :meth:`engine.train.Trainer.from_run` takes to follow them. None if its settings do not read."""
    try:
        config = load_config(run_dir)
    except (OSError, ValueError):
        return []  # resuming says why
    return [(key, path) for key in ("data", "data_b") if (path := getattr(config, key)) and not Path(path).exists()]


def held_out_folder(run_dir: str | Path, direction: str = "AtoB") -> Path | None:
    """The run's own held-out pictures to convert in ``direction`` (its dataset's testA/ for A → B, testB/ for
    B → A), where it has them: a run just trained was offered on Convert with the demo photos still as its input
    (a still-weak item of a note). None where there are none, or its settings or folders do not read."""
    from .data import resolve_folders

    try:
        config = load_config(run_dir)
        folders = resolve_folders(config.data, config.data_b or None)
        root = Path(config.data).parent
        if config.data_b and Path(config.data_b).parent == root:  # trainA/ and trainB/ given as two folders, as the
            whole = resolve_folders(root)  # app gives a dataset's: their root's test folders
            if (whole.a.resolve(), whole.b.resolve()) == (folders.a.resolve(), folders.b.resolve()):
                folders = whole
    except (OSError, ValueError):
        return None
    test = folders.test_a if direction == "AtoB" else folders.test_b
    return test if test is not None and test.is_dir() else None


# ------------------------------------------------------------------ describe
def load_config(run_dir: str | Path):
    """The run's TrainConfig (ValueError naming the file if it is damaged)."""
    from .config import TrainConfig, load_json

    run = RunDir(run_dir)
    if not run.is_run():
        raise FileNotFoundError(f"{run.path} is not a run directory (no config.json, no checkpoint)")
    if not run.config.is_file():  # deleted: each checkpoint holds the settings (continuing writes it again)
        found = settings_from_checkpoints(run)
        if found is None:
            raise ValueError(f"{run.config} is missing, and no checkpoint of the run holds its settings")
        return found[0]
    try:
        return load_json(TrainConfig, run.config)
    except ValueError:  # cut short: read from a checkpoint, as continuing does (info failed where --resume mended
        found = settings_from_checkpoints(run)  # it; a crash pass)
        if found is None:
            raise
        return found[0]


def describe(run_dir: str | Path, read_checkpoints: bool = True, whole_history: bool = True) -> dict:
    """What ``cyclegan info`` prints for a run folder. Without ``read_checkpoints`` the checkpoint named is the
    newest by name, unread (a page showing a run on the GUI thread: a checkpoint can be hundreds of MB); without
    ``whole_history`` the last logged step is read from the end of the losses (parsing 200,000 logged steps held the
    Models page 2 s at each click on the run), and damaged lines are not counted (None)."""
    from .config import to_dict
    from .models import learnt_directions

    run = RunDir(run_dir)
    config = load_config(run.path)
    metrics = read_metrics_file(run.metrics) if whole_history else None
    last = (metrics.rows[-1] if metrics.rows else {}) if metrics is not None else last_row(run.path)
    if not read_checkpoints:
        candidates = run.checkpoint_candidates()
        path, state, skipped = (candidates[0] if candidates else None), {}, []
    else:
        try:  # the one a resume or an export would use: the first by name was named, damaged or not
            found, problem = newest_checkpoint(run), []
        except CheckpointError as exc:
            found, problem = None, [str(exc)]
        path, state, skipped = found or (None, {}, problem)
    described = {
        "kind": "run",
        "path": str(run.path),
        "domains": [config.name_a, config.name_b],
        "method": config.method,
        "directions": list(learnt_directions(config)),  # pix2pix learns one
        "data": [config.data, config.data_b] if config.data_b else config.data,
        "model": to_dict(config.model),
        "crop_size": config.crop_size,
        "last_logged_step": last.get("step", 0),
        "finished": schedule_done(last),  # a stopped run and a finished one looked alike on the Models page
        "planned_steps": config.steps,  # 0: by epochs, whose count of steps depends on the dataset
        "last_losses": {k: v for k, v in last.items() if k not in ("step", "epoch", "time")},
        "damaged_metrics_lines": len(metrics.damaged) if metrics is not None else None,
        "checkpoint": str(path) if path else None,
        "checkpoint_step": state.get("step"),
        "checkpoints_skipped": skipped,
    }
    if metrics is not None and metrics.unreadable:
        described["metrics_unreadable"] = metrics.unreadable
    return described
