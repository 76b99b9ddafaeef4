"""The Train page as kohya_ss users work: one length choice with a time measured here, settings kept in a
file, every option reachable, named runs, sample history, the log, and a pause that says so."""

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from engine.config import TrainConfig, load_json
from tests.conftest import write_images
from tests.desktop.test_end_to_end import add_dataset, set_tiny_training


WEIGHTS = {"lambda_cycle": 10.0, "lambda_identity": 0.5, "lambda_l1": 100.0}  # the paper's


def with_dataset(window, tmp_path):
    write_images(tmp_path / "d" / "trainA", 3, seed=1)
    write_images(tmp_path / "d" / "trainB", 3, seed=2)
    add_dataset(window, tmp_path / "d")
    window.tabs.setCurrentWidget(window.train)
    return window.train


def test_the_speed_is_measured_only_once_the_page_is_shown(qtbot, window, tmp_path):
    """Each start with a dataset trained three steps to measure the speed, on whatever page: quitting waited for them
    (up to 27 s) and the window paused while they ran (a start and settings pass)."""
    page = with_dataset(window, tmp_path)
    window.tabs.setCurrentWidget(window.convert)
    page.estimate.clear()
    page._estimates.clear()
    page._schedule_estimate()
    qtbot.wait(1500)  # past the 700 ms debounce
    assert page._estimating is None and page.estimate.text() == ""
    window.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: "measured here" in page.estimate.text(), timeout=60000)


def test_one_length_choice(qtbot, window):
    page = window.train
    page.length.setCurrentIndex(page.length.findData("steps"))
    assert page.form.field("steps").isVisibleTo(page) and not page.form.field("epochs").isVisibleTo(page)
    page.length.setCurrentIndex(page.length.findData("epochs"))
    assert page.form.field("epochs").isVisibleTo(page) and not page.form.field("steps").isVisibleTo(page)
    assert page.settings_values()["steps"] == 0


def test_every_option_is_in_the_form(qtbot, window):
    """An option added to TrainConfig or ModelConfig appears under All settings with no GUI code."""
    from desktop.widgets.config_form import config_fields

    page = window.train
    missing = set(config_fields(TrainConfig)) - set(page.form.fields) - {"data", "data_b", "out", "name_a", "name_b",
                                                                         "method", "direction", "device"}
    assert missing == set()
    assert page.form.field("model.d_layers").toolTip().startswith("strided layers")


def test_the_time_a_run_takes_is_measured_on_this_machine(qtbot, window, tmp_path):
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=1000)
    page.length.setCurrentIndex(page.length.findData("steps"))
    page.form.field("steps").setValue(1200)
    qtbot.waitUntil(lambda: "measured here" in page.estimate.text(), timeout=60000)
    assert page.estimate.text().startswith("≈ ") and "1,000 steps ×" in page.estimate.text()  # stop after 1000


def test_settings_saved_to_a_file_come_back(qtbot, window, tmp_path):
    page = with_dataset(window, tmp_path)
    page.form.field("crop_size").setValue(96)
    page.form.field("model.ndf").setValue(48)  # one from All settings
    page.form.field("seed").setValue(5)
    page.save_settings(str(tmp_path / "mine.json"))
    assert load_json(TrainConfig, tmp_path / "mine.json").model.ndf == 48
    page.preset.setCurrentIndex(0)
    assert page.form.value("crop_size") != 96
    page.load_settings(str(tmp_path / "mine.json"))
    assert (page.form.value("crop_size"), page.form.value("model.ndf"), page.form.value("seed")) == (96, 48, 5)
    assert page.preset.currentText() == "Custom" and "mine.json" in page.preset_note.text()
    # the status line said "Settings saved to …" of the save before, and the note was scrolled out of view (a pass)
    assert page.status.text() == f"Settings loaded from {tmp_path / 'mine.json'}."
    assert page.form.field("d_augment").placeholderText().startswith("off")  # an empty field said nothing
    (tmp_path / "bad.json").write_text('{"crop_size": "huge"}')
    page.load_settings(str(tmp_path / "bad.json"))
    assert "Not loaded" in page.error.text() and page.form.value("crop_size") == 96
    (tmp_path / "folder.json").mkdir()
    page.save_settings(str(tmp_path / "folder.json"))  # said nothing: the error went to the console
    assert page.error.text() == f"Not saved: {tmp_path / 'folder.json'}: is a directory."


