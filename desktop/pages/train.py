"""Train page: pick a dataset and a preset, start/pause/stop/continue, watch losses and samples."""

from __future__ import annotations

import time
from pathlib import Path

import torch
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QListWidget, QListWidgetItem, QProgressBar, QPushButton, QSpinBox,
                               QSplitter, QVBoxLayout, QWidget)

from desktop.widgets.layout import WrappedNote, split_page
from desktop.widgets.images import SampleGrid
from desktop.widgets.loss_plot import LossPlot
from desktop.workers import TrainWorker
from engine.config import ModelConfig, TrainConfig, load_json
from engine.events import Finished, Progress, Samples
from engine.library import Library
from engine.models import METHODS
from engine.presets import PRESETS, presets_for
from engine.rundir import read_metrics

CUSTOM = "Custom"
# form widget attribute -> (TrainConfig/ModelConfig field, lives in the model config)
FORM_FIELDS = {"crop": ("crop_size", False), "load": ("load_size", False), "blocks": ("blocks", True),
               "ngf": ("ngf", True), "epochs": ("epochs", False), "decay": ("epochs_decay", False),
               "steps": ("steps", False), "lr": ("lr", False), "lambda_identity": ("lambda_identity", False),
               "batch": ("batch_size", False), "residual": ("residual", True)}
# settings the form does not show: taken from the last preset chosen
HIDDEN_MODEL_FIELDS = ("ndf", "d_layers", "upsample", "generator", "norm", "d_norm", "init", "dropout")
HIDDEN_TRAIN_FIELDS = ("preprocess", "ema", "d_augment", "gan_mode", "lambda_l1", "pool_size")
METHOD_LABELS = {"cyclegan": "CycleGAN: two folders, unpaired", "pix2pix": "pix2pix: pairs of the same picture"}
METHOD_NOTES = {
    "cyclegan": "Learns the change from two folders of different pictures.",
    "pix2pix": "Learns from pairs (a picture and how it should look): far more precise than unpaired training.",
}


def hidden_values(preset_values: dict) -> dict:
    """The hidden settings of a preset's values, with the configs' defaults for those it leaves out."""
    train, model = TrainConfig(), ModelConfig()
    return {**{k: preset_values.get(k, getattr(train, k)) for k in HIDDEN_TRAIN_FIELDS},
            **{k: preset_values.get(k, getattr(model, k)) for k in HIDDEN_MODEL_FIELDS}}


def format_duration(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):
        return "—"
    seconds = int(seconds)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def available_devices() -> list[str]:
    devices = ["auto", "cpu"]
    devices += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        devices.append("mps")
    return devices


