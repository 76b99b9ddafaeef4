"""Starting and quitting: signals that end the app close it as Ctrl+Q does; settings that cannot be saved, and a
remembered model since deleted, are said."""

import os
import signal

import pytest

from desktop.app import close_on_signals


@pytest.mark.parametrize("name", ["SIGTERM", "SIGINT"])
def test_a_quit_signal_closes_the_window_and_keeps_the_settings(qtbot, window, name):
    """SIGTERM ended the app at once: a run lost its steps since the last checkpoint and the settings were not
    saved; Ctrl+C in the terminal did nothing. The app drops what close_on_signals returns, as here: the wakeup
    socket must live on (dropped, it closed, the idle app spun a whole core and signals went into other files)."""
    import gc

    from desktop.app import QUIT_SIGNALS

    window.tabs.setCurrentWidget(window.models)
    previous = {sig: signal.getsignal(sig) for sig in (getattr(signal, n) for n in QUIT_SIGNALS)}
    close_on_signals(window)
    gc.collect()
    wakeup = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(wakeup)
    try:
        os.fstat(wakeup)  # still open: the descriptor signals are written to
        os.kill(os.getpid(), getattr(signal, name))
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(-1)
    assert int(window.settings.value("window/page")) == window.tabs.indexOf(window.models)


def test_a_quit_signal_while_a_dialog_is_open_still_quits(qtbot, window):
    """A modal dialog's own event loop kept the process alive after the window closed."""
    from PySide6.QtCore import QTimer

    from desktop.pages.datasets import AddDatasetDialog

    undo = close_on_signals(window)
    dialog = AddDatasetDialog(window.library, window)
    QTimer.singleShot(100, lambda: os.kill(os.getpid(), signal.SIGTERM))
    try:
        assert dialog.exec() == AddDatasetDialog.DialogCode.Rejected
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    finally:
        undo()


def test_the_window_opens_where_its_settings_cannot_be_saved_and_says_so(qtbot, studio_home):
    """A file named config in the library's folder (or a read-only one) stopped the app before its window
    showed; settings that could not be written were lost at every start without a word."""
    from desktop.app import make_app
    from desktop.main_window import MainWindow

    studio_home.mkdir(parents=True)
    (studio_home / "config").write_text("not a folder")
    make_app([])
    window = MainWindow()
    qtbot.addWidget(window)
    try:
        assert window.statusBar().currentMessage().startswith(f"Settings cannot be saved in {studio_home}")
    finally:
        window.train.shutdown()
        window.convert.shutdown()


def test_a_model_chosen_last_time_and_since_deleted_is_not_replaced_by_the_demo(qtbot, studio_home, tmp_path):
    """At the next start the demo took the deleted model's place unsaid, and Convert gave the demo's look."""
    from desktop.main_window import MainWindow
    from tests.conftest import make_model_file

    first = MainWindow()
    qtbot.addWidget(first)
    mine = make_model_file(first.library.models_dir / "mine.pt")
    first.convert.refresh()
    first.convert.select_model(str(mine))
    first.close()
    mine.unlink()

    second = MainWindow()
    qtbot.addWidget(second)
    windows = [first, second]
    try:
        assert second.convert.model.currentIndex() == -1
        assert second.convert.status.text() == "The model chosen last time (Model: mine) is no longer there: choose one."
        assert second.convert.validate() == "choose a model in the list"
        # a model file from outside the library was forgotten at each start, said to be "no longer in the library"
        outside = make_model_file(tmp_path / "elsewhere.pt")
        second.convert.select_model(str(outside))
        second.close()
        third = MainWindow()
        qtbot.addWidget(third)
        windows.append(third)
        assert third.convert.model.currentData() == str(outside)
        assert third.convert.model.currentText() == "File: elsewhere.pt"
    finally:
        for window in windows:
            window.train.shutdown()
            window.convert.shutdown()


