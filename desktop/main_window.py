"""The main window: four pages in tabs, menus, a status bar with the device."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget

from desktop.pages.convert import ConvertPage
from desktop.pages.datasets import DatasetsPage
from desktop.pages.models import ModelsPage
from desktop.pages.train import TrainPage
from desktop.settings import app_settings, restore_form, save_form
from engine import __version__
from engine.library import Library


def device_summary() -> str:
    from engine.devices import describe, pick_device

    return describe(pick_device("auto"))


class MainWindow(QMainWindow):
    def __init__(self, library: Library | None = None, settings=None):
        super().__init__()
        self.library = library or Library()
        self.settings = settings or app_settings()
        self.setWindowTitle("CycleGAN Studio")
        self.resize(1200, 780)

        self.datasets = DatasetsPage(self.library)
        self.train = TrainPage(self.library)
        self.convert = ConvertPage(self.library)
        self.models = ModelsPage(self.library)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for page, title in ((self.datasets, "Datasets"), (self.train, "Train"), (self.convert, "Convert"),
                            (self.models, "Models")):
            self.tabs.addTab(page, title)
        self.setCentralWidget(self.tabs)

        # pages talk through signals, never through each other's internals
        self.datasets.datasets_changed.connect(self.train.refresh)
        self.train.run_finished.connect(lambda _: (self.models.refresh(), self.convert.refresh()))
        self.models.models_changed.connect(self.convert.refresh)
        self.convert.models_changed.connect(self.models.refresh)
        self.models.use_model.connect(self.use_model)
        self.tabs.currentChanged.connect(self._page_shown)

        self.device_label = QLabel(device_summary())
        self.statusBar().addPermanentWidget(self.device_label)
        self.statusBar().showMessage(f"Library: {self.library.root}", 8000)
        self._build_menus()
        self.restore_state()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_data = QAction("Open data folder", self)
        open_data.triggered.connect(self.open_data_folder)
        file_menu.addAction(open_data)
        file_menu.addSeparator()
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        go_menu = self.menuBar().addMenu("&Go")
        for i, name in enumerate(("Datasets", "Train", "Convert", "Models")):
            action = QAction(name, self)
            action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _=False, i=i: self.tabs.setCurrentIndex(i))
            go_menu.addAction(action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("About CycleGAN Studio", self)
        about.triggered.connect(self.about)
        help_menu.addAction(about)

    def use_model(self, source: str) -> None:
        self.convert.select_model(source)
        self.tabs.setCurrentWidget(self.convert)

    def _page_shown(self, index: int) -> None:
        page = self.tabs.widget(index)
        if page is self.models:
            self.models.refresh()
        elif page is self.convert and self.convert.worker is None:
            self.convert.refresh()
        elif page is self.train and self.train.worker is None:
            self.train.refresh()

    def open_data_folder(self) -> None:
        self.library.root.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.library.root)))

    def about(self) -> None:
        QMessageBox.about(self, "About CycleGAN Studio",
                          f"<b>CycleGAN Studio</b> {__version__}<br>Train CycleGAN (Zhu et al. 2017) on two folders "
                          f"of images and convert whole folders with it.<br><br>Device: {device_summary()}<br>"
                          f"Library: {self.library.root}")

    # ---------------------------------------------------------- state
    def restore_state(self) -> None:
        s = self.settings
        geometry = s.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        restore_form(s, "train", self.train.form_fields())
        restore_form(s, "convert", self.convert.form_fields())
        try:
            self.tabs.setCurrentIndex(int(s.value("window/page", 0)))
        except (TypeError, ValueError):
            pass

    def save_state(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/page", self.tabs.currentIndex())
        save_form(s, "train", self.train.form_fields())
        save_form(s, "convert", self.convert.form_fields())
        s.sync()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.save_state()
        self.train.shutdown()
        self.convert.shutdown()
        super().closeEvent(event)
