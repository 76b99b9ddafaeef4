"""The Train page says what the CLI says when a run is damaged, locked or its disk fills up."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from engine import Trainer, fileio
from engine.rundir import RunDir
from tests.conftest import tiny_config
from tests.reliability.test_runs import FullDisk


def make_run(window, dataset, name="r1", **kw) -> RunDir:
    run = RunDir(window.library.runs_dir / name)
    Trainer(tiny_config(dataset, run.path, **kw)).run()
    window.train.refresh()
    return run


def continue_run(qtbot, page, run: RunDir, steps: int) -> None:
    for row in range(page.runs.count()):
        if page.runs.item(row).data(Qt.ItemDataRole.UserRole) == str(run.path):
            page.runs.setCurrentRow(row)
    page.form.field("max_steps").setValue(steps)
    page.device.setCurrentIndex(page.device.findData("cpu"))
    qtbot.mouseClick(page.continue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)


def test_a_damaged_checkpoint_is_named_and_an_older_one_used(qtbot, window, tiny_dataset):
    run = make_run(window, tiny_dataset, max_steps=4, keep_every=2, save_every=1)
    run.latest.write_bytes(run.latest.read_bytes()[:200])
    with open(run.metrics, "a") as fh:
        fh.write('{"step": 5, "ep')
    page = window.train
    continue_run(qtbot, page, run, steps=6)
    notice = page.notice.text()
    assert "Resuming from checkpoints/step_00000004.pt (step 4); skipped newer: latest.pt is damaged" in notice
    assert notice.startswith("Few images (A: 5, B: 4)")  # each line a sentence of its own, capitalised
    assert "1 damaged line(s)" in notice and "moved to metrics.damaged.txt" in notice
    assert "Finished at step 6" in page.status.text() and not page.error.text()


def test_a_run_none_of_whose_checkpoints_load_shows_what_to_do_in_view(qtbot, window, tiny_dataset):
    """Every checkpoint cut short: the error listed each file's reason first and was cut at 400 characters before
    it said how to train again; that was in its tooltip alone (a datasets and runs pass)."""
    run = make_run(window, tiny_dataset, max_steps=4, keep_every=1, save_every=1)
    for path in run.checkpoint_candidates():
        path.write_bytes(path.read_bytes()[:2000])
    continue_run(qtbot, window.train, run, steps=6)
    visible = QLabel.text(window.train.error)  # what the label shows, not its whole text
    assert "start a new run from" in visible and "Load settings… on the Train page" in visible, visible


def test_a_run_another_program_trains_is_listed_as_such_and_not_offered_to_continue(qtbot, window, tiny_dataset):
    """Trained by `cyclegan train` in a terminal, a run was listed as idle, and Continue, Rename and Delete each
    failed on it with six lines of red (a datasets and runs pass). Its lock says who holds it; once let go (or its
    holder killed), the run is offered again."""
    from engine.rundir import RunLock, trained_elsewhere

    run = make_run(window, tiny_dataset, max_steps=2)
    assert trained_elsewhere(run.path) is None
    lock = RunLock(run.path)
    lock.acquire()  # as a process training it holds it (flock: two opens conflict within one process too)
    try:
        window.train.refresh()
        window.train.runs.setCurrentRow(0)
        item = window.train.runs.currentItem()
        assert item.text() == "r1  ·  step 2  ·  training elsewhere"
        assert f"Being trained by process {os.getpid()}" in item.toolTip()
        assert not window.train.continue_button.isEnabled()
    finally:
        lock.release()
    window.train.runs.setCurrentRow(-1)
    window.train.runs.setCurrentRow(0)  # picked again: looked at again (its mark stayed until a refresh; a review)
    assert window.train.runs.currentItem().text() == "r1  ·  step 2  ·  unfinished"
    assert window.train.continue_button.isEnabled()
    run.lock.write_text('{"pid": 1}')  # a holder killed: its record stays, its lock went with it
    assert trained_elsewhere(run.path) is None


def test_damaged_lines_of_a_runs_losses_are_said_when_it_is_shown(qtbot, window, tiny_dataset):
    """Lines of metrics.jsonl that are not records were passed over unsaid: "0 logged steps, last step 0" beside
    samples and a checkpoint of a later step (a datasets and runs pass)."""
    run = make_run(window, tiny_dataset, max_steps=3)
    with open(run.metrics, "a") as fh:
        fh.write("garbage\n{\"step\": \n\x00\x00\n")
    window.train.open_run(str(run.path))
    qtbot.waitUntil(lambda: not window.train._history_readers, timeout=30000)
    assert window.train.status.text() == ("Run r1: losses logged at 3 steps, up to step 3. 3 damaged line(s) of "
                                          "metrics.jsonl are not shown (continuing the run keeps them in "
                                          "metrics.damaged.txt).")
    note = window.train.plot.empty_note
    run.metrics.write_text("garbage\n")  # damaged throughout: the status says so, not "no losses were logged"
    window.train.open_run(str(run.path))
    qtbot.waitUntil(lambda: not window.train._history_readers, timeout=30000)
    assert "1 damaged line(s)" in window.train.status.text() and not note.isVisibleTo(window.train.plot)
    run.metrics.write_text("")  # stopped before its first logged step
    window.train.open_run(str(run.path))
    qtbot.waitUntil(lambda: not window.train._history_readers, timeout=30000)
    assert note.text() == "No losses were logged: the run stopped before its first logged step."
    assert note.isVisibleTo(window.train.plot)


def test_a_locked_run_says_who_holds_it(qtbot, window, tiny_dataset):
    run = make_run(window, tiny_dataset, max_steps=2)
    before = run.metrics.read_bytes()
    page = window.train
    hold = (f"import time; from engine.rundir import RunLock; lock = RunLock({str(run.path)!r}); lock.acquire(); "
            "print('held', flush=True); time.sleep(60)")  # another process: held here, the lock is this program's
    holder = subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[2])
    try:
        assert holder.stdout.readline().strip() == "held"
        continue_run(qtbot, page, run, steps=4)
    finally:
        holder.kill()
        holder.wait()
    assert f"is being trained by another process (process {holder.pid}" in page.error.text()
    assert page.error.text().endswith("then try again.")  # a sentence, as Convert's errors are
    assert run.metrics.read_bytes() == before


def test_a_full_disk_stops_with_what_was_kept(qtbot, window, tiny_dataset, monkeypatch):
    run = make_run(window, tiny_dataset, max_steps=2)
    monkeypatch.setattr(fileio, "open", lambda path, mode="r": FullDisk(path, mode.replace("b", "")), raising=False)
    continue_run(qtbot, window.train, run, steps=3)
    assert ("No space left on device while saving the checkpoint at step 3; the previous checkpoint (step 2) is "
            "intact") in window.train.error.text()
    assert window.train.error.text().endswith(": free some space, then continue it.")  # what next was not said


def test_continue_follows_a_moved_dataset_where_the_user_points(qtbot, window, tiny_dataset, monkeypatch):
    """A run whose dataset was moved failed on Continue with a command to type (cyclegan train --resume RUN --data
    NEW_FOLDER), which the app gave no way to do."""
    from PySide6.QtWidgets import QFileDialog

    run = make_run(window, tiny_dataset, max_steps=2)
    moved = tiny_dataset.with_name("moved")
    tiny_dataset.rename(moved)
    page = window.train
    asked = []
    status = []  # the question is on the page too: the dialog's title alone, cut or unseen, asked it
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda parent, title, start: asked.append((title, start)) or status.append(page.status.text())
                        or "")
    parent = tiny_dataset.parent
    continue_run(qtbot, page, run, steps=3)
    question = f"This run's dataset folder {tiny_dataset} is gone: where is it now?"
    assert asked == [(question, str(parent))] and status == [question]
    assert page.status.text() == f"Not continued: this run's dataset folder {tiny_dataset} is gone."
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda parent, title, start: str(moved))
    continue_run(qtbot, page, run, steps=3)
    assert "Finished at step 3" in page.status.text() and not page.error.text()
    assert json.loads(run.config.read_text())["data"] == str(moved)


def test_a_run_whose_losses_cannot_be_read_never_stops_the_app_from_starting(qtbot, studio_home, tmp_path):
    """One folder named metrics.jsonl (or a file of another account's, or on a failing drive) and the app exited
    with a traceback at every start: the Train page reads each run's losses to list its last step (a Train page
    pass). Open, the list of runs was emptied."""
    from desktop.app import make_app
    from desktop.main_window import MainWindow
    from engine import TrainConfig
    from engine.config import save_json

    run = studio_home / "runs" / "odd"
    run.mkdir(parents=True)
    save_json(TrainConfig(data=str(tmp_path), out=str(run)), run / "config.json")
    (run / "metrics.jsonl").mkdir()
    make_app([])
    window = MainWindow()
    qtbot.addWidget(window)
    page = window.train
    assert page.runs.count() == 1 and page.runs.item(0).text().startswith("odd")
    page.open_run(str(run))
    qtbot.waitUntil(lambda: not page._history_readers, timeout=30000)  # read off the GUI thread
    assert "its losses cannot be shown" in page.status.text() and "not a regular file" in page.status.text()
    window.train.shutdown()


def run_without_checkpoint(qtbot, window, tmp_path) -> tuple:
    """The Train page, with a run of 3 steps whose checkpoints are gone, as a kill -9 before the first save leaves
    it."""
    from tests.desktop.test_train_page import set_tiny_training, with_dataset

    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=3)
    page.start()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    run = RunDir(window.library.runs()[0])
    for checkpoint in run.checkpoints.iterdir():
        checkpoint.unlink()
    page.refresh()
    return page, run


def test_a_run_killed_before_its_first_save_is_listed_as_having_no_checkpoint(qtbot, window, tmp_path):
    """Killed at step 480 before its first save (every 500), it was listed as "step 480", and Continue started
    again from step 0: the list hid the loss (a Train page pass)."""
    page, run = run_without_checkpoint(qtbot, window, tmp_path)
    assert page.runs.item(0).text().endswith("step 3  ·  no checkpoint")
    run.metrics.unlink()  # killed before its first logged step too: it said "step 0" and nothing more
    page.refresh()
    assert page.runs.item(0).text().endswith("step 0  ·  no checkpoint")


@pytest.mark.slow  # 4 s: in make test-slow, for make test's ten minutes
def test_continue_reads_a_long_history_off_the_gui_thread_and_draws_the_new_points_after_it(qtbot, window,
                                                                                              tiny_dataset):
    """Continue read the whole history on the window's thread before the run's new points arrived: 4,000 lines for
    a run of 200,000 steps logged every 50, seconds for a longer one (a still-weak item)."""
    import time

    import torch

    from engine.rundir import read_checkpoint

    far = 100_000
    run = make_run(window, tiny_dataset, steps=far + 10, max_steps=2)  # the same run, as if it had trained that far: its checkpoint and history say so
    state = read_checkpoint(run.latest)
    state["step"] = far
    torch.save(state, run.latest)
    row = json.loads(run.metrics.read_text().splitlines()[-1])
    run.metrics.write_text("".join(json.dumps({**row, "step": s}) + "\n" for s in range(1, far + 1)))
    page = window.train
    page.refresh()
    for i in range(page.runs.count()):
        if page.runs.item(i).data(Qt.ItemDataRole.UserRole) == str(run.path):
            page.runs.setCurrentRow(i)
    page.form.field("max_steps").setValue(far + 2)
    page.device.setCurrentIndex(page.device.findData("cpu"))
    began = time.perf_counter()
    page.continue_selected()
    assert time.perf_counter() - began < 0.3  # reading the history takes about a second here
    qtbot.waitUntil(lambda: page.worker is None and not page._history_readers, timeout=60000)
    assert "Finished at step 100002" in page.status.text() and not page.error.text()
    steps = page.plot._steps
    assert steps.size == far + 2 and steps[-1] == far + 2 and (steps[1:] > steps[:-1]).all()


def test_a_history_that_cannot_be_drawn_is_said_and_a_continued_run_still_draws_its_points(qtbot, window,
                                                                                            tiny_dataset):
    """A logged loss that is not a number failed the history's reading in its thread, unsaid: a click stayed at
    "reading its losses…", and Continue drew none of the run's new points (a review)."""
    run = make_run(window, tiny_dataset, max_steps=2)
    rows = run.metrics.read_text().splitlines()
    run.metrics.write_text("\n".join([rows[0].replace('"G_A": ', '"G_A": "x", "was": '), *rows[1:]]) + "\n")
    page = window.train
    page.open_run(str(run.path))
    qtbot.waitUntil(lambda: not page._history_readers, timeout=30000)
    assert "its losses cannot be shown" in page.status.text()
    continue_run(qtbot, page, run, steps=4)
    assert "Finished at step 4" in page.status.text()
    assert "The losses before this run was continued cannot be shown" in page.notice.text()
    assert list(page.plot._steps) == [3, 4]


