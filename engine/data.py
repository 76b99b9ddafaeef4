"""Finding, decoding and preparing images for training.

Decoding is Pillow's; this module only adds what a folder of real-world photos needs:
skipping hidden and system files, honouring EXIF orientation, and turning any pixel mode
(palette, CMYK, 16-bit, alpha, ...) into the 1 or 3 channels the model expects.
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import mmap
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import torch
from PIL import Image, ImageOps, UnidentifiedImageError
from torch.utils.data import Dataset, Sampler

from .fileio import Resolver

log = logging.getLogger(__name__)

def transforms():
    """torchvision.transforms.v2, imported when first needed: importing torchvision also loads torch's
    compiler stack (over a second), which the app's window need not wait for."""
    from torchvision.transforms import v2

    return v2


SYSTEM_FILES = {"thumbs.db", "desktop.ini", "ehthumbs.db", "icon\r"}
SYSTEM_DIRS = {"__macosx", "$recycle.bin", "system volume information"}


def image_extensions() -> frozenset[str]:
    """File extensions Pillow can open on this machine."""
    Image.init()
    return frozenset(ext for ext, fmt in Image.registered_extensions().items() if fmt in Image.OPEN)


# photos of kinds Pillow does not open, by the name a person knows them by: a folder of them "had no images"
UNREADABLE_KINDS = {".heic": "HEIC", ".heif": "HEIF", ".cr2": "Canon raw", ".cr3": "Canon raw", ".nef": "Nikon raw",
                    ".arw": "Sony raw", ".dng": "DNG raw", ".raf": "Fujifilm raw", ".orf": "Olympus raw",
                    ".rw2": "Panasonic raw", ".pef": "Pentax raw", ".srw": "Samsung raw"}


def other_kind_reason(path: Path) -> str:
    """Why a photo of a kind this app cannot read is left out, in words."""
    return (f"a {UNREADABLE_KINDS[path.suffix.lower()]} file, a kind this app cannot read: save it as JPEG or PNG "
            "first")


def unreadable_kinds_note(folder: Path, recursive: bool = True) -> str:
    """" (N file(s) of kinds this app cannot read: HEIC, ...; ...)" for photos in ``folder`` (and its sub-folders
    where ``recursive``) that are listed as no images at all, or "" where there are none."""
    others: list[str] = []
    image_names(folder, recursive, other_kinds=others)
    if not others:
        return ""
    kinds = sorted({UNREADABLE_KINDS[os.path.splitext(name)[1].lower()] for name in others})
    return (f" ({len(others)} file(s) of kinds this app cannot read: {', '.join(kinds)}; save them "
            "as JPEG or PNG first)")


def is_hidden(name: str) -> bool:
    return name.startswith(".") or name.lower() in SYSTEM_FILES


def path_order(path: str) -> list[str]:
    """A path's place in the order pathlib sorts paths in (part by part; without case on Windows), from a string."""
    return os.path.normcase(path).split(os.sep)


def list_images(folder: str | Path, recursive: bool = True,
                unreadable: list[tuple[Path, str]] | None = None,
                other_kinds: list[Path] | None = None) -> list[Path]:
    """Image files under ``folder`` (by extension), sorted, without hidden or system files. Folders that cannot
    be read are added to ``unreadable`` with the reason (os.walk passes over them without a word: a folder
    without read permission was converted as if empty, and its images counted nowhere); photos of kinds this app
    cannot read (HEIC, camera raw: :data:`UNREADABLE_KINDS`) to ``other_kinds``."""
    others: list[str] | None = None if other_kinds is None else []
    found = image_names(folder, recursive, unreadable, others)
    if others:
        other_kinds += map(Path, others)
    return [Path(p) for p in found]


def image_names(folder: str | Path, recursive: bool = True,
                unreadable: list[tuple[Path, str]] | None = None,
                other_kinds: list[str] | None = None) -> list[str]:
    """:func:`list_images` as strings, each beginning with ``str(Path(folder))``: Path objects made, compared and
    turned back into text cost 1.5 s for 40,000 files, on the window's thread where the Train page lists a
    dataset."""
    folder = Path(folder)
    exts = image_extensions()
    found: list[str] = []

    def note(error: OSError) -> None:
        if unreadable is not None:
            why = (error.strerror or str(error)).lower()
            unreadable.append((Path(error.filename or folder), f"this folder cannot be read ({why})"))

    seen = {os.path.realpath(folder)}  # links to folders are followed (a side's photos all behind one were "no
    # images"), each folder once: a link back up the tree is not walked round and round
    for root, dirs, files in os.walk(folder, onerror=note, followlinks=True):
        dirs[:] = sorted(d for d in dirs if not is_hidden(d) and d.lower() not in SYSTEM_DIRS)
        # real folders claim first: a link sorting before its target hid the target, its images named by the link
        for d in sorted(dirs, key=lambda d: os.path.islink(os.path.join(root, d))):
            real = os.path.realpath(os.path.join(root, d))
            if real in seen:
                dirs.remove(d)
            seen.add(real)
        found += [os.path.join(root, f) for f in files if not is_hidden(f) and os.path.splitext(f)[1].lower() in exts]
        if other_kinds is not None:
            other_kinds += sorted(os.path.join(root, f) for f in files if not is_hidden(f) and (
                ext := os.path.splitext(f)[1].lower()) in UNREADABLE_KINDS and ext not in exts)
        if not recursive:
            break
    return sorted(found, key=path_order)


