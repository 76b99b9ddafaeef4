"""Training: one loop for every method; the method's algorithm lives in its model (engine/models/).

The :class:`Trainer` owns the data, the loop, the learning-rate schedule, the speed plan
(AMP, channels_last, compile, DistributedDataParallel), logging, checkpoints, samples, events
and :class:`Control`. What it trains, a :class:`~engine.models.TranslationModel`, declares its
losses, sample panels and networks by name, and the trainer reads them from there.

A run directory (engine/rundir.py) holds ``config.json``, ``metrics.jsonl``, ``samples/``,
``checkpoints/`` and ``log.txt``. Checkpoints carry everything needed to continue bit-for-bit
on the CPU: networks, optimisers, schedules, step, image pools and their random generators
(the data pipeline derives its randomness from (seed, epoch, index), so it needs no state).

Under ``torchrun`` the same code runs DistributedDataParallel; rank 0 alone writes files
and emits events.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import logging
import math
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler
from torchvision.utils import make_grid, save_image

from . import __version__
from .config import TrainConfig, load_json, resume_config, save_json, to_dict
from .data import (FOUND_UNREADABLE, REASONS_NAMED, EpochSampler, NoReadableImage, PairedDataset, UnpairedDataset,
                   check_folder, few_images_advice, find_pairs, first_reasons, header_size, make_transform,
                   pair_shape_warnings, pictures_on_both_sides, resolve_folders, side_labels, side_names, split_note,
                   unmatched_in_words)
from .devices import out_of_memory, pick_device
from .estimate import check_cpu_memory
from .events import CheckpointSaved, Control, EventCallback, Failed, Finished, Message, Progress, Samples, Stopped
from .fileio import atomic_path, atomic_torch_save, is_disk_full, no_room_words, os_error_in
from .models import build_model
from .rundir import (CHECKPOINT_FORMAT, CheckpointError, RunDir, RunLock, RunLocked, append_metrics,
                     check_new_run_folder, clean_stale_temp_files, newest_checkpoint, read_checkpoint, read_metrics,
                     rewind_metrics, settings_from_checkpoints)
from .speed import plan_speed

log = logging.getLogger("engine.train")
# fp16's gradient scaler skips the optimiser's step where gradients overflow (the first steps, as it finds its
# scale), and the schedule still steps: expected, and it printed two lines of PyTorch's warning over the bar
warnings.filterwarnings("ignore", message=r"Detected call of `lr_scheduler\.step\(\)` before `optimizer\.step\(\)`")

PREVIEW_SIZE = 128  # smallest side of the sample images, in px


class NonFiniteLoss(RuntimeError):
    pass


class RunWriteError(RuntimeError):
    """A file of the run could not be written (a full disk, a lost permission): the message says what."""


class _QuietFileHandler(logging.FileHandler):
    """log.txt must never turn a full disk into tracebacks on stderr: a failed log write is dropped."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass


def lr_factor(epochs: int, epochs_decay: int):
    """Constant for ``epochs``, then linear towards zero over ``epochs_decay`` (the reference's rule)."""
    def factor(epoch: int) -> float:
        return max(0.0, 1.0 - max(0, epoch + 1 - epochs) / float(epochs_decay + 1))  # never below zero
    return factor


