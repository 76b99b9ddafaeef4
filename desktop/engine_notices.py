"""Warnings the engine logs while the app works, shown in the window's status bar.

A conversion or an export from a run whose newest checkpoint is damaged uses an older one, and the engine
says so in its log: the command line prints it, and the app sent it to a terminal nobody sees (a review)."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

LOGGERS = ("engine.modelfile",)  # which checkpoint a run's model came from


class _Forward(logging.Handler):
    def __init__(self, notices: "EngineNotices"):
        super().__init__(logging.WARNING)
        self.notices = notices

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.notices.said.emit(record.getMessage())  # queued to the window's thread: workers log too
        except RuntimeError:  # the window is gone
            pass


class EngineNotices(QObject):
    """``said`` carries each warning of :data:`LOGGERS` while this object lives."""

    said = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._handler = _Forward(self)
        for name in LOGGERS:
            logging.getLogger(name).addHandler(self._handler)
        self.destroyed.connect(_detach(self._handler))


def _detach(handler: logging.Handler):
    def detach(*_) -> None:
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(handler)
    return detach
