"""The Datasets page copying a dataset into the library, removing a copy, and a damaged dataset list at start."""

import shutil
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.pages.datasets import AddDatasetDialog
from tests.conftest import write_images
from tests.desktop.test_end_to_end import accept_checked, wait_for_dataset


def copy_dialog(window, root: Path, name: str) -> AddDatasetDialog:
    dialog = AddDatasetDialog(window.library, window)
    dialog.name.setText(name)
    dialog.root.set_path(str(root))
    dialog.copy.setChecked(True)
    return dialog


def test_a_copy_is_made_in_the_dialog_with_progress_before_the_dataset_is_added(qtbot, window, tmp_path,
                                                                                  monkeypatch):
    """The dialog closed at once and the copy ran unseen (no progress, no Cancel); until it ended the dataset read
    the originals, and if it failed, for good. Files it could not read stopped it; now they are left out, named."""
    root = tmp_path / "d"
    write_images(root / "trainA", 30)
    write_images(root / "trainB", 30, seed=1)
    (root / "trainA" / "broken.png").symlink_to(tmp_path / "gone.png")
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: told.append(f"{title}: {text}"))
    dialog = copy_dialog(window, root, "copied")
    qtbot.addWidget(dialog)
    seen = []
    original = dialog.status.setText
    monkeypatch.setattr(dialog.status, "setText", lambda text: (seen.append(text), original(text)))
    QTimer.singleShot(0, lambda: accept_checked(dialog))
    assert dialog.exec() == AddDatasetDialog.DialogCode.Accepted
    assert "Copying the images into the library: 60 of 60 files…" in seen
    entry = window.library.dataset("copied")
    assert window.library.copy_of(entry) == window.library.root / "datasets" / "copied"
    window.datasets.show_added(dialog)
    wait_for_dataset(window)
    assert window.datasets.list.currentItem().text() == "copied"
    # titled "Copy" alone, and a folder left out was counted as a file (a datasets pass)
    assert told and told[0].startswith("Copy dataset: 1 file(s) or folder(s) could not be read and were left out of "
                                       "the copy:\nbroken.png")


def test_a_cancelled_copy_adds_nothing_and_leaves_nothing(qtbot, window, tmp_path):
    root = tmp_path / "d"
    write_images(root / "trainA", 200)
    write_images(root / "trainB", 200, seed=1)
    dialog = copy_dialog(window, root, "cancelled")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.try_accept()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Copying"), timeout=30000)
    worker = dialog.checking
    dialog.reject()  # Cancel while it copies: stopped (its copy removed), or, just ended, removed by the dialog
    qtbot.waitUntil(lambda: worker.isFinished(), timeout=30000)
    qtbot.wait(50)
    folder = window.library.root / "datasets"
    assert window.library.datasets() == [] and (not folder.exists() or not any(folder.iterdir()))


def test_a_copy_that_cannot_be_made_is_said_in_the_dialog_and_adds_nothing(qtbot, window, tmp_path, monkeypatch):
    root = tmp_path / "d"
    write_images(root / "trainA", 2)
    write_images(root / "trainB", 2)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 10**6, 10**6))
    dialog = copy_dialog(window, root, "too big")
    qtbot.addWidget(dialog)
    dialog.show()
    accept_checked(dialog)
    qtbot.waitUntil(lambda: dialog.checking is None and dialog.error.text() != "", timeout=30000)
    assert dialog.error.text().startswith("Copying the images needs 0 MB and 1 MB are free")
    assert dialog.isVisible() and dialog.copy.isEnabled() and window.library.datasets() == []
    dialog.copy.setChecked(False)  # added by reference instead, from the same dialog
    accept_checked(dialog)
    assert [e.name for e in window.library.datasets()] == ["too big"]


def copied_dataset(library, tmp_path):
    """A dataset "mine" of two pictures a side, copied into the library: (its entry, the copy's folder)."""
    root = tmp_path / "d"
    write_images(root / "trainA", 2)
    write_images(root / "trainB", 2)
    entry = library.register(library.copy_dataset(library.check_dataset("mine", root)).entry)
    return entry, library.copy_of(entry)


def test_removing_a_copied_dataset_offers_to_delete_the_copy(qtbot, window, tmp_path, monkeypatch):
    """And the box shows at once: the copy's size was counted first, on the GUI thread (a copy of 20,000 pictures
    held the window seconds; a slow disk is stood in for by a count that takes 0.5 s)."""
    import time

    from desktop.pages import datasets

    real_size = datasets.folder_size
    monkeypatch.setattr(datasets, "folder_size", lambda folder: time.sleep(0.5) or real_size(folder))
    library = window.library
    entry, copy = copied_dataset(library, tmp_path)
    window.datasets.refresh("mine")
    wait_for_dataset(window)
    asked, first_seen = [], []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not first_seen:
            first_seen.append(box.checkBox().text())
        if "being counted" in box.checkBox().text():  # counted off the GUI thread, the box already up
            QTimer.singleShot(50, answer)
            return
        asked.append((box.informativeText(), box.checkBox().text()))
        box.checkBox().setChecked(True)
        next(b for b in box.buttons() if b.text() == "Remove").click()

    QTimer.singleShot(0, answer)
    window.datasets.remove_current()
    # deleted off the window's thread: a copy of 40,000 pictures held it 16 s (a datasets pass)
    assert window.datasets.removing is not None and window.datasets.details.text().startswith("Deleting the copy in")
    qtbot.waitUntil(lambda: window.datasets.removing is None, timeout=30000)
    assert first_seen == ["Also delete the copy (its size is being counted…)"]
    assert asked and asked[0][0] == f"Its images are a copy the library made, in {copy}."
    assert asked[0][1].startswith("Also delete the copy (") and asked[0][1].endswith(" MB)")
    assert library.datasets() == [] and not copy.exists()
    assert len(list((tmp_path / "d" / "trainA").iterdir())) == 2  # the originals, untouched



