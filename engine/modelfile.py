"""Model files: one generator's weights plus JSON-able metadata, loaded without running code.

A model file is a ``torch.save`` of a plain dict (tensors, strings, numbers). It is only
ever read with ``torch.load(weights_only=True)``, whose restricted unpickler refuses any
object that would need code to rebuild, so a file from a stranger cannot run anything.
A run directory works as a model too: its latest checkpoint, in the chosen direction.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import io
import json
import logging
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch

from . import __version__
from .config import ModelConfig, TrainConfig, clean_side_name, from_dict, load_json, to_dict
from .fileio import atomic_path, atomic_torch_save, atomic_write_bytes
from .nets import MAX_GENERATOR_PARAMETERS, count_parameters, generator_shapes, make_generator
from .resources import resolve_model
from .rundir import CheckpointError, RunDir, load_config, newest_checkpoint
from .safeload import UnreadableFile, load_weights_only

log = logging.getLogger(__name__)

MODEL_FORMAT = "cyclegan-studio-model"
DIRECTIONS = ("AtoB", "BtoA")
REQUIRED = ("model", "direction", "crop_size")


class ModelFileError(ValueError):
    """A model file that cannot be used, with the reason in words."""


class NotOurModelFile(ModelFileError):
    """A readable weights file without our metadata: another tool's, which engine/imports.py may read."""


SAFETENSORS_KEY = "cyclegan-studio"  # our metadata, as JSON, in a .safetensors header


@dataclass
class LoadedModel:
    generator: torch.nn.Module  # in eval mode: dropout off, batch norm on each image's own statistics
    metadata: dict

    @property
    def channels(self) -> int:
        return self.metadata["model"]["channels"]

    @property
    def name(self) -> str:
        m = self.metadata
        return f"{m.get('source_domain', 'A')} to {m.get('target_domain', 'B')}"


def _torch_load(path: Path) -> dict:
    try:
        return load_weights_only(path)
    except FileNotFoundError:
        from .imports import PUBLISHED

        if str(path) in PUBLISHED:  # a bare name: it said "style_monet does not exist", after `models list` named it
            raise ModelFileError(f"{path} is a published model not downloaded yet: cyclegan models download {path} "
                                 "(or Published models… on the Models page)") from None
        raise ModelFileError(f"{path} does not exist") from None
    except UnreadableFile as exc:
        if exc.refused:
            raise ModelFileError(
                f"{path.name} was refused: {exc.reason}, which a model file never needs. Only use model files "
                "from sources you trust.") from None
        raise ModelFileError(f"{path.name} is not a readable model file: {exc.reason}") from None


def is_safetensors(path: Path) -> bool:
    """By its name, whatever its case (X.SAFETENSORS, as Windows and download tools name files, was "not a PyTorch
    file")."""
    return path.suffix.lower() == ".safetensors"


def is_model_file(path: Path) -> bool:
    """Whether ``path`` is in this app's model format, whatever its weights hold: what the library deletes. Its
    weights are mapped, not read (a full load held the window up to 1.3 s at Delete)."""
    try:
        data = _read_safetensors(path) if is_safetensors(path) else load_weights_only(path, mmap=True)
    except (ModelFileError, UnreadableFile, OSError):
        return False
    return isinstance(data, dict) and data.get("format") == MODEL_FORMAT


def published_key(path: Path) -> str | None:
    """Which published model a model file says it holds (None: none, or not a model file), its weights mapped, not
    read."""
    try:
        data = _read_safetensors(path) if is_safetensors(path) else load_weights_only(path, mmap=True)
    except (ModelFileError, UnreadableFile, OSError):
        return None
    if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT or not isinstance(data.get("metadata"), dict):
        return None
    source = data["metadata"].get("source")
    key = source.get("published") if isinstance(source, dict) else None
    if not isinstance(key, str):
        return None
    from .imports import PUBLISHED

    try:  # what the file says of itself, held to the published network's kind: a file of ours may claim anything
        network = from_dict(ModelConfig, data["metadata"].get("model", {}))
    except (TypeError, ValueError):
        return None
    return key if key in PUBLISHED and PUBLISHED[key].is_its_network(network) else None