def test_a_named_run_with_its_sample_history_log_and_pause(qtbot, window, tmp_path):
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=100000)
    page.form.field("sample_every").setValue(2)
    page.run_name.setText("my first run")
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert page.estimate.text() == ""  # the time measured before the run stayed beside the run's own time left
    # the form is locked while it trains: an edit there was taken and changed nothing
    assert not page.form.field("steps").isEnabled() and not page.preset.isEnabled()
    qtbot.waitUntil(lambda: len(page.view.samples.grids) >= 3, timeout=60000)
    # its dataset removed from the library meanwhile: the locked box went on to another dataset's name
    window.library.add_dataset("other", str(tmp_path / "d" / "trainB"), str(tmp_path / "d" / "trainA"))
    window.datasets.datasets_changed.emit()
    window.library.remove_dataset("tiny")
    window.datasets.datasets_changed.emit()
    assert page.dataset.currentText() == "tiny" and page.runs.item(0).text().endswith("  ·  training")
    # listed while it trains (it appeared only once stopped), marked as the one training
    assert page.runs.count() == 1 and page.runs.item(0).text().startswith("my first run  ·  step ")
    assert page.runs.item(0).text().endswith("  ·  training")
    assert page.left_tabs.tabText(1) == "Runs (1)"  # the tab says there is one, before it is opened
    page.toggle_pause()
    assert page.status.text() == "Pausing after the step in progress…"
    # once the run holds, its last step is shown: it said "Paused at step 4" over a run held after step 5, since
    # progress reaches the page at most ten times a second and the last one waited for the run to go on
    qtbot.waitUntil(lambda: page.worker.control.held and page.status.text().startswith("Paused at step"),
                    timeout=20000)
    paused_at = page.progress.value()
    assert page.status.text().startswith(f"Paused at step {paused_at}:") and "Paused" in page.progress.format()
    assert paused_at == page.worker.trainer.step  # the step it holds after, not the last one the rate let through
    qtbot.wait(600)
    assert page.progress.value() == paused_at and page.status.text().startswith(f"Paused at step {paused_at}:")
    # Ctrl+P resumes as it paused, from any page: the button's own shortcut worked on the Train page alone (and
    # once a session: its label's change cleared it)
    assert page.pause_button.text() == "Resume"
    window.tabs.setCurrentWidget(window.convert)
    window.activateWindow()
    qtbot.keyClick(window.convert.files, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert page.pause_button.text() == "Pause" and not page.worker.control.paused
    worker = page.worker
    qtbot.keyClick(window.convert.files, Qt.Key.Key_Period, Qt.KeyboardModifier.ControlModifier)  # stops, there too
    assert worker.control.stopped
    window.tabs.setCurrentWidget(page)
    assert not page.pause_button.isEnabled()  # it stayed enabled while the run saved, and did nothing
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    assert worker.trainer is None  # its networks and optimisers are let go with the run (a review)
    qtbot.waitUntil(lambda: "measured here" in page.estimate.text(), timeout=30000)  # back once it ends
    assert page.form.field("steps").isEnabled() and page.preset.isEnabled()
    run = window.library.runs()[0]
    assert run.name == "my first run"
    assert page.runs.currentItem() is None or page.continue_button.isEnabled()
    page.runs.setCurrentRow(0)
    history = page.view.samples
    assert len(history.grids) >= 3 and history.slider.isEnabled()
    history.slider.setValue(0)
    assert history.step_label.text().startswith(f"Step {history.grids[0][0]} (1 of")
    assert "step 1 " in page.view.log.toPlainText() or "run " in page.view.log.toPlainText()
    page.view.tabs.setCurrentWidget(page.view.log)
    qtbot.wait(50)
    assert page.view.log.horizontalScrollBar().maximum() == 0  # lines wrap: a warning's end needed a sideways scroll
    assert page.runs.item(0).text().endswith(f"step {page.progress.value()}  ·  unfinished")  # stopped: said

    # a new run starts with empty panels: it showed the last run's pictures as its own until its first samples
    grid = page.view.samples.grid
    assert any(view.has_image() for view in grid.views.values())
    page.form.field("sample_every").setValue(100000)
    page.run_name.setText("second")
    page.start()
    assert page.worker is not None and not any(view.has_image() for view in grid.views.values())
    assert all(view.text() == "no sample yet" for view in grid.views.values())
    page.stop()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)


def test_continue_needs_a_selected_run(qtbot, window, tmp_path):
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=2)
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    page.runs.setCurrentItem(None)
    page.runs.clearSelection()
    page._sync_buttons()
    assert not page.continue_button.isEnabled()
    page.runs.setCurrentRow(0)
    assert page.continue_button.isEnabled()


def test_a_long_run_that_was_stopped_is_announced_as_stopped(qtbot, window, tmp_path):
    """It read "Training finished: Stopped at step 87"."""
    from engine.events import Finished

    page = window.train
    page.started_at -= 120
    page.on_finished(Finished(step=87, run_dir=str(tmp_path / "my run"), stopped=True))
    page.on_finished(Finished(step=600, run_dir=str(tmp_path / "my run")))
    assert window.notifications == [("Training stopped", "“my run” at step 87."),
                                    ("Training finished", "“my run” at step 600.")]


def test_the_keyboard_keeps_its_place_when_training_starts(qtbot, window, tmp_path):
    """Started with Ctrl+Enter from a field of the form, the form locked and the focus went nowhere."""
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=100000)
    window.activateWindow()
    field = page.form.field("max_steps")
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=5000)
    page.start()
    assert page.pause_button.hasFocus()
    # pressed again "to make sure": Start is disabled, and the keys went on to the focused Pause, or Stop, which
    # took Return with Ctrl held as a click (a keyboard pass)
    for button in (page.pause_button, page.stop_button):
        button.setFocus()
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            qtbot.keyClick(button, key, Qt.KeyboardModifier.ControlModifier)
    assert not page.worker.control.paused and not page.worker.control.stopped
    page.stop()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    assert page.start_button.hasFocus()


def wheel_down(window, widget) -> None:
    """One notch down over ``widget``, as the mouse sends it (focus by wheel included; sendEvent skipped that)."""
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtTest import QTest

    QTest.wheelEvent(window.windowHandle(), QPointF(widget.mapTo(window, widget.rect().center())), QPoint(0, -120))


def test_the_wheel_scrolls_the_form_rather_than_changing_a_setting_under_the_pointer(qtbot, window):
    """Scrolling down the form changed the Generator to unet_128 as it passed under the pointer, which made the
    preset Custom and the settings contradictory; a box takes the wheel once clicked."""
    from PySide6.QtWidgets import QScrollArea

    page = window.train
    window.tabs.setCurrentWidget(page)
    window.resize(1024, 700)
    qtbot.wait(50)
    generator, blocks = page.form.field("model.generator"), page.form.field("model.blocks")
    area = generator.parentWidget()
    while not isinstance(area, QScrollArea):
        area = area.parentWidget()
    bar = area.verticalScrollBar()
    assert bar.maximum() > 0
    before = (generator.currentText(), blocks.value(), page.preset.currentText(), bar.value())
    wheel_down(window, generator)
    qtbot.wait(20)
    assert (generator.currentText(), page.preset.currentText()) == (before[0], before[2])
    assert bar.value() > before[3] and not generator.hasFocus()
    area.ensureWidgetVisible(blocks)
    qtbot.wait(20)
    wheel_down(window, blocks)
    qtbot.wait(20)
    assert (generator.currentText(), blocks.value(), page.preset.currentText()) == before[:3]
    area.ensureWidgetVisible(generator)
    qtbot.wait(20)
    generator.setFocus()
    wheel_down(window, generator)
    qtbot.wait(20)
    assert generator.currentText() != before[0]


