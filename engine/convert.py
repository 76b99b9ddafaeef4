"""Converting whole folders: the job most people come for.

Pipeline: list the images, plan every output path (same relative structure), then decode
in background threads, translate batches of equal-sized images on the device, and encode
in background threads, each output written atomically. Every output keeps its input's
width, height, alpha channel, ICC profile and EXIF (orientation applied). A file that
cannot be read is reported and skipped; an output that cannot be written stops the batch
with a count of what was done, and ``skip_existing`` continues from there.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import io
import logging
import os
import re
import struct
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image

from .config import ConvertConfig, can_compile
from .data import (ImageTooLarge, cmyk_as_rgb, ends_whole, existing_folder, flatten_alpha, has_alpha, list_images,
                   open_image, other_kind_reason, require_regular_file, shown_size, to_8bit, transforms,
                   unreadable_kinds_note, unreadable_reason)
from .devices import out_of_memory, pick_device
from .events import (Control, ConvertFinished, ConvertProgress, ConvertSummary, EventCallback, FileDone, FileFailed,
                     Stopped)
from .fileio import Resolver, atomic_path, folder_lock, remove_stale_temp_files, resolve_path
from .modelfile import LoadedModel, load_model
from .tiling import run_padded, size_rules, to_uint8, to_unit, translate_tiled

FORMATS = {"png": ("PNG", ".png"), "jpg": ("JPEG", ".jpg"), "webp": ("WEBP", ".webp")}
KEEPABLE = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".jfif": "JPEG", ".jpe": "JPEG", ".jif": "JPEG",
            ".webp": "WEBP", ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP"}  # .jfif (Chrome's) became an 8x larger PNG
LOSSLESS_TIFF = {"tiff_lzw", "tiff_adobe_deflate", "tiff_deflate", "packbits"}  # kept: a 100 MP TIFF became 300 MB
ALPHA_FORMATS = {"PNG", "WEBP", "TIFF"}
log = logging.getLogger(__name__)
COMPILE_MIN_IMAGES = 32
# Larger images are refused from their header, just below Pillow's own bomb limit (179 MP), with a
# clearer message. Up to here conversion stays under 3 GB on the CPU, the paper's generator
# included: 2.55 GB at 177 MP (docs/performance.md), since huge images are tiled from uint8.
MAX_IMAGE_PIXELS = 178_000_000
# Images decoded ahead of the device, counted in pixels from their headers, so that a folder of
# huge photos is not decoded several at a time (one image alone may exceed it).
LOOKAHEAD_PIXELS = 48_000_000
FATAL_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR}


class OutputsExist(ValueError):
    """Outputs of this conversion are in the folder already: written over only when asked (they may be another
    program's files, or the results of another model)."""

    def __init__(self, folder: Path, existing: list[Path]):
        self.folder, self.existing = folder, existing
        super().__init__(f"{len(existing)} file(s) in {folder} have the names of this conversion's results (such "
                         f"as {existing[0].name}); they may be earlier results or files of your own: skip_existing "
                         "keeps them and converts the rest, replace_existing writes over them")


class WrittenMeanwhile(ValueError):
    """An output's name taken while the conversion ran: that file is kept, this image fails."""


class OutputError(OSError):
    """The output cannot be written at all (full disk, read-only, no permission)."""


# ------------------------------------------------------------------ planning
def check_folders(src: Path, dst: Path) -> None:
    """Refuse folder choices that could destroy or recurse into the inputs."""
    try:
        existing_folder(src, "input folder")  # missing, or a file (which was said not to exist)
    except FileNotFoundError as exc:
        raise ValueError(str(exc)) from None
    s, d = resolve_path(src), resolve_path(dst)
    if s is None or d is None:
        raise ValueError(f"{src if s is None else dst} is a symbolic link that loops back on itself")
    if d == s:
        raise ValueError("the output folder is the input folder; choose another one so no original is overwritten")
    if d.is_relative_to(s):
        raise ValueError(f"the output folder {dst} is inside the input folder; choose a folder outside {src}")
    if dst.exists() and not dst.is_dir():
        raise ValueError(f"the output {dst} is a file, not a folder")
    if why := cannot_write_into(d):  # said before the run: the page said "Ready to convert." (a new-user pass)
        raise ValueError(f"the output folder {dst} {why}; choose another output folder")


def cannot_write_into(folder: Path) -> str | None:
    """Why files cannot be written into ``folder`` (or into the folder that would be made for it), in words, or
    None. From its nearest existing folder's permissions (read-only disks included); root passes those, and then
    the folder's making says why it failed."""
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is None:
        return None
    if not existing.is_dir():
        return f"cannot be made: {existing} is a file"
    if not os.access(existing, os.W_OK | os.X_OK):
        where = "is" if existing == folder else f"cannot be made: {existing} is"
        return f"{where} not writable"
    return None


def a_folder_in_the_way(out: Path) -> str:
    """Why a result is not written where a folder has its name."""
    return f"{out.name} is a folder in the output folder: move it, or choose another output folder or a name suffix"


def output_format(source: Path, fmt: str) -> tuple[str, str]:
    """(Pillow format, file suffix) of the output for ``source``."""
    if fmt in FORMATS:
        return FORMATS[fmt]
    suffix = source.suffix.lower()
    if suffix in KEEPABLE:
        return KEEPABLE[suffix], source.suffix
    return "PNG", ".png"  # formats Pillow reads but should not write (GIF, PPM, ...)


@dataclass
class Plan:
    jobs: list[tuple[Path, Path, str]]  # (input, output, Pillow format)
    refused: list[tuple[Path, str]]  # inputs that cannot be converted, with the reason


def plan(src: Path, dst: Path, options: ConvertConfig) -> Plan:
    """Every image's output path (mirroring the input tree) and format; inputs that cannot be used are listed."""
    check_folders(src, dst)
    unreadable: list[tuple[Path, str]] = []  # folders: counted as failed, where they were counted nowhere
    other_kinds: list[Path] = []  # HEIC beside JPEGs: left out unsaid, converted by no one (a CLI hostile pass)
    inputs = list_images(src, options.recursive, unreadable, other_kinds)
    if not inputs:  # refused, not "0 converted": nothing was done, and nothing is written
        if unreadable and unreadable[0][0] == src:
            why = unreadable[0][1].removeprefix("this folder cannot be read")
            raise ValueError(f"the input folder {src} cannot be read{why}")
        below = 0 if options.recursive else len(list_images(src, True))
        raise ValueError(f"the input folder {src} has no images{unreadable_kinds_note(src)}" +
                         (f" (its sub-folders hold {below}: include sub-folders to convert them)" if below else "") +
                         (f"; {len(unreadable)} of its folders cannot be read, {unreadable[0][0]} first"
                          if unreadable else ""))
    resolve = Resolver()  # each folder once: Path.resolve of 2000 inputs and their outputs took 0.65 s
    real_src, real_dst = resolve_path(src), resolve_path(dst)
    resolved = {p: resolve(p) for p in inputs}
    input_set = {r for r in resolved.values() if r is not None}
    jobs, refused = [], list(unreadable) + [(path, other_kind_reason(path)) for path in other_kinds]
    wanted: dict[Path, tuple[str, Path]] = {}
    for path in inputs:
        if resolved[path] is None:
            refused.append((path, "it is a symbolic link that loops back on itself"))
            continue
        if (real_dst is not None and resolved[path].is_relative_to(real_dst)  # a link in the input to the output:
                and not resolved[path].is_relative_to(real_src)):  # its results were fed back in
            refused.append((path, f"it is in the output folder {dst}, reached through a link"))
            continue
        fmt, suffix = output_format(path, options.format)
        rel = path.relative_to(src)
        wanted[path] = (fmt, dst / rel.with_name(f"{rel.stem}{options.suffix}{suffix}"))
    # photo.jpg and photo.png both becoming photo.png: the one already of that format keeps the name
    keeper: dict[Path, Path] = {}
    for path, (_, out) in wanted.items():
        if out not in keeper or _name_kept(path, out) > _name_kept(keeper[out], out):
            keeper[out] = path
    taken: set[Path] = set(keeper)  # a file keeps its own output name; the names made for others yield to it
    folder_checked: dict[Path, Path | None] = {}
    for path, (fmt, out) in wanted.items():
        if keeper[out] != path:
            rel = path.relative_to(src)
            out = dst / rel.with_name(f"{rel.stem}_{rel.suffix.lstrip('.')}{options.suffix}{out.suffix}")
            stem, copies = out.stem, 1
            while out in taken:  # photo.png and photo.PNG both taking photo_png.png, or a.jpg and a_jpg.png: the
                copies += 1  # whole folder was refused for one clash
                out = out.with_name(f"{stem}_{copies}{out.suffix}")
            taken.add(out)
        real_out = resolve(out)
        if real_out in input_set:
            raise ValueError(f"converting {path} would overwrite the input {out}; choose another output folder")
        if real_out is not None and real_src is not None and real_out.is_relative_to(real_src):
            # an output folder holding the input folder (in/in/b.png to ./in/b.png): written into the input, and
            # taken for an input by the next conversion (a convert pass)
            refused.append((path, f"its output {out} would be inside the input folder {src}"))
            continue
        if blocker := _file_in_the_way(out.parent, dst, folder_checked):
            refused.append((path, f"{blocker} is a file where its output folder goes"))
            continue
        jobs.append((path, out, fmt))
    return Plan(jobs, refused)


def _name_kept(path: Path, out: Path) -> int:
    """How much of its own name ``path`` keeps as ``out``: its suffix exactly (2), but for case (1), or not (0). The
    one keeping most takes the name (with a.PNG sorted first, a.png became a_png_2.png; a convert pass)."""
    return 2 if path.suffix == out.suffix else 1 if path.suffix.lower() == out.suffix.lower() else 0


def _file_in_the_way(folder: Path, dst: Path, checked: dict[Path, Path | None]) -> Path | None:
    """The non-folder at ``folder`` or above it, below ``dst``, that keeps an output from being written: a file of
    the user's named like a sub-folder stopped the whole conversion part-way ("File exists")."""
    if folder == dst or dst not in folder.parents:
        return None
    if folder not in checked:
        above = _file_in_the_way(folder.parent, dst, checked)
        taken = os.path.lexists(folder) and not folder.is_dir()  # a link to nowhere is in the way too
        checked[folder] = above or (folder if taken else None)
    return checked[folder]


def remove_stale_temp_files_of(jobs: list[tuple[Path, Path, str]]) -> int:
    """Remove temp files that a killed earlier conversion left for these outputs (and nothing else)."""
    by_folder: dict[Path, set[str]] = {}
    for _, out, _ in jobs:
        by_folder.setdefault(out.parent, set()).add(out.name)
    return sum(len(remove_stale_temp_files(folder, names)) for folder, names in by_folder.items())


# ------------------------------------------------------------- decode/encode
@dataclass
class Decoded:
    pixels: torch.Tensor | None  # (C, H, W) uint8 in the model's channel count; None once translated
    alpha: Image.Image | None
    icc: bytes | None
    exif: bytes | None
    note: str = ""  # something the user should know about the output (only a GIF's first frame, say)
    kept: dict = dataclasses.field(default_factory=dict)  # the input's encoding choices an output of its kind keeps


class TooLargeForFormat(ValueError):
    """An output larger than its format can hold, refused before it is translated (minutes on a CPU, lost)."""


SIDE_LIMITS = {"WEBP": 16383, "JPEG": 65535}  # the longest side each format holds
JPEG_SEGMENT_BYTES = 65000  # what of XMP fits in a JPEG's one APP1 segment (64 KB less its headers)
# the formats that take each of the input's settings an output keeps (carried_settings)
KEPT_IN = {"dpi": ("JPEG", "PNG", "TIFF"), "xmp": ("JPEG", "WEBP"), "compression": ("TIFF",), "lossless": ("WEBP",),
           "pnginfo": ("PNG",)}


def frames_if_fits(path: Path, fmt: str) -> int:
    """How many frames (pages) ``path`` holds, from its header; TooLargeForFormat if its picture is too large for an
    output in ``fmt`` (refused before minutes of translating). 1 where the header cannot be read: decoding says why."""
    try:
        with Image.open(path) as head:  # a phone's JPEG with a preview or depth image (MPO) is one picture
            frames = getattr(head, "n_frames", 1) if head.format != "MPO" else 1
            width, height = shown_size(head)
    except Exception:  # noqa: BLE001 - Pillow raises many types for bad files
        return 1
    limit = SIDE_LIMITS.get(fmt)
    if limit is not None and max(width, height) > limit:
        raise TooLargeForFormat(f"{width}x{height} is larger than {fmt.replace('WEBP', 'WebP')} can hold "
                                f"({limit} px a side): choose PNG as the output format")  # no TIFF to choose
    return frames


def decode(path: Path, channels: int, fmt: str = "PNG") -> Decoded:
    """Decode one input into uint8 pixels (an HWC buffer seen as CHW: no copy on the way to the encoder). The model
    sees see-through pixels over white, as training and Preview do: over whatever colour they hid, a logo's
    background came out black in a JPEG, and the visible pixels of a PNG changed with that colour."""
    require_regular_file(path)  # before any header is read: a pipe named photo.png waits forever
    frames = frames_if_fits(path, fmt)
    img = open_image(path, max_pixels=MAX_IMAGE_PIXELS)
    icc, exif = img.info.get("icc_profile"), without_thumbnail(img.info.get("exif"))
    if exif is None and img.format == "TIFF":  # a TIFF's EXIF is its own header: the camera, the date, where
        with contextlib.suppress(Exception):  # noqa: BLE001 - a damaged directory loses its tags, not the picture
            exif = portable_exif(img.getexif())
    kept = carried_settings(img, path)
    img = to_8bit(img)
    if img.mode == "CMYK":
        img, icc = cmyk_as_rgb(img), None  # sRGB now
    alpha = None
    if has_alpha(img):
        rgba = img.convert("RGBA" if img.mode not in ("LA", "PA") else "LA")
        alpha = rgba.getchannel("A")
        img = flatten_alpha(rgba)
    mode = "L" if channels == 1 else "RGB"
    if img.mode != mode:  # convert() copies even when nothing changes: not for a 100 MP photo
        img = img.convert(mode)
    note = f"only the first of its {frames} frames was converted" if frames > 1 else ""
    return Decoded(transforms().functional.pil_to_tensor(img), alpha, icc, exif, note, kept)


def carried_settings(img: Image.Image, path: Path) -> dict:
    """What of the input's encoding an output keeps (``encode`` applies each where its format takes it): the print
    resolution, XMP (ratings, keywords), a TIFF's lossless compression, a WebP's losslessness, a PNG's text."""
    kept = {key: img.info[key] for key in ("dpi", "xmp") if img.info.get(key)}
    if img.format == "TIFF" and img.info.get("compression") in LOSSLESS_TIFF:
        kept["compression"] = img.info["compression"]
    if img.format == "WEBP" and is_lossless_webp(path):
        kept["lossless"] = True
    if img.format == "PNG" and getattr(img, "text", None):  # a PNG's text (description, author, its XMP)
        from PIL import PngImagePlugin

        kept["pnginfo"] = PngImagePlugin.PngInfo()
        for key, value in img.text.items():
            kept["pnginfo"].add_itxt(key, value)
    return kept


def is_lossless_webp(path: Path) -> bool:
    """Whether a WebP file holds its picture losslessly (a VP8L chunk, not VP8), from its RIFF chunks."""
    with contextlib.suppress(OSError, struct.error), open(path, "rb") as fh:
        fh.seek(12)
        while len(header := fh.read(8)) == 8:  # chunk by chunk: a large colour profile comes before the picture
            kind, size = header[:4], struct.unpack("<I", header[4:])[0]
            if kind in (b"VP8L", b"VP8 "):
                return kind == b"VP8L"
            if kind == b"ANMF":  # an animation's frame holds the picture's chunk after 16 bytes of its own
                fh.seek(16, os.SEEK_CUR)
                continue
            fh.seek(size + (size & 1), os.SEEK_CUR)
    return False


def without_thumbnail(exif: bytes | None) -> bytes | None:
    """EXIF with its thumbnail unlinked (the next-IFD pointer after IFD0 set to 0): carried over, the original's
    thumbnail showed the unconverted picture in file managers. Left as it is where it cannot be parsed."""
    if not exif:
        return exif
    start = 6 if exif.startswith(b"Exif\x00\x00") else 0
    order = {b"II": "<", b"MM": ">"}.get(exif[start:start + 2])
    if order is None or len(exif) < start + 8:
        return exif
    ifd0 = start + struct.unpack(order + "I", exif[start + 4:start + 8])[0]
    if len(exif) < ifd0 + 2:
        return exif
    pointer = ifd0 + 2 + 12 * struct.unpack(order + "H", exif[ifd0:ifd0 + 2])[0]
    if len(exif) < pointer + 4:
        return exif
    return exif[:pointer] + b"\x00\x00\x00\x00" + exif[pointer + 4:]


# IFD0 tags that describe the photo rather than how its pixels are stored: description, make, model, software,
# date, artist, Windows' rating, title, comment, author, keywords and subject, copyright
DESCRIBING_TAGS = (270, 271, 272, 305, 306, 315, 18246, 18249, 40091, 40092, 40093, 40094, 40095, 33432)
EXIF_IFD, GPS_IFD, INTEROP_IFD, MAKER_NOTE = 0x8769, 0x8825, 0xA005, 0x927C


def portable_exif(exif: Image.Exif, directories: bool = True) -> bytes | None:
    """EXIF that can go into any output: the tags that describe the photo, its EXIF and GPS directories (exposure,
    dates, place), without the layout of the file it came from. A TIFF's own header (strip offsets, sample format,
    compression) would have overwritten the output's; a maker note's offsets point into the old file. Without
    ``directories``, only the describing tags."""
    kept = Image.Exif()
    for tag in DESCRIBING_TAGS:
        if tag in exif:
            kept[tag] = exif[tag]
    for tag in (EXIF_IFD, GPS_IFD) if directories else ():
        directory = {key: value for key, value in exif.get_ifd(tag).items() if key != MAKER_NOTE}
        if INTEROP_IFD in directory:  # an offset into the old file, or the directory it points to
            interop = exif.get_ifd(INTEROP_IFD)
            directory.pop(INTEROP_IFD)
            if interop:
                directory[INTEROP_IFD] = dict(interop)
        if directory:
            kept[tag] = directory
    return kept.tobytes() if len(kept) else None


ICC_SPACE = {"R": b"RGB ", "L": b"GRAY"}  # an output's mode (its first letter) and the profile space it takes


def icc_space(profile: bytes) -> bytes:
    """The colour space an ICC profile describes (its header's data colour space: b"RGB ", b"CMYK", b"GRAY")."""
    return bytes(profile[16:20])


def encode(pixels: torch.Tensor, decoded: Decoded, out: Path, fmt: str, quality: int, replace: bool = True) -> str:
    """Write one output atomically, carrying over alpha, ICC profile and EXIF where the format can; returns what the
    user should know of what could not be carried over ("" if nothing). Without ``replace``, a file that appeared at
    ``out`` meanwhile is kept (WrittenMeanwhile)."""
    array = pixels.permute(1, 2, 0).squeeze(-1).contiguous().numpy()  # already HWC in memory: no copy
    img = Image.fromarray(array, "L" if array.ndim == 2 else "RGB")
    if decoded.alpha is not None and fmt in ALPHA_FORMATS:
        img.putalpha(decoded.alpha)
    params: dict = {}
    if fmt in ("JPEG", "WEBP"):
        params["quality"] = quality
    if decoded.icc and fmt in ("JPEG", "WEBP", "PNG", "TIFF") and icc_space(decoded.icc) == ICC_SPACE[img.mode[0]]:
        params["icc_profile"] = decoded.icc  # a CMYK or grey input's profile on RGB pixels: misread, or refused
    note = ""
    if decoded.exif and fmt in ("JPEG", "WEBP", "PNG"):
        params["exif"] = decoded.exif
        if fmt == "JPEG" and len(decoded.exif) > JPEG_SEGMENT_BYTES:  # Pillow refused the file: "EXIF data is too long"
            kept = _describing_exif(decoded.exif)  # without a maker note or a thumbnail, what makes it long
            if kept and len(kept) <= JPEG_SEGMENT_BYTES:
                params["exif"] = kept
            else:
                del params["exif"]
            note = (f"its EXIF ({len(decoded.exif) // 1024} KB) is more than a JPEG holds: "
                    + ("only the tags that describe the photo were kept" if "exif" in params else "it was left out"))
    elif decoded.exif and fmt == "TIFF":  # its IFD0 becomes the output's header: only what describes the photo
        exif = Image.Exif()
        with contextlib.suppress(Exception):  # noqa: BLE001 - EXIF that cannot be parsed is left behind
            exif.load(decoded.exif)
            # libtiff (which writes compressed TIFFs) fails on EXIF's own directories: "Error setting from dictionary"
            params["exif"] = portable_exif(exif, directories=decoded.kept.get("compression") is None)
    params.update({key: value for key, value in decoded.kept.items() if fmt in KEPT_IN[key]})
    if decoded.alpha is not None and fmt not in ALPHA_FORMATS and decoded.alpha.getextrema()[0] < 255:
        # a logo's see-through parts came out white in a JPEG unsaid, where an animated GIF's frames were said
        note = "; ".join(filter(None, (note, f"its see-through parts are white: a {fmt} holds no "
                                             "transparency (PNG, WebP and TIFF do)")))
    if fmt == "JPEG" and len(params.get("xmp", b"")) > JPEG_SEGMENT_BYTES:  # more than one segment made it fail
        del params["xmp"]
    encoded = io.BytesIO()  # Pillow's JPEG and WebP encoders ignore a full disk: a cut-short file passed as written
    img.save(encoded, format=fmt, **params)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(out, replace=replace) as tmp:
            tmp.write_bytes(encoded.getbuffer())
    except FileExistsError as exc:
        if not replace and exc.filename == str(out):  # two conversions into nested folders both wrote K/sub/p.png
            raise WrittenMeanwhile(f"{out.name} appeared in the output folder while this ran (another conversion "
                                   "or program wrote it): kept, not written over") from None
        raise OutputError(exc.errno, f"cannot write {out}: {exc.strerror or exc}") from None
    except OSError as exc:
        if exc.errno in FATAL_WRITE_ERRORS or isinstance(exc, (FileExistsError, NotADirectoryError)):
            raise OutputError(exc.errno, f"cannot write {out}: {exc.strerror or exc}") from None
        raise
    return note


def _describing_exif(raw: bytes) -> bytes | None:
    """EXIF pared down to what describes the photo (portable_exif), or None where it cannot be parsed."""
    exif = Image.Exif()
    try:
        exif.load(raw)
        return portable_exif(exif)
    except Exception:  # noqa: BLE001 - EXIF that cannot be parsed is left behind
        return None


BLEND_ELEMENTS = 1 << 22  # values blended at a time: 16 MB of floats, whatever the photo's size


def blend(source: torch.Tensor, result: torch.Tensor, strength: float) -> torch.Tensor:
    """``strength`` of the model's change, ``source + strength * (result - source)``, uint8 in and out (the same
    shape). A model that overdoes a subtle look is dialled down, one that underdoes it up, without training
    again. Done a band of rows at a time, so a 100 MP photo is never held as floats whole."""
    if strength == 1.0:
        return result
    out = torch.empty_like(result)
    rows = max(1, BLEND_ELEMENTS // max(1, result[..., :1, :].numel()))
    for top in range(0, result.shape[-2], rows):
        band = slice(top, top + rows)
        mixed = source[..., band, :].float().lerp_(result[..., band, :].float(), strength)
        out[..., band, :] = mixed.round_().clamp_(0, 255).to(torch.uint8)
    return out


# ---------------------------------------------------------------- translator
class Translator:
    """A generator on a device that translates uint8 image batches of any size.

    Speed paths, each measured (benchmarks/convert_speed.py, docs in the closing notes):
    channels_last everywhere, bf16/fp16 autocast on CUDA, and optionally torch.compile,
    which on a 2-core CPU cut a 512x384 paper-generator forward from 1.11 s to 0.80 s.
    If compiling fails (no C++ compiler on the machine, say), it falls back to eager.
    """

    def __init__(self, model: LoadedModel, device: str = "auto", tile: int = 0, overlap: int = 128,
                 max_pixels: int = 2_000_000, compile: bool = False, work_size: int = 0, strength: float = 1.0):
        self.model = model
        self.work_size = work_size
        self.strength = strength
        self.device = pick_device(device)
        self.net = model.generator.to(self.device).eval().to(memory_format=torch.channels_last)
        self.tile = tile
        self.overlap = overlap
        self.max_pixels = max_pixels
        self.amp_dtype = None
        if self.device.type == "cuda":
            self.amp_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        self.compiled = torch.compile(self.net, dynamic=None) if compile else None
        self.detail = getattr(self.net, "detail", None)  # a Quick model's local-contrast stage
        if self.detail is not None and compile:  # its blurs' widths follow each photo: a recompile every size
            self.detail.forward = torch.compiler.disable(self.detail.forward)
        reference = model.metadata.get("train_short_side")
        valid = isinstance(reference, int) and not isinstance(reference, bool) and 16 <= reference <= 16384
        self.train_short_side = reference if valid else None  # a stranger's file may say anything

    @property
    def channels(self) -> int:
        return self.model.channels

    def _autocast(self):
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def _prepare(self, x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.compiled is not None:
            try:
                return self.compiled(x)
            except torch.OutOfMemoryError:
                raise
            except Exception as exc:  # e.g. no C++ compiler for inductor on this machine
                log.warning("torch.compile failed (%s); translating without it", str(exc).splitlines()[0][:200])
                self.compiled = None
        return self.net(x)

    def needs_tiles(self, h: int, w: int) -> bool:
        return h * w > self.max_pixels or bool(self.tile and (h > self.tile or w > self.tile))

    @torch.inference_mode()
    def __call__(self, batch: torch.Tensor,
                 between_tiles: Callable[[int, int], None] = lambda tile, tiles: None) -> torch.Tensor:
        """uint8 (N, C, H, W) in, uint8 (N, C, H, W) out, on the CPU.

        With ``work_size``, an image longer than that is translated at that size (its long side)
        and the result scaled back up: how models trained at 256 px are commonly used on photos.
        ``between_tiles`` runs before each tile of a tiled image (a cancel raises there). With a ``strength``
        other than 1 the result is blended with the input at full size (:func:`blend`).
        """
        h, w = batch.shape[-2:]
        if self.work_size and max(h, w) > self.work_size:
            TF = transforms().functional
            scale = self.work_size / max(h, w)
            small = TF.resize(batch, [max(1, round(h * scale)), max(1, round(w * scale))], antialias=True)
            result = TF.resize(self._translate(small, between_tiles), [h, w],
                               interpolation=TF.InterpolationMode.BICUBIC, antialias=True)
        else:
            result = self._translate(batch, between_tiles)
        return blend(batch, result, self.strength)

    def detail_scale(self, h: int, w: int) -> float:
        """How much wider than in training a picture of h x w needs the local-contrast bands: its shorter
        side over the one training scaled pictures to, in steps of 1/8 (a folder of one camera's photos
        is one value, and a compiled generator one compilation). Tiled, the widest blur is kept within the
        tiles' overlap, where their blending hides what each tile's edge cut off."""
        if self.detail is None or self.train_short_side is None:
            return 1.0
        scale = max(1, round(8 * min(h, w) / self.train_short_side)) / 8
        if self.needs_tiles(h, w):
            scale = min(scale, max(1.0, self.overlap / (3 * max(self.detail.sigmas))))
        return scale

    def _translate(self, batch: torch.Tensor, between_tiles: Callable[[int, int], None]) -> torch.Tensor:
        if self.detail is None:
            return self._translate_at_scale(batch, between_tiles)
        self.detail.scale = self.detail_scale(*batch.shape[-2:])
        try:
            return self._translate_at_scale(batch, between_tiles)
        finally:
            self.detail.scale = 1.0  # the generator is left as loaded (an export after a conversion traces this)

    def _translate_at_scale(self, batch: torch.Tensor, between_tiles: Callable[[int, int], None]) -> torch.Tensor:
        h, w = batch.shape[-2:]
        if self.needs_tiles(h, w):  # uint8 in and out: a huge image is never held as floats
            tile = self.tile or 512
            outs = [translate_tiled(self.net, batch[i:i + 1], tile, self.overlap, self.max_pixels, self.device,
                                    self._autocast, self._prepare, between_tiles) for i in range(batch.shape[0])]
            return outs[0] if len(outs) == 1 else torch.cat(outs)  # cat would copy even a single image
        x = to_unit(batch.to(self.device, non_blocking=True))
        with self._autocast():
            y = run_padded(self._forward, self._prepare(x), size_rules(self.net)).float()
        return to_uint8(y).cpu()


# -------------------------------------------------------------------- driver
def compiles(options: ConvertConfig, images: int, alike: int | None, device: str) -> bool:
    """Whether converting ``images`` pictures, ``alike`` of them of one size, on a ``device`` of this type compiles
    the generator: ``auto`` does on a CUDA GPU for a folder large enough to repay the compilation, where that many
    share a size (each new size compiles again: 36 pictures of different sizes took 24 s instead of 4 on the CPU),
    never in an installed app (engine.config.can_compile). On the CPU only ``on`` compiles, as in training: 60
    pictures of 256 px with the demo model took 35.6 s compiled against 9.6 s not (medians of 3; docs/performance.md).
    """
    enough = images >= COMPILE_MIN_IMAGES and (alike is None or alike >= COMPILE_MIN_IMAGES)
    return can_compile() and (options.compile == "on" or (options.compile == "auto" and enough and device == "cuda"))


def most_alike(sources: list[Path], look_at: int = 256) -> int:
    """How many of the first ``look_at`` pictures share the commonest size (from their headers)."""
    sizes = Counter()
    for source in sources[:look_at]:
        with contextlib.suppress(Exception):  # unreadable: decoding says why later
            require_regular_file(source)
            with Image.open(source) as head:
                sizes[head.size] += 1
    return max(sizes.values(), default=0)


def split_by_results_there(jobs: list[tuple[Path, Path, str]]) -> tuple[list, int, list[tuple[Path, str]]]:
    """Skipping results already there: (the jobs left to do, how many are skipped, (input, why) of those whose
    output's place holds something not to write over). One rule for the conversion and the Convert page's count,
    which counted a result cut short as skipped."""
    todo, skipped, refused = [], 0, []
    for job in jobs:
        source, out, _ = job
        if not output_taken(out) or _empty_file(out):  # an empty file (a copy cut short) holds nothing to lose
            todo.append(job)
        elif os.path.isdir(out):  # "replace existing does" was no way out: it failed, "Is a directory"
            refused.append((source, a_folder_in_the_way(out)))
        elif not finished_output(out):  # not ours (our writes are atomic): someone's file, kept and named
            refused.append((source, f"{out.name} is already in the output folder and is not an image: not "
                                    "written over (replace existing does)"))
        elif not ends_whole(out):  # kept broken as "already there" (a crash pass)
            refused.append((source, f"{out.name} in the output folder is cut short (a write or a copy that did not "
                                    "end): not written over; delete it, or replace existing, to convert it again"))
        elif changed_since(source, out):  # a photo edited or replaced since: its result was kept as if it were
            refused.append((source, f"{source.name} has changed since {out.name} was made from it: not written "
                                    "over (replace existing does)"))  # current
        else:
            skipped += 1
    return todo, skipped, refused


def convert_folder(model: LoadedModel | Translator, src: str | Path, dst: str | Path,
                   options: ConvertConfig | None = None, on_event: EventCallback | None = None,
                   control: Control | None = None) -> ConvertSummary:
    """Translate every image under ``src`` into ``dst``; never raises for a bad file. A :class:`Translator` passed
    as ``model`` keeps its own device, tiling and strength.

    ``model`` may also be what :func:`engine.load_model` takes (a model file, a run folder, ``"demo"``), loaded
    for ``options.direction`` (a pix2pix run trained B to A needs ``direction="BtoA"``: unlike the command line,
    this does not pick a run's learnt direction for you).

    Raises ValueError for a refused folder choice (:class:`OutputsExist` where results are there already and
    neither ``skip_existing`` nor ``replace_existing`` says what to do with them) and FolderBusy when another
    conversion is writing into ``dst``, all before anything is written; TypeError for arguments of the wrong kind.
    """
    options = options or ConvertConfig()
    if not isinstance(options, ConvertConfig):  # a dict gave "'dict' object has no attribute 'validate'"
        raise TypeError(f"options must be a ConvertConfig (engine.ConvertConfig(format='jpg', ...)), "
                        f"not {type(options).__name__}")
    options.validate()
    if on_event is not None and not callable(on_event):
        raise TypeError(f"on_event must be a function taking an event, not {type(on_event).__name__}")
    if control is not None and not isinstance(control, Control):
        raise TypeError(f"control must be an engine.Control, not {type(control).__name__}")
    if isinstance(model, (str, Path)):  # the natural first try: "'str' object has no attribute 'generator'"
        model = load_model(model, options.direction)
    emit = on_event or (lambda e: None)
    control = control or Control()
    src, dst = Path(src), Path(dst)
    planned = plan(src, dst, options)
    jobs = planned.jobs
    skipped = 0
    refused = list(planned.refused)
    if not options.skip_existing and not options.replace_existing:
        existing = [out for _, out, _ in jobs if output_taken(out)]
        if existing:
            raise OutputsExist(dst, existing)
    if options.skip_existing:
        jobs, skipped, kept = split_by_results_there(jobs)
        refused += kept
    elif folders := {out for _, out, _ in jobs if os.path.isdir(out)}:  # replacing: a folder is no result to write
        # over; it failed "Is a directory" after the picture had been translated, minutes for a large photo
        refused += [(source, a_folder_in_the_way(out)) for source, out, _ in jobs if out in folders]
        jobs = [job for job in jobs if job[1] not in folders]
    device = None if isinstance(model, Translator) else pick_device(options.device).type
    alike = (most_alike([source for source, _, _ in jobs])
             if options.compile == "auto" and len(jobs) >= COMPILE_MIN_IMAGES and device == "cuda" else None)
    translator = model if isinstance(model, Translator) else Translator(
        model, options.device, options.tile, options.overlap, options.max_pixels,
        compile=compiles(options, len(jobs), alike, device), work_size=options.work_size, strength=options.strength)
    if not options.batch_size:
        options = dataclasses.replace(options, batch_size=1 if translator.device.type == "cpu" else 4)
    made = not dst.exists()
    try:
        dst.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # what the permissions did not say (/sys: "operation not permitted")
        why = (exc.strerror or str(exc)).lower()
        summary = ConvertSummary(str(dst), len(jobs), 0, skipped, (), 0.0,
                                 error=f"cannot create the output folder {dst} ({why}); choose another output folder")
        emit(ConvertFinished(summary))
        return summary
    try:
        with folder_lock(dst):  # FolderBusy if another conversion writes here: refused before any write
            remove_stale_temp_files_of(planned.jobs)  # safe now: no other conversion is writing here
            runner = _Run(translator, jobs, refused, options, emit, control)
            summary = runner.run(dst, skipped)
    finally:  # the folder this call made, still empty (every file failed, or an error no file names): not left
        if made:  # behind as if something came
            with contextlib.suppress(OSError):
                dst.rmdir()
    emit(ConvertFinished(summary))
    return summary


def changed_since(source: Path, out: Path) -> bool:
    """Whether ``source`` was written after ``out``, as make judges a target out of date, with rsync's window for
    clocks that disagree: a FAT card keeps times to 2 s, and a share's clock may run behind (a review)."""
    try:
        return os.stat(source).st_mtime_ns > os.stat(out).st_mtime_ns + MODIFY_WINDOW_NS
    except OSError:  # reading it says why
        return False


MODIFY_WINDOW_NS = 2 * 10**9


class _Run:
    """State of one folder conversion: the queues, the counters and the timing."""

    def __init__(self, translator: Translator, jobs, refused, options: ConvertConfig, emit: EventCallback,
                 control: Control):
        self.t, self.jobs, self.refused, self.options = translator, jobs, refused, options
        self.emit, self.control = emit, control
        self.taken_at_start: set[Path] = set()  # outputs there as it began (run): the only ones written over unasked
        self.converted = 0
        self.failed: list[tuple[str, str]] = []
        self.started = time.perf_counter()
        self.first_done: tuple[float, int] | None = None  # when the first image was done, and how many were
        self.writing: deque[tuple[Future, Path, Path, float, str]] = deque()
        self.in_flight: dict[Path, int] = {}  # pixels of images decoded (or decoding) and not yet written
        self.time_split = {"waiting to decode": 0.0, "translating": 0.0, "waiting to write": 0.0}

    @property
    def done(self) -> int:
        return self.converted + len(self.failed)

    @property
    def total(self) -> int:
        return len(self.jobs) + len(self.refused)

    def _progress(self, tile: int = 0, tiles: int = 0) -> None:
        """The pace from the first image on: the first carries loading and warming up the model (a 60-image
        folder said 0.31 img/s and nearly 3 minutes after its first image, then took 21 s)."""
        now = time.perf_counter()
        if self.first_done is None and self.converted:
            self.first_done = (now, self.converted)
        paced = self.first_done is not None and self.converted > self.first_done[1]
        since, before = self.first_done if paced else (self.started, 0)
        rate = (self.converted - before) / (now - since) if now > since else 0.0
        left = self.total - self.done
        self.emit(ConvertProgress(self.done, self.total, rate, left / rate if rate > 0 else float("inf"), tile, tiles))

    def fail(self, source: Path, reason: str) -> None:
        self.failed.append((str(source), reason))
        self.emit(FileFailed(str(source), reason))
        self._progress()

    def _collect(self, wait_for: int) -> None:
        """Report finished writes, blocking until at most ``wait_for`` are still pending."""
        while self.writing and (len(self.writing) > wait_for or self.writing[0][0].done()):
            future, source, out, began, note = self.writing.popleft()
            self.in_flight.pop(source, None)
            t0 = time.perf_counter()
            try:
                written_note = future.result()
            except OutputError:
                raise
            except Exception as exc:
                self.fail(source, f"could not write {out.name}: {exc}")
                continue
            finally:
                self.time_split["waiting to write"] += time.perf_counter() - t0
            self.converted += 1
            note = "; ".join(filter(None, (note, written_note)))
            self.emit(FileDone(str(source), str(out), time.perf_counter() - began, note))
            self._progress()

    def _between_tiles(self, tile: int, tiles: int) -> None:
        """Stop if asked, and report the writes that finished meanwhile and the tile reached: a tiled photo takes
        minutes on a CPU, and the image written before it was reported only after it (the app showed nothing done
        for all that time); a 12000x9000 photo sat at "0/1" for 6 minutes."""
        self.control.checkpoint()
        self._collect(wait_for=len(self.writing))  # without waiting: only what is done
        if tiles > 1:
            self._progress(tile, tiles)

    def _translate(self, group: list, encoder: ThreadPoolExecutor) -> None:
        self.control.checkpoint()
        pixels = [d.pixels for _, d, _ in group]
        batch = pixels[0].unsqueeze(0) if len(pixels) == 1 else torch.stack(pixels)
        del pixels
        for _, decoded, _ in group:
            decoded.pixels = None  # the batch holds them now; a huge input is freed before its output is encoded
        t0 = time.perf_counter()
        try:
            outputs = self.t(batch, self._between_tiles)
        except (torch.OutOfMemoryError, RuntimeError) as exc:
            if not out_of_memory(exc):
                raise
            raise OutputError(errno.ENOMEM, "out of memory translating "
                              f"{batch.shape[-1]}x{batch.shape[-2]} images: lower --tile or the batch size "
                              "(a lower --max-pixels saves memory too, but judges the colours on a smaller copy, "
                              "and the look can shift)") from None
        finally:
            self.time_split["translating"] += time.perf_counter() - t0
        for (job, decoded, began), pixels in zip(group, outputs):
            source, out, fmt = job
            future = encoder.submit(encode, pixels, decoded, out, fmt, self.options.quality,
                                    self.options.replace_existing or out in self.taken_at_start)
            self.writing.append((future, source, out, began, decoded.note))
        self._collect(wait_for=2 * self.options.batch_size)

    def run(self, dst: Path, skipped: int) -> ConvertSummary:
        opts = self.options
        # written over only where asked, or found (empty) before: a file that appears meanwhile is someone's
        self.taken_at_start = set() if opts.replace_existing else {out for _, out, _ in self.jobs if output_taken(out)}
        workers = max(1, opts.workers)
        cancelled, error = False, ""
        self._progress()
        for source, reason in self.refused:
            self.fail(source, reason)
        with ThreadPoolExecutor(workers, thread_name_prefix="decode") as decoder, \
                ThreadPoolExecutor(workers, thread_name_prefix="encode") as encoder:
            lookahead = 2 * opts.batch_size + workers
            pending: deque[tuple[tuple, Future, float]] = deque()
            upcoming = deque(self.jobs)
            next_size: dict[Path, int] = {}  # the next image's, read once while the pixel budget holds it back

            def top_up() -> None:
                while upcoming and len(pending) < lookahead:
                    source = upcoming[0][0]
                    if source not in next_size:
                        next_size.clear()
                        next_size[source] = header_pixels(source)
                    pixels = next_size[source]
                    if self.in_flight and sum(self.in_flight.values()) + pixels > LOOKAHEAD_PIXELS:
                        return
                    job = upcoming.popleft()
                    self.in_flight[source] = pixels
                    pending.append((job, decoder.submit(decode, source, self.t.channels, job[2]),
                                    time.perf_counter()))

            group: list = []
            try:
                while True:
                    top_up()
                    if not pending:  # done, or the pixel budget is taken by images not yet written
                        if group:
                            self._translate(group, encoder)
                            group = []
                        elif upcoming:
                            self._collect(wait_for=0)
                        else:
                            break
                        continue
                    job, future, began = pending.popleft()
                    top_up()
                    t0 = time.perf_counter()
                    try:
                        decoded = future.result()
                    except Exception as exc:
                        self.in_flight.pop(job[0], None)
                        self.fail(job[0], _reason(exc))
                        continue
                    finally:
                        self.time_split["waiting to decode"] += time.perf_counter() - t0
                    shape = tuple(decoded.pixels.shape)
                    if group and (tuple(group[0][1].pixels.shape) != shape or len(group) >= opts.batch_size):
                        self._translate(group, encoder)
                        group = []
                    group.append((job, decoded, began))
                    if self.t.needs_tiles(shape[1], shape[2]):
                        self._translate(group, encoder)
                        group = []
                self._collect(wait_for=0)
            except Stopped:
                cancelled = True
            except OutputError as exc:
                error = exc.strerror
            finally:
                for _, future, _ in pending:
                    future.cancel()
            if cancelled or error:
                with contextlib.suppress(OutputError):
                    self._collect(wait_for=0)  # finish (atomically) what was already translated
        if error:
            error = f"{error}; {self.converted} of {self.total} image(s) were written"
        return ConvertSummary(str(dst), self.total, self.converted, skipped, tuple(self.failed),
                              time.perf_counter() - self.started, cancelled, error, dict(self.time_split))


def output_taken(path: Path) -> bool:
    """A name an output would be written over: a file, a folder, or a link (one to nothing too)."""
    return os.path.lexists(path)


def _empty_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink() and path.stat().st_size == 0


def finished_output(path: Path) -> bool:
    """An output to skip: a regular file whose header reads as an image. This program's writes are atomic, so
    anything else there is another program's: an empty file is converted over (a 0-byte file from a copy
    counted as done and was never replaced), any other is kept and reported (never written over unasked)."""
    try:
        require_regular_file(path)
        with Image.open(path):
            return True
    except Exception:
        return False


def header_pixels(path: Path) -> int:
    """Width x height from the file's header (no decoding); 0 when it cannot be read (decode will say why)."""
    try:
        require_regular_file(path)
        with Image.open(path) as im:
            return im.width * im.height
    except Exception:
        return 0


def _reason(exc: Exception) -> str:
    if isinstance(exc, TooLargeForFormat):
        return str(exc)
    if isinstance(exc, Image.DecompressionBombError):  # Pillow's own words spoke of a "DOS attack"
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(pixels[1]) / 1e6:.0f} MP, " if pixels else ""
        return (f"image is too large to convert safely: {size}more than the {MAX_IMAGE_PIXELS / 1e6:.0f} MP this app "
                "converts; scale it down first")
    if isinstance(exc, ImageTooLarge):
        return f"image is too large to convert safely: {exc}"
    return unreadable_reason(exc)  # "cannot read image: not an image this app can read …" said it twice
