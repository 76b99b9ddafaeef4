"""The main window: four pages in tabs, menus, a status bar with the device."""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QThreadPool
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QApplication, QLabel, QMainWindow, QMessageBox, QPushButton, QSizePolicy, QSpacerItem,
                               QSystemTrayIcon, QTabWidget)

from desktop.engine_notices import EngineNotices
from desktop.formatting import sentence
from desktop.opener import open_path
from desktop.pages.convert import ConvertPage
from desktop.pages.datasets import DatasetsPage
from desktop.pages.models import ModelsPage
from desktop.pages.train import TrainPage
from desktop.settings import app_settings, restore_form, save_form
from desktop.widgets.announce import announce
from desktop.widgets.layout import scrolled
from desktop.widgets.questions import confirm_box
from desktop.workers import ask_all_to_stop, stop_all
from engine import __version__
from engine.library import Library


SHORTCUTS = (("Ctrl+1 … 4", "Datasets, Train, Convert, Models"), ("Ctrl+N", "Add a dataset"),
             ("Ctrl+I", "Import a model"), ("Ctrl+Enter", "Start training or the conversion"),
             ("Ctrl+P", "Pause or resume training"), ("Ctrl+.", "Stop training (it saves a checkpoint)"),
             ("Esc", "Cancel the conversion (on the Convert page)"),
             ("Delete", "Remove the dataset or model chosen in its list (asked first)"),
             ("F2", "Rename the dataset or model chosen in its list"),
             ("← →, + −, 0, ↑ ↓, Ctrl+arrows", "Before/after view (Tab to it): move the divider, zoom, fit, pan"),
             ("F1", "These shortcuts"), ("Ctrl+Q", "Quit"))


def device_summary() -> str:
    from engine.devices import describe, pick_device

    return describe(pick_device("auto"))


def first_size(available: QSize) -> QSize:
    """The size a first start opens at: roomy on a large screen, never larger than the one it is on
    (a 1024x700 laptop screen gets all of it rather than a window hanging off its edges)."""
    return QSize(min(1200, available.width()), min(780, available.height()))


QUIT_BOX_WIDTH = 440


