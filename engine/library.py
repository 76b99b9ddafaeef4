"""The user's library on disk: datasets (pointers to folders), runs and model files.

Everything lives under one data folder (platformdirs' user data dir, or ``$CYCLEGAN_STUDIO_HOME``):

    datasets.json     a small manifest; images stay where they are unless copied in
    datasets/NAME/    the copies of datasets made on request
    runs/NAME/        training runs (see rundir.py)
    models/NAME.pt    exported, imported or downloaded model files
    outputs/NAME/     where the app's Convert page puts results unless told otherwise
    downloads/        downloads in progress

Qt-free, so the CLI, scripts and tests share it with the app.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import filecmp
import itertools
import json
import os
import re
import shutil
import stat
import time
import unicodedata
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable, Iterator

from .data import (CASE_ONLY, SHARED_NAME, UNREADABLE_KINDS, Pair, PairedData, check_folder, check_separate_folders,
                   few_images_advice, find_pairs, first_reasons, header_size, list_images, match_by_name,
                   mostly_pairs_side_by_side, other_kind_reason, pair_shape_warnings, pictures_on_both_sides,
                   probe_image, resolve_folders, side_labels, unreadable_reason, wide_enough_for_two)
from .events import Control, Stopped
from .fileio import (FolderBusy, Resolver, atomic_write_text, folder_lock, is_disk_full, lock_file, modified_ns,
                     move_new, no_room_words, remove_stale_temp_files, resolve_path, unlock_file)
from .rundir import RunDir, RunLock, delete_run
from .modelfile import ModelFileError

APP = "CycleGAN Studio"


# platformdirs is imported inside these three functions, not at the top: the engine, its CLI and
# its tests must import on machines that only have torch (the GPU check's machine has no
# platformdirs and nothing can be installed there); only the app's folders need it.
def studio_home_override() -> Path | None:
    """``CYCLEGAN_STUDIO_HOME`` as an absolute path (a relative one read against the folder the program started in,
    once: the app's folder fields take a relative path as under the home folder), or None where it is not set."""
    override = os.environ.get("CYCLEGAN_STUDIO_HOME")
    return Path(override).expanduser().absolute() if override else None


def data_home() -> Path:
    override = studio_home_override()
    if override:
        return override
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False))


def config_home() -> Path:
    override = studio_home_override()
    if override:
        return override / "config"
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP, appauthor=False))


def cache_home() -> Path:
    override = studio_home_override()
    if override:
        return override / "cache"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP, appauthor=False))


ABANDONED_AFTER_S = 3600  # a temp file of the models folder untouched this long was left by a killed write
NAME_LENGTH = 80  # characters of a name the user gives (a dataset, a side, a model file's stem)
COPY_SUFFIX = ".copying"  # a dataset's copy is written as datasets/.NAME.copying, renamed to NAME when whole
COPY_LIST = ".copied.json"  # inside a copy: the files it wrote, so that removing the copy deletes those only
SPACE_MARGIN = 16 * 2**20  # bytes a copy leaves free on the disk beyond its own size
LIST_LOCK_WAIT_S = 10.0  # how long a change to the dataset list waits for another process's change


WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"{kind}{n}" for kind in ("COM", "LPT") for n in "123456789")}


BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"))
NAME_BYTES = 200  # of a file name's 255, the rest for ".pt", a copy's "-2" and a temp file's own part


def safe_name(name: str) -> str:
    """A name usable as a file name on every platform; one with nothing usable ("..", "/") is refused,
    not saved as "untitled" where the user will not look for it."""
    name = unicodedata.normalize("NFC", name).translate(BIDI_CONTROLS)  # as lookup_name, without its strip: "café"
    # typed two ways made two models that look the same; U+202E listed "\u202eevil" as "live" (a models pass)
    cleaned = re.sub(r'[<>:"/\\|?*\x00-\x1f]+', "_", name).strip(" .")
    if not cleaned.strip("_"):  # only separators were left
        raise ValueError(f"the name {name!r} has nothing usable in a file name: choose another")
    if not "".join(c for c in cleaned if unicodedata.category(c) not in ("Cf", "Zs", "Zl", "Zp")):
        raise ValueError("the name has nothing visible in it: choose another")  # a zero-width space named a model
    cleaned = cleaned[:NAME_LENGTH]
    while len(cleaned.encode("utf-8")) > NAME_BYTES:  # 70 emoji are 280 bytes: "file name too long" (a models pass)
        cleaned = cleaned[:-1]
    cleaned = cleaned.rstrip(" .")  # cut before a space or a dot: Windows takes neither at the end
    if cleaned.split(".")[0].rstrip(" ").upper() in WINDOWS_DEVICES:  # "con.pt" is the console there, not a file
        cleaned = cleaned[:NAME_LENGTH - 1] + "_"
    return cleaned


def why_renamed(name: str) -> str:
    """Why :func:`safe_name` changed ``name``, in words ("" if it did not): "../../escape" was said to have been
    cut to 80 characters, as any name that came out shorter (a Train page pass)."""
    cleaned = safe_name(name)
    if cleaned == name:
        return ""
    replaced = re.search(r'[<>:"/\\|?*\x00-\x1f]', name) or name != name.strip(" .")
    cut = len(name) > NAME_LENGTH or len(name.encode("utf-8")) > NAME_BYTES
    device = cleaned.endswith("_") and cleaned[:-1].split(".")[0].rstrip(" ").upper() in WINDOWS_DEVICES
    reasons = (("characters a file or folder name cannot hold were replaced", replaced),
               (f"a name holds {NAME_LENGTH} characters at most", cut), ("it names a device on Windows", device))
    return "; ".join(why for why, said in reasons if said) or "it was changed to suit a folder's name"


def with_number(name: str, n: int) -> str:
    """``name-n``, ``name`` cut (in characters and in bytes) to leave room for its number: cut after, the number was
    what :func:`safe_name` cut off, and every "free" name was the taken one (a review)."""
    suffix = f"-{n}"
    base = safe_name(name)[:NAME_LENGTH - len(suffix)]
    while len((base + suffix).encode("utf-8")) > NAME_BYTES:
        base = base[:-1]
    return base.rstrip(" .") + suffix


