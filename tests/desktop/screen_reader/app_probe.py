"""The real main window, with a screen reader's bridge on: a refused conversion's error and a run's warning."""

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop.main_window import MainWindow

app = QApplication(sys.argv)
window = MainWindow()
window.show()


def speak() -> None:
    window.tabs.setCurrentWidget(window.convert)
    window.convert.error.setText("The output folder is not writable: /read-only/out")
    window.train.show_notice("Checkpoint step_00000050.pt could not be read; resumed from step 40.")
    window.models.message.setText("Imported as horse2zebra.")


QTimer.singleShot(2500, speak)  # time for the bridge to learn who listens, on a loaded machine too
QTimer.singleShot(4500, app.quit)
app.exec()