class MainWindow(QMainWindow):
    def __init__(self, library: Library | None = None, settings=None):
        super().__init__()
        self.library = library or Library()
        self.settings = settings or app_settings()
        self._asked_to_quit = False  # Ctrl+Q: asked first while work runs
        self.setWindowTitle("CycleGAN Studio")
        self.resize(first_size(self.screen().availableGeometry().size()))

        self.datasets = DatasetsPage(self.library)
        self.train = TrainPage(self.library)
        self.convert = ConvertPage(self.library)
        self.models = ModelsPage(self.library)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for page, title in ((self.datasets, "Datasets"), (self.train, "Train"), (self.convert, "Convert"),
                            (self.models, "Models")):
            self.tabs.addTab(page, title)
        self.setCentralWidget(scrolled(self.tabs))  # a screen smaller than the pages' minimum scrolls them: at
        # 150 % scale on a 1024x700 screen the window was 780 px tall, its status bar and Start below the edge

        # pages talk through signals, never through each other's internals
        self.datasets.dataset_renamed.connect(self.train.follow_dataset_rename)  # before the refresh that follows
        self.datasets.datasets_changed.connect(self.train.refresh)
        self.train.run_finished.connect(lambda _: (self.models.refresh(), self.convert.refresh()))
        self.train.run_completed.connect(self._offer_on_convert)
        self.models.models_changed.connect(self.convert.refresh)
        self.models.renamed.connect(self.convert.follow_rename)
        self.models.renamed.connect(self.train.follow_rename)
        self.convert.models_changed.connect(self.models.refresh)
        self.models.use_model.connect(self.use_model)
        self.models.uses_of = self.convert.uses_of  # said before a model in use is deleted
        self.models.live_run = self.train.training_run  # a run being trained is not deleted
        self.datasets.training_data = self.train.training_data  # nor the copy of pictures it reads
        self.tabs.currentChanged.connect(self._page_shown)

        self._tray = None
        self.notifications: list[tuple[str, str]] = []
        self.convert.finished_long.connect(lambda text: self.notify("Conversion finished", text))
        self.train.run_finished_long.connect(self.notify)
        self.device_label = QLabel(device_summary())
        self.statusBar().addPermanentWidget(self.device_label)
        self.statusBar().showMessage(f"Library: {self.library.root}", 8000)
        # what the status bar says next is said aloud too: "No run is training." after Ctrl+P, a finished run
        # and unsaveable settings were shown where a screen reader does not look (a still-weak item)
        self._status_said_already = False  # a notice its page has said aloud: not said twice (a review)
        self.engine_notices = EngineNotices(self)
        self.engine_notices.said.connect(self.show_engine_notice)
        self.statusBar().messageChanged.connect(
            lambda text: self._status_said_already or announce(self.statusBar(), text))
        self._settings_writable = self.settings.isWritable()  # where not, said now and not again at quit
        if not self._settings_writable:  # every start forgot the window, the forms and the folders, unsaid
            self.statusBar().showMessage(f"Settings cannot be saved in {self.settings.fileName()}: the window, forms "
                                         "and folders will be forgotten when the app closes", 30000)
        self._build_menus()
        for button in self.findChildren(QPushButton):  # Enter presses a focused button, as Space does (dialogs
            button.setAutoDefault(True)  # have it; the pages' buttons took Space only)
        self.restore_state()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "Add dataset…", self.add_dataset, "Ctrl+N")
        self._action(file_menu, "Import model…", self.import_model, "Ctrl+I")
        self._action(file_menu, "Published models…", self.models.open_gallery)
        file_menu.addSeparator()
        self._action(file_menu, "Open library folder", self.open_data_folder)
        file_menu.addSeparator()
        quit_action = self._action(file_menu, "Quit", self.quit_asking)  # the standard key has none on Windows: F1
        quit_action.setShortcuts(list(dict.fromkeys([*QKeySequence.keyBindings(QKeySequence.StandardKey.Quit),
                                                     QKeySequence("Ctrl+Q")])))  # said "Ctrl+Q" to no effect
        training_menu = self.menuBar().addMenu("&Training")  # from any page: Ctrl+P did nothing outside Train
        self._action(training_menu, "Pause or resume", lambda: self._press(self.train.pause_button), "Ctrl+P")
        self._action(training_menu, "Stop and save", lambda: self._press(self.train.stop_button), "Ctrl+.")
        go_menu = self.menuBar().addMenu("&Go")
        for i, name in enumerate(("Datasets", "Train", "Convert", "Models")):
            self._action(go_menu, name, lambda _=False, i=i: self.tabs.setCurrentIndex(i), f"Ctrl+{i + 1}")
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "Keyboard shortcuts", self.show_shortcuts, "F1")
        self._action(help_menu, "Documentation", self.open_docs)
        self._action(help_menu, "Open the selected run's log", self.open_run_log)
        help_menu.addSeparator()
        self._action(help_menu, "About CycleGAN Studio", self.about)

    def _action(self, menu, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _press(self, button) -> None:
        """A page's button from the window's menu or keys; said in the status bar when it cannot act now."""
        if button.isEnabled():
            button.click()
        else:  # "No run is training." was said of a run saving its checkpoint to stop (a keyboard pass)
            stopping = self.train.worker is not None and self.train.worker.control.stopped
            self.statusBar().showMessage("The run is stopping." if stopping else "No run is training.", 4000)

    def import_model(self) -> None:
        """On the Models page, where the import says how it went (from another page it went unseen)."""
        self.tabs.setCurrentWidget(self.models)
        self.models.import_file()

    def add_dataset(self) -> None:
        self.tabs.setCurrentWidget(self.datasets)
        self.datasets.add_dataset()

    def show_shortcuts(self) -> None:
        # its 400 px wrapped most lines in two or three, under no heading (a new-user pass)
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", "<b>Keyboard shortcuts</b>",
                          QMessageBox.StandardButton.Ok, self)
        box.setInformativeText("<table>" + "".join(
            f"<tr><td><b>{keys}</b>&nbsp;&nbsp;</td><td style='white-space: nowrap'>{what}</td></tr>"
            for keys, what in SHORTCUTS) + "</table>")
        box.exec()

    def open_docs(self) -> None:
        """The README, the user's guide, beside resources/ in a checkout and in a bundle alike. It opened
        resources/README.md (the table of the files the app ships: a docs audit), then a checkout's docs/ folder:
        two measurement write-ups among forty pictures (a new-user pass)."""
        from engine.resources import resource_dir

        self._open(resource_dir().parent / "README.md")

    def open_run_log(self) -> None:
        item = self.train.runs.currentItem()
        if item is None:
            self.statusBar().showMessage("Select a run on the Train page first.", 5000)
            return
        from engine.rundir import RunDir

        self._open(RunDir(item.data(Qt.ItemDataRole.UserRole)).log)

    def show_engine_notice(self, text: str) -> None:
        """What the engine warned of while working (a run's older checkpoint used), in the status bar."""
        self.statusBar().showMessage(sentence(text), 30000)

    def notify(self, title: str, text: str) -> None:
        """Tell a person who looked away that a long job is done: a tray message where there is a tray,
        and the window asks for attention (a flashing task-bar entry) everywhere."""
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self._tray is None:
                self._tray = QSystemTrayIcon(self.windowIcon(), self)
                self._tray.show()
            self._tray.showMessage(title, text)
        QApplication.alert(self)
        self._status_said_already = True  # the page that finished said it
        self.statusBar().showMessage(f"{title}: {text}", 15000)
        self._status_said_already = False
        self.notifications.append((title, text))

    def _offer_on_convert(self, run_dir: str) -> None:
        """A run trained to its end, chosen on the Convert page, said on the Train page's line: "Ready on Convert."
        was said while a conversion ran, and nothing had been chosen (a review)."""
        if self.convert.offer_model(run_dir):
            self.train.status.setText(f"{self.train.status.text()} Ready on Convert.")

    def use_model(self, source: str, direction: str = "") -> None:
        self.convert.select_model(source, direction)
        self.tabs.setCurrentWidget(self.convert)

    def _page_shown(self, index: int) -> None:
        page = self.tabs.widget(index)
        if page is self.datasets:
            self.datasets.check_again_if_changed()
        elif page is self.models:
            self.models.refresh()
        elif page is self.convert and not self.convert.busy:
            self.convert.refresh()
        elif page is self.train and self.train.worker is None:
            self.train.refresh()

    def open_data_folder(self) -> None:
        self.library.root.mkdir(parents=True, exist_ok=True)
        self._open(self.library.root)

    def _open(self, path) -> None:
        if problem := open_path(path):
            self.statusBar().showMessage(problem, 15000)

    def about(self) -> None:
        QMessageBox.about(self, "About CycleGAN Studio",
                          f"<b>CycleGAN Studio</b> {__version__}<br>Train CycleGAN (Zhu et al. 2017) on two folders "
                          f"of images, or pix2pix (Isola et al. 2017) on pairs, and convert whole folders with "
                          f"either.<br><br>Device: {device_summary()}<br>"
                          f"Library: {self.library.root}")

    # ---------------------------------------------------------- state
    def restore_state(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):  # a file cut short in its last line (or an edit) gave text: no start
            self.restoreGeometry(geometry)
        self.train.restore(s.value("train/state", ""))
        restore_form(s, "convert", self.convert.form_fields())
        self.convert.follow_moved_demo_images()
        remembered, path = s.value("convert/model"), s.value("convert/model_path")
        if remembered and self.convert.model.findText(str(remembered)) < 0:
            if isinstance(path, str) and path and os.path.exists(path):  # a model file from outside the library:
                self.convert.select_model(path)  # it was forgotten at each start, and said to have left the library
            else:
                self.convert.model_gone(str(remembered))
        try:
            self.tabs.setCurrentIndex(int(s.value("window/page", -1)))
        except (TypeError, ValueError):
            pass
        try:
            no_datasets = not self.library.datasets()
        except ValueError:  # a damaged list (the Datasets page says so): the window opened, then closed at once
            no_datasets = False
        if s.value("window/page") is None and no_datasets:
            self.tabs.setCurrentWidget(self.convert)  # first start: the demo model and photos, ready to convert

    def save_state(self) -> bool:
        """Write the window's state to the settings file; whether it was written."""
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/page", self.tabs.currentIndex())
        s.setValue("train/state", self.train.state())
        save_form(s, "convert", self.convert.form_fields())
        s.setValue("convert/model_path", self.convert.model.currentData() or "")
        s.sync()
        # asked of a new object: one's status keeps its first error, so a quit after the space was freed asked again,
        # and a settings file with one malformed line (FormatError, then rewritten whole) asked at every quit (a review)
        return QSettings(s.fileName(), s.format()).status() != QSettings.Status.AccessError

    def _quit_unsaved(self) -> bool:
        """Whether to quit with the settings unsaved (their folder gone read-only, a full disk): the next start
        opened as the last saved one, unsaid. Cancel keeps the window, to free space and quit again."""
        return self._ask_to_quit(QMessageBox.Icon.Warning, "Your settings could not be saved.",
                                 f"{self.settings.fileName()} cannot be written (its folder may be read-only, or the "
                                 "disk full). Quit anyway, and the window, forms and folders open next time as they "
                                 "were last saved.", "Quit anyway")

    def quit_asking(self) -> None:
        """Quit as the person asked (Ctrl+Q): asked first while work runs. A signal (logout) closes unasked."""
        self._asked_to_quit = True
        try:
            self.close()
        finally:
            self._asked_to_quit = False

    def work_in_progress(self) -> list[str]:
        """What quitting now would stop, in words (empty where nothing runs)."""
        work = []
        if self.train.worker is not None:
            work.append("A run is training: it saves what it has learnt, and Continue on the Train page goes on.")
        if self.convert.busy:
            work.append("A conversion is running: the pictures converted so far are kept.")
        if self.convert.queue:
            work.append(f"{len(self.convert.queue)} more conversion(s) wait in the queue; they will not run.")
        return work

    def _quit_anyway(self, work: list[str]) -> bool:
        return self._ask_to_quit(QMessageBox.Icon.Question, "Quit while work runs?",
                                 "\n\n".join(work), "Quit")  # one paragraph each: run together they read as one

    def _ask_to_quit(self, icon, text: str, details: str, quit_label: str) -> bool:
        box, quit_button = self.quit_box(icon, text, details, quit_label)
        box.exec()
        return box.clickedButton() is quit_button

    def quit_box(self, icon, text: str, details: str, quit_label: str) -> tuple[QMessageBox, QPushButton]:
        box, quit_button = confirm_box(self, "Quit CycleGAN Studio", text, quit_label, details)
        box.setIcon(icon)
        grid = box.layout()  # a QMessageBox takes no minimum width: 227 px, three words a line (a new-user pass)
        grid.addItem(QSpacerItem(QUIT_BOX_WIDTH, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding),
                     grid.rowCount(), 0, 1, grid.columnCount())
        return box, quit_button

    def closeEvent(self, event) -> None:  # noqa: N802
        # the window's close button or Ctrl+Q: a conversion or a run stopped without a question (a start pass)
        if (event.spontaneous() or self._asked_to_quit) and (work := self.work_in_progress()):
            if not self._quit_anyway(work):
                event.ignore()
                return
        if not self.save_state() and self._settings_writable:
            if event.spontaneous() or self._asked_to_quit:
                if not self._quit_unsaved():
                    event.ignore()
                    return
            else:  # a signal (logout): no one to ask
                print(f"CycleGAN Studio: settings not saved ({self.settings.fileName()} cannot be written)",
                      file=sys.stderr)
        ask_all_to_stop()  # all at once: a copy was told to stop only after training's wait of up to 30 s
        self.hide()  # what is in flight ends unseen: the window stayed painted and dead while an image finished
        self.train.shutdown()
        self.convert.shutdown()
        stop_all()  # checks, copies, evaluations: one destroyed while it ran aborted the process
        pool = QThreadPool.globalInstance()  # thumbnails: one finishing after its grid was gone raised in its thread
        pool.clear()
        pool.waitForDone()
        super().closeEvent(event)