def test_one_export_at_a_time_and_a_unet_runs_details_name_its_network(qtbot, window, tiny_dataset):
    """A second export started during the first failed on the name the first had just written, and "Export failed"
    was said of a model exported; a pix2pix run was described by a ResNet's "3 blocks" (a models pass)."""
    from engine.config import ModelConfig

    run = make_run(window, tiny_dataset, method="pix2pix", model=ModelConfig(generator="unet_128", ngf=4, ndf=4),
                   load_size=128, crop_size=128, max_steps=1)
    page = window.models
    window.tabs.setCurrentWidget(page)
    page.refresh(str(run.path))
    assert "pix2pix (trained on pairs) · unfinished: last logged step 1 · trained at" in page.details.text()
    assert page.details.text().rstrip().endswith("U-Net 128") and "blocks" not in page.details.text()
    page.export_selected(name="first")
    assert not page.export_button.isEnabled()
    page.export_selected(name="first")  # as a second click, or Enter, during the first
    qtbot.waitUntil(lambda: page.message.text().startswith("Exported"), timeout=30000)
    qtbot.waitUntil(lambda: page._exporting is None)
    assert page.message.text() == "Exported first.pt."  # the model exported is shown
    page.refresh(str(run.path))
    assert page.export_button.isEnabled()