def to_8bit(img: Image.Image) -> Image.Image:
    """Scale high-bit-depth modes to 8 bits instead of letting Pillow clip them at 255."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16 bits whatever the values (a dark picture was read 257 times too bright); Pillow 10.0 opens 16-bit PNG
        # as "I", and a PNG holds no 32-bit grey
        sixteen = img.mode != "I" or img.format == "PNG"
        key = img.info.get("transparency")  # a 16-bit colour key: scaled with the pixels, it keyed out others too
        img = img.convert("I")
        scale = 1 / 257 if sixteen or img.getextrema()[1] > 255 else 1.0  # "I" (32-bit) says no range: its values
        grey = img.point(lambda v: v * scale + 0.5).convert("L")  # rounded: 200 of 65535 is 1, not 0
        if isinstance(key, int):
            import numpy as np

            seen = Image.fromarray(np.where(np.asarray(img) == key, 0, 255).astype(np.uint8), "L")
            return Image.merge("LA", (grey, seen))
        return grey
    if img.mode == "F":
        lo, hi = img.getextrema()
        if hi <= 1.0:
            return img.point(lambda v: v * 255).convert("L")
        return img.convert("L")
    return img


def flatten_alpha(img: Image.Image, background=(255, 255, 255)) -> Image.Image:
    """Composite an image with transparency over a plain background, giving RGB."""
    img = img.convert("RGBA")
    base = Image.new("RGBA", img.size, background + (255,))
    return Image.alpha_composite(base, img).convert("RGB")


def has_alpha(img: Image.Image) -> bool:
    """Whether pixels can be see-through: an alpha channel, or a palette or colour key (a PNG's tRNS, as optipng
    writes logos whose alpha is all or nothing: they came out opaque on black)."""
    return img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info


def cmyk_as_rgb(img: Image.Image) -> Image.Image:
    """A CMYK picture in sRGB through the profile it carries (print and stock files): Pillow's own conversion ignores
    it, and pure red came out (255, 0, 0) where the profile says (237, 39, 45)."""
    profile = img.info.get("icc_profile")
    if profile:
        from PIL import ImageCms

        try:
            return ImageCms.profileToProfile(img, ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                                             ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError) as exc:  # a damaged profile: the plain conversion
            log.warning("ignoring a CMYK colour profile that cannot be used (%s)", exc)
    return img.convert("RGB")


def to_channels(img: Image.Image, channels: int) -> Image.Image:
    """Any Pillow image as 8-bit "L" (channels=1) or "RGB" (channels=3); alpha is flattened."""
    img = to_8bit(img)
    if img.mode == "CMYK":
        img = cmyk_as_rgb(img)
    if has_alpha(img):
        img = flatten_alpha(img)
    if img.mode not in ("L", "RGB"):
        img = img.convert("RGB")
    return img.convert("L" if channels == 1 else "RGB")


class ImageTooLarge(ValueError):
    """An image with more pixels than the caller accepts, refused before it is decoded."""


class NotAFile(ValueError):
    """A name with an image's extension on a pipe, a device or a socket: opening it could wait forever."""


class EmptyFile(ValueError):
    """A file of 0 bytes: "not an image this app can read (damaged, …)" said less than that (a CLI hostile pass)."""


def require_regular_file(path: str | Path) -> None:
    """Raise NotAFile unless ``path`` (its links followed) is a plain file: reading a FIFO named photo.png
    hung a conversion and a training run for good, Ctrl-C included. EmptyFile for one of 0 bytes."""
    facts = os.stat(path)
    if not stat.S_ISREG(facts.st_mode):
        raise NotAFile(f"{Path(path).name} is not a regular file")
    if facts.st_size == 0:
        raise EmptyFile(f"{Path(path).name} is empty")


def open_image(path: str | Path, max_pixels: int | None = None, at_least: int | None = None) -> Image.Image:
    """Decode a file fully, upright (EXIF orientation applied). Raises OSError/ValueError.

    ``max_pixels`` refuses larger images from their header alone, before any decoding.
    ``at_least``: the caller will shrink the image to this many pixels a side anyway, so a JPEG
    may be decoded at 1/2, 1/4 or 1/8 scale as long as both sides stay at least this long.
    """
    require_regular_file(path)
    with Image.open(path) as im:
        if max_pixels and im.width * im.height > max_pixels:
            raise ImageTooLarge(f"{im.width}x{im.height} is {im.width * im.height / 1e6:.0f} MP, more than the "
                                f"{max_pixels / 1e6:.0f} MP this app converts; scale it down first")
        if at_least:
            im.draft(im.mode, (at_least, at_least))
        im.load()
        ImageOps.exif_transpose(im, in_place=True)  # in place: no second copy of a huge image
    return im


def load_image(path: str | Path, channels: int = 3, at_least: int | None = None) -> Image.Image:
    return to_channels(open_image(path, at_least=at_least), channels)


class TooNarrowForAPair(ValueError):
    """An image given as two pictures side by side that is one pixel wide: whole, but not a pair."""


