"""Configuration as plain dataclasses with a JSON round trip.

Every knob the engine has lives here, with its default and a one-line help text in the
field's metadata. The command line is generated from these fields (see ``cli.py``), the
desktop app edits the same objects, and a run directory stores them as ``config.json`` so
a run can be resumed or reproduced exactly.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import sys
import types
import typing
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def opt(default: Any, help: str, choices: tuple | None = None, cli: bool = True,
        bounds: tuple[float, float] | None = None, flag: str | None = None) -> Any:
    """A dataclass field carrying a help text, its choices or its inclusive ``bounds``.

    The metadata serves three readers: the generated CLI, the app's forms (ranges of the
    number boxes) and :func:`check_fields`, which validates every field from it. ``flag``
    names the option on the command line when it differs from the field's name.
    """
    return field(default=default, metadata={"help": help, "choices": choices, "cli": cli, "bounds": bounds,
                                            "flag": flag})


BIG = 10**12  # "no practical limit" for counters of steps
DEVICE_NAME = re.compile(r"auto|cpu|mps|cuda(:\d+)?")


DOMAIN_NAME_LENGTH = 200  # a side's name, as a model file carries it (engine.modelfile checks those it reads)


def domain_name_problem(name: str) -> str:
    """What is wrong with a side's name, to follow its name ("name-a cannot be empty…"), or "": the same rules for
    a run's sides, the names given at import, and those a model file brings (a CLI hostile pass: a terminal's
    escape codes and line breaks were written into files and printed back)."""
    if not name.strip():  # a model then read " → " wherever it was shown
        return "cannot be empty: it names the side in the app and in model files"
    if any(unicodedata.category(c) == "Cc" for c in name):  # a model's name then broke over two lines
        return "cannot hold tabs, line breaks or other control characters"
    if len(name) > DOMAIN_NAME_LENGTH:  # its models were then refused as "damaged metadata"
        return f"can be at most {DOMAIN_NAME_LENGTH} characters long"
    return ""


def clean_side_name(name: str, fallback: str) -> str:
    """A side's name as a model file brought it, made fit to show: control characters as spaces, at most
    DOMAIN_NAME_LENGTH characters, ``fallback`` ("A", "B") for a blank one."""
    shown = " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in name).split())
    return shown[:DOMAIN_NAME_LENGTH] or fallback


def flag(name: str, cls: type | None = None) -> str:
    """A field's name as the command line spells it (crop_size -> crop-size, method -> model)."""
    if cls is not None:
        declared = {f.name: f.metadata.get("flag") for f in dataclasses.fields(cls)}.get(name)
        if declared:
            return declared
    return name.replace("_", "-")


def can_compile() -> bool:
    """torch.compile builds C++ against Python's and torch's headers, which an installed (PyInstaller) app does
    not ship: there training died at its first step ("cpp_prefix.h: No such file") and converting lost 5 s
    before it fell back. ``auto`` means off there, and ``on`` is refused before anything is written."""
    return not getattr(sys, "frozen", False)


NO_COMPILE_HERE = ("compile on needs Python's headers and a C compiler, which the installed app does not ship: "
                   "use compile off (or auto), or run from source")


def check_fields(config: Any) -> list[str]:
    """Problems with the type, choice or bounds of each field of ``config``, from its metadata.

    A config read from JSON has not been through argparse, so types are checked too.
    """
    problems = []
    hints = typing.get_type_hints(type(config))
    for f in dataclasses.fields(config):
        value, kind = getattr(config, f.name), hints[f.name]
        if dataclasses.is_dataclass(kind):
            continue
        name = flag(f.name, type(config))
        if kind is bool:
            ok = isinstance(value, bool)
        elif kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        else:
            ok = isinstance(value, kind) if isinstance(kind, type) else True
        if not ok:
            problems.append(f"{name} must be {'a finite number' if kind is float else kind.__name__}, got {value!r}")
            continue
        choices, bounds = f.metadata.get("choices"), f.metadata.get("bounds")
        if choices and value not in choices:
            problems.append(f"{name} must be one of {', '.join(map(str, choices))}, got {value!r}")
        if bounds and not bounds[0] <= value <= bounds[1]:
            problems.append(f"{name} must be between {_number(bounds[0])} and {_number(bounds[1])}, "
                            f"got {_number(value)}")
    return problems


