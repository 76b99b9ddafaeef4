"""Listen on the accessibility bus as a screen reader does: register for announcements, print each one heard
("HEARD <politeness> <text>"), and say "listening" once registered. Arguments: the bus address, seconds to run."""

import sys

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Slot
from PySide6.QtDBus import QDBusConnection, QDBusMessage

app = QCoreApplication(sys.argv)
bus = QDBusConnection.connectToBus(sys.argv[1], "a11y")
register = QDBusMessage.createMethodCall("org.a11y.atspi.Registry", "/org/a11y/atspi/registry",
                                         "org.a11y.atspi.Registry", "RegisterEvent")
register.setArguments(["object:announcement"])
reply = bus.call(register)


class Sink(QObject):
    @Slot(QDBusMessage)
    def heard(self, message: QDBusMessage) -> None:
        args = message.arguments()  # detail, politeness (1 polite, 2 assertive), 0, the text, properties
        print("HEARD", args[1], args[3].variant(), flush=True)


sink = Sink()
subscribed = bus.connect("", "", "org.a11y.atspi.Event.Object", "Announcement", sink, "1heard(QDBusMessage)")
print("listening" if subscribed and reply.type() == QDBusMessage.MessageType.ReplyMessage
      else f"not listening: {reply.errorMessage()}", flush=True)
QTimer.singleShot(int(sys.argv[2]) * 1000, app.quit)
app.exec()
