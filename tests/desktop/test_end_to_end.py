"""Drive the real window: dataset -> train -> stop -> export -> convert, as a person would."""

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QElapsedTimer, Qt, QTimer

from desktop.pages.datasets import AddDatasetDialog
from tests.conftest import write_images


def add_dataset(window, root: Path, name="tiny"):
    dialog = AddDatasetDialog(window.library, window)
    dialog.name.setText(name)
    dialog.name_a.setText("day")
    dialog.name_b.setText("night")
    dialog.root.set_path(str(root))
    accept_checked(dialog)
    assert dialog.entry is not None, dialog.error.text()
    window.datasets.refresh(name)
    window.datasets.datasets_changed.emit()
    wait_for_dataset(window)
    return dialog.entry


def accept_checked(dialog):
    """Click Add and wait for its check (off the GUI thread) to end."""
    from pytestqt.qtbot import QtBot

    dialog.try_accept()
    QtBot(dialog).waitUntil(lambda: dialog.checking is None, timeout=30000)


def wait_for_dataset(window):
    """Until the Datasets page has checked the dataset it shows, and the Train page has read its names (both off the
    GUI thread)."""
    from pytestqt.qtbot import QtBot

    QtBot(window).waitUntil(lambda: window.datasets.inspecting is None and not window.train._listing, timeout=30000)


def set_tiny_training(page, steps=8):
    page.form.field("crop_size").setValue(32)
    page.form.field("load_size").setValue(36)
    page.form.field("model.blocks").setValue(1)
    page.form.field("model.ngf").setValue(8)
    page.form.field("max_steps").setValue(steps)
    page.form.field("sample_every").setValue(3)
    page.device.setCurrentIndex(page.device.findData("cpu"))


def test_dataset_train_export_convert(qtbot, window, tmp_path):
    root = tmp_path / "data"
    write_images(root / "trainA", 4, seed=1)
    write_images(root / "trainB", 4, seed=2)
    add_dataset(window, root)
    assert window.datasets.list.count() == 1
    assert "4 images" in window.datasets.details.text()
    window.tabs.setCurrentWidget(window.datasets)  # thumbnails are decoded once shown
    qtbot.waitUntil(lambda: window.datasets.grid_a.loaded_count() == 4, timeout=10000)

    # ---- train a few steps, watch plot and samples, then stop
    window.tabs.setCurrentWidget(window.train)
    page = window.train
    assert page.dataset.currentText() == "tiny"
    set_tiny_training(page, steps=100000)
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.plot.point_count() >= 2 and page.samples.step is not None, timeout=60000)
    assert page.samples.views["fake_B"].has_image()
    assert page.samples.captions["fake_B"].text() == "→ night"
    assert page.progress.value() > 0
    qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    assert page.start_button.isEnabled()
    assert "Stopped at step" in page.status.text()
    run = window.library.runs()[0]
    assert (run / "checkpoints" / "latest.pt").exists()

    # ---- export from the Models page
    window.tabs.setCurrentWidget(window.models)
    models = window.models
    models.refresh(str(run))
    assert models.export_button.isVisible() and models.export_button.isEnabled()
    models.direction.setCurrentIndex(0)
    qtbot.wait(20)
    assert models.direction.currentText() == "day → night"
    text_width = models.direction.fontMetrics().horizontalAdvance("day → night")
    assert models.direction.width() > text_width + 20  # the whole name and the arrow of the box
    models.export_selected(name="day2night")
    qtbot.waitUntil(lambda: window.library.model_path("day2night").exists(), timeout=30000)
    qtbot.waitUntil(lambda: "Exported" in models.message.text(), timeout=10000)
    qtbot.waitUntil(lambda: "day → night" in models.details.text())  # the file read off the window's thread
    assert f"<b>File</b>&nbsp;&nbsp;</td><td>{window.library.model_path('day2night')}<" in models.details.text()

    # ---- convert a folder with it
    photos = tmp_path / "photos"
    write_images(photos / "sub", 3, size=(50, 30), seed=5)
    window.tabs.setCurrentWidget(window.convert)
    conv = window.convert
    conv.refresh()
    conv.select_model(str(window.library.model_path("day2night")))
    conv.input.set_path(str(photos))
    conv.output.set_path(str(tmp_path / "out"))
    qtbot.mouseClick(conv.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not conv.busy, timeout=60000)
    qtbot.waitUntil(lambda: conv._view_reader is None and conv._view_wanted is None, timeout=30000)
    outputs = sorted((tmp_path / "out" / "sub").iterdir())
    assert len(outputs) == 3 and Image.open(outputs[0]).size == (50, 30)
    assert conv.progress.value() == conv.progress.maximum() == 3
    assert not conv.preview.canvas.after.isNull()
    assert "3 converted" in conv.status.text()
    assert conv.open_button.isEnabled()


def test_gui_stays_responsive_while_training(qtbot, window, tmp_path):
    """Event-loop latency: a 10 ms timer must never be late by 100 ms while training runs."""
    root = tmp_path / "data"
    write_images(root / "trainA", 4, size=(72, 72), seed=1)
    write_images(root / "trainB", 4, size=(72, 72), seed=2)
    add_dataset(window, root)
    page = window.train
    set_tiny_training(page, steps=100000)
    page.form.field("crop_size").setValue(64)
    page.form.field("load_size").setValue(72)
    page.form.field("model.ngf").setValue(16)
    page.form.field("model.blocks").setValue(3)
    page.form.field("sample_every").setValue(5)
    clock = QElapsedTimer()
    gaps = []
    last = [0]

    def tick():
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.plot.point_count() >= 1, timeout=60000)
    clock.start()
    timer.start()
    qtbot.wait(3000)
    timer.stop()
    steps_seen = page.progress.value()
    page.stop()
    qtbot.waitUntil(lambda: page.worker is None, timeout=60000)
    worst = max(gaps[1:]) - 10
    print(f"event loop: {len(gaps)} ticks, worst lateness {worst} ms, median gap {sorted(gaps)[len(gaps) // 2]} ms, "
          f"training reached step {steps_seen}")
    assert steps_seen > 5
    assert worst < 100
