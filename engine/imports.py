"""Reading other tools' weight files: the generators published with the reference implementation.

The reference (junyanz/pytorch-CycleGAN-and-pix2pix) publishes each model as one generator's
``state_dict`` saved with ``torch.save``: for CycleGAN a ResNet (9 blocks, ngf 64, instance
norm), for pix2pix a U-Net 256 (batch norm). This module recognises such a file from its
tensors alone (architecture, width, depth, norm, channels), maps its keys onto this engine's
networks, which keep the reference's layer order, and writes one of our model files with
the metadata the app needs. Loading is ``weights_only`` (or safetensors): no code runs.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch

from . import __version__
from .config import ModelConfig, domain_name_problem, to_dict
from .fileio import atomic_path
from .modelfile import (MODEL_FORMAT, ModelFileError, NotOurModelFile, _generator_from, _torch_load, check_write_targets,
                        is_safetensors, load_model, save_model, unreadable_safetensors)
from .resources import resolve_model

CYCLEGAN_URL = "http://efrosgans.eecs.berkeley.edu/cyclegan/pretrained_models/{file}.pth"
PIX2PIX_URL = "http://efrosgans.eecs.berkeley.edu/pix2pix/models-pytorch/{file}.pth"


@dataclass(frozen=True)
class Published:
    """One generator the reference implementation publishes (its download scripts list them)."""
    key: str  # unique here: pix2pix's files that share a CycleGAN name get a suffix
    file: str  # the name in the reference's URL
    method: str
    source: str
    target: str
    description: str

    @property
    def url(self) -> str:
        return (CYCLEGAN_URL if self.method == "cyclegan" else PIX2PIX_URL).format(file=self.file)

    @property
    def size_mb(self) -> int:
        """Approximate download size: 11.4 M fp32 weights (ResNet), 54.4 M (U-Net 256)."""
        return 46 if self.method == "cyclegan" else 218

    def network(self) -> str:
        return "a ResNet of 9 blocks" if self.method == "cyclegan" else "a U-Net 256"

    def is_its_network(self, cfg: ModelConfig) -> bool:
        """Whether a generator of ``cfg`` can be this one, by its kind and depth (its width may be another's: the
        published files' checksums are not known here). Any horse2zebra.pth, a small network of a person's own too,
        was labelled published by its name alone."""
        if self.method == "cyclegan":
            return cfg.generator == "resnet" and cfg.blocks == 9 and cfg.channels == 3
        return cfg.generator == "unet_256" and cfg.channels == 3


def describe_network(cfg: ModelConfig) -> str:
    kind = f"a ResNet of {cfg.blocks} blocks" if cfg.generator == "resnet" else f"a U-Net {cfg.generator[5:]}"
    return kind + (f" for {cfg.channels}-channel pictures" if cfg.channels != 3 else "")


def _published(method: str, rows: str) -> dict[str, Published]:
    found = {}
    for line in rows.strip().splitlines():
        file, source, target, description = (part.strip() for part in line.split("|"))
        key = file if method == "cyclegan" else f"{file}_pix2pix"
        found[key] = Published(key, file, method, source, target, description)
    return found


PUBLISHED: dict[str, Published] = {
    **_published("cyclegan", """
        apple2orange | apple | orange | apples into oranges
        orange2apple | orange | apple | oranges into apples
        summer2winter_yosemite | summer | winter | Yosemite in summer into winter
        winter2summer_yosemite | winter | summer | Yosemite in winter into summer
        horse2zebra | horse | zebra | horses into zebras
        zebra2horse | zebra | horse | zebras into horses
        monet2photo | Monet painting | photo | Monet's paintings into photos
        style_monet | photo | Monet painting | photos in the style of Monet
        style_cezanne | photo | Cézanne painting | photos in the style of Cézanne
        style_ukiyoe | photo | Ukiyo-e print | photos in the style of Ukiyo-e prints
        style_vangogh | photo | Van Gogh painting | photos in the style of Van Gogh
        sat2map | satellite photo | map | satellite photos into maps
        map2sat | map | satellite photo | maps into satellite photos
        cityscapes_photo2label | street photo | label map | street photos into semantic labels
        cityscapes_label2photo | label map | street photo | semantic labels into street photos
        facades_photo2label | facade photo | label map | facade photos into labels
        facades_label2photo | label map | facade photo | facade labels into photos
        iphone2dslr_flower | phone photo | DSLR photo | flower photos with a DSLR's shallow depth of field
    """),
    **_published("pix2pix", """
        edges2shoes | edge drawing | shoe photo | shoe outlines into shoe photos
        sat2map | satellite photo | map | satellite photos into maps, trained on pairs
        map2sat | map | satellite photo | maps into satellite photos, trained on pairs
        facades_label2photo | label map | facade photo | facade labels into photos, trained on pairs
        day2night | day photo | night photo | daytime scenes into night
    """),
}


class ImportError_(ModelFileError):
    """A file that is not a generator this app understands, with what was found."""


class DomainsUnknown(ImportError_):
    """A generator whose file tells neither what it takes nor what it makes: the caller asks for the two sides."""


class NotThePublishedNetwork(ImportError_):
    """A file given as a published model that holds another network."""


def read_weights(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a .pth/.pt (weights-only load) or .safetensors file, as a flat dict."""
    if is_safetensors(path):
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return load_file(str(path))
        except (SafetensorError, OSError, ValueError) as exc:
            raise ImportError_(unreadable_safetensors(path, exc)) from None
    data = _torch_load(path)
    if isinstance(data, dict) and data.get("format") == MODEL_FORMAT:
        raise ImportError_(f"{path.name} is already a CycleGAN Studio model file: use it as it is, or add it to the "
                           "library (cyclegan import FILE, without --out; Import on the Models page)")
    for wrapper in ("state_dict", "model", "netG", "G"):  # a state dict nested one level down
        if isinstance(data, dict) and isinstance(data.get(wrapper), dict) and \
                all(isinstance(v, torch.Tensor) for v in data[wrapper].values()):
            data = data[wrapper]
            break
    if not isinstance(data, dict) or not data or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                                         for k, v in data.items()):
        what = type(data).__name__ if not isinstance(data, dict) else f"a dict of {len(data)} entries"
        raise ImportError_(f"{path.name} holds {what}, not a generator's weights (a state dict of tensors)")
    return data


