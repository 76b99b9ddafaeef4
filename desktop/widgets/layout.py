"""Layout pieces every page shares, so the four pages look and resize alike."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (QComboBox, QFormLayout, QFrame, QHBoxLayout, QLabel, QLayout, QLineEdit, QScrollArea,
                               QSplitter, QStyle, QStyleOptionComboBox, QStyleOptionFrame, QStylePainter, QToolButton,
                               QVBoxLayout, QWidget)


class FormScroll(QScrollArea):
    """A scroll area that asks for its content's width (no sideways scrolling), but any height."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name): the splitter reads it, as it changes
        content = self.widget()
        width = pane_width(content) if content is not None else 0
        return QSize(width, super().minimumSizeHint().height())


def scrolled(widget: QWidget, keep_width: bool = False) -> QScrollArea:
    """``widget`` in a frameless scroll area: a pane that fits any window, scrolling when it must."""
    area = FormScroll() if keep_width else QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a Tab stop that showed nothing: its fields take the focus
    return area


def pane_width(content: QWidget) -> int:
    """The width a scrolled pane needs to show ``content`` without scrolling sideways."""
    return content.minimumSizeHint().width() + content.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent) + 4


def split_page(page: QWidget, left: QLayout, right: QLayout, sizes: tuple[int, int],
               scroll_left: bool = True, scroll_right: bool = True,
               left_footer: QLayout | None = None) -> QSplitter:
    """A page's frame: a form or a list on the left, the work on the right, with a movable divider.

    Both panes scroll when the window is smaller than their content (unless the caller scrolls
    a part of one itself), so no page ever makes the window grow, and every field keeps its full height at 1024x700 (or 800x600).
    ``left_footer`` stays in view under the left pane's scrolling part: the buttons that start
    the page's work are never below the fold.
    """
    splitter = QSplitter()
    for i, (layout, scroll) in enumerate(((left, scroll_left), (right, scroll_right))):
        pane = QWidget()
        pane.setLayout(layout)
        # the form keeps its width (no sideways scrolling) and scrolls up and down
        shown = scrolled(pane, keep_width=i == 0) if scroll else pane
        if i == 0 and left_footer is not None:
            column = QWidget()
            column_layout = QVBoxLayout(column)
            column_layout.setContentsMargins(0, 0, 0, 0)
            column_layout.addWidget(shown, 1)
            column_layout.addLayout(left_footer)
            shown = column
        splitter.addWidget(shown)
    splitter.setStretchFactor(1, 3)
    splitter.setSizes(list(sizes))
    splitter.setChildrenCollapsible(False)
    QHBoxLayout(page).addWidget(splitter)
    return splitter


class ElidedLabel(QLabel):
    """One line of status that never widens its window: cut with an ellipsis to fit, the whole text
    in its tooltip (and in ``text()``)."""

    def __init__(self, text: str = "", mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight, parent=None):
        super().__init__(parent)
        self._full, self._mode = "", mode
        self.setTextFormat(Qt.TextFormat.PlainText)  # it is cut by characters; and a name "<i>horse" was italic
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self._full = text or ""
        self._show()

    def text(self) -> str:
        return self._full

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(min(super().sizeHint().width(), 300), super().sizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._show()

    def _show(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, self._mode, max(self.width(), 1))
        QLabel.setText(self, shown)
        self.setToolTip(self._full if shown != self._full else "")


class PathEdit(QLineEdit):
    """A path field that shows a long path cut in the middle (both ends stay readable) when it is not
    being edited; the whole path in its tooltip."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.textChanged.connect(self.setToolTip)  # typed, pasted, dropped or set: the tooltip follows

    def paintEvent(self, event) -> None:  # noqa: N802
        rect = self.text_rect()
        text = self.text()
        if self.hasFocus() or self.fontMetrics().horizontalAdvance(text) <= rect.width():
            super().paintEvent(event)
            return
        painter = QPainter(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelLineEdit, self._option(), painter, self)
        painter.setPen(self.palette().text().color())
        painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, self.shown_text())

    def text_rect(self) -> QRect:
        """Where the text may go: inside the frame, left of the clear button and any other action."""
        rect = self.style().subElementRect(QStyle.SubElement.SE_LineEditContents, self._option(), self)
        rect = rect.adjusted(4, 0, -4, 0)
        for button in self.findChildren(QToolButton):
            if button.isVisible() and button.x() > rect.center().x():
                rect.setRight(min(rect.right(), button.x() - 4))
        return rect

    def shown_text(self) -> str:
        """The text as painted when not being edited: cut in the middle to fit :meth:`text_rect`."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideMiddle, self.text_rect().width())

    def _option(self) -> QStyleOptionFrame:
        option = QStyleOptionFrame()
        self.initStyleOption(option)
        return option


class ElidedComboBox(QComboBox):
    """A combo box whose current text, when too long for it, is cut in the middle with an ellipsis (Qt clips it
    mid-word, so two exports of one run looked alike); the whole text in its tooltip."""

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        painter = QStylePainter(self)
        option = self._option()
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        option.currentText = self.shown_text()
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)

    def shown_text(self) -> str:
        option = self._option()
        field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                            QStyle.SubControl.SC_ComboBoxEditField, self)
        return self.fontMetrics().elidedText(self.currentText(), Qt.TextElideMode.ElideMiddle, field.width())

    def _option(self) -> QStyleOptionComboBox:
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        return option



