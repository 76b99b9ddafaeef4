"""What a run shows while it trains and afterwards: its state, losses, sample grids over time, and log."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QSize, QTimer, Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication, QTextOption
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar,
                               QPushButton, QSlider, QSplitter, QTabWidget, QVBoxLayout, QWidget)

from desktop.formatting import sentence
from desktop.widgets.announce import announce
from desktop.widgets.images import SampleGrid
from desktop.widgets.layout import ElidedLabel
from desktop.widgets.loss_plot import LossPlot

LOG_TAIL = 200_000  # bytes of log.txt shown


class EnlargedSamples(QDialog):
    """The samples shown on the Train page, as large as the screen allows: at 1024x700 each panel was about 70 px
    high, too small to judge a look by (a still-weak item). It follows the page's samples while it is open."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Samples")
        self.grid = SampleGrid()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.grid, 1)
        layout.addWidget(close)
        screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() if screen is not None else QSize(1024, 700)
        self.resize(room * 0.9)

    def follow(self, grid: SampleGrid) -> None:
        self.grid.copy_from(grid)
        self.setWindowTitle(f"Samples at step {grid.step:,}" if grid.step is not None else "Samples")
        self.setAccessibleName(self.windowTitle())
        for view in self.grid.views.values():  # Tab stops, each named and described (a screen reader heard
            view.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # "Samples at step 4" and "Close", nothing of them)


class SampleHistory(QWidget):
    """The sample grid, its step, and a slider through every grid the run has saved."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = SampleGrid()
        self.grid.setToolTip("Double-click to enlarge")
        self.grid.installEventFilter(self)
        self.enlarged: EnlargedSamples | None = None
        self.grids: list[tuple[int, str]] = []  # (step, path) of the run's sample grids, oldest first
        self.step_label = QLabel("No samples yet")
        self.step_label.setObjectName("hint")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setEnabled(False)
        self.slider.setToolTip("Every sample grid of the run, oldest on the left")
        self.slider.setAccessibleName("Sample history")
        self.slider.valueChanged.connect(self._show_index)
        self.latest_button = QPushButton("Latest")
        self.latest_button.setToolTip("Follow the newest samples")
        self.latest_button.clicked.connect(lambda: self.slider.setValue(self.slider.maximum()))
        self.latest_button.setEnabled(False)  # nothing older to leave until there are two grids
        self.enlarge_button = QPushButton("Enlarge")
        self.enlarge_button.setToolTip("Show these samples as large as the screen allows (or double-click them)")
        self.enlarge_button.clicked.connect(self.enlarge)
        self.enlarge_button.setEnabled(False)
        bar = QHBoxLayout()
        bar.addWidget(self.step_label)
        bar.addWidget(self.slider, 1)
        bar.addWidget(self.latest_button)
        bar.addWidget(self.enlarge_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.grid, 1)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.grid and event.type() == QEvent.Type.MouseButtonDblClick and self.grid.has_images():
            self.enlarge()
            return True
        return super().eventFilter(watched, event)

    def enlarge(self) -> None:
        """The samples shown, in a window of their own that follows the slider and the live run."""
        if self.enlarged is None:
            self.enlarged = EnlargedSamples(self.window())
        self.enlarged.follow(self.grid)
        self.enlarged.show()
        self.enlarged.raise_()
        self.enlarged.activateWindow()

    def _shown(self) -> None:
        """After the grid changed: Enlarge is offered with pictures, and an open enlarged view follows."""
        self.slider.setAccessibleDescription(self.step_label.text())  # its raw position (0 to 2) said nothing
        self.enlarge_button.setEnabled(self.grid.has_images())
        if self.enlarged is not None and self.enlarged.isVisible():
            self.enlarged.follow(self.grid)

    def set_grids(self, grids: list[Path]) -> None:
        """A past run's saved grids (samples/step_*.png); shows the newest."""
        self.grids = [(int(p.stem.split("_")[-1]), str(p)) for p in grids]
        if not self.grids:  # a run with none kept the last run's pictures, Enlarge on (a review)
            self.clear()
            return
        self._sync_slider(follow=True)

    def add_live(self, step: int, path: str, images: dict, panels, columns) -> None:
        following = not self.grids or self.slider.value() == self.slider.maximum()
        # a run resumed from before some of its samples trains those steps again: theirs were listed twice, the old
        # entry showing the new file that overwrote it, and later ones from the discarded steps after it
        self.grids = [grid for grid in self.grids if grid[0] < step] + [(step, path)]
        if following:
            self.grid.show_samples(step, images, panels, columns)
        self._sync_slider(follow=following, shown=following)
        if following:
            self.step_label.setText(f"Step {step}")
            self._shown()
        else:  # an older grid looked at stays, and says its place among more: the new one replaced its pictures
            self._show_index(self.slider.value())  # under "Step 1 (1 of 4)", which stayed "(1 of 4)" (a keyboard pass)

    def clear(self) -> None:
        self.grids = []
        self.grid.clear()
        self._sync_slider(follow=True)
        self.step_label.setText("No samples yet")
        self._shown()

    def _sync_slider(self, follow: bool, shown: bool = False) -> None:
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(len(self.grids) - 1, 0))
        self.slider.setEnabled(len(self.grids) > 1)
        if follow:
            self.slider.setValue(self.slider.maximum())
        self.slider.blockSignals(False)
        self._sync_latest()
        if follow and self.grids and not shown:
            self._show_index(self.slider.value())

    def _sync_latest(self) -> None:
        """Latest does something only while an older grid is shown."""
        self.latest_button.setEnabled(self.slider.value() < self.slider.maximum())

    def _show_index(self, index: int) -> None:
        self._sync_latest()
        if not 0 <= index < len(self.grids):
            return
        step, path = self.grids[index]
        self.grid.show_grid_file(path, step)
        self.step_label.setText(f"Step {step}" + ("" if index == len(self.grids) - 1 else f" ({index + 1} of "
                                                                                          f"{len(self.grids)})"))
        self._shown()