def build_metadata(config: TrainConfig, direction: str, steps: int) -> dict:
    if direction not in DIRECTIONS:
        raise ModelFileError(f"direction must be AtoB or BtoA, not {direction!r}")
    src, dst = (config.name_a, config.name_b) if direction == "AtoB" else (config.name_b, config.name_a)
    return {
        "format": MODEL_FORMAT,
        "method": config.method,
        "model": to_dict(config.model),
        "direction": direction,
        "source_domain": src,
        "target_domain": dst,
        "crop_size": config.crop_size,
        # the shorter side training scaled every picture to (None: as they were); a Translator widens
        # the local-contrast bands for larger pictures by their shorter side's ratio to it
        "train_short_side": config.load_size if config.preprocess == "resize_and_crop" else None,
        "steps": steps,
        "version": __version__,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def save_model(path: str | Path, generator: torch.nn.Module, metadata: dict, half: bool = False,
               replace: bool = True) -> Path:
    """Write a model file atomically. ``half`` stores fp16 weights (loading restores fp32). Without ``replace``, a
    file that appears at ``path`` while it is written is kept (FileExistsError).

    A ``.safetensors`` path writes that format (weights the ecosystem can read without pickle),
    with our metadata as JSON in its header.
    """
    state = {k: (v.half() if half and v.is_floating_point() else v).detach().cpu().contiguous()
             for k, v in generator.state_dict().items()}
    path = Path(path)
    if is_safetensors(path):
        from safetensors.torch import save

        header = {SAFETENSORS_KEY: json.dumps({"format": MODEL_FORMAT, "metadata": metadata})}
        # bytes into our own temp file: safetensors' save_file replaced it with one of mode 0600
        atomic_write_bytes(path, save(state, metadata=header), replace=replace)
        return path
    return atomic_torch_save({"format": MODEL_FORMAT, "metadata": metadata, "state_dict": state}, path, replace)


def unreadable_safetensors(path: Path, exc: BaseException) -> str:
    """Why a .safetensors file does not read, in words: the parser's own ("Error while deserializing header: header
    too small") told a new user nothing, and are kept last, for a bug report."""
    with contextlib.suppress(OSError):
        if os.path.getsize(path) == 0:
            return f"{path.name} is empty (0 bytes): no model was saved in it"
    return (f"{path.name} is not a readable safetensors file: damaged, cut short, or another kind of file named "
            f".safetensors (the reader said: {str(exc)[:200]})")


def _read_safetensors(path: Path) -> dict:
    """A .safetensors model file as our usual {format, metadata, state_dict} (NotOurModelFile without our header)."""
    from safetensors import SafetensorError, safe_open
    from safetensors.torch import load_file

    # a loop of links, or a file that cannot be read, said in the system's words: the reader's were taken for a
    # damaged file's (a review); and a FIFO named .safetensors is not opened at all, as for a .pt
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise ModelFileError(f"{path.name} is not a readable model file: not a regular file")
    with open(path, "rb"):
        pass
    try:
        with safe_open(str(path), framework="pt") as fh:
            header = fh.metadata() or {}
        ours = json.loads(header[SAFETENSORS_KEY]) if SAFETENSORS_KEY in header else None
        if not isinstance(ours, dict) or ours.get("format") != MODEL_FORMAT:
            raise NotOurModelFile(f"{path.name} is a safetensors file without CycleGAN Studio's metadata")
        return {"format": MODEL_FORMAT, "metadata": ours.get("metadata"), "state_dict": load_file(str(path))}
    except (SafetensorError, OSError, ValueError, json.JSONDecodeError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(unreadable_safetensors(path, exc)) from None


TEXT_FIELDS = ("source_domain", "target_domain", "description", "version", "created")
SOURCE_TEXT_FIELDS = ("file", "sha256", "published", "url")
LONGEST_TEXT = 1000


def check_metadata(metadata: dict, where: str) -> None:
    """Refuse metadata of the wrong kinds, which only a hand-made file holds: a file whose "source" was a string
    left the Models page reading it for good (an AttributeError in its thread), and one without domain names was
    imported, then failed to be named (a hostile models pass). The side names are made fit to show, in place."""
    def wrong(field: str, what: str) -> ModelFileError:
        return ModelFileError(f"{where} has damaged metadata: {field} is {what}")

    if metadata["direction"] not in DIRECTIONS:
        raise wrong("direction", f"{str(metadata['direction'])[:40]!r}, not AtoB or BtoA")
    for field, low in (("crop_size", 1), ("steps", 0), ("train_short_side", 1)):
        value = metadata.get(field)
        if value is not None and (type(value) is not int or value < low):
            raise wrong(field, f"{str(value)[:40]!r}, not a whole number of at least {low}")
    if metadata.get("method", "cyclegan") not in ("cyclegan", "pix2pix"):
        raise wrong("method", f"{str(metadata['method'])[:40]!r}, not cyclegan or pix2pix")
    source = metadata.get("source")
    if source is not None and not isinstance(source, dict):
        raise wrong("source", "not a table of where the file came from")
    fields = [(name, metadata.get(name)) for name in TEXT_FIELDS]
    fields += [(f"source.{name}", (source or {}).get(name)) for name in SOURCE_TEXT_FIELDS]
    for name, value in fields:
        if value is not None and (not isinstance(value, str) or len(value) > LONGEST_TEXT):
            raise wrong(name, "not text" if not isinstance(value, str) else f"{len(value):,} characters long")
    for name, side in (("source_domain", "A"), ("target_domain", "B")):  # shown and printed as they were: escape
        if metadata.get(name) is not None:  # codes and line breaks (a CLI hostile pass); earlier versions wrote such
            metadata[name] = clean_side_name(metadata[name], side)  # names: cleaned, not refused (a review)


def _generator_from(metadata: dict, state_dict: dict, where: str) -> torch.nn.Module:
    """Build the generator a file declares, after checking the declaration against the stored tensors.

    The declared architecture is bounded and its weight shapes are computed on the meta
    device (no memory), so a tiny file claiming a huge network is refused before anything
    is allocated.
    """
    missing = [k for k in REQUIRED if k not in metadata]
    if missing:
        raise ModelFileError(f"{where} lacks metadata field(s): {', '.join(missing)}")
    check_metadata(metadata, where)
    try:
        cfg = from_dict(ModelConfig, metadata["model"])
        cfg.validate()
        shapes = generator_shapes(cfg)
    except (ValueError, TypeError) as exc:
        raise ModelFileError(f"{where} has an unusable architecture: {exc}") from None
    size = sum(s.numel() for s in shapes.values())
    if size > MAX_GENERATOR_PARAMETERS:
        raise ModelFileError(f"{where} declares a generator of {size:,} weights, more than the "
                             f"{MAX_GENERATOR_PARAMETERS:,} this app accepts")
    if not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state_dict.items()):
        raise ModelFileError(f"{where} holds weights that are not named tensors")
    unexpected = sorted(set(state_dict) - set(shapes))
    absent = sorted(set(shapes) - set(state_dict))
    wrong = [f"{k}: file {tuple(state_dict[k].shape)}, architecture {tuple(v)}"
             for k, v in shapes.items() if k in state_dict and state_dict[k].shape != v]
    if unexpected or absent or wrong:
        details = []
        if wrong:
            details.append(f"{len(wrong)} weight(s) have the wrong shape (first: {wrong[0]})")
        if absent:
            details.append(f"{len(absent)} weight(s) missing (first: {absent[0]})")
        if unexpected:
            details.append(f"{len(unexpected)} unexpected weight(s) (first: {unexpected[0]})")
        raise ModelFileError(f"{where} does not match its declared architecture "
                             f"({describe_architecture(cfg)}): " + "; ".join(details))
    broken = next((k for k, v in state_dict.items() if v.is_floating_point() and not torch.isfinite(v).all()), None)
    if broken is not None:  # it converted every picture to black and called it a success
        raise ModelFileError(f"{where} holds weights that are not numbers (NaN or infinite, first: {broken}): "
                             "its training went wrong before it was saved")
    net = make_generator(cfg)
    net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state_dict.items()})
    return net.eval()


