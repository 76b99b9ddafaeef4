"""Convert page: a model, a direction, two folders, options; progress, preview and failures."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QListWidget, QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from desktop.widgets.layout import split_page
from desktop.pages.train import format_duration
from desktop.widgets.folder_field import FolderField
from desktop.widgets.images import BeforeAfter
from desktop.workers import ConvertWorker
from engine.config import ConvertConfig
from engine.convert import check_folders
from engine.events import ConvertProgress, ConvertSummary, FileDone, FileFailed
from engine.library import Library
from engine.resources import demo_images_dir


class ConvertPage(QWidget):
    busy_changed = Signal(bool)
    models_changed = Signal()

    def __init__(self, library: Library, parent=None):
        super().__init__(parent)
        self.library = library
        self.worker: ConvertWorker | None = None
        self.model = QComboBox()
        self.model.setMinimumContentsLength(28)
        self.model.currentIndexChanged.connect(self._sync_direction)
        self.model_file = QPushButton("Model file…")
        self.model_file.clicked.connect(self.pick_model_file)
        self.direction = QComboBox()
        self.direction.addItems(["AtoB", "BtoA"])
        self.input = FolderField("Folder of images to convert")
        self.output = FolderField("Folder for the results")
        self.recursive = QCheckBox("Include sub-folders")
        self.recursive.setChecked(True)
        self.format = QComboBox()
        self.format.addItems(["keep", "png", "jpg", "webp"])
        self.skip_existing = QCheckBox("Skip images already converted")
        self.tile = QSpinBox()
        self.tile.setRange(0, 4096)
        self.tile.setSingleStep(64)
        self.tile.setSpecialValueText("automatic")
        self.tile.setSuffix(" px")
        self.work_size = QSpinBox()
        self.work_size.setRange(0, 8192)
        self.work_size.setSingleStep(64)
        self.work_size.setSpecialValueText("full size")
        self.work_size.setSuffix(" px")
        self.work_size.setToolTip("Translate large photos at this size (their long side) and scale the result "
                                  "back up. Models trained at 256 px, as the published ones are, often give their "
                                  "look at 512-1024 px; at full size they can change it")
        self.gallery_button = QPushButton("Published…")
        self.gallery_button.setToolTip("Download a generator published with the reference implementation")
        self.gallery_button.clicked.connect(self.open_gallery)
        self.demo_button = QPushButton("Demo images")
        self.demo_button.setToolTip("Convert the photos that ship with the app")
        self.demo_button.clicked.connect(self.use_demo_images)
        self.demo_button.setVisible(demo_images_dir().is_dir())
        input_row = QHBoxLayout()
        input_row.addWidget(self.input, 1)
        input_row.addWidget(self.demo_button)
        model_row = QHBoxLayout()
        model_row.addWidget(self.model, 1)
        model_row.addWidget(self.model_file)
        model_row.addWidget(self.gallery_button)
        form = QFormLayout()
        form.addRow("Model", model_row)
        form.addRow("Direction", self.direction)
        form.addRow("Input folder", input_row)
        form.addRow("Output folder", self.output)
        form.addRow("Format", self.format)
        form.addRow("Tile size", self.tile)
        form.addRow("Work at", self.work_size)
        form.addRow("", self.recursive)
        form.addRow("", self.skip_existing)
        box = QGroupBox("Convert a folder")
        box.setLayout(form)

        self.start_button = QPushButton("Convert")
        self.start_button.setObjectName("primary")
        self.start_button.setShortcut("Ctrl+Return")
        self.start_button.setToolTip("Convert the folder (Ctrl+Enter)")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setShortcut("Esc")
        self.cancel_button.clicked.connect(self.cancel)
        self.open_button = QPushButton("Open output folder")
        self.open_button.clicked.connect(self.open_output)
        buttons = QHBoxLayout()
        for b in (self.start_button, self.cancel_button, self.open_button):
            buttons.addWidget(b)

        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.progress = QProgressBar()
        self.status = QLabel("Pick a model and two folders.")
        self.status.setObjectName("status")
        self.failures = QListWidget()
        self.failures.setMaximumHeight(140)
        self.failures_label = QLabel("Failed files")
        self.preview = BeforeAfter()
        # a fast batch finishes many files a second: show the newest at most every 250 ms
        self._latest_pair: tuple[str, str] | None = None
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(250)
        self._preview_timer.timeout.connect(self._show_latest_pair)

        left = QVBoxLayout()
        left.addWidget(box)
        left.addLayout(buttons)
        left.addWidget(self.error)
        left.addWidget(self.failures_label)
        left.addWidget(self.failures)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.status)
        right.addWidget(self.progress)
        right.addWidget(self.preview, 1)
        split_page(self, left, right, (420, 700))
        self.refresh()
        self._set_running(False)
        self._show_failures(False)
        if not self.input.path() and demo_images_dir().is_dir():
            self.use_demo_images()  # first start: something real to convert right away

    def use_demo_images(self) -> None:
        """Point the page at the shipped photos, with an output folder in the library."""
        self.input.set_path(str(demo_images_dir()))
        if not self.output.path() or Path(self.output.path()).resolve().is_relative_to(demo_images_dir().resolve()):
            self.output.set_path(str(self.library.root / "outputs" / "demo"))

    def form_fields(self) -> dict:
        return {"model": self.model, "direction": self.direction, "input": self.input, "output": self.output,
                "recursive": self.recursive, "format": self.format, "skip_existing": self.skip_existing,
                "tile": self.tile, "work_size": self.work_size}

    # ---------------------------------------------------------- models
    def refresh(self) -> None:
        current = self.model.currentData()
        self.model.blockSignals(True)
        self.model.clear()
        for path in self.library.builtin_models():
            self.model.addItem(f"Demo: {path.stem} (built in)", str(path))
        for path in self.library.models():
            self.model.addItem(f"Model: {path.stem}", str(path))
        for run in self.library.runs():
            self.model.addItem(f"Run: {run.name}", str(run))
        self.model.blockSignals(False)
        own = self.model.count() > len(self.library.builtin_models())
        self.gallery_button.setObjectName("" if own else "primary")  # no model of your own yet: offer the gallery
        self.gallery_button.style().unpolish(self.gallery_button)
        self.gallery_button.style().polish(self.gallery_button)
        if current:
            self.select_model(current)
        self._sync_direction()

    def open_gallery(self) -> None:
        from desktop.widgets.gallery import GalleryDialog

        dialog = GalleryDialog(self.library, self)
        dialog.model_added.connect(lambda path: (self.refresh(), self.select_model(path), self.models_changed.emit()))
        dialog.exec()

    def select_model(self, source: str) -> None:
        i = self.model.findData(source)
        if i < 0:
            self.model.addItem(f"File: {Path(source).name}", source)
            i = self.model.count() - 1
        self.model.setCurrentIndex(i)

    def pick_model_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a model file", str(Path.home()),
                                              "Models (*.pt *.safetensors)")
        if path:
            self.select_model(path)

    def _sync_direction(self) -> None:
        source = self.model.currentData()
        is_run = bool(source) and Path(source).is_dir()
        self.direction.setEnabled(is_run)  # a model file has one direction baked in
        if not is_run:
            self.direction.setCurrentText("AtoB")

    # --------------------------------------------------------- actions
    def options(self) -> ConvertConfig:
        return ConvertConfig(direction=self.direction.currentText(), recursive=self.recursive.isChecked(),
                             format=self.format.currentText(), skip_existing=self.skip_existing.isChecked(),
                             tile=self.tile.value(), work_size=self.work_size.value())

    def validate(self) -> str | None:
        if not self.model.currentData():
            return "choose a model: train one, import one on the Models page, or pick a model file"
        if not self.input.path():
            return "choose the folder of images to convert"
        if not self.output.path():
            return "choose an output folder"
        try:
            check_folders(Path(self.input.path()), Path(self.output.path()))
            self.options().validate()
        except ValueError as exc:
            return str(exc)
        return None

    def start(self) -> None:
        if self.worker is not None:
            return
        problem = self.validate()
        if problem:
            self.error.setText(problem[0].upper() + problem[1:])
            return
        self.error.clear()
        self.failures.clear()
        self._show_failures(False)
        self.progress.setValue(0)
        self.status.setText("Loading the model…")
        worker = ConvertWorker(self.model.currentData(), self.direction.currentText(), self.input.path(),
                               self.output.path(), self.options(), parent=self)
        worker.progress.connect(self.on_progress)
        worker.file_done.connect(self.on_file_done)
        worker.file_failed.connect(self.on_file_failed)
        worker.finished_all.connect(self.on_finished)
        worker.failed.connect(self.on_failed)
        worker.finished.connect(self._worker_done)
        self.worker = worker
        self._set_running(True)
        worker.start()

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.control.stop()
            self.status.setText("Cancelling after the current batch…")

    def shutdown(self) -> None:
        if self.worker is not None:
            self.worker.control.stop()
            self.worker.wait(30000)

    def open_output(self) -> None:
        if self.output.path():
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.output.path()))

    # ----------------------------------------------------------- slots
    def on_progress(self, p: ConvertProgress) -> None:
        self.progress.setMaximum(max(p.total, 1))
        self.progress.setValue(p.done)
        self.status.setText(f"{p.done} / {p.total} images · {p.images_per_s:.2f} img/s · ETA {format_duration(p.eta_s)}")

    def on_file_done(self, e: FileDone) -> None:
        self._latest_pair = (e.source, e.output)
        if not self._preview_timer.isActive():
            self._preview_timer.start()

    def _show_latest_pair(self) -> None:
        if self._latest_pair is not None:
            self.preview.show_pair(*self._latest_pair)
            self._latest_pair = None

    def on_file_failed(self, e: FileFailed) -> None:
        self.failures.addItem(f"{Path(e.source).name}: {e.reason}")
        self.failures_label.setText(f"Failed files ({self.failures.count()})")
        self._show_failures(True)

    def _show_failures(self, visible: bool) -> None:
        self.failures_label.setVisible(visible)
        self.failures.setVisible(visible)

    def on_finished(self, s: ConvertSummary) -> None:
        self._preview_timer.stop()
        self._show_latest_pair()  # the last file converted, without waiting for the timer
        if s.total == 0 and not s.error:
            self.progress.setMaximum(1)
            self.progress.setValue(1)
        parts = [f"{s.converted} converted"]
        if s.skipped:
            parts.append(f"{s.skipped} already there")
        if s.failed:
            parts.append(f"{len(s.failed)} failed")
        text = ", ".join(parts) + f" in {format_duration(s.seconds)}"
        if s.cancelled:
            text = "Cancelled: " + text + ". Tick “Skip images already converted” to continue later."
        self.status.setText(text + ".")
        if s.error:
            self.error.setText(s.error)
        self.open_button.setEnabled(True)

    def on_failed(self, reason: str) -> None:
        self.error.setText(reason)
        self.status.setText("Conversion did not start.")

    def _worker_done(self) -> None:
        self.worker = None
        self._set_running(False)

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.open_button.setEnabled(not running and bool(self.output.path()) and Path(self.output.path()).is_dir())
        self.busy_changed.emit(running)