def test_an_edit_clears_the_error_it_answers(qtbot, window, tmp_path):
    """A refused Start's red message stayed after the settings were put right, as if they were still wrong."""
    page = with_dataset(window, tmp_path)
    generator = page.form.field("model.generator")
    generator.setCurrentIndex(generator.findData("unet_128"))  # as picked: Quick's start needs the resnet generator
    page.start()
    assert "resnet" in page.error.text() and page.worker is None
    generator.setCurrentIndex(generator.findData("resnet"))
    assert page.error.text() == ""


def test_each_loss_toggle_says_what_its_loss_measures(qtbot, window):
    """D_A, G_A, cycle_A, idt_A... had no word of explanation anywhere in the app (a new-user pass)."""
    from engine.models import METHODS

    page = window.train
    for method in ("cyclegan", "pix2pix"):
        page._lay_out(method, "day", "night", "AtoB", WEIGHTS)
        toggles = page.plot.toggles
        assert list(toggles) == list(METHODS[method].loss_names)
        assert all(box.toolTip() == METHODS[method].loss_meanings[name].format(a="day", b="night")
                   for name, box in toggles.items())
    page._lay_out("cyclegan", "day", "night", "AtoB", WEIGHTS)
    assert "round trip" in page.plot.toggles["cycle_A"].toolTip()


def test_the_fields_shown_at_first_explain_themselves_in_sentences_and_say_what_0_means(qtbot, window):
    """Their tooltips were the command line's help ("weight of the identity loss, relative to lambda-cycle"), and
    "Samples every 0" or "Stop after steps 0" read as counts (a new-user pass)."""
    from desktop.pages.train import SHOWN

    page = window.train
    for key in SHOWN:
        tip = page.form.field(key).toolTip()
        assert tip[:1].isupper() and tip.endswith(".") and "lambda" not in tip and "--" not in tip, (key, tip)
    for key, words in (("sample_every", "only at the end"), ("max_steps", "no limit"), ("lambda_identity", "off")):
        field = page.form.field(key)
        field.setValue(0)
        assert field.text() == words
    from desktop.widgets.config_form import label_for

    assert label_for("lambda_cycle") == "Round-trip weight"
    generator = page.form.field("model.generator")  # "unet_256" was shown as it is typed on the command line
    assert generator.itemText(generator.findData("unet_256")) == "U-Net 256 (pix2pix's)"


def test_the_tab_order_follows_the_page_from_the_legend_to_the_samples(qtbot, window):
    """The legend's toggles, made anew for each layout, joined the end of the Tab chain: after Enlarge, under them
    on screen; and Enter did nothing on All settings, a tool button (a keyboard pass)."""
    page = window.train
    history = page.view.samples
    page._lay_out("cyclegan", "day", "night", "AtoB", WEIGHTS)
    chain = [page.plot.log_scale, history.slider, history.latest_button, history.enlarge_button]
    assert [first.nextInFocusChain() for first in chain[:-1]] == chain[1:]
    window.show()
    window.tabs.setCurrentWidget(page)
    more = page.form.more_button
    more.setFocus()
    was = more.isChecked()
    qtbot.keyClick(more, Qt.Key.Key_Return)
    assert more.isChecked() != was


def test_a_minus_typed_where_no_negative_is_allowed_is_undone_and_said(qtbot, window):
    """Qt dropped the sign unsaid: "-1" typed as the learning rate became 1.0 (its largest value), and as the
    round-trip weight 0."""
    from PySide6.QtWidgets import QToolTip

    page = window.train
    window.show()
    window.tabs.setCurrentWidget(page)
    for key, before in (("lr", page.form.value("lr")), ("lambda_cycle", page.form.value("lambda_cycle"))):
        field = page.form.field(key)
        field.setFocus()
        field.selectAll()
        qtbot.keyClicks(field, "-1")
        qtbot.keyClick(field, Qt.Key.Key_Return)
        assert field.value() == before, key
        assert QToolTip.text().endswith(f"cannot be negative: it stays {field.textFromValue(before)}")