def describe_architecture(cfg: ModelConfig) -> str:
    """'resnet, 9 blocks, ngf 64, instance norm, 3 channels' or 'unet_256, ngf 64, batch norm, dropout, 3 channels'."""
    parts = [cfg.generator] + ([f"{cfg.blocks} blocks"] if cfg.generator == "resnet" else [])
    parts += [f"ngf {cfg.ngf}", f"{cfg.norm} norm"] + (["dropout"] if cfg.dropout else []) + [f"{cfg.channels} channels"]
    return ", ".join(parts)


def load_model(source: str | Path, direction: str = "AtoB") -> LoadedModel:
    """A generator ready for inference from a model file, a run directory's latest checkpoint,
    or ``demo`` (the built-in demo model)."""
    path = resolve_model(source)
    if path.is_dir():
        return load_from_run(path, direction)
    data = _read_safetensors(path) if is_safetensors(path) else _torch_load(path)
    if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
        if isinstance(data, dict) and data.get("format") == "cyclegan-studio-checkpoint":
            raise ModelFileError(f"{path.name} is a training checkpoint; use its run folder, or export a model")
        raise NotOurModelFile(f"{path.name} is not a CycleGAN Studio model file (another tool's weights can be "
                              "imported: cyclegan import, or Import on the Models page)")
    metadata, state = data.get("metadata"), data.get("state_dict")
    if not isinstance(metadata, dict) or not isinstance(state, dict):
        raise ModelFileError(f"{path.name} lacks its metadata or weights")
    if direction != "AtoB":  # it was ignored: the output was A to B with no word said
        raise ModelFileError(f"{path.name} translates one way ({metadata.get('source_domain', 'A')} to "
                             f"{metadata.get('target_domain', 'B')}); a direction is chosen for a CycleGAN run's "
                             "folder, which holds a generator each way")  # "run folders, which hold both": pix2pix?
    return LoadedModel(_generator_from(metadata, state, path.name), metadata)