def test_the_keyboard_alone_continues_a_run_presses_buttons_and_is_not_one_enter_from_a_delete(qtbot, window,
                                                                                               tmp_path):
    """A run reached with Tab was current but not selected, so Continue stayed disabled; Enter did not press a
    focused button on the pages; the delete questions had Yes as their default, so one Enter deleted a run."""
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication, QListWidgetItem

    page = window.train
    item = QListWidgetItem("a run  ·  step 5")
    item.setData(Qt.ItemDataRole.UserRole, str(tmp_path / "a run"))
    page.runs.addItem(item)
    page.runs.clearSelection()
    page.runs.setCurrentItem(item, page.runs.selectionModel().SelectionFlag.NoUpdate)
    assert not page.runs.selectedItems() and page.continue_button.isEnabled()
    assert all(button.autoDefault() for button in (page.start_button, window.convert.start_button,
                                                     window.models.delete_button))
    defaults = []

    def note_default_and_answer() -> None:
        box = QApplication.activeModalWidget()
        defaults.append(box.defaultButton().text().replace("&", ""))
        box.reject()

    from tests.conftest import make_model_file

    make_model_file(window.library.models_dir / "mine.pt")
    window.models.refresh(select=str(window.library.models_dir / "mine.pt"))
    QTimer.singleShot(200, note_default_and_answer)
    window.models.delete_selected()
    assert defaults == ["Cancel"] and (window.library.models_dir / "mine.pt").exists()


def test_folder_fields_are_named_after_their_labels_for_screen_readers(qtbot, window):
    """Input and Output folder were both read as the bare path, and the Add dialog's three buttons as "Browse…"."""
    from desktop.pages.datasets import AddDatasetDialog

    page = window.convert
    window.tabs.setCurrentWidget(page)
    assert page.input.edit.accessibleName() and page.input.edit.accessibleName() != page.output.edit.accessibleName()
    dialog = AddDatasetDialog(window.library, window)
    qtbot.addWidget(dialog)
    dialog.show()
    names = {dialog.folder_a.browse.accessibleName(), dialog.folder_b.browse.accessibleName()}
    assert names == {"Browse for A", "Browse for B"}
    assert dialog.root.edit.accessibleName() == "Dataset folder (trainA/, trainB/)"  # no label: its placeholder


def test_ctrl_i_imports_on_the_models_page(qtbot, window, monkeypatch):
    """From another page the import went unseen: its message is on the Models page."""
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    window.tabs.setCurrentWidget(window.convert)
    window.import_model()
    assert window.tabs.currentWidget() is window.models


def test_quitting_waits_for_a_training_step_longer_than_the_pages_wait(qtbot, window, tmp_path):
    """Closing the window waited 30 s for the run, then destroyed its thread while a step still ran: "QThread:
    Destroyed while thread is still running", an abort, and the run's steps since its last save lost (a step of
    large crops on a CPU takes a minute). The run's thread is now one that closing waits for, as the others."""
    from desktop.workers import stop_all
    from tests.desktop.test_train_page import set_tiny_training, with_dataset

    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=100000)
    page.start()
    worker = page.worker
    qtbot.waitUntil(lambda: page.progress.value() >= 2, timeout=60000)
    try:
        page.shutdown(timeout_ms=1)  # the page's own wait runs out with the step in flight
        stop_all()
        assert worker.isFinished()
    finally:
        worker.wait()
    run = window.library.runs()[0]
    assert (run / "checkpoints" / "latest.pt").is_file() and "stopped" in (run / "log.txt").read_text()


def test_quitting_while_work_runs_asks_first(qtbot, window, tmp_path, monkeypatch):
    """Ctrl+Q during a conversion stopped it, and cleared its queue, without a question (a start and settings
    pass). Asked now; Cancel keeps the app and its work; a signal (logout) still closes unasked."""
    from desktop.main_window import MainWindow
    from tests.desktop.test_train_page import set_tiny_training, with_dataset

    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=100000)
    page.start()
    qtbot.waitUntil(lambda: page.progress.value() >= 1, timeout=60000)
    asked = []
    monkeypatch.setattr(MainWindow, "_quit_anyway", lambda self, work: asked.append(work) or False)
    window.quit_asking()
    assert asked == [["A run is training: it saves what it has learnt, and Continue on the Train page goes on."]]
    assert window.isVisible() and page.worker is not None
    window.close()  # as a signal does: unasked
    assert len(asked) == 1 and not window.isVisible()
    run = window.library.runs()[0]
    assert (run / "checkpoints" / "latest.pt").is_file()  # stopped and saved, as before


