"""Live plot of a run's losses (CycleGAN's eight, pix2pix's four): toggles, EMA smoothing, log scale.

Built on pyqtgraph rather than QtCharts: at 10^5 points per curve (8 curves) pyqtgraph
with peak downsampling and clip-to-view redraws in milliseconds, QtCharts in seconds
(benchmarks/plot_speed.py prints both on this machine).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QCheckBox, QGridLayout, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from engine.events import LOSS_NAMES

# Okabe & Ito's colour-blind-safe palette (yellow swapped for grey, which reads on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000", "#999999")


PLOT_ADVICE = ("How far each part of the model is from its goal, step by step. Judge a run by its samples rather "
               "than by these numbers: the round-trip curves should fall; the judges' and the translators' stay about "
               "level, as each keeps up with the other.")


def swatch(colour: str) -> QIcon:
    """A short thick line in a curve's colour, for its toggle."""
    pixmap = QPixmap(18, 10)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.fillRect(0, 3, 18, 4, QColor(colour))
    painter.end()
    return QIcon(pixmap)


def ema(values: np.ndarray, weight: float, state: tuple[float, float] = (0.0, 0.0)
        ) -> tuple[np.ndarray, tuple[float, float]]:
    """TensorBoard-style exponential smoothing with debiasing (weight 0, or below 1e-6, = raw; 1 and above refused).

    Returns the smoothed values and the (accumulator, normaliser) state, so that a live plot
    can continue the average over new points instead of recomputing 10^5 of them.
    A missing value (NaN) stays a gap and does not poison the average (nor counts as a step).

    Vectorised by blocks: within a block the average is a cumulative sum of the values scaled by
    weight^-k (a block is short enough that this stays far from overflow), and only one number a
    block is carried from block to block. A loop over the points took 0.7 s a move of the smoothing
    slider on 200,000 logged steps.
    """
    if weight < 1e-6:
        return values.copy(), state
    if weight >= 1:
        raise ValueError(f"a smoothing weight is below 1, not {weight}")
    out = values.astype(float, copy=True)
    valid = ~np.isnan(out)
    x = out[valid]
    n = x.size
    if n == 0:
        return out, state
    log_w = math.log(weight)
    # weight^-block <= e^300 leaves e^400 for the values themselves (at e^600 a loss of 1e47 overflowed)
    block = max(1, min(n, 8192, int(300 / -log_w)))
    blocks = -(-n // block)
    k = np.arange(block)
    scaled = np.zeros(blocks * block)
    scaled[:n] = x
    scaled = scaled.reshape(blocks, block) * np.exp(-k * log_w)
    within = np.cumsum(scaled, axis=1) * np.exp(k * log_w) * (1 - weight)  # each block as if it started afresh
    carried = np.empty(blocks)  # the accumulator each block starts from
    acc, decay = state[0], math.exp(block * log_w)
    for b, end in enumerate(within[:, -1]):
        carried[b] = acc
        acc = decay * acc + end
    accs = (within + carried[:, None] * np.exp((k + 1) * log_w)).ravel()[:n]
    still = np.exp(np.arange(1, n + 1) * log_w)  # what the state left by earlier points still weighs
    norms = still * state[1] + (1 - still)
    out[valid] = accs / norms
    return out, (float(accs[-1]), float(norms[-1]))


def history_arrays(rows: list[dict], names: tuple[str, ...]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A run's logged steps and each loss's values, from metrics.jsonl rows (NaN where a row lacks one)."""
    return (np.array([r["step"] for r in rows], dtype=float),
            {n: np.array([r.get(n, np.nan) for r in rows], dtype=float) for n in names})


class StepAxis(pg.AxisItem):
    """Ticks at whole, non-negative steps only: a run's first logged point drew "9.6 … 10.4", and a
    zoomed-out view negative steps."""

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph's name)
        levels = [(spacing, [v for v in values if v >= 0 and float(v).is_integer()])
                  for spacing, values in super().tickValues(minVal, maxVal, size) if spacing >= 1]
        if not levels and maxVal >= 0:  # zoomed in to less than a step: the whole steps in view
            levels = [(1.0, [float(v) for v in range(max(0, math.ceil(minVal)), math.floor(maxVal) + 1)])]
        return levels


class LossAxis(pg.AxisItem):
    """On a log scale, ticks at 1, 2 and 5 of each decade alone: pyqtgraph marks 2, 3, ... 9 too, and in the plot's
    130 px at 1024x700 their labels overprinted each other ("0.7", "0.8", "0.9", "1" in one block)."""

    def logTickValues(self, minVal, maxVal, size, stdTicks):  # noqa: N802, N803 (pyqtgraph's names)
        mantissas = np.log10([1, 2, 5])
        return [(spacing, [v for v in values if round(v - math.floor(v), 6) in np.round(mantissas, 6)])
                if spacing is None else (spacing, values)
                for spacing, values in super().logTickValues(minVal, maxVal, size, stdTicks)]


class LossPlot(QWidget):
    """One curve per loss; the coloured check boxes below are the legend (nothing covers the data)."""

    visibility_changed = Signal(str, bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        pg.setConfigOptions(antialias=False, background="w", foreground="#333")
        self.plot = pg.PlotWidget(axisItems={"bottom": StepAxis("bottom"), "left": LossAxis("left")})
        self.plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a Tab stop that showed nothing (the mouse pans and zooms)
        self.plot.setMinimumHeight(96)  # at the window's smallest it was a 30 px strip of overprinted labels
        self.plot.setAccessibleName("Loss curves")  # an unnamed "Client" to a screen reader (a keyboard pass)
        self.plot.setToolTip(PLOT_ADVICE)  # said in the toggles' tooltips alone, one loss at a time (a new-user pass)
        self.plot.setLimits(xMin=0)  # there is no step before 0
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "loss")
        self.plot.getAxis("left").enableAutoSIPrefix(False)  # plain loss units, never "(x0.001)"
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        # what an empty plot is waiting for: blank axes for a run's first 10 steps read as a fault (a new-user pass)
        self.empty_note = QLabel(self.plot)
        self.empty_note.setObjectName("hint")
        self.empty_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_note.setWordWrap(True)
        self.empty_note.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)  # the plot pans under it
        self.plot.installEventFilter(self)
        self.names: tuple[str, ...] = ()
        self.labels: dict[str, str] = {}
        self.spoken: dict[str, str] = {}
        self._headers: list[QLabel] = []
        self._rows: list[tuple[str, tuple[str, ...]]] = []
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.toggles: dict[str, QCheckBox] = {}
        self._toggle_grid = QGridLayout()
        self._toggle_grid.setColumnStretch(5, 1)  # the room left past the last column: spread, the legend read apart
        self._steps = np.zeros(0)
        self._values: dict[str, np.ndarray] = {}
        self._smoothed: dict[str, np.ndarray] = {}
        self._ema_state: dict[str, tuple[float, float]] = {}
        self._smoothing = 0.6
        self.smooth = QSlider(Qt.Orientation.Horizontal)
        self.smooth.setRange(0, 99)
        self.smooth.setValue(int(self._smoothing * 100))
        self.smooth.setAccessibleDescription(f"{self._smoothing:.2f}")
        self.smooth.setToolTip("Smoothing (exponential moving average)")
        self.smooth.setAccessibleName("Smoothing of the loss curves")
        self.smooth.valueChanged.connect(lambda v: self.set_smoothing(v / 100))
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.toggled.connect(lambda on: self.plot.setLogMode(y=on))
        controls = QHBoxLayout()  # under the legend, so a narrow window keeps every check box whole
        controls.addWidget(QLabel("Smoothing"))
        controls.addWidget(self.smooth, 1)
        controls.addWidget(self.log_scale)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addLayout(self._toggle_grid)
        layout.addLayout(controls)
        self.set_loss_names(LOSS_NAMES)

    def set_loss_names(self, names: tuple[str, ...], meanings: dict[str, str] | None = None,
                       labels: dict[str, str] | None = None,
                       rows: list[tuple[str, tuple[str, ...]]] | None = None,
                       palette_order: tuple[str, ...] | None = None) -> None:
        """One curve and one toggle per loss of the method being shown (clears the data if they change). A toggle
        reads its ``labels`` entry (else the loss's own name), its tooltip says what its loss measures, and the
        toggles sit in ``rows``, each headed by what its losses belong to (else four to a row, unheaded). A loss's
        colour is its place in ``palette_order`` (else in ``names``): the same whichever of them are shown."""
        names = tuple(names)
        rows = [(header, tuple(n for n in row if n in names)) for header, row in rows or ()]
        rows = [row for row in rows if row[1]] or [("", names[i:i + 4]) for i in range(0, len(names), 4)]
        self.labels = {name: (labels or {}).get(name, name) for name in names}
        # what a screen reader says of each: "translator" alone was either direction's
        self.spoken = {name: f"{header}: {self.labels[name]}" if header else self.labels[name]
                       for header, row in rows for name in row}
        if names == self.names and [row for _, row in rows] == [row for _, row in self._rows]:
            for name, box in self.toggles.items():  # the same losses, another dataset's sides: no data is lost
                box.setToolTip((meanings or {}).get(name, ""))
                box.setText(self.labels[name])
                box.setAccessibleName(self.spoken[name])
            for header, (text, _) in zip(self._headers, rows):
                header.setText(text)
            self._rows = rows
            self._describe()
            return
        for curve in self.curves.values():
            self.plot.removeItem(curve)
        for widget in [*self.toggles.values(), *self._headers]:
            self._toggle_grid.removeWidget(widget)
            widget.hide()  # at once: deleted only when the event loop it was called from is next idle, and called
            widget.deleteLater()  # in a wait (processEvents), the last layout's boxes stayed drawn over the slider
        self.names, self.curves, self.toggles, self._headers, self._rows = names, {}, {}, [], rows
        order = list(palette_order or names)
        for name in names:
            colour = PALETTE[(order.index(name) if name in order else len(order)) % len(PALETTE)]
            curve = self.plot.plot([], [], name=name, pen=pg.mkPen(colour, width=1.5))
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
            self.curves[name] = curve
            box = QCheckBox(self.labels[name])
            box.setToolTip((meanings or {}).get(name, ""))
            box.setChecked(True)
            box.setIcon(swatch(colour))  # the words in the theme's text colour: five of the colours read at 2.2 to
            box.setIconSize(QSize(18, 10))  # 3.4 to 1 on white as text (a new-user pass)
            box.setAccessibleName(self.spoken[name])
            box.toggled.connect(lambda on, n=name: self.set_visible(n, on))
            self.toggles[name] = box
        headed = any(header for header, _ in rows)
        for r, (header, row) in enumerate(rows):
            if headed:  # "horses → zebras" once, its four losses beside it: four labels naming both sides were
                label = QLabel(header)  # wider than the window at 1024 px (a screenshot pass)
                self._toggle_grid.addWidget(label, r, 0)
                self._headers.append(label)
            for c, name in enumerate(row):
                self._toggle_grid.addWidget(self.toggles[name], r, c + headed)
        drawn = [self.toggles[name] for _, row in rows for name in row]
        order = [*drawn, self.smooth, self.log_scale]  # as drawn: the toggles sit above the slider
        for first, then in zip(order, order[1:]):
            QWidget.setTabOrder(first, then)
        self.clear()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.plot and event.type() == QEvent.Type.Resize:
            self.empty_note.setGeometry(self.plot.rect().adjusted(24, 24, -24, -24))
        return super().eventFilter(watched, event)

    def set_empty_text(self, text: str) -> None:
        """What the plot says while it has no point (nothing when "")."""
        self.empty_note.setText(text)
        self.empty_note.setVisible(bool(text) and not self._steps.size)

    # -------------------------------------------------------------- data
    def clear(self) -> None:
        self._steps = np.zeros(0)
        self._values = {n: np.zeros(0) for n in self.names}
        self._smoothed = {n: np.zeros(0) for n in self.names}
        self._ema_state = {n: (0.0, 0.0) for n in self.names}
        self._redraw()
        self._describe()
        # an empty plot kept the last run's axes until the next run's first point
        self.plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self.plot.enableAutoRange()  # and follows the next run's points

    def set_rows(self, rows: list[dict]) -> None:
        """Replace the data with metrics.jsonl rows (a past or resumed run)."""
        self.set_history(*history_arrays(rows, self.names))

    def set_history(self, steps: np.ndarray, values: dict[str, np.ndarray]) -> None:
        """Replace the data with arrays made by :func:`history_arrays` (off the GUI thread for a long history)."""
        self._steps = steps
        self._values = {n: values.get(n, np.full(steps.shape, np.nan)) for n in self.names}
        self._resmooth()
        self._describe()

    def append(self, step: int, losses: dict[str, float]) -> None:
        self.extend([(step, losses)])

    def extend(self, points: list[tuple[int, dict[str, float]]]) -> None:
        if not points:
            return
        keep = self._steps < points[0][0]  # a resumed run may re-log steps after its checkpoint
        self._steps = np.concatenate([self._steps[keep], [p[0] for p in points]])
        w = self._smoothing
        for n in self.names:
            new = np.array([p[1].get(n, np.nan) for p in points], dtype=float)
            self._values[n] = np.concatenate([self._values[n][keep], new])
            if keep.all():
                tail, self._ema_state[n] = ema(new, w, self._ema_state[n])
                self._smoothed[n] = np.concatenate([self._smoothed[n], tail])
            else:
                self._smoothed[n], self._ema_state[n] = ema(self._values[n], w)
        self._redraw()
        self._describe()

    def _describe(self) -> None:
        """The last logged step's losses in words, for a screen reader (the curves say nothing to one)."""
        self.empty_note.setVisible(bool(self.empty_note.text()) and not self._steps.size)
        if not self._steps.size:
            self.plot.setAccessibleDescription("No losses yet")
            for box in self.toggles.values():
                box.setAccessibleDescription("")
            return
        step = int(self._steps[-1])
        last = {n: self._values[n][-1] for _, row in self._rows for n in row}  # in the legend's order
        self.plot.setAccessibleDescription(f"Step {step}: " + ", ".join(f"{self.spoken[n]} {v:.3f}"
                                                                         for n, v in last.items() if np.isfinite(v)))
        for name, value in last.items():  # each toggle its own value: the plot itself is no Tab stop
            self.toggles[name].setAccessibleDescription(f"{value:.3f} at step {step}" if np.isfinite(value) else "")

    def set_smoothing(self, weight: float) -> None:
        self._smoothing = weight
        self.smooth.setAccessibleDescription(f"{weight:.2f}")  # its position (0 to 99) said nothing
        self._resmooth()

    def _resmooth(self) -> None:
        for n in self.names:
            self._smoothed[n], self._ema_state[n] = ema(self._values[n], self._smoothing)
        self._redraw()

    def set_visible(self, name: str, visible: bool) -> None:
        self.curves[name].setVisible(visible)
        if self.toggles[name].isChecked() != visible:
            self.toggles[name].setChecked(visible)
        self.visibility_changed.emit(name, visible)

    def point_count(self) -> int:
        return int(self._steps.size)

    def _redraw(self) -> None:
        single = self._steps.size == 1  # a line needs two points: the first logged step is drawn as a dot
        for n, curve in self.curves.items():
            curve.setData(self._steps, self._smoothed[n], symbol="o" if single else None, symbolSize=6,
                          symbolPen=None, symbolBrush=curve.opts["pen"].color())
        if single:  # from step 0 to twice the step, not a view of a fraction of a step around it
            self.plot.setXRange(0, 2 * max(float(self._steps[0]), 1.0), padding=0)
        else:
            self.plot.enableAutoRange(x=True)
