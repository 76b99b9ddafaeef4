"""The gallery of published models: what each does, its size, and a download with progress and cancel."""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QProgressBar,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout)

from desktop.formatting import sentence
from desktop.widgets.announce import OutcomeLabel
from desktop.workers import TrackedThread
from engine.events import Control, Stopped
from engine.imports import PUBLISHED
from engine.library import Library


STOPPING: set[str] = set()  # models whose cancelled download has not ended yet (a read may wait for its server)


class DownloadWorker(TrackedThread):
    """One published model, downloaded and added to the library off the GUI thread."""

    progress = Signal(object)  # DownloadProgress
    done = Signal(str)  # the model file
    failed = Signal(str)

    def __init__(self, library: Library, key: str, parent=None):
        super().__init__(parent)
        self.library, self.key = library, key
        self.control = Control()

    def run(self) -> None:
        self._download()

    def _download(self) -> None:
        try:
            path = self.library.download_published(self.key, self.progress.emit, self.control)
        except Stopped:
            self.failed.emit("Cancelled; what arrived is kept, and the next download continues from it.")
            return
        except Exception as exc:  # the engine's fragment (offline, timeout, full disk, not a generator) as a sentence
            self.failed.emit(sentence(str(exc)))
            return
        self.done.emit(str(path))


