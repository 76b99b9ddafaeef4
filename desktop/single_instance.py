"""One window per library: a second start brings the open window forward instead of opening another.

Two windows on one library each wrote their settings at quit (the last to close won), and each showed runs,
datasets and models as they were when it last looked while the other changed them. The library is the data
folder (``CYCLEGAN_STUDIO_HOME`` picks another), so two libraries still open side by side.
"""

from __future__ import annotations

import getpass
import hashlib

from PySide6.QtCore import QObject, Qt
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from engine.library import data_home

WAIT_MS = 1000
SHOW = b"show\n"


def server_name() -> str:
    """A name for this account and library: local sockets are one namespace a machine (Windows' pipes, /tmp)."""
    who = f"{getpass.getuser()}\0{data_home()}"
    return "cyclegan-studio-" + hashlib.sha256(who.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def hand_over(name: str) -> bool:
    """Whether a window of this library is open already; if so it is asked to come forward."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(WAIT_MS):
        return False
    socket.write(SHOW)
    socket.waitForBytesWritten(WAIT_MS)
    socket.disconnectFromServer()
    return True


class InstanceServer(QObject):
    """Listens for later starts and brings ``window`` forward for each. Where it cannot listen, the app runs as
    before, alone unasked: a failed socket is no reason not to start."""

    def __init__(self, window, name: str):
        super().__init__(window)
        self.window = window
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)  # this account's starts only
        self.server.newConnection.connect(self._accept)
        self.shown = 0  # starts handed over (for the tests)
        if not self.server.listen(name) and not hand_over(name):
            QLocalServer.removeServer(name)  # a socket file left by a window that was killed: no one answers it
            self.server.listen(name)

    @property
    def listening(self) -> bool:
        return self.server.isListening()

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
            window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
            window.show()
            window.raise_()
            window.activateWindow()