def test_a_read_only_library_is_said_in_words_at_rename_and_delete(qtbot, window, monkeypatch):
    """"Not renamed: [Errno 30] Read-only file system: '…/runs/tiny/.lock'" named a file the person never made
    (a models pass)."""
    from desktop.pages import models as models_page
    from tests.conftest import make_model_file, read_only, small_tmpfs

    folder = window.library.models_dir
    folder.mkdir(parents=True, exist_ok=True)
    with small_tmpfs(folder, "1m"):
        make_model_file(window.library.model_path("mine"))
        page = window.models
        page.refresh(str(window.library.model_path("mine")))
        monkeypatch.setattr(models_page, "ask_text", lambda *a: "other")
        with read_only(folder):
            page.rename_selected()
            assert page.message.text() == f"Not renamed: {folder} cannot be changed (read-only file system)."
            page.delete_selected(ask=False)
            assert page.message.text() == f"Not deleted: {folder} cannot be changed (read-only file system)."
        assert window.library.model_path("mine").is_file()


def test_a_run_whose_every_checkpoint_is_cut_short_says_so_in_both_lists(qtbot, window, tmp_path):
    """Checkpoints cut short by a full disk or a copy stopped part way: the run looked healthy on the Train and Models
    pages, and only Continue, Use or Export said that none loads (a still-weak item of a note)."""
    from tests.desktop.test_train_page import set_tiny_training, with_dataset

    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=3)
    page.start()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    run = RunDir(window.library.runs()[0])
    checkpoints = run.checkpoint_candidates()
    assert checkpoints and not run.checkpoints_cut_short()
    for checkpoint in checkpoints[1:]:
        checkpoint.write_bytes(checkpoint.read_bytes()[:1000])
    page.refresh()
    assert "damaged" not in page.runs.item(0).text()  # one whole checkpoint is enough
    checkpoints[0].write_bytes(checkpoints[0].read_bytes()[:-100])
    page.refresh()
    assert page.runs.item(0).text().endswith("step 3  ·  checkpoints damaged")
    assert "cannot be continued" in page.runs.item(0).toolTip()
    models = window.models
    window.tabs.setCurrentWidget(models)
    models.refresh(str(run.path))
    assert "Every checkpoint of this run is cut short" in models.details.text()
    assert not models.export_button.isEnabled() and not models.use_button.isEnabled()
    assert not models.evaluate_button.isEnabled()
    convert = window.convert  # it said "Ready to convert 4 images." until Convert was pressed (a crash pass)
    window.tabs.setCurrentWidget(convert)
    convert.refresh()
    convert.select_model(convert.model.itemData(0))  # (it was chosen when the run ended)
    convert.select_model(str(run.path))
    assert convert.status.text().startswith(f"Every checkpoint of run {run.path.name} is cut short")
    for checkpoint in checkpoints:
        checkpoint.unlink()
    convert.select_model(convert.model.itemData(0))
    convert.select_model(str(run.path))
    assert convert.status.text().startswith(f"Run {run.path.name} has no checkpoint yet")


