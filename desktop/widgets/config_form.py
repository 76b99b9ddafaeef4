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
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLineEdit, QSpinBox, QToolButton,
                               QToolTip, QWidget)

from desktop.widgets.shortcuts import bind_enter_keys
from engine.config import cli_fields

INT_MAX = 2**31 - 1  # what a QSpinBox holds
LABELS = {  # words a person reads; fields not named here get their name, capitalised
    "crop_size": "Crop size", "load_size": "Load size", "batch_size": "Batch size", "steps": "Steps",
    "epochs": "Epochs", "epochs_decay": "Decay epochs", "max_steps": "Stop after steps", "lr": "Learning rate",
    # the weights and sizes by what they do: "λ cycle", "Generator filters" said nothing to a new user
    "lambda_cycle": "Round-trip weight", "lambda_identity": "Leave-alone weight",
    "lambda_l1": "Match-the-target weight", "seed": "Seed", "sample_every": "Samples every",
    "model.blocks": "Network depth (blocks)", "model.ngf": "Network width", "model.ndf": "Judge width",
    "model.residual": "Edits its input (residual)",
    "model.generator": "Generator", "model.norm": "Normalisation", "model.dropout": "Dropout in the generator",
    "ema": "Weight averaging", "pool_size": "History pool", "gan_mode": "GAN loss",
    # the engine's short names read as jargon under All settings (a Train page pass)
    "amp": "Mixed precision", "compile": "Compile the networks", "channels_last": "Memory layout (NHWC)",
    "workers": "Data-loading workers", "d_augment": "Judge augmentation", "model.d_layers": "Judge layers",
    "model.d_norm": "Judge normalisation", "model.colour": "Global colour map", "model.detail": "Global detail change",
    "model.init": "Weight initialisation", "model.init_gain": "Initialisation scale", "model.upsample": "Upsampling",
    "model.channels": "Image channels", "beta1": "Adam β1", "beta2": "Adam β2", "preprocess": "Preprocessing",
    "flip": "Random flips", "log_every": "Log losses every", "save_every": "Checkpoint every",
    "keep_every": "Keep a checkpoint every",
}
# The app's own words for the fields shown by default: the command line's help named flags ("epochs-decay",
# "lambda-cycle") and internals ("tanh(atanh(x) + r)") that appear nowhere on screen (a new-user pass).
TOOLTIPS = {
    "crop_size": "Training looks at square pieces of this many pixels cut from the pictures (a multiple of 4). "
                 "Larger pieces show more of a picture at once, and each step is slower.",
    "load_size": "Each picture is scaled so that its shorter side has this many pixels before a piece is cut from it.",
    "batch_size": "Pictures from each side in one training step.",
    "steps": "How many training steps the run takes. The learning rate stays as set for the first half, then falls "
             "to zero.",
    "epochs": "Passes over the pictures at the learning rate as set.",
    "epochs_decay": "Further passes over the pictures while the learning rate falls to zero.",
    "lr": "How far each step moves the networks. The preset's value rarely needs changing: too high a rate makes "
          "training unstable.",
    "model.generator": "The kind of network that translates: ResNet (CycleGAN's) keeps a picture's layout and "
                       "changes its look; U-Net 256 or 128 (pix2pix's) needs a crop size that is a multiple of 256 "
                       "or 128.",
    "model.blocks": "How many processing blocks each translator has: more can learn larger changes, and each makes a "
                    "step slower.",
    "model.ngf": "How many features the translators' first layer has: a wider network can learn more, and is slower.",
    "model.residual": "The translator edits its input rather than drawing a new picture: on small, short runs it "
                      "keeps the picture's detail. Not in the paper.",
    "lambda_cycle": "How closely a picture translated there and back must match the original: higher keeps more of "
                    "the content.",
    "lambda_identity": "How strongly each translator must leave alone a picture that is of its output side already, "
                       "as a share of the round-trip weight. 0 turns it off.",
    "lambda_l1": "How closely the output must match the real target picture, pixel by pixel.",
    "sample_every": "Steps between the sample pictures shown under the plot; there is one after the first step too.",
    "seed": "Where the random choices start (the order of the pictures, the crops, the starting weights): the same "
            "seed, settings and pictures train the same run. Change it for another try.",
}
# A shown choice in words where its value is an identifier ("unet_256"); the value itself is what is kept.
CHOICE_WORDS = {"model.generator": {"resnet": "ResNet (CycleGAN's)", "unet_256": "U-Net 256 (pix2pix's)",
                                    "unet_128": "U-Net 128 (pix2pix's, smaller)"}}
# What a 0 means, in words, where it means "off" or "none" (a bare 0 read as a count).
ZERO_MEANS = {"max_steps": "no limit", "sample_every": "only at the end", "keep_every": "none", "pool_size": "off",
              "ema": "off", "lambda_identity": "off", "workers": "none (load in the training process)"}
PLACEHOLDERS = {"d_augment": "off (or e.g. translation,cutout)"}  # text fields' empty value, in words
SUFFIX = {"crop_size": " px", "load_size": " px"}
DECIMALS = {"lr": 6, "beta2": 6, "ema": 6, "model.init_gain": 4, "lambda_cycle": 2, "lambda_identity": 2,
            "lambda_l1": 1}


class NoSilentSign:
    """A spin box of values that cannot be negative, where a typed minus sign is not dropped unsaid: "-1" typed as
    the learning rate became 1.0, its largest value, and "-1" as the round-trip weight 0. The edit is undone, and a
    tooltip says why."""

    def validate(self, text: str, pos: int):
        if self.minimum() >= 0 and text.lstrip().startswith("-"):
            return QValidator.State.Intermediate, text, pos  # kept as typed until the edit ends
        return super().validate(text, pos)

    def fixup(self, text: str) -> str:
        if self.minimum() >= 0 and text.lstrip().startswith("-"):
            QToolTip.showText(self.mapToGlobal(self.rect().bottomLeft()), f"{label_for(self.objectName())} cannot "
                              f"be negative: it stays {self.textFromValue(self.value())}", self)
        return super().fixup(text)


class SpinBox(NoSilentSign, QSpinBox):
    pass


class DoubleSpinBox(NoSilentSign, QDoubleSpinBox):
    pass


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
            widget.addItem(CHOICE_WORDS.get(key, {}).get(choice, str(choice)), choice)
    elif kind is int:
        widget = SpinBox()
        lo, hi = bounds or (0, INT_MAX)
        widget.setRange(int(max(lo, -INT_MAX)), int(min(hi, INT_MAX)))
        widget.setSuffix(SUFFIX.get(key, ""))
        if key in ("steps", "max_steps"):
            widget.setSingleStep(100)
    elif kind is float:
        widget = DoubleSpinBox()
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
        if key in ZERO_MEANS and widget.minimum() == 0:
            widget.setSpecialValueText(ZERO_MEANS[key])
    widget.setToolTip(TOOLTIPS.get(key) or f.metadata.get("help", ""))
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
        bind_enter_keys(self.more_button)
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
