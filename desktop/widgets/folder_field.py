"""A path field with a Browse button that also accepts folders (or files) dropped on it."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.widgets.layout import PathEdit


class FolderField(QWidget):
    changed = Signal(str)

    def __init__(self, placeholder: str = "", pick_file: bool = False, file_filter: str = "", parent=None):
        super().__init__(parent)
        self.pick_file, self.file_filter = pick_file, file_filter
        self.placeholder = placeholder
        self.edit = PathEdit()
        self.edit.setPlaceholderText(placeholder or ("Choose a file…" if pick_file else "Choose or drop a folder…"))
        self.edit.setClearButtonEnabled(True)
        self.edit.textChanged.connect(self.changed)
        self.browse = QPushButton("Browse…")
        self.browse.clicked.connect(self._browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.browse)
        self.setAcceptDrops(True)
        self.setFocusProxy(self.edit)  # a form label's buddy is this container: its mnemonic reaches the edit

    def showEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        """Named for assistive technology after the form label beside it: a screen reader read Input and Output
        folder both as the bare path, and three buttons all as "Browse…"."""
        super().showEvent(event)
        parent = self.parentWidget()
        label = next((w for w in parent.findChildren(QLabel) if w.buddy() is self), None) if parent else None
        name = label.text().replace("&", "").rstrip(":") if label is not None else self.placeholder
        if name and not self.edit.accessibleName():  # no label (the Add dialog's root): its own placeholder
            self.edit.setAccessibleName(name)
            self.browse.setAccessibleName(f"Browse for {name}")

    def path(self) -> str:
        """The path typed, without spaces pasted around it (kept as typed where that is what exists: a folder named
        "trail " could not be added), a leading ~ as the home folder, and a relative one as under the home folder:
        it was under the folder the app happened to start in (the source tree, under `make run`)."""
        text = self.edit.text()
        home = Path.home()
        path = text if text != text.strip() and (home / text).exists() else text.strip()
        path = os.path.expanduser(path) if path.startswith("~") else path  # "~/photos" was "does not exist"
        return str(home / path) if path and not os.path.isabs(path) else path

    def set_path(self, path: str | Path) -> None:
        self.edit.setText(str(path))

    def _browse(self) -> None:
        start = self.path() or str(Path.home())
        if self.pick_file:
            chosen, _ = QFileDialog.getOpenFileName(self, "Choose a file", start, self.file_filter)
        else:
            chosen = QFileDialog.getExistingDirectory(self, "Choose a folder", start)
        if chosen:
            self.set_path(chosen)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        if self._dropped_path(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        path = self._dropped_path(event.mimeData())
        if path:
            self.set_path(path)
            event.acceptProposedAction()

    def _dropped_path(self, mime) -> str | None:
        if not mime.hasUrls():
            return None
        for url in mime.urls():
            local = Path(url.toLocalFile())
            if (self.pick_file and local.is_file()) or (not self.pick_file and local.is_dir()):
                return str(local)
        return None