def test_continue_on_a_run_with_no_checkpoint_asks_before_starting_again(qtbot, window, tmp_path, monkeypatch):
    """Continue on a run killed before its first save began again from step 0 and set its history aside, unasked;
    the notice saying so was cut mid-word ("… those steps are tra …") and named "Metrics.jsonl" (a new-user pass)."""
    from desktop.pages.train import TrainPage

    page, run = run_without_checkpoint(qtbot, window, tmp_path)
    page.runs.setCurrentRow(0)
    asked = []
    monkeypatch.setattr(TrainPage, "_start_again", lambda self, name, logged: asked.append((name, logged)) and False)
    page.continue_selected()
    assert asked == [(run.path.name, 3)] and page.worker is None and run.metrics.is_file()
    monkeypatch.setattr(TrainPage, "_start_again", lambda self, name, logged: True)
    page.continue_selected()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    assert (run.path / "metrics.discarded.jsonl").is_file()
    notice = page.notice.text()
    assert "metrics.jsonl" in notice and "Metrics.jsonl" not in notice


def test_a_long_message_is_cut_at_a_word_and_a_file_name_first_keeps_its_case():
    from desktop.formatting import sentence
    from desktop.widgets.run_view import MessageLabel

    assert sentence("metrics.jsonl: 12 record(s) set aside") == "metrics.jsonl: 12 record(s) set aside."
    assert sentence("/tmp/x is gone") == "/tmp/x is gone." and sentence("the folder is gone") == "The folder is gone."
    label = MessageLabel("notice")
    label.setText(" ".join(["word"] * 100) + " transferred")
    assert label.toolTip().endswith("transferred") and QLabel.text(label).endswith("word …")