def test_settings_that_cannot_be_saved_at_quit_are_said_and_cancel_keeps_the_window(qtbot, window, studio_home,
                                                                                      monkeypatch, capfd):
    """The settings' folder gone read-only (or the disk full) while the app ran: quitting lost the window, forms and
    folders without a word, and the next start opened as the last saved one (a still-weak item)."""
    import shutil

    from desktop.main_window import MainWindow

    shutil.rmtree(studio_home / "config")
    (studio_home / "config").write_text("not a folder")  # as a root-run test can make a folder unwritable
    asked = []
    monkeypatch.setattr(MainWindow, "_quit_unsaved", lambda self: asked.append(1) and False)
    window.quit_asking()
    assert asked == [1] and window.isVisible()  # Cancel: the window stays, to free space and quit again
    (studio_home / "config").unlink()  # the folder mended, as after freeing space: asked no more (it was, a review)
    (studio_home / "config").mkdir()
    monkeypatch.setattr(MainWindow, "_quit_unsaved", lambda self: asked.append(2) or True)
    window.quit_asking()
    assert asked == [1] and not window.isVisible()
    assert (studio_home / "config" / "settings.ini").is_file()


def test_settings_that_cannot_be_saved_at_a_signal_are_said_on_stderr(qtbot, window, studio_home, monkeypatch, capfd):
    import shutil

    from desktop.main_window import MainWindow

    shutil.rmtree(studio_home / "config")
    (studio_home / "config").write_text("not a folder")
    asked = []
    monkeypatch.setattr(MainWindow, "_quit_unsaved", lambda self: asked.append(1) or True)
    window.close()  # as a signal (logout) closes it: no one to ask
    assert asked == [] and not window.isVisible()
    assert "CycleGAN Studio: settings not saved (" in capfd.readouterr().err


def quit_asked_about_settings(qtbot, monkeypatch) -> list:
    """A window opened on the test's library and quit with Ctrl+Q: whether it asked about its settings."""
    from desktop.app import make_app
    from desktop.main_window import MainWindow

    make_app([])
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    asked = []
    monkeypatch.setattr(MainWindow, "_quit_unsaved", lambda self: asked.append(1) or True)
    window.quit_asking()
    assert not window.isVisible()
    return asked


def test_a_settings_file_with_a_damaged_line_is_not_said_to_be_unsaveable(qtbot, studio_home, monkeypatch):
    """One malformed line (FormatError) made every quit ask whether to quit without saving, though the file was
    written whole (a review)."""
    (studio_home / "config").mkdir(parents=True)
    (studio_home / "config" / "settings.ini").write_text("[window]\npage=1\n[convert\n")  # a section unclosed
    assert quit_asked_about_settings(qtbot, monkeypatch) == []  # the file was written


def test_settings_known_to_be_unsaveable_at_the_start_are_not_asked_about_again_at_quit(qtbot, studio_home,
                                                                                      monkeypatch):
    studio_home.mkdir(parents=True)
    (studio_home / "config").write_text("not a folder")
    assert quit_asked_about_settings(qtbot, monkeypatch) == []  # said at the start


@pytest.mark.slow  # 4 s, two app processes: in make test-slow, for make test's ten minutes
def test_a_second_start_on_one_library_brings_the_open_window_forward(qtbot, window, tmp_path):
    """Two windows on one library each wrote their settings at quit, the last to close winning, and each showed
    runs and models as they were while the other changed them (a still-weak item). A second start now brings the
    first window forward and ends; a start on another library opens its own window."""
    import subprocess
    import sys

    from desktop.single_instance import InstanceClaim

    claim = InstanceClaim()
    assert claim.take() and claim.listening
    claim.attach(window)
    window.showMinimized()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}  # CYCLEGAN_STUDIO_HOME: this test's library
    proc = subprocess.run([sys.executable, "-m", "desktop"], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env=env)
    assert proc.returncode == 0 and "CycleGAN Studio is open already" in proc.stderr
    qtbot.waitUntil(lambda: claim.shown == 1, timeout=5000)
    assert not window.isMinimized()
    claim.lock.unlock()