def _number(value: float) -> str:
    """Short where that loses nothing (1e-08, 0.999999), exact otherwise (9223372036854775807); whole numbers
    in full, large ones grouped (1,000,000,000: "1e+09" read as a typo)."""
    if float(value).is_integer() and abs(value) < 1e18:
        return f"{int(value):,}" if abs(value) >= 100_000 else str(int(value))
    short = f"{value:g}"
    return short if float(short) == value else repr(value)


def raise_problems(problems: list[str]) -> None:
    if problems:
        raise ValueError("; ".join(problems))


@dataclass
class ModelConfig:
    """Architecture of the networks: CycleGAN's two generators and two discriminators (Zhu et al. 2017, sec. 4),
    pix2pix's one of each (Isola et al. 2017)."""

    channels: int = opt(3, "image channels: 3 for RGB, 1 for grayscale", (1, 3))
    blocks: int = opt(9, "residual blocks in each generator (9 for 256 px, 6 for 128 px)", bounds=(0, 64))
    ngf: int = opt(64, "filters in the generators' first layer", bounds=(1, 256))
    ndf: int = opt(64, "filters in the discriminators' first layer", bounds=(1, 256))
    d_layers: int = opt(3, "strided layers in the PatchGAN discriminator (3 gives 70x70)", bounds=(1, 6))
    norm: str = opt("instance", "normalisation layer of the generators (and of the discriminators unless d-norm "
                                "says otherwise)", ("instance", "instance_affine", "batch", "none"))
    d_norm: str = opt("same", "normalisation of the discriminators: the same as norm (the paper), none, or "
                              "spectral (spectral norm on every conv and no other norm; Miyato et al. 2018)",
                      ("same", "instance", "instance_affine", "batch", "none", "spectral"))
    upsample: str = opt(
        "transpose",
        "generator upsampling: transposed conv (paper) or resize-conv (no checkerboards)",
        ("transpose", "resize"),
    )
    residual: bool = opt(
        False, "generator predicts a change of its input (tanh(atanh(x) + r)) instead of a new image; "
        "not in the paper, keeps structure on small, short runs")
    colour: str = opt("none", "a global colour map in front of the generator: none, or affine (a 3x3 colour matrix "
                              "and offset, fitted to all the photos before the first step so that each channel's "
                              "mean and spread match the other domain's, mixing channels only as far as the photos "
                              "leave no doubt, then kept: the generator starts as a colour transfer and learns only "
                              "what a global map cannot), or tones (the same for the shadows and for the "
                              "highlights, blended by luma, their difference kept as far as the photos leave no "
                              "doubt: teal shadows and orange highlights)", ("none", "affine", "tones"))
    detail: bool = opt(False, "a global change of local contrast after the colour map: one gain for each of three bands "
                              "of detail (1, 2 and 4 px), fitted before the first step so that each band's energy "
                              "matches the other domain's as far as the photos leave no doubt, then kept")
    init: str = opt("normal", "weight initialisation", ("normal", "xavier", "kaiming", "orthogonal"))
    init_gain: float = opt(0.02, "scale of the weight initialisation", bounds=(1e-6, 10.0))
    generator: str = opt("resnet", "generator: resnet (CycleGAN's, 'blocks' residual blocks) or the U-Net of "
                                   "pix2pix, unet_256 or unet_128 (8 or 7 levels; crops a multiple of 256 or 128)",
                         ("resnet", "unet_256", "unet_128"))
    dropout: bool = opt(False, "dropout 0.5 in the generator (pix2pix's U-Net has it; CycleGAN's ResNet not)")

    @property
    def size_multiple(self) -> int:
        """Height and width the generator needs to be divisible by."""
        return {"unet_256": 256, "unet_128": 128}.get(self.generator, 4)

    @property
    def discriminator_smallest(self) -> int:
        """The fewest pixels a side the discriminator takes: each strided layer halves, the two last 4x4
        convolutions take a pixel each and their instance norm needs more than one value (3 * 2^layers: 24 for
        70x70 patches)."""
        return 3 * 2 ** self.d_layers

    @property
    def smallest_side(self) -> int:
        """The fewest pixels a side the networks take: the discriminator's, and the generator's multiple."""
        return max(self.size_multiple, self.discriminator_smallest)

    def validate(self) -> None:
        """Raise ValueError for an architecture outside the declared bounds (before anything is built)."""
        raise_problems(check_fields(self))