def test_a_refused_change_names_what_could_not_be_changed():
    """A permission error blamed the models folder for one file; a file open elsewhere on Windows was "…\\models cannot
    be changed (the process cannot access the file …)" (a review)."""
    import errno

    from desktop.pages.models import change_failed

    model = Path("/lib/models/a.pt")
    assert change_failed(OSError(errno.EACCES, "Permission denied", str(model)), model) == (
        "a.pt cannot be changed here (permission denied)")
    held = OSError(errno.EACCES, "The process cannot access the file", str(model))
    held.winerror = 32
    assert change_failed(held, model) == "a.pt is open in another program: close it there and try again"
    assert change_failed(OSError(errno.EROFS, "Read-only file system", str(model)), model) == (
        "/lib/models cannot be changed (read-only file system)")


def test_a_conversion_from_a_runs_older_checkpoint_is_said_in_the_status_bar(qtbot, window, tiny_dataset):
    """The engine logs that a run's damaged latest.pt was passed over for an older checkpoint: the command line
    prints it, and the app sent it to a terminal nobody sees (a review). From a worker's thread, as Convert and
    Export load it."""
    import threading

    from engine.modelfile import load_from_run

    run = make_run(window, tiny_dataset, max_steps=4, keep_every=2, save_every=1)
    run.latest.write_bytes(run.latest.read_bytes()[:5000])
    loader = threading.Thread(target=load_from_run, args=(run.path,))
    loader.start()
    loader.join()
    qtbot.waitUntil(lambda: "newest checkpoint that loads" in window.statusBar().currentMessage(), timeout=5000)
    assert window.statusBar().currentMessage().startswith("Run r1: using checkpoints/step_00000004.pt (step 4)")