def learnt_direction(source: str | Path) -> str:
    """The direction to use when none is given: the one a pix2pix run learnt (export and convert asked for BtoA
    again after training with it), AtoB for a CycleGAN run, which learns both, and for a model file."""
    path = resolve_model(source)
    run = RunDir(path)
    if path.is_dir() and run.is_run():
        from .models import learnt_directions

        try:
            return learnt_directions(load_config(run.path))[0]  # config.json, or a checkpoint's copy where deleted
        except (OSError, ValueError):
            return "AtoB"  # loading the run says what is wrong with it
    return "AtoB"


def load_from_run(run_dir: Path, direction: str = "AtoB") -> LoadedModel:
    """One generator of a run, from its newest checkpoint that loads."""
    if direction not in DIRECTIONS:
        raise ModelFileError(f"direction must be AtoB or BtoA, not {direction!r}")
    run = RunDir(run_dir)
    if not run.is_run():  # one that is not there is said to be not there, not "neither …" (a models pass)
        raise ModelFileError(f"{run_dir} does not exist" if not os.path.lexists(run_dir) else
                             # a model file given to export --run was said to be none (a CLI hostile pass)
                             f"{run_dir} is a file, not a run folder (a model file needs no export)"
                             if os.path.isfile(run_dir) else f"{run_dir} is neither a model file nor a run folder")
    try:
        found = newest_checkpoint(run)
        if run.config.is_file() or found is None:
            config = load_config(run.path)  # config.json, or said to be missing
        else:  # config.json deleted: the checkpoint just read holds the settings
            config = from_dict(TrainConfig, found[1].get("config"))
            config.validate()
    except (CheckpointError, TypeError, ValueError) as exc:
        raise ModelFileError(str(exc)) from None
    if found is None:
        raise ModelFileError(f"run {run_dir.name} has no checkpoint yet")
    path, state, skipped = found
    if skipped:  # export, convert and evaluate used an older checkpoint unsaid, where training says it (a CLI pass)
        log.warning("run %s: using %s (step %d), the newest checkpoint that loads; skipped newer: %s", run.path.name,
                    run.relative(path), int(state["step"]), "; ".join(skipped))
    from .models import method_class

    key = method_class(config).export_name(config, direction)
    if key is None:
        learnt = "A to B" if config.direction == "AtoB" else "B to A"
        raise ModelFileError(f"run {run_dir.name} ({config.method}) translates {learnt} only; choose that direction")
    nets = state["nets"]
    if f"{key}_ema" in nets:  # a run trained with weight averaging exports the average
        key = f"{key}_ema"
    if not isinstance(nets.get(key), dict):
        raise ModelFileError(f"{path} holds no generator {key}")
    metadata = build_metadata(config, direction, int(state["step"]))
    return LoadedModel(_generator_from(metadata, nets[key], f"run {run_dir.name}"), metadata)


