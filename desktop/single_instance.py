"""One window per library: a second start brings the open window forward instead of opening another.

Two windows on one library each wrote their settings at quit (the last to close won), and each showed runs,
datasets and models as they were when it last looked while the other changed them. The library is the data
folder (``CYCLEGAN_STUDIO_HOME`` picks another), so two libraries still open side by side.

The claim is a lock file (QLockFile: exclusive on every platform, and free again when its process dies), taken as
the app starts, before torch loads: two starts half a second apart both opened a window while the first was still
loading, and on Windows two local servers may listen on one name. The holder then listens for later starts.
"""

from __future__ import annotations

import getpass
import hashlib
import time
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Qt
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from engine.library import config_home, data_home

WAIT_MS = 1000
ANSWER_WITHIN_S = 10.0  # how long a later start waits for the holder to listen (it does once it has the lock)
SHOW = b"show\n"


def server_name() -> str:
    """A name for this account and library: local sockets are one namespace a machine (Windows' pipes, /tmp)."""
    who = f"{getpass.getuser()}\0{data_home()}"
    return "cyclegan-studio-" + hashlib.sha256(who.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def hand_over(name: str) -> bool:
    """Whether a window of this library listens; if so it is asked to come forward."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(WAIT_MS):
        return False
    socket.write(SHOW)
    socket.waitForBytesWritten(WAIT_MS)
    socket.disconnectFromServer()
    return True


class InstanceClaim(QObject):
    """This process's claim on the library's window (:meth:`take`), and the server that brings the window
    (:meth:`attach`) forward at each later start."""

    def __init__(self, name: str | None = None, lock_path=None):
        super().__init__()
        self.name = name or server_name()
        self.lock = QLockFile(str(lock_path or config_home() / "window.lock"))
        self.lock.setStaleLockTime(0)  # never by age: a window may stay open for weeks; a dead holder frees it
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)  # this account's starts only
        self.server.newConnection.connect(self._accept)
        self.window = None
        self.shown = 0  # starts handed over (for the tests)

    def take(self) -> bool:
        """True where this process is to open the window: it holds the claim, or the claim cannot be made here (a
        read-only settings folder: alone, unasked, as before). False where another window has it and was asked to
        come forward."""
        try:
            Path(self.lock.fileName()).parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # tryLock says it cannot make the file
        if self.lock.tryLock(0):
            QLocalServer.removeServer(self.name)  # with the lock held, a socket of this name is a dead window's
            self.server.listen(self.name)
            return True
        if self.lock.error() != QLockFile.LockError.LockFailedError:
            return True
        deadline = time.monotonic() + ANSWER_WITHIN_S
        while time.monotonic() < deadline:  # the holder listens as soon as it has the lock
            if hand_over(self.name):
                return False
            time.sleep(0.1)
        return True  # held, and no one answers: a window that hangs; this one opens rather than nothing

    @property
    def listening(self) -> bool:
        return self.server.isListening()

    def attach(self, window) -> None:
        """The window later starts bring forward (before it exists, a start's request is its own showing)."""
        self.window = window
        self.setParent(window)  # kept as long as the window

    def _accept(self) -> None:
        while (socket := self.server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda socket=socket: self._read(socket))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if bytes(socket.readAll().data()).startswith(SHOW.strip()):
            self.shown += 1
            window = self.window
            if window is None:
                return
            window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
            window.show()
            window.raise_()
            window.activateWindow()
