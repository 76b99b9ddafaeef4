"""Atomic file writes: a reader (or a crash) never sees half a file.

Everything the engine writes that someone may later trust — checkpoints, configs, model
files, converted images — goes through :func:`atomic_path`: data lands in a hidden temp
file in the destination folder, is flushed to disk, and only then renamed over the target.

The temp file is created the way a plain ``open(path, "w")`` creates a file (mode 0o666
less the umask, default ACLs honoured), and takes the mode of the file it replaces, so
outputs are as readable as any other file the user writes. Its name follows one pattern,
``.NAME.XXXXXXXX.partSUFFIX``, so that a later run can recognise (and remove) the temp
files that a killed run of this program left for the same target, and nothing else.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator

TEMP_TOKEN_LENGTH = 8  # random hex characters between the target's name and ".part"
DISK_FULL_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


NAME_MAX = 255  # bytes in a file name on the usual file systems (ext4, XFS, Btrfs, APFS)


def temp_name(target: Path, suffix: str | None = None) -> str:
    """A fresh temp-file name for ``target`` (the pattern :func:`stale_temp_files` recognises). For a name near the
    limit the target's part is cut (its temp file's was 19 bytes longer: "file name too long" for a legal name of
    240 bytes, 80 CJK characters); such a temp file, left by a kill, is not recognised as this program's."""
    ending = f".{secrets.token_hex(TEMP_TOKEN_LENGTH // 2)}.part{target.suffix if suffix is None else suffix}"
    name, room = target.name, NAME_MAX - 1 - len(os.fsencode(ending))
    if len(os.fsencode(name)) > room:
        name = os.fsencode(name)[:room].decode("utf-8", "ignore")  # not half a character
    return f".{name}{ending}"


TEMP_NAME = re.compile(rf"\.(?P<target>.+)\.[0-9a-z_]{{{TEMP_TOKEN_LENGTH}}}\.part(\.[^./]*)?")


def stale_temp_files(folder: Path, is_ours: Callable[[str], bool]) -> list[Path]:
    """Temp files in ``folder`` left by an interrupted write of a target named as ``is_ours`` accepts.

    Only names of this module's pattern whose target this program would write qualify: a
    user's own ``.movie.mkv.partial`` (or any other hidden file) is never among them. The
    8-character token also matches the ``mkstemp`` names of earlier versions.
    """
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    found = []
    for entry in entries:
        match = TEMP_NAME.fullmatch(entry.name)
        if match and is_ours(match["target"]) and entry.is_file(follow_symlinks=False):
            found.append(Path(entry.path))
    return found


def remove_stale_temp_files(folder: Path, targets: Iterable[str] | Callable[[str], bool],
                            untouched_for_s: float = 0) -> list[Path]:
    """Remove the leftovers of interrupted writes to ``targets`` (names, or a test on names) in ``folder``; with
    ``untouched_for_s``, only those not written to for that long (where another process may be writing now)."""
    is_ours = targets if callable(targets) else set(targets).__contains__
    removed = []
    now = time.time()
    for path in stale_temp_files(folder, is_ours):
        with contextlib.suppress(FileNotFoundError):
            if untouched_for_s and now - path.stat().st_mtime < untouched_for_s:
                continue
            path.unlink()
            removed.append(path)
    return removed


def _create_temp(target: Path, suffix: str | None) -> Path:
    """Create an empty temp file beside ``target`` with the mode a plain ``open()`` would give."""
    for _ in range(100):
        tmp = target.with_name(temp_name(target, suffix))
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        except OSError as exc:  # named by the temp file: "/proc/.x.pt.4606f5ce.part.pt: no such file or directory"
            raise type(exc)(exc.errno, exc.strerror, str(target)) from None  # for /proc/x.pt (a CLI hostile pass)
        try:
            if hasattr(os, "fchmod"):  # an overwritten file keeps its permissions
                with contextlib.suppress(FileNotFoundError):
                    os.fchmod(fd, stat.S_IMODE(os.stat(target).st_mode))
        finally:
            os.close(fd)
        return tmp
    raise FileExistsError(errno.EEXIST, f"cannot create a temporary file beside {target}")


def os_error_in(exc: BaseException) -> OSError | None:
    """The OSError behind ``exc`` (itself, or in its cause/context chain), if any.

    torch.save writing to a Python file reports a full disk as a RuntimeError from its C++
    writer whose context is the OSError(ENOSPC) that the file raised; this digs it out.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OSError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def is_disk_full(exc: BaseException) -> bool:
    error = os_error_in(exc)
    return error is not None and error.errno in DISK_FULL_ERRORS


def in_words(exc: BaseException) -> str:
    """An error as words: the system's own (an OSError) as "PATH: file name too long", not "[Errno 36] File name too
    long: 'PATH'" (a hostile training pass; the app's pages said it so too)."""
    if isinstance(exc, OSError) and exc.strerror:
        words = exc.strerror[0].lower() + exc.strerror[1:]
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG) and exc.filename2:  # a copy: shutil names its
            return f"{Path(exc.filename2).parent}: {words}"  # source first, and an import onto a full disk blamed it
        return f"{exc.filename}: {words}" if exc.filename else words
    return str(exc) or type(exc).__name__


