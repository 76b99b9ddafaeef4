"""``torch.load`` for files from anyone: weights only, so no code in the file ever runs, and every way it fails
said in words a person can act on.

Model files and checkpoints both come through here. PyTorch's own messages were passed on cut in the middle:
half of its advice to turn the safe loader off (the half without the warning that it would run code), a zip
library's paragraph for a truncated file, an empty "EOFError: " for an empty one.
"""

from __future__ import annotations

import errno
import pickle
import re
import stat
import warnings
from pathlib import Path
from typing import Any


class UnreadableFile(ValueError):
    """A file ``torch.load`` will not read; ``refused`` when it holds code (a name of a function to call)."""

    def __init__(self, path: Path, reason: str, refused: bool = False):
        self.path, self.reason, self.refused = path, reason, refused
        super().__init__(f"{path.name}: {reason}")


def load_weights_only(path: str | Path, mmap: bool = False) -> Any:
    """The file's tensors and plain values; FileNotFoundError if it is missing, UnreadableFile otherwise. With
    ``mmap`` (a zip file only) the tensors are mapped, not read: what a file is, told at once."""
    import torch

    path = Path(path)
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):  # a FIFO named model.pt waited for a writer forever
        raise UnreadableFile(path, "not a regular file")
    with open(path, "rb") as fh:  # FileNotFoundError as it is
        head = fh.read(512)
    if head and not head.startswith((b"PK", b"\x80")):  # a PyTorch file is a zip, or (before 1.6) a pickle
        raise UnreadableFile(path, "not a PyTorch file" + (" (it is text)" if _is_text(head) else ""))
    if head.startswith(b"PK"):
        _check_unpacked_size(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unpickler's notes on a foreign pickle protocol: the refusal says it
        try:
            return torch.load(path, map_location="cpu", weights_only=True, mmap=mmap and head.startswith(b"PK"))
        except FileNotFoundError:
            raise
        except pickle.UnpicklingError as exc:
            culprit = re.search(r"GLOBAL (\S+)", str(exc))
            if culprit:
                raise UnreadableFile(path, f"loading it would run code stored in the file (it calls "
                                           f"{culprit.group(1)})", True) from None
            raise UnreadableFile(path, "not a file of this kind (another format, or damaged)") from None
        except EOFError:
            raise UnreadableFile(path, "empty or cut short") from None
        except OSError as exc:
            if exc.errno == errno.EINVAL:  # what a zip cut short can raise while its records are read
                raise UnreadableFile(path, "cut short or damaged") from None
            raise UnreadableFile(path, (exc.strerror or str(exc)).lower()) from None
        except RuntimeError as exc:
            if "TorchScript" in str(exc):  # the .ts export: "damaged (Cannot use ``weights_only=True`` with …)"
                raise UnreadableFile(path, "a TorchScript copy, for other programs; this app reads the model file "
                                           "(.pt) exported beside it") from None
            if "not in a subdirectory" in str(exc) or "failed locating file data.pkl" in str(exc):
                raise UnreadableFile(path, "a zip archive, but not a PyTorch file") from None
            if "zip archive" in str(exc) or "PytorchStreamReader" in str(exc):
                raise UnreadableFile(path, "cut short or damaged (its archive does not read)") from None
            # PyTorch's own words for an old-format file that lies about its sizes ("[enforce fail at
            # alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: …", "expected %ld got %ld408000000000"; a models pass)
            if "DefaultCPUAllocator" in str(exc) or "wrong byte size" in str(exc):  # "can't allocate memory" here,
                # "not enough memory" on Windows (a review)
                raise UnreadableFile(path, "damaged or made to fill memory (it declares more data than it holds)") \
                    from None
            raise UnreadableFile(path, f"damaged ({str(exc).splitlines()[0][:160]})") from None
        except Exception as exc:  # a foreign file fails deep inside the unpickler in many ways
            first = str(exc).splitlines()[0][:160] if str(exc) else ""
            raise UnreadableFile(path, f"damaged ({type(exc).__name__}{': ' + first if first else ''})") from None


def _check_unpacked_size(path: Path) -> None:
    """Refuse an archive that would unpack to far more than its own size before torch.load allocates it: PyTorch
    stores its entries uncompressed, and a 1 MB file whose data.pkl inflated to 1 GiB was read (2.6 GB of memory)
    and loaded. A zip that does not read is left to torch.load, whose failure is said below."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    size = path.stat().st_size
    if unpacked > 2 * size + UNPACKED_SLACK:
        raise UnreadableFile(path, f"its archive unpacks to {unpacked / 2**20:,.0f} MB from {size / 2**20:,.1f} MB, "
                                   "where PyTorch stores its contents uncompressed (made to fill memory, or damaged)")


UNPACKED_SLACK = 16 * 2**20  # what a legitimately compressed small file may add over twice its size


def _is_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:  # (a character cut at the 512th byte reads as not text: said without the note)
        return False
    return all(c.isprintable() or c in "\t\r\n" for c in text)