def check_write_targets(targets: list[str | Path], replace: bool = False, run_dir: str | Path | None = None,
                        how_to_replace: str = "replace=True", sources: tuple[str | Path, ...] = ()) -> None:
    """Refuse, before anything is written, a model file that would replace a file (unless ``replace``), go
    into the run ``run_dir`` it is exported from (its checkpoints and config.json are the run), replace one of
    the ``sources`` it is made from (whatever ``replace`` says), or share its path with another of ``targets``.
    The refusal names ``how_to_replace`` (the command line: --replace)."""
    run = Path(run_dir).resolve() if run_dir is not None else None
    read = {Path(source).resolve() for source in sources}
    seen: set[Path] = set()
    for target in targets:
        path = Path(target).resolve()
        if path in seen:
            raise ModelFileError(f"{target} is given for two of the copies; give each its own file")
        seen.add(path)
        if path in read:  # `import X --out X --replace` wrote over the file brought, in another format
            raise ModelFileError(f"{target} is the file being read; write the model to another file")
        if Path(target).is_symlink() and not path.exists() and not replace:  # "file exists", of nothing ls shows
            raise ModelFileError(f"{target} is a link to a missing file ({os.readlink(target)}); remove it, or "
                                 f"write over it ({how_to_replace})")
        if run is not None and (path == run or path.is_relative_to(run)):
            raise ModelFileError(f"{target} is inside the run folder {run_dir}; write the model somewhere else")
        if path.is_dir():
            raise ModelFileError(f"{target} is a folder; give a file name")
        if path.exists() and not replace:
            raise ModelFileError(f"{target} already exists; choose another name, or write over it "
                                 f"({how_to_replace})")
        folder = next((f for f in path.parents if f.exists()), None)  # where it, or its first new folder, goes
        if folder is not None and (not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK)):
            # it failed after the copies before it were written, naming its own temporary file
            raise ModelFileError(f"cannot write {target}: {folder} is "
                                 f"{'not a folder' if not folder.is_dir() else 'not writable'}")


def export_model(run_dir: str | Path, direction: str, out: str | Path, half: bool = False,
                 replace: bool = False) -> Path:
    """Write the chosen direction of a run as a standalone model file; refuses (check_write_targets) an
    ``out`` that exists, unless ``replace``, or lies in the run: from Python it wrote over the run's own
    checkpoint, which then did not resume."""
    check_write_targets([out], replace, run_dir)
    loaded = load_from_run(Path(run_dir), direction)
    return save_model(out, loaded.generator, loaded.metadata, half=half, replace=replace)