def no_room_words(exc: BaseException) -> str:
    """What a write that found no room met, in words: a limit on a file's size (``ulimit -f``, FAT32's 4 GB) was
    called a full disk, which it is not."""
    error = os_error_in(exc)
    if error is not None and error.errno == errno.EFBIG:
        return "a file larger than this file system or a limit on file size allows"
    if error is not None and error.errno == errno.EDQUOT:
        return "the disk quota is used up"
    return "no space left on device"


@contextlib.contextmanager
def atomic_path(target: str | Path, suffix: str | None = None, replace: bool = True) -> Iterator[Path]:
    """Yield a temp path beside ``target``; rename it onto ``target`` if the block succeeds.

    The temp file keeps ``target``'s suffix (or ``suffix``) so that writers which pick a
    format from the extension (Pillow, torchvision) still work. On any error the temp file
    is removed and the old ``target``, if any, is left untouched; an error whose root is an
    OSError (a full disk inside torch.save, say) is re-raised as that OSError. Without
    ``replace``, a ``target`` that appeared meanwhile is kept: FileExistsError (:func:`move_new`).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _create_temp(target, suffix)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        try:
            if replace:
                os.replace(tmp, target)
            else:
                move_new(tmp, target)
        except OSError as exc:  # named by the temp file: "….part.json: is a directory" for a folder chosen
            if exc.errno is None or exc.filename != str(tmp):
                raise
            raise type(exc)(exc.errno, exc.strerror, str(target)) from None
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        root = os_error_in(exc)
        if root is not None and root is not exc:
            raise root from exc
        raise


def move_new(source: str | Path, target: str | Path) -> None:
    """Rename ``source`` to ``target`` only where no ``target`` exists, in one step (FileExistsError otherwise): a
    check then a rename let two imports of one name both succeed, the second writing over the first. A new hard
    link is that step (a link itself is moved, not what it points to); a file system without hard links gets the
    check and the rename, as before."""
    try:
        os.link(source, target, follow_symlinks=False)
    except FileExistsError:
        raise
    except (OSError, NotImplementedError):  # FAT, some network shares; a platform without linkat
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "already exists", str(target)) from None
        os.replace(source, target)
        return
    os.unlink(source)


def atomic_write_bytes(target: str | Path, data: bytes, replace: bool = True) -> None:
    with atomic_path(target, replace=replace) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(target: str | Path, text: str) -> None:
    atomic_write_bytes(target, text.encode("utf-8"))


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def lock_file(fh) -> None:
        """Take an exclusive OS lock on an open file now, or raise OSError; released when the process dies."""
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)

    def unlock_file(fh) -> None:
        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def lock_file(fh) -> None:
        """Take an exclusive OS lock on an open file now, or raise OSError; released when the process dies.

        flock: two opens of one file conflict even within one process, unlike POSIX record locks.
        """
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def unlock_file(fh) -> None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class FolderBusy(RuntimeError):
    """Another process of this program is writing into the folder."""


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an OS lock on ``folder`` itself (no file is created in it) while writing into it.

    Two conversions into one folder would remove each other's temp files; the second is
    refused instead. POSIX only (flock on the directory); elsewhere the block runs unlocked.
    """
    if os.name == "nt":  # pragma: no cover
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise FolderBusy(f"another conversion is writing into {folder}; wait for it to finish or choose "
                             "another output folder") from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def atomic_torch_save(obj, target: str | Path, replace: bool = True) -> Path:
    """``torch.save`` through a Python file, so a full disk surfaces as OSError(ENOSPC)."""
    import torch

    target = Path(target)
    with atomic_path(target, replace=replace) as tmp, open(tmp, "wb") as fh:
        torch.save(obj, fh)
    return target


def resolve_path(path: Path) -> Path | None:
    """``path`` with every symbolic link followed; None for a link loop (or a path too deep to follow)."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):  # "Symlink loop" (RuntimeError up to Python 3.12), ELOOP
        return None


class Resolver:
    """``resolve_path`` for many files of few folders: each folder is resolved once, and a file only where it is a
    link itself (Path.resolve of each of thousands of files walks every part of every path)."""

    def __init__(self):
        self.folders: dict[Path, Path | None] = {}

    def __call__(self, path: Path) -> Path | None:
        if os.path.islink(path):
            return resolve_path(path)
        if path.parent not in self.folders:
            self.folders[path.parent] = resolve_path(path.parent)
        folder = self.folders[path.parent]
        return folder / path.name if folder is not None else None


def modified_ns(path: str | Path) -> int:
    """A file's or folder's modification time in ns (a folder's changes as files are added or removed in it), 0 where
    it cannot be read: what a listing kept until its folders change is keyed by."""
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0
