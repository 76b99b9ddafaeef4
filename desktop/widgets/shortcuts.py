"""Ctrl+Return and Ctrl+Enter, the two Enter keys, both press a page's Start button.

A button holds one shortcut: Ctrl+Return alone was bound, and Ctrl with the number pad's Enter (the key the
tooltips, F1 and the README name) did nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton


def bind_start_keys(button: QAbstractButton) -> None:
    button.setShortcut(QKeySequence("Ctrl+Return"))
    keypad = QShortcut(QKeySequence("Ctrl+Enter"), button)  # active while the button's page is shown, as its own
    keypad.setContext(Qt.ShortcutContext.WindowShortcut)
    keypad.activated.connect(lambda: button.isEnabled() and button.click())
