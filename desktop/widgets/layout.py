"""Layout pieces every page shares, so the four pages look and resize alike."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QSplitter, QWidget


def split_page(page: QWidget, left: QLayout, right: QLayout, sizes: tuple[int, int]) -> QSplitter:
    """A page's frame: a form or a list on the left, the work on the right, with a movable divider."""
    splitter = QSplitter()
    for layout in (left, right):
        pane = QWidget()
        pane.setLayout(layout)
        splitter.addWidget(pane)
    splitter.setStretchFactor(1, 3)
    splitter.setSizes(list(sizes))
    QHBoxLayout(page).addWidget(splitter)
    return splitter


def title_and_details() -> tuple[QLabel, QLabel]:
    """A page title and a selectable, wrapping details label under it."""
    title = QLabel()
    title.setObjectName("pageTitle")
    details = QLabel()
    details.setWordWrap(True)
    details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return title, details
