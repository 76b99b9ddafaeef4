"""Before and after in one picture, as Upscayl shows them: a divider to drag, zoom and pan.

The input is drawn left of the divider and the result right of it, over the same pixels.
The wheel zooms around the pointer, dragging pans, dragging the divider's handle moves it;
Fit shows the whole image and 1:1 one image pixel per screen pixel. From the keyboard (Tab to it):
Left and Right move the divider (with Shift, finely), + and - zoom, 0 fits, and Up, Down and Ctrl with
any arrow pan (a tenth of the view a press).
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QTextOption
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from desktop.widgets.layout import ElidedLabel

HANDLE = 10  # px either side of the divider that grab it


EMPTY = "Before and after appear here"


class CompareCanvas(QWidget):
    zoom_changed = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.before, self.after = QImage(), QImage()
        self.placeholder = EMPTY  # what the empty canvas says
        self.divider = 0.5  # where the divider is, as a fraction of the image's width
        self.scale = 1.0  # screen pixels per pixel of the images held
        self.detail = 1.0  # the picture's own pixels per pixel of the images held (> 1: a smaller copy is shown)
        self.offset = QPointF(0, 0)  # the image's top-left corner in widget coordinates
        self.fitted = True
        self._drag: str | None = None
        self._last = QPointF()
        self.setMinimumSize(160, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setObjectName("imageView")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the divider moved by mouse alone
        self.setAccessibleName("Before and after")  # it was a nameless client area to a screen reader
        self._describe()

    # ------------------------------------------------------------ images
    def set_images(self, before: QImage, after: QImage, detail: float = 1.0) -> None:
        """Show a pair; the result is scaled onto the input's size if they differ. ``detail``: the picture's own
        pixels per pixel of ``before`` (a smaller copy of a large picture), so that the zoom said and 1:1 are of the
        picture itself (they were of a 1024 px copy: "45 %" of a 2800 px photo shown at 16 %). A zoom is kept: on a
        picture of the same size at the same place (the same detail of the next photo of a shoot), on another size
        centred (it was left where the last one's corner had been, the picture off to one side)."""
        previous, detail = self.before.size(), max(detail, 1.0)
        if not self.fitted:  # the same zoom of the picture itself, about the point at the view's centre (it
            centre = QPointF(self.width() / 2, self.height() / 2)  # drifted toward the top left)
            at_centre = (centre - self.offset) / self.scale
            self.scale *= detail / self.detail
            self.offset = centre - at_centre * self.scale
        self.detail = detail
        self.before = before
        if not after.isNull() and not before.isNull() and after.size() != before.size():
            after = after.scaled(before.size(), Qt.AspectRatioMode.IgnoreAspectRatio,
                                 Qt.TransformationMode.SmoothTransformation)
        self.after = after
        if self.fitted:
            self.fit()
        else:
            if before.size() != previous and not before.isNull():
                self.offset = QPointF((self.width() - before.width() * self.scale) / 2,
                                      (self.height() - before.height() * self.scale) / 2)
            self.zoom_changed.emit(self.zoom())  # the label was left empty under a kept zoom
            self._describe()
        self.update()

    def zoom(self) -> float:
        """Screen pixels per pixel of the picture itself (1.0 is 1:1)."""
        return self.scale / self.detail

    def actual_size(self) -> None:
        """One pixel of the picture itself per screen pixel (of the copy held, magnified, past its detail)."""
        self.zoom_to(self.detail)

    def clear(self, placeholder: str = EMPTY) -> None:
        self.before, self.after = QImage(), QImage()
        self.placeholder = placeholder
        self.setAccessibleName("Before and after")
        self._describe()
        self.update()

    def has_images(self) -> bool:
        return not self.before.isNull()

    # ---------------------------------------------------------- viewing
    def fit(self) -> None:
        """The whole image in view, centred."""
        self.fitted = True
        if self.before.isNull():
            return
        w, h = self.before.width(), self.before.height()
        self.scale = min(self.width() / w, self.height() / h)
        self.offset = QPointF((self.width() - w * self.scale) / 2, (self.height() - h * self.scale) / 2)
        self.zoom_changed.emit(self.zoom())
        self._describe()
        self.update()

    def zoom_to(self, scale: float, around: QPointF | None = None) -> None:
        """Zoom to ``scale`` screen pixels per image pixel, keeping the point ``around`` still."""
        if self.before.isNull():
            return
        around = around if around is not None else QPointF(self.width() / 2, self.height() / 2)
        scale = max(0.02 * self.detail, min(scale, 32.0 * self.detail))  # 2 % to 32x of the picture itself
        image_point = (around - self.offset) / self.scale
        self.scale = scale
        self.offset = around - image_point * scale
        self.fitted = False
        self.zoom_changed.emit(self.zoom())
        self._describe()
        self.update()

    def image_rect(self) -> QRectF:
        return QRectF(self.offset.x(), self.offset.y(), self.before.width() * self.scale,
                      self.before.height() * self.scale)

    def sides_in_view(self) -> tuple[bool, bool]:
        """Whether any of the input (left of the divider) and of the result (right of it) is on screen."""
        rect, x = self.image_rect(), self.divider_x()
        return x > max(rect.left(), 0), x < min(rect.right(), self.width())

    def divider_x(self) -> float:
        rect = self.image_rect()
        return rect.left() + self.divider * rect.width()

    def set_divider(self, fraction: float) -> None:
        self.divider = max(0.0, min(1.0, fraction))
        self._describe()
        self.update()

    def _describe(self) -> None:
        """What a screen reader says of the view besides its name: where the divider and the zoom are."""
        self.setAccessibleDescription(f"Before left of the divider at {self.divider * 100:.0f} %, after right of it; "
                                      f"zoom {self.zoom() * 100:.0f} %" if self.has_images() else self.placeholder)

    # ----------------------------------------------------------- events
    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.fitted:
            self.fit()

    def wheelEvent(self, event) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120
        self.zoom_to(self.scale * (1.25 ** steps), event.position())

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if not self.has_images():
            return
        self._last = event.position()
        self._drag = "divider" if self._near_divider(event.position().x()) else "pan"

    def _near_divider(self, x: float) -> bool:
        """At the divider, or at its handle drawn at the edge it went past (pressed there, it panned: a review)."""
        return abs(x - self.divider_x()) <= HANDLE or abs(x - self.handle_x()) <= HANDLE

    def handle_x(self) -> float:
        return min(max(self.divider_x(), 9), self.width() - 9)

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        near = self.has_images() and self._near_divider(event.position().x())
        self.setCursor(Qt.CursorShape.SplitHCursor if near or self._drag == "divider" else Qt.CursorShape.OpenHandCursor)
        if self._drag == "divider":
            rect = self.image_rect()
            self.set_divider((event.position().x() - rect.left()) / max(rect.width(), 1))
        elif self._drag == "pan":
            self.offset += event.position() - self._last
            self._last = event.position()
            self.fitted = False
            self.update()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        self._drag = None

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802
        self.fit()

    def pan(self, dx: float, dy: float) -> None:
        """Show what lies ``dx``, ``dy`` view widths and heights to the right of and below what is shown."""
        if not self.has_images():
            return
        self.offset -= QPointF(dx * self.width(), dy * self.height())
        self.fitted = False
        self.update()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key, fine = event.key(), event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        panning = event.modifiers() & Qt.KeyboardModifier.ControlModifier or key in (Qt.Key.Key_Up, Qt.Key.Key_Down)
        arrows = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
        if panning and key in arrows:  # zoomed in, only the centre of a photo could be seen from the keyboard
            dx, dy = arrows[key]
            self.pan(dx * 0.1, dy * 0.1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and self.has_images():
            step = 0.01 if fine else 0.05
            self.set_divider(self.divider + (step if key == Qt.Key.Key_Right else -step))
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus):
            self.zoom_to(self.scale * (1.25 if key != Qt.Key.Key_Minus else 0.8))
        elif key == Qt.Key.Key_0:
            self.fit()
        else:
            super().keyPressEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#eceef1"))
        if self.before.isNull():
            # dark enough to read (#888 on this ground was 3:1, a failure's reason read as "nothing here"), and a
            # long file name broken where it must be, not cut at both ends (a new-user pass)
            painter.setPen(QColor("#4b5563"))
            layout = QTextOption(Qt.AlignmentFlag.AlignCenter)  # words whole, a name longer than a line broken
            layout.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
            painter.drawText(QRectF(self.rect().adjusted(16, 16, -16, -16)), self.placeholder, layout)
            self._draw_focus(painter)  # a Tab stop that showed nothing when reached (a keyboard pass)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.scale < 1)
        rect = self.image_rect()
        x = self.divider_x()
        painter.save()
        painter.setClipRect(QRectF(rect.left(), rect.top(), x - rect.left(), rect.height()))
        painter.drawImage(rect, self.before)
        painter.restore()
        if not self.after.isNull():
            painter.save()
            painter.setClipRect(QRectF(x, rect.top(), rect.right() - x, rect.height()))
            painter.drawImage(rect, self.after)
            painter.restore()
        painter.setPen(QPen(QColor("white"), 2))
        painter.drawLine(QPointF(x, max(rect.top(), 0)), QPointF(x, min(rect.bottom(), self.height())))
        # the handle at the edge where the divider is out of view: zoomed in, nothing showed where it had gone
        middle = QPointF(self.handle_x(), min(max(rect.center().y(), 12), self.height() - 12))
        painter.setBrush(QColor("#2563eb"))
        painter.drawEllipse(middle, 9, 9)
        painter.setPen(QColor("white"))
        painter.drawText(QRectF(middle.x() - 9, middle.y() - 9, 18, 18), Qt.AlignmentFlag.AlignCenter, "⇔")
        for text, left in zip(("Before", "After"), (True, False)):
            if not self.sides_in_view()[0 if left else 1]:  # "Before" stayed over a view of the result alone
                continue
            box = QRectF(6 if left else self.width() - 66, 6, 60, 20)
            painter.fillRect(box, QColor(0, 0, 0, 110))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        self._draw_focus(painter)

    def _draw_focus(self, painter: QPainter) -> None:
        if self.hasFocus():  # where the keyboard is, as the buttons show it
            painter.setPen(QPen(QColor("#2563eb"), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))


class CompareView(QWidget):
    """The canvas, with Fit and 1:1 and the zoom in words."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.canvas = CompareCanvas()
        self.caption = ElidedLabel()  # a failed file's reason and path made the window 1498 px wide
        self.caption.setObjectName("hint")
        self.zoom_label = QLabel()
        fit, actual = self.fit_button, self.actual_button = QPushButton("Fit"), QPushButton("1:1")
        fit.setToolTip("The whole image (double-click does it too)")
        actual.setToolTip("One pixel of the picture per screen pixel (a picture over 4096 px is shown from a smaller "
                          "copy, said beside the zoom)")
        fit.clicked.connect(self.canvas.fit)
        actual.clicked.connect(self.canvas.actual_size)
        self.canvas.zoom_changed.connect(self._say_zoom)
        bar = QHBoxLayout()
        bar.addWidget(self.caption, 1)
        bar.addWidget(self.zoom_label)
        bar.addWidget(fit)
        bar.addWidget(actual)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.canvas, 1)
        self._sync_buttons()

    def show_pair(self, before: QImage, after: QImage, caption: str, detail: float = 1.0) -> None:
        if before.isNull() and after.isNull():  # the last picture's message stayed over this one's name
            self.clear(f"{caption}: neither picture can be shown here")
            self.caption.setText(caption)
            return
        self.canvas.set_images(before, after, detail)
        self.canvas.setAccessibleName(f"Before and after: {caption}")
        self.caption.setText(caption)
        self._sync_buttons()

    def _say_zoom(self, zoom: float) -> None:
        """The zoom of the picture itself, and where a smaller copy of it is magnified, that it is one: at "100 %" of
        a 6000 px photo read at 4096 the copy's pixels were shown as the photo's."""
        held = self.canvas.before
        copy = (f" · a {max(held.width(), held.height())} px copy" if self.canvas.detail > 1 and self.canvas.scale > 1
                else "")
        self.zoom_label.setText(f"{zoom * 100:.0f} %{copy}")

    def clear(self, placeholder: str = EMPTY) -> None:
        self.canvas.clear(placeholder)
        self.caption.setText("")
        self.zoom_label.setText("")
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        """Fit and 1:1 only with a picture to zoom: with none they looked ready and did nothing."""
        for button in (self.fit_button, self.actual_button):
            button.setEnabled(self.canvas.has_images())