class GalleryDialog(QDialog):
    """The reference implementation's published generators; a download adds one to the library."""

    model_added = Signal(str)

    def __init__(self, library: Library, parent=None):
        super().__init__(parent)
        self.library = library
        self.worker: DownloadWorker | None = None
        self.setWindowTitle("Published models")
        self.table = QTableWidget(len(PUBLISHED), 5)
        self.table.setHorizontalHeaderLabels(["Model", "What it does", "Kind", "Size", "In your library"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAccessibleName("Published models")
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the buttons (it went cell to cell)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (0, 2, 3, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.keys = list(PUBLISHED)
        for row, key in enumerate(self.keys):
            model = PUBLISHED[key]
            cells = [key, model.description, "pix2pix" if model.method == "pix2pix" else "CycleGAN",
                     f"{model.size_mb} MB", ""]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(model.url if col == 0 else text)
                self.table.setItem(row, col, item)
        self.table.itemSelectionChanged.connect(self._sync)
        self.table.itemDoubleClicked.connect(lambda _: self.download_selected())
        self.note = QLabel("Generators published with the reference CycleGAN and pix2pix implementation, trained "
                           "at 256 px; each downloads once, on request, from its authors' server.")
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Download progress")
        self.progress.setVisible(False)
        self.status = OutcomeLabel()  # said as it changes: a failed download was silent to a screen reader
        self.status.setWordWrap(True)
        self.download_button = QPushButton("Download")
        self.download_button.setObjectName("primary")
        self.download_button.clicked.connect(self.download_selected)
        self.cancel_button = QPushButton("Cancel download")
        self.cancel_button.clicked.connect(self.cancel)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.download_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(QSize(760, 520).boundedTo(self.screen().availableGeometry().size()))  # 1140x780 at 150 %
        self.refresh()
        self.table.selectRow(0)

    def refresh(self) -> None:
        """Which are in the library, by what their files say: a model of the person's own named horse2zebra was
        taken for the published one, and it could not be downloaded (a models pass)."""
        self._copies = {key: self.library.published_copy(key) for key in self.keys}
        for row, key in enumerate(self.keys):
            copy = self._copies[key]
            self.table.item(row, 4).setText("" if copy is None else "yes" if copy.stem == key else f"as {copy.stem}")
        self._sync()

    def selected_key(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.keys[rows[0].row()] if rows else None

    def _sync(self) -> None:
        key, busy = self.selected_key(), self.worker is not None
        have = key is not None and self._copies.get(key) is not None
        on_buttons = self.download_button.hasFocus() or self.cancel_button.hasFocus()
        self.cancel_button.setEnabled(busy)  # first: Download disabled before it sent the focus on to Close, and a
        # second press closed the dialog and cancelled the download (a keyboard pass)
        self.download_button.setEnabled(key is not None and not busy and not have and key not in STOPPING)
        self.download_button.setText("In your library" if have else "Download")
        if on_buttons:
            (self.cancel_button if busy else self.download_button if self.download_button.isEnabled()
             else self.table).setFocus()

    def download_selected(self) -> None:
        key = self.selected_key()
        if key is None or self.worker is not None or self._copies.get(key) is not None:
            return
        if key in STOPPING:  # a second download would have written into the same partial file
            self.status.setText(f"The cancelled download of {key} is still ending; try again in a moment.")
            return
        self.worker = DownloadWorker(self.library, key, self)
        self.worker.progress.connect(self._on_progress)
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self.worker.finished.connect(self._worker_finished)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status.setText(f"Downloading {key}…")
        self.worker.start()
        self._sync()

    def _on_progress(self, p) -> None:
        if self.worker is not None and not p.done:
            self.status.setText(f"Downloading {self.worker.key}: connected, waiting for the first bytes…")
        elif self.worker is not None and self.status.text().endswith("waiting for the first bytes…"):
            self.status.setText(f"Downloading {self.worker.key}…")  # it said "waiting" over a bar at 2.1 of 46 MB
        if p.total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * p.done / p.total))
            self.progress.setFormat(f"{p.done / 1e6:.1f} of {p.total / 1e6:.1f} MB")

    def _on_failed(self, text: str) -> None:
        if self.sender() is not self.worker:  # a download cancelled since: its news, queued before, is old
            return
        self.status.setText(text, failed=True)

    def _on_done(self, path: str) -> None:
        self.status.setText(f"Added to your library: {path}. It is on the Convert page now.")
        self.model_added.emit(path)

    def _worker_finished(self) -> None:
        self.worker = None
        self.progress.setVisible(False)
        self.refresh()

    def cancel(self) -> None:
        """Cancelled at once here (Cancel did nothing visible for 30 s); the download itself ends as soon as its
        connection is shut, or, still connecting to a host that does not answer, at its timeout."""
        if self.worker is None:
            return
        worker, self.worker = self.worker, None
        STOPPING.add(worker.key)  # before the stop, and cleared on the GUI thread when it ends: cleared first by the
        # worker, then added here, it stayed for good and Download with it
        worker.finished.connect(lambda key=worker.key: STOPPING.discard(key))
        worker.progress.disconnect(self._on_progress)  # its news is old now: the dialog has moved on
        worker.done.disconnect(self._on_done)
        worker.failed.disconnect(self._on_failed)
        worker.finished.disconnect(self._worker_finished)
        worker.control.stop()  # after: its "Cancelled" sent between a stop and the disconnects replaced this line's
        worker.finished.connect(self.refresh)  # Download comes back once it has ended
        worker.done.connect(self.model_added)  # its last read done, it was added after all: the pages hear of it
        if worker.isFinished():  # it ended before this: its finished signal will not come again
            STOPPING.discard(worker.key)
        self.status.setText("Cancelled; what arrived is kept, and the next download continues from it.")
        self.progress.setVisible(False)
        self._sync()

    def done(self, result: int) -> None:
        """Closed (Close, Esc or the title bar's x): a download in flight is cancelled, its part kept for next
        time. Esc closed the dialog and the download went on unseen, till closing the app aborted it."""
        self.cancel()
        super().done(result)

    def key_rows(self) -> dict[str, int]:
        return {key: row for row, key in enumerate(self.keys)}

    def select(self, key: str) -> None:
        self.table.selectRow(self.key_rows()[key])
        self.table.scrollToItem(self.table.item(self.key_rows()[key], 0), QAbstractItemView.ScrollHint.EnsureVisible)