class LogView(QPlainTextEdit):
    """The run's log.txt, its tail, reread while it grows."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setAccessibleName("Run log")
        # a caret, so that the keyboard moves through the lines, selects and copies (the mouse alone could)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        # wrapped: the pane is narrow, and a warning's end was out of view without a sideways scroll
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)  # a long path has no space to wrap at
        self.path: Path | None = None
        self._stamp = None
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.reload)

    def follow(self, path: Path | None, live: bool) -> None:
        self.path, self._stamp = path, None
        self.reload()
        self.timer.start() if live else self.timer.stop()

    def reload(self) -> None:
        if self.path is None or not self.path.is_file():
            self.setPlainText("" if self.path is None else "No log yet.")
            return
        stat = self.path.stat()
        if self._stamp == (stat.st_mtime_ns, stat.st_size):
            return
        self._stamp = (stat.st_mtime_ns, stat.st_size)
        with open(self.path, "rb") as fh:
            fh.seek(max(0, stat.st_size - LOG_TAIL))
            text = fh.read().decode("utf-8", errors="replace")
        at_end = self.verticalScrollBar().value() >= self.verticalScrollBar().maximum() - 2
        self.setPlainText(text)
        if at_end:
            self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())


class MessageLabel(QLabel):
    """A wrapped message that takes no room while it has nothing to say, and never more than a few lines: a long
    one is cut (the whole text in its tooltip and in ``text()``), as a traceback's worth of lines grew the window
    past the screen."""

    MAX_LINES, MAX_CHARS = 4, 400

    def __init__(self, name: str):
        super().__init__()
        self._full = ""
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setVisible(False)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self._full = text or ""
        lines = self._full.splitlines()
        shown = "\n".join(lines[:self.MAX_LINES])
        if len(shown) > self.MAX_CHARS:  # at a word's end: "… those steps are tra …"
            shown = shown[:self.MAX_CHARS]
            shown = shown[:shown.rfind(" ")] if shown.rfind(" ") > self.MAX_CHARS * 3 // 4 else shown
        cut = shown != self._full
        super().setText(shown.rstrip() + (" …" if cut else ""))
        self.setToolTip(self._full if cut else "")
        self.setVisible(bool(self._full))
        announce(self, self._full, urgent=self.objectName() == "error")  # whole: shown nowhere a reader looks

    def text(self) -> str:
        return self._full

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - a word longer than the pane is cut, never widens the window
        return QSize(0, super().minimumSizeHint().height())

    def clear(self) -> None:
        self.setText("")


class RunView(QWidget):
    """Status line, progress, messages, and tabs for the losses and samples of a run and its log."""

    PLOT_SHARE = 0.52  # of the losses-and-samples height: the sizes' hints gave the plot 43 % (110 px of curves at
    # 1024x700, seven of eight losses in one band at the bottom), and sizes set before the first show are ignored

    def __init__(self, parent=None):
        super().__init__(parent)
        self.status = ElidedLabel("Ready.", Qt.TextElideMode.ElideMiddle)  # a long run name: both ends stay
        self.status.setObjectName("status")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Training progress")
        self.progress.setFormat("%p %")
        self.error = MessageLabel("error")
        self.notice = MessageLabel("warning")  # warnings of the current run (a skipped checkpoint, set-aside metrics)
        self.plot = LossPlot()
        self.samples = SampleHistory()
        live = QSplitter(Qt.Orientation.Vertical)  # losses above, samples below: both in view as a run goes
        live.addWidget(self.plot)
        live.addWidget(self.samples)
        live.setStretchFactor(0, 1)
        live.setStretchFactor(1, 1)
        live.setChildrenCollapsible(False)
        self.live = live
        self._split_done = False
        self.log = LogView()
        self.tabs = QTabWidget()
        self.tabs.addTab(live, "Losses and samples")
        self.tabs.addTab(self.log, "Log")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.status, self.progress, self.error, self.notice):
            layout.addWidget(widget)
        layout.addWidget(self.tabs, 1)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if not self._split_done:
            QTimer.singleShot(0, self._split)

    def _split(self) -> None:
        total = sum(self.live.sizes())
        if total and not self._split_done:
            self._split_done = True
            self.live.setSizes([round(total * self.PLOT_SHARE), total - round(total * self.PLOT_SHARE)])

    def show_notice(self, text: str) -> None:
        """One more line of the run's warnings, a sentence each."""
        self.notice.setText("\n".join(filter(None, [self.notice.text(), sentence(text)])))

    def reset(self) -> None:
        self.error.clear()
        self.notice.clear()
        self.progress.setValue(0)