_METADATA_READ: dict[tuple, dict] = {}  # (path, inode, size, mtime) -> what read_metadata found there
METADATA_REMEMBERED = 256


def read_metadata(path: str | Path, remembered_only: bool = False) -> dict | None:
    """A model file's metadata (validated by loading the weights too). Remembered while the file is unchanged: the
    app asked for it at each click on a model and each visit of its page, and loading a published 43 MB model held
    the window 0.6 to 1.3 s each time. With ``remembered_only``, None where that would need the file read (the app
    then reads it off its window's thread)."""
    path = resolve_model(path)
    try:
        facts = path.stat()
        key = (str(path.resolve()), facts.st_ino, facts.st_size, facts.st_mtime_ns)
    except OSError:
        key = None  # load_model says what is wrong
    remembered = _METADATA_READ.get(key)  # one read: a worker's eviction between two was a KeyError
    if remembered is not None:  # as named this time (a link and its target share the file's entry)
        return {**copy.deepcopy(remembered), "path": str(path)}
    if remembered_only:
        return None
    loaded = load_model(path)
    info = dict(loaded.metadata)
    info["kind"] = "model"
    info["path"] = str(path)
    info["parameters"] = count_parameters(loaded.generator)
    if key is not None:
        if len(_METADATA_READ) >= METADATA_REMEMBERED:
            _METADATA_READ.pop(next(iter(_METADATA_READ)))  # the oldest
        _METADATA_READ[key] = copy.deepcopy(info)
    return info


def _example_size(loaded: LoadedModel, size: int) -> int:
    multiple = getattr(loaded.generator, "size_multiple", 4)
    return max(size, multiple) // multiple * multiple


def export_torchscript(loaded: LoadedModel, out: str | Path, size: int = 64) -> Path:
    """A TorchScript copy (traced) for use from C++ or without this project."""
    example = torch.zeros(1, loaded.channels, _example_size(loaded, size), _example_size(loaded, size))
    buffer = io.BytesIO()  # written by Python: saved to a path, a full disk aborted the process from C++ (SIGABRT),
    with torch.no_grad(), warnings.catch_warnings():  # leaving a half file where no cleanup ran
        # TorchScript is deprecated upstream, still widely consumed; the tracer's notes on the generators' shape
        # checks (constant for a traced size) came out as three multi-line warnings before "wrote"
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        traced = torch.jit.trace(loaded.generator, example)
        torch.jit.save(traced, buffer)
    atomic_write_bytes(out, buffer.getvalue())
    return Path(out)


def export_onnx(loaded: LoadedModel, out: str | Path, size: int = 256) -> Path:
    """An ONNX copy with dynamic batch, height and width (needs the ``onnx`` extra), in one file: the exporter's
    default put the weights in a hidden sidecar named after our temp file, so the .onnx alone did not load."""
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise ModelFileError("ONNX export needs the onnx package: pip install 'cyclegan-studio[onnx]'") from None
    example = torch.zeros(1, loaded.channels, _example_size(loaded, size), _example_size(loaded, size))
    out = Path(out)
    with atomic_path(out) as tmp, warnings.catch_warnings():
        # the exporter's eight "[torch.onnx] …" progress lines and its note on dynamic_axes (which it honours) came
        # before "wrote" (a models pass)
        warnings.filterwarnings("ignore", message=".*dynamic_axes.*", category=UserWarning)
        torch.onnx.export(loaded.generator, (example,), str(tmp), input_names=["image"], output_names=["translated"],
                          dynamic_axes={"image": {0: "n", 2: "h", 3: "w"}, "translated": {0: "n", 2: "h", 3: "w"}},
                          external_data=False, verbose=False)  # a generator is far below ONNX's 2 GB for one file
    return out
