"""Open a file or folder with the program the desktop has for it, and say so when there is none."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices


def open_path(path: str | Path) -> str | None:
    """None when it opened; otherwise the sentence to show. Qt only printed "Launch of ... failed" on stderr, so
    Help > Documentation and Open output folder seemed to do nothing on a desktop without a launcher."""
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        return None
    return f"Nothing on this desktop opens {path}: open it from a file manager."