@dataclass
class TrainConfig:
    """One training run: data, optimisation and bookkeeping. Defaults are the paper's."""

    data: str = opt("", "dataset root: trainA/ and trainB/, A/ and B/, or (pix2pix) train/ of side-by-side pairs")
    data_b: str = opt("", "folder of domain B images; when given, --data is folder A")
    out: str = opt("", "run directory (created; holds config, metrics, samples, checkpoints)")
    name_a: str = opt("A", "display name of domain A")
    name_b: str = opt("B", "display name of domain B")
    model: ModelConfig = field(default_factory=ModelConfig)
    method: str = opt("cyclegan", "what to train: cyclegan (two folders of unpaired images) or "
                                  "pix2pix (pairs: the same picture on both sides)", ("cyclegan", "pix2pix"),
                      flag="model")
    direction: str = opt("AtoB", "pix2pix: which side is the input, AtoB or BtoA (CycleGAN learns both)",
                         ("AtoB", "BtoA"))
    lambda_l1: float = opt(100.0, "pix2pix: weight of the L1 distance between output and target",
                           bounds=(0.0, 10000.0))
    load_size: int = opt(286, "images are scaled so the shorter side has this many pixels", bounds=(8, 8192))
    crop_size: int = opt(256, "square random crop fed to the networks (a multiple of 4)", bounds=(8, 4096))
    preprocess: str = opt(
        "resize_and_crop", "resize then crop, crop only, or none", ("resize_and_crop", "crop", "none")
    )
    flip: bool = opt(True, "random horizontal flips")
    batch_size: int = opt(1, "images per step from each domain", bounds=(1, 1024))
    epochs: int = opt(100, "epochs at the initial learning rate", bounds=(0, 10**6))
    epochs_decay: int = opt(100, "epochs of linear learning-rate decay to zero", bounds=(0, 10**6))
    max_steps: int = opt(0, "stop after this many steps in total (0: run all epochs)", bounds=(0, BIG))
    steps: int = opt(0, "train this many steps: lr constant for the first half, then linear to zero "
                        "(0: use epochs and epochs-decay, the paper's schedule)", bounds=(0, BIG))
    lr: float = opt(2e-4, "Adam learning rate", bounds=(1e-8, 1.0))
    beta1: float = opt(0.5, "Adam beta1", bounds=(0.0, 0.9999))
    beta2: float = opt(0.999, "Adam beta2", bounds=(0.0, 0.999999))
    gan_mode: str = opt("lsgan", "adversarial loss", ("lsgan", "vanilla"))
    lambda_cycle: float = opt(10.0, "weight of the cycle-consistency loss", bounds=(0.0, 1000.0))
    lambda_identity: float = opt(0.5, "weight of the identity loss, relative to lambda-cycle (0 disables)",
                                 bounds=(0.0, 100.0))
    pool_size: int = opt(50, "generated images kept in the discriminators' history pool", bounds=(0, 10000))
    d_augment: str = opt("", "differentiable augmentation of the discriminators' inputs, comma-separated: "
                             "translation, cutout (DiffAugment, Zhao et al. 2020), highpass (only the detail a "
                             "2 px blur removes: no colour or tone of a region); empty: off, as in the paper")
    ema: float = opt(0.0, "also keep a moving average of the generators' weights with this decay (e.g. 0.999); "
                          "samples and exported models use it (0: off, as in the paper)", bounds=(0.0, 0.999999))
    device: str = opt("auto", "auto, cpu, cuda, cuda:N or mps")
    seed: int = opt(0, "random seed (data order, crops, initialisation, pool)", bounds=(0, 2**63 - 1))
    workers: int = opt(2, "data-loading worker processes (0 loads in the training process)", bounds=(0, 64))
    channels_last: str = opt("auto", "NHWC memory layout: auto (on CUDA only; measured 2 % slower on a 2-core "
                                     "CPU), on, off", ("auto", "on", "off"))
    amp: str = opt("auto", "mixed precision: auto (bf16 on CUDA GPUs that have it and on CPUs with native bf16, "
                           "else off), bf16, fp16, off", ("auto", "bf16", "fp16", "off"))
    compile: str = opt("auto", "torch.compile the networks: auto (on CUDA only), on, off", ("auto", "on", "off"))
    log_every: int = opt(50, "steps between logged losses (the loop's only regular host syncs)", bounds=(1, BIG))
    sample_every: int = opt(500, "steps between sample images, and one after the first step (0: only at the end)",
                            bounds=(0, BIG))
    save_every: int = opt(1000, "steps between updates of checkpoints/latest.pt", bounds=(1, BIG))
    keep_every: int = opt(10000, "steps between kept numbered checkpoints (0: none)", bounds=(0, BIG))

    def validate(self) -> None:
        """Raise ValueError naming every setting that cannot work; called before any file is written."""
        if not isinstance(self.model, ModelConfig):  # a dict from a script: a bare "must be called with a dataclass"
            raise TypeError(f"model must be a ModelConfig, not {type(self.model).__name__} (from a dict: "
                            "engine.config.from_dict(TrainConfig, {..., 'model': {...}}))")
        problems = check_fields(self) + check_fields(self.model)
        if problems:  # the rules below assume well-typed values
            raise_problems(problems)
        for side, name in (("a", self.name_a), ("b", self.name_b)):
            if problem := domain_name_problem(name):
                problems.append(f"name-{side} {problem}")
        multiple = self.model.size_multiple
        if self.crop_size % multiple and self.preprocess != "none":
            problems.append(f"crop size must be a multiple of {multiple}"
                            f"{f' for the {self.model.generator} generator' if multiple > 4 else ''}, "
                            f"got {self.crop_size}")
        if self.model.residual and self.model.generator != "resnet":
            problems.append(f"residual needs the resnet generator, not {self.model.generator}")
        if self.model.colour != "none" and self.model.generator != "resnet":
            problems.append(f"colour {self.model.colour} needs the resnet generator, not {self.model.generator}")
        if self.model.detail and self.model.generator != "resnet":
            problems.append(f"detail needs the resnet generator, not {self.model.generator}")
        if self.preprocess == "resize_and_crop" and self.load_size < self.crop_size:
            problems.append(f"load size {self.load_size} is smaller than crop size {self.crop_size} (pictures are "
                            f"scaled to {self.load_size} px before a crop is cut: set load size to "
                            f"{self.crop_size} or more, too)")
        if self.epochs + self.epochs_decay < 1:
            problems.append("epochs + epochs-decay must be at least 1")
        if self.compile == "on" and not can_compile():
            problems.append(NO_COMPILE_HERE)
        smallest = self.model.discriminator_smallest
        if self.preprocess != "none" and self.crop_size < smallest:
            problems.append(f"d-layers {self.model.d_layers} needs crops of at least {smallest} px, "
                            f"got {self.crop_size}")
        if not DEVICE_NAME.fullmatch(self.device):
            problems.append(f"unknown device {self.device!r} (use auto, cpu, cuda, cuda:N or mps)")
        from .augment import POLICIES  # here: the module needs torch, the configs do not

        unknown = {p.strip() for p in self.d_augment.split(",") if p.strip()} - set(POLICIES)
        if unknown:
            problems.append(f"unknown d-augment policy {', '.join(sorted(unknown))} (use {', '.join(POLICIES)})")
        raise_problems(problems)


