"""Questions before an action that cannot be undone, answered with the action's own name.

A Yes/No box took one Enter, or a reflexive "Yes", to delete a run: the button now says what it does
("Delete", "Remove") and Cancel is the default, as the platforms' guidelines ask."""
from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget


def confirm_box(parent: QWidget | None, title: str, text: str, action: str,
                informative: str = "") -> tuple[QMessageBox, QPushButton]:
    """A question box with a button named ``action`` and Cancel, Cancel the default; not yet shown."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(text)
    if informative:
        box.setInformativeText(informative)
    button = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    return box, button


def confirm(parent: QWidget | None, title: str, text: str, action: str, informative: str = "") -> bool:
    """Whether the user chose ``action`` (Enter, Escape and closing the box all cancel)."""
    box, button = confirm_box(parent, title, text, action, informative)
    box.exec()
    return box.clickedButton() is button
