"""Atomic file writes: a reader (or a crash) never sees half a file.

Everything the engine writes that someone may later trust — checkpoints, configs, model
files, converted images — goes through :func:`atomic_path`: data lands in a hidden temp
file in the destination folder, is flushed to disk, and only then renamed over the target.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def atomic_path(target: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temp path beside ``target``; rename it onto ``target`` if the block succeeds.

    The temp file keeps ``target``'s suffix (or ``suffix``) so that writers which pick a
    format from the extension (Pillow, torchvision) still work. On any error the temp file
    is removed and the old ``target``, if any, is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".part" + (suffix if suffix is not None else target.suffix),
        dir=target.parent,
    )
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write_bytes(target: str | Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(target: str | Path, text: str) -> None:
    atomic_write_bytes(target, text.encode("utf-8"))
