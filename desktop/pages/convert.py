"""Convert page: a model, a direction, two folders and options; progress, a before/after view,
every converted file to browse, a one-image preview, and a queue of conversions.

The engine does the work (engine/convert.py); this page gathers the options, asks before
overwriting, and shows what happened.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import QTimer, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QLineEdit, QListWidget, QListWidgetItem, QMessageBox, QProgressBar, QPushButton,
                               QSpinBox, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from desktop.formatting import (clause, counted, domain_name, file_name_on_one_line, format_took,
                                format_time_left, sentence)
from desktop.opener import open_path
from desktop.widgets.announce import announce
from desktop.widgets.compare import CompareView
from desktop.widgets.folder_field import FolderField
from desktop.widgets.images import array_to_qimage, read_pair_for_view
from desktop.widgets.layout import ElidedComboBox, ElidedLabel, fit_to_width, split_page
from desktop.widgets.run_view import MessageLabel
from desktop.widgets.shortcuts import bind_delete_key, bind_start_keys
from desktop.workers import CallWorker, ConvertWorker
from engine.config import ConvertConfig
from engine.convert import blend, check_folders, output_taken, plan, split_by_results_there
from engine.data import list_images
from engine.events import ConvertProgress, ConvertSummary, FileDone, FileFailed
from engine.library import Library
from engine.resources import demo_images_dir
from engine.rundir import RunDir, held_out_folder

OK, FAILED = "✓", "✗"
READY = "Ready to convert."  # until the pictures are counted


@dataclass
class Job:
    """One conversion: what the form said when it was started or queued."""
    model: str
    model_label: str
    direction: str
    input: str
    output: str
    options: ConvertConfig
    direction_label: str = ""  # "warm → photo", for a run that goes both ways: its two queued jobs read alike

    def work(self) -> tuple:
        """What the job makes: the answer about results already there aside, which the running job's options take
        when it starts (its copy in the form, queued again, passed for another job; a review)."""
        return (self.model, self.direction, self.input, self.output,
                replace(self.options, skip_existing=False, replace_existing=False))

    def describe(self, full: bool = False) -> str:
        """One line: the folders by name, as the input was (an output's whole path beside an input's name read as
        two kinds of thing; a new-user pass), or ``full``: by their whole paths, for a tooltip."""
        strength = f" at {round(self.options.strength * 100)} %" if self.options.strength != 1.0 else ""
        suffix = f" (names + “{self.options.suffix}”)" if self.options.suffix else ""
        source, target = (self.input, self.output) if full else (Path(self.input).name, Path(self.output).name)
        way = f" ({self.direction_label})" if self.direction_label else ""
        return f"{self.model_label}{way}{strength}: {source} → {target}{suffix}"


def what_convert_would_do(src: Path, dst: Path, options: ConvertConfig) -> str:
    """The status line's count of what Convert would convert (off the window's thread: planning 20,000 pictures
    takes 1.5 s); with Skip images already converted, those there already are counted apart: "Ready to convert 4
    images." stood for four results all there, and the run then converted none (a Convert pass)."""
    jobs = plan(src, dst, options).jobs
    todo, there, kept = split_by_results_there(jobs) if options.skip_existing else (jobs, 0, [])
    if there and not todo and not kept:
        return f"Nothing to convert: {counted(there, 'result')} of this folder are there already."
    # a result cut short, or someone's file in a result's place, is neither converted nor skipped: it was counted
    # as "there already" (a crash pass)
    also = "; ".join(filter(None, (f"{counted(there, 'result')} already there {'is' if there == 1 else 'are'} "
                                   "skipped" if there else "",
                                   f"{len(kept):,} cannot be written over" if kept else "")))
    return f"Ready to convert {counted(len(todo), 'image')}" + (f" ({also})." if also else ".")


def preview_one(model_source: str, direction: str, image_path: str | None, folder: str, options: ConvertConfig):
    """Translate one image in memory (nothing is written), for the Preview button: its name, the input and the result
    at full strength, uint8 (C, H, W), so that the page can show any strength without translating again, and the
    photo's pixels per pixel of them (a photo over 1600 px is previewed smaller: its 1:1 is the photo's). Without
    ``image_path``, the folder's first image (found here, off the GUI thread: a large tree froze the window)."""
    import torch
    from torchvision.transforms.v2 import functional as TF

    from engine.convert import Translator
    from engine.data import NoReadableImage, first_readable, load_image, unreadable_reason
    from engine.modelfile import load_model

    model = load_model(model_source, direction)
    if image_path is None:  # the first that can be read: a damaged first file failed the preview of the whole folder
        images = list_images(folder, options.recursive)
        if not images:
            raise ValueError("the input folder has no images")
        try:
            image_path, image = first_readable(images, lambda path: (str(path), load_image(path, model.channels)),
                                               where="in the input folder")
        except NoReadableImage as exc:
            raise ValueError(str(exc)) from None
    else:
        try:
            image = load_image(image_path, model.channels)
        except Exception as exc:  # noqa: BLE001 - Pillow's words ("could be decompression bomb DOS attack") were shown
            raise ValueError(f"{Path(image_path).name}: {unreadable_reason(exc)}") from None
    longest = max(image.size)
    image.thumbnail((1600, 1600))  # a preview: at most 1600 px, whatever the photo
    translator = Translator(model, options.device, options.tile, options.overlap, options.max_pixels,
                            work_size=options.work_size)
    pixels = TF.pil_to_tensor(image)[None]
    with torch.inference_mode():
        out = translator(pixels)[0]
    return Path(image_path).name, pixels[0], out, max(1.0, longest / max(image.size))  # and its detail