def test_a_run_that_trained_its_whole_schedule_is_listed_as_finished(qtbot, window, tiny_dataset):
    """A finished run and a stopped one looked alike in Runs, and Continue on the first said "Nothing to train"
    (a datasets and runs pass)."""
    make_run(window, tiny_dataset, name="done", steps=3)
    make_run(window, tiny_dataset, name="stopped", max_steps=2)
    texts = sorted(window.train.runs.item(i).text() for i in range(window.train.runs.count()))
    assert texts == ["done  ·  step 3  ·  finished", "stopped  ·  step 2  ·  unfinished"]
    page = window.train  # Continue on the finished one was on, and led to "Nothing to train" (a new-user pass)
    rows = {page.runs.item(i).text().split()[0]: i for i in range(page.runs.count())}
    page.runs.setCurrentRow(rows["done"])
    assert not page.continue_button.isEnabled() and "trained its whole schedule" in page.continue_button.toolTip()
    page.runs.setCurrentRow(rows["stopped"])
    assert page.continue_button.isEnabled()
    models = window.models  # there too a stopped run read as the finished one beside it (a new-user pass)
    models.refresh(str(window.library.runs_dir / "done"))
    assert "CycleGAN · finished at step 3 · trained at" in models.details.text()
    models.refresh(str(window.library.runs_dir / "stopped"))
    assert "CycleGAN · unfinished: last logged step 2 · trained at" in models.details.text()  # by epochs
    make_run(window, tiny_dataset, name="steps", steps=5, max_steps=2)
    models.refresh(str(window.library.runs_dir / "steps"))
    assert "CycleGAN · unfinished: last logged step 2 of 5 · trained at" in models.details.text()


def test_the_demo_dataset_refused_by_a_read_only_library_is_said_as_a_sentence(qtbot, window, monkeypatch):
    """"the dataset list … cannot be written (permission denied)": lower case, no full stop, unlike every other
    message (a datasets pass)."""
    from PySide6.QtWidgets import QMessageBox

    from tests.conftest import read_only, small_tmpfs

    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    with small_tmpfs(window.library.root, "1m"), read_only(window.library.root):
        window.datasets.add_demo()
    assert len(warned) == 1 and warned[0][0].isupper() and warned[0].endswith(".")
    assert "dataset list" in warned[0] and "cannot be written" in warned[0]