def step_lr_factor(steps: int):
    """The same rule counted in steps: constant for the first half of ``steps``, then linear to zero."""
    return lr_factor(steps - steps // 2, steps // 2)


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] NCHW floats to uint8 NHWC on the CPU."""
    return ((images.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).cpu()


def unreadable_warnings(bad: list[tuple[Path, str]]) -> list[Message]:
    """One warning a folder, naming its first files and why (the run's log names each: Trainer.run): four broken
    files were four paragraphs over the Train page's loss plot."""
    by_folder: dict[Path, list[tuple[str, str]]] = {}
    for path, reason in bad:
        by_folder.setdefault(Path(path).parent, []).append((Path(path).name, reason))
    return [Message("warning", f"skipping unreadable image {folder / files[0][0]}: {files[0][1]}" if len(files) == 1
                    else f"skipping {len(files)} unreadable images in {folder}: {first_reasons(files)}"
                    + (" (the run's log.txt names each)" if len(files) > REASONS_NAMED else ""))  # "…; ..." was all
            for folder, files in by_folder.items()]


def original_message(exc: BaseException) -> str:
    """What ``exc`` was raised saying. A DataLoader worker's exception reaches the loop re-raised with its whole
    traceback as the message ("Caught NoReadableImage in DataLoader worker process 0. Original Traceback ..."),
    which the app showed as the reason; the message is the traceback's last entry."""
    text = str(exc)
    if "Original Traceback" not in text:
        return text
    found = list(re.finditer(rf"^(?:[\w.]+\.)?{re.escape(type(exc).__name__)}: ", text, re.M))
    return text[found[-1].end():].strip() if found else text


class Trainer:
    """Trains one run of any method: the data, the loop, the schedule and the run folder."""

    def __init__(self, config: TrainConfig, *, resuming: bool = False):
        """Check everything (settings, device, data, run folder) before a file is written.

        A new run refuses a folder that is not new or empty; ``resuming`` is for
        :meth:`from_run`, which then loads the newest checkpoint that reads.
        """
        if not isinstance(config, TrainConfig):  # a dict gave an AttributeError deep inside
            raise TypeError(f"Trainer takes a TrainConfig, not {type(config).__name__} (from a dict: "
                            "engine.config.from_dict(TrainConfig, values))")
        config.validate()
        if not config.out:
            raise ValueError("a run directory (out) is required")
        # kept as typed, "ds" resumed only from the folder the run was started in
        config = dataclasses.replace(config, **{k: str(Path(v).resolve()) for k in ("data", "data_b")
                                                if (v := getattr(config, k))})
        self.config = c = config
        # "a/../b" made an empty a/ (the kernel resolves a/.. only where a exists); a folder not there is no link,
        # so its ".." is taken as written
        self.run_dir = Path(os.path.realpath(c.out)) if ".." in Path(c.out).parts else Path(c.out)
        self.rundir = RunDir(self.run_dir)
        self._new_run = not resuming  # checked again when the run takes its folder (_prepare_run_dir)
        self._damaged_config = False  # from_run read the settings from a checkpoint
        if not resuming:
            check_new_run_folder(self.run_dir)
        self._check_run_outside_the_data()
        self.world_size = int(os.environ.get("WORLD_SIZE", "1"))
        # Under torchrun the DistributedDataParallel path runs even on one GPU (torchrun
        # --nproc_per_node=1 checks it); a plain process never touches torch.distributed.
        self.distributed = self.world_size > 1 or dist.is_torchelastic_launched()
        self.rank = int(os.environ.get("RANK", "0"))
        self.is_main = self.rank == 0
        self.device = self._setup_device()
        if self.device.type == "cpu":
            check_cpu_memory(c)
        self.messages: list[Message] = []
        self._set_aside: list[tuple[Path, str]] = []  # unreadable files the header check found
        cores = os.cpu_count() or 1
        if c.workers > max(cores, 2):  # 32 on a 2-core machine: 32 processes of about 0.4 GB each (a CLI pass);
            # the default 2 is not questioned on a 1-core machine
            self.messages.append(Message("warning", f"{c.workers} data-loading workers on {cores} CPU cores: only "
                                                    f"{cores} can work at once, and each is a process with memory of "
                                                    f"its own; --workers {max(cores, 2)} is usually enough"))

        self.dataset = self._dataset()
        inner = DistributedSampler(self.dataset, num_replicas=self.world_size, rank=self.rank,
                                   shuffle=True, seed=c.seed)
        self.sampler = EpochSampler(inner)
        self.steps_per_epoch = math.ceil(len(inner) / c.batch_size)  # a pass over the data as it is now
        self.schedule_epoch = self.steps_per_epoch  # the steps an epoch of the schedule counts: kept on resume
        self._plan()
        # At least PREVIEW_SIZE px, whatever the training crop: a recipe that trains on small crops
        # (Quick's 64 px) still shows previews big enough to judge.
        said: list[str] = []
        try:
            self.preview = self.dataset.preview(max(c.crop_size, PREVIEW_SIZE), c.preprocess, c.model.size_multiple,
                                                said)
            self.messages += [Message("warning", f"{line}; it is left out of the run") for line in said]
        except NoReadableImage as exc:  # with the files the header check set aside: their warnings were lost
            aside = [f"{path.name}: {reason}" for path, reason in self._set_aside]
            raise NoReadableImage(f"{exc}" + (f"; set aside before: {'; '.join(aside)}" if aside else "")) from None

        self.speed = plan_speed(c.channels_last, c.amp, c.compile, self.device)
        self.model = build_model(c, self.device, self.speed)
        if not resuming:  # what the step draws (dropout, augmentation) repeats from the seed; resume restores it
            self.model.fit_to_data(self.dataset)
            torch.manual_seed(c.seed)
        if self.distributed:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.model.distribute(lambda module: DistributedDataParallel(module, device_ids=ids))
        if self.speed.compile:
            self.model.compile()
            # the first step holds the compilation; without a word, a bar at 0 for a minute looks hung
            self.messages.append(Message("info", f"compiling the networks for {self.device.type}: the first step "
                                         "comes after a minute or more (an H100 took 66 s for the Quick recipe's "
                                         "networks), the later ones are faster; --compile off skips it"))
        factor = step_lr_factor(c.steps) if c.steps else lr_factor(c.epochs, c.epochs_decay)
        self.schedulers = {name: torch.optim.lr_scheduler.LambdaLR(opt, factor)
                           for name, opt in self.model.optimizers.items()}
        self.step = 0
        self.saved_step: int | None = None  # step of the newest checkpoint on disk
        self.resumed_from: Path | None = None
        self._lock = RunLock(self.run_dir)
        self._unlogged: dict[str, torch.Tensor] | None = None
        self._images_per_s, self._images_per_step = 0.0, float(c.batch_size)

    # ----------------------------------------------------------------- setup
    def _setup_device(self) -> torch.device:
        if self.distributed:
            _stop_with_the_launcher()
            local = int(os.environ.get("LOCAL_RANK", "0"))
            want = self.config.device
            use_cuda = torch.cuda.is_available() and want in ("auto", "cuda") or want.startswith("cuda")
            if not dist.is_initialized():
                dist.init_process_group("nccl" if use_cuda else "gloo")
            # the ranks agree on stopping through the CPU (gloo): a flag on the GPU cost a device sync every step
            self._stop_group = dist.new_group(backend="gloo")
            if use_cuda:
                torch.cuda.set_device(local)
                return torch.device("cuda", local)
            return torch.device("cpu")
        return pick_device(self.config.device)

    def _dataset(self):
        """The training data the method asks for: two unpaired folders, or pairs."""
        c = self.config
        transform = make_transform(c.preprocess, c.load_size, c.crop_size, c.flip, multiple=c.model.size_multiple,
                                   smallest=c.model.smallest_side)
        if note := split_note(c.data, c.data_b):
            self.messages.append(Message("info", note))
        if self.model_class.paired:
            found = find_pairs(c.data, c.data_b or None)
            self._set_aside = list(found.unreadable)
            self.messages += unreadable_warnings(self._set_aside)
            if found.unmatched:
                named = unmatched_in_words(found.unmatched)
                self.messages.append(Message("warning", f"{len(found.unmatched)} file(s) without a partner of the "
                                                        f"same name were skipped: {named}"))
            names = side_labels(c.name_a, c.name_b)  # "B is stretched onto A's shape" (a pix2pix pass)
            self.messages += [Message("warning", w) for w in pair_shape_warnings(found.pairs, names)]
            # the checks below passed pix2pix by: preprocess none with a batch of pictures of several sizes stopped
            # the run at its first step ("stack expects each tensor to be equal size") after its folder was written
            self._check_pictures({"pairs": [pair.a for pair in found.pairs]},  # (B is resized to its A)
                                 halves=found.layout == "aligned")
            return PairedDataset(found.pairs, transform, c.model.channels, c.seed)
        folders = resolve_folders(c.data, c.data_b or None)
        name_a, name_b = side_labels(c.name_a, c.name_b)
        files_a, bad_a = check_folder(folders.a, name_a)
        files_b, bad_b = check_folder(folders.b, name_b)
        self._set_aside = bad_a + bad_b
        self.messages += unreadable_warnings(bad_a + bad_b)
        if shared := pictures_on_both_sides(files_a, files_b, (name_a, name_b)):
            self.messages.append(Message("warning", shared))
        self._check_pictures({"A": files_a, "B": files_b})
        return UnpairedDataset(files_a, files_b, transform, c.model.channels, c.seed, (name_a, name_b))

    def _check_pictures(self, sides: dict[str, list[Path]], halves: bool = False) -> None:
        """Advice and refusals from the pictures' headers, before any file is written: few pictures, sizes a batch
        cannot hold, pictures smaller than the crop, a load size far past them. ``sides``: each side's files, or
        ``{"pairs": ...}`` (of pairs in two folders, A's: B is resized to its A); ``halves``: each file holds a pair
        side by side, and a picture is half its width."""
        c = self.config

        def size(path: Path) -> tuple[int, int]:
            w, h = header_size(path)
            return (w // 2, h) if halves else (w, h)

        if advice := few_images_advice({side: len(files) for side, files in sides.items()}, (c.name_a, c.name_b)):
            self.messages.append(Message("warning", advice))  # the app says so on its Datasets page
        if c.preprocess == "none" and c.batch_size > 1:  # a batch is one tensor: its pictures need one size
            for side, files in sides.items():
                sizes = sorted({size(p) for p in files})
                if len(sizes) > 1:
                    name = side_names(c.name_a, c.name_b).get(side, side)
                    where = "the pairs have" if side == "pairs" else f"the {name} folder has"
                    raise ValueError(f"preprocess none keeps each picture's size, and {where} pictures "
                                     f"of {len(sizes)} sizes ({sizes[0][0]}x{sizes[0][1]}, {sizes[1][0]}x{sizes[1][1]}"
                                     f"{', ...' if len(sizes) > 2 else ''}): use batch size 1, or crop them")
        files = [p for side_files in sides.values() for p in side_files]
        if c.preprocess in ("crop", "none"):  # a picture smaller than the crop, or than the networks take, is
            # upscaled, which was done unsaid (crop), or not done at all (none: a 4x4 picture stopped the run when drawn)
            least = c.crop_size if c.preprocess == "crop" else c.model.smallest_side
            small = [(p, wh) for p in files if min(wh := size(p)) < least]
            if small:
                path, (w, h) = small[0]
                what = f"the {least} px crop" if c.preprocess == "crop" else f"the {least} px the networks take"
                advice = "a smaller crop size keeps their detail" if c.preprocess == "crop" else "so they are blurred"
                self.messages.append(Message("warning", f"{len(small)} picture(s) are smaller than {what} and are "
                                                        f"enlarged to it (such as {path.name}, {w}x{h}): {advice}"))
        if c.preprocess == "resize_and_crop":  # 72 px pictures resized to 4096: unsaid, and a step took 22 GB
            looked_at = files[::max(1, len(files) // 256)]  # headers only, and a few hundred: a large folder is quick
            shorter = []
            for path in looked_at:
                with contextlib.suppress(Exception):  # noqa: BLE001 - reading the pictures says why they are bad
                    shorter.append(min(size(path)))
            largest = max(shorter, default=0)
            if largest and c.load_size > 2 * largest:
                self.messages.append(Message(
                    "warning", f"the pictures are at most {largest} px on their shorter side (of {len(shorter)} looked "
                               f"at) and are resized to {c.load_size} px, {c.load_size / largest:.0f} times larger: "
                               "blurred, and a step costs the memory and time of that size; a load size near the "
                               "pictures' own keeps their detail"))

    def _check_run_outside_the_data(self) -> None:
        """Folders of images are read with their sub-folders: a run inside one would train on its own sample grids
        (a run at trainA/run of a dataset added its samples to domain A)."""
        c = self.config
        if c.method == "pix2pix" or not c.data:
            roots = [Path(c.data)] if c.data else []
        else:
            try:
                folders = resolve_folders(c.data, c.data_b or None)
            except (OSError, ValueError):
                return  # the data check that follows says what is wrong with the folders
            roots = [folders.a, folders.b]
        run = self.run_dir.resolve()
        for root in roots + ([Path(c.data_b)] if c.data_b else []):
            if run == root.resolve() or run.is_relative_to(root.resolve()):
                raise ValueError(f"the run folder {self.run_dir} is inside the images folder {root}: its samples "
                                 "would become training images; choose a folder outside it")

    @property
    def model_class(self):
        from .models import method_class

        return method_class(self.config)

    @classmethod
    def from_run(cls, run_dir: str | Path, **overrides) -> "Trainer":
        """Rebuild a run from its ``config.json`` and continue from its newest checkpoint that loads.

        ``overrides`` may change only what :data:`engine.config.RESUME_CHANGEABLE` names;
        others are refused by name. Skipped (damaged) checkpoints are reported as messages.
        """
        run = RunDir(run_dir)
        if not run.path.exists():  # "not a run directory (no config.json)" for a mistyped name (a CLI hostile pass)
            raise FileNotFoundError(f"{run.path} does not exist")
        if not run.is_run():
            raise FileNotFoundError(f"{run.path} is not a run directory (no config.json, no checkpoint)")
        repaired = None
        try:
            if not run.config.is_file():  # deleted: the checkpoints hold the settings
                raise ValueError(f"{run.config} is missing")
            config = load_json(TrainConfig, run.config)
            if not config.data:  # "{}" read as the defaults: it named the folder it ran in as the dataset
                raise ValueError(f"{run.config} names no dataset folder")
        except ValueError as exc:  # cut short or edited by hand: each checkpoint holds the settings too
            found = settings_from_checkpoints(run)
            if found is None:
                raise
            config, source = found
            kept = " (the damaged one is kept as config.damaged.json)" if run.config.is_file() else ""
            repaired = Message("warning", f"{exc}; the run's settings were read from {run.relative(source)} "
                                          f"instead, and config.json is written again from them{kept}")
        config.out = str(run.path)
        for key, option in (("data", "--data"), ("data_b", "--data-b")):
            stored = getattr(config, key)
            if stored and key not in overrides and not Path(stored).exists():
                raise FileNotFoundError(f"this run's {'dataset' if key == 'data' else 'B'} folder {stored} is gone "
                                        f"(moved or renamed?); to continue the run, name its new place: cyclegan "
                                        f"train --resume {run.path} {option} NEW_FOLDER")
        trainer = cls(resume_config(config, overrides), resuming=True)
        if trainer.is_main:  # a run another process (or this one) trains, refused before "resuming from …" was
            with RunLock(run.path):  # said and a checkpoint read for nothing (a crash pass); RunLocked names who
                pass  # holds it; the main process alone takes the lock, for every process of a torchrun
        if repaired is not None:
            trainer.messages.append(repaired)
            trainer._damaged_config = run.config.is_file()  # kept aside when the run takes its folder, before it is
            # written again
        trainer.resume()
        return trainer

    def resume(self) -> None:
        """Load the newest checkpoint that reads; say which one, and why newer ones were skipped."""
        def fits(path: Path, state: dict) -> None:
            try:
                self.load_state(state)
            except Exception as exc:  # another run's checkpoint copied in, or config.json edited: try an older one
                lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
                detail = lines[1] if len(lines) > 1 and lines[0].endswith(":") else (lines[0] if lines else "")
                if isinstance(exc, KeyError):  # "('G')": a pix2pix checkpoint in a CycleGAN run (a CLI hostile pass)
                    theirs = sorted(state["nets"]) if isinstance(state.get("nets"), dict) else []
                    detail = (f"its networks are {', '.join(map(str, theirs)) or 'not named'}, this run's "
                              f"{', '.join(self.model.net_names)}: a checkpoint of another kind of run")
                raise CheckpointError(f"{self.rundir.relative(path)} does not fit this run's settings "
                                      f"({detail[:200]})") from None

        try:
            found = newest_checkpoint(self.rundir, fits)
        except CheckpointError as exc:  # files exist and none loads: what a person can do instead (not converting),
            # before each file's reason: after them it was cut from the Train page's error (a datasets and runs pass)
            raise CheckpointError(f"no checkpoint of this run can be read (the files were left as they are); to "
                                  f"train again from the start with the same settings, start a new run from "
                                  f"{self.rundir.config} (Load settings… on the Train page, or cyclegan train "
                                  f"--config FILE --out NEW_FOLDER). Why: {'; '.join(exc.reasons)}",
                                  exc.reasons) from None  # the app showed flags alone
        if found is None:  # said whether or not steps were logged: a run killed before its first log began again
            # from step 0 unsaid (a crash pass)
            self.messages.append(Message("warning", f"{self.run_dir} has no checkpoint (none was saved, or it was "
                                                    "deleted): training starts again from step 0"))
            return
        path, state, skipped = found
        self.resumed_from = path
        if skipped:
            self.messages.append(Message("warning", f"resuming from {self.rundir.relative(path)} (step {self.step}); "
                                                    f"skipped newer: {'; '.join(skipped)}"))

    # ------------------------------------------------------------- the step
    def train_step(self, real_A: torch.Tensor, real_B: torch.Tensor) -> dict[str, torch.Tensor]:
        """One optimisation step of the model (see its ``train_step``); the losses stay on the device."""
        return self.model.train_step(real_A, real_B)

    def close(self) -> None:
        """End a distributed run's process group while the interpreter is fully alive.

        Left to interpreter exit, gloo's worker threads can still hold DDP's buffers and
        abort the process after a successful run (seen once in CI, torch 2.14.1).
        """
        if self.distributed and dist.is_initialized():
            self.model.distribute(lambda module: module)  # drop the DDP wrappers
            gc.collect()
            dist.destroy_process_group()

    @property
    def lr(self) -> float:
        return next(iter(self.model.optimizers.values())).param_groups[0]["lr"]

    def _plan(self) -> None:
        c = self.config
        self.planned_steps = c.steps or self.schedule_epoch * (c.epochs + c.epochs_decay)  # its whole schedule
        self.total_steps = min(c.max_steps, self.planned_steps) if c.max_steps else self.planned_steps

    @property
    def epoch(self) -> int:
        """The schedule's epoch (a pass over the data as it was when the run began)."""
        return self.step // self.schedule_epoch

    # ------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict:
        """A checkpoint: the model's part (nets, optimisers, pools) and the loop's (step, schedules, RNG)."""
        return {"format": CHECKPOINT_FORMAT, "version": __version__, "config": to_dict(self.config),
                "step": self.step, "epoch": self.epoch, "schedule_epoch": self.schedule_epoch,
                **self.model.state_dict(),
                **{f"sched_{name}": s.state_dict() for name, s in self.schedulers.items()},
                "torch_rng": torch.get_rng_state(),
                **({"cuda_rng": torch.cuda.get_rng_state(self.device)} if self.device.type == "cuda" else {})}

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore a checkpoint written by :meth:`save_checkpoint` (weights-only load: no code runs)."""
        self.load_state(read_checkpoint(path))

    def load_state(self, state: dict) -> None:
        """Restore the contents of a checkpoint (see :meth:`state_dict`)."""
        self.model.load_state_dict(state)
        for name, scheduler in self.schedulers.items():
            scheduler.load_state_dict(state[f"sched_{name}"])
        torch.set_rng_state(state["torch_rng"])
        if self.device.type == "cuda" and "cuda_rng" in state:  # dropout on the GPU draws from here
            torch.cuda.set_rng_state(state["cuda_rng"], self.device)
        self.step = int(state["step"])
        self.saved_step = self.step
        self._keep_the_schedule(state.get("schedule_epoch"))

    def _keep_the_schedule(self, kept) -> None:
        """An epoch-counted run resumed on a dataset of another size keeps the epochs it was planned with: counted
        anew, 4 pictures a side grown to 11 stretched 24 planned steps to 66 and took the learning rate below zero
        from step 44; shrunk, the run ended before its decay began (a CLI hostile pass). A checkpoint written before
        this holds no epoch length: its run counts the data's now, as it did."""
        if self.config.steps or not isinstance(kept, int) or isinstance(kept, bool) or kept < 1:
            return
        if kept != self.steps_per_epoch:
            self.messages.append(Message("warning", f"a pass over the data now takes {self.steps_per_epoch:,} "
                                                    f"steps and took {kept:,} when the run began (its pictures, or "
                                                    "the processes training it, changed): the run's schedule still "
                                                    f"counts epochs of {kept:,} steps, so it ends and its learning "
                                                    "rate decays as planned"))
        self.schedule_epoch = kept
        self._plan()

    def _write_failed(self, what: str, exc: BaseException) -> RunWriteError:
        """The sentence a person needs when a write of the run fails: what, where, and what is kept."""
        error = os_error_in(exc)
        cause = no_room_words(exc) if is_disk_full(exc) else (
            (error.strerror or str(error)).lower() if error else str(exc))
        todo = ("free some space, then " if is_disk_full(exc) else "once the run's folder can be written, ") + (
            "start the run again" if self.saved_step is None else "continue it")  # no next step was said (a review)
        return RunWriteError(f"{cause} while {what} at step {self.step}; {self._kept('previous')}: {todo}")

    def _save_after_data_loss(self, emit: EventCallback) -> None:
        """Save the steps trained since the last save when the data went (a folder moved, a drive unplugged): the
        weights are whole, as a batch that cannot be read stops a step before it starts. They were lost: 1000
        steps by default, hours on a CPU. A save that fails leaves the last checkpoint as it was."""
        if self.step == (self.saved_step or 0):
            return
        try:
            if self._unlogged is not None:
                self._log_metrics(self._unlogged, self._images_per_s)
            self.save_checkpoint(emit)
        except (OSError, RunWriteError, NonFiniteLoss) as exc:
            log.warning("the steps since the last save could not be saved: %s", exc)

    def _kept(self, which: str = "last") -> str:
        """What survives a failure, in words."""
        if self.saved_step is None:
            return "no checkpoint had been saved yet"
        return f"the {which} checkpoint (step {self.saved_step}) is intact and the run can be resumed from it"

    def save_checkpoint(self, emit: EventCallback) -> Path | None:
        """Write ``checkpoints/latest.pt`` atomically (plus a numbered copy every ``keep_every``).

        Refuses to save weights that went non-finite, so the last good checkpoint survives.
        """
        if bool(self.model.nonfinite):
            raise NonFiniteLoss(f"a loss became NaN or infinite before step {self.step}")
        if not self.is_main:
            return None
        latest = self.rundir.latest
        try:
            atomic_torch_save(self.state_dict(), latest)
        except OSError as exc:
            raise self._write_failed("saving the checkpoint", exc) from None
        self.saved_step = self.step
        keep = self.config.keep_every
        if keep and self.step and self.step % keep == 0:  # at step 0 (stopped before the first) nothing to keep
            try:
                self._copy_latest()
            except OSError as exc:
                raise self._write_failed("keeping a numbered checkpoint", exc) from None
        emit(CheckpointSaved(self.step, str(latest)))
        return latest

    # ---------------------------------------------------------------- samples
    def samples(self) -> dict[str, torch.Tensor]:
        """The model's sample panels for the fixed preview batch, in [-1, 1]."""
        return self.model.samples(self.preview)

    def _emit_samples(self, emit: EventCallback) -> None:
        if not self.is_main:
            return
        images = self.samples()
        names = self.model.sample_names
        grid = make_grid(torch.cat([images[n] for n in names]), nrow=self.model.sample_columns, normalize=True,
                         value_range=(-1, 1), padding=2)
        path = self.rundir.sample_grid(self.step)
        try:
            with atomic_path(path) as tmp:
                save_image(grid, tmp)
        except OSError as exc:
            raise self._write_failed("saving the sample grid", exc) from None
        emit(Samples(self.step, {n: to_uint8(images[n])[0].numpy() for n in names}, str(path),
                     names, self.model.sample_columns))

    # -------------------------------------------------------------- the run
    def _prepare_run_dir(self) -> list[str]:
        """Take the run folder (lock, leftovers of a killed save, config, metrics); returns notes to show."""
        if not self.is_main:
            return []
        try:
            self._lock.acquire()  # raises RunLocked, naming the holder
        except OSError as exc:  # a folder it may not create or write in: a sentence, not a traceback
            raise RunWriteError(f"cannot write in the run folder {self.run_dir}: "
                                f"{(exc.strerror or str(exc)).lower()}; nothing was trained") from None
        if self._new_run:  # again, under the lock: another Trainer made for this folder may have filled it since
            try:
                check_new_run_folder(self.run_dir)
            except (FileExistsError, NotADirectoryError) as exc:
                raise RunWriteError(f"{exc}; nothing was trained") from None
        clean_stale_temp_files(self.rundir)
        try:
            self._check_room()
        except RunWriteError:
            if self._new_run:
                self._lock.undo()
            raise
        try:
            if self._damaged_config:  # a hand edit gone wrong is the user's: kept, as metrics.damaged.txt is
                os.replace(self.rundir.config, self.rundir.damaged_config)
                self._damaged_config = False
            save_json(self.config, self.rundir.config)
            notes = rewind_metrics(self.rundir, self.step)
        except OSError as exc:
            if self._new_run:  # a full disk at the start: the new run's folder and lock file were left behind
                with contextlib.suppress(OSError):
                    self.rundir.config.unlink(missing_ok=True)
                    self.rundir.metrics.unlink(missing_ok=True)
                self._lock.undo()
            raise self._write_failed("writing config.json and metrics.jsonl", exc) from None
        self._new_run = False
        self._keep_numbered_copy()
        return notes

    def _check_room(self) -> None:
        """Before the first step: the folders checkpoints and samples go to can be written, and the disk holds a
        checkpoint. A read-only checkpoints/ or a full disk was found at the first save, up to 1000 steps (hours on
        a CPU) in (a CLI hostile pass)."""
        made = []
        try:
            for folder in (self.rundir.checkpoints, self.rundir.samples):
                try:
                    if not folder.is_dir():
                        folder.mkdir()
                        made.append(folder)
                    with tempfile.TemporaryFile(dir=folder):
                        pass
                except OSError as exc:
                    cause = no_room_words(exc) if is_disk_full(exc) else (exc.strerror or str(exc)).lower()
                    raise RunWriteError(f"cannot write in {folder}: {cause}; nothing was trained") from None
            need = self._checkpoint_bytes()
            try:
                free = shutil.disk_usage(self.rundir.checkpoints).free
            except OSError:
                return  # not known (some network shares): the first save says so if it fails
            if free < need:
                raise RunWriteError(f"too little space left on device for a checkpoint: the disk holding "
                                    f"{self.rundir.checkpoints} has {free / 2**20:,.1f} MB free, and a checkpoint of "
                                    f"this run takes at least {need / 2**20:,.1f} MB; free some space (or, on the "
                                    "command line, give --out a folder on another disk); nothing was trained")
        except RunWriteError:
            for folder in made:  # the run's folder is left as it was
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise

    def _checkpoint_bytes(self) -> int:
        """At least what a checkpoint takes: the model's state now, and Adam's two moments of every trainable
        weight where they are not made yet (at the first step)."""
        def size(obj) -> int:
            if isinstance(obj, torch.Tensor):
                return obj.numel() * obj.element_size()
            if isinstance(obj, dict):
                return sum(size(value) for value in obj.values())
            if isinstance(obj, (list, tuple)):
                return sum(size(value) for value in obj)
            return 0

        total = size(self.model.state_dict())
        if not any(opt.state for opt in self.model.optimizers.values()):
            total += 2 * sum(p.numel() * p.element_size() for net in self.model.nets.values()
                             for p in net.parameters() if p.requires_grad)
        return total

    def _copy_latest(self) -> None:
        """``latest.pt`` kept as the numbered checkpoint of its step: a copy, not a hard link, so that damage to
        latest.pt (a truncation in place) does not reach it."""
        with atomic_path(self.rundir.numbered_checkpoint(self.step)) as tmp:
            shutil.copyfile(self.rundir.latest, tmp)

    def _keep_numbered_copy(self) -> None:
        """Write the numbered copy of ``latest.pt`` that a save killed between the two left out: its step was not
        trained again, so that copy was lost for good (a hostile training pass)."""
        keep, latest = self.config.keep_every, self.rundir.latest
        if self.resumed_from != latest or not keep or not self.step or self.step % keep:
            return
        if self.rundir.numbered_checkpoint(self.step).exists():
            return
        try:
            self._copy_latest()
        except OSError as exc:  # the run itself can go on: said, not refused
            self.messages.append(Message("warning", str(self._write_failed("keeping a numbered checkpoint", exc))))

    def _log_metrics(self, losses: dict[str, torch.Tensor], images_per_s: float) -> dict[str, float]:
        names = self.model.loss_names
        values = torch.stack([losses[n].float() for n in names])
        if self.distributed:
            dist.all_reduce(values)
            values /= self.world_size
        floats = values.tolist()  # the loop's only regular host sync
        if not all(math.isfinite(v) for v in floats) or bool(self.model.nonfinite):
            raise NonFiniteLoss(f"a loss became NaN or infinite at step {self.step}")
        named = {n: round(v, 6) for n, v in zip(names, floats)}
        if self.is_main:
            record = {"step": self.step, "epoch": self.epoch, **named, "lr": self.lr,
                      "images_per_s": round(images_per_s, 3), "time": round(time.time(), 3)}
            try:
                append_metrics(self.rundir, record)
            except OSError as exc:
                raise self._write_failed("writing metrics.jsonl", exc) from None
            log.info("step %d epoch %d lr %.3g %s", self.step, self.epoch, self.lr,
                     " ".join(f"{k}={v:.4f}" for k, v in named.items()))
        return named

    def nothing_left(self, step_limit: str = "--max-steps") -> str | None:
        """Why a resumed run has no step left to train (``step_limit`` names the stop-after option as the caller
        shows it), or None. Run anyway, it trained nothing, and saved and sampled its last step over again."""
        if self.step < self.total_steps:
            return None
        if self.step < self.planned_steps:
            # "--max-steps 5" on a run at step 326 read "it is trained to step 326, where --max-steps ends it"
            return (f"it is trained to step {self.step:,}, " + ("where" if self.step == self.total_steps else
                                                               f"past step {self.total_steps:,}, where")
                    + f" {step_limit} ends it; its schedule has {self.planned_steps:,} steps: raise {step_limit} "
                    "to train further")
        return (f"it is trained to step {self.step}, all of its schedule (its learning rate has come down to "
                "zero): to train longer, start a new run with more steps")

    def run(self, on_event: EventCallback | None = None, control: Control | None = None) -> Finished | Failed:
        """Train until ``total_steps`` or until ``control`` stops it; returns the final event.

        Errors never escape: they come back (and are emitted) as :class:`Failed`, with the
        last good checkpoint left in place so the run can be resumed. Only an exception that
        ``on_event`` raises for that final event reaches the caller, and arguments of the wrong
        kind are refused (TypeError) before the run folder is touched.
        """
        if on_event is not None and not callable(on_event):  # it failed after the folder was taken, counted as a run
            raise TypeError(f"on_event must be a function taking an event, not {type(on_event).__name__}")
        if control is not None and not isinstance(control, Control):
            raise TypeError(f"control must be an engine.Control, not {type(control).__name__}")
        emit = (on_event or (lambda e: None)) if self.is_main else (lambda e: None)
        control = control or Control()
        handler = None
        start_time = time.perf_counter()
        start_step = self.step
        try:
            notes = self._prepare_run_dir()
            if self.is_main:
                try:
                    handler = _QuietFileHandler(self.rundir.log, encoding="utf-8")
                except OSError as exc:  # log.txt a folder, or unwritable: a traceback, printed three times
                    raise RunWriteError(f"cannot write the run's log {self.rundir.log}: "
                                        f"{(exc.strerror or str(exc)).lower()}; nothing was trained") from None
                handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
                logging.getLogger("engine").addHandler(handler)
                logging.getLogger("engine").setLevel(logging.INFO)
                log.info("run %s from step %d of %d on %s (world size %d, %s)", self.run_dir, self.step,
                         self.total_steps, self.device, self.world_size, self.speed.describe())
            if self.resumed_from is not None:
                log.info("resumed from %s", self.rundir.relative(self.resumed_from))
            for message in self.messages + [Message("warning", note) for note in notes]:
                if self.is_main:  # every rank finds the same: the others printed it again, bare, on stderr
                    log.warning(message.text)
                emit(message)
            if self.is_main:  # the warnings name a folder's first three; the log names every one
                for path, reason in self._set_aside:
                    log.info("set aside %s: %s", path, reason)
            try:
                self._loop(emit, control)
                stopped = False
            except Stopped:
                stopped = True
            if self._unlogged is not None:  # the last step of every run is always logged
                self._log_metrics(self._unlogged, self._images_per_s)
            self.save_checkpoint(emit)
            self._emit_samples(emit)
            result: Finished | Failed = Finished(self.step, str(self.run_dir), stopped,
                                                 time.perf_counter() - start_time)
        except (RunLocked, RunWriteError) as exc:  # their message says it all
            result = Failed(self.step, str(exc), str(self.run_dir))
        except NonFiniteLoss as exc:
            result = Failed(self.step, f"{exc}; training stopped, {self._kept('last good')} (try a lower "
                                       "learning rate)", str(self.run_dir))
        except NoReadableImage as exc:  # the pictures went, not the model: what it learnt since its last save is kept
            self._save_after_data_loss(emit)
            result = Failed(self.step, f"{original_message(exc)}; {self._kept()}", str(self.run_dir))
        except Exception as exc:  # reported, not raised: the front ends show it
            if out_of_memory(exc):  # a GPU's, or the CPU allocator's plain RuntimeError (it was shown raw)
                reason = (f"out of memory on {self.device} at crop size {self.config.crop_size} and batch size "
                          f"{self.config.batch_size}: try a smaller crop size or batch size, or another device; "
                          f"{self._kept()}")
            else:
                if handler or not self.is_main:  # for log.txt; rank 0 with none open says it once, the others here
                    log.exception("training failed")
                reason = f"{type(exc).__name__}: {original_message(exc)}; {self._kept()}"
                if is_disk_full(exc):
                    reason = str(self._write_failed("writing the run", exc))
            result = Failed(self.step, reason, str(self.run_dir))
        if isinstance(result, Failed):
            if handler:  # for log.txt; with no log open the front end alone says it (it was printed twice)
                log.error(result.reason)
        else:
            log.info("finished at step %d (%s) after %.1f s, %d steps", result.step,
                     "stopped" if result.stopped else "complete", result.seconds, self.step - start_step)
        try:
            emit(result)
        finally:
            if handler:
                logging.getLogger("engine").removeHandler(handler)
                with contextlib.suppress(OSError):  # log.txt unwritable (made immutable, a full disk): the traceback
                    handler.close()  # of closing it took the place of the run's own reason, the lock kept (a review)
            self._lock.release()
        return result

    def _loop(self, emit: EventCallback, control: Control) -> None:
        c = self.config
        loader = DataLoader(self.dataset, batch_size=c.batch_size, sampler=self.sampler,
                            num_workers=c.workers, pin_memory=self.device.type == "cuda",
                            persistent_workers=c.workers > 0, drop_last=False,
                            generator=torch.Generator(),  # its own: the global RNG is the step's (dropout)
                            worker_init_fn=_out_of_the_signalled_group)
        named: dict[str, float] = {}
        found_unreadable: set[str] = set()
        tick, tick_step, tick_images = time.perf_counter(), self.step, 0
        while self.step < self.total_steps:
            epoch, position = divmod(self.step, self.steps_per_epoch)
            self.sampler.set_epoch(epoch, skip=position * c.batch_size)
            for batch in loader:
                if any(batch[FOUND_UNREADABLE]):
                    say_found_unreadable(batch[FOUND_UNREADABLE], found_unreadable, emit)
                self._stop_point(control)
                losses = self.train_step(batch["A"], batch["B"])
                self.step += 1
                tick_images += len(batch["A"])  # a batch larger than the dataset holds the dataset, not batch_size
                self._unlogged = losses
                if c.steps or self.step % self.schedule_epoch == 0:  # step- or epoch-counted schedule
                    for scheduler in self.schedulers.values():
                        scheduler.step()
                last = self.step == self.total_steps
                now = time.perf_counter()
                logged = self.step % c.log_every == 0 or last
                if logged or not named:
                    self._images_per_s = tick_images * self.world_size / max(now - tick, 1e-9)
                    self._images_per_step = tick_images / max(self.step - tick_step, 1)
                if logged:
                    named = self._log_metrics(losses, self._images_per_s)
                    self._unlogged = None
                    tick, tick_step, tick_images = now, self.step, 0
                left = (self.total_steps - self.step) * self._images_per_step * self.world_size
                emit(Progress(self.step, self.total_steps, self.epoch, dict(named), self.lr,
                              self._images_per_s, left / max(self._images_per_s, 1e-9), logged))
                # and one after the first step: a run that samples every few hundred steps shows at once
                # that it works (on a CPU the first of the app's every-100 samples came after 100 s)
                if c.sample_every and (self.step % c.sample_every == 0 or self.step == 1) and not last:
                    self._emit_samples(emit)
                # a step to keep is saved whatever save_every says (with the default 1000, keep_every 2 kept nothing)
                if (self.step % c.save_every == 0 or (c.keep_every and self.step % c.keep_every == 0)) and not last:
                    self.save_checkpoint(emit)
                if last or self.step % self.steps_per_epoch == 0:
                    break


    def _stop_point(self, control: Control) -> None:
        """Stop here if asked (raising Stopped), every rank at the same step: torchrun passes a signal on to
        every rank, which each got at its own step, and a rank that stopped a step early left the others
        waiting in that step's gradient all-reduce till torchrun killed them, unsaved."""
        if not self.distributed:
            control.checkpoint()
            return
        asked = torch.tensor([float(control.stopped)])
        dist.all_reduce(asked, op=dist.ReduceOp.MAX, group=self._stop_group)
        if asked.item():
            raise Stopped()


NAMED_UNREADABLE = 3  # pictures found unreadable mid-run named one by one; past these, the log names them


def say_found_unreadable(texts: list[str], said: set[str], emit: EventCallback) -> None:
    """Pass on the warnings of pictures found unreadable while a batch was made (in a data worker, whose own log
    line never reached the window), each once whatever number of workers found it: logged, and the first few
    said as Messages. On every torchrun rank: the others' are logged to their console."""
    for warning in (warning for text in texts for warning in text.split("\0") if warning):
        if warning in said:
            continue
        said.add(warning)
        text = f"{warning}; it is left out of the rest of the run"
        log.warning("%s", text)
        if len(said) <= NAMED_UNREADABLE:
            emit(Message("warning", text))
        elif len(said) == NAMED_UNREADABLE + 1:
            emit(Message("warning", "more pictures cannot be read and are left out; log.txt in the run's folder "
                                    "names each"))


PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when the thread that made it ends


def _out_of_the_signalled_group(_worker: int) -> None:
    """A data worker leaves its process group, so that a stop signal sent to the group (timeout, a closed terminal,
    Ctrl-C, kill -- -PGID) reaches the trainer alone, which saves and then shuts its workers down: a worker killed
    by SIGTERM first failed the run unsaved. A worker still ends with the trainer (PyTorch watches its parent)."""
    if hasattr(os, "setpgrp"):
        os.setpgrp()
    if sys.platform.startswith("linux"):  # out of the group, a SIGKILL to it (torchrun's) no longer ends the worker:
        with contextlib.suppress(ImportError, OSError, AttributeError):  # the kernel kills it with its parent instead
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


LAUNCHER_GONE = getattr(signal, "SIGUSR2", None)  # what a rank gets when torchrun dies (cyclegan train: stop, save)
launcher_gone = threading.Event()  # it came before cyclegan train could stop the run (set up, not yet training)


def _stop_with_the_launcher() -> None:
    """A rank is told when torchrun, which started it, dies: killed with kill -9 or by the OOM killer, even with its
    whole process group, it left the ranks training unsupervised to the end of their schedule, each in a session
    of its own, holding the run's lock. A signal of its own, not SIGTERM: the kernel sends it again as each of the
    launcher's threads ends, and a second SIGTERM means quit at once, unsaved (cyclegan train)."""
    if not sys.platform.startswith("linux") or LAUNCHER_GONE is None:
        return
    if threading.current_thread() is threading.main_thread():  # its default would end the rank, unsaved
        signal.signal(LAUNCHER_GONE, lambda *_: launcher_gone.set())
    with contextlib.suppress(ImportError, OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, LAUNCHER_GONE)
        if os.getppid() == 1:  # it died before the request was made
            os.kill(os.getpid(), LAUNCHER_GONE)


def new_run(config: TrainConfig) -> Trainer:
    """A fresh trainer for ``config``; refuses a run folder that is not new or empty."""
    return Trainer(config)