# What a resumed run may change: where and how fast it runs, how often it reports, and how
# far it goes. Everything else is part of what was trained (and of its schedule).
RESUME_CHANGEABLE = ("max_steps", "device", "workers", "amp", "channels_last", "compile", "log_every",
                     "sample_every", "save_every", "keep_every")


def resume_config(config: "TrainConfig", overrides: dict) -> "TrainConfig":
    """``config`` with the ``overrides`` a resumed run accepts; refuses the others by name. The data folders
    may be named again: as the same folder (written another way), or anew where the run's is gone (moved)."""
    accepted = {}
    for key in ("data", "data_b"):
        if key in overrides and (stored := getattr(config, key)):
            given = Path(overrides[key]).resolve()
            if not Path(stored).exists() or given == Path(stored).resolve() or (
                    given.exists() and os.path.samefile(given, stored)):  # a case-insensitive disk: ~/DS is ~/ds
                accepted[key] = str(given)
    def same(key: str, given) -> bool:
        stored = getattr(config, key) if hasattr(config, key) else getattr(config.model, key, None)
        if key == "out" and given and stored:  # the run's folder, written another way ($PWD/runs/x for runs/x)
            return Path(given).resolve() == Path(stored).resolve()
        return given == stored

    unchanged = {k for k in overrides if k not in RESUME_CHANGEABLE and k not in accepted  # the command line that
                 and same(k, overrides[k])}  # started it, with --resume added: refused as a change of nothing
    overrides = {k: v for k, v in overrides.items() if k not in unchanged}
    refused = sorted(k for k in overrides if k not in RESUME_CHANGEABLE and k not in accepted)
    if refused:
        names = ", ".join(f"--{flag(k, TrainConfig)}" for k in refused)
        raise ValueError(f"{names} cannot change when a run is resumed (only "
                         f"{', '.join('--' + flag(k) for k in RESUME_CHANGEABLE)} can); to train with other "
                         f"settings, start a new run from this one's: --config {Path(config.out or 'RUN') / 'config.json'} "
                         "--out NEW_FOLDER")
    updated = dataclasses.replace(config, **{**overrides, **accepted})
    updated.validate()
    return updated