def natural_key(name: str) -> tuple:
    """Sorts names as a person reads them: "zebra 2" before "zebra 10", "Monet" beside "monet"."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", unicodedata.normalize("NFKC", name).casefold()) if part), name


def plain_os_error(code: int | None, message: str) -> OSError:
    """An OSError whose text is ``message`` alone (``OSError(28, message)`` reads "[Errno 28] message")."""
    error = OSError(message)
    error.errno = code
    return error


class NameTaken(ValueError):
    """A model or run of that name is there, or the name is the built-in demo's (``demo``): the caller may ask for
    another name. A type, so that a file named "x; choose another name.pth" is not taken for this."""

    def __init__(self, message: str, demo: bool = False):
        super().__init__(message)
        self.demo = demo


class AlreadyImported(ValueError):
    """The file brought is a model the library holds already (its ``path``): a second copy under another name was
    made without a word (a Models page pass)."""

    def __init__(self, source: Path, path: Path):
        super().__init__(f"{source.name} is in the library already, as {path.stem!r}")
        self.path = path


def imported_from(source: Path, model: Path) -> bool:
    """Whether the library's ``model`` was imported from ``source``: the same bytes (a model file of ours is copied
    as it is), or the fingerprint its import recorded of another tool's generator."""
    from .imports import sha256
    from .modelfile import read_metadata

    try:
        if source.stat().st_size == model.stat().st_size and filecmp.cmp(source, model, shallow=False):
            return True
        recorded = (read_metadata(model).get("source") or {}).get("sha256")
        return bool(recorded) and recorded == sha256(source)
    except (OSError, ModelFileError, ValueError, AttributeError):  # unreadable either side: not known to be it
        return False


class NotEnoughSpace(ValueError):
    """A copy that would not fit on the disk, refused before its first file."""


def remove_abandoned_copies(folder: Path, untouched_for_s: float = ABANDONED_AFTER_S) -> list[Path]:
    """Remove the unfinished dataset copies (``.NAME.copying``) that a killed process left in ``folder``: a 450 MB
    one stayed for good. Only this program's pattern, and only where nothing in it changed for ``untouched_for_s``
    (another process may be copying now)."""
    removed = []
    now = time.time()
    try:
        candidates = [p for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(COPY_SUFFIX)]
    except OSError:
        return []
    for path in candidates:
        try:
            if not path.is_dir() or path.is_symlink():
                continue
            newest = max(os.stat(root).st_mtime for root, _, _ in os.walk(path))  # every folder a copy writes in
        except (OSError, ValueError):
            continue
        if now - newest < untouched_for_s:
            continue
        try:
            with folder_lock(path):  # a copy still running holds it, however long a file takes
                shutil.rmtree(path, ignore_errors=True)
        except (FolderBusy, OSError):
            continue
        removed.append(path)
    return removed


def delete_listed_files(folder: Path, listing: str) -> list[str]:
    """Delete the files a copy wrote into ``folder`` (named, relative, with their size and time, in its ``listing``
    file) and not changed since, the listing last, then each folder left empty; files someone else put there or
    changed stay, and their paths (relative; files only: "3 other file(s) were kept" counted the folder of two)
    come back."""
    try:
        written = json.loads((folder / listing).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        written = []
    inside = folder.resolve()
    for row in written if isinstance(written, list) else []:
        relative, *as_written = row if isinstance(row, list) else [row]
        path = folder / str(relative)
        if inside not in path.resolve().parents or path.is_symlink():  # nothing outside the copy
            continue
        with contextlib.suppress(OSError):
            info = path.stat()
            if not as_written or [info.st_size, info.st_mtime_ns] == as_written:  # changed since: the user's now
                path.unlink()
    (folder / listing).unlink(missing_ok=True)
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir() and not p.is_symlink()), key=lambda p: -len(p.parts)):
        with contextlib.suppress(OSError):  # not empty: someone else's file
            sub.rmdir()
    with contextlib.suppress(OSError):
        folder.rmdir()
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_symlink() or not p.is_dir())


def lookup_name(name: str) -> str:
    """A dataset's name as it is kept, for finding it ("é" typed either way, outer spaces)."""
    return unicodedata.normalize("NFC", name).translate(BIDI_CONTROLS).strip()  # no direction tricks (a review)


def checked_names(name: str, name_a: str, name_b: str) -> str:
    """A dataset's name as it is kept (:func:`clean_dataset_name`), its sides' names checked too; ValueError
    otherwise."""
    name = clean_dataset_name(name)
    if len(name) > NAME_LENGTH:  # 300 characters pushed the Datasets page past the window's right edge
        raise ValueError(f"a dataset name can be {NAME_LENGTH} characters long; this one has {len(name)}")
    for side, domain in (("A", name_a), ("B", name_b)):
        if len(domain.strip()) > NAME_LENGTH:
            raise ValueError(f"the name of side {side} can be {NAME_LENGTH} characters long; this one has "
                             f"{len(domain.strip())}")
    a, b = name_a.strip() or "A", name_b.strip() or "B"  # a side left blank is called A or B
    if a.casefold() == b.casefold():  # "zebra ↔ zebra": two tabs nobody could tell apart
        blank = " (a side left blank is called A or B)" if not (name_a.strip() and name_b.strip()) else ""
        raise ValueError(f"the two sides are both named {a!r}{blank}: give each side a name of its own")
    return name


def clean_dataset_name(name: str) -> str:
    """A dataset's name as it is kept (NFC, outer spaces dropped), or ValueError: "é" typed two ways made two
    datasets that look the same, and an invisible name or one holding a line break made an empty-looking row."""
    name = lookup_name(name)
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise ValueError("a dataset name cannot hold tabs, line breaks or other control characters")
    if not "".join(c for c in name if unicodedata.category(c) not in ("Cf", "Zs", "Zl", "Zp")):
        raise ValueError("give the dataset a name")
    safe_name(name)  # ".." or "/": nothing to name a copy's folder with
    return name


