"""What 'fits' means, checked on real widgets: nothing squeezed below its size hint, no text cut off."""

from __future__ import annotations

from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton, QStyle,
                               QStyleOptionComboBox, QWidget)

from desktop.widgets.layout import ElidedComboBox, ElidedLabel

INPUTS = (QAbstractSpinBox, QLineEdit, QComboBox, QPushButton, QCheckBox)


def plain(text: str) -> str:
    if "<" not in text:
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def combo_field_width(combo: QComboBox) -> int:
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    return combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                        QStyle.SubControl.SC_ComboBoxEditField, combo).width()


def squeezed(root: QWidget) -> list[str]:
    """Visible inputs smaller than their minimum size hint, labels and combo boxes whose text is cut."""
    problems = []
    for w in root.findChildren(QWidget):
        if not w.isVisible() or w.window() is not root.window() or isinstance(w.parent(), QAbstractSpinBox):
            continue  # (a spin box's own line edit is its business)
        name = w.objectName() or type(w).__name__
        if isinstance(w, INPUTS):
            hint = w.minimumSizeHint()
            if w.height() < hint.height() or w.width() < min(hint.width(), 60):
                problems.append(f"{name} is {w.width()}x{w.height()}, needs {hint.width()}x{hint.height()}")
        if isinstance(w, QComboBox) and not isinstance(w, ElidedComboBox) and w.currentText():
            if w.fontMetrics().horizontalAdvance(w.currentText()) > combo_field_width(w) + 2:
                problems.append(f"{name} cuts {w.currentText()!r}")
        if isinstance(w, QLabel) and not isinstance(w, ElidedLabel) and not w.wordWrap() and w.text():
            for line in plain(w.text()).splitlines():
                if w.fontMetrics().horizontalAdvance(line) > w.contentsRect().width() + 2:
                    problems.append(f"label {line[:40]!r} is cut ({w.contentsRect().width()} px)")
    return problems