def test_the_loss_legend_names_the_sides_and_leaves_out_losses_weighed_zero(qtbot, window, tmp_path):
    """The legend read D_A, G_A, cycle_A, idt_A beside samples headed with the folders' names (D_A judges B), and
    Quick's identity weight of 0 drew two flat lines at 0 that looked like perfect scores (a new-user pass)."""
    page = window.train
    page._lay_out("cyclegan", "horses", "zebras", "AtoB", WEIGHTS)
    plot = page.plot
    assert [h.text() for h in plot._headers] == ["horses → zebras", "zebras → horses"]
    assert plot.toggles["D_A"].text() == "judge" and plot.toggles["D_A"].accessibleName() == "horses → zebras: judge"
    assert "judge of zebras" in plot.toggles["G_A"].toolTip() and "judge of horses" in plot.toggles["G_B"].toolTip()
    grid = plot._toggle_grid  # each direction's losses on its header's row
    assert grid.getItemPosition(grid.indexOf(plot.toggles["idt_A"]))[0] == 0
    assert grid.getItemPosition(grid.indexOf(plot.toggles["D_B"]))[0] == 1
    assert not plot.toggles["G_A"].icon().isNull()  # the colour in a swatch; the words readable on white
    assert "Judge a run by its samples" in plot.plot.toolTip()  # not by pushing every curve down
    page._lay_out("pix2pix", "maps", "photos", "BtoA", {**WEIGHTS, "lambda_l1": 0})  # the input is B's
    assert [h.text() for h in plot._headers] == ["photos → maps", "judge"] and "G_L1" not in plot.toggles
    page._lay_out("cyclegan", "an extremely long name for a side", "b", "AtoB", WEIGHTS)
    assert len(plot._headers[0].text()) <= 16 and "an extremely long name for a side" in plot.toggles["G_A"].toolTip()
    page.window().resize(1024, 700)  # four labels naming both sides were wider than the window
    assert plot.minimumSizeHint().width() < 560, plot.minimumSizeHint().width()

    page = with_dataset(window, tmp_path)
    from engine.presets import PRESETS

    page.preset.setCurrentIndex(page.preset.findText(PRESETS["paper"].label))
    assert page.form.value("lambda_identity") == 0.5 and "idt_A" in page.plot.toggles
    colour = page.plot.curves["D_B"].opts["pen"].color().name()
    page.preset.setCurrentIndex(page.preset.findText(PRESETS["quick"].label))
    assert page.form.value("lambda_identity") == 0 and "idt_A" not in page.plot.toggles
    assert set(page.plot.toggles) == {"D_A", "G_A", "cycle_A", "D_B", "G_B", "cycle_B"}
    assert page.plot.curves["D_B"].opts["pen"].color().name() == colour  # a loss keeps its colour: by place, it did not
    page.form.field("lambda_identity").setValue(0.5)  # as typed
    assert "idt_A" in page.plot.toggles and "idt_B" in page.plot.toggles
    page.form.field("lambda_cycle").setValue(0)  # the identity weight is a share of the cycle's
    assert not {"idt_A", "cycle_A"} & set(page.plot.toggles)
    page._lay_out("cyclegan", "watercolours", "photographic", "AtoB", WEIGHTS)  # twelve letters a side
    assert page.plot.minimumSizeHint().width() < 560, page.plot.minimumSizeHint().width()


def test_a_run_that_fails_before_making_its_folder_keeps_its_error(qtbot, window, tmp_path):
    """Its folder never made, the run was taken for one deleted on the Models page: its error was wiped at once and
    the status said "Ready." (a review)."""
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=2)
    page.start()  # a run to have picked
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    page.runs.setCurrentRow(0)
    picked = page.runs.currentItem().data(Qt.ItemDataRole.UserRole)
    for image in (tmp_path / "d" / "trainA").iterdir():  # broken after the dataset was added
        image.write_bytes(b"not an image")
    page.start()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    assert page.error.text() and page.status.text() == "Training did not start."  # "stopped with an error"
    # the run picked before is picked again: the start had let go of it, and nothing was (a review)
    assert page.runs.currentItem() is not None and page.runs.currentItem().data(Qt.ItemDataRole.UserRole) == picked


def test_a_pause_before_the_first_step_says_it_holds(qtbot, window, tmp_path):
    """Paused while the run was being prepared, the status stayed "Pausing after the step in progress…": there was
    no step's progress to send when it held (a review)."""
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=100000)
    page.start()
    page.toggle_pause()  # before its first step
    assert page.progress.format() == "Paused"  # "Paused at 0 of 100": Qt's maximum, not the run's (a review)
    qtbot.waitUntil(lambda: page.worker.control.held, timeout=60000)
    qtbot.waitUntil(lambda: page.status.text().startswith("Paused at step "), timeout=5000)
    page.stop()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    # "Continue it from Runs", and the run was listed there unpicked, Continue off (a Train page pass)
    assert page.status.text().endswith("Continue it from Runs.")
    (run,) = window.library.runs()
    assert page.runs.currentItem() is not None and page.runs.currentItem().data(Qt.ItemDataRole.UserRole) == str(run)
    assert page.continue_button.isEnabled()


def test_start_does_not_freeze_the_window_behind_a_speed_measurement(qtbot, window, tmp_path):
    """Start waited on the GUI thread for the measurement of the settings to end: at batch 1024 that froze the
    window for minutes. The run now starts once the measurement has stopped (after its current step): still after
    it, so that its random draws do not interleave with the run's."""
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=2)
    page._estimate_timer.stop()
    page.update_estimate()
    measuring = page._estimating
    assert measuring is not None
    page.start()  # returned at once, the run waiting for the measurement
    assert page.status.text().startswith("Starting after the speed check")
    assert not page.start_button.isEnabled()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    assert page.status.text().startswith("Finished") or "step 2" in page.status.text(), page.status.text()


def test_the_speed_is_measured_on_the_batch_a_step_holds():
    """A batch of 1024 over six pictures holds six: measured at 1024, it took minutes and gigabytes, and the time
    shown was far too long."""
    from engine.estimate import batch_of

    config = TrainConfig(data="-", out="-", batch_size=1024)
    assert batch_of(config, 6) == 6 and batch_of(config, 5000) == 1024 and batch_of(config, None) == 1024


def test_continuing_a_run_with_no_step_left_says_so_and_rewrites_nothing(qtbot, window, tmp_path):
    """It trained nothing, saved its last checkpoint and sample over again, and said "Finished at step 2" over a
    bar at 0 %; the way to go further was not said."""
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=2)
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    run = window.library.runs()[0]
    checkpoint = run / "checkpoints" / "latest.pt"
    before = checkpoint.stat().st_mtime_ns
    page.runs.setCurrentRow(0)
    page.continue_selected()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    assert page.status.text() == "Nothing to train: the run is at step 2."
    assert "where Stop after steps (under All settings) ends it" in page.view.notice.text()
    assert "raise Stop after steps" in page.view.notice.text() and not page.error.text()
    assert (page.progress.value(), page.progress.maximum()) == (2, 2)
    assert checkpoint.stat().st_mtime_ns == before
    page.form.field("max_steps").setValue(3)  # as the notice says
    page.continue_selected()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    assert page.status.text().startswith("Finished at step 3")