class ConvertPage(QWidget):
    busy_changed = Signal(bool)
    models_changed = Signal()
    finished_long = Signal(str)  # a conversion that took a while finished: the summary, for a notification

    def __init__(self, library: Library, parent=None):
        super().__init__(parent)
        self.library = library
        self.worker: ConvertWorker | None = None
        self._checking: CallWorker | None = None  # looks for a job's earlier results before it starts
        self._refresh_when_done = False  # the library changed while a conversion ran
        self.queue: list[Job] = []
        self._queue_held = False  # a cancel holds the queue until Start the queue: it started the next at once
        self._in_a_row: list[ConvertSummary] = []  # the conversions run one after another, for the queue's summary
        self.current_job: Job | None = None
        self._preview_worker: CallWorker | None = None
        self._model_source: str | None = None  # the model the form was last set for
        self._proposed_output = ""  # the output folder proposed for it, followed while the user leaves it
        # name, input, full-strength result (C, H, W), and the photo's pixels per pixel of the preview
        self._previewed: tuple[str, object, object, float] | None = None
        self._settings_version = 0  # a preview that finishes after the settings changed is not shown
        self._keep_results = False  # while the model list is redone without the model of the results shown
        self._unusable: dict[str, tuple[int, str]] = {}  # model files that did not load: their mtime, the reason
        self._failed_count = 0  # files of the list that failed
        self._view_reader: CallWorker | None = None  # reads a converted file and its input for the view
        self._view_wanted: tuple[str, str, int] | None = None  # the pair to read next (the latest asked for wins)
        self._view_request = 0  # a pair read for an earlier request is not shown
        self._results_in = ""  # the output folder of the results the file list shows (the form may name another)
        self._planning: CallWorker | None = None  # counts what Convert would convert, for the status line
        self._plan_again = False  # the settings changed while it counted

        # ---- the form
        self.model = ElidedComboBox()
        self.model.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model.setMinimumContentsLength(16)
        self.model.currentIndexChanged.connect(self._model_changed)
        self.model_file = QPushButton("Model file…")
        self.model_file.setToolTip("Convert with a model file from disk, without adding it to the library")
        self.model_file.clicked.connect(self.pick_model_file)
        self.gallery_button = QPushButton("Published models…")  # its name in the menu and on the Models page
        self.gallery_button.setToolTip("Published models: download a generator published with the reference "
                                       "implementation")
        self.gallery_button.clicked.connect(self.open_gallery)
        self.direction = QComboBox()
        self.direction.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.direction.addItem("A → B", "AtoB")
        self.direction.addItem("B → A", "BtoA")
        self.direction.currentIndexChanged.connect(self._settings_changed)
        self.strength = QSpinBox()
        self.strength.setRange(1, 200)
        self.strength.setSingleStep(10)
        self.strength.setSuffix(" %")
        self.strength.setValue(round(ConvertConfig().strength * 100))
        self.strength.setToolTip("How much of the model's change to apply: 100 % all of it, 50 % half (each result "
                                 "blended with its input), up to 200 % for twice the change. A preview follows it "
                                 "at once")
        self.strength.valueChanged.connect(self._strength_changed)
        self.input = FolderField("Folder of images to convert")
        self.output = FolderField("Folder for the results")
        self.input.changed.connect(self._settings_changed)
        self.output.changed.connect(self._settings_changed)
        self.recursive = QCheckBox("Include sub-folders")
        self.recursive.setChecked(True)
        # the fields below had no tooltip, and "keep" or "automatic" said nothing by themselves (a new-user pass)
        self.recursive.setToolTip("Convert the pictures of the folders inside too; the results keep their layout")
        self.format = QComboBox()
        self.format.addItems(["keep", "png", "jpg", "webp"])
        self.format.setToolTip("keep: each result in its input's format (JPEG stays JPEG; GIF and the like become "
                               "PNG); or every result as PNG, JPEG or WebP")
        self.format.currentTextChanged.connect(self._sync_quality)
        self.quality = QSpinBox()
        self.quality.setRange(1, 100)
        self.quality.setValue(ConvertConfig().quality)
        self.quality.setToolTip("JPEG and WebP quality (1-100)")
        self.suffix = QLineEdit()
        self.suffix.setPlaceholderText("none, e.g. _monet")
        self.suffix.setToolTip("Added to each output's name: photo.jpg becomes photo_monet.jpg")
        self.suffix.textChanged.connect(self._settings_changed)
        self.skip_existing = QCheckBox("Skip images already converted")
        self.skip_existing.toggled.connect(self._count_again)  # it changes what the status line counts
        self.skip_existing.setToolTip("Leave out the pictures whose result is in the output folder already: a "
                                      "conversion stopped part way goes on where it ended")
        self.tile = QSpinBox()
        self.tile.setRange(0, 4096)
        self.tile.setSingleStep(64)
        self.tile.setSpecialValueText("automatic")
        self.tile.setSuffix(" px")
        self.tile.setToolTip("Convert in square tiles of this size, blended at their seams, to fit the memory. "
                             f"automatic: only pictures of more than {ConvertConfig().max_pixels / 1e6:g} megapixels "
                             "are tiled")
        self.work_size = QSpinBox()
        self.work_size.setRange(0, 8192)
        self.work_size.setSingleStep(64)
        self.work_size.setSpecialValueText("full size")
        self.work_size.setSuffix(" px")
        for box in (self.tile, self.work_size):  # both change the results
            box.valueChanged.connect(self._settings_changed)
        self.work_size.setToolTip("Convert large photos at this size (their long side) and scale the result "
                                  "back up. Models trained at 256 px, as the published ones are, often give their "
                                  "look at 512-1024 px; at full size they can change it")
        self.demo_button = QPushButton("Demo images")
        self.demo_button.setToolTip("Convert the photos that ship with the app")
        self.demo_button.clicked.connect(self.use_demo_images)
        self.demo_button.setVisible(demo_images_dir().is_dir())
        model_buttons = QHBoxLayout()
        model_buttons.addWidget(self.model_file)
        model_buttons.addWidget(self.gallery_button)
        model_buttons.addStretch(1)
        form = QFormLayout()
        form.addRow("Model", self.model)
        form.addRow("", model_buttons)
        form.addRow("Direction", self.direction)
        form.addRow("Strength", self.strength)
        form.addRow("Input folder", self.input)
        form.addRow("", self.demo_button)
        form.addRow("Output folder", self.output)
        form.addRow("Format", self.format)
        form.addRow("Quality", self.quality)
        form.addRow("Name suffix", self.suffix)
        form.addRow("Tile size", self.tile)
        form.addRow("Convert at", self.work_size)  # "Work at: full size" was jargon (a new-user pass)
        form.addRow("", self.recursive)
        form.addRow("", self.skip_existing)
        box = QGroupBox("Convert a folder")
        box.setLayout(form)

        self.start_button = QPushButton("Convert")
        self.start_button.setObjectName("primary")
        bind_start_keys(self.start_button, self)
        self.start_button.setToolTip("Convert the folder (Ctrl+Enter)")
        self.start_button.clicked.connect(self.start)
        self.preview_button = QPushButton("Preview one")
        self.preview_button.setToolTip("Convert one image of the folder (the selected file, or the first) without "
                                       "writing anything")
        self.preview_button.clicked.connect(self.preview_image)
        self.queue_button = QPushButton("Add to queue")
        self.queue_button.setToolTip("Convert this after what is running (several folders or models, one by one; "
                                     "at once when nothing is)")
        self.queue_button.clicked.connect(self.add_to_queue)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setShortcut("Esc")
        self.cancel_button.clicked.connect(self.cancel)
        self.open_button = QPushButton("Open output folder")
        self.open_button.clicked.connect(self.open_output)
        buttons = QHBoxLayout()
        for b in (self.start_button, self.preview_button, self.queue_button):
            buttons.addWidget(b)
        buttons2 = QHBoxLayout()
        for b in (self.cancel_button, self.open_button):
            buttons2.addWidget(b)
        self.error = MessageLabel("error")
        self.queue_list = fit_to_width(QListWidget())  # a long row grew a sideways scroll bar over itself
        self.queue_list.setAccessibleName("Queued conversions")
        self.remove_queued = QPushButton("Remove from queue")
        self.remove_queued.clicked.connect(self.remove_selected_job)
        bind_delete_key(self.queue_list, self.remove_queued)  # as in the lists of datasets and models (a keyboard pass)
        self.queue_list.currentRowChanged.connect(  # on with a job picked only: it did nothing unsaid with none
            lambda row: self.remove_queued.setEnabled(row >= 0))
        self.start_queue = QPushButton("Start the queue")
        self.start_queue.setToolTip("Convert what is queued, one after another (a cancelled conversion holds the "
                                    "queue)")
        self.start_queue.clicked.connect(self.run_queue)
        self.queue_box = QWidget()  # a tab beside the files: under the form, 4 queued rows needed a scroll to see
        queue_layout = QVBoxLayout(self.queue_box)  # and Remove was below the fold at 1024x700 (a Convert page pass)
        queue_layout.setContentsMargins(0, 0, 0, 0)
        queue_layout.addWidget(self.queue_list)
        queue_layout.addWidget(self.remove_queued)

        left = QVBoxLayout()
        left.addWidget(box)
        left.addStretch(1)
        footer = QVBoxLayout()  # under the scrolling form: at 125 % scale Convert was below the fold
        footer.addWidget(self.error)  # above the buttons, so that a message appearing never moves them
        footer.addLayout(buttons)
        footer.addLayout(buttons2)
        footer.addWidget(self.start_queue)  # in the form's box it was below the fold at 1024x700 after a Cancel,
        # the one way on for a queue the Cancel held (a new-user pass)

        # ---- what happened
        self.status = ElidedLabel("Pick a model and two folders.")
        self.status.setObjectName("status")
        self.progress = QProgressBar()
        self.progress.setFormat("%p %")  # as the Train page writes it ("100%" here, "60 %" there)
        self.progress.setAccessibleName("Conversion progress")
        self.preview = CompareView()
        self.files = fit_to_width(QListWidget(), Qt.TextElideMode.ElideRight)  # ✓ converted, ✗ failed: why
        self.files.setToolTip("Each file of this conversion; pick one to compare it")
        self.files.setAccessibleName("Files converted")
        self.files.currentItemChanged.connect(lambda item, _: item and self.show_file(item))
        self.lists = QTabWidget()  # the files of this conversion, and the conversions queued after it
        self.lists.addTab(self.files, "Files")
        self.lists.addTab(self.queue_box, "Queue")
        views = QSplitter(Qt.Orientation.Vertical)
        views.addWidget(self.preview)
        views.addWidget(self.lists)
        views.setStretchFactor(0, 4)
        views.setStretchFactor(1, 1)
        views.setChildrenCollapsible(False)
        right = QVBoxLayout()
        right.addWidget(self.status)
        right.addWidget(self.progress)
        right.addWidget(views, 1)
        split_page(self, left, right, (470, 610), scroll_right=False, left_footer=footer)  # room for the paths
        # a fast batch finishes many files a second: show the newest at most every 250 ms
        self._latest_pair: tuple[str, str] | None = None
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(250)
        self._preview_timer.timeout.connect(self._show_latest_pair)
        self.refresh()
        self._sync_quality()
        self._set_running(False)
        self._sync_queue()
        if not self.input.path() and demo_images_dir().is_dir():
            self.use_demo_images()  # first start: something real to convert right away

    # compatibility with callers that read the failures (every failed file is in the file list)
    @property
    def failures(self) -> list[str]:
        return [self.files.item(i).text() for i in range(self.files.count())
                if self.files.item(i).text().startswith(FAILED)]

    def use_demo_images(self) -> None:
        """Point the page at the shipped photos, with an output folder in the library."""
        self.input.set_path(str(demo_images_dir()))
        if not self.output.path() or Path(self.output.path()).resolve().is_relative_to(demo_images_dir().resolve()):
            self.output.set_path(str(self.library.root / "outputs" / "demo"))

    def follow_moved_demo_images(self) -> None:
        """The shipped photos, chosen in another copy of the app (an older version installed elsewhere, a bundle
        moved), were restored as a folder that is gone, and Convert said it did not exist: this copy's take over."""
        saved, here = self.input.path(), demo_images_dir()
        if saved and not os.path.exists(saved) and here.is_dir() and Path(saved).parts[-3:] == here.parts[-3:]:
            self.input.set_path(str(here))

    def form_fields(self) -> dict:
        """The fields kept between starts; not the strength, a judgement on one model's look that must not carry
        over unseen to another."""
        return {"model": self.model, "direction": self.direction, "input": self.input, "output": self.output,
                "recursive": self.recursive, "format": self.format, "skip_existing": self.skip_existing,
                "tile": self.tile, "work_size": self.work_size, "quality": self.quality, "suffix": self.suffix}

    # ---------------------------------------------------------- models
    def refresh(self) -> None:
        """List the models; a list that has not changed is left alone, and so is what the last conversion shows
        (going to another page and back emptied its file list). Put off while a conversion runs: its model deleted
        on the Models page emptied the Model box and the Output folder mid-run, and its results could not be
        opened from here."""
        self._drop_queued_whose_model_is_gone()
        if self.busy:
            self._refresh_when_done = True
            return
        self._refresh_when_done = False
        current = self.model.currentData()
        items = [(f"Demo: {path.stem} (built in)", str(path)) for path in self.library.builtin_models()]
        items += [(f"Model: {path.stem}", str(path)) for path in self.library.models()]
        items += [(f"Run: {run.name}", str(run)) for run in self.library.runs()]
        if current and current not in [data for _, data in items] and Path(current).exists():
            items.append((f"File: {Path(current).name}", current))  # a file chosen with Model file…
        if items == [(self.model.itemText(i), self.model.itemData(i)) for i in range(self.model.count())]:
            return
        label = self.model.currentText()
        self.model.blockSignals(True)
        self.model.clear()
        for label_, data in items:
            self.model.addItem(label_, data)
        if current:
            self.model.setCurrentIndex(self.model.findData(current))
        self.model.blockSignals(False)
        if self.model.currentData() != current:
            # its model deleted, a conversion's results stay: they went, its summary and files with them, and Open
            # output opened nothing (a Convert page pass)
            keep = self._keep_results = not self.model.currentData() and self.files.count() > 0
            try:
                self._model_changed()
            finally:
                self._keep_results = False
            if current and self.model.currentData() is None and not keep:  # "Choose a model in the list." did not
                self.status.setText(f"The model chosen ({label}) is no longer there: choose one.")  # say which went

    def model_gone(self, label: str) -> None:
        """The model chosen last time is no longer listed: none is chosen, and that is said. The demo took its place
        unsaid, and a folder was converted with the demo's look."""
        self.model.setCurrentIndex(-1)
        self.status.setText(f"The model chosen last time ({label}) is no longer there: choose one.")

    def follow_rename(self, old: str, new: str) -> None:
        """A model or run renamed on the Models page stays the one chosen here, under its new name (it stayed
        chosen under its old path, which no longer existed)."""
        if any(job.model == old for job in self.queue):  # queued under the old name, it failed when its turn came
            label = f"Run: {Path(new).name}" if Path(new).is_dir() else f"Model: {Path(new).stem}"
            self.queue = [replace(job, model=new, model_label=label) if job.model == old else job
                          for job in self.queue]
            self._sync_queue()
        chosen = self.model.currentData() == old
        direction = self.direction.currentData()  # a run renamed came back on A → B, whatever was chosen (a pass)
        self.refresh()
        if chosen:
            self.select_model(new, direction)

    def uses_of(self, model: str) -> str:
        """What deleting ``model`` does here, a sentence or two ("" if nothing): it was deleted mid-conversion
        without a word (a Convert page pass)."""
        running = self.worker is not None and self.current_job is not None and self.current_job.model == model
        queued = sum(job.model == model for job in self.queue)
        return (("It is converting on the Convert page now; that conversion goes on to its end. " if running else "")
                + (f"{queued} queued conversion(s) with it will leave the queue. " if queued else ""))

    def _drop_queued_whose_model_is_gone(self) -> None:
        """Queued conversions whose model was deleted (on the Models page, or outside the app) leave the queue, said:
        they stayed, and failed when their turn came ("… does not exist")."""
        gone = [job for job in self.queue if not os.path.exists(job.model)]
        if gone:
            self.queue = [job for job in self.queue if job not in gone]
            self._sync_queue()
            self.error.setText(f"Taken off the queue, as its model is gone: {'; '.join(j.describe() for j in gone)}.")

    def open_gallery(self) -> None:
        from desktop.widgets.gallery import GalleryDialog

        dialog = GalleryDialog(self.library, self)
        dialog.model_added.connect(lambda path: (self.refresh(), self.select_model(path), self.models_changed.emit()))
        dialog.exec()

    def offer_model(self, source: str) -> bool:
        """A run just trained, chosen to convert with, unless a conversion runs (whether it was): the Train page said
        "Convert with it now." and Convert still had the model of before, the new run one more entry in its list (a
        new-user pass)."""
        if self.busy:
            return False
        self.refresh()
        self.select_model(source)
        on_demo = self.input.path() and Path(self.input.path()).resolve() == demo_images_dir().resolve()
        if on_demo and (held_out := held_out_folder(source, self.direction.currentData() or "AtoB")) is not None:
            self.input.set_path(str(held_out))  # its own test pictures, not the demo photos (a user's choice stays)
        return True

    def select_model(self, source: str, direction: str = "") -> None:
        """Choose ``source``, in ``direction`` ("AtoB", "BtoA") where the model can go both ways."""
        i = self.model.findData(source)
        if i < 0:
            self.model.addItem(f"File: {Path(source).name}", source)
            i = self.model.count() - 1
        self.model.setCurrentIndex(i)
        if direction and self.direction.isEnabled() and (at := self.direction.findData(direction)) >= 0:
            self.direction.setCurrentIndex(at)

    def pick_model_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a model file", str(Path.home()),
                                              "Models (*.pt *.safetensors)")
        if path:
            self.select_model(path)

    def _output_for(self, source: str | None) -> str:
        """The output folder the app proposes for a model: one per model in the library's outputs."""
        if not source:
            return ""
        builtin = source in {str(path) for path in self.library.builtin_models()}
        name = "demo" if builtin else Path(source).name if Path(source).is_dir() else Path(source).stem
        return str(self.library.root / "outputs" / name)

    def _model_changed(self, *_) -> None:
        """Name the directions after the model's domains; a model file has one direction. An output folder the
        app proposed for the model before follows the new one (a run's results went into outputs/demo)."""
        source = self.model.currentData()
        if not (source is None and self._keep_results):  # the results' folder stays, and follows the next model
            if self.output.path() in ("", self._proposed_output, self._output_for(self._model_source)):
                self._proposed_output = self._output_for(source)  # remembered: from a deleted run "run.v2" it was
                self.output.set_path(self._proposed_output)  # worked out again as "run", and stuck (a review)
            self._model_source = source
        self.model.setToolTip(source or "")
        is_run = bool(source) and Path(source).is_dir()
        names = ("A", "B")
        only = None  # the one direction a pix2pix run learnt (the other was offered, and refused on Convert)
        try:
            if is_run:
                from engine.models import learnt_directions
                from engine.rundir import load_config

                config = load_config(source)
                names = (config.name_a, config.name_b)
                learnt = learnt_directions(config)
                only = learnt[0] if len(learnt) == 1 else None
            elif source:
                from engine.modelfile import read_metadata

                meta = read_metadata(source, remembered_only=True)
                if meta is None:  # read off this thread (a 43 MB model held the window up to 1.3 s); named when read
                    self._read_domains(source)
                else:
                    names = (meta.get("source_domain", "A"), meta.get("target_domain", "B"))
        except (OSError, ValueError):
            pass
        self.direction.blockSignals(True)
        self._name_directions(*names)
        self.direction.setEnabled(is_run and only is None)  # a model file has one direction baked in
        self.direction.setToolTip("" if self.direction.isEnabled() else  # greyed out unsaid (a new-user pass)
                                  "This run learnt one direction only" if only else
                                  "A model file converts one way: the way it was trained or exported" if source
                                  else "Choose a model first")
        if not is_run:
            self.direction.setCurrentIndex(0)
        elif only:
            self.direction.setCurrentIndex(self.direction.findData(only))
        self.direction.blockSignals(False)
        self._settings_changed()

    def _name_directions(self, a: str, b: str) -> None:
        a, b = domain_name(a), domain_name(b)
        self.direction.setItemText(0, f"{a} → {b}")
        self.direction.setItemText(1, f"{b} → {a}")

    def _read_domains(self, source: str) -> None:
        from engine.modelfile import read_metadata

        reader = CallWorker(read_metadata, source, parent=self)
        reader.done.connect(lambda meta: self._usable_model(source, meta))
        reader.failed.connect(lambda reason: self._unusable_model(source, reason))
        reader.start()

    def _usable_model(self, source: str, meta: dict) -> None:
        """A model file read: its directions named, and a failure of an earlier read (a network drive, a permission
        since given) forgotten."""
        if self._unusable.pop(source, None) is not None and source == self.model.currentData():
            self._settings_changed()
        if source == self._model_source:
            self._name_directions(meta.get("source_domain", "A"), meta.get("target_domain", "B"))

    def _unusable_model(self, source: str, reason: str) -> None:
        """A model file that does not load, said as soon as it is chosen: a cut, random or foreign file read "Ready
        to convert." until Preview or Convert failed (a Convert page pass)."""
        with contextlib.suppress(OSError):
            self._unusable[source] = (os.stat(source).st_mtime_ns, reason)
        if source == self.model.currentData():
            self._settings_changed()

    def _model_problem(self, source: str) -> str | None:
        """Why the model file chosen cannot be used, if reading it failed and it has not changed since."""
        mtime, reason = self._unusable.get(source, (None, ""))
        try:
            changed = os.stat(source).st_mtime_ns != mtime
        except OSError:
            return None  # gone: said when used
        name = Path(source).name
        return None if changed else reason if name in reason else f"{name} cannot be used: {clause(reason)}"

    @staticmethod
    def _run_problem(source: str) -> str | None:
        """A run with nothing to convert with, said before Convert is pressed: "Ready to convert 4 images." was said
        of a run with no checkpoint, or with every one cut short, until Convert failed (a crash pass)."""
        if not os.path.isdir(source):
            return None
        run = RunDir(source)
        if not run.has_checkpoint():
            return (f"run {run.path.name} has no checkpoint yet (a run saves one as it trains): continue it on the "
                    "Train page, or choose another model")
        if run.checkpoints_cut_short():
            return (f"every checkpoint of run {run.path.name} is cut short (a full disk, or a copy stopped part way): "
                    "choose another model")
        return None

    def _sync_quality(self, *_) -> None:
        self.quality.setEnabled(self.format.currentText() in ("keep", "jpg", "webp"))

    def _settings_changed(self, *_) -> None:
        """What is shown was for other settings: clear it, so nothing stale passes for the new ones."""
        self._settings_version += 1
        if self.worker is not None or self._keep_results:
            return
        self._previewed = None
        self.preview.clear()
        self._clear_files()
        self.error.clear()
        self.progress.setValue(0)
        problem = self.validate()
        self.status.setText(sentence(problem) if problem else READY)
        if not problem:
            self._look_at_inputs()
        self._sync_open_button()

    def _count_again(self, *_) -> None:
        if self.worker is None and self.status.text().startswith(("Ready to convert", "Nothing to convert")):
            self.status.setText(READY)
            self._look_at_inputs()

    def _look_at_inputs(self) -> None:
        """Count what Convert would convert, off the window's thread (planning 20,000 pictures takes 1.5 s): the page
        said "Ready to convert." of a folder of no pictures until Convert refused it (a new-user pass)."""
        if self._planning is not None:
            self._plan_again = True
            return
        version = self._settings_version
        self._planning = CallWorker(what_convert_would_do, Path(self.input.path()), Path(self.output.path()),
                                    self.options(), parent=self)

        def landed(text: str) -> None:
            self._planning = None
            if self._plan_again:
                self._plan_again = False
                if self.status.text() == READY:
                    self._look_at_inputs()
                return
            if version == self._settings_version and self.worker is None and self.status.text() == READY:
                self.status.setText(text)

        self._planning.done.connect(landed)
        self._planning.failed.connect(lambda reason: landed(sentence(reason)))
        self._planning.start()

    # --------------------------------------------------------- actions
    def options(self) -> ConvertConfig:
        return ConvertConfig(direction=self.direction.currentData(), strength=self.strength.value() / 100,
                             recursive=self.recursive.isChecked(),
                             format=self.format.currentText(), skip_existing=self.skip_existing.isChecked(),
                             tile=self.tile.value(), work_size=self.work_size.value(), quality=self.quality.value(),
                             suffix=self.suffix.text().strip())

    def validate(self) -> str | None:
        if not self.model.currentData():  # with models listed (the one chosen was deleted) it said to train one
            return ("choose a model in the list" if self.model.count() else
                    "choose a model: train one, import one on the Models page, or pick a model file")
        if problem := self._model_problem(self.model.currentData()) or self._run_problem(self.model.currentData()):
            return problem
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

    def current(self) -> Job | None:
        problem = self.validate()
        if problem:
            self.error.setText(sentence(problem))
            return None
        self.error.clear()
        return Job(self.model.currentData(), self.model.currentText(), self.direction.currentData(),
                   self.input.path(), self.output.path(), self.options(),
                   self.direction.currentText() if self.direction.isEnabledTo(self) else "")  # (the page's own
        # choice: a disabled window would have dropped it, a review)

    @staticmethod
    def existing_outputs(job: Job) -> list[Path]:
        """Files this job would write over (its plan's targets that exist already). Off the window's thread where
        the output folder holds anything: planning 20,000 pictures took 1.5 s."""
        try:
            # as the engine counts them: a link to nothing was passed by, and the engine refused the run in its
            # own words ("skip_existing keeps them ...")
            return [out for _, out, _ in plan(Path(job.input), Path(job.output), job.options).jobs
                    if output_taken(out)]
        except (OSError, ValueError):
            return []

    def ask_overwrite(self, existing: list[Path], job: Job) -> str:
        """'overwrite', 'skip' or 'cancel': asked before a conversion would write over files of its results' names.
        Named, and not called results: a photo of the user's own of that name was replaced, after a question that
        called it one of "the results" (a convert pass)."""
        names = ", ".join(file_name_on_one_line(p.name) for p in existing[:3]) + (", …" if len(existing) > 3 else "")
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)  # as the app's other questions
        box.setWindowTitle("Files already there")
        box.setText(f"{len(existing)} file(s) in {job.output} have the names of this conversion's results ({names}). "
                    "They may be earlier results, or files of your own.")
        box.setInformativeText("Keep them and convert only the rest, replace them with the new results, or cancel? "
                               "(A name suffix keeps both.)")
        overwrite = box.addButton("Replace", QMessageBox.ButtonRole.DestructiveRole)
        skip = box.addButton("Keep them", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        return "overwrite" if box.clickedButton() is overwrite else "skip" if box.clickedButton() is skip else "cancel"

    @property
    def busy(self) -> bool:
        """A conversion runs, or is about to (its earlier results are being looked for)."""
        return self.worker is not None or self._checking is not None

    def start(self) -> None:
        if self.busy:
            return
        job = self.current()
        if job is not None:
            self.run_job(job)

    def run_job(self, job: Job) -> None:
        """Start ``job``, once asked what to do with the earlier results it would replace, if there are any."""
        if job.options.skip_existing or not _holds_anything(Path(job.output)):
            self._run_checked_job(job, [])
            return
        checker = CallWorker(self.existing_outputs, job, parent=self)
        checker.done.connect(lambda found: checker is self._checking and self._run_checked_job(job, found))
        checker.failed.connect(lambda _: checker is self._checking and self._run_checked_job(job, []))
        self._checking = checker
        self._set_running(True)
        self.status.setText(f"Looking for earlier results in {job.output}…")
        checker.start()

    def _run_checked_job(self, job: Job, existing: list[Path]) -> None:
        self._checking = None  # Start stays disabled through the question: the job runs, or _set_running ends it
        if existing:
            answer = self.ask_overwrite(existing, job)
            if answer == "cancel":
                self._set_running(False)
                self._say("Not converted: the earlier results are kept.")
                self._refresh_put_off()
                return
            job = replace(job, options=replace(job.options, skip_existing=answer == "skip",
                                               replace_existing=answer == "overwrite"))
        self.current_job = job
        self._previewed = None
        self._clear_files()
        self._results_in = job.output  # the form may name another folder before it ends (a model picked for the next)
        self.progress.setValue(0)
        self.status.setText(f"Loading the model… ({job.describe()})")
        worker = ConvertWorker(job.model, job.direction, job.input, job.output, job.options, parent=self)
        worker.progress.connect(self.on_progress)
        worker.files_done.connect(self.on_files_done)
        worker.file_failed.connect(self.on_file_failed)
        worker.finished_all.connect(self.on_finished)
        worker.failed.connect(self.on_failed)
        worker.finished.connect(self._worker_done)
        self.worker = worker
        self._set_running(True)
        worker.start()

    def add_to_queue(self) -> None:
        job = self.current()
        if job is None:
            return
        if not self.busy and not self.queue:
            self.run_job(job)
            return
        # the same options too: one folder at 50 % and at 150 %, with their own suffixes, was refused as queued
        same = [j for j in self.queue + ([self.current_job] if self.worker and self.current_job else [])
                if j.work() == job.work()]
        if same:  # three clicks queued the same folder three times, each to be asked about the results before it
            self._say(f"Already {'converting' if same[0] is self.current_job else 'queued'}: {job.describe()}")
            return
        self.queue.append(job)
        self._sync_queue()
        self._say(f"Queued: {job.describe()}")

    def _say(self, text: str) -> None:
        """The status line, said to a screen reader: what Add to queue, Preview one and a removal did was shown
        where one does not look (a keyboard pass)."""
        self.status.setText(text)
        announce(self.status, text)

    def remove_selected_job(self) -> None:
        row = self.queue_list.currentRow()
        if 0 <= row < len(self.queue):
            removed = self.queue.pop(row)
            self._sync_queue()
            if self.queue:  # the next one current: nothing was, and a second press did nothing, unsaid
                self.queue_list.setCurrentRow(min(row, len(self.queue) - 1))  # (a keyboard pass)
            self._say(f"Taken off the queue: {removed.describe()}")

    def _sync_queue(self) -> None:
        picked = self.queue_list.currentRow()
        self.queue_list.clear()
        for job in self.queue:
            self.queue_list.addItem(job.describe())
            self.queue_list.item(self.queue_list.count() - 1).setToolTip(job.describe(full=True))
        if self.queue:  # a row picked, for Remove and Delete
            self.queue_list.setCurrentRow(min(max(picked, 0), len(self.queue) - 1))
        self.remove_queued.setEnabled(self.queue_list.currentRow() >= 0)
        shown = self.lists.isTabVisible(1)
        self.lists.setTabVisible(1, bool(self.queue))
        self.lists.setTabText(1, f"Queue ({len(self.queue)})")
        if self.queue and not shown:  # the first queued: shown where it went
            self.lists.setCurrentIndex(1)
        self.start_queue.setVisible(not self.busy and bool(self.queue))

    def run_queue(self) -> None:
        """The next queued conversion, and the rest after it."""
        if self.busy or not self.queue:
            return
        self._queue_held = False
        self._drop_queued_whose_model_is_gone()
        if not self.queue:
            return
        job = self.queue.pop(0)
        self._sync_queue()
        self.run_job(job)

    def cancel(self) -> None:
        if self._checking is not None:  # before it started: nothing to stop but the look for earlier results
            self._checking = None
            self._set_running(False)
            self.status.setText("Not converted: cancelled.")
            self._refresh_put_off()
            return
        if self.worker is not None:
            self.worker.control.stop()
            self._queue_held = bool(self.queue)
            self.status.setText("Cancelling after the current batch…" + (" (the queue waits)" if self.queue else ""))

    def shutdown(self) -> None:
        self.queue.clear()
        self._checking = None  # its answer starts nothing now
        if self.worker is not None:
            self.worker.control.stop()
            self.worker.wait(30000)
        self._view_wanted = None  # none read after the one running
        for worker in (self._preview_worker, self._view_reader):
            if worker is not None:
                worker.wait(30000)

    def output_shown(self) -> str:
        """The folder Open output opens: where the results listed went, else the folder the form names."""
        return self._results_in or self.output.path()

    def open_output(self) -> None:
        folder = self.output_shown()
        if folder and not Path(folder).is_dir():  # "Nothing on this desktop opens …" blamed the desktop (a new-user
            self.status.setText(f"Nothing has been converted into {folder} yet.")  # pass)
            self._sync_open_button()
        elif folder and (problem := open_path(folder)):
            self.status.setText(problem)

    def _sync_open_button(self) -> None:
        """Open output folder is offered where the folder is there: it was on for a model's new folder, made by its
        first conversion (a new-user pass)."""
        folder = self.output_shown()
        self.open_button.setEnabled(not self.busy and bool(folder) and Path(folder).is_dir())
        self.open_button.setToolTip(f"Open {folder} in the file manager" if self.open_button.isEnabled() else
                                    "" if self.busy or not folder else
                                    "The output folder is made by the first conversion into it")

    def preview_image(self) -> None:
        """Translate one image (the selected file's input, or the folder's first) without writing."""
        job = self.current()
        if job is None or self._preview_worker is not None:
            return
        item = self.files.currentItem()
        source = item.data(Qt.ItemDataRole.UserRole)[0] if item else None
        self.error.clear()
        self.status.setText(f"Previewing {Path(source).name}…" if source else "Previewing the folder's first image…")
        worker = CallWorker(preview_one, job.model, job.direction, source, job.input, job.options, parent=self)
        version = self._settings_version
        self._view_request += 1  # a file's pictures still being read are not shown over the preview asked for
        request = self._view_request
        worker.done.connect(lambda shown: version == self._settings_version and self._show_preview(request, *shown))
        worker.failed.connect(lambda m: version == self._settings_version and self._preview_failed(m))
        worker.finished.connect(lambda: setattr(self, "_preview_worker", None))
        self._preview_worker = worker
        worker.start()

    def _preview_failed(self, message: str) -> None:
        self.error.setText(sentence(f"Preview failed: {message}"))
        self._say("Preview failed: nothing was written.")

    def _show_preview(self, request: int, name: str, before, result, detail: float = 1.0) -> None:
        if request != self._view_request:  # a file picked since the preview was asked for: it stays in view
            self.status.setText(f"The preview of {name} is not shown: another file was picked meanwhile.")
            return
        self._previewed = (name, before, result, detail)
        self._show_previewed()
        self._say(f"Preview of {name}: nothing was written.")

    def _show_previewed(self) -> None:
        """The last preview at the strength now set (a blend: nothing is translated again)."""
        name, before, result, detail = self._previewed
        strength = self.strength.value()
        after = blend(before, result, strength / 100)
        self.preview.show_pair(array_to_qimage(before.permute(1, 2, 0).numpy()),
                               array_to_qimage(after.permute(1, 2, 0).numpy()),
                               f"Preview of {name}" + (f", strength {strength} %" if strength != 100 else "")
                               + " (not saved)", detail)  # "at 100 %" beside the zoom's "72 %" read as a zoom

    def _strength_changed(self, *_) -> None:
        """A preview follows the strength at once; converted files were made at another one, and are cleared."""
        if self._previewed is not None and self.worker is None:
            self._show_previewed()
            return
        self._settings_changed()

    # ----------------------------------------------------------- slots
    def on_progress(self, p: ConvertProgress) -> None:
        if self.worker is not None and self.worker.control.stopped:  # "Cancelling…" was replaced by the count within
            self.progress.setRange(0, max(p.total, 1))  # a second, and at each tile of a large photo (a convert pass)
            self.progress.setValue(p.done)
            return
        tile = f" · tile {p.tile} of {p.tiles}" if p.tiles else ""  # a large photo: minutes with no count moving
        if p.done == 0 and p.total:  # the first image (a large photo on a CPU: many seconds) moves no count
            self.progress.setRange(0, 0)  # a busy bar, so the page does not look stuck
            first = "the image" if p.total == 1 else f"the first of {p.total:,} images"  # not "the first of 1 images"
            self.status.setText(f"Converting {first}…{tile}")
            return
        self.progress.setRange(0, max(p.total, 1))
        self.progress.setValue(p.done)
        self.status.setText(f"{p.done} / {p.total} images · {p.images_per_s:.2f} img/s · "
                            f"{format_time_left(p.eta_s)}{tile}")

    def on_files_done(self, events: list[FileDone]) -> None:
        for e in events:
            self._add_file(OK, e.source, e.output, e.note)  # "only the first of its 3 frames was converted"
        if self.files.currentItem() is not None:  # a file picked to look at: the next one replaced it at once
            return
        self._latest_pair = (events[-1].source, events[-1].output)
        if not self._preview_timer.isActive():
            self._preview_timer.start()

    def _clear_files(self) -> None:
        self.files.blockSignals(True)  # a failed row picked: clearing made the next row current, and "Reading
        self.files.clear()  # img_000.png…" stood over the cleared view for good (a new-user pass)
        self.files.blockSignals(False)
        self._results_in = ""
        self._view_request += 1  # a file's pictures still being read are not shown
        self._failed_count = 0
        self.lists.setTabText(0, "Files")

    def _add_file(self, mark: str, source: str, output: str, reason: str) -> None:
        name = file_name_on_one_line(source)
        item = QListWidgetItem(f"{mark} {name}" + (f": {reason}" if reason else ""))
        item.setData(Qt.ItemDataRole.UserRole, (source, output))
        item.setData(Qt.ItemDataRole.UserRole + 1, reason)
        item.setToolTip(f"{source}\n→ {output}" if output else f"{source}\n{reason}")
        self.files.addItem(item)
        # counted as they come: reading every item's text for each file made a run O(n²) on this thread (4000
        # files: 14 s of it, and the conversion slowed down with it)
        self._failed_count += mark == FAILED
        failed = self._failed_count
        self.lists.setTabText(0, f"Files ({self.files.count()}" + (f", {failed} failed)" if failed else ")"))

    def show_file(self, item: QListWidgetItem) -> None:
        self._preview_timer.stop()  # the newest file, armed to show, replaced the one picked (a review)
        self._latest_pair = None
        source, output = item.data(Qt.ItemDataRole.UserRole)
        if output:
            self._show_result(source, output)
        else:  # a failed file has no result: another file's pictures must not stand in for it
            self._view_request += 1
            reason = item.data(Qt.ItemDataRole.UserRole + 1)
            said = f"{file_name_on_one_line(source)} was not converted: {reason}"
            self.preview.clear(said)  # in full, wrapped: the caption is one line, cut ("Before and after appear here")
            self.preview.caption.setText(said)

    def _show_latest_pair(self) -> None:
        if self._latest_pair is not None:
            source, output = self._latest_pair
            self._show_result(source, output)
            self._latest_pair = None

    def _show_result(self, source: str, output: str) -> None:
        """A converted file and its input (a written result: no preview follows the strength any more), read off
        the GUI thread at up to 4096 px, so that 1:1 shows the picture's own pixels: a 12000x9000 PNG held the
        window 2.7 s for each, and a 1024 px copy stood in for every picture."""
        self._previewed = None
        self._view_request += 1
        self._view_wanted = (source, output, self._view_request)
        self.preview.caption.setText(f"Reading {Path(output).name}…")  # the last picture's name stood over it
        if self._view_reader is None:
            self._read_for_view()

    def _read_for_view(self) -> None:
        source, output, request = self._view_wanted
        self._view_wanted = None
        worker = CallWorker(read_pair_for_view, source, output, parent=self)
        worker.done.connect(lambda shown: self._view_read(Path(output).name, request, *shown))
        worker.finished.connect(self._view_read_ended)
        self._view_reader = worker
        worker.start()

    def _view_read(self, name: str, request: int, before, after, detail: float) -> None:
        if request == self._view_request:  # nothing asked for since: another file, a preview, other settings
            self.preview.show_pair(before, after, name, detail)

    def _view_read_ended(self) -> None:
        self._view_reader = None
        if self._view_wanted is not None:
            self._read_for_view()

    def on_file_failed(self, e: FileFailed) -> None:
        self._add_file(FAILED, e.source, "", e.reason)

    def on_finished(self, s: ConvertSummary) -> None:
        self._preview_timer.stop()
        self._latest_pair = None
        if self.files.currentItem() is None:  # the first file, picked in the list: the view and the list agree, and
            first = next((self.files.item(i) for i in range(self.files.count())  # the arrows go on from there (the
                          if self.files.item(i).text().startswith(OK)), None)  # last one shown was the demo's dusk)
            if first is not None:
                self.files.setCurrentItem(first)
        self.progress.setRange(0, max(s.total, 1))  # never left busy (cancelled during the first image)
        self.progress.setValue(s.converted + len(s.failed))
        if s.total == 0 and not s.error:
            self.progress.setMaximum(1)
            self.progress.setValue(1)
        parts = [f"{s.converted} converted"]
        if s.skipped:
            parts.append(f"{s.skipped} already there")
        if s.failed:
            parts.append(f"{len(s.failed)} failed")
        text = ", ".join(parts) + f" in {format_took(s.seconds)}"
        if s.cancelled:
            text = "Cancelled: " + text
        self._in_a_row.append(s)
        if len(self._in_a_row) > 1 and not self.queue and not s.cancelled:  # the last job's count alone was said
            text = self._queue_summary()
        # (the next Convert offers to keep what is there and convert the rest: the advice fits the line at 1024 px)
        then = "."
        if s.cancelled:  # the advice was wrong once the form held a queued job's folders: it converted another one
            job = self.current_job
            shown = job is None or (job.model, job.input, job.output) == (self.model.currentData(), self.input.path(),
                                                                          self.output.path())
            if shown:
                then = ". Convert again to do the rest" + ("; Start the queue goes on." if self.queue else ".")
            else:  # the folder last: a long name is what the line cuts, not the advice (a Convert page pass)
                then = ((". Start the queue to go on" if self.queue else ". Choose its folders again and Convert "
                         "to finish it") + f"; unfinished: “{Path(job.input).name} → {Path(job.output).name}”.")
                # (its output too: one folder queued into three was "images" three times; a new-user pass)
        elif s.failed:  # "0 converted, 3 failed in 0:00." and no word of where to look (a new-user pass)
            then = "; the Files list says why."
        elif self._the_demo_ran(s):  # the first start's conversion pointed nowhere further (a new-user pass)
            then = ". Next: a look of your own, from the Datasets page."  # whole in the line at 1024 px
        if s.error and not (s.converted or s.failed or s.skipped):  # "0 converted in 0:00." beside the reason
            text, then = "Nothing was converted", "."
        self.status.setText(text + then)
        announce(self.status, self.status.text())
        if s.error:
            self.error.setText(sentence(s.error))
        self.open_button.setEnabled(True)
        if s.seconds > 60:
            self.finished_long.emit(f"{text} → {s.output_dir}")

    def _the_demo_ran(self, summary: ConvertSummary) -> bool:
        """Whether the conversion that ended was the built-in demo model's, alone and whole."""
        job = self.current_job
        return (job is not None and summary.converted > 0 and not summary.cancelled and not self.queue
                and len(self._in_a_row) <= 1 and job.model in {str(p) for p in self.library.builtin_models()})

    def on_failed(self, reason: str) -> None:
        self.error.setText(sentence(reason))
        job = self.current_job  # which one: a queued conversion's failure read as the whole queue's (a convert pass);
        # the reason first: "Conversion did not start: Demo: golden-hour (built in): empty → /tmp/…" was cut before
        # it, and said it only in the small red line at the foot of the form (a new-user pass)
        self.status.setText(f"Not converted: {clause(reason) or 'it did not start'}"
                            + (f" ({job.describe()})." if job else "."))
        if job is not None and (self._in_a_row or self.queue):  # part of a queue run: counted in its summary
            self._in_a_row.append(ConvertSummary(job.output, 0, 0, 0, (), 0.0, error=reason))
            if not self.queue:
                self.status.setText(sentence(self._queue_summary()))

    def _worker_done(self) -> None:
        self.worker = None
        self.current_job = None
        self._set_running(False)
        self._refresh_put_off()
        if not self.queue or self._queue_held:
            self._in_a_row = []
        if not self._queue_held:  # the next queued conversion starts on its own
            self.run_queue()
        self._sync_queue()

    def _queue_summary(self) -> str:
        """What a queue run did, all of it: its end said the last conversion's count alone (a new-user pass)."""
        done = self._in_a_row
        converted, failed = sum(s.converted for s in done), sum(len(s.failed) for s in done)
        folders = ", ".join(dict.fromkeys(Path(s.output_dir).name for s in done if s.total))  # "demo, demo" (a
        # new-user pass)
        unstarted = [s for s in done if not s.total and s.error]  # a job that did not start was left out (a review)
        return (f"Queue done: {len(done)} conversions, {converted} converted" + (f", {failed} failed" if failed else "")
                + f" in {format_took(sum(s.seconds for s in done))} (into {folders})"
                + (f"; {len(unstarted)} did not start ({clause(unstarted[0].error)})" if unstarted else ""))

    def _refresh_put_off(self) -> None:
        """The refresh put off while the page was busy (the library changed meanwhile)."""
        if self._refresh_when_done:
            self.refresh()

    def _set_running(self, running: bool) -> None:
        moving = self.start_button.hasFocus() if running else self.cancel_button.hasFocus()
        self.cancel_button.setEnabled(running)  # first, to take the focus: Convert, disabled, sent it on to Preview
        self.start_button.setEnabled(not running)  # one, and a second Enter started a preview (a keyboard pass)
        if moving:
            (self.cancel_button if running else self.start_button).setFocus()
        self._sync_open_button()
        self.busy_changed.emit(running)


def _holds_anything(folder: Path) -> bool:
    """Whether ``folder`` has any entry (one read of it): an empty or new output folder has no earlier results."""
    try:
        with os.scandir(folder) as entries:
            return next(entries, None) is not None
    except OSError:
        return False