@dataclass
class ConvertConfig:
    """How a folder is converted. Everything else (sizes, modes) follows the input images."""

    direction: str = opt("AtoB", "which generator of a run folder to use (default: the one a pix2pix run learnt; "
                                 "AtoB for CycleGAN)", ("AtoB", "BtoA"))
    strength: float = opt(1.0, "how much of the model's change to apply: 1 all of it, 0.5 half (each result blended "
                               "with its input), up to 2 for twice the change", bounds=(0.01, 2.0))
    recursive: bool = opt(True, "include sub-folders (their structure is kept in the output)")
    format: str = opt("keep", "output format: keep the input's, or png, jpg, webp", ("keep", "png", "jpg", "webp"))
    suffix: str = opt("", "added to each output's file name, before the extension (photo.jpg -> photo_monet.jpg), "
                          "so results of several models can share a folder")
    quality: int = opt(95, "JPEG/WebP quality, 1-100", bounds=(1, 100))
    skip_existing: bool = opt(False, "leave outputs that already exist (continue an interrupted run)")
    replace_existing: bool = opt(False, "write over outputs that already exist (without this or --skip-existing, a "
                                        "folder holding any of them is refused before anything is written)")
    tile: int = opt(0, "translate in tiles of this many pixels, 32 or more (0: only images above --max-pixels)",
                    bounds=(0, 16384))
    overlap: int = opt(128, "pixels shared by neighbouring tiles, blended to hide seams (more than half a tile is "
                            "taken as half)",
                       bounds=(0, 4096))
    max_pixels: int = opt(2_000_000, "images with more pixels than this are tiled automatically, their colours "
                                     "judged on a copy of this size (lower, the look can shift)",
                          bounds=(4096, 10**9))
    batch_size: int = opt(0, "images of equal size translated together (0: 1 on the CPU, 4 on a GPU)",
                          bounds=(0, 256))
    device: str = opt("auto", "auto, cpu, cuda, cuda:N or mps")
    workers: int = opt(2, "background threads decoding and encoding images", bounds=(0, 64))
    compile: str = opt("auto", "torch.compile the generator: auto (on CUDA, for 32+ images of one size), on, off",
                       ("auto", "on", "off"))
    work_size: int = opt(0, "translate images longer than this many pixels at this size and scale the result back up "
                            "(how a model trained at 256 px is commonly used on large photos; 0: full size)",
                         bounds=(0, 16384))

    def validate(self) -> None:
        """Raise ValueError naming every option that cannot work; called before any file is written."""
        problems = check_fields(self)
        if not problems and re.search(r'[/\\:*?"<>|\x00-\x1f]', self.suffix):
            problems.append(f"suffix {self.suffix!r} holds a character file names cannot have")
        if not problems and self.suffix and (self.suffix != self.suffix.strip() or not self.suffix.strip(".")):
            # "photo .jpg", "photo..jpg": the app takes spaces off the ends of what is typed; the command line kept them
            problems.append(f"suffix {self.suffix!r} begins or ends with a space, or is only dots: give it without")
        if not problems and self.skip_existing and self.replace_existing:
            problems.append("skip existing and replace existing say opposite things: choose one")
        if not problems and 0 < self.work_size < 32:
            problems.append(f"work size must be at least 32 pixels (or 0 for full size), got {self.work_size}")
        if not problems and 0 < self.tile < 32:
            problems.append(f"tile size must be at least 32 pixels (or 0 for automatic), got {self.tile}")
        if not problems and len(self.suffix.encode()) > 64:  # every output then failed: file name too long
            problems.append(f"suffix is {len(self.suffix.encode())} bytes long; file names allow far fewer, use at "
                            "most 64")
        if not problems and not DEVICE_NAME.fullmatch(self.device):
            problems.append(f"unknown device {self.device!r} (use auto, cpu, cuda, cuda:N or mps)")
        if not problems and self.compile == "on" and not can_compile():
            problems.append(NO_COMPILE_HERE)
        raise_problems(problems)