def test_a_dataset_whose_copy_a_run_trains_on_is_removed_once_it_stops(qtbot, window, tmp_path):
    """Removing a dataset while a run trained on it asked nothing of the run, and offered to delete the copy of the
    pictures it was reading (a new-user pass); kept, the copy was then left for good, listed nowhere (a review)."""
    from tests.desktop.test_end_to_end import set_tiny_training

    library = window.library
    entry, copy = copied_dataset(library, tmp_path)
    window.datasets.refresh("mine")
    window.datasets.datasets_changed.emit()
    train = window.train
    train.dataset.setCurrentText("mine")
    set_tiny_training(train, steps=100000)
    train.start()
    qtbot.waitUntil(lambda: train.worker is not None and train.worker.trainer is not None, timeout=30000)
    asked = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        asked.append(box.text())
        box.accept()

    try:
        QTimer.singleShot(0, answer)
        window.datasets.remove_current()
    finally:
        train.worker.control.stop()
        qtbot.waitUntil(lambda: train.worker is None, timeout=60000)
    assert asked == [f"A run is training on “mine”, whose images are the library's copy in {copy}: remove it once "
                     "the run has stopped, to be offered the copy's deletion too."]
    assert [e.name for e in library.datasets()] == ["mine"] and copy.exists()

def test_the_window_opens_on_a_first_start_with_a_damaged_dataset_list(qtbot, studio_home, monkeypatch):
    """A folder named datasets.json, or any damage on a first start, closed the app before its window showed."""
    from desktop.app import make_app
    from desktop.main_window import MainWindow

    (studio_home / "datasets.json").mkdir(parents=True)
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    make_app([])
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    try:
        assert warned and "datasets.json cannot be read" in warned[0]
        assert window.datasets.list.count() == 0
    finally:
        window.train.shutdown()
        window.convert.shutdown()


def test_a_damaged_dataset_list_is_set_aside_from_the_page(qtbot, studio_home, monkeypatch):
    """"Move it aside to start an empty list" was said, with no way to from the app: every dataset added was refused,
    and the Train page said "No dataset yet" (a crash pass)."""
    from desktop.app import make_app
    from desktop.main_window import MainWindow

    studio_home.mkdir(parents=True)
    (studio_home / "datasets.json").write_text('[{"name": "x", "fold')
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: None)
    make_app([])
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    try:
        page = window.datasets
        window.tabs.setCurrentWidget(page)
        assert page.set_aside_button.isVisible() and not page.demo_button.isVisible()
        assert window.train._no_dataset_hint().startswith("No dataset yet can be read: the dataset list is damaged")
        qtbot.mouseClick(page.set_aside_button, Qt.MouseButton.LeftButton)
        assert (studio_home / "datasets.damaged.json").read_text() == '[{"name": "x", "fold'
        assert not page.set_aside_button.isVisible() and page.demo_button.isVisible()
        assert "datasets.damaged.json" in page.details.text()
        qtbot.mouseClick(page.demo_button, Qt.MouseButton.LeftButton)
        assert page.list.count() == 1
    finally:
        window.train.shutdown()
        window.convert.shutdown()


def test_a_folder_whose_name_ends_in_a_space_can_be_chosen(qtbot, tmp_path):
    """The field stripped every path: a folder named "trail " was "does not exist"."""
    from desktop.widgets.folder_field import FolderField

    field = FolderField()
    qtbot.addWidget(field)
    (tmp_path / "trail ").mkdir()
    field.set_path(f"{tmp_path}/trail ")
    assert field.path() == f"{tmp_path}/trail "
    field.set_path(f"  {tmp_path}/elsewhere \n")  # spaces pasted around a path are still dropped
    assert field.path() == f"{tmp_path}/elsewhere"
    field.set_path("~/photos")  # the home folder, as a shell reads it: it was "does not exist"
    assert field.path() == str(Path.home() / "photos")
    field.set_path("Pictures/out")  # under the home folder, not under the folder the app started in (a convert pass)
    assert field.path() == str(Path.home() / "Pictures" / "out")
    field.set_path("")
    assert field.path() == ""


def test_removing_a_dataset_whose_copy_another_reads_says_why_the_copy_stays(qtbot, window, tmp_path, monkeypatch):
    """"Its images are not deleted." alone: the copy's space could not be had back, and nothing said why (a datasets
    and runs pass)."""
    library = window.library
    entry, copy = copied_dataset(library, tmp_path)
    library.add_dataset("same pictures", entry.folder_b, entry.folder_a)  # the other way round
    asked = []
    monkeypatch.setattr("desktop.pages.datasets.confirm", lambda *a: asked.append(a[4]) and False)
    window.datasets.refresh("mine")
    window.datasets.remove_current()
    assert asked == [f"Its images are not deleted. They are the library's copy in {copy}, which “same pictures” "
                     "reads too: remove that dataset as well to be offered the copy's deletion."]