def test_stop_before_a_deferred_run_begins_makes_no_run_and_a_stale_measurement_is_stopped(qtbot, window, tmp_path):
    """Stop while the run waited for the measurement still made a run ("step 0", two checkpoints of 29 MB) after
    the measurement's step; and a measurement of settings since changed ran on, a core busy and Start waiting."""
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=2)
    page._estimate_timer.stop()
    page.update_estimate()
    stale = page._estimating
    page.form.field("model.ngf").setValue(12)
    page._estimate_timer.stop()
    page.update_estimate()  # the timer's call, at once
    assert stale.control.stopped
    qtbot.waitUntil(lambda: page._estimating is None, timeout=60000)
    page._estimate_timer.stop()
    page.update_estimate()
    assert page._estimating is not None
    page.run_name.setText("never begun")
    page.start()
    assert page.status.text().startswith("Starting after the speed check")
    page.stop()
    assert page.status.text() == "Not started." and page.worker is None and page.start_button.isEnabled()
    qtbot.waitUntil(lambda: page._estimating is None, timeout=60000)
    qtbot.wait(200)
    assert window.library.runs() == [] and page.worker is None


def test_settings_beyond_what_the_form_holds_are_refused_whole(qtbot, window, tmp_path, studio_home):
    """A seed of 2**40 or 3e9 steps (the engine and the command line take them) raised OverflowError half-way
    through Load settings: the form was left neither the file's nor the user's, and nothing was said. In the
    window's saved state, the same stopped the app from starting (a Train page pass)."""
    import json

    from engine.config import save_json

    page = window.train
    page.form.field("crop_size").setValue(96)
    before = page.settings_values()
    save_json(TrainConfig(data="-", out="-", seed=2**40, crop_size=128, method="pix2pix"), tmp_path / "big.json")
    page.load_settings(str(tmp_path / "big.json"))
    assert page.error.text().startswith("Not loaded: seed 1,099,511,627,776 is beyond what this form holds")
    assert page.settings_values() == before
    window.settings.setValue("train/state", json.dumps({"values": {**before, "seed": 2**40}}))
    window.settings.sync()
    from desktop.main_window import MainWindow

    second = MainWindow()  # starts, with the defaults
    qtbot.addWidget(second)
    assert second.train.form.value("seed") == TrainConfig().seed
    second.train.shutdown()


def test_a_damaged_or_newer_saved_state_starts_the_app(qtbot, window, studio_home, monkeypatch):
    """Each of these stopped every start until the file was edited by hand (a start and settings pass): a geometry
    cut short to text, a dataset name of 5, a number past a spin box; a newer version's one new setting reset the
    whole Train form; a dataset list entry with a name of 5 or no folder."""
    import json

    from desktop.main_window import MainWindow
    from engine.library import Library

    page = window.train
    page.form.field("crop_size").setValue(96)
    page.form.field("seed").setValue(7)
    values = page.settings_values()
    window.settings.setValue("window/geometry", "@ByteArray(cut")  # read back as text
    window.settings.setValue("train/state", json.dumps({"dataset": 5, "preset": [1],
                                                        "values": {**values, "future_knob": 3}}))
    window.settings.setValue("convert/work_size", "99999999999999")
    window.settings.sync()
    second = MainWindow()
    qtbot.addWidget(second)
    assert (second.train.form.value("crop_size"), second.train.form.value("seed")) == (96, 7)
    second.train.shutdown()
    library = Library()
    library.manifest.parent.mkdir(parents=True, exist_ok=True)
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    for row in ({"name": 5, "folder_a": "a", "folder_b": "b"}, {"name": "x", "folder_a": None, "folder_b": ""}):
        library.manifest.write_text(json.dumps([row]))
        third = MainWindow()  # a box says the list is damaged; the window opens
        qtbot.addWidget(third)
        third.train.shutdown()
        assert "is damaged and cannot be read" in warned.pop()


def test_no_step_count_of_zero_can_be_typed_when_the_length_is_in_steps(qtbot, window):
    """0 steps means "by epochs": typed with Length at Steps, the run trained by the Epochs rows the page hid (400
    steps on a small dataset, a Train page pass)."""
    page = window.train
    page.length.setCurrentIndex(page.length.findData("steps"))
    box = page.form.field("steps")
    box.setValue(0)
    assert box.value() >= 1 and page.settings_values()["steps"] >= 1
    page.length.setCurrentIndex(page.length.findData("epochs"))
    assert page.settings_values()["steps"] == 0


@pytest.mark.slow  # 9 s: in make test-slow, for make test's ten minutes
def test_a_run_named_as_an_earlier_one_says_the_name_it_got(qtbot, window, tmp_path):
    """A typed name already taken became "same-2", and a name past 80 characters lost its end, unsaid (a Train
    page pass)."""
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=1)
    page.run_name.setText("same")
    page.start()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    assert "The run is named" not in page.view.notice.text()
    page.start()
    assert page.view.notice.text().startswith("The run is named “same-2”: a run named “same” exists.")
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    page.run_name.setText("x" * 90)
    page.start()
    assert page.view.notice.text().startswith(  # cut: 80 letters and no space ran past the notice's edge
        f"The run is named “{'x' * 39}…” (whole in Runs): a name holds 80 characters at most.")
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    page.run_name.setText("../../escape")  # it was said to be cut to 80 characters too (a Train page pass)
    page.start()
    assert page.view.notice.text().startswith(
        "The run is named “_.._escape”: characters a file or folder name cannot hold were replaced.")
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)


