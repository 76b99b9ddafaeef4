"""Train page: a dataset, a method and a recipe; start, pause, stop, continue; the run's losses, samples and log.

The settings form is generated from TrainConfig's metadata (desktop/widgets/config_form.py);
presets, validation and the time estimate come from the engine. The page holds no training logic.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch
from PySide6.QtCore import QTimer, Qt, Signal
from PySide6.QtWidgets import (QApplication, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSpinBox, QTabWidget, QVBoxLayout,
                               QWidget)

from desktop.formatting import domain_name, format_time_left, sentence
from desktop.widgets.announce import announce
from desktop.widgets.config_form import ConfigForm, label_for
from desktop.widgets.layout import WrappedNote, fit_to_width, scrolled, share_label_column, split_page
from desktop.widgets.loss_plot import history_arrays
from desktop.widgets.questions import confirm
from desktop.widgets.run_view import RunView
from desktop.widgets.shortcuts import bind_start_keys
from desktop.workers import CallWorker, TrainWorker
from engine.config import TrainConfig, from_dict, known_settings, load_json, save_json, to_dict
from engine.data import image_names, match_by_name
from engine.estimate import batch_of, describe_duration, seconds_per_step, total_steps
from engine.events import Finished, Progress, Samples
from engine.fileio import in_words
from engine.library import DatasetEntry, Library, folder_stamps, safe_name, why_renamed
from engine.models import LOSS_WEIGHTS, METHODS
from engine.presets import PRESETS, apply_preset, presets_for
from engine.rundir import (RunDir, last_row, last_step, load_config, missing_data_folders, read_metrics_file,
                           schedule_done, trained_elsewhere)

CUSTOM = "Custom"
METHOD_LABELS = {"cyclegan": "CycleGAN: two folders, unpaired", "pix2pix": "pix2pix: pairs of the same picture"}
METHOD_NOTES = {
    "cyclegan": "Learns the change from two folders of different pictures.",
    "pix2pix": "Learns from pairs (a picture and how it should look): far more precise than unpaired training.",
}
# labels the Train page saved its choice by, before it saved keys (reworded in words a photographer reads)
FORMER_LABELS = {"Paper: 256 px, 9 blocks (Zhu)": PRESETS["paper"].label,
                 "Paired quick: for a CPU": PRESETS["pix2pix-quick"].label,
                 "Paired paper: U-Net 256 (Isola)": PRESETS["pix2pix-paper"].label}
NO_RUN_YET = "A run's losses are drawn here as it trains."
PIX2PIX_NEEDS = "pix2pix needs pictures of the same name on both sides, or pictures of A and B side by side"
# The fields in view, in order; every other option is under "All settings".
SHOWN = ["crop_size", "load_size", "batch_size", "steps", "epochs", "epochs_decay", "lr", "model.generator",
         "model.blocks", "model.ngf", "model.residual", "lambda_cycle", "lambda_identity", "lambda_l1",
         "sample_every", "seed"]
NOT_IN_FORM = {"data", "data_b", "out", "name_a", "name_b", "method", "direction", "device"}
ONLY_FOR = {"lambda_cycle": "cyclegan", "lambda_identity": "cyclegan", "pool_size": "cyclegan",
            "lambda_l1": "pix2pix"}
# What the app sets where the engine's defaults suit the command line: a livelier plot, samples and saves.
APP_DEFAULTS = {"log_every": 10, "save_every": 500, "sample_every": 100}
NO_DATASET_HINTS = ("No dataset yet", "Pick a dataset")  # how _no_dataset_hint's two sentences start
CONTINUE_TIP = ("Resume the run from its newest checkpoint that loads; a run that 'Stop after steps' (under All "
                "settings) ended goes further when that is raised")
ELSEWHERE_ROLE = Qt.ItemDataRole.UserRole + 1  # who trains a listed run, where another program does
FINISHED_ROLE = Qt.ItemDataRole.UserRole + 2  # a listed run trained its whole schedule: nothing to continue
LENGTHS = (("Steps", "steps"), ("Epochs + decay", "epochs"))  # "(the paper's schedule)" was cut at 1024 px


def available_devices() -> list[tuple[str, str]]:
    """(label, device) of what this machine really has, "auto" first."""
    from engine.devices import describe, pick_device

    devices = [(f"Automatic: {describe(pick_device('auto'))}", "auto"),
               (describe(torch.device("cpu")), "cpu")]
    devices += [(f"GPU {i}: {torch.cuda.get_device_name(i)}", f"cuda:{i}") for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        devices.append(("Apple GPU (MPS)", "mps"))
    return devices


def read_history(metrics: Path, names: tuple[str, ...]) -> tuple:
    """(logged steps, why they cannot be read or "", damaged lines, steps, {loss: values}) of a run's
    metrics.jsonl."""
    found = read_metrics_file(metrics)
    return (len(found.rows), found.unreadable or "", len(found.damaged), *history_arrays(found.rows, names))


def sample_count(entry: DatasetEntry, method: str) -> int:
    """Images a side (or pairs) that one epoch goes through, from file names alone."""
    if method == "pix2pix":
        if entry.layout == "aligned":  # train/'s own images, as training reads them (not its sub-folders)
            return len(image_names(entry.folder_a, recursive=False))
        return len(match_by_name(Path(entry.folder_a), Path(entry.folder_b))[0])
    return max(len(image_names(entry.folder_a)), len(image_names(entry.folder_b)))  # names, not Paths: 0.2 s less


def dataset_listing(entry: DatasetEntry) -> dict:
    """What a dataset's file names say: whether pix2pix can train on it ("pairs"), and the images an epoch goes through
    for each method. Read off the window's thread: for 20,000 pictures a side it takes about a second."""
    counts = {}
    for method in METHODS:
        try:
            counts[method] = sample_count(entry, method)
        except OSError:  # a side gone or unreadable: training says why
            counts[method] = 0
    gone = [folder for folder in (entry.folder_a, entry.folder_b) if folder and not Path(folder).is_dir()]
    return {"pairs": entry.layout == "aligned" or counts["pix2pix"] > 0, "gone": gone, **counts}