def unreadable_reason(exc: BaseException) -> str:
    """Why an image could not be read, as a person says it (Pillow's messages name exception classes
    and repeat the path, which the caller already shows)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, NotAFile):
        return "not a regular file (a pipe, a device or a socket), so it is not read"
    if isinstance(exc, EmptyFile):
        return "an empty file (0 bytes): no picture in it"
    if isinstance(exc, TooNarrowForAPair):  # a whole picture: it was called "damaged image data"
        return text
    if isinstance(exc, UnidentifiedImageError):
        return "not an image this app can read (damaged, or another kind of file)"
    if isinstance(exc, Image.DecompressionBombError):  # Pillow's words: "... could be decompression bomb DOS attack."
        sizes = re.search(r"\((\d+) pixels\) exceeds limit of (\d+) pixels", text)
        # the limit rounded down, as the 178 MP that convert names: Pillow's 178,956,970 pixels read "179" here
        return (f"too large to read safely ({int(sizes[1]) / 1e6:,.0f} MP; at most {int(sizes[2]) // 1_000_000:,} "
                "MP are read)" if sizes else "too large to read safely")
    if isinstance(exc, ImageTooLarge):
        return f"too large to read safely ({text})" if text else "too large to read safely"
    if isinstance(exc, FileNotFoundError):
        if exc.filename and os.path.islink(exc.filename):
            return "a link to a file that is not there"
        return "the file disappeared before it could be read"
    if isinstance(exc, PermissionError):
        return "no permission to read the file"
    if isinstance(exc, OSError) and exc.errno == errno.ELOOP:  # was "damaged image data ([Errno 40] Too many …)"
        return "a link that leads back to itself (a loop of links)"
    if "truncat" in text.lower():
        return "the file ends before the image does (cut short or damaged)"
    return f"damaged image data ({text})" if text else "damaged image data"


def header_size(path: Path) -> tuple[int, int]:
    """(width, height) as the picture is shown (EXIF rotation applied), from its header alone."""
    with Image.open(path) as im:
        return shown_size(im)


def shown_size(im: Image.Image) -> tuple[int, int]:
    """(width, height) of an opened (not yet decoded) picture as it is shown, its EXIF rotation applied."""
    w, h = im.size
    return (h, w) if im.getexif().get(0x0112) in (5, 6, 7, 8) else (w, h)


class NoReadableImage(ValueError):
    """Every picture of a side (or every pair) failed to decode: the message names them and why."""


# A sample's key for the warnings of the files found unreadable while it was made, joined by NUL, which no path holds
# ("" if none): a data worker is another process, whose log line never reached the window (the training loop says them).
FOUND_UNREADABLE = "unreadable"


REASONS_NAMED = 3  # files named with their reason in a one-line warning; the rest are "..."


def first_reasons(failed: list[tuple[str, str]], count: int = REASONS_NAMED) -> str:
    """'name: reason; name: reason; ...' for the first ``count`` of (file name, reason)."""
    return "; ".join(f"{name}: {reason}" for name, reason in failed[:count]) + ("; ..." if len(failed) > count else "")


def first_readable(items: list, load, start: int = 0, what: str = "image", known_bad: set | None = None,
                   where: str = "left in the dataset", said: list[str] | None = None):
    """``load`` of the first item from ``start`` on (wrapping round) that loads, skipping and naming unreadable
    ones: a header check passes a truncated JPEG, found only when it is decoded. Items in ``known_bad`` are
    skipped unsaid, and a newly failed one is added to it (its warning came back every time it was drawn).
    With ``said``, a newly failed item's warning is added to it for the caller to say, and not logged here."""
    failed = []
    for attempt in range(len(items)):
        item = items[(start + attempt) % len(items)]
        if known_bad is not None and item in known_bad:
            continue
        try:
            return load(item)
        except Exception as exc:  # noqa: BLE001 - Pillow raises many types for bad files
            folder = (item if isinstance(item, Path) else item.a).parent
            if isinstance(exc, FileNotFoundError) and not folder.is_dir():  # each of 20,000 files was named, then
                raise NoReadableImage(f"the folder {folder} is gone (moved, renamed, or its drive "  # this said
                                      "unplugged)") from None  # "no readable image left", not why
            name, reason = item if isinstance(item, Path) else item.name, unreadable_reason(exc)
            failed.append((Path(str(name)).name, reason))
            if said is None:
                log.warning("skipping unreadable %s %s (%s)", what, name, reason)
            else:  # said by the caller: a data worker's log line reached neither the window nor, spawned, log.txt
                said.append(f"{name} cannot be read: {reason}" if isinstance(item, Path)
                            else f"the pair {name} cannot be read: {reason}")
            if known_bad is not None:
                known_bad.add(item)
    named = f" ({first_reasons(failed)})" if failed else ""
    raise NoReadableImage(f"no readable {what} {where}{named}")