def to_dict(config: Any) -> dict:
    """A JSON-ready dict of a (nested) config dataclass."""
    return dataclasses.asdict(config)


def from_dict(cls: type[T], data: dict) -> T:
    """Build ``cls`` from a dict, recursing into nested dataclasses.

    Unknown keys are an error (a typo in a hand-edited config should not pass silently);
    missing keys take their defaults so that older configs keep loading.
    """
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown setting(s) {', '.join(unknown)}")
    kwargs = {}
    for name, value in data.items():
        kind = hints[name]
        if dataclasses.is_dataclass(kind):
            value = from_dict(kind, value)
        elif kind is float and isinstance(value, int):
            value = float(value)
        kwargs[name] = value
    return cls(**kwargs)


def known_settings(cls: type, data: Any) -> Any:
    """``data`` without the keys ``cls`` does not know (nested settings too), for what an app remembers of itself: a
    newer version's one new setting made from_dict refuse them all, and the Train form came back as the defaults."""
    if not isinstance(data, dict):
        return data  # from_dict says what is wrong
    hints, names = typing.get_type_hints(cls), {f.name for f in dataclasses.fields(cls)}
    return {key: known_settings(hints[key], value) if dataclasses.is_dataclass(hints[key]) else value
            for key, value in data.items() if key in names}


def save_json(config: Any, path: str | Path) -> None:
    """Write a config as indented JSON, atomically."""
    from .fileio import atomic_write_text

    atomic_write_text(Path(path), json.dumps(to_dict(config), indent=2) + "\n")


CONFIG_BYTES = 1 << 20  # a settings file is a few kB; more is another kind of file (or /dev/zero, read until full)


def load_json(cls: type[T], path: str | Path) -> T:
    """Read a config written by :func:`save_json` (or by hand: a byte-order mark, as Notepad writes, is fine)."""
    with open(path, "rb") as f:  # a pipe too: --config <(...)
        raw = f.read(CONFIG_BYTES + 1)
    if len(raw) > CONFIG_BYTES:
        raise ValueError(f"{path} is not a settings file: it is larger than {CONFIG_BYTES >> 20} MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # a checkpoint, a JPEG, a Latin-1 file: it was shown bare, unnamed
        raise ValueError(f"{path} is not a settings file: not UTF-8 text (byte 0x{raw[exc.start]:02x} at "
                         f"{exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from None
    except ValueError as exc:  # a number of 5000 digits: Python's advice to call one of its functions, unnamed
        raise ValueError(f"{path} is not a settings file: it holds a number too long to read") from exc
    except RecursionError:  # [[[[...]]]] 100,000 deep
        raise ValueError(f"{path} is not a settings file: it is nested too deeply") from None
    if not isinstance(data, dict):  # "TrainConfig: expected an object, got list", naming no file
        raise ValueError(f"{path} is not a settings file: it holds a {type(data).__name__}, not named settings "
                         "({...})")
    return from_dict(cls, data)


def cli_fields(cls: type) -> list[tuple[str, dataclasses.Field, type]]:
    """(name, field, type) of the scalar fields of ``cls`` that the CLI exposes."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        if dataclasses.is_dataclass(kind) or not f.metadata.get("cli", True):
            continue
        if isinstance(kind, types.UnionType):
            continue
        out.append((f.name, f, kind))
    return out