def test_every_setting_is_labelled_in_words_not_the_engines_short_names(qtbot, window):
    """Under All settings a new user read "Amp", "D norm", "D layers", "Colour", "Detail", "Init" (a Train page
    pass)."""
    from desktop.widgets.config_form import LABELS, label_for

    jargon = {"amp", "d norm", "d layers", "colour", "detail", "init", "init gain", "beta1", "beta2", "workers"}
    shown = {key: label_for(key) for key in window.train.form.fields}  # what each row or check box says
    assert not {key for key, text in shown.items() if text.lower() in jargon}, shown
    assert shown["amp"] == LABELS["amp"] == "Mixed precision"


def test_the_run_shown_follows_its_rename_on_the_models_page(qtbot, window, tmp_path, monkeypatch):
    """Renamed on the Models page, the run shown on the Train page was forgotten as a deleted one: its view reset
    to "Ready." and its selection lost (a Train page pass)."""
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=2)
    page.run_name.setText("first name")
    page.start()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    page.runs.setCurrentRow(0)
    page.open_run(page.runs.currentItem().data(Qt.ItemDataRole.UserRole))
    models = window.models
    models.refresh(str(window.library.runs()[0]))
    monkeypatch.setattr("desktop.pages.models.ask_text", lambda *a, **k: "second name")
    models.rename_selected()
    renamed = str(window.library.runs()[0])
    assert renamed.endswith("second name")
    assert page.status.text().startswith("Run second name: ") and str(page.view.log.path.parent) == renamed
    assert page.runs.currentItem().data(Qt.ItemDataRole.UserRole) == renamed


def test_start_just_after_a_measurement_ended_still_starts(qtbot, window, tmp_path):
    """The measurement's thread had ended but the slot letting it go had not yet run: Start waited on a signal
    already sent, "Starting when the speed measurement stops…" for good (a review)."""
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=2)
    page._estimate_timer.stop()
    page.update_estimate()
    page._estimating.wait()  # ended; its finished signal is still queued for this thread
    page.start()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    assert page.status.text().startswith("Finished at step 2"), page.status.text()


def test_a_learning_rate_finer_than_the_form_shows_is_refused_not_rounded(qtbot, window, tmp_path):
    """lr 1e-7 passed the range check and loaded as 0.000000: a run that learns nothing (a review)."""
    from engine.config import save_json

    page = window.train
    save_json(TrainConfig(data="-", out="-", lr=1e-7), tmp_path / "fine.json")
    page.load_settings(str(tmp_path / "fine.json"))
    assert page.error.text() == "Not loaded: learning rate 1e-07 is beyond what this form holds (1e-06 to 1.0)."
    assert page.form.value("lr") > 0
    save_json(TrainConfig(data="-", out="-", lambda_cycle=10.005), tmp_path / "finer.json")
    page.load_settings(str(tmp_path / "finer.json"))
    assert page.error.text() == "Not loaded: round-trip weight 10.005 is finer than this form shows (2 decimals)."


def test_the_datasets_files_are_listed_once_not_at_each_edit_and_off_the_gui_thread(qtbot, window, tmp_path,
                                                                                      monkeypatch):
    """Each edit of a setting listed the dataset's folders again (for the pairs it has and an epoch's images):
    10,000 images a side froze the window 0.6 s a keystroke (a datasets pass), and 0.7 s a visit of the page (a
    scale pass). Listed again when a folder changes; and listed off the window's thread, where the first visit of
    20,000 pictures a side froze it 0.9 s (a still-weak item)."""
    import threading

    from desktop.pages import train

    page = with_dataset(window, tmp_path)
    listings = []
    real = train.dataset_listing
    monkeypatch.setattr(train, "dataset_listing", lambda *a: listings.append(threading.current_thread()) or real(*a))
    page.refresh()
    page.update_estimate()
    assert listings == []  # listed when the dataset was added
    for crop in (48, 56, 64):
        page.form.field("crop_size").setValue(crop)
        page.update_estimate()
    page._dataset_changed(page.dataset.currentText())
    page.refresh()  # a visit of the page (0.7 s a visit for 10,000 images a side)
    assert listings == []
    write_images(tmp_path / "d" / "trainB", 4, seed=3)  # a picture added (img_003.png)
    page.refresh()
    page.update_estimate()
    assert page.estimate.text() == "Counting the dataset's pictures…"
    qtbot.waitUntil(lambda: not page._listing, timeout=30000)
    assert len(listings) == 1 and listings[0] is not threading.main_thread()
    qtbot.waitUntil(lambda: "measured here" in page.estimate.text(), timeout=60000)
    assert "steps ×" in page.estimate.text()


def test_a_past_run_shown_is_not_under_the_last_attempts_error(qtbot, window, tmp_path):
    """"Domain A folder … does not exist." stayed on screen while another, past run was looked at (a datasets
    pass)."""
    page = with_dataset(window, tmp_path)
    page.show_error("domain A folder /gone does not exist")
    page.show_notice("few images")
    page.open_run(str(tmp_path / "an earlier run"))
    assert page.error.text() == "" and page.notice.text() == ""


def test_pix2pix_settings_are_not_restored_into_cyclegan_when_the_pairs_are_gone(qtbot, window, tmp_path):
    """After a restart with the dataset's pairs gone, Method fell back to CycleGAN and the form kept the pix2pix
    recipe's values (its vanilla GAN loss, no image pool) as Custom (a datasets pass)."""
    page = with_dataset(window, tmp_path)  # its files share names: pairs
    page.method.setCurrentIndex(page.method.findData("pix2pix"))
    assert page.form.value("gan_mode") == "vanilla"
    page.device.setCurrentIndex(page.device.findData("cpu"))
    saved = page.state()
    page.device.setCurrentIndex(0)
    for image in (tmp_path / "d" / "trainB").iterdir():
        image.rename(image.with_name("other_" + image.name))
    page.refresh()
    page.restore(saved)
    qtbot.waitUntil(lambda: not page._listing, timeout=30000)  # the names read (off the GUI thread)
    assert page.current_method() == "cyclegan"
    assert page.form.value("gan_mode") == "lsgan" and page.preset.currentText() != "Custom"
    assert page.device.currentData() == "cpu"  # what does not belong to the method is restored (a review)