def without_prefix(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Drop the ``module.`` prefix that DataParallel puts on every key."""
    if all(k.startswith("module.") for k in state):
        return {k[len("module."):]: v for k, v in state.items()}
    return state


def detect(state: dict[str, torch.Tensor], name: str = "the file") -> ModelConfig:
    """The generator architecture a reference-layout state dict holds, read from its tensors; ``name`` is the file's,
    for the message when it holds none."""
    first = state.get("model.model.0.weight")
    if first is not None and first.dim() == 4:  # U-Net: nested model.model.1.model...
        depth = max(k.count(".model") for k in state if k.startswith("model.model"))
        norm = "batch" if any(k.endswith("running_mean") for k in state) else (
            "instance_affine" if any(v.dim() == 1 and k.endswith(".weight") for k, v in state.items()) else "instance")
        out = state.get("model.model.3.weight")
        if depth not in (7, 8):
            raise ImportError_(f"a U-Net with {depth} levels: this app has unet_128 (7) and unet_256 (8)")
        if out is None or out.shape[1] != first.shape[1]:
            raise ImportError_("a U-Net whose output channels differ from its input's: not supported")
        return ModelConfig(channels=first.shape[1], ngf=first.shape[0], generator=f"unet_{2 ** depth}", norm=norm,
                           dropout=False)
    first = state.get("model.1.weight")
    if first is not None and first.dim() == 4 and first.shape[-1] == 7:  # ResNet: c7s1, d, d, R x n, u, u, c7s1
        blocks = {int(m[1]) for k in state if (m := re.match(r"model\.(\d+)\.(conv_block|body)\.", k))}
        dropout = any(re.match(r"model\.\d+\.(conv_block|body)\.6\.weight$", k) for k in state)
        affine, stats = "model.2.weight" in state, "model.2.running_mean" in state
        norm = ("batch" if stats else "instance_affine") if affine else "instance"  # stats alone: legacy instance
        up = state.get(f"model.{10 + len(blocks)}.weight") if blocks else None
        ngf = first.shape[0]
        upsample = "transpose" if up is not None and tuple(up.shape[:2]) == (4 * ngf, 2 * ngf) else "resize"
        return ModelConfig(channels=first.shape[1], ngf=ngf, blocks=len(blocks), norm=norm, dropout=dropout,
                           upsample=upsample, generator="resnet")
    keys = ", ".join(list(state)[:4])  # a new user read "1 tensors ... first keys: foo", with no file named
    raise ImportError_(f"{name} holds weights, but not those of a CycleGAN or pix2pix generator saved as the reference "
                       f"implementation saves them (a ResNet or a U-Net): another network, or another program's layout "
                       f"(its {len(state)} weight{'s' if len(state) != 1 else ''}: {keys}"
                       f"{', …' if len(state) > 4 else ''})")


def to_engine_keys(state: dict[str, torch.Tensor], cfg: ModelConfig) -> dict[str, torch.Tensor]:
    """Reference key names onto this engine's: ResNet blocks' ``conv_block`` is ``body`` here, and
    the running statistics that older files keep for instance norm (which the reference drops) go."""
    mapped = {re.sub(r"^(model\.\d+)\.conv_block\.", r"\1.body.", k): v for k, v in state.items()}
    if cfg.norm.startswith("instance"):
        mapped = {k: v for k, v in mapped.items() if not k.endswith(("running_mean", "running_var",
                                                                      "num_batches_tracked"))}
    elif cfg.norm == "batch":  # files saved before PyTorch 0.4.1 lack batch norm's step counter; nothing reads it here
        for key in [k for k in mapped if k.endswith(".running_mean")]:
            mapped.setdefault(key.removesuffix("running_mean") + "num_batches_tracked", torch.tensor(0))
    return mapped


def domains_from_name(stem: str) -> tuple[str, str] | None:
    """('horse', 'zebra') from 'horse2zebra' (and 'latest_net_G' gives nothing)."""
    match = re.fullmatch(r"([A-Za-z][A-Za-z ]*?)_?2_?([A-Za-z][\w ]*)", stem)
    return (match[1], match[2].replace("_", " ")) if match else None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def published_by_file(stem: str, cfg: ModelConfig) -> Published | None:
    """The published model a file of that name is, told apart by its network where the CycleGAN and pix2pix
    reference models share a name (sat2map, map2sat, facades_label2photo: a U-Net is pix2pix's)."""
    named = [p for p in PUBLISHED.values() if p.file == stem]
    pix2pix = cfg.generator.startswith("unet")
    return next((p for p in named if (p.method == "pix2pix") == pix2pix), named[0] if named else None)


def import_generator(path: str | Path, out: str | Path, name_a: str | None = None, name_b: str | None = None,
                     published: str | None = None, replace: bool = False) -> Path:
    """Write a model file for a foreign generator file; raises ImportError_ naming what was found.

    Domain names come from ``name_a``/``name_b``, else the published model of that file name
    (or ``published``), else an ``X2Y`` file name; otherwise the caller must give them. An ``out``
    that exists is refused unless ``replace``.
    """
    check_write_targets([out], replace, sources=(path,))
    path = Path(path)
    state = without_prefix(read_weights(path))
    cfg = detect(state, path.name)
    try:  # before the domains are asked for: the app asked, then refused the file (a models pass)
        cfg.validate()
    except ValueError as exc:
        raise ImportError_(f"{path.name} has an unusable architecture: {exc}") from None
    known = PUBLISHED.get(published or "") or published_by_file(path.stem, cfg)
    if known and not known.is_its_network(cfg):
        if published:  # what a mirror (or anyone on the plain-http path) sent for it
            raise NotThePublishedNetwork(f"{path.name} is {describe_network(cfg)}; the published {known.key} is "
                                         f"{known.network()}")
        known = None  # a file of the name only: not said to be published
    guessed = (known.source, known.target) if known else domains_from_name(path.stem)
    source, target = name_a or (guessed or (None, None))[0], name_b or (guessed or (None, None))[1]
    if not source or not target:
        raise DomainsUnknown(f"cannot tell the domains of {path.name} from its name: give them (--a and --b)")
    check_side_names(source, target)
    method = known.method if known else ("pix2pix" if cfg.generator.startswith("unet") else "cyclegan")
    if known and known.method == "pix2pix":
        cfg.dropout = True  # as trained (inference switches dropout off either way)
    metadata = {"format": MODEL_FORMAT, "method": method, "model": to_dict(cfg), "direction": "AtoB",
                "source_domain": source, "target_domain": target, "crop_size": 256, "steps": 0,
                "version": __version__, "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "description": known.description if known else f"{source} → {target}",
                "source": {"file": path.name, "sha256": sha256(path), "published": known.key if known else None,
                           "url": known.url if known else None}}
    generator = _generator_from(metadata, to_engine_keys(state, cfg), path.name)
    return save_model(out, generator, metadata, replace=replace)


def check_side_names(name_a: str | None, name_b: str | None) -> None:
    """The names given for the sides (None: kept from the file), by the rules a run's sides follow: an escape code
    was written into the file and printed back, and a blank name was kept (a CLI hostile pass)."""
    for side, name in (("A", name_a), ("B", name_b)):
        if name is not None and (problem := domain_name_problem(name)):
            raise ImportError_(f"side {side}'s name {problem}")


def import_model_file(path: str | Path, out: str | Path, name_a: str | None = None, name_b: str | None = None,
                      published: str | None = None, replace: bool = False) -> Path:
    """Write ``out`` (a .pt model file) from any model file a user brings: ours as a .pt is checked (it must load
    safely) and copied, ours as a .safetensors rewritten (it was copied byte for byte under the .pt name, which
    then did not load), another tool's generator converted (:func:`import_generator`). An ``out`` that exists
    is refused unless ``replace``: ``cyclegan import --out`` wrote over any file, a run's checkpoint too."""
    check_write_targets([out], replace, sources=(path,))
    check_side_names(name_a, name_b)  # before anything is written: refused then as damaged metadata
    path = resolve_model(path)  # "demo", or a library model's name: load_model read it, and the copy found nothing
    if path.is_dir():  # "is a directory" from the copy, after load_model had read the run
        from .rundir import RunDir

        if not RunDir(path).is_run():  # a dataset's folder was called a run folder (a CLI hostile pass)
            raise ImportError_(f"{path} is a folder, not a model file: give a .pt, .pth or .safetensors file")
        raise ImportError_(f"{path} is a run folder: a run is exported (cyclegan export --run RUN --out FILE.pt, or "
                           "Export direction… on the Models page), not imported")
    try:
        loaded = load_model(path)  # raises ModelFileError with the reason
    except NotOurModelFile:
        return import_generator(path, out, name_a, name_b, published, replace)
    if not is_safetensors(path) and not (name_a or name_b):
        with atomic_path(out, replace=replace) as tmp:
            shutil.copyfile(path, tmp)
        return Path(out)
    metadata = dict(loaded.metadata)
    metadata.update({k: v for k, v in (("source_domain", name_a), ("target_domain", name_b)) if v})
    # rewritten, so not the same bytes: the file's fingerprint is kept to know it again (a .safetensors imported
    # twice was refused as a name taken, and the app then made a second copy; a new-user pass)
    metadata.setdefault("source", {"sha256": sha256(path)})
    return save_model(out, loaded.generator, metadata, replace=replace)


def describe_published() -> list[dict]:
    return [{**p.__dict__, "url": p.url, "size_mb": p.size_mb} for p in PUBLISHED.values()]
