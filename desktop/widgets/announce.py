"""Saying what happened to a screen reader: errors and results appear in labels that never take the focus, so
a screen reader user heard nothing of them. Qt (6.8 and later) passes an announcement event to the platform's
accessibility bridge (AT-SPI on Linux, UI Automation, NSAccessibility); with no assistive technology listening,
Qt's accessibility is inactive and nothing is sent."""

from __future__ import annotations

from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QLabel, QWidget


def announce(widget: QWidget, text: str, urgent: bool = False) -> None:
    """Have a screen reader say ``text``, from ``widget``: ``urgent`` interrupts what it is saying (an error),
    otherwise it waits its turn (a result)."""
    if not text or not QAccessible.isActive():
        return
    event = QAccessibleAnnouncementEvent(widget, text)
    event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive if urgent
                        else QAccessible.AnnouncementPoliteness.Polite)
    QAccessible.updateAccessibility(event)


class SpokenLabel(QLabel):
    """A label whose every new text is said: the outcome of something the user did (imported, exported, refused),
    shown where a screen reader does not look. Named "error", it interrupts."""

    def setText(self, text: str, failed: bool | None = None) -> None:  # noqa: N802 (Qt's name)
        """With ``failed``, in the error colour (True) or not (False): an import's "Not imported: …" was plain text
        under a model's details, read as one of them (a new-user pass)."""
        if failed is not None and (self.objectName() == "error") != failed:
            self.setObjectName("error" if failed else "")
            self.style().unpolish(self)
            self.style().polish(self)
        super().setText(text)
        announce(self, text, urgent=self.objectName() == "error")


class OutcomeLabel(SpokenLabel):
    """A page's last outcome: neutral unless said to have failed (then in the error colour)."""

    def setText(self, text: str, failed: bool = False) -> None:  # noqa: N802 (Qt's name)
        super().setText(text, failed)
