"""A mouse wheel turned over a combo box or spin box the user has not clicked scrolls the page.

Qt gives such a box the wheel, and with it the keyboard focus, whether or not it was clicked, so
scrolling down a long form changed whatever setting passed under the pointer (the Train page's
Generator became unet_128, the preset became Custom, and the settings no longer held together).
Each box is made to take focus from a click or Tab only (not the wheel) as it is first shown;
until clicked, its wheel goes to the scroll area around it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QWidget

GUARDED = (QComboBox, QAbstractSpinBox)


class WheelGuard(QObject):
    """An application-wide event filter (install it once on the QApplication)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(watched, GUARDED):
            if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:  # the wheel focused it before this filter ran
                watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            return False
        if kind != QEvent.Type.Wheel or not isinstance(watched, GUARDED) or watched.hasFocus():
            return False
        area = _scroll_area_around(watched)
        if area is not None:  # handed on explicitly: Qt passes a refused wheel up only when it came from the mouse
            QApplication.sendEvent(area.verticalScrollBar(), event)
        return True


def _scroll_area_around(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent


def install(app: QApplication) -> None:
    """Guard every box of ``app`` once (make_app may be called again on the same application)."""
    if app.findChild(WheelGuard) is None:
        app.installEventFilter(WheelGuard(app))