def probe_image(path: Path) -> str | None:
    """Cheap header check; returns a reason if the file cannot be an image, else None. A JPEG's verify decodes
    nothing: one cut short was counted good, shown as broken and skipped in training (a datasets pass). One with no
    end mark after its image data is decoded at an eighth of its size to tell (26 ms for 12 MP)."""
    try:
        require_regular_file(path)
        with Image.open(path) as im:
            im.verify()
            jpeg = im.format == "JPEG"
        if jpeg and not _has_jpeg_end(path):
            with Image.open(path) as im:
                im.draft("RGB", (max(1, im.width // 8), max(1, im.height // 8)))
                im.load()
        return None
    except Exception as exc:  # Pillow raises many types for bad files
        return unreadable_reason(exc)


def _has_jpeg_end(path: Path) -> bool:
    """Whether a JPEG's end-of-image mark follows its image data, without decoding: at the file's end, or past it
    where a phone adds a trailer (Samsung's, a Motion Photo's video: decoding each of those took 26 ms). The marks
    are walked from the start to the first scan, passing over the EXIF thumbnail (a JPEG of its own, with its own
    end mark); inside a scan a 0xFF byte is never followed by 0xD9, so any FF D9 after its start is the end, or in
    a trailer added after it: either way the image data is whole."""
    with open(path, "rb") as f:
        f.seek(-2, os.SEEK_END)
        if f.read(2) == b"\xff\xd9":
            return True
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            at = 2  # after the start-of-image mark
            while at + 4 <= len(data) and data[at] == 0xFF:
                kind = data[at + 1]
                if kind == 0xFF:  # fill bytes before a mark
                    at += 1
                    continue
                if kind == 0xDA:  # start of scan: the image data follows
                    return data.rfind(b"\xff\xd9", at) >= 0  # from the end: a trailer is short, or whole
                at += 2 + int.from_bytes(data[at + 2:at + 4], "big")
    return False  # marks that do not chain: let the decoder say


PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # a PNG's last chunk, always the same 12 bytes


def ends_whole(path: Path) -> bool:
    """Whether an image file's last bytes say it was written to its end: a PNG's closing chunk, a JPEG's end mark, a
    WebP's own length; other kinds are taken as whole. No decoding: a result cut short was skipped as "already there"
    and kept broken (a crash pass)."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
            size = os.fstat(f.fileno()).st_size
            f.seek(max(0, size - len(PNG_END)))
            tail = f.read()
        if head.startswith(b"\x89PNG"):
            return tail == PNG_END
        if head.startswith(b"\xff\xd8"):
            return _has_jpeg_end(path)
        if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
            return size >= int.from_bytes(head[4:8], "little") + 8
    except OSError:
        return False
    return True


TWO_FOLDERS = (("trainA", "trainB"), ("A", "B"), ("a", "b"))  # a dataset root's two sides, as they are found


@dataclass(frozen=True)
class DatasetFolders:
    a: Path
    b: Path
    test_a: Path | None = None
    test_b: Path | None = None


def existing_folder(data: str | Path, what: str = "dataset folder") -> Path:
    """``data`` as a Path, or FileNotFoundError saying whether it is missing or a file (a file was said not to
    exist)."""
    root = Path(data)
    if root.exists() and not root.is_dir():
        raise FileNotFoundError(f"{what} {root} is a file; give the folder that holds the images")
    if not root.is_dir():
        raise FileNotFoundError(f"{what} {root} does not exist")
    return root


def resolve_folders(data: str | Path, data_b: str | Path | None = None) -> DatasetFolders:
    """Find the A and B folders: explicit pair, a root with trainA/trainB, or a root with A/B; either pair split into
    train/ and test/ (or val/) as the pix2pix reference lays A and B out (:func:`reference_splits`). A folder given
    that cannot be read is named itself: looking for its trainA/ said "…/locked/trainA: permission denied", a
    folder the user never chose (a datasets pass)."""
    try:
        return _find_folders(data, data_b)
    except PermissionError as error:
        looked_in = Path(error.filename).parent if error.filename else None
        given = next((Path(p) for p in (data, data_b) if p and Path(p) == looked_in), None)
        if given is None:
            raise
        raise PermissionError(errno.EACCES, "this folder cannot be read (permission denied)", str(given)) from None


def _find_folders(data: str | Path, data_b: str | Path | None) -> DatasetFolders:
    if data_b:
        a, b = Path(data), Path(data_b)
        if a.is_dir() and b.is_dir():  # (a missing one is named by the check that reads it)
            check_separate_folders(a, b)
        for side in (a, b):  # a whole dataset given as one side: both its sides (and test pictures) read as one
            refuse_a_whole_dataset_as_a_side(side)
        return DatasetFolders(*reference_splits(a, b))
    root = existing_folder(data)
    for a, b in TWO_FOLDERS:
        if (root / a).is_dir() and (root / b).is_dir():
            split = reference_splits(root / a, root / b)
            if split[2] is None:  # each side's own test folder, where it has one
                ta, tb = root / "testA", root / "testB"
                split = (*split[:2], ta if ta.is_dir() else None, tb if tb.is_dir() else None)
            return DatasetFolders(*split)
    raise FileNotFoundError(f"{root} holds neither trainA/ and trainB/ nor A/ and B/ folders{layout_hint(root)}")


def refuse_a_whole_dataset_as_a_side(folder: Path) -> None:
    """ValueError where one side's folder holds a whole dataset (trainA/ and trainB/): its pictures of both sides,
    and its test pictures, were counted as that side's without a word (a datasets pass). A/ and B/ (or a/ and b/)
    inside a side can be two shoots of it, and are let be."""
    with contextlib.suppress(OSError):  # a folder that cannot be read is said by the check that reads it
        if (folder / "trainA").is_dir() and (folder / "trainB").is_dir():
            raise ValueError(f"{folder} holds trainA/ and trainB/: it is a whole dataset, not one side's folder; "
                             "give it alone, as the dataset's folder")


def split_note(data: str | Path, data_b: str | Path | None = None) -> str | None:
    """What :func:`reference_splits` chose for a dataset, in words, where it split folders the user did not name
    themselves; None otherwise. A run said nothing of training on part of the folders given (a review)."""
    try:
        folders = resolve_folders(data, data_b or None)
    except (OSError, ValueError):
        return None
    given = {Path(p).resolve() for p in (data, data_b) if p}
    if folders.a.name != "train" or folders.b.name != "train" or folders.a.resolve() in given:
        return None
    held = (f"; {folders.test_a.name}/ is held out" if folders.test_a is not None and folders.test_b is not None
            else "")
    return (f"{folders.a.parent} and {folders.b.parent} hold train/, val/ or test/ folders, as the pix2pix reference "
            f"lays pairs out: training on their train/ folders alone{held}")


def reference_splits(a: Path, b: Path) -> tuple[Path, Path, Path | None, Path | None]:
    """The folders to train on and to hold out, (A, B, test A, test B), where A and B are split as the pix2pix
    reference lays them out before combining them (A/train, A/val, A/test and the same in B): train/ trains, and
    test/ (else val/) is held out. Read whole, A/ and B/ trained on their test and val pictures too, unsaid (a
    pix2pix pass). Other folders are used as they are."""
    if not ((a / "train").is_dir() and (b / "train").is_dir()):
        return a, b, None, None
    held = next(((a / s, b / s) for s in ("test", "val") if (a / s).is_dir() and (b / s).is_dir()), (None, None))
    return a / "train", b / "train", *held


def wide_enough_for_two(path: Path) -> bool:
    """Whether a picture could hold two side by side (its header's shape; False where it cannot be read)."""
    try:
        width, height = header_size(path)
    except (OSError, ValueError):
        return False
    return width > SIDE_BY_SIDE_WIDEST_SINGLE * height


def mostly_pairs_side_by_side(pictures: list[Path], looked_at: int = 64) -> bool:
    """Whether most pictures (of up to ``looked_at``, spread over the list) are at least SIDE_BY_SIDE_USUAL times as
    wide as tall, as pairs side by side are: landscape photos (4:3, 3:2) are not, portrait pairs may not be."""
    sample = pictures[::max(1, len(pictures) // looked_at)]
    wide = 0
    for path in sample:
        with contextlib.suppress(OSError, ValueError):
            width, height = header_size(path)
            wide += width >= SIDE_BY_SIDE_USUAL * height
    return wide * 2 > len(sample)


def layout_hint(root: Path) -> str:
    """What a folder that is no dataset holds instead, and what to do ("; …"): the same words for every case said
    nothing of trainB/ missing beside trainA/, or of a folder of photos picked for the whole dataset (a new-user
    pass)."""
    for a, b in TWO_FOLDERS:
        for have, lack in ((a, b), (b, a)):
            if (root / have).is_dir() and not (root / lack).is_dir():
                return f"; it has {have}/ but no {lack}/ beside it: put the other side's pictures there"
    if (root / "train").is_dir() and (pictures := list_images(root / "train", recursive=False)):
        if not any(wide_enough_for_two(p) for p in pictures):  # called pairs side by side (a review)
            return ("; its train/ holds single pictures, not pairs side by side: put the two sides' pictures in "
                    "trainA/ and trainB/ beside it")
        return "; its train/ of pictures holding A and B side by side is for pix2pix (--model pix2pix)"
    if list_images(root, recursive=False):
        return "; it holds pictures itself: it is one side's folder, to give with the other side's"
    # an empty folder, or one of HEIC photos, was said no more than that (a datasets pass)
    if note := unreadable_kinds_note(root, recursive=False):  # HEIC in Pictures/2023/: no dataset either way
        return "; " + note.strip(" ()")
    with contextlib.suppress(OSError):
        if not any(root.iterdir()):
            return "; it is empty"
        # before/ and after/ in the one folder given: said as that, with the way to give them (a datasets pass)
        held = sorted(d for d in root.iterdir()
                      if d.is_dir() and not is_hidden(d.name) and list_images(d, recursive=False))  # not .thumbnails/
        if len(held) == 2:
            return (f"; it holds two folders of pictures, {held[0].name}/ and {held[1].name}/: if they are the two "
                    "sides, give each as a side's folder (--data and --data-b)")
    return ""


def check_separate_folders(a: Path, b: Path) -> None:
    """Refuse A and B as one folder, or one inside the other (its images would be read as both sides')."""
    if a.resolve() == b.resolve() or os.path.samefile(a, b):  # samefile: a case-insensitive disk too
        raise ValueError(f"folders A and B are the same folder, {a}: give a folder of each side's images")
    for inner, outer, names in ((b, a, ("B", "A")), (a, b, ("A", "B"))):
        if inner.resolve().is_relative_to(outer.resolve()):  # read as the outer side's too (sub-folders count)
            raise ValueError(f"folder {names[0]} {inner} is inside folder {names[1]} {outer}, so its images "
                             f"would be read as {names[1]}'s too: give two separate folders")


class AtLeast(torch.nn.Module):
    """Upscale (keeping the aspect ratio) only images whose shorter side is below ``size``."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        if min(img.shape[-2:]) >= self.size:
            return img
        T = transforms()
        return T.functional.resize(img, self.size, interpolation=T.InterpolationMode.BICUBIC, antialias=True)


class FloorToMultiple(torch.nn.Module):
    """Crop the bottom/right edge so height and width are multiples of ``base`` (what the generator needs)."""

    def __init__(self, base: int = 4):
        super().__init__()
        self.base = base

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        h, w = img.shape[-2] // self.base * self.base, img.shape[-1] // self.base * self.base
        return img[..., : max(h, self.base), : max(w, self.base)]


def make_transform(preprocess: str, load_size: int, crop_size: int, flip: bool, train: bool = True,
                   multiple: int = 4, smallest: int = 4):
    """The torchvision v2 pipeline: PIL image (or a CxHxW tensor) in, float tensor in [-1, 1] out.

    ``resize_and_crop`` scales the shorter side to ``load_size`` (keeping the aspect ratio,
    unlike the reference code's square resize) and then crops ``crop_size`` squares.
    ``crop`` crops without resizing (upscaling only images smaller than the crop); ``none``
    only rounds the size down to a ``multiple`` the generator needs (4, or 256 for unet_256), after upscaling
    a picture whose shorter side is below ``smallest`` (what the networks take).
    A pair stacked along the channels goes through as one image: one crop, one flip.
    """
    T = transforms()
    steps: list = [T.ToImage()]
    if preprocess == "resize_and_crop":
        steps.append(T.Resize(load_size, interpolation=T.InterpolationMode.BICUBIC, antialias=True))
    if preprocess in ("resize_and_crop", "crop"):
        steps.append(AtLeast(crop_size))
        steps.append(T.RandomCrop(crop_size) if train else T.CenterCrop(crop_size))
    elif preprocess == "none":
        steps.append(AtLeast(max(multiple, smallest)))
        steps.append(FloorToMultiple(multiple))
    else:
        raise ValueError(f"unknown preprocess {preprocess!r}")
    if flip and train:
        steps.append(T.RandomHorizontalFlip())
    steps += [T.ToDtype(torch.float32, scale=True), T.Normalize([0.5], [0.5])]
    return T.Compose(steps)


def sample_seed(seed: int, epoch: int, index: int) -> int:
    """A per-sample seed, so the data a step sees depends only on (seed, epoch, index)."""
    return hash((seed, epoch, index)) & 0x7FFF_FFFF_FFFF_FFFF


class UnpairedDataset(Dataset):
    """Pairs each A image with a random B image; keys are (epoch, index of A).

    Randomness (the B partner, crop, flip) comes from a seed derived from the key rather
    than from global state, so a resumed run, a different worker count or another rank
    sees exactly the same samples for the same step. A sample's ``FOUND_UNREADABLE`` entry says the files
    found unreadable while it was made (each once per process), for the caller to pass on.
    """

    def __init__(self, files_a: list[Path], files_b: list[Path], transform, channels: int = 3, seed: int = 0,
                 names: tuple[str, str] = ("A", "B")):
        if not files_a or not files_b:
            raise ValueError("both sides of the dataset need images")
        self.files_a, self.files_b, self.names = files_a, files_b, names  # names: for messages
        self.transform, self.channels, self.seed = transform, channels, seed
        self.unreadable: set[Path] = set()  # found when decoded (in each loader process): said once, then skipped

    def __len__(self) -> int:
        return max(len(self.files_a), len(self.files_b))

    def _load(self, files: list[Path], index: int, said: list[str]) -> torch.Tensor:
        return first_readable(files, lambda path: self.transform(load_image(path, self.channels)), index,
                              known_bad=self.unreadable, said=said)

    def __getitem__(self, key: tuple[int, int]) -> dict[str, torch.Tensor]:
        epoch, index = key
        seed = sample_seed(self.seed, epoch, index)
        g = torch.Generator().manual_seed(seed)
        b_index = int(torch.randint(len(self.files_b), (), generator=g))
        said: list[str] = []
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            a = self._load(self.files_a, index % len(self.files_a), said)
            b = self._load(self.files_b, b_index, said)
        return {"A": a, "B": b, FOUND_UNREADABLE: "\0".join(said)}

    def preview(self, size: int, preprocess: str, multiple: int = 4,
                said: list[str] | None = None) -> dict[str, torch.Tensor]:
        """The first image of each side, centre-cropped to ``size``: the fixed sample of a run. With preprocess
        "none" (each picture at its own size) too, so that the two sides' panels make one grid. The warnings of
        pictures found unreadable are added to ``said``."""
        t = make_transform("resize_and_crop" if preprocess == "none" else preprocess, size, size, False, train=False,
                           multiple=multiple)
        return {side: first_readable(files, lambda path: t(load_image(path, self.channels)).unsqueeze(0),
                                     what=f"image of {name}", known_bad=self.unreadable, said=said)
                for side, name, files in (("A", self.names[0], self.files_a), ("B", self.names[1], self.files_b))}

    def whole_pictures(self, side: str, short_side: int | None, limit: int, max_side: int = 512):
        """Up to ``limit`` of a side's pictures, whole, as (C, H, W) in [-1, 1], one at a time: at the
        scale training sees them (shorter side ``short_side``; None: as they are), then cut to at most
        ``max_side`` px a side around the centre (statistics of detail need the scale, not every pixel).

        A larger side is sampled evenly over its whole listing, in folder order: names sort by shoot or by
        photo, and its first ``limit`` pictures (as read before) were the crops of 13 photos of 20."""
        v2 = transforms()
        steps = [v2.ToImage()]
        if short_side:
            steps.append(v2.Resize(short_side, antialias=True))
        steps.append(v2.ToDtype(torch.float32, scale=True))
        prepare = v2.Compose(steps)
        files = self.files_a if side == "A" else self.files_b
        if len(files) > limit:
            files = [files[i] for i in torch.linspace(0, len(files) - 1, limit).round().long().unique().tolist()]
        for path in files:
            try:
                picture = prepare(load_image(path, self.channels, at_least=short_side))
            except Exception as exc:  # noqa: BLE001 - the loader reports unreadable files already
                log.debug("colour and detail statistics skip %s (%s)", path, exc)
                continue
            h, w = picture.shape[-2:]
            top, left = max(0, (h - max_side) // 2), max(0, (w - max_side) // 2)
            yield picture[:, top:top + max_side, left:left + max_side] * 2 - 1


# ---------------------------------------------------------------------- pairs
@dataclass(frozen=True)
class Pair:
    """One training pair: two files matched by name, or one file holding A and B side by side."""
    a: Path
    b: Path | None = None  # None: ``a`` is an aligned image, A on the left half, B on the right

    @property
    def name(self) -> str:
        return self.a.stem


@dataclass
class PairedData:
    layout: str  # "aligned" (train/ of side-by-side images) or "folders" (A and B matched by name)
    pairs: list[Pair]
    unmatched: list[str]  # file names without a partner, skipped
    unreadable: list[tuple[Path, str]]
    test: list[Pair]


SHARED_NAME = " (its name, extension aside, is another file's too)"  # how match_by_name marks such a file
CASE_ONLY = " (the other side has this name in other letter case: names are matched exactly)"


def unmatched_in_words(unmatched: list[str], shown: int = 5) -> str:
    """The first ``shown`` names without a partner, and once which differ from the other side's in letter case
    only: the note after each such name pushed a run's other warnings out of view (a pix2pix pass)."""
    case_only = sum(name.endswith(CASE_ONLY) for name in unmatched)
    text = ", ".join(name.removesuffix(CASE_ONLY) for name in unmatched[:shown]) + (
        ", …" if len(unmatched) > shown else "")
    if case_only:
        text += (f" ({case_only} of them differ from a name on the other side in letter case only: names are matched "
                 "exactly)")
    return text


def match_by_name(folder_a: Path, folder_b: Path) -> tuple[list[Pair], list[str]]:
    """Pairs of files with the same name (extension aside) in two folders; the rest unmatched. A name that two
    files of one side share (dup.jpg and dup.png) pairs neither: one of them was dropped unsaid, and the pair left
    could be the wrong picture; they are listed as unmatched, saying why."""
    sides = []
    for letter, folder in (("A", folder_a), ("B", folder_b)):
        by_name: dict[str, list[str]] = {}
        start = len(str(folder)) + 1
        for p in image_names(folder):  # the name under the folder without its extension
            by_name.setdefault(os.path.splitext(p[start:])[0], []).append(p)
        sides.append((letter, folder, by_name))
    (_, _, files_a), (_, _, files_b) = sides
    both = {k for k in files_a.keys() & files_b.keys() if len(files_a[k]) == len(files_b[k]) == 1}
    pairs = [Pair(Path(files_a[k][0]), Path(files_b[k][0])) for k in sorted(both, key=path_order)]
    unmatched = []
    for (letter, folder, by_name), (_, _, other) in zip(sides, reversed(sides)):
        other_cased = {key.casefold() for key in other}
        for key, files in by_name.items():
            if key not in both:
                note = (SHARED_NAME if len(files) > 1 else CASE_ONLY if key not in other
                        and key.casefold() in other_cased else "")  # IMG_0001 and img_0001: easily missed in a list
                unmatched += [f"{letter}/{Path(p).relative_to(folder)}{note}" for p in files]
    return pairs, sorted(unmatched)


SIDE_BY_SIDE_WIDEST_SINGLE = 1.1  # width over height up to which an image is one picture, not two side by side
SIDE_BY_SIDE_USUAL = 1.8  # below this, and past the one above, an image may well be one landscape photo (4:3, 3:2)
SHAPES_DIFFER = 0.02  # relative difference of two pictures' width/height beyond which B is visibly stretched


def pair_shape_warnings(pairs: list[Pair], names: tuple[str, str] = ("A", "B")) -> list[str]:
    """What the pictures' sizes (headers only) say is wrong with pairs for pix2pix: a square photo taken as two
    pictures side by side (a folder of single photos was cut in half, unsaid), or a pair of different shapes (B
    was stretched onto A's shape, unsaid: usually pictures that do not line up). ``names``: the sides'."""
    single, landscape, stretched = [], [], []
    for pair in pairs:
        try:
            wa, ha = header_size(pair.a)
            if pair.b is None:
                if wa <= SIDE_BY_SIDE_WIDEST_SINGLE * ha:
                    single.append(f"{pair.a.name}, {wa}x{ha}")
                elif wa < SIDE_BY_SIDE_USUAL * ha:  # a folder of 4:3 photos was taken as pairs without a word
                    landscape.append(f"{pair.a.name}, {wa}x{ha}")
                continue
            wb, hb = header_size(pair.b)
        except (OSError, ValueError):  # unreadable: said where it is set aside
            continue
        if abs(wa * hb - wb * ha) > SHAPES_DIFFER * wa * hb:
            stretched.append(f"{pair.name}: {wa}x{ha} and {wb}x{hb}")
    warnings = []
    if single:
        warnings.append(f"{len(single)} of {len(pairs)} image(s) are not wide enough to hold two pictures side by "
                        f"side ({'; '.join(single[:3])}{'; …' if len(single) > 3 else ''}): if they are single "
                        "photos, pix2pix would learn to turn their left halves into their right halves (pairs side "
                        "by side are usually about twice as wide as tall)")
    if landscape:
        warnings.append(f"{len(landscape)} of {len(pairs)} image(s) are less than twice as wide as tall "
                        f"({'; '.join(landscape[:3])}{'; …' if len(landscape) > 3 else ''}): single landscape photos "
                        "have this shape, and so do two portrait pictures side by side. If these are single photos, "
                        "pix2pix would learn to turn their left halves into their right halves; if they are pairs "
                        "of portrait pictures, all is well")
    if stretched:
        warnings.append(f"{len(stretched)} pair(s) have pictures of different shapes ({'; '.join(stretched[:3])}"
                        f"{'; …' if len(stretched) > 3 else ''}): {names[1]}'s picture is stretched onto "
                        f"{names[0]}'s shape, so they may not line up")
    return warnings


def find_pairs(data: str | Path, data_b: str | Path | None = None) -> PairedData:
    """The pairs of a dataset in either layout people have, unreadable files and names without a partner set aside.

    * aligned: ``train/`` (and ``val/`` or ``test/``) of images holding A and B side by side,
      as the public pix2pix datasets (facades, maps, cityscapes, edges2shoes) come; or a
      folder of such images given directly;
    * folders: ``trainA/`` + ``trainB/`` (``testA/`` + ``testB/``), ``A/`` + ``B/``, or two
      folders given as ``data`` and ``data_b``, their files matched by name.

    Raises ValueError when no pair is left, saying why.
    """
    root = existing_folder(data)
    unmatched: list[str] = []
    test: list[Pair] = []
    if data_b or any((root / a).is_dir() and (root / b).is_dir() for a, b in TWO_FOLDERS):
        # before train/, as the app finds them: a folder with both gave the command line train/'s pairs and the app
        # the two folders' (a pix2pix pass)
        if data_b:  # named as folder B where missing; resolve_folders refuses one folder as both sides (pix2pix
            existing_folder(data_b, "folder B")  # would learn to change nothing)
        folders = resolve_folders(root, data_b)
        sides = (folders.a, folders.b)
        layout, (pairs, unmatched) = "folders", match_by_name(*sides)
        if folders.test_a is not None and folders.test_b is not None:
            test = match_by_name(folders.test_a, folders.test_b)[0]
    elif (root / "train").is_dir():
        # its own images only, as the app reads it (its sub-folders made the command line train on more pairs)
        layout, pairs = "aligned", [Pair(p) for p in list_images(root / "train", recursive=False)]
        held_out = root / "test" if (root / "test").is_dir() else root / "val"
        test = [Pair(p) for p in list_images(held_out, recursive=False)] if held_out.is_dir() else []
    elif list_images(root, recursive=False):
        layout, pairs = "aligned", [Pair(p) for p in list_images(root, recursive=False)]
    else:
        raise FileNotFoundError(f"{root} holds no pairs: give train/ (A and B side by side in each image), "
                                "trainA/ and trainB/ or A/ and B/ (files matched by name)")
    unreadable = [(p, r) for pair in pairs for p in (pair.a, pair.b) if p is not None and (r := probe_image(p))]
    bad = {p for p, _ in unreadable}
    good = [pair for pair in pairs if pair.a not in bad and pair.b not in bad]
    if not good:
        if unreadable:
            raise ValueError(f"{root} has no readable pair ({len(unreadable)} unreadable file(s))")
        if layout == "folders":
            empty = [str(folder) for side, folder in zip("AB", sides) if not any(u.startswith(f"{side}/")
                                                                                    for u in unmatched)]
            if empty:  # "no file name appears on both sides (0 file(s) without a partner)" said nothing useful
                raise ValueError(f"no pairs: {' and '.join(empty)} {'hold' if len(empty) > 1 else 'holds'} no images")
            raise ValueError(f"{root} has no pairs: no file name appears on both sides ({len(unmatched)} file(s) "
                             "without a partner); pairs are matched by name, the extension aside")
        where = root / "train" if (root / "train").is_dir() else root  # an empty train/ was not named
        raise ValueError(f"{where} has no images to train on")
    return PairedData(layout, good, unmatched, unreadable, test)


def load_pair(pair: Pair, channels: int, match_sizes: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """Both images of a pair as uint8 CxHxW tensors (B resized to A's size when they differ and ``match_sizes``)."""
    T = transforms()
    if pair.b is None:
        whole = T.functional.pil_to_tensor(load_image(pair.a, channels))
        half = whole.shape[-1] // 2
        if half < 1:
            raise TooNarrowForAPair(f"{pair.a.name} is too narrow to hold two images side by side")
        return whole[..., :half], whole[..., half:2 * half]
    a = T.functional.pil_to_tensor(load_image(pair.a, channels))
    b = T.functional.pil_to_tensor(load_image(pair.b, channels))
    if match_sizes and b.shape[-2:] != a.shape[-2:]:
        b = T.functional.resize(b, list(a.shape[-2:]), interpolation=T.InterpolationMode.BICUBIC, antialias=True)
    return a, b


class PairedDataset(Dataset):
    """Pairs for pix2pix: the same random resize, crop and flip on both images of a pair.

    The two images are stacked along the channels and transformed as one, so the crop and
    the flip cannot differ; randomness comes from (seed, epoch, index) as for unpaired data.
    """

    def __init__(self, pairs: list[Pair], transform, channels: int = 3, seed: int = 0):
        if not pairs:
            raise ValueError("the dataset has no pairs")
        self.pairs, self.transform, self.channels, self.seed = pairs, transform, channels, seed
        self.unreadable: set[Pair] = set()  # found when decoded: said once, then skipped (as UnpairedDataset)

    def __len__(self) -> int:
        return len(self.pairs)

    def _load(self, index: int) -> dict[str, torch.Tensor]:
        def load(pair: Pair) -> dict[str, torch.Tensor]:
            both = self.transform(torch.cat(load_pair(pair, self.channels)))
            return {"A": both[:self.channels], "B": both[self.channels:]}

        said: list[str] = []
        return {**first_readable(self.pairs, load, index, "pair", known_bad=self.unreadable, said=said),
                FOUND_UNREADABLE: "\0".join(said)}

    def __getitem__(self, key: tuple[int, int]) -> dict[str, torch.Tensor]:
        epoch, index = key
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(sample_seed(self.seed, epoch, index))
            return self._load(index)

    def preview(self, size: int, preprocess: str, multiple: int = 4,
                said: list[str] | None = None) -> dict[str, torch.Tensor]:
        """The first pair, centre-cropped to ``size``: the fixed sample of a run (warnings added to ``said``)."""
        a, b = first_readable(self.pairs, lambda pair: load_pair(pair, self.channels), what="pair",
                              known_bad=self.unreadable, said=said)
        both = make_transform(preprocess, size, size, False, train=False, multiple=multiple)(torch.cat([a, b]))
        return {"A": both[:self.channels].unsqueeze(0), "B": both[self.channels:].unsqueeze(0)}


class EpochSampler(Sampler):
    """Yields (epoch, index) keys from a torch sampler (e.g. DistributedSampler); ``set_epoch`` can skip the
    first keys of an epoch: how a resumed run picks up mid-epoch."""

    def __init__(self, inner):
        self.inner, self.epoch, self.skip = inner, 0, 0

    def set_epoch(self, epoch: int, skip: int = 0) -> None:
        self.epoch, self.skip = epoch, skip
        if hasattr(self.inner, "set_epoch"):
            self.inner.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.inner) - self.skip

    def __iter__(self) -> Iterator[tuple[int, int]]:
        for i, index in enumerate(self.inner):
            if i >= self.skip:
                yield (self.epoch, int(index))


FEW_IMAGES = 20  # fewer different photos a side than this, and a model learns what they show more than the change


def side_names(name_a: str, name_b: str) -> dict[str, str]:
    """How messages name sides A and B: by the names the user gave them, unless one is blank or the two read alike
    (then "A", "B"; the library refuses such names, a command line's run need not)."""
    a, b = name_a.strip(), name_b.strip()
    return {"A": a, "B": b} if a and b and a.casefold() != b.casefold() else {}


def side_labels(name_a: str, name_b: str) -> tuple[str, str]:
    """The two sides' names as messages say them (:func:`side_names`), A's first."""
    called = side_names(name_a, name_b)
    return called.get("A", "A"), called.get("B", "B")


def pictures_on_both_sides(files_a: list[Path], files_b: list[Path], names: tuple[str, str] = ("A", "B")) -> str | None:
    """A warning where some of B's files are A's own, reached through a link (a link in trainB/ to trainA/ added A's
    pictures to B without a word), else None. A picture on both sides teaches nothing of the change. ``names``: the
    sides' names."""
    resolve = Resolver()
    of_a = {resolve(p) for p in files_a} - {None}
    shared = [p for p in files_b if resolve(p) in of_a]
    if not shared:
        return None
    return (f"{len(shared)} picture(s) of {names[1]} are pictures of {names[0]} too, reached through a link (such as "
            f"{shared[0]}): "
            "a picture on both sides teaches nothing of the change between them")


def few_images_advice(counts: dict[str, int], names: tuple[str, str] = ("A", "B")) -> str | None:
    """Advice for sides with fewer than FEW_IMAGES images (``{"A": 8, "B": 30}``, or ``{"pairs": 8}``), or None when
    all have enough. Sides A and B are said by their ``names`` ("A: 8" beside samples headed "horses")."""
    called = side_names(*names)
    few = [f"{called.get(side, side)}: {n}" for side, n in counts.items() if 0 < n < FEW_IMAGES]
    if not few:
        return None
    if set(counts) == {"pairs"}:  # it said "few images (pairs: 8) ... different photos a side"
        return (f"few pairs ({counts['pairs']}): with fewer than {FEW_IMAGES} different pairs, models tend to learn "
                "what the photos show rather than the change")
    return (f"few images ({', '.join(few)}): with fewer than {FEW_IMAGES} different photos a side, models tend to "
            "learn what the photos show rather than the change")


def check_folder(folder: Path, side: str, control=None) -> tuple[list[Path], list[tuple[Path, str]]]:
    """List a side's images, dropping files that fail a header check. Fails if none are left. ``side``: its name
    ("the photo folder ... has no images"); ``control`` (an :class:`engine.events.Control`) stops it between two
    files: thousands of headers take seconds."""
    existing_folder(folder, f"the {side} folder")
    unreadable: list[tuple[Path, str]] = []
    other_kinds: list[Path] = []  # HEIC beside JPEGs: set aside with the rest, said, not passed over unsaid
    files = list_images(folder, unreadable=unreadable, other_kinds=other_kinds)

    def probed(path: Path) -> str | None:
        if control is not None:
            control.checkpoint()
        return probe_image(path)

    bad = unreadable + [(p, r) for p in files if (r := probed(p))]
    set_aside = {b for b, _ in bad}
    good = [p for p in files if p not in set_aside]
    if not good:
        named = first_reasons([(path.name, reason) for path, reason in bad])
        kinds = "file(s) or folder(s)" if unreadable else "file(s)"
        what = f"{len(bad)} unreadable {kinds} ({named})" if bad else f"no images{unreadable_kinds_note(folder)}"
        raise ValueError(f"the {side} folder {folder} has {what}; it needs at least one image")
    return good, bad + [(path, other_kind_reason(path)) for path in other_kinds]