def test_an_epoch_of_side_by_side_pairs_counts_train_folders_own_images(tmp_path):
    """The step estimate counted the images in train/'s sub-folders, which training does not read (a review)."""
    from desktop.pages.train import sample_count
    from engine.library import Library
    from tests.engine.test_pix2pix import aligned_dataset

    root = aligned_dataset(tmp_path / "facades")
    write_images(root / "train" / "extra", 4, size=(80, 40))
    entry = Library(tmp_path / "lib").check_dataset("facades", root)
    assert sample_count(entry, "pix2pix") == 3


def test_a_long_history_is_read_off_the_gui_thread_and_the_last_run_clicked_is_shown(qtbot, window, tmp_path):
    """A run of 200,000 logged steps held the window 2.6 to 3.2 s at each click on it (a scale pass); and a run
    clicked while another's losses are read is the one shown."""
    import json
    import time

    from engine.config import save_json

    page = window.train
    runs = {}
    for name, count in (("long", 100_000), ("short", 3)):
        run = window.library.runs_dir / name
        run.mkdir(parents=True)
        save_json(TrainConfig(data=str(tmp_path), out=str(run)), run / "config.json")
        (run / "metrics.jsonl").write_text("".join(json.dumps({"step": s, "G_A": 1.0, "D_A": 0.5}) + "\n"
                                                   for s in range(1, count + 1)))
        runs[name] = str(run)
    began = time.perf_counter()
    page.open_run(runs["long"])
    assert time.perf_counter() - began < 0.3  # reading it takes about a second here
    assert page.status.text() == "Run long: reading its losses…"
    qtbot.waitUntil(lambda: not page._history_readers, timeout=30000)
    assert page.plot.point_count() == 100_000
    assert page.status.text().endswith("losses logged at 100,000 steps, up to step 100,000.")
    page.open_run(runs["long"])
    page.open_run(runs["short"])  # clicked before the long one is read
    qtbot.waitUntil(lambda: not page._history_readers, timeout=30000)
    assert page.plot.point_count() == 3 and page.status.text() == "Run short: losses logged at 3 steps, up to step 3."


def test_a_run_trained_to_its_end_is_chosen_on_the_convert_page(qtbot, window, tmp_path):
    """"Convert with it now." led nowhere: Convert kept the model of before, the new run one more entry in its list
    (a new-user pass)."""
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=3)
    page.start()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    run = window.library.runs()[0]
    assert page.status.text().endswith("Ready on Convert.")
    assert window.convert.model.currentData() == str(run)
    # while a conversion runs nothing is chosen, and it is not said to be (it was: a review)
    window.convert.select_model(window.convert.model.itemData(0))
    page.status.setText("Finished at step 3.")
    window.convert._checking = object()  # as while it looks for earlier results: busy
    try:
        window._offer_on_convert(str(run))
    finally:
        window.convert._checking = None
    assert page.status.text() == "Finished at step 3." and window.convert.model.currentData() != str(run)


def test_a_run_offered_on_convert_brings_its_own_test_pictures_in_place_of_the_demos(qtbot, window, tmp_path):
    """A run just trained was offered on Convert with the demo photos still its input: converting them showed the
    user's model on pictures of another task (a still-weak item of a note). A folder the user chose stays."""
    from engine.resources import demo_images_dir

    page = with_dataset(window, tmp_path)
    write_images(tmp_path / "d" / "testA", 2, seed=3)
    assert Path(window.convert.input.path()) == demo_images_dir()  # as on a first start
    set_tiny_training(page, steps=2)
    page.start()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    run = window.library.runs()[0]
    assert window.convert.model.currentData() == str(run)
    assert window.convert.input.path() == str((tmp_path / "d" / "testA").resolve())
    assert Path(window.convert.output.path()) == window.library.root / "outputs" / run.name  # the run's own
    from engine.rundir import held_out_folder

    assert held_out_folder(run, "BtoA") is None  # (no testB/: B → A keeps what is chosen)
    window.convert.input.set_path(str(tmp_path / "mine"))
    window._offer_on_convert(str(run))
    assert window.convert.input.path() == str(tmp_path / "mine")


def test_a_pause_and_a_stop_are_said_to_a_screen_reader(qtbot, window, tmp_path, monkeypatch):
    """Ctrl+P and Ctrl+. from another page or the Training menu were confirmed to no one: "Pausing…", "Paused at
    step N", "Resumed." and "Stopping…" were shown, not said (a keyboard pass)."""
    from desktop.pages import train as train_page

    said = []
    monkeypatch.setattr(train_page, "announce", lambda widget, text, urgent=False: said.append(text))
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=100000)
    page.start()
    qtbot.waitUntil(lambda: page.progress.value() >= 1, timeout=60000)
    page.pause_button.click()
    qtbot.waitUntil(lambda: any(t.startswith("Paused at step") for t in said), timeout=30000)
    qtbot.wait(300)  # the pause's flush and the run's hold said it again, two or three times (a keyboard pass)
    assert page.pause_button.toolTip() == "Go on training (Ctrl+P)"  # it described Resume as "Pause after …"
    page.pause_button.click()
    page.pause_button.setFocus()
    page.stop_button.click()
    # the keyboard stays on Stop while the run saves: disabled, it went to the tab bar for seconds (a keyboard pass)
    assert page.stop_button.hasFocus() and page.stop_button.text() == "Stopping…"
    window._press(page.pause_button)  # Ctrl+P now: "No run is training." was said of a run stopping
    assert window.statusBar().currentMessage() == "The run is stopping."
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    assert page.start_button.hasFocus() and page.stop_button.text() == "Stop"
    # the start was shown, never said (a keyboard pass)
    assert said[:3] == ["Training started: preparing the run…", "Pausing after the step in progress…", said[2]]
    assert said[2].startswith("Paused at step") and sum(t.startswith("Paused at step") for t in said) == 1, said
    assert "Resumed." in said and "Stopping: saving a checkpoint…" in said


