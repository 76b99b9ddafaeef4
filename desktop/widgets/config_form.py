"""A form built from the config dataclasses' field metadata: the same names, bounds, choices and help
texts the command line is built from, so an option added to the engine appears here with no GUI code.

Fields are addressed by their dotted path in ``TrainConfig`` (``crop_size``, ``model.ngf``). A page
lists the ones it shows in its own order and sections; every other option lands in a collapsed
"All settings" section.
"""

from __future__ import annotations

import dataclasses
import math
import typing

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLineEdit, QSpinBox, QToolButton,
                               QWidget)

from engine.config import cli_fields

INT_MAX = 2**31 - 1  # what a QSpinBox holds
LABELS = {  # words a person reads; fields not named here get their name, capitalised
    "crop_size": "Crop size", "load_size": "Load size", "batch_size": "Batch size", "steps": "Steps",
    "epochs": "Epochs", "epochs_decay": "Decay epochs", "max_steps": "Stop after steps", "lr": "Learning rate",
    "lambda_cycle": "λ cycle", "lambda_identity": "λ identity", "lambda_l1": "λ L1", "seed": "Seed",
    "sample_every": "Samples every", "model.blocks": "Residual blocks", "model.ngf": "Generator filters",
    "model.ndf": "Critic filters", "model.residual": "Edits its input (residual)",
    "model.generator": "Generator", "model.norm": "Normalisation", "model.dropout": "Dropout in the generator",
    "ema": "Weight averaging", "pool_size": "History pool", "gan_mode": "GAN loss",
    # the engine's short names read as jargon under All settings (a Train page pass)
    "amp": "Mixed precision", "compile": "Compile the networks", "channels_last": "Memory layout (NHWC)",
    "workers": "Data-loading workers", "d_augment": "Critic augmentation", "model.d_layers": "Critic layers",
    "model.d_norm": "Critic normalisation", "model.colour": "Global colour map", "model.detail": "Global detail change",
    "model.init": "Weight initialisation", "model.init_gain": "Initialisation scale", "model.upsample": "Upsampling",
    "model.channels": "Image channels", "beta1": "Adam β1", "beta2": "Adam β2", "preprocess": "Preprocessing",
    "flip": "Random flips", "log_every": "Log losses every", "save_every": "Checkpoint every",
    "keep_every": "Keep a checkpoint every",
}
PLACEHOLDERS = {"d_augment": "off (or e.g. translation,cutout)"}  # text fields' empty value, in words
SUFFIX = {"crop_size": " px", "load_size": " px"}
DECIMALS = {"lr": 6, "beta2": 6, "ema": 6, "model.init_gain": 4, "lambda_cycle": 2, "lambda_identity": 2,
            "lambda_l1": 1}


def label_for(key: str) -> str:
    return LABELS.get(key) or key.split(".")[-1].replace("_", " ").capitalize()


def config_fields(cls: type, prefix: str = "") -> dict[str, tuple[dataclasses.Field, type]]:
    """Dotted key -> (field, type) of every option of ``cls`` and of its nested config dataclasses."""
    found = {f"{prefix}{name}": (f, kind) for name, f, kind in cli_fields(cls)}
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[f.name]):
            found.update(config_fields(hints[f.name], f"{prefix}{f.name}."))
    return found


def make_widget(key: str, f: dataclasses.Field, kind: type) -> QWidget:
    """The editor a field's type and metadata call for, its range and choices from the metadata."""
    choices, bounds = f.metadata.get("choices"), f.metadata.get("bounds")
    if kind is bool:
        widget = QCheckBox(label_for(key))
    elif choices:
        widget = QComboBox()
        widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        widget.setMinimumContentsLength(8)
        for choice in choices:
            widget.addItem(str(choice), choice)
    elif kind is int:
        widget = QSpinBox()
        lo, hi = bounds or (0, INT_MAX)
        widget.setRange(int(max(lo, -INT_MAX)), int(min(hi, INT_MAX)))
        widget.setSuffix(SUFFIX.get(key, ""))
        if key in ("steps", "max_steps"):
            widget.setSingleStep(100)
    elif kind is float:
        widget = QDoubleSpinBox()
        lo, hi = bounds or (-1e9, 1e9)
        decimals = DECIMALS.get(key, 4)
        scale = 10 ** decimals  # the range in steps the box can show, inside the bounds
        widget.setDecimals(decimals)
        widget.setRange(math.ceil(lo * scale) / scale, math.floor(hi * scale) / scale)
        widget.setSingleStep(10 ** (math.floor(math.log10(abs(f.default))) if f.default else -1))
    else:
        widget = QLineEdit()
        if key in PLACEHOLDERS:  # an empty field said nothing of what it takes, nor that empty is a choice
            widget.setPlaceholderText(PLACEHOLDERS[key])
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):  # what the field holds, whatever a page narrows it to now
        widget.setProperty("holds", (widget.minimum(), widget.maximum()))
    widget.setToolTip(f.metadata.get("help", ""))
    widget.setObjectName(key)
    return widget


