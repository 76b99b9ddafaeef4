"""Keys bound to a page's actions: Ctrl+Return and Ctrl+Enter press its Start button; Delete in a list asks to
remove the item chosen.

A button holds one shortcut: Ctrl+Return alone was bound, and Ctrl with the number pad's Enter (the key the
tooltips, F1 and the README name) did nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QWidget


def bind_start_keys(button: QAbstractButton, page: QWidget) -> None:
    """Ctrl+Return and Ctrl+Enter press ``button`` while ``page`` is shown, and do nothing while it is disabled.
    Bound to the page, not the button: a disabled button's shortcut lets the key pass to the focused button, which
    takes Return with Ctrl held as a click; a second Ctrl+Return during a run paused it, or stopped it, or
    cancelled a conversion (a keyboard pass)."""
    for keys in ("Ctrl+Return", "Ctrl+Enter"):
        shortcut = QShortcut(QKeySequence(keys), page)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)  # active while the page is shown
        shortcut.activated.connect(lambda: button.isEnabled() and button.click())


def bind_delete_key(widget: QWidget, button: QAbstractButton) -> None:
    """Delete, while ``widget`` (a list) has the focus, presses ``button``, which asks first: the key did nothing
    in the lists of datasets and models (a datasets pass)."""
    _press_on_key(widget, QKeySequence(QKeySequence.StandardKey.Delete), button)


def bind_rename_key(widget: QWidget, button: QAbstractButton) -> None:
    """F2, while ``widget`` (a list) has the focus, presses ``button`` (Rename…), as in file managers."""
    _press_on_key(widget, QKeySequence(Qt.Key.Key_F2), button)


def bind_enter_keys(button: QAbstractButton) -> None:
    """Return and Enter press ``button`` while it has the focus, as they press a push button: a tool button takes
    Space only ("All settings" did nothing on Enter, a keyboard pass)."""
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        _press_on_key(button, QKeySequence(key), button)


def _press_on_key(widget: QWidget, keys: QKeySequence, button: QAbstractButton) -> None:
    """``keys``, while ``widget`` has the focus, press ``button`` where it is shown and enabled."""
    key = QShortcut(keys, widget)
    key.setContext(Qt.ShortcutContext.WidgetShortcut)
    key.activated.connect(lambda: button.isVisible() and button.isEnabled() and button.click())
