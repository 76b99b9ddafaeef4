"""Image helpers and image widgets: a labelled sample grid, a thumbnail grid, a before/after view."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, QThreadPool
from PySide6.QtGui import QColor, QIcon, QImage, QImageReader, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (QGridLayout, QLabel, QListView, QListWidget, QListWidgetItem, QSizePolicy,
                               QVBoxLayout, QWidget)

from desktop.widgets.layout import ElidedLabel


def array_to_qimage(array: np.ndarray) -> QImage:
    """uint8 HxW, HxWx1 or HxWx3 to a QImage that owns its pixels."""
    array = np.ascontiguousarray(array)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    h, w = array.shape[:2]
    if array.ndim == 2:
        return QImage(array.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
    return QImage(array.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def read_scaled(path: str, max_side: int = 1024) -> QImage:
    """Decode an image upright and at most ``max_side`` pixels long (JPEGs decode scaled, cheaply),
    so a 24-megapixel preview does not hold the GUI thread."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = reader.size()
    whole = size.isValid() and reader.format().data() not in (b"jpeg", b"jpg")  # decoded whole, then scaled
    if whole and size.width() * size.height() * 4 > QImageReader.allocationLimit() << 20:
        # Qt refuses it and says so on the console ("Rejecting image as it exceeds the current allocation limit")
        return read_scaled_with_pillow(path, max_side)
    if size.isValid() and max(size.width(), size.height()) > max_side:
        reader.setScaledSize(size.scaled(max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return image if not image.isNull() else read_scaled_with_pillow(path, max_side)


VIEW_SIDE = 4096  # the longest side a result is looked at with: a 12 MP photo at its own pixels


def read_for_view(path: str, max_side: int = VIEW_SIDE) -> tuple[QImage, float]:
    """An image to look at closely, at most ``max_side`` long, and how many of the picture's own pixels each of its
    pixels stands for (1.0 where it is whole), so that a view can say its zoom of the picture itself. Seconds for a
    large PNG (it cannot be decoded scaled): called off the GUI thread."""
    image = read_scaled(path, max_side)
    size = QImageReader(path).size()
    if image.isNull() or not size.isValid():
        return image, 1.0
    return image, max(1.0, max(size.width(), size.height()) / max(image.width(), image.height()))


def read_pair_for_view(before: str, after: str) -> tuple[QImage, QImage, float]:
    """A converted file and its input, read for a before/after view (off the GUI thread): the input's detail."""
    shown_before, detail = read_for_view(before)
    return shown_before, read_for_view(after)[0], detail


def read_scaled_with_pillow(path: str, max_side: int) -> QImage:
    """What Qt cannot read and the engine can (a PSD, a name that is not UTF-8): a converted file showed nothing,
    or the failed file's message before it. A null image where neither can."""
    from engine.data import load_image

    try:
        image = load_image(path)
    except Exception:  # noqa: BLE001 - Pillow raises many types for bad files
        return QImage()
    image.thumbnail((max_side, max_side))
    return array_to_qimage(np.asarray(image))


class ScaledImage(QLabel):
    """A label that shows an image scaled to fit, keeping its aspect ratio."""

    def __init__(self, placeholder: str = "", parent=None):
        super().__init__(placeholder, parent)
        self._placeholder = placeholder
        self._image = QImage()
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(48, 32)  # at 125 % on a 1024x700 screen two rows of 48 px pushed Start off the window
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setObjectName("imageView")

    def set_image(self, image: QImage) -> None:
        self._image = image
        self._rescale()

    def has_image(self) -> bool:
        return not self._image.isNull()

    def image(self) -> QImage:
        return self._image

    def clear_image(self) -> None:
        """Back to the placeholder text."""
        self._image = QImage()
        self.setPixmap(QPixmap())
        self.setText(self._placeholder)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._rescale()

    def _rescale(self) -> None:
        if self._image.isNull():
            return
        pix = QPixmap.fromImage(self._image)
        self.setPixmap(pix.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                  Qt.TransformationMode.SmoothTransformation))


class SampleGrid(QWidget):
    """A run's sample panels with captions: CycleGAN's real/fake/rec of both directions, or
    pix2pix's input, output and target. The panels follow the engine's Samples event."""

    CAPTIONS = {"real_A": "Real {a}", "fake_B": "→ {b}", "rec_A": "→ back to {a}",
                "real_B": "Real {b}", "fake_A": "→ {a}", "rec_B": "→ back to {b}",
                "input": "Input ({a})", "output": "Output → {b}", "target": "Target ({b})"}
    CYCLEGAN = ("real_A", "fake_B", "rec_A", "real_B", "fake_A", "rec_B")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._layout = QGridLayout(self)
        self.views: dict[str, ScaledImage] = {}
        self.captions: dict[str, QLabel] = {}
        self.panels: tuple[str, ...] = ()
        self.columns = 3
        self._names = ("A", "B")
        self.step = None
        self.set_panels(self.CYCLEGAN, 3)

    def set_panels(self, panels: tuple[str, ...], columns: int) -> None:
        """Lay out one captioned view per panel, ``columns`` a row (keeps the views if unchanged)."""
        panels = tuple(panels)
        if panels == self.panels and columns == self.columns:
            return
        for widget in [*self.views.values(), *self.captions.values()]:
            self._layout.removeWidget(widget)
            widget.hide()  # at once: in a wait (processEvents) deleteLater left them drawn (as the loss plot's)
            widget.deleteLater()
        self.views, self.captions = {}, {}
        self.panels, self.columns = panels, columns
        for column in range(max(self._layout.columnCount(), columns)):  # alike, whatever their captions
            self._layout.setColumnStretch(column, 1 if column < columns else 0)
        for i, key in enumerate(panels):
            caption = ElidedLabel()  # cut to its column ("→ back to watercolour painting" had widened it)
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            view = ScaledImage("no sample yet")
            self._layout.addWidget(caption, (i // columns) * 2, i % columns)
            self._layout.addWidget(view, (i // columns) * 2 + 1, i % columns)
            self.views[key], self.captions[key] = view, caption
        self.set_domain_names(*self._names)

    def set_domain_names(self, a: str, b: str) -> None:
        """Name the panels: A and B are the source and the target side (pix2pix: in its direction)."""
        self._names = (a, b)
        for key, caption in self.captions.items():
            caption.setText(self.CAPTIONS.get(key, key).format(a=a, b=b))
        self._describe()

    def _describe(self) -> None:
        """Each view named by its caption, and described by the step it shows: a screen reader said "label" for
        every sample and nothing of what it was or when (a still-weak item)."""
        for key, view in self.views.items():
            view.setAccessibleName(f"Sample: {self.captions[key].text()}")
            view.setAccessibleDescription(f"At step {self.step:,}" if self.step is not None and view.has_image()
                                          else "No sample yet")

    def show_samples(self, step: int, images: dict[str, np.ndarray], panels: tuple[str, ...] | None = None,
                     columns: int | None = None) -> None:
        if panels:
            self.set_panels(panels, columns or self.columns)
        self.step = step
        for key, view in self.views.items():
            if key in images:
                view.set_image(array_to_qimage(images[key]))
        self._describe()

    def clear(self) -> None:
        """No pictures: a new run must not show the last one's as its own."""
        self.step = None
        for view in self.views.values():
            view.clear_image()
        self._describe()

    def has_images(self) -> bool:
        return any(view.has_image() for view in self.views.values())

    def copy_from(self, other: SampleGrid) -> None:
        """Show what ``other`` shows: its panels, names, step and pictures (an enlarged view of the same samples)."""
        self.set_panels(other.panels, other.columns)
        self.step = other.step
        for key, view in self.views.items():
            if other.views[key].has_image():
                view.set_image(other.views[key].image())
            else:
                view.clear_image()
        self.set_domain_names(*other._names)

    def show_grid_file(self, path: str | Path, step: int) -> None:
        """Show a saved samples/step_*.png (a grid of the panels with 2 px padding), of ``step``, in the views."""
        grid = QImage(str(path))
        self.step = step
        if grid.isNull():
            self._describe()
            return
        rows = -(-len(self.panels) // self.columns)
        cell_w = (grid.width() - 2) // self.columns - 2
        cell_h = (grid.height() - 2) // rows - 2
        for i, key in enumerate(self.panels):
            x, y = 2 + (i % self.columns) * (cell_w + 2), 2 + (i // self.columns) * (cell_h + 2)
            self.views[key].set_image(grid.copy(x, y, cell_w, cell_h))
        self._describe()


class ThumbnailGrid(QListWidget):
    """A scrollable icon grid of image files, thumbnails decoded off the GUI thread and cached."""

    def __init__(self, cache_dir: Path, size: int = 96, parent=None):
        super().__init__(parent)
        from desktop.workers import ThumbnailSignals

        self.cache_dir, self.size = cache_dir, size
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(size, size))
        self.setGridSize(QSize(size + 16, size + 28))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setWordWrap(False)
        self.signals = ThumbnailSignals()
        self.signals.ready.connect(self._on_ready)
        self.pool = QThreadPool.globalInstance()
        self._items: dict[str, QListWidgetItem] = {}
        self._generation = 0
        self._dropped = threading.Event()  # set when the pictures shown change: their queued decodes end at once
        self._waiting: list = []  # decodes kept until the grid is shown (a hidden tab decodes nothing)

    def set_files(self, files: list[Path], limit: int = 500, wide: bool = False) -> None:
        """Show image files; ``wide`` for images that hold a pair side by side."""
        self.set_pairs([(p, None) for p in files], limit, wide)

    def set_pairs(self, pairs: list[tuple[Path, Path | None]], limit: int = 500, wide: bool = True) -> None:
        """Show pairs side by side (or single files where the partner is None), named by the first."""
        from desktop.workers import ThumbnailTask

        self.clear()
        self._items = {}
        self._generation += 1
        # the last dataset's decodes kept both cores busy for 18 s after another was picked (150 photos of 12 MP)
        self._dropped.set()
        self._dropped, self._waiting = threading.Event(), []
        width = 2 * self.size if wide else self.size
        self.setIconSize(QSize(width, self.size))
        self.setGridSize(QSize(width + 16, self.size + 28))
        placeholder = self._placeholder(width)
        for path, partner in pairs[:limit]:
            item = QListWidgetItem(placeholder, path.stem if partner else path.name)
            item.setSizeHint(self.gridSize())
            item.setToolTip(f"{path}\n{partner}" if partner else str(path))
            self.addItem(item)
            self._items[str(path)] = item
            self._waiting.append(ThumbnailTask(path, self.size, self.cache_dir, self.signals, partner, width,
                                               self._dropped))
        self.scrollToTop()  # another dataset's pictures opened where the last one's had been scrolled to
        if self.isVisible():
            self._start_waiting()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self._start_waiting()

    def _start_waiting(self) -> None:
        """Decode the thumbnails of a grid now shown: every tab's were decoded, hidden ones too (600 decodes of 12 MP
        photos for 150 pairs, a minute of both cores)."""
        waiting, self._waiting = self._waiting, []
        for task in waiting:
            self.pool.start(task)

    def _placeholder(self, width: int | None = None) -> QIcon:
        """A light box the size of a thumbnail, so the layout does not jump as they arrive."""
        pix = QPixmap(width or self.size, self.size)
        pix.fill(QColor("#e6e8eb"))
        return QIcon(pix)

    def _on_ready(self, path: str, image: QImage) -> None:
        item = self._items.get(path)
        if item is None:
            return
        if image.isNull():  # unreadable: marked, not a grey tile that looks like one still loading
            item.setIcon(self._broken())
            item.setToolTip(f"{path}\nThis file cannot be read as an image: it is skipped.")
            item.setData(Qt.ItemDataRole.UserRole + 1, True)
            return
        item.setIcon(QIcon(QPixmap.fromImage(image)))
        item.setData(Qt.ItemDataRole.UserRole, True)

    def _broken(self) -> QIcon:
        pix = QPixmap(self.iconSize())
        pix.fill(QColor("#f6e3e5"))
        painter = QPainter(pix)
        painter.setPen(QPen(QColor("#b00020"), 3))
        m = min(pix.width(), pix.height()) // 3
        cx, cy = pix.width() // 2, pix.height() // 2
        painter.drawLine(cx - m // 2, cy - m // 2, cx + m // 2, cy + m // 2)
        painter.drawLine(cx + m // 2, cy - m // 2, cx - m // 2, cy + m // 2)
        painter.end()
        return QIcon(pix)

    def broken_count(self) -> int:
        return sum(bool(self.item(i).data(Qt.ItemDataRole.UserRole + 1)) for i in range(self.count()))

    def loaded_count(self) -> int:
        return sum(bool(self.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.count()))


def vbox(*widgets, margins: int = 0) -> QVBoxLayout:
    layout = QVBoxLayout()
    layout.setContentsMargins(margins, margins, margins, margins)
    for w in widgets:
        layout.addWidget(w)
    return layout