def spin(lo: int, hi: int, value: int, step: int = 1, suffix: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setSingleStep(step)
    box.setValue(value)
    box.setSuffix(suffix)
    return box


def dspin(lo: float, hi: float, value: float, decimals: int, step: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(decimals)
    box.setRange(lo, hi)
    box.setSingleStep(step)
    box.setValue(value)
    return box


class TrainPage(QWidget):
    run_finished = Signal(str)  # run directory
    busy_changed = Signal(bool)

    def __init__(self, library: Library, parent=None):
        super().__init__(parent)
        self.library = library
        self.worker: TrainWorker | None = None
        self.started_at = 0.0

        # ---- settings form
        self.dataset = QComboBox()
        self.dataset.currentTextChanged.connect(self._dataset_changed)
        self.method = QComboBox()
        for key, label in METHOD_LABELS.items():
            self.method.addItem(label, key)
        self.method.currentIndexChanged.connect(self._method_changed)
        self.method_note = QLabel(METHOD_NOTES["cyclegan"])
        self.method_note.setObjectName("hint")
        self.method_note.setWordWrap(True)
        self.direction = QComboBox()
        self.direction.addItem("A → B", "AtoB")
        self.direction.addItem("B → A", "BtoA")
        self.direction.setToolTip("pix2pix learns one direction: which side of each pair is the input")
        self.preset = QComboBox()
        self.preset.addItems([p.label for p in presets_for("cyclegan")] + [CUSTOM])
        self.preset.currentTextChanged.connect(self.apply_preset)
        self.preset_note = WrappedNote()
        self._extras = hidden_values({})
        d, m = TrainConfig(), ModelConfig()
        self.crop = spin(16, 1024, 128, 4, " px")
        self.load = spin(16, 2048, 143, 1, " px")
        self.blocks = spin(0, 16, 6)
        self.ngf = spin(4, 128, m.ngf, 4)
        self.epochs = spin(0, 10000, d.epochs)
        self.decay = spin(0, 10000, d.epochs_decay)
        self.steps = spin(0, 10_000_000, 0, 100)
        self.steps.setSpecialValueText("by epochs")
        self.steps.setToolTip("Train this many steps, the learning rate constant for the first half and then "
                              "decaying to zero; 'by epochs' uses Epochs and Decay epochs (the paper's schedule)")
        self.residual = QCheckBox("Generator edits its input (residual)")
        self.residual.setToolTip("Not in the paper: the generator learns a change of its input, which keeps "
                                 "structure on small, short runs (see docs/quality.md)")
        self.max_steps = spin(0, 10_000_000, 0)
        self.max_steps.setSpecialValueText("no limit")
        self.lr = dspin(1e-6, 1.0, d.lr, 6, 1e-4)
        self.lambda_cycle = dspin(0, 100, d.lambda_cycle, 2, 1)
        self.lambda_identity = dspin(0, 10, d.lambda_identity, 2, 0.1)
        self.batch = spin(1, 64, d.batch_size)
        self.device = QComboBox()
        self.device.addItems(available_devices())
        self.sample_every = spin(1, 100_000, 100)
        self.seed = spin(0, 2**31 - 1, d.seed)
        self.seed.setToolTip("The same seed and settings repeat a run exactly on the CPU. If a short run stays "
                             "close to its input or shows spots, train again with another seed (docs/quality.md)")
        for name in FORM_FIELDS:
            w = getattr(self, name)
            (w.toggled if isinstance(w, QCheckBox) else w.valueChanged).connect(self._mark_custom)
        form = QFormLayout()
        form.addRow("Dataset", self.dataset)
        form.addRow("Method", self.method)
        form.addRow(self.method_note)
        form.addRow("Direction", self.direction)
        self._direction_row = form.rowCount() - 1
        form.addRow("Preset", self.preset)
        form.addRow(self.preset_note)  # the full width: a wrapped label in the field column gets clipped
        form.addRow("Crop size", self.crop)
        form.addRow("Load size", self.load)
        form.addRow("Residual blocks", self.blocks)
        form.addRow("Generator filters", self.ngf)
        form.addRow("", self.residual)
        form.addRow("Steps", self.steps)
        form.addRow("Epochs", self.epochs)
        form.addRow("Decay epochs", self.decay)
        form.addRow("Stop after steps", self.max_steps)
        form.addRow("Learning rate", self.lr)
        form.addRow("λ cycle", self.lambda_cycle)
        form.addRow("λ identity", self.lambda_identity)
        form.addRow("Batch size", self.batch)
        form.addRow("Device", self.device)
        form.addRow("Samples every", self.sample_every)
        form.addRow("Seed", self.seed)
        settings_box = QGroupBox("New run")
        settings_box.setLayout(form)
        self.form = form

        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("primary")
        self.start_button.setShortcut("Ctrl+Return")
        self.start_button.setToolTip("Start training (Ctrl+Enter)")
        self.start_button.clicked.connect(self.start)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setShortcut("Ctrl+P")
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after this step and save a checkpoint (Ctrl+.)")
        self.stop_button.setShortcut("Ctrl+.")
        self.stop_button.clicked.connect(self.stop)
        controls = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.stop_button):
            controls.addWidget(b)

        self.runs = QListWidget()
        self.runs.currentItemChanged.connect(lambda item, _: item and self.open_run(item.data(Qt.ItemDataRole.UserRole)))
        self.continue_button = QPushButton("Continue selected run")
        self.continue_button.clicked.connect(self.continue_selected)
        runs_box = QGroupBox("Runs")
        runs_layout = QVBoxLayout(runs_box)
        runs_layout.addWidget(self.runs, 1)
        runs_layout.addWidget(self.continue_button)

        left = QVBoxLayout()
        left.addWidget(settings_box)
        left.addLayout(controls)
        left.addWidget(runs_box, 1)

        # ---- live view
        self.status = QLabel("Ready.")
        self.status.setObjectName("status")
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.notice = QLabel()  # warnings of the current run (a skipped checkpoint, set-aside metrics)
        self.notice.setObjectName("warning")
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setFormat("%p %")
        self.plot = LossPlot()
        self.samples = SampleGrid()
        # losses above, samples below: both stay in view while a run progresses
        views = QSplitter(Qt.Orientation.Vertical)
        views.addWidget(self.plot)
        views.addWidget(self.samples)
        views.setStretchFactor(0, 3)
        views.setStretchFactor(1, 2)
        views.setSizes([420, 300])
        self.views = views
        right = QVBoxLayout()
        right.addWidget(self.status)
        right.addWidget(self.progress)
        right.addWidget(self.error)
        right.addWidget(self.notice)
        right.addWidget(views, 1)
        split_page(self, left, right, (330, 800))
        self.apply_preset(self.preset.currentText())
        self.refresh()
        self._dataset_changed(self.dataset.currentText())
        self._set_running(False)

    # ------------------------------------------------------------ form
    def form_fields(self) -> dict:
        return {"dataset": self.dataset, "preset": self.preset, "crop": self.crop, "load": self.load,
                "blocks": self.blocks, "ngf": self.ngf, "residual": self.residual, "steps": self.steps,
                "epochs": self.epochs, "decay": self.decay, "max_steps": self.max_steps, "lr": self.lr,
                "lambda_cycle": self.lambda_cycle, "lambda_identity": self.lambda_identity, "batch": self.batch,
                "device": self.device, "sample_every": self.sample_every, "seed": self.seed}

    def _preset_by_label(self, label: str):
        return next((p for p in PRESETS.values() if p.label == label), None)

    def current_method(self) -> str:
        return self.method.currentData() or "cyclegan"

    def _dataset_changed(self, name: str) -> None:
        """Offer pix2pix when the dataset has pairs (and only pix2pix for side-by-side images)."""
        entry = next((e for e in self._entries() if e.name == name), None)
        paired = entry is not None and Library.has_pairs(entry)
        aligned = entry is not None and entry.layout == "aligned"
        model = self.method.model()
        model.item(0).setEnabled(not aligned)
        model.item(1).setEnabled(paired)
        if entry is not None:
            names = (entry.name_a, entry.name_b)
            self.direction.setItemText(0, f"{names[0]} → {names[1]}")
            self.direction.setItemText(1, f"{names[1]} → {names[0]}")
        wanted = "pix2pix" if aligned or (paired and self.current_method() == "pix2pix") else "cyclegan"
        self.method.setCurrentIndex(self.method.findData(wanted))
        self._method_changed()

    def _entries(self):
        try:
            return self.library.datasets()
        except ValueError:
            return []

    def _method_changed(self, *_) -> None:
        method = self.current_method()
        self.method_note.setText(METHOD_NOTES[method])
        self.form.setRowVisible(self._direction_row, method == "pix2pix")
        labels = [p.label for p in presets_for(method)] + [CUSTOM]
        if [self.preset.itemText(i) for i in range(self.preset.count())] != labels:
            self.preset.blockSignals(True)
            self.preset.clear()
            self.preset.addItems(labels)
            self.preset.blockSignals(False)
            self.apply_preset(labels[0])

    def _preset_values(self, preset) -> dict:
        defaults = TrainConfig()
        merged = {**{k: getattr(defaults, k) for k in ("epochs", "epochs_decay", "steps", "lr", "lambda_identity",
                                                      "batch_size")}, **preset.train, **preset.model}
        return merged

    def apply_preset(self, label: str) -> None:
        preset = self._preset_by_label(label)
        if preset is None:
            self.preset_note.setText("Your own settings.")
            return
        values = self._preset_values(preset)
        for name, (key, _) in FORM_FIELDS.items():
            widget = getattr(self, name)
            widget.blockSignals(True)
            if isinstance(widget, QCheckBox):
                widget.setChecked(bool(values.get(key, False)))
            elif key in values:
                widget.setValue(values[key])
            widget.blockSignals(False)
        self._extras = hidden_values(values)
        self.preset_note.setText(f"{preset.expected}. {preset.trade_off[0].upper()}{preset.trade_off[1:]}.")

    def _form_value(self, name: str):
        widget = getattr(self, name)
        return widget.isChecked() if isinstance(widget, QCheckBox) else widget.value()

    def _mark_custom(self) -> None:
        preset = self._preset_by_label(self.preset.currentText())
        if preset is None:
            return
        values = self._preset_values(preset)
        if any(key in values and values[key] != self._form_value(name) for name, (key, _) in FORM_FIELDS.items()):
            self.preset.blockSignals(True)
            self.preset.setCurrentText(CUSTOM)
            self.preset.blockSignals(False)
            self.preset_note.setText(f"Your own settings (from {preset.key}).")

    def refresh(self) -> None:
        current = self.dataset.currentText()
        self.dataset.clear()
        try:
            self.dataset.addItems([e.name for e in self.library.datasets()])
        except ValueError:
            pass
        if current:
            self.dataset.setCurrentText(current)
        self.runs.clear()
        for run in self.library.runs():
            rows = read_metrics(run)
            step = rows[-1]["step"] if rows else 0
            item = QListWidgetItem(f"{run.name}  ·  step {step}")
            item.setData(Qt.ItemDataRole.UserRole, str(run))
            self.runs.addItem(item)
        self.continue_button.setEnabled(self.runs.count() > 0 and self.worker is None)

    def build_config(self) -> TrainConfig:
        name = self.dataset.currentText()
        if not name:
            raise ValueError("add a dataset first (Datasets page), then pick it here")
        entry = self.library.dataset(name)
        if self.load.value() < self.crop.value():
            raise ValueError("load size must be at least the crop size")
        config = TrainConfig(
            method=self.current_method(), direction=self.direction.currentData(),
            data=entry.folder_a, data_b=entry.folder_b, name_a=entry.name_a, name_b=entry.name_b,
            out=str(self.library.new_run_dir(f"{name}-{time.strftime('%Y%m%d-%H%M%S')}")),
            model=ModelConfig(blocks=self.blocks.value(), ngf=self.ngf.value(), residual=self.residual.isChecked(),
                              **{k: self._extras[k] for k in HIDDEN_MODEL_FIELDS}),
            **{k: self._extras[k] for k in HIDDEN_TRAIN_FIELDS}, steps=self.steps.value(),
            crop_size=self.crop.value(), load_size=self.load.value(), epochs=self.epochs.value(),
            epochs_decay=self.decay.value(), max_steps=self.max_steps.value(), lr=self.lr.value(),
            lambda_cycle=self.lambda_cycle.value(), lambda_identity=self.lambda_identity.value(),
            batch_size=self.batch.value(), device=self.device.currentText(), log_every=10,
            sample_every=self.sample_every.value(), save_every=500, seed=self.seed.value())
        config.validate()
        return config

    # --------------------------------------------------------- actions
    def start(self) -> None:
        if self.worker is not None:
            return
        try:
            config = self.build_config()
        except (ValueError, KeyError) as exc:
            self.show_error(str(exc))
            return
        self.show_method(config)
        self.plot.clear()
        self._launch(TrainWorker(config=config, parent=self))

    def continue_selected(self) -> None:
        item = self.runs.currentItem()
        if item is None or self.worker is not None:
            return
        run_dir = item.data(Qt.ItemDataRole.UserRole)
        extra = {}
        if self.max_steps.value():
            extra["max_steps"] = self.max_steps.value()
        self.open_run(run_dir)
        self._launch(TrainWorker(resume_dir=run_dir, overrides=extra, parent=self))

    def _launch(self, worker: TrainWorker) -> None:
        self.error.clear()
        self.notice.clear()
        self.worker = worker
        worker.progress.connect(self.on_progress)
        worker.points.connect(self.on_points)
        worker.samples.connect(self.on_samples)
        worker.message.connect(self.show_notice)
        worker.checkpoint.connect(lambda e: self.status.setText(f"Checkpoint saved at step {e.step}."))
        worker.finished_run.connect(self.on_finished)
        worker.failed.connect(self.on_failed)
        worker.finished.connect(self._worker_done)
        self.started_at = time.monotonic()
        self.status.setText("Preparing the run…")
        self._set_running(True)
        worker.start()

    def toggle_pause(self) -> None:
        if self.worker is None:
            return
        control = self.worker.control
        if control.paused:
            control.resume()
            self.pause_button.setText("Pause")
            self.status.setText("Resumed.")
        else:
            control.pause()
            self.pause_button.setText("Resume")
            self.status.setText("Paused (after the current step).")

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.control.stop()
            self.status.setText("Stopping: saving a checkpoint…")
            self.stop_button.setEnabled(False)

    def shutdown(self, timeout_ms: int = 30000) -> None:
        """Called when the window closes: stop cleanly so the run stays resumable."""
        if self.worker is not None:
            self.worker.control.stop()
            self.worker.wait(timeout_ms)

    # ------------------------------------------------------- event slots
    def on_progress(self, p: Progress) -> None:
        self.progress.setMaximum(p.total_steps)
        self.progress.setValue(p.step)
        self.status.setText(f"Step {p.step} / {p.total_steps} · epoch {p.epoch + 1} · {p.images_per_s:.2f} img/s · "
                            f"lr {p.lr:.2e} · ETA {format_duration(p.eta_s)}")

    def on_points(self, events: list) -> None:
        self.plot.extend([(e.step, e.losses) for e in events])

    def on_samples(self, s: Samples) -> None:
        self.samples.show_samples(s.step, s.images, s.panels, s.columns)

    def show_method(self, config: TrainConfig) -> None:
        """Lay out the plot and the samples for the run's method (its losses, its panels, its sides)."""
        cls = METHODS[config.method]
        self.plot.set_loss_names(cls.loss_names)
        self.samples.set_panels(cls.sample_names, cls.sample_columns)
        a, b = config.name_a, config.name_b
        if config.method == "pix2pix" and config.direction == "BtoA":
            a, b = b, a
        self.samples.set_domain_names(a, b)

    def on_finished(self, result: Finished) -> None:
        verb = "Stopped" if result.stopped else "Finished"
        self.status.setText(f"{verb} at step {result.step}. The run is saved in {result.run_dir}"
                            + (" and can be continued." if result.stopped else "."))
        self.run_finished.emit(result.run_dir)

    def on_failed(self, reason: str) -> None:
        self.show_error(reason)  # the engine's sentence says what was kept
        self.status.setText("Training stopped with an error.")

    def show_error(self, text: str) -> None:
        self.error.setText(text)

    def show_notice(self, text: str) -> None:
        """Warnings stay in view for the whole run: the status line is overwritten every step."""
        self.notice.setText("\n".join(filter(None, [self.notice.text(), text])))

    def _worker_done(self) -> None:
        self.worker = None
        self._set_running(False)
        self.refresh()

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.continue_button.setEnabled(not running and self.runs.count() > 0)
        self.pause_button.setEnabled(running)
        self.pause_button.setText("Pause")
        self.stop_button.setEnabled(running)
        self.busy_changed.emit(running)

    # -------------------------------------------------------- past runs
    def open_run(self, run_dir: str) -> None:
        if self.worker is not None:
            return
        run = Path(run_dir)
        rows = read_metrics(run)
        try:
            self.show_method(load_json(TrainConfig, run / "config.json"))
        except (OSError, ValueError):
            pass
        self.plot.set_rows(rows)
        grids = sorted((run / "samples").glob("step_*.png"))
        if grids:
            self.samples.show_grid_file(grids[-1])
        step = rows[-1]["step"] if rows else 0
        self.status.setText(f"Run {run.name}: {len(rows)} logged steps, last step {step}.")