class ConfigForm(QObject):
    """Rows of fields added to a page's QFormLayout (so its own rows line up with them), plus a
    collapsed "All settings" part with every other option."""

    changed = Signal(str)  # the key of the field a person changed

    def __init__(self, cls: type, layout: QFormLayout, shown: list[str], hidden: set[str] = frozenset(),
                 parent=None):
        super().__init__(parent)
        self.specs = config_fields(cls)
        self.fields: dict[str, QWidget] = {}
        self.main = layout
        for key in shown:
            self._add(self.main, key)
        self.more_button = QToolButton()
        self.more_button.setText("All settings")
        self.more_button.setCheckable(True)
        self.more_button.setArrowType(Qt.ArrowType.RightArrow)
        self.more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more_button.setAutoRaise(True)
        self.more = QWidget()
        more_layout = QFormLayout(self.more)
        more_layout.setContentsMargins(0, 0, 0, 0)
        for key in self.specs:
            if key not in shown and key not in hidden:
                self._add(more_layout, key)
        self.more.setVisible(False)
        self.more_button.toggled.connect(self._toggle_more)
        layout.addRow(self.more_button)
        layout.addRow(self.more)

    def _add(self, layout: QFormLayout, key: str) -> None:
        f, kind = self.specs[key]
        widget = make_widget(key, f, kind)
        self.fields[key] = widget
        if isinstance(widget, QCheckBox):
            layout.addRow("", widget)
            widget.toggled.connect(lambda _=False, k=key: self.changed.emit(k))
        else:
            layout.addRow(label_for(key), widget)
            signal = {QComboBox: "currentIndexChanged", QLineEdit: "textEdited"}.get(type(widget), "valueChanged")
            getattr(widget, signal).connect(lambda *_, k=key: self.changed.emit(k))

    def _toggle_more(self, on: bool) -> None:
        self.more.setVisible(on)
        self.more_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def field(self, key: str) -> QWidget:
        return self.fields[key]

    def row_of(self, key: str) -> tuple[QFormLayout, int]:
        for layout in (self.main, self.more.layout()):
            row, _ = layout.getWidgetPosition(self.fields[key])
            if row >= 0:
                return layout, row
        raise KeyError(key)

    def set_row_visible(self, key: str, visible: bool) -> None:
        layout, row = self.row_of(key)
        layout.setRowVisible(row, visible)

    # ------------------------------------------------------------ values
    def value(self, key: str):
        w = self.fields[key]
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QComboBox):
            return w.currentData()
        if isinstance(w, QLineEdit):
            return w.text()
        return w.value()

    def set_value(self, key: str, value) -> None:
        w = self.fields[key]
        w.blockSignals(True)
        try:
            if isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, QComboBox):
                i = w.findData(value)
                if i >= 0:
                    w.setCurrentIndex(i)
            elif isinstance(w, QLineEdit):
                w.setText(str(value))
            else:
                w.setValue(value)
        finally:
            w.blockSignals(False)

    def values(self) -> dict:
        """The form as a nested dict in the config's shape (only the fields it has)."""
        out: dict = {}
        for key in self.fields:
            node, *rest = key.split(".")
            if rest:
                out.setdefault(node, {})[rest[0]] = self.value(key)
            else:
                out[key] = self.value(key)
        return out

    def set_values(self, values: dict) -> None:
        """Fill the fields from a config dict (nested as to_dict gives it); keys it lacks stay. ValueError, and
        nothing changed, if a value is beyond what its field holds (:meth:`check_values`)."""
        for key, value in self.check_values(values).items():
            self.set_value(key, value)

    def check_values(self, values: dict) -> dict:
        """The form's values in ``values``, by field key; ValueError if one is beyond what its field holds: a spin
        box holds 32-bit numbers where the engine takes a seed of 2**63 - 1 (OverflowError half-way left a form
        neither the file's nor the user's), and it would have clamped a number beyond its own range unsaid."""
        given = {}
        for key in self.fields:
            node, *rest = key.split(".")
            source = values.get(node, {}) if rest else values
            name = rest[0] if rest else key
            if isinstance(source, dict) and name in source:
                given[key] = source[name]
        beyond = []
        for key, value in given.items():
            w = self.fields[key]
            if not isinstance(w, (QSpinBox, QDoubleSpinBox)) or not isinstance(value, (int, float)):
                continue
            lo, hi = w.property("holds")
            if not lo <= value <= hi:
                beyond.append(f"{label_for(key).lower()} {value:,} is beyond what this form holds ({lo:,} to {hi:,})")
            elif isinstance(w, QDoubleSpinBox) and abs(round(value, w.decimals()) - value) > 1e-12:  # 1e-7 read as 0
                beyond.append(f"{label_for(key).lower()} {value:g} is finer than this form shows ({w.decimals()} "
                              "decimals)")
        if beyond:
            raise ValueError("; ".join(beyond))
        return given