@dataclass
class DatasetEntry:
    name: str
    folder_a: str
    folder_b: str
    name_a: str = "A"
    name_b: str = "B"
    test_a: str = ""
    test_b: str = ""
    added: float = field(default_factory=time.time)
    # "folders": images of A and B (pairs where names match); "aligned": each image holds A and B
    # side by side (folder_a is its train/ folder, folder_b is empty), for pix2pix only
    layout: str = "folders"
    # what a newer version wrote in the entry that this one does not know: kept as it was when the list is written
    newer: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_row(cls, row: dict) -> DatasetEntry:
        """An entry of the list; TypeError for a value of the wrong kind (a name of 5 or a folder of null stopped
        the app from starting: the list is said to be damaged instead)."""
        known = {f.name for f in fields(cls)} - {"newer"}
        if not isinstance(row, dict):  # a string's "name" in it was a test of letters (a review)
            raise TypeError(f"an entry is {json.dumps(row)[:40]}, not a mapping of its name and folders")
        if missing := [f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
                       and f.name not in row]:  # it said "DatasetEntry.__init__() missing 1 required positional
            raise TypeError(f"an entry has no {missing[0]!r}")  # argument" (a datasets pass)
        entry = cls(**{k: v for k, v in row.items() if k in known}, newer={k: v for k, v in row.items()
                                                                             if k not in known})
        for f in fields(cls):
            kind = {"str": str, "float": (int, float), "dict": dict}[str(f.type)]
            value = getattr(entry, f.name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise TypeError(f"its entry {f.name!r} is {json.dumps(value)[:40]}, not a "
                                f"{'number' if f.type == 'float' else 'text' if f.type == 'str' else 'mapping'}")
        return entry

    def to_row(self) -> dict:
        row = asdict(self)
        return {**row.pop("newer"), **row}


def _under(path: Path, folder: Path) -> str:
    """``path`` as named under ``folder`` (its file name where it is not under it)."""
    return path.relative_to(folder).as_posix() if path.is_relative_to(folder) else path.name


def _through_links_outside(files: list[Path], folder: Path) -> list[Path]:
    """The files under ``folder`` that are really elsewhere, reached through a link (each folder resolved once)."""
    resolve, real = Resolver(), resolve_path(folder)
    if real is None:
        return []
    return [f for f in files if (r := resolve(f)) is not None and not r.is_relative_to(real)]


def folder_stamps(entry: DatasetEntry) -> tuple[int, ...]:
    """The modification times of a dataset's folders and of the folders directly in them: what a listing of it is
    kept until (a picture added to trainB/x/ changes that folder's time, not trainB's: the Train page kept the old
    count until the next start)."""
    stamps = []
    for folder in (entry.folder_a, entry.folder_b):
        if not folder:
            continue
        stamps.append(modified_ns(folder))
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            stamps += [e.stat().st_mtime_ns for e in entries if e.is_dir() and not e.name.startswith(".")]
    return tuple(stamps)


@dataclass
class DatasetCopy:
    """A dataset copied into the library: the entry that reads the copy, and the files left out, with why."""
    entry: DatasetEntry
    left_out: list[tuple[Path, str]]


UNREADABLE_NAMED_ONE_A_LINE = 3  # more unreadable files than this on a side are said in one line


def unreadable_in_one_line(unreadable: list[tuple[str, str]]) -> str:
    """" (a.png, b.png, c.png, …): why" where they share one reason, else " (a.png: why; …)": the reason said
    three times, nested in brackets, read badly (a review)."""
    shown = unreadable[:UNREADABLE_NAMED_ONE_A_LINE]
    reasons = {why for _, why in unreadable}
    if len(reasons) == 1:
        return f" ({', '.join(file for file, _ in shown)}, …): {reasons.pop()}"
    return f" ({first_reasons(shown)}; …)"


@dataclass
class DatasetReport:
    """What a person should know about a dataset before training on it."""
    count_a: int
    count_b: int
    problems: list[str]
    pairs: int = 0  # pairs pix2pix can train on (0: unpaired only)
    unmatched: int = 0  # files without a partner of the same name (pix2pix skips them)
    # the files behind the counts, for thumbnails: listing and pairing them again on the GUI thread held the window
    # 1.5 to 2 s at each click on a dataset of 3000 pairs
    files_a: list[Path] = field(default_factory=list)
    files_b: list[Path] = field(default_factory=list)
    pair_files: list[tuple[Path, Path | None]] = field(default_factory=list)
    unmatched_names: list[str] = field(default_factory=list)  # "A/3.png": the command line names them, the app did not
    # every file and sub-folder left out as unreadable, (side's name, "sub/x.png" or "sub/", why): the problems
    # name three a side, and 8 unreadable files left five named nowhere (a datasets pass)
    left_out: list[tuple[str, str, str]] = field(default_factory=list)


def refuse_the_demos_name(target: Path) -> None:
    """A library model named "demo" could not be reached by name: ``--model demo`` opens the built-in demo
    (a CLI hostile pass)."""
    from .resources import DEMO_NAME

    if target.stem.casefold() == DEMO_NAME.casefold():
        raise NameTaken(f"{target.stem!r} is reserved for the built-in demo model; choose another name", demo=True)


class Library:
    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root else data_home()
        self.runs_dir = self.root / "runs"
        self.models_dir = self.root / "models"
        self.manifest = self.root / "datasets.json"

    # ------------------------------------------------------------ datasets
    def datasets(self) -> list[DatasetEntry]:
        """The list of datasets; ValueError if its file cannot be read as one (the file is left as it is)."""
        if not self.manifest.exists():
            return []
        try:
            rows = json.loads(self.manifest.read_text(encoding="utf-8"))
            return [DatasetEntry.from_row(row) for row in rows]
        except (ValueError, TypeError, AttributeError) as exc:  # JSON and UTF-8 errors are ValueErrors
            raise ValueError(f"the dataset list {self.manifest} is damaged and cannot be read ({exc}); move it "
                             "aside to start an empty list") from None
        except OSError as exc:  # a folder of that name, no permission
            raise ValueError(f"the dataset list {self.manifest} cannot be read "
                             f"({(exc.strerror or str(exc)).lower()})") from None

    def set_aside_damaged_list(self) -> Path:
        """Rename a dataset list that cannot be read to datasets.damaged.json (numbered where that is taken), so that
        an empty one starts: the app said to move it aside and offered no way to, and every dataset added was
        refused on it (a crash pass). Nothing is deleted; the datasets' folders are untouched. The new name."""
        with self._list_lock():
            try:
                self.datasets()
            except ValueError:
                pass
            else:
                raise ValueError(f"the dataset list {self.manifest} reads: nothing to set aside")
            names = ("datasets.damaged.json" if n == 1 else f"datasets.damaged-{n}.json" for n in itertools.count(1))
            target = next(t for t in map(self.manifest.with_name, names) if not t.exists())
            os.rename(self.manifest, target)
        return target

    def _write(self, entries: list[DatasetEntry]) -> None:
        try:
            atomic_write_text(self.manifest, json.dumps([e.to_row() for e in entries], indent=2) + "\n")
        except OSError as exc:  # it named the hidden temp file: ".datasets.json.0a77c0a9.part.json"
            why = no_room_words(exc) if is_disk_full(exc) else (exc.strerror or str(exc)).lower()
            raise plain_os_error(exc.errno, f"the dataset list {self.manifest} cannot be written ({why})") from None

    @contextlib.contextmanager
    def _editing(self) -> Iterator[list[DatasetEntry]]:
        """The dataset list to change in place, read and written back under a lock: two processes adding datasets
        at once (two windows, the app and a script) lost a third of the entries."""
        with self._list_lock():
            entries = self.datasets()
            before = list(entries)
            yield entries
            if entries != before:
                self._write(entries)

    @contextlib.contextmanager
    def _list_lock(self) -> Iterator[None]:
        """The lock every change of the dataset list is made under."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fh = open(self.root / ".datasets.lock", "a+b")
        except OSError as exc:  # an unwritable library: named as the list, not as the lock's hidden file
            raise plain_os_error(exc.errno, f"the dataset list {self.manifest} cannot be written "
                                            f"({(exc.strerror or str(exc)).lower()})") from None
        with fh:
            deadline = time.monotonic() + LIST_LOCK_WAIT_S
            while True:
                try:
                    lock_file(fh)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise plain_os_error(errno.EBUSY, "another window of CycleGAN Studio is changing the "
                                                          "dataset list; try again") from None
                    time.sleep(0.02)
            try:
                yield
            finally:
                unlock_file(fh)

    def dataset(self, name: str) -> DatasetEntry:
        name = lookup_name(name)
        for entry in self.datasets():
            if entry.name == name:
                return entry
        raise KeyError(f"no dataset named {name!r}")

    def add_dataset(self, name: str, folder_a: str | Path, folder_b: str | Path | None = None,
                    name_a: str = "A", name_b: str = "B") -> DatasetEntry:
        """Register a dataset: two folders, or one root with trainA/trainB (and testA/testB)."""
        return self.register(self.check_dataset(name, folder_a, folder_b, name_a, name_b))

    def check_dataset(self, name: str, folder_a: str | Path, folder_b: str | Path | None = None,
                      name_a: str = "A", name_b: str = "B", control: Control | None = None,
                      copying: bool = False) -> DatasetEntry:
        """The entry :meth:`add_dataset` would register, or why not; nothing is written. It reads every file's
        header (seconds for thousands of images), so the app calls it off the GUI thread, with a ``control``
        that stops it (Stopped) when the app closes. ``copying``: the entry is to be copied into the library, so
        folders listed already by reference may be taken again (a snapshot of a drive's folders)."""
        if folder_b and Path(folder_a).is_dir() and Path(folder_b).is_dir():  # one folder picked twice: said so,
            check_separate_folders(Path(folder_a), Path(folder_b))  # not "both sides are named 'horses'" (its guess)
        name = checked_names(name, name_a, name_b)
        self._check_unused(name)
        try:
            folders = resolve_folders(folder_a, folder_b or None)
        except FileNotFoundError:
            aligned = None if folder_b else self._aligned_entry(name, Path(folder_a), name_a, name_b)
            if aligned is None:
                raise
            return aligned if copying else self._refuse_folders_listed_already(aligned)
        sides = list(zip(side_labels(name_a, name_b), (folders.a, folders.b)))
        for side, folder in sides:
            self._refuse_a_folder_holding_the_library(side, folder)
        entry = DatasetEntry(name, str(folders.a.resolve()), str(folders.b.resolve()), name_a.strip() or "A",
                             name_b.strip() or "B", str(folders.test_a.resolve()) if folders.test_a else "",
                             str(folders.test_b.resolve()) if folders.test_b else "")
        if not copying:
            self._refuse_folders_listed_already(entry)  # before the seconds of reading every header
        for side, folder in sides:
            check_folder(folder, side, control)
        return entry

    def _refuse_folders_listed_already(self, entry: DatasetEntry) -> DatasetEntry:
        """A dataset of the same folders, the same way round, is listed already under another name: a second one
        was added unsaid, two names for one set of pictures (a datasets pass). Swapped sides are another task."""
        def where(e: DatasetEntry) -> tuple:
            return tuple(Path(f).resolve() if f else None for f in (e.folder_a, e.folder_b)) + (e.layout,)

        for listed in self.datasets():
            if where(listed) == where(entry):
                raise ValueError(f"these folders are the dataset {listed.name!r} already; train on it, or rename it "
                                 "on the Datasets page")
        return entry

    def edit_dataset(self, name: str, new_name: str, name_a: str, name_b: str) -> DatasetEntry:
        """Rename a dataset and what its sides show; its folders and pictures stay as they are. There was no way but
        to remove it and add it again, and "A (A)" stayed on its tab (a datasets and runs pass)."""
        name, new_name = lookup_name(name), checked_names(new_name, name_a, name_b)
        with self._editing() as entries:
            index = next((i for i, e in enumerate(entries) if e.name == name), None)
            if index is None:
                raise KeyError(f"no dataset named {name!r}")
            if new_name != name:
                self._check_unused(new_name, entries, but=name)
            entries[index] = dataclasses.replace(entries[index], name=new_name, name_a=name_a.strip() or "A",
                                                 name_b=name_b.strip() or "B")
            edited = entries[index]
        return edited

    def _refuse_a_folder_holding_the_library(self, side: str, folder: Path) -> None:
        """A folder of pictures that holds the library itself: its copies and its runs' samples (which change as
        a run trains) were counted as the user's pictures (a datasets and runs pass). ``side``: the side's name."""
        root, chosen = self.root.resolve(), folder.resolve()
        if chosen == root or chosen in root.parents:
            raise ValueError(f"the {side} folder ({folder}) holds this app's library ({self.root}): its copies and "
                             "runs' samples would be read as your pictures; choose the folder of the pictures "
                             "themselves")

    def register(self, entry: DatasetEntry) -> DatasetEntry:
        """Add a checked entry to the list (its name checked again: another may have taken it meanwhile)."""
        with self._editing() as entries:
            self._check_unused(entry.name, entries)
            entries.append(entry)
        return entry

    def _check_unused(self, name: str, entries: list[DatasetEntry] | None = None, but: str = "") -> None:
        """Refuse a name listed already (``but`` the entry being renamed), capitals aside: "Café" and "café" were two
        datasets that looked alike in the list (a datasets pass)."""
        for e in self.datasets() if entries is None else entries:
            if e.name != but and e.name.casefold() == name.casefold():
                alike = "" if e.name == name else " (the same but for capitals)"
                raise ValueError(f"a dataset named {e.name!r} already exists{alike}; choose another name")

    @staticmethod
    def _aligned_entry(name: str, root: Path, name_a: str, name_b: str) -> DatasetEntry | None:
        """An entry for a folder of side-by-side pairs (``train/`` and ``test/`` or ``val/``), if it is one."""
        try:
            found = find_pairs(root)
        except ValueError:
            train = root / "train"
            if train.is_dir() and not any(p.is_dir() for p in train.iterdir()):  # empty or unreadable: said so,
                raise  # not "no trainA/"; with folders inside, the layouts that are known are named instead
            return None
        except OSError:
            return None
        if found.layout != "aligned":
            return None
        train = root / "train" if (root / "train").is_dir() else root
        if train == root and not mostly_pairs_side_by_side([pair.a for pair in found.pairs]):  # twelve 4:3 photos
            return None  # picked as "one folder" were added as pairs, said in a warning only (a datasets pass)
        if not any(wide_enough_for_two(pair.a) for pair in found.pairs):  # a folder of single photos (trainA/
            if train == root:  # picked for the dataset) was added as pairs, unasked: it is refused as no dataset
                return None
            width, height = header_size(found.pairs[0].a)  # said to be "pictures holding A and B side by side"
            raise ValueError(f"the pictures in {train} are single pictures ({found.pairs[0].a.name} is "
                             f"{width}x{height}), not pairs side by side: put the two sides' pictures in trainA/ and "
                             "trainB/ beside it")
        held_out = next((root / s for s in ("test", "val") if (root / s).is_dir() and train != root), None)
        return DatasetEntry(name, str(train.resolve()), "", name_a.strip() or "A", name_b.strip() or "B",
                            str(held_out.resolve()) if held_out else "", layout="aligned")

    @staticmethod
    def pairs(entry: DatasetEntry) -> PairedData | None:
        """The dataset's pairs for pix2pix (aligned images, or files of the same name on both sides), if any."""
        try:
            return find_pairs(entry.folder_a) if entry.layout == "aligned" else find_pairs(entry.folder_a,
                                                                                           entry.folder_b)
        except (OSError, ValueError):
            return None

    @staticmethod
    def held_out_pairs(entry: DatasetEntry) -> tuple[list[Pair], list[str]]:
        """Test pairs to evaluate a pix2pix model on (test/ of side-by-side images, or testA/ + testB/ by name), and
        the names without a partner (:func:`engine.evaluate.inputs_left_out` says which inputs they leave out).
        Unreadable pictures are kept, for the evaluation to name: they were left out unsaid."""
        try:
            if entry.layout == "aligned":
                return ([Pair(p) for p in list_images(entry.test_a, recursive=False)] if entry.test_a else []), []
            if entry.test_a and entry.test_b:
                return match_by_name(Path(entry.test_a), Path(entry.test_b))
        except OSError:
            pass
        return [], []

    def copy_dataset(self, entry: DatasetEntry, control: Control | None = None,
                     on_progress: Callable[[int, int], None] | None = None) -> DatasetCopy:
        """Copy a dataset's images into the library (trainA/ trainB/ ..., or train/ test/) and return an entry that
        reads the copy; the list is not changed (:meth:`register` adds it). Nothing is written if the copy cannot fit
        on the disk; a copy that fails or is stopped (``control``, Stopped) removes what it wrote, so the dataset is
        either copied whole or not at all. Files that cannot be read (a broken link, no permission) are left out and
        named, as training would skip them. ``on_progress(done, total)`` follows the files."""
        safe_name(entry.name)  # a name with nothing usable for a folder: refused before anything is read
        if entry.layout == "aligned":
            sources = [("train", entry.folder_a), ("test", entry.test_a)]
        else:
            sources = [("trainA", entry.folder_a), ("trainB", entry.folder_b), ("testA", entry.test_a),
                       ("testB", entry.test_b)]
        planned: list[tuple[Path, Path, os.stat_result]] = []
        left_out: list[tuple[Path, str]] = []
        for sub, folder in sources:
            if not folder:
                continue
            for path in list_images(folder, recursive=entry.layout != "aligned", unreadable=left_out):
                try:
                    info = os.stat(path)
                except OSError as exc:  # a broken link, a folder that went away
                    left_out.append((path, unreadable_reason(exc)))
                    continue
                if not stat.S_ISREG(info.st_mode) or not os.access(path, os.R_OK):
                    left_out.append((path, "not a regular file" if not stat.S_ISREG(info.st_mode)
                                     else "no permission to read the file"))
                    continue
                planned.append((path, Path(sub) / path.relative_to(folder), info))
        self._check_space(self.root / "datasets", sum(info.st_size for _, _, info in planned))
        target, tmp = self._reserve_copy_folder(entry.name)
        written: list[list] = []
        try:
            with folder_lock(tmp):  # held while copying: a cleanup elsewhere takes it for abandoned otherwise
                for done, (source, relative, info) in enumerate(planned):
                    if control is not None:
                        control.checkpoint()
                    dest = tmp / relative
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, dest)  # created as open() creates files: read-only sources gave
                    os.utime(dest, ns=(info.st_atime_ns, info.st_mtime_ns))  # read-only copies
                    written.append([relative.as_posix(), info.st_size, info.st_mtime_ns])
                    if on_progress is not None:
                        on_progress(done + 1, len(planned))
                atomic_write_text(tmp / COPY_LIST, json.dumps(written, indent=0) + "\n")
                os.replace(tmp, target)
        except Stopped:
            shutil.rmtree(tmp, ignore_errors=True)  # the copy this call was writing, nothing else
            raise Stopped("the copy was stopped, and what it had copied was removed") from None
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            where = f" ({Path(exc.filename).name})" if getattr(exc, "filename", None) else ""
            why = no_room_words(exc) if is_disk_full(exc) else (exc.strerror or str(exc)).lower()
            raise plain_os_error(exc.errno, f"copying the images into the library failed{where}: {why}; what "
                                            "it had copied was removed") from None
        subs = ("train", "", "test", "") if entry.layout == "aligned" else ("trainA", "trainB", "testA", "testB")
        folders = [str(target / sub) if sub and original else "" for sub, original in
                   zip(subs, (entry.folder_a, entry.folder_b, entry.test_a, entry.test_b))]
        copied = dataclasses.replace(entry, folder_a=folders[0], folder_b=folders[1], test_a=folders[2],
                                     test_b=folders[3])  # what a newer version wrote in the entry, kept
        return DatasetCopy(copied, left_out)

    def _reserve_copy_folder(self, name: str) -> tuple[Path, Path]:
        """A free folder for a dataset's copy and its hidden ``.NAME.copying`` folder, made here (at once, so that two
        copies never share one: "c/1" and "c_1", or one name in two windows, mixed their images). The leftovers of
        copies killed mid-way are removed on the way."""
        folder = self.root / "datasets"
        folder.mkdir(parents=True, exist_ok=True)
        remove_abandoned_copies(folder)
        base = target = folder / safe_name(name)
        copies = 1
        while True:
            tmp = target.with_name(f".{target.name}{COPY_SUFFIX}")
            if not target.exists():  # a removed dataset's copy may stay: it keeps its folder
                try:
                    tmp.mkdir()
                    return target, tmp
                except FileExistsError:  # another copy is writing there now
                    pass
            copies += 1
            target = base.with_name(f"{base.name}-{copies}")

    @staticmethod
    def _check_space(folder: Path, size: int) -> None:
        """Refuse a copy that would fill the disk before its first file is written."""
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        free = shutil.disk_usage(existing).free
        if size + SPACE_MARGIN > free:
            raise NotEnoughSpace(f"copying the images needs {size / 2**20:,.0f} MB and {free / 2**20:,.0f} MB are "
                                 f"free on the disk of {folder}; free some space, or add the dataset without "
                                 "copying it")

    def import_copy(self, entry: DatasetEntry, control: Control | None = None) -> DatasetEntry:
        """Copy a registered dataset into the library and point its entry there (the entry keeps pointing at the
        original folders if the copy fails or is stopped)."""
        copied = self.copy_dataset(entry, control).entry
        with self._editing() as entries:
            if entry not in entries:  # removed, or replaced by another of that name, while it was copied
                self.discard_copy(copied)  # the copy just written
                raise ValueError(f"the dataset {entry.name!r} changed while it was copied; the copy was removed")
            entries[entries.index(entry)] = copied
        return copied

    def remove_dataset(self, name: str, delete_copy: bool = False) -> list[str]:
        """Forget a dataset; its images are not touched, unless ``delete_copy`` and they are a copy this library
        made: then the files the copy wrote are deleted, and any other file found there is left and named."""
        name = lookup_name(name)
        with self._editing() as entries:
            found = next((e for e in entries if e.name == name), None)
            if found is None:
                raise KeyError(f"no dataset named {name!r}")
            copy = self.copy_of(found)
            if delete_copy and copy is not None and (others := self.readers_of(copy, entries, found)):
                raise ValueError(f"the copy in {copy} is also read by the dataset {others[0]!r}; remove that one "
                                 "first, or keep the copy")
            entries.remove(found)
        return delete_listed_files(copy, COPY_LIST) if delete_copy and copy is not None else []

    @staticmethod
    def readers_of(folder: Path, entries: list[DatasetEntry], besides: DatasetEntry) -> list[str]:
        """The names of the datasets other than ``besides`` that read images in ``folder``: a dataset added by
        reference to a folder inside another's copy lost its images when that copy was deleted."""
        inside = folder.resolve()
        return [e.name for e in entries if e != besides and any(
            f and (Path(f).resolve() == inside or inside in Path(f).resolve().parents)
            for f in (e.folder_a, e.folder_b, e.test_a, e.test_b))]

    def discard_copy(self, copied: DatasetEntry) -> None:
        """Delete a copy just made for ``copied`` that is not to be used (its dataset changed, or was cancelled)."""
        if (folder := self.copy_of(copied)) is not None:
            delete_listed_files(folder, COPY_LIST)

    def copy_of(self, entry: DatasetEntry) -> Path | None:
        """The folder of the library's own copy that ``entry`` reads, if it reads one."""
        folder = Path(entry.folder_a).parent
        if (folder.parent.resolve() == (self.root / "datasets").resolve() and not folder.is_symlink()
                and (folder / COPY_LIST).is_file()):
            return folder
        return None

    @staticmethod
    def inspect(entry: DatasetEntry, min_size: int = 128, control: Control | None = None) -> DatasetReport:
        """Counts and problems: missing folders, unreadable files, tiny images, mixed channels, too few photos. Every
        header is read (16 s for 20,000 pictures a side): ``control`` stops it between files (Stopped), as the app
        does when another dataset is picked or the window closes (four clicks ran four, and closing waited 37 s)."""
        problems: list[str] = []
        missing: list[str] = []  # said first: the other side's "few images (A: 12)" came before the folder gone
        left_out: list[tuple[str, str, str]] = []
        said_unreadable: set[str] = set()  # "A/x.png": not listed again as "without a partner" for pix2pix
        counts = []
        listed: dict[str, list[Path]] = {}
        few: dict[str, int] = {}  # images a side, for the advice on too few
        sides = [("pairs" if entry.layout == "aligned" else "A", entry.folder_a)]
        if entry.layout != "aligned":
            sides.append(("B", entry.folder_b))
        # each side said by its name, as the few-pictures advice and the samples say it ("B mixes colour and ...")
        names = side_labels(entry.name_a, entry.name_b)
        called = dict(zip("AB", names))
        for side, folder in sides:
            path, name = Path(folder), called.get(side, side)
            if not path.is_dir():
                missing.append(f"the {name} folder is missing: {folder}; put it back there, or remove this dataset "
                                "and add the folder where it is now")  # no way on was said (a datasets pass)
                counts.append(0)
                continue
            locked: list[tuple[Path, str]] = []  # sub-folders that cannot be read: their images counted nowhere
            # side-by-side pairs are read from train/ itself, not its sub-folders (find_pairs): 8 counted, 3 used
            other_kinds: list[Path] = []  # HEIC beside JPEGs: left out of training unsaid (a CLI hostile pass)
            files = list_images(path, recursive=entry.layout != "aligned", unreadable=locked, other_kinds=other_kinds)
            readable: list[Path] = []  # shown as thumbnails: the unreadable were shown first, 17 beside "(5)"
            unreadable: list[tuple[str, str]] = []  # (name under the side's folder, why)
            # named under the side's folder: "broken.png" was in trainB/up/trainA/ (a datasets pass)
            problems += [f"unreadable in {name}: {_under(f, path)}/ ({reason})" for f, reason in locked]
            left_out += [(name, f"{_under(f, path)}/", reason) for f, reason in locked]
            if not files:
                problems.append(f"the {name} folder has no images")
            if outside := _through_links_outside(files, path):  # a link to /usr made A 5004 system icons, unsaid
                problems.append(f"{len(outside)} picture(s) of {name} are reached through links to folders outside "
                                f"it (such as {_under(outside[0], path)}): they count as {name}'s too")
            modes: set[str] = set()
            tiny: list[Path] = []
            for f in files:
                if control is not None:
                    control.checkpoint()
                if reason := probe_image(f):
                    unreadable.append((_under(f, path), reason))
                    continue
                readable.append(f)
                from PIL import Image

                with Image.open(f) as im:
                    modes.add("gray" if Image.getmodebase(im.mode) == "L" else "colour")  # I;16B, F: grey too
                    if min(im.size) < min_size:
                        tiny.append(f)
            listed[side] = readable
            left_out += [(name, file, why) for file, why in unreadable]
            said_unreadable.update(f"{side}/{file}" for file, _ in unreadable)
            if other_kinds:
                kinds = sorted({UNREADABLE_KINDS[p.suffix.lower()] for p in other_kinds})
                problems.append(f"{len(other_kinds)} photo(s) in {name} are of kinds this app cannot read "
                                f"({', '.join(kinds)}) and are left out: save them as JPEG or PNG to train on them")
                left_out += [(name, _under(p, path), other_kind_reason(p)) for p in other_kinds]
            counts.append(len(readable))  # what training will use: unreadable files are skipped
            few[side] = counts[-1]
            if len(unreadable) > UNREADABLE_NAMED_ONE_A_LINE:  # twelve lines of them pushed the pictures off the page
                problems.append(f"{len(unreadable)} files in {name} cannot be read and are left out"
                                + unreadable_in_one_line(unreadable))
            else:
                problems += [f"unreadable in {name}: {file} ({why})" for file, why in unreadable]
            if tiny:
                such = ", ".join(_under(f, path) for f in tiny[:3]) + (", …" if len(tiny) > 3 else "")
                problems.append(f"{len(tiny)} image(s) in {name} are smaller than {min_size} px and will be upscaled "
                                f"({such})")  # named, as unreadable files are (a datasets pass)
            if len(modes) > 1:
                problems.append(f"the {name} folder mixes colour and grayscale images (all are converted to the "
                                "model's channels)")
        if "B" in listed and (shared := pictures_on_both_sides(listed.get("A", []), listed["B"], names)):
            problems.append(shared)
        paired = Library.pairs(entry)
        if paired:  # named for pix2pix where the folders are two sides that happen to share names
            prefix = "" if entry.layout == "aligned" else "for pix2pix: "
            problems += [prefix + w for w in pair_shape_warnings(paired.pairs, names)]
        if entry.layout == "aligned":
            counts.append(counts[0])
        if advice := few_images_advice(few, (entry.name_a, entry.name_b)):
            problems.insert(0, advice)
        unmatched = [u for u in paired.unmatched if u.removesuffix(SHARED_NAME).removesuffix(CASE_ONLY)
                     not in said_unreadable] if paired else []  # 7 unreadable files were "without a partner" too
        return DatasetReport(counts[0], counts[1], missing + problems, len(paired.pairs) if paired else 0,
                             len(unmatched), listed.get("A", []), listed.get("B", []),
                             [(p.a, p.b) for p in paired.pairs] if paired else [], unmatched, left_out)

    # ---------------------------------------------------------------- runs
    def runs(self) -> list[Path]:
        if not self.runs_dir.is_dir():
            return []
        found = [p for p in self.runs_dir.iterdir() if p.is_dir() and RunDir(p).is_run()]
        return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)

    def _own_run(self, path: Path) -> RunDir:
        run = RunDir(path)
        if not path.exists():  # moved or deleted since it was listed: it was called "not a run of this library"
            raise FileNotFoundError(errno.ENOENT, "no such folder", str(path))
        if not run.is_run() or path.resolve().parent != self.runs_dir.resolve():
            raise ValueError(f"{path} is not a run of this library")
        return run

    def rename_run(self, path: Path, new_name: str) -> Path:
        """Rename a run's folder; refused while it trains (its lock) or if the name is taken."""
        run = self._own_run(Path(path))
        target = self.runs_dir / safe_name(new_name)
        if target == run.path:
            raise ValueError(f"the run is named {target.name!r} already")
        if target.exists():
            raise NameTaken(f"a run named {target.name!r} already exists; choose another name")
        if os.name == "nt":  # a folder with a file open in it cannot be renamed there: the lock is let go first
            with RunLock(run.path):  # RunLocked while a process trains it
                pass
            os.rename(run.path, target)
            return target
        with RunLock(run.path):  # held through the rename: a run resumed between the two went on in the old
            os.rename(run.path, target)  # folder, made again, while its checkpoints moved to the new one
        return target

    def delete_run(self, path: Path) -> list[str]:
        """Delete a run of this library (engine.rundir.delete_run: only what training wrote); returns what is left."""
        return delete_run(self._own_run(Path(path)).path)

    def new_run_dir(self, name: str) -> Path:
        base = self.runs_dir / safe_name(name)
        path, n = base, 2
        while path.exists():
            path, n = base.with_name(f"{base.name}-{n}"), n + 1
        return path

    # -------------------------------------------------------------- models
    def models(self) -> list[Path]:
        """The model files of the library. Leftovers of imports, exports and downloads killed mid-write (temp files
        of this program's pattern, untouched for an hour) are removed on the way: they stayed there for good."""
        if not self.models_dir.is_dir():
            return []
        remove_stale_temp_files(self.models_dir, lambda name: name.endswith(".pt"), untouched_for_s=ABANDONED_AFTER_S)
        return sorted((p for p in self.models_dir.glob("*.pt") if not p.name.startswith(".") and not p.is_dir()),
                      key=lambda p: natural_key(p.stem))  # a folder dir.pt was listed, then taken for a run

    @staticmethod
    def builtin_models() -> list[Path]:
        """Models shipped with the app (the demo), listed before the user's own."""
        from .resources import demo_model_path

        return [demo_model_path()] if demo_model_path().is_file() else []

    def model_path(self, name: str) -> Path:
        """A model's file for its name; "mine.pt" typed as the name is "mine" (it wrote mine.pt.pt)."""
        name = name[:-3] if name.lower().endswith(".pt") and len(name.strip()) > 3 else name
        return self.models_dir / f"{safe_name(name)}.pt"

    def import_model(self, source: str | Path, name: str | None = None, name_a: str | None = None,
                     name_b: str | None = None, published: str | None = None) -> Path:
        """Add a model file to the library (engine.imports.import_model_file: ours in either format, or
        another tool's generator, the reference's .pth or a .safetensors, recognised and converted)."""
        from .imports import import_model_file
        from .resources import is_builtin, resolve_model

        if name is None and is_builtin(resolve_model(source)):  # "'demo' is reserved for the built-in demo model; …"
            raise ValueError(f"{Path(source).name} is built in: it is in the library already")
        source = Path(source)
        target = self.model_path(name or source.stem)
        taken = NameTaken(f"a model named {target.stem!r} already exists; choose another name")
        if target.exists():
            if name is None and imported_from(source, target):
                raise AlreadyImported(source, target)
            raise taken
        refuse_the_demos_name(target)
        try:
            return import_model_file(source, target, name_a, name_b, published)
        except FileExistsError:  # imported under that name meanwhile (another window, a script): kept
            raise taken from None

    def published_copy(self, key: str) -> Path | None:
        """The library's copy of the published model ``key``: the model of its name, or of ``KEY-published``, whose
        file says it is that one. By name alone, a model of the person's own named horse2zebra passed for it: listed
        as downloaded, and the published one could not be had."""
        from .modelfile import published_key

        return next((p for p in (self.model_path(key), self.model_path(f"{key}-published"))
                     if published_key(p) == key), None)  # (published_key checks its network too)

    def published_target(self, key: str) -> Path:
        """Where the published model ``key`` goes: its name, or ``KEY-published`` where a model of the person's own
        has that name."""
        target = self.model_path(key)
        return self.model_path(f"{key}-published") if os.path.lexists(target) else target

    def download_published(self, key: str, on_progress=None, control=None) -> Path:
        """Download one of the reference's published generators and add it to the library (as
        :meth:`published_target` names it); its copy if the library has one."""
        from .imports import PUBLISHED
        from .modelfile import check_write_targets

        if (found := self.published_copy(key)) is not None:
            return found
        check_write_targets([self.published_target(key)])  # a read-only library: said after 46 to 218 MB came
        downloads = self.root / "downloads"
        made_folder = not downloads.exists()
        downloads.mkdir(parents=True, exist_ok=True)
        try:
            with folder_lock(downloads):  # two windows (or the app and the command line) wrote one partial file
                if (found := self.published_copy(key)) is not None:  # added by the other meanwhile
                    return found
                return self._fetch_published(PUBLISHED[key], downloads / f"{key}.pth", on_progress, control)
        except FolderBusy:
            raise ModelFileError("another window or command is downloading a published model into this library; "
                                 "try again when it is done") from None
        finally:
            if made_folder:  # offline, or done: the folder made for the lock is not left empty
                with contextlib.suppress(OSError):
                    downloads.rmdir()

    def _fetch_published(self, model, raw: Path, on_progress, control) -> Path:
        """Fetch (or take the copy kept from a try that could not write its model), check and import one published
        generator. A file that is not it is deleted: one kept by mistake failed every later try, never fetched
        again (a review); one whose model could not be written (a full disk) is kept for the next."""
        from .download import download, partial_path
        from .imports import describe_network, detect, read_weights, without_prefix

        if not raw.is_file():
            download(model.url, raw, on_progress, control, max_bytes=2 * model.size_mb * 10**6)
        try:
            cfg = detect(without_prefix(read_weights(raw)), raw.name)
            cfg.validate()
        except (ModelFileError, ValueError) as exc:
            cfg, why = None, f"the file downloaded for {model.key} is not a usable generator ({exc})"
        if cfg is not None and not model.is_its_network(cfg):  # what a mirror (or anyone on its http path) sent
            why = (f"the file downloaded for {model.key} is not the published model ({raw.name} is "
                   f"{describe_network(cfg)}; the published {model.key} is {model.network()})")
        if cfg is None or not model.is_its_network(cfg):
            raw.unlink(missing_ok=True)
            partial_path(raw).unlink(missing_ok=True)
            raise ModelFileError(why)
        try:
            made = self.import_model(raw, self.published_target(model.key).stem, published=model.key)
        except OSError:
            raise  # not written: kept, not fetched again
        except (ModelFileError, ValueError) as exc:
            if isinstance(exc, ValueError) and "already exists" in str(exc):
                raise  # a model took its name meanwhile: the download is fine, kept
            raw.unlink(missing_ok=True)
            raise ModelFileError(f"the file downloaded for {model.key} is not a usable generator ({exc})") from None
        raw.unlink(missing_ok=True)  # the model file holds the weights now
        return made

    def rename_model(self, path: Path, new_name: str) -> Path:
        target = self.model_path(new_name)
        if target == path:  # "nd2." or " nd2 " for nd2: said to be taken, by itself
            raise ValueError(f"the model is named {target.stem!r} already")
        taken = NameTaken(f"a model named {target.stem!r} already exists; choose another name")
        if os.path.lexists(target):
            raise taken
        refuse_the_demos_name(target)
        try:
            move_new(path, target)
        except FileExistsError:  # named so meanwhile (another window, a script): kept, not written over
            raise taken from None
        return target

    @staticmethod
    def delete_model(path: Path) -> None:
        """Delete a model file of the library; a file of another kind put in its folder is refused (a text file
        named notes.pt was listed, said to be unreadable, and deleted), as it is not this app's to delete."""
        from .modelfile import is_model_file

        if not os.path.lexists(path):
            raise FileNotFoundError(errno.ENOENT, "no such file", str(path))
        if not path.is_symlink() and not is_model_file(path):
            raise ValueError(f"{path.name} does not read as a model file (cut short, damaged, or another kind of "
                             f"file), so it may not be this app's: it is left where it is ({path.parent}); remove it "
                             "yourself if you no longer need it")  # "not a model file that this app writes" said of
            # a model cut short by a copy: as if the app knew who wrote it (a models pass)
        path.unlink()