@pytest.mark.slow  # a whole start of the app: in make test-slow, for make test's ten minutes
def test_a_start_on_another_library_opens_its_own_window(qtbot, window, tmp_path):
    import subprocess
    import sys

    from desktop.single_instance import InstanceClaim

    claim = InstanceClaim()
    assert claim.take()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CYCLEGAN_STUDIO_HOME": str(tmp_path / "another library"),
           "CYCLEGAN_STUDIO_TIMING": "1"}  # opens, and quits once its event loop runs
    proc = subprocess.run([sys.executable, "-m", "desktop"], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env=env)
    assert proc.returncode == 0 and "TIMING interactive" in proc.stdout, proc.stderr
    assert claim.shown == 0
    claim.lock.unlock()


@pytest.mark.slow  # 5 s, two app processes: in make test-slow, for make test's ten minutes
def test_two_starts_close_together_open_one_window(tmp_path):
    """The claim was made once the window was built (seconds after the start, torch loading): two starts half a
    second apart both opened a window (a review). It is taken before anything slow now."""
    import subprocess
    import sys

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CYCLEGAN_STUDIO_HOME": str(tmp_path / "home"),
           "CYCLEGAN_STUDIO_TIMING": "1"}
    starts = [subprocess.Popen([sys.executable, "-m", "desktop"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=tmp_path, env=env)]
    import time

    time.sleep(0.5)
    starts.append(subprocess.Popen([sys.executable, "-m", "desktop"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, cwd=tmp_path, env=env))
    outputs = [start.communicate(timeout=300) for start in starts]
    opened = ["TIMING interactive" in out for out, _ in outputs]
    assert opened == [True, False], outputs
    assert "CycleGAN Studio is open already" in outputs[1][1]


@pytest.mark.slow  # 6.5 s: in make test-slow, for make test's ten minutes
def test_a_lock_and_socket_left_by_a_killed_window_do_not_keep_the_next_start_from_its_window(qtbot, window,
                                                                                             tmp_path):
    import signal
    import socket
    import subprocess
    import sys

    from PySide6.QtCore import QDir

    from desktop.single_instance import InstanceClaim, hand_over, server_name

    name = server_name()
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(os.path.join(QDir.tempPath(), name))  # bound and closed, never unlinked: what kill -9 leaves
    stale.close()
    holder = subprocess.Popen([sys.executable, "-c", "from desktop.single_instance import InstanceClaim\n"
                               "import os, signal\nassert InstanceClaim().take()\n"
                               "os.kill(os.getpid(), signal.SIGKILL)"],
                              cwd=os.getcwd(), env=os.environ.copy())
    assert holder.wait(timeout=60) == -signal.SIGKILL  # it took the claim, and died holding it
    assert not hand_over(name)
    claim = InstanceClaim()
    assert claim.take() and claim.listening and hand_over(name)
    claim.attach(window)
    qtbot.waitUntil(lambda: claim.shown == 1, timeout=5000)
    claim.lock.unlock()


def test_the_quit_question_is_wide_enough_to_read(qtbot, window):
    """It was 227 px wide, its explanation three or four words a line (a new-user pass)."""
    from PySide6.QtWidgets import QMessageBox

    from desktop.main_window import QUIT_BOX_WIDTH

    box, _ = window.quit_box(QMessageBox.Icon.Question, "Quit while work runs?",
                             "A run is training: it saves what it has learnt, and Continue on the Train page goes on.",
                             "Quit")
    qtbot.addWidget(box)
    box.show()
    assert box.width() >= QUIT_BOX_WIDTH


def test_what_the_status_bar_says_is_said_to_a_screen_reader(qtbot, window, monkeypatch):
    """"No run is training." after Ctrl+P and "Select a run on the Train page first." were shown in the status bar
    alone, where a screen reader does not look (a still-weak item)."""
    said = []
    monkeypatch.setattr("desktop.main_window.announce", lambda widget, text, urgent=False: said.append(text))
    window.open_run_log()  # no run selected
    window.notify("Conversion finished", "12 pictures in /tmp/out.")  # said by its page: not twice (a review)
    window._press(window.train.pause_button)  # no run training
    assert said == ["Select a run on the Train page first.", "No run is training."]