class NarrowingLabel(QLabel):
    """A wrapped label that a word longer than its pane never widens: such a word (a folder name of 160 letters
    without a space) is cut at the pane's edge, the whole text in ``text()``; it widened the Datasets page past the
    window, with a sideways scroll bar (a datasets and runs pass). Its text is always rich text: escape what the
    user typed (html.escape)."""

    def __init__(self, text: str = ""):
        super().__init__(text)
        self.setWordWrap(True)
        # always rich text, its callers escaping what the user typed: Qt's guess took a one-line text with no tag
        # for plain, and a side named "Rock & Roll" read "Rock &amp; Roll" (a datasets pass)
        self.setTextFormat(Qt.TextFormat.RichText)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(0, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(min(super().sizeHint().width(), 400), super().sizeHint().height())


class DetailsLabel(NarrowingLabel):
    """A page's details: a Tab stop whose text the keyboard selects and copies, as the mouse does (a dataset's
    folders and a model's file could be copied by mouse alone, and a screen reader's Tab never met them), but only
    while it says something: empty, Tab stopped on nothing and a screen reader said "Details" (a datasets pass)."""

    def __init__(self, text: str = ""):
        super().__init__(text)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setAccessibleName("Details")
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if text else Qt.FocusPolicy.NoFocus)

    def clear(self) -> None:  # QLabel's own clear() passes by setText
        self.setText("")


def title_and_details() -> tuple[QLabel, QLabel]:
    """A page title (one line, elided: a 300-character dataset name pushed the page past the window) and a
    selectable, wrapping details label under it."""
    title = ElidedLabel()
    title.setObjectName("pageTitle")
    return title, DetailsLabel()


class WrappedNote(QLabel):
    """A word-wrapped hint that keeps every line when its column runs short of height.

    Layouts give a wrapped QLabel the height of its width-less size hint, which clips longer
    texts; this one asks for the height its text needs at its current width.
    """

    def __init__(self, text: str = ""):
        super().__init__(text)
        self.setWordWrap(True)
        self.setObjectName("hint")
        self._reserve: list[str] = []

    def reserve(self, texts: list[str]) -> None:
        """Keep the height the longest of ``texts`` needs, whichever is shown: the rows below stay put. A shorter
        text sits at the top, under what it speaks of: centred, it floated in a band of blank (a new-user pass)."""
        self._reserve = list(texts)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._fit()

    def _fit(self) -> None:
        self.setMinimumHeight(0)  # QLabel's heightForWidth never answers less than the minimum height
        self.setMaximumHeight(16777215)  # (nor more than the maximum)
        width = max(self.width(), 1)
        needed = self.heightForWidth(width)
        if self._reserve:
            current = QLabel.text(self)
            for text in self._reserve:
                QLabel.setText(self, text)
                needed = max(needed, self.heightForWidth(width))
            QLabel.setText(self, current)
        self.setFixedHeight(needed)  # no more either: a layout with room to spare grew one text and not the next

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()


def ask_text(parent: QWidget, title: str, label: str, text: str = "") -> str | None:
    """A one-line question in a dialog wide enough for its answer (QInputDialog's default cuts names): the answer
    stripped, "" where OK was pressed on none (the caller says so: it passed for Cancel), None for Cancel."""
    from PySide6.QtWidgets import QInputDialog

    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    # on its line edit: the dialog's own layout sets the dialog's minimum size when shown (it was 188 px)
    field = dialog.findChild(QLineEdit)
    field.setMinimumWidth(min(max(400, field.fontMetrics().horizontalAdvance(text) + 40), 880))
    if dialog.exec() != QInputDialog.DialogCode.Accepted:
        return None
    return dialog.textValue().strip()


def fit_to_width(view, mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle):
    """A list whose long rows are cut with an ellipsis (their whole text in each row's tooltip) instead of
    growing a sideways scroll bar that hides the ends of every row."""
    view.setTextElideMode(mode)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return view


def share_label_column(*forms: QFormLayout) -> None:
    """One label column for forms stacked in one pane: each form sized its own, and their fields started at three
    different places (the Train page's Device row, its main rows, All settings; a look-and-keyboard pass)."""
    role = QFormLayout.ItemRole.LabelRole
    labels = [item.widget() for form in forms for row in range(form.rowCount())
              if (item := form.itemAt(row, role)) is not None and item.widget() is not None]
    width = max((label.sizeHint().width() for label in labels), default=0)
    for label in labels:
        label.setMinimumWidth(width)