def test_while_a_run_trains_the_list_picks_it_and_no_other(qtbot, window, tmp_path):
    """A run picked in Runs while another trained kept the live run's view; when that stopped, "Continue it from
    Runs" continued the run picked, not the one on screen (a datasets and runs pass). The other runs are greyed
    while one trains, and the one picked is the one shown."""
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=2)
    page.run_name.setText("first")
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    page.left_tabs.setCurrentWidget(page.runs.parentWidget())
    page.form.field("max_steps").setValue(100000)
    page.run_name.setText("second")
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.runs.count() == 2, timeout=60000)  # listed from its first step
    first, second = (page._run_items[str(window.library.runs_dir / name)] for name in ("first", "second"))
    assert page.runs.currentItem() is second
    assert not first.flags() & Qt.ItemFlag.ItemIsSelectable
    qtbot.mouseClick(page.runs.viewport(), Qt.MouseButton.LeftButton, pos=page.runs.visualItemRect(first).center())
    assert page.runs.currentItem() is second and page.view.log.path.parent.name == "second"
    qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    picked = page.runs.currentItem().data(Qt.ItemDataRole.UserRole)
    assert picked == str(window.library.runs_dir / "second") and page.continue_button.isEnabled()
    assert page.runs.item(1).flags() & Qt.ItemFlag.ItemIsSelectable  # pickable again


def test_a_dataset_whose_folder_was_moved_is_not_given_a_time(qtbot, window, tmp_path):
    """Its folder moved, a dataset was estimated at "≈ 19 min … measured here" with no picture to read (a datasets
    and runs pass): the estimate says the folder is gone and what to do."""
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=1000)
    qtbot.waitUntil(lambda: "measured here" in page.estimate.text(), timeout=60000)
    (tmp_path / "d" / "trainA").rename(tmp_path / "elsewhere")
    page.refresh()
    page.update_estimate()
    qtbot.waitUntil(lambda: "is gone" in page.estimate.text(), timeout=30000)
    assert page.estimate.text() == (f"This dataset's folder {tmp_path / 'd' / 'trainA'} is gone (moved or renamed?): "
                                    "remove the dataset on the Datasets page and add it again from the folder's new "
                                    "place.")


def test_the_device_is_chosen_above_all_settings_not_under_them(qtbot, window):
    """Device sat in a row of its own under the form: with All settings open, below some forty rows of them."""
    page = window.train
    window.resize(1024, 700)
    window.tabs.setCurrentWidget(page)
    page.form.more_button.click()
    qtbot.waitUntil(lambda: page.form.more.isVisible())
    y = lambda widget: widget.mapTo(page, widget.rect().topLeft()).y()  # noqa: E731
    assert y(page.length) < y(page.device) < y(page.form.more_button) < y(page.form.more)


def test_a_dataset_of_pairs_says_that_pix2pix_learns_more_from_them(qtbot, window, tmp_path):
    """A dataset whose every picture pairs by name opened on CycleGAN, and nothing said to choose otherwise (a
    pix2pix pass); folders that pair by no name, or by some names alike by chance, say nothing of it."""
    page = with_dataset(window, tmp_path)  # img_000 … img_002 on both sides
    hint = "if each is the same picture changed, pix2pix (Method) learns more from them"
    qtbot.waitUntil(lambda: hint in page.method_note.text(), timeout=10000)
    page.method.setCurrentIndex(page.method.findData("pix2pix"))
    assert hint not in page.method_note.text()
    page.method.setCurrentIndex(page.method.findData("cyclegan"))
    assert hint in page.method_note.text()
    write_images(tmp_path / "e" / "trainA", 3, seed=1)
    for n, path in enumerate(write_images(tmp_path / "e" / "trainB", 3, seed=2)[1:]):
        path.rename(path.with_name(f"other_{n}.png"))  # one name alike of three
    window.library.add_dataset("some alike", str(tmp_path / "e"), None, "A", "B")
    page.refresh()
    page.dataset.setCurrentText("some alike")
    qtbot.waitUntil(lambda: page._listed and len(page._listed) == 2, timeout=10000)
    page.dataset.setCurrentText("some alike")
    assert hint not in page.method_note.text(), page.method_note.text()


def test_the_run_name_field_names_the_run_training(qtbot, window, tmp_path):
    """While a run trained, its locked Run name field showed the placeholder "dataset and date" (or a name typed
    for another run): it names the run now, and what was typed comes back at its end (a new-user pass)."""
    page = with_dataset(window, tmp_path)
    set_tiny_training(page, steps=1)
    page.start()
    named = Path(page._live_run).name
    assert named.startswith("tiny-") and page.run_name.text() == named and not page.run_name.isEnabled()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    assert page.run_name.text() == "" and page.run_name.isEnabled()


def test_an_empty_loss_plot_says_what_it_waits_for(qtbot, window, tmp_path):
    """Blank axes for a run's first ten steps (half a minute on a CPU) read as a fault (a new-user pass)."""
    page = with_dataset(window, tmp_path)
    note = page.plot.empty_note
    assert note.text() == "A run's losses are drawn here as it trains." and note.isVisibleTo(page.plot)
    set_tiny_training(page, steps=2)
    page.form.field("log_every").setValue(1)
    page.start()
    assert note.text() == "The curves begin at step 1, where the losses are first logged."
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    assert page.plot.point_count() == 2 and not note.isVisibleTo(page.plot)
    page.plot.clear()
    assert note.isVisibleTo(page.plot)
