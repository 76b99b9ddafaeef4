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


class WrappedNote(QLabel):
    """A word-wrapped hint that keeps every line when its column runs short of height.

    Layouts give a wrapped QLabel the height of its width-less size hint, which clips longer
    texts; this one asks for the height its text needs at its current width.
    """

    def __init__(self, text: str = ""):
        super().__init__(text)
        self.setWordWrap(True)
        self.setObjectName("hint")

    def _fit(self) -> None:
        self.setMinimumHeight(0)  # QLabel's heightForWidth never answers less than the minimum height
        self.setMinimumHeight(self.heightForWidth(max(self.width(), 1)))

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()