class TrainPage(QWidget):
    run_finished = Signal(str)  # run directory
    run_completed = Signal(str)  # a run that trained all its steps: chosen on the Convert page
    run_finished_long = Signal(str, str)  # a run that took a while ended: a title and a sentence, for a notification
    busy_changed = Signal(bool)

    def __init__(self, library: Library, parent=None):
        super().__init__(parent)
        self.library = library
        self.worker: TrainWorker | None = None
        self.started_at = 0.0
        self._estimates: dict[str, float] = {}  # s/step measured here, by what decides it
        self._estimating: CallWorker | None = None
        self._deferred: TrainWorker | None = None  # a run waiting for the speed measurement to stop
        self._estimating_key = ""  # the settings the measurement running measures
        self._run_items: dict[str, QListWidgetItem] = {}
        self._preset_values: dict = {}
        self._listed_method: str | None = None  # the method whose presets Preset lists
        self._kept_forms: dict[str, tuple] = {}  # a method's own settings, kept while another method is shown
        # what the dataset's file names say (pairs, images an epoch), while its folders are unchanged: listed again
        # at each edit of a setting, 10,000 images a side froze the window 0.6 s a keystroke (0.7 s a visit)
        self._listed: dict[tuple, tuple] = {}  # (folders, layout) -> (folder times, dataset_listing)
        self._listing: dict[tuple, CallWorker] = {}  # (folders, layout) -> the reader listing them now
        self._live_run = ""
        self._picked_before: str | None = None  # the run picked when one started, until that one is listed
        self._trained = False  # the run launched has trained a step
        self._continue_offered = False  # the run that ended was stopped: Continue is offered for it
        self._history_request = 0  # a past run's losses read for an earlier click are not shown
        self._history_readers: list[CallWorker] = []
        self._held_points: list | None = None  # a continued run's new points, kept until its history is read
        self._controls_had_focus = False
        self._closing = False

        # ---- what to train
        self.dataset = QComboBox()
        self.dataset.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.dataset.setMinimumContentsLength(12)
        self.dataset.currentTextChanged.connect(self._dataset_changed)
        self.method = QComboBox()
        self.method.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.method.setMinimumContentsLength(12)
        for key, label in METHOD_LABELS.items():
            self.method.addItem(label, key)
        self.method.currentIndexChanged.connect(self._method_changed)
        self.method_note = QLabel(METHOD_NOTES["cyclegan"])
        self.method_note.setObjectName("hint")
        self.method_note.setWordWrap(True)
        self.direction = QComboBox()
        self.direction.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.direction.setMinimumContentsLength(12)
        self.direction.addItem("A → B", "AtoB")
        self.direction.addItem("B → A", "BtoA")
        self.direction.setToolTip("pix2pix learns one direction: which side of each pair is the input")
        self.direction.currentIndexChanged.connect(self._lay_out_for_the_form)
        self.run_name = QLineEdit()
        self.run_name.setPlaceholderText("dataset and date")
        self.run_name.setToolTip("The run's folder name in the library")
        self.preset = QComboBox()
        self.preset.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.preset.setMinimumContentsLength(22)
        self.preset.currentTextChanged.connect(self.apply_preset)
        self.preset_note = WrappedNote()
        self.preset_note.reserve([self._note(p) for p in PRESETS.values()] + [
            self._custom_note(p, ["Network width 128 instead of 64"] * 4) for p in PRESETS.values()])
        self._preset_base = None  # the preset the form was filled from, its note kept while it is edited
        self._typed_run_name = ""  # the Run name field's text, while it names the run training
        self.length = QComboBox()
        self.length.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.length.setMinimumContentsLength(12)
        for label, key in LENGTHS:
            self.length.addItem(label, key)
        self.length.setToolTip("Steps: the learning rate is constant for the first half, then decays to zero. "
                               "Epochs: constant for Epochs, then decays over Decay epochs (the papers' schedule)")
        self.length.currentIndexChanged.connect(self._length_changed)
        self.device = QComboBox()
        self.device.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.device.setMinimumContentsLength(12)
        for label, key in available_devices():
            self.device.addItem(label, key)
        self.device.currentIndexChanged.connect(self._schedule_estimate)
        self.estimate = QLabel()
        self.estimate.setObjectName("hint")
        self.estimate.setWordWrap(True)
        top = QFormLayout()
        top.addRow("Dataset", self.dataset)
        top.addRow("Method", self.method)
        top.addRow(self.method_note)
        top.addRow("Direction", self.direction)
        self._direction_row = top.rowCount() - 1
        top.addRow("Run name", self.run_name)
        top.addRow("Preset", self.preset)
        top.addRow(self.preset_note)  # the full width: a wrapped label in the field column gets clipped
        top.addRow("Length", self.length)
        top.addRow("Device", self.device)  # above the form's fields: under All settings it sat below 40 rows of them
        self.top = top
        self.form = ConfigForm(TrainConfig, top, SHOWN, NOT_IN_FORM, self)  # its rows line up with the ones above
        self.form.changed.connect(self._field_changed)
        for edited in (self.form.changed, self.dataset.activated, self.method.activated, self.direction.activated,
                       self.preset.activated, self.length.activated, self.device.activated, self.run_name.textEdited):
            edited.connect(self._clear_answered_error)
        share_label_column(top, self.form.more.layout())
        save_settings, load_settings = QPushButton("Save settings…"), QPushButton("Load settings…")
        save_settings.setToolTip("Keep these settings in a file, to use again or share")
        load_settings.setToolTip("Fill the form from a settings file (or a run's config.json)")
        save_settings.clicked.connect(lambda: self.save_settings())
        load_settings.clicked.connect(lambda: self.load_settings())
        settings_row = QHBoxLayout()
        settings_row.addWidget(save_settings)
        settings_row.addWidget(load_settings)
        new_run = self.new_run = QWidget()  # locked while a run trains: an edit there changed nothing
        box_layout = QVBoxLayout(new_run)
        box_layout.addLayout(top)
        box_layout.addLayout(settings_row)
        box_layout.addStretch(1)

        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("primary")
        bind_start_keys(self.start_button, self)
        self.start_button.setToolTip("Start training (Ctrl+Enter)")
        self.start_button.clicked.connect(self.start)
        self.pause_button = QPushButton("Pause")  # Ctrl+P and Ctrl+. are the window's (Training menu): as the
        self.pause_button.setToolTip("Pause after this step (Ctrl+P)")  # buttons' own, they worked on this page only
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after this step and save a checkpoint (Ctrl+.)")
        self.stop_button.clicked.connect(self.stop)
        controls = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.stop_button):
            controls.addWidget(b)

        self.runs = fit_to_width(QListWidget())
        self.runs.setAccessibleName("Runs")
        self.runs.setMinimumHeight(90)
        self.runs.currentItemChanged.connect(lambda item, _: item and self.open_run(item.data(Qt.ItemDataRole.UserRole)))
        self.runs.itemSelectionChanged.connect(self._sync_buttons)
        self.runs.currentItemChanged.connect(self._look_again_if_trained_elsewhere)
        self.runs.currentItemChanged.connect(self._sync_buttons)  # a run reached with Tab is current, not selected:
        # Continue stayed disabled for the keyboard
        self.continue_button = QPushButton("Continue selected run")
        self.continue_button.setToolTip(CONTINUE_TIP)
        self.continue_button.clicked.connect(self.continue_selected)
        past_runs = QWidget()
        runs_layout = QVBoxLayout(past_runs)
        self.no_runs = QLabel("No runs yet. Each run you start under New run is listed here, to look at again or "
                              "continue.")  # a first start showed an empty white list
        self.no_runs.setObjectName("hint")
        self.no_runs.setWordWrap(True)
        runs_layout.addWidget(self.no_runs)
        runs_layout.addWidget(self.runs, 1)
        runs_layout.addWidget(self.continue_button)

        # The form scrolls in its own tab, so the runs are one click away at any window height
        # (below the form they sat under the fold at 1024x700).
        self.left_tabs = QTabWidget()
        self.left_tabs.addTab(scrolled(new_run, keep_width=True), "New run")
        self.left_tabs.addTab(past_runs, "Runs")
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.left_tabs)
        footer = QVBoxLayout()  # in view whatever the form's scroll: what a run will take, and Start
        footer.addWidget(self.estimate)
        footer.addLayout(controls)

        # ---- the run
        self.view = RunView()
        self.status, self.progress, self.error, self.notice = (self.view.status, self.view.progress,
                                                               self.view.error, self.view.notice)
        self.plot, self.samples = self.view.plot, self.view.samples.grid
        self.plot.set_empty_text(NO_RUN_YET)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.view)
        split_page(self, left, right, (440, 760), scroll_left=False, scroll_right=False, left_footer=footer)

        self._estimate_when_shown = False  # an estimate was wanted while the page was hidden
        self._estimate_timer = QTimer(self)
        self._estimate_timer.setSingleShot(True)
        self._estimate_timer.setInterval(700)
        self._estimate_timer.timeout.connect(self.update_estimate)
        self.refresh()
        self._method_changed()
        self._set_running(False)

    # ------------------------------------------------------------ form
    @staticmethod
    def _note(preset) -> str:
        return f"{preset.expected}. {preset.trade_off[0].upper()}{preset.trade_off[1:]}."

    @staticmethod
    def _custom_note(preset, changes: list[str]) -> str:
        """What the edited recipe started from and what was changed: it said "edited from Quick, which is: 600 steps
        of…" beside Steps at 40 and a run of 40 steps (a new-user pass)."""
        said = ", ".join(changes[:3]) + (f" and {len(changes) - 3} more" if len(changes) > 3 else "")
        return f"Your own settings: {preset.label.split(':')[0]} with {said}." if changes else (
            f"Your own settings, from {preset.label.split(':')[0]}.")

    def _changes_from(self, values: dict) -> list[str]:
        """The form's values that differ from ``values`` (a preset's), in words: "Steps 40 instead of 600"."""
        by_steps = self.length.currentData() == "steps"
        changes = [f"Length in {self.length.currentText().lower()}"] if by_steps != bool(values.get("steps")) else []
        # what does not apply is not said: the hidden Epochs under Steps, blocks of a U-Net, another method's weights
        left_out = ({"seed", "epochs", "epochs_decay"} if by_steps else {"seed", "steps"}) | {
            key for key, method in ONLY_FOR.items() if method != self.current_method()}
        if self.form.value("model.generator") != "resnet":
            left_out.add("model.blocks")
        for key, value in self.form.values().items():
            for sub, now in (value.items() if isinstance(value, dict) else [("", value)]):
                name = f"{key}.{sub}" if sub else key
                was = values.get(key, {}).get(sub) if sub else values.get(key)
                if name in left_out or name not in self.form.fields or was is None or was == now:
                    continue
                changes.append(f"{label_for(name)} {self._shown(name, now)} instead of {self._shown(name, was)}")
        return changes

    def _shown(self, key: str, value) -> str:
        """A form value as its field shows it: a choice by its label, a switch as on or off, a number as its box
        writes it (1e-05 stood for the box's 0.00001)."""
        field = self.form.field(key)
        if isinstance(field, QComboBox) and (i := field.findData(value)) >= 0:
            return field.itemText(i)
        if isinstance(value, bool):
            return "on" if value else "off"
        if isinstance(field, (QSpinBox, QDoubleSpinBox)) and not isinstance(value, str):
            if value == field.minimum() and field.specialValueText():  # "no limit", "automatic"
                return field.specialValueText()
            return field.textFromValue(value) + field.suffix()
        return str(value)

    def _preset_by_label(self, label: str):
        return next((p for p in PRESETS.values() if p.label == label), None)

    def current_method(self) -> str:
        return self.method.currentData() or "cyclegan"

    def _entries(self) -> list[DatasetEntry]:
        try:
            return self.library.datasets()
        except ValueError:
            return []

    def current_entry(self) -> DatasetEntry | None:
        return next((e for e in self._entries() if e.name == self.dataset.currentText()), None)

    def _dataset_changed(self, name: str) -> None:
        """Offer pix2pix when the dataset has pairs (and only pix2pix for side-by-side images)."""
        entry = self.current_entry()
        listing = self._dataset_listing(entry) if entry is not None else None
        aligned = entry is not None and entry.layout == "aligned"
        # while its names are read (this is called again then), pix2pix stays open: a method restored is not lost
        paired = entry is not None and (listing is None or listing["pairs"])
        model = self.method.model()
        model.item(0).setEnabled(not aligned)
        model.item(1).setEnabled(paired)
        # why an item is greyed out: said nowhere before (a new-user pass)
        model.item(0).setToolTip("Side-by-side pairs train pix2pix only" if aligned else "")
        model.item(1).setToolTip("" if paired else f"This dataset has no pairs: {PIX2PIX_NEEDS}")
        if entry is not None:
            self.direction.setItemText(0, f"{entry.name_a} → {entry.name_b}")
            self.direction.setItemText(1, f"{entry.name_b} → {entry.name_a}")
        wanted = "pix2pix" if aligned or (paired and self.current_method() == "pix2pix") else "cyclegan"
        dropped = wanted != self.current_method() == "pix2pix"
        if wanted != self.current_method():
            self.method.setCurrentIndex(self.method.findData(wanted))
        self._say_the_method()
        if dropped:  # picked while the names were read, it went back to CycleGAN seconds later unsaid (a new-user pass)
            self.method_note.setText(f"{self.method_note.text()} Back to CycleGAN: this dataset has no pairs "
                                     f"({PIX2PIX_NEEDS}).")
        self._sync_buttons()
        self._lay_out_for_the_form()
        self._schedule_estimate()

    def _say_the_method(self) -> None:
        """The method's note, and with CycleGAN on a dataset of pairs, that pix2pix learns more from them: a
        dataset of pairs opened on CycleGAN, and nothing said to choose otherwise (a pix2pix pass)."""
        method, entry = self.current_method(), self.current_entry()
        listing = self._listed.get((entry.folder_a, entry.folder_b, entry.layout)) if entry is not None else None
        counts = listing[1] if listing is not None else {}
        pairs = counts.get("pix2pix", 0)  # every picture in a pair: names alike by chance (IMG_0001) pair a few
        self.method_note.setText(METHOD_NOTES[method] + (
            " Every picture here has a partner of its name on the other side: if each is the same picture changed, "
            "pix2pix (Method) learns more from them." if method == "cyclegan" and pairs
            and pairs == counts.get("cyclegan") else ""))

    def _method_changed(self, *_) -> None:
        method = self.current_method()
        self._lay_out_for_the_form()
        self._say_the_method()
        self.top.setRowVisible(self._direction_row, method == "pix2pix")
        for key, only in ONLY_FOR.items():
            if key in self.form.fields:
                self.form.set_row_visible(key, only == method)
        labels = [p.label for p in presets_for(method)] + [CUSTOM]
        if [self.preset.itemText(i) for i in range(self.preset.count())] != labels:
            # the settings of the method left, if the person's own, come back with it: a dataset without pairs
            # picked by mistake wiped a pix2pix form typed in, for good (a pix2pix pass)
            if self._listed_method is not None and self.preset.currentText() == CUSTOM:
                self._kept_forms[self._listed_method] = (self.form.values(), self.length.currentIndex(),
                                                         self._preset_values, self._preset_base,
                                                         self.preset_note.text())
            self._listed_method = method
            self.preset.blockSignals(True)
            self.preset.clear()
            self.preset.addItems(labels)
            self.preset.blockSignals(False)
            kept = self._kept_forms.pop(method, None)
            if kept is None:
                self.apply_preset(labels[0])
                return
            values, length, self._preset_values, self._preset_base, note = kept
            self._put_form(values, length)
            self.preset.blockSignals(True)
            self.preset.setCurrentText(CUSTOM)
            self.preset.blockSignals(False)
            self.preset_note.setText(note)
            self._schedule_estimate()

    def apply_preset(self, label: str) -> None:
        preset = self._preset_by_label(label)
        if preset is None:
            return
        values = apply_preset({**to_dict(TrainConfig()), **APP_DEFAULTS}, preset.key)
        self._preset_values, self._preset_base = values, preset
        self._put_form(values, 0 if values["steps"] else 1)
        self.preset_note.setText(self._note(preset))
        self._schedule_estimate()

    def _put_form(self, values: dict, length_index: int) -> None:
        """The form and its Length from a config dict, the change of Length not taken for an edit."""
        self._fill_form(values)
        self.length.blockSignals(True)
        self.length.setCurrentIndex(length_index)
        self.length.blockSignals(False)
        self._show_length_rows()

    def _fill_form(self, values: dict) -> None:
        """The form from a config dict: a step count of 0 (by epochs) taken as it is, whatever Length says now,
        the caller then sets Length and its rows and limits (_show_length_rows; the Steps box's limit of 1 raised a
        0 to 1)."""
        self.form.field("steps").setMinimum(0)
        self.form.set_values(values)
        self._lay_out_for_the_form()  # a preset's identity weight of 0 (its curves left out)

    def _show_length_rows(self) -> None:
        by_steps = self.length.currentData() == "steps"
        steps = self.form.field("steps")
        steps.blockSignals(True)  # 0 steps means "by epochs": typed here, it trained by the hidden Epochs rows
        steps.setMinimum(1 if by_steps else 0)
        steps.blockSignals(False)
        self.form.set_row_visible("steps", by_steps)
        self.form.set_row_visible("epochs", not by_steps)
        self.form.set_row_visible("epochs_decay", not by_steps)
        self.form.set_row_visible("model.blocks", self.form.value("model.generator") == "resnet")

    def _length_changed(self, *_) -> None:
        """A person chose steps or epochs: show that one (a step count starts at 4000)."""
        if self.length.currentData() == "steps" and not self.form.value("steps"):
            self.form.set_value("steps", 4000)
        self._show_length_rows()
        self._field_changed("length")

    def _field_changed(self, key: str) -> None:
        """Any edit of a preset's value makes the settings Custom; the layout stays where it is."""
        self._show_length_rows()
        if key in LOSS_WEIGHTS:  # a loss weighed 0 has no curve: they come and go before a run
            self._lay_out_for_the_form()
        preset = self._preset_by_label(self.preset.currentText())
        if preset is not None and key != "seed" and self._differs_from(self._preset_values):
            self.preset.blockSignals(True)
            self.preset.setCurrentText(CUSTOM)
            self.preset.blockSignals(False)
        if self.preset.currentText() == CUSTOM and self._preset_base is not None:  # each edit said, not the first only
            self.preset_note.setText(self._custom_note(self._preset_base, self._changes_from(self._preset_values)))
        self._schedule_estimate()

    def _differs_from(self, values: dict) -> bool:
        current = self.form.values()
        if (self.length.currentData() == "steps") != bool(values.get("steps")):
            return True
        for key, value in current.items():
            if key == "seed":
                continue
            if isinstance(value, dict):
                if any(values.get(key, {}).get(k) != v for k, v in value.items()):
                    return True
            elif key in values and values[key] != value and not (key == "steps" and not values["steps"]):
                return True
        return False

    def settings_values(self) -> dict:
        """The form as a TrainConfig dict (what a settings file holds)."""
        values = {**to_dict(TrainConfig()), **self.form.values()}
        values["model"] = {**to_dict(TrainConfig().model), **values["model"]}
        values["method"], values["direction"] = self.current_method(), self.direction.currentData()
        values["device"] = self.device.currentData()
        if self.length.currentData() == "epochs":
            values["steps"] = 0
        return values

    def build_config(self) -> TrainConfig:
        entry = self.current_entry()
        if entry is None:
            raise ValueError("Add a dataset first (Datasets page), then pick it here.")
        name = self.run_name.text().strip() or f"{entry.name}-{time.strftime('%Y%m%d-%H%M%S')}"
        values = self.settings_values()
        values.update(data=entry.folder_a, data_b=entry.folder_b, name_a=entry.name_a, name_b=entry.name_b,
                      out=str(self.library.new_run_dir(name)))
        config = from_dict(TrainConfig, values)
        config.validate()
        return config

    def save_settings(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Save settings", str(Path.home() / "settings.json"),
                                                  "Settings (*.json)")
        if not path:
            return
        try:
            config = from_dict(TrainConfig, self.settings_values())
            config.validate()
            save_json(config, path)
        except (OSError, ValueError) as exc:  # it said nothing: the error went to the console (a code review)
            self.show_error(sentence(f"Not saved: {in_words(exc)}"))
            return
        self.status.setText(f"Settings saved to {path}.")

    def load_settings(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Load settings", str(Path.home()), "Settings (*.json)")
        if not path:
            return
        try:
            config = load_json(TrainConfig, path)
            config.validate()
            values = to_dict(config)
            self.form.check_values(values)  # before anything changes: a value the form cannot hold changes nothing
        except (OSError, ValueError) as exc:
            self.show_error(f"Not loaded: {exc}")
            return
        i = self.method.findData(config.method)
        if self.method.model().item(i).isEnabled():
            self.method.setCurrentIndex(i)
        self.direction.setCurrentIndex(self.direction.findData(config.direction))
        self.device.setCurrentIndex(max(self.device.findData(config.device), 0))
        self._fill_form(values)
        self.length.setCurrentIndex(0 if config.steps else 1)
        self._show_length_rows()  # also when Length did not change: its limits
        self.preset.blockSignals(True)
        self.preset.setCurrentText(CUSTOM)
        self.preset.blockSignals(False)
        self.preset_note.setText(f"Your own settings (from {Path(path).name}).")
        self._preset_base = None  # edits keep saying where the settings came from
        self.error.clear()
        self.status.setText(f"Settings loaded from {path}.")  # it said "Settings saved to …" of the save before

    # -------------------------------------------------------- estimate
    def _schedule_estimate(self, *_) -> None:
        if self.worker is None and not self._closing:
            if self.current_entry() is None:  # nothing to measure: say so now, not after the debounce
                self.estimate.setText(self._no_dataset_hint())
            elif self.estimate.text().startswith(NO_DATASET_HINTS):
                self.estimate.clear()  # a dataset came: the hint that there was none would stay through a run
            self._estimate_timer.start()

    def _no_dataset_hint(self) -> str:
        if self.dataset.count():  # each starts with one of NO_DATASET_HINTS
            return "Pick a dataset to see how long a run takes on this machine."
        try:
            self.library.datasets()
        except ValueError:  # "No dataset yet" of a list that cannot be read (a crash pass)
            return ("No dataset yet can be read: the dataset list is damaged; the Datasets page (Ctrl+1) can start "
                    "an empty one, keeping it.")
        return ("No dataset yet: add two folders of photos, or the demo dataset, on the Datasets page (Ctrl+1), "
                "then pick it as the Dataset under New run.")

    def update_estimate(self) -> None:
        """Measure a few steps of this configuration on this machine (off the GUI thread), once per setting."""
        entry = self.current_entry()
        if entry is None or self.worker is not None or self._closing:
            self.estimate.setText("" if entry else self._no_dataset_hint())
            return
        if not self.isVisible():  # at each start, on whatever page: three training steps that quitting waited for
            self._estimate_when_shown = True  # (up to 27 s), and pauses of the window while they ran
            return
        try:
            values = self.settings_values()
            values.update(data="-", out="-")
            config = from_dict(TrainConfig, values)
            config.validate()
        except (ValueError, TypeError) as exc:
            self.estimate.setText(f"Settings to fix: {exc}")
            return
        listing = self._dataset_listing(entry)
        if listing is None:  # the page updates when the names are read
            self.estimate.setText("Counting the dataset's pictures…")
            return
        samples = listing[config.method]
        # a dataset whose folder was moved was estimated at "≈ 19 min … measured here", with nothing to read
        # (a datasets and runs pass)
        if listing.get("gone"):
            self.estimate.setText(f"This dataset's folder {listing['gone'][0]} is gone (moved or renamed?): remove "
                                  "the dataset on the Datasets page and add it again from the folder's new place.")
            return
        if not samples:
            self.estimate.setText("This dataset's folders hold no pictures to train on"
                                  + (" as pairs." if config.method == "pix2pix" else "."))
            return
        steps = total_steps(config, samples)
        key = repr((to_dict(config.model), config.method, config.crop_size, batch_of(config, samples), config.device,
                    config.amp, config.compile, config.channels_last))
        if key in self._estimates:
            per_step = self._estimates[key]
            total = describe_duration(steps * per_step)
            self.estimate.setText(f"≈ {total} on this machine: {steps:,} steps × {per_step:.2f} s, measured here")
            return
        if self._estimating is not None:
            if self._estimating_key != key:  # for settings since changed: it kept a core busy, and Start waited
                self._estimating.control.stop()
            self._estimate_timer.start()  # one measurement at a time; try again shortly
            return
        self.estimate.setText("Measuring the speed of these settings on this machine…")
        worker = CallWorker(seconds_per_step, config, samples=samples, parent=self, stoppable=True)  # closing stops it
        worker.done.connect(lambda s: (self._estimates.__setitem__(key, s), self.update_estimate()))
        worker.failed.connect(lambda m: worker.stopped or self.estimate.setText(f"Could not measure the speed: {m}"))
        worker.finished.connect(self._measurement_ended)  # the one place it is let go, on this thread
        self._estimating, self._estimating_key = worker, key
        worker.start()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._estimate_when_shown:
            self._estimate_when_shown = False
            self._schedule_estimate()

    def _dataset_listing(self, entry: DatasetEntry) -> dict | None:
        """:func:`dataset_listing`, remembered while the dataset's folders are unchanged (files added or removed change
        a folder's time; one two folders down in a side is seen at the next start). None while the names are read off
        the window's thread (the first visit of 20,000 pictures a side froze it 0.9 s); then the dataset is taken up
        again as if picked anew."""
        key = (entry.folder_a, entry.folder_b, entry.layout)
        stamp = folder_stamps(entry)
        known = self._listed.get(key)
        if known is not None and known[0] == stamp:
            return known[1]
        if key not in self._listing and not self._closing:
            reader = CallWorker(dataset_listing, entry, parent=self)
            reader.done.connect(lambda found: self._listing_read(key, reader, stamp, found))
            nothing = dict.fromkeys(("pairs", *METHODS), 0)  # what an unreadable side gives; training says why
            reader.failed.connect(lambda _: self._listing_read(key, reader, stamp, nothing))
            self._listing[key] = reader
            reader.start()
        return None

    def _listing_read(self, key: tuple, reader: CallWorker, stamp, found: dict) -> None:
        if self._listing.get(key) is reader:
            del self._listing[key]
        self._listed[key] = (stamp, found)  # one entry a dataset, not one a change; a stamp since changed reads again
        entry = self.current_entry()  # not while a run trains: its method stays as it started (refreshed at its end)
        if self.worker is None and not self._closing and entry is not None and key == (entry.folder_a, entry.folder_b,
                                                                                         entry.layout):
            self._dataset_changed(entry.name)

    # -------------------------------------------------------- runs list
    def refresh(self) -> None:
        """The datasets and runs as the library has them now; put off while a run trains (it refreshes when the run
        ends): the locked Dataset box went on to another dataset's name when the one training was removed, and the
        training run lost its "training" mark in Runs."""
        if self.worker is not None:
            return
        listed = set(self._run_items)  # the runs there were: one of them gone is a deleted run (_forget_a_deleted_run)
        current = self.dataset.currentText()
        self.dataset.blockSignals(True)
        self.dataset.clear()
        self.dataset.addItems([e.name for e in self._entries()])
        if current:
            self.dataset.setCurrentText(current)
        self.dataset.blockSignals(False)
        self._dataset_changed(self.dataset.currentText())
        selected = self.runs.currentItem().data(Qt.ItemDataRole.UserRole) if self.runs.currentItem() else None
        self.runs.blockSignals(True)
        self.runs.clear()
        self._run_items = {}
        for run in self.library.runs():
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, str(run))
            self._list_run(item, run)
            self.runs.addItem(item)
            self._run_items[str(run)] = item
            if str(run) == selected:
                self.runs.setCurrentItem(item)
        self.runs.blockSignals(False)
        self._count_runs()
        self._sync_buttons()
        self._forget_a_deleted_run(listed)

    def follow_dataset_rename(self, old: str, new: str) -> None:
        """The dataset chosen, renamed on the Datasets page, stays chosen under its new name (the list, made again,
        went on to the first dataset)."""
        index = self.dataset.findText(old, Qt.MatchFlag.MatchExactly)
        if index >= 0:
            self.dataset.blockSignals(True)
            self.dataset.setItemText(index, new)
            self.dataset.blockSignals(False)

    def follow_rename(self, old: str, new: str) -> None:
        """The run shown, renamed on the Models page, stays shown under its new name: it was forgotten as a
        deleted run would be (view reset to "Ready.", its selection lost)."""
        shown = self.view.log.path
        if self.worker is not None or shown is None or str(shown.parent) != old:
            return
        self.open_run(new)
        self.refresh()
        item = self._run_items.get(new)
        if item is not None:
            self.runs.setCurrentItem(item)

    def _forget_a_deleted_run(self, listed: set[str]) -> None:
        """A run deleted on the Models page leaves this page: its plot, samples and "Continue it from Runs"
        stayed, with the run gone from Runs. Only a run that was listed: one that failed before making its folder
        is not deleted, and its error stays."""
        shown = self.view.log.path  # the run shown is the folder of the log followed
        if shown is not None and str(shown.parent) in listed and not shown.parent.exists():
            self.view.reset()
            self.plot.clear()
            self.plot.set_empty_text(NO_RUN_YET)
            self.view.samples.clear()
            self.view.log.follow(None, live=False)
            self.status.setText("Ready.")

    def _count_runs(self) -> None:
        count = self.runs.count()
        self.no_runs.setVisible(not count)
        self.left_tabs.setTabText(self.left_tabs.indexOf(self.runs.parentWidget()),
                                  f"Runs ({count})" if count else "Runs")

    def _list_run(self, item: QListWidgetItem, path: str | Path) -> None:
        """A past run's line: its last step, and whether it finished its schedule (its last logged learning rate is
        zero), has no checkpoint, or is trained by another program. A finished run and a stopped one looked alike,
        and Continue on the first said "Nothing to train" (a datasets and runs pass)."""
        row = last_row(path)
        run = RunDir(path)
        self._set_run_step(item, Path(path).name, row.get("step", 0), saved=run.has_checkpoint(),
                           elsewhere=trained_elsewhere(path), cut_short=run.checkpoints_cut_short(),
                           finished=schedule_done(row))

    @staticmethod
    def _set_run_step(item: QListWidgetItem, name: str, step: int, live: bool = False, saved: bool = True,
                      elsewhere: str | None = None, finished: bool = False, cut_short: bool = False) -> None:
        # a run killed before its first save said "step 480", and Continue started again from step 0; one killed
        # before its first logged step said "step 0" alone, as a run that had not begun
        cut_short = cut_short and not live and not elsewhere
        finished = finished and not live and not elsewhere and not cut_short
        item.setText(f"{name}  ·  step {step}" + ("  ·  training" if live else "")
                     + ("  ·  training elsewhere" if elsewhere else "")
                     + ("  ·  finished" if finished else "")
                     + ("  ·  unfinished" if saved and not (live or elsewhere or finished or cut_short) else "")
                     + ("  ·  checkpoints damaged" if cut_short else "")
                     + ("" if saved or live or elsewhere else "  ·  no checkpoint"))
        item.setData(ELSEWHERE_ROLE, elsewhere)
        item.setData(FINISHED_ROLE, finished)
        item.setToolTip(f"{item.text()}\n{item.data(Qt.ItemDataRole.UserRole)}"
                        + (f"\nBeing trained by {elsewhere}. It can be continued once that stops." if elsewhere
                           else "")
                        + ("\nEvery checkpoint of this run is cut short (a full disk, or a copy stopped part way): it "
                           "cannot be continued. Load settings… starts a new run from its settings." if cut_short
                           else ""))

    def _look_again_if_trained_elsewhere(self, item: QListWidgetItem | None, *_) -> None:
        """A run marked as trained elsewhere, picked again: its mark stayed after that training ended, Continue off,
        until the page was left and shown again (a review)."""
        if item is not None and item.data(ELSEWHERE_ROLE) and self.worker is None:
            self._list_run(item, item.data(Qt.ItemDataRole.UserRole))

    def _sync_buttons(self) -> None:
        item = self.runs.currentItem()
        elsewhere = item is not None and item.data(ELSEWHERE_ROLE)
        finished = item is not None and item.data(FINISHED_ROLE)  # Continue said "Nothing to train" (a new-user pass)
        self.continue_button.setEnabled(self.worker is None and item is not None and not elsewhere and not finished)
        self.continue_button.setToolTip(CONTINUE_TIP + ("\n\nThe run picked is being trained by another program: "
                                                        "it can be continued once that stops." if elsewhere else "")
                                        + ("\n\nThe run picked has trained its whole schedule: to train more, start "
                                           "a new run from its settings (Load settings… on New run)." if finished
                                           else ""))
        self.start_button.setEnabled(self.worker is None and bool(self.dataset.currentText()))  # the hint says why

    # --------------------------------------------------------- actions
    def start(self) -> None:
        if self.worker is not None:
            return
        try:
            config = self.build_config()
        except (ValueError, KeyError) as exc:
            self.show_error(str(exc))
            return
        self._estimate_timer.stop()
        self.show_method(config)
        self._history_request += 1  # a past run's losses still being read are not drawn under the new run's
        self._held_points = None
        self.plot.clear()
        self.plot.set_empty_text(f"The curves begin at step {config.log_every:,}, where the losses are first logged.")
        self.view.samples.clear()
        typed, named = self.run_name.text().strip(), Path(config.out).name
        self._launch(TrainWorker(config=config, parent=self), config.out)
        if typed and named != typed:  # it became "same-2", or lost its end past 80 characters, unsaid
            why = f"a run named “{safe_name(typed)}” exists" if named != safe_name(typed) else why_renamed(typed)
            # a name of 80 letters and no space ran past the notice's edge at 1024x700 (a Train page pass); Runs
            # lists it whole
            shown = named if len(named) <= 40 else f"{named[:39]}…"
            self.show_notice(f"The run is named “{shown}”{' (whole in Runs)' if shown != named else ''}: {why}.")

    def continue_selected(self) -> None:
        item = self.runs.currentItem()
        if item is None or self.worker is not None:
            return
        run_dir = item.data(Qt.ItemDataRole.UserRole)
        logged = last_step(run_dir)
        if logged and not RunDir(run_dir).has_checkpoint() and not self._start_again(Path(run_dir).name, logged):
            return  # Continue on a run with nothing saved began again from step 0, its history set aside, unasked
        extra = {}
        if self.form.value("max_steps"):
            extra["max_steps"] = self.form.value("max_steps")
        for key, gone in missing_data_folders(run_dir):  # moved or renamed: the app gave a command to type instead
            what = "dataset folder" if key == "data" else "folder of B images"
            question = f"This run's {what} {gone} is gone: where is it now?"
            self.status.setText(question)  # the dialog's title alone asked it, cut or unseen without a window manager
            near = next((p for p in Path(gone).parents if p.is_dir()), Path.home())  # the nearest folder still there
            found = QFileDialog.getExistingDirectory(self, question, str(near))
            if not found:
                self.status.setText(f"Not continued: this run's {what} {gone} is gone.")
                return
            extra[key] = found
        self.open_run(run_dir, continuing=True)  # its history read in the background; the new points wait for it
        self._launch(TrainWorker(resume_dir=run_dir, overrides=extra, parent=self), run_dir)

    def _start_again(self, name: str, logged: int) -> bool:
        """Whether to train a run with no checkpoint (killed before its first save) again from step 0."""
        return confirm(self, "Continue run", f"“{name}” has no checkpoint: it was stopped before its first save.",
                       "Start again", f"Continuing trains it again from step 0; the {logged:,} steps it logged are "
                       "set aside (kept in metrics.discarded.jsonl).")

    def training_run(self) -> str | None:
        """The run folder this page trains now, if any."""
        return self._live_run if self.worker is not None else None

    def training_data(self) -> list[str]:
        """The picture folders of the run this page trains now (none if none): as started, or as continued from its
        config.json (a new run's is written only once its folder is made)."""
        if self.worker is None:
            return []
        config = self.worker.config
        if config is None:
            try:
                config = load_config(Path(self._live_run))
            except (OSError, ValueError):
                return []
        return [p for p in (config.data, config.data_b) if p]

    def _launch(self, worker: TrainWorker, run_dir: str) -> None:
        self.view.reset()
        self.worker = worker
        self._live_run = run_dir
        worker.progress.connect(self.on_progress)
        worker.points.connect(self.on_points)
        worker.samples.connect(self.on_samples)
        worker.message.connect(self.show_notice)
        worker.checkpoint.connect(lambda e: self.status.setText(f"Checkpoint saved at step {e.step}."))
        worker.finished_run.connect(self.on_finished)
        worker.failed.connect(self.on_failed)
        worker.nothing_left.connect(self.on_nothing_left)
        worker.held.connect(lambda step: worker.control.paused and self._show_paused(step))
        worker.finished.connect(self._worker_done)
        self.started_at = time.monotonic()
        self._trained = False  # until its first step: a failure before it is a run that did not start
        self._say("Training started: preparing the run…")  # shown, never said (a keyboard pass)
        self.view.log.follow(RunDir(run_dir).log, live=True)
        # the locked field showed "dataset and date", or a name typed for another run, beside a continued one: it
        # names the run training, and what was typed comes back at its end (a new-user pass)
        self._typed_run_name = self.run_name.text()
        self.run_name.setText(Path(run_dir).name)
        self._set_running(True)
        if self._estimating is None:
            worker.start()
            return
        # The measurement draws from the global random generators too: the run starts once it has stopped, so that a
        # seeded run repeats exactly. Waited for here, a measurement at batch 1024 froze the window for minutes.
        self._estimating.control.stop()
        self._deferred = worker  # started by _measurement_ended
        self._say("Starting after the speed check ends its current step…")

    def _measurement_ended(self) -> None:
        """The measurement's thread ended: it is let go, and a run waiting for it starts. One slot, on this thread,
        for both: a connection made at Start after the thread had ended, but before a separate slot let it go,
        never ran, and the run waited for good."""
        self._estimating = None
        worker, self._deferred = self._deferred, None
        if worker is not None and not self._closing:
            worker.start()

    def toggle_pause(self) -> None:
        if self.worker is None:
            return
        control = self.worker.control
        if control.paused:
            control.resume()
            self._pause_label("Pause")
            self._say("Resumed.")
            self.progress.setFormat("%p %")
        else:
            control.pause()
            self._pause_label("Resume")
            self._say("Pausing after the step in progress…")  # "Paused at step N" once it holds
            # before the first step the bar's 100 was Qt's, not the run's steps: "Paused at 0 of 100" (a review)
            self.progress.setFormat("Paused at %v of %m" if self._trained else "Paused")

    def _say(self, text: str) -> None:
        """The status line, said to a screen reader: a pause or a stop asked with Ctrl+P or Ctrl+. from another page
        or the Training menu was confirmed to no one (a keyboard pass)."""
        self.status.setText(text)
        announce(self.status, text)

    def _pause_label(self, text: str) -> None:
        self.pause_button.setText(text)  # and what it does: Resume was described as "Pause after this step"
        self.pause_button.setToolTip("Pause after this step (Ctrl+P)" if text == "Pause" else "Go on training (Ctrl+P)")

    def _show_paused(self, step: int) -> None:
        """Said once: the progress that reached the page, the pause's flush and the run's hold each said it (a
        keyboard pass)."""
        text = f"Paused at step {step}: Resume to go on, or Stop to save and end the run."
        if self.status.text() != text:
            self._say(text)

    def stop(self) -> None:
        if self._deferred is not None:  # waiting for the measurement, not begun: nothing to save, no run made
            self._deferred.deleteLater()
            self._deferred = None
            self._worker_done()
            self._say("Not started.")
            return
        if self.worker is not None and self.worker.control.stopped:  # pressed again while it saves
            self._say("Stopping: saving a checkpoint…")
        elif self.worker is not None:
            self.worker.control.stop()
            self._say("Stopping: saving a checkpoint…")
            # Start gets the keyboard when the run ends if these had it
            self._controls_had_focus = QApplication.focusWidget() in (self.pause_button, self.stop_button)
            if QApplication.focusWidget() is self.pause_button:  # disabled, it handed the keyboard to the tab bar
                self.stop_button.setFocus()  # for the whole save (a keyboard pass)
            self.pause_button.setEnabled(False)  # a pause now would do nothing: the run ends at the next step
            self.stop_button.setText("Stopping…")  # kept enabled, with the keyboard; pressed again, it does nothing

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Called when the window closes: stop cleanly so the run stays resumable."""
        self._closing = True
        self._estimate_timer.stop()
        if self.worker is not None:
            self.worker.control.stop()
            self.worker.wait(timeout_ms)
        if self._estimating is not None:
            self._estimating.control.stop()  # between two steps: it waited for every one left
            self._estimating.wait(timeout_ms)
        for reader in [*self._history_readers, *self._listing.values()]:  # a long history, a dataset's names (seconds)
            reader.wait(timeout_ms)

    # ------------------------------------------------------- event slots
    def on_progress(self, p: Progress) -> None:
        self._trained = True
        self.progress.setMaximum(p.total_steps)
        self.progress.setValue(p.step)
        item = self._run_items.get(self._live_run)
        if item is None and self._live_run:  # a new run: listed (newest first) from its first step, not after it ends
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, self._live_run)
            self._run_items[self._live_run] = item
            self.runs.blockSignals(True)
            self.runs.insertItem(0, item)
            self.runs.blockSignals(False)
            self._hold_runs_list(True)  # picked, as the run on screen
            self._count_runs()
        if item is not None:
            self._set_run_step(item, Path(self._live_run).name, p.step, live=True)
        if self.worker is not None and self.worker.control.paused:  # the step in flight when Pause was pressed
            self._show_paused(p.step)
            return
        # "img/s · lr 2.00e-04" was shorthand to a new user; the rate is the Log's and the settings' to say
        self.status.setText(f"Step {p.step} / {p.total_steps} · epoch {p.epoch} · {p.images_per_s:.2f} images/s · "
                            f"{format_time_left(p.eta_s)}")

    def on_points(self, events: list) -> None:
        points = [(e.step, e.losses) for e in events]
        if self._held_points is not None:  # a continued run's history is still being read
            self._held_points.extend(points)
        else:
            self.plot.extend(points)

    def on_samples(self, s: Samples) -> None:
        self.view.samples.add_live(s.step, s.path, s.images, s.panels, s.columns)

    def show_method(self, config: TrainConfig) -> None:
        """Lay out the plot and the samples for the run's method (its losses, its panels, its sides)."""
        self._lay_out(config.method, config.name_a, config.name_b, config.direction,
                      {key: getattr(config, key) for key in LOSS_WEIGHTS})

    def _lay_out(self, method: str, name_a: str, name_b: str, direction: str, weights: dict[str, float]) -> None:
        cls = METHODS[method]
        a, b = name_a, name_b
        if method == "pix2pix" and direction == "BtoA":
            a, b = b, a
        short, whole = dict(a=domain_name(a, 12), b=domain_name(b, 12)), dict(a=domain_name(a), b=domain_name(b))
        self.plot.set_loss_names(cls.losses_trained(weights),
                                 {n: text.format(**whole) for n, text in cls.loss_meanings.items()}, cls.loss_labels,
                                 [(header.format(**short), row) for header, row in cls.loss_rows], cls.loss_names)
        self.samples.set_panels(cls.sample_names, cls.sample_columns)
        self.samples.set_domain_names(a, b)
        history = self.view.samples  # the legend's new toggles joined the Tab chain's end, after the samples under it
        for first, then in zip([self.plot.log_scale, history.slider, history.latest_button],
                               [history.slider, history.latest_button, history.enlarge_button]):
            QWidget.setTabOrder(first, then)

    def _lay_out_for_the_form(self, *_) -> None:
        """Before a run, the empty panels and curves are the chosen method's, named after the dataset's sides
        (with pix2pix chosen they read "→ back to A", "Real B"). A run on screen keeps its own."""
        if self.worker is not None or self.plot.point_count() or self.view.samples.grids:
            return
        entry = self.current_entry()
        self._lay_out(self.current_method(), entry.name_a if entry else "A", entry.name_b if entry else "B",
                      self.direction.currentData() or "AtoB", {key: self.form.value(key) for key in LOSS_WEIGHTS})

    def on_finished(self, result: Finished) -> None:
        verb = "Stopped" if result.stopped else "Finished"
        name = Path(result.run_dir).name  # its folder is in the Runs list's tooltip: a path here was cut off
        self.status.setText(f"{verb} at step {result.step}: “{name}”." + (" Continue it from Runs." if result.stopped
                                                                            else ""))
        self._continue_offered = result.stopped  # the run stays picked in Runs for it
        self.run_finished.emit(result.run_dir)
        if not result.stopped:
            self.run_completed.emit(result.run_dir)  # chosen on Convert, "Ready on Convert." added, if it can be
        announce(self.status, self.status.text())
        if time.monotonic() - self.started_at > 60:
            self.run_finished_long.emit("Training stopped" if result.stopped else "Training finished",
                                        f"“{name}” at step {result.step}.")

    def on_nothing_left(self, step: int, last: int, why: str) -> None:
        """Continue on a run with no step left: it trained nothing, rewrote its last checkpoint and sample, and said
        "Finished" over a bar at 0 %."""
        self.progress.setMaximum(max(last, 1))
        self.progress.setValue(min(step, max(last, 1)))
        self.status.setText(f"Nothing to train: the run is at step {step}.")
        announce(self.status, self.status.text())
        self.show_notice(sentence(f"Nothing was trained: {why}"))  # wrapped in full, not cut to one line

    def on_failed(self, reason: str) -> None:
        self.show_error(reason)  # the engine's sentence says what was kept
        # a run refused (trained elsewhere, unreadable pictures) "stopped with an error", having never started
        self.status.setText("Training stopped with an error." if self._trained else "Training did not start.")

    def show_error(self, text: str) -> None:
        self.error.setText(sentence(text))  # the engine's fragments, as a sentence: as the other pages show them

    def _clear_answered_error(self, *_) -> None:
        """A person's edit answers the last error (a refused Start, a failed run): it stayed in red beside settings
        that no longer had the fault."""
        if self.worker is None:
            self.error.clear()

    def show_notice(self, text: str) -> None:
        """Warnings stay in view for the whole run: the status line is overwritten every step."""
        self.view.show_notice(text)

    def _worker_done(self) -> None:
        self.worker = None
        self.run_name.setText(self._typed_run_name)
        self.view.log.follow(self.view.log.path, live=False)
        self._set_running(False)
        self.refresh()
        stopped = self._run_items.get(self._live_run) if self._continue_offered else None
        if stopped is not None and self.runs.currentItem() is not stopped:  # stopped before its first step, it was
            self.runs.blockSignals(True)  # listed unpicked: "Continue it from Runs", Continue off (a Train page pass)
            self.runs.setCurrentItem(stopped)
            self.runs.blockSignals(False)
            self._sync_buttons()
        self._continue_offered = False

    def _set_running(self, running: bool) -> None:
        had = QApplication.focusWidget()
        self.new_run.setEnabled(not running)
        if running:  # the run's own steps give its time left: a measurement made before it disagreed beside it
            self.estimate.clear()
        self._hold_runs_list(running)
        self.pause_button.setEnabled(running)
        self._pause_label("Pause")
        self.progress.setFormat("%p %")
        self.stop_button.setEnabled(running)
        self.stop_button.setText("Stop")
        self._sync_buttons()
        locked = (had is None or not had.isEnabled() or had in (self.pause_button, self.stop_button)
                  or self._controls_had_focus)
        self._controls_had_focus = False
        if self.isVisible() and locked:  # the field or button that had the keyboard is locked: it lost its place
            (self.pause_button if running else self.start_button).setFocus()
        self.busy_changed.emit(running)

    def _hold_runs_list(self, running: bool) -> None:
        """While a run trains, the view is its own: the list's other runs are greyed and cannot be picked, and the
        run training is the one picked. One picked kept the live run's view; when it stopped, "Continue it from
        Runs" continued the run picked, not the one on screen (a datasets and runs pass)."""
        self.runs.blockSignals(True)
        pickable = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
        for row in range(self.runs.count()):
            item = self.runs.item(row)
            live = item.data(Qt.ItemDataRole.UserRole) == self._live_run
            item.setFlags(item.flags() | pickable if live or not running else item.flags() & ~pickable)
        live_item = self._run_items.get(self._live_run)
        if running:
            if live_item is None and self._picked_before is None and self.runs.currentItem() is not None:
                self._picked_before = self.runs.currentItem().data(Qt.ItemDataRole.UserRole)
            self.runs.setCurrentItem(live_item) if live_item is not None else self.runs.setCurrentRow(-1)
        else:  # a run that ended before its first step was never listed: the run picked before is again
            if live_item is None and self._picked_before in self._run_items:
                self.runs.setCurrentItem(self._run_items[self._picked_before])
            self._picked_before = None
        self.runs.setToolTip("The other runs can be opened when this one stops." if running else "")
        self.runs.blockSignals(False)
        self._sync_buttons()

    # -------------------------------------------------------- past runs
    def open_run(self, run_dir: str, continuing: bool = False) -> None:
        """Show a past run: its settings, samples and log at once, its losses when read off the GUI thread (a
        history of 200,000 logged steps held the window 2.6 to 3.2 s at each click, and as long at Continue). A run
        being continued holds its new points until its history is drawn, then adds them after it."""
        if self.worker is not None:
            return
        run = RunDir(run_dir)
        self.error.clear()  # the last attempt's error ("Domain A folder … does not exist.") stayed over another run
        self.notice.clear()
        try:
            self.show_method(load_json(TrainConfig, run.config))
        except (OSError, ValueError):
            pass
        self.view.samples.set_grids(run.sample_grids())
        self.view.log.follow(run.log, live=False)
        self._history_request += 1
        self._held_points = [] if continuing else None
        self.plot.clear()
        self.plot.set_empty_text("")  # until its losses are read
        if not continuing:
            self.status.setText(f"Run {run.path.name}: reading its losses…")
        reader = CallWorker(read_history, run.metrics, self.plot.names, parent=self)
        request = self._history_request
        reader.done.connect(lambda history: self._show_history(request, run.path, *history))
        reader.failed.connect(lambda why: self._show_history(request, run.path, 0, why, 0, np.zeros(0), {}))
        reader.finished.connect(lambda: self._history_readers.remove(reader))
        self._history_readers.append(reader)
        reader.start()

    def _show_history(self, request: int, path: Path, count: int, unreadable: str, damaged: int, steps,
                      values) -> None:
        if request != self._history_request:  # another run shown, or a new one started
            return
        self.plot.set_history(steps, values)
        # why there is none, where it is known: an unreadable or damaged log is said on the status line, and a run
        # trained elsewhere logs on (a review)
        self.plot.set_empty_text("The curves go on at the run's next logged step." if self._held_points is not None
                                 else "" if unreadable or damaged or trained_elsewhere(path) else
                                 "No losses were logged: the run stopped before its first logged step.")
        if self._held_points is not None:  # a continued run: its points so far, after its history
            held, self._held_points = self._held_points, None
            self.plot.extend(held)
            if unreadable:  # the run's progress and end own the status line
                self.show_notice(f"The losses before this run was continued cannot be shown, as "
                                 f"{RunDir(path).metrics} cannot be read ({unreadable}).")
            return
        last = int(steps[-1]) if len(steps) else 0
        # damaged lines were passed over unsaid: "0 logged steps, last step 0" beside samples and a checkpoint of
        # step 20 (a datasets and runs pass)
        hidden = (f" {damaged:,} damaged line(s) of metrics.jsonl are not shown (continuing the run keeps them in "
                  f"{RunDir(path).damaged_metrics.name})." if damaged else "")
        # "4 logged steps, last step 40" read as a fault (a new-user pass)
        self.status.setText(f"Run {path.name}: losses logged at {count:,} steps, up to step {last:,}.{hidden}"
                            if not unreadable else
                            f"Run {path.name}: its losses cannot be shown, as {RunDir(path).metrics} cannot be read "
                            f"({unreadable}).")

    # ------------------------------------------------------- persistence
    def state(self) -> str:
        """What the window restores at the next start: the dataset, the recipe and every value."""
        preset = self._preset_by_label(self.preset.currentText())  # by key: a label reworded lost it (a review)
        return json.dumps({"dataset": self.dataset.currentText(), "preset": preset.key if preset else CUSTOM,
                           "values": self.settings_values()})

    def restore(self, saved: str) -> None:
        try:
            state = json.loads(saved)
            values = from_dict(TrainConfig, known_settings(TrainConfig, state["values"]))
            self.form.check_values(to_dict(values))
        except (TypeError, ValueError, KeyError, AttributeError):
            return  # an old or hand-edited state (a seed no spin box holds stopped the app starting): the defaults
        if isinstance(state.get("dataset"), str):  # a number there stopped the app from starting
            self.dataset.setCurrentText(state["dataset"])
        self.device.setCurrentIndex(max(self.device.findData(values.device), 0))
        i = self.method.findData(values.method)
        if not self.method.model().item(i).isEnabled():  # pix2pix with the pairs gone: its recipe filled CycleGAN's
            return  # form as Custom; the form keeps the method it can train, and its recipe
        self.method.setCurrentIndex(i)
        self.direction.setCurrentIndex(self.direction.findData(values.direction))
        saved = state.get("preset") if isinstance(state.get("preset"), str) else ""  # a list there: unhashable
        saved = PRESETS[saved].label if saved in PRESETS else FORMER_LABELS.get(saved, saved)  # a key, or a label
        if saved in [self.preset.itemText(i) for i in range(self.preset.count())]:
            self.preset.setCurrentText(saved)
            self.apply_preset(saved)
        self._fill_form(to_dict(values))
        self.length.setCurrentIndex(0 if values.steps else 1)
        self._show_length_rows()
        self._field_changed("restore")
        if self.preset.currentText() == CUSTOM:  # it kept the default preset's note under "Custom"
            self.preset_note.setText("Your own settings, as you left them.")
            self._preset_base = None
