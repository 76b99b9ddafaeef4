"""Open each page of the real app in a real window and save PNGs to docs/screenshots/.

Runs under an X server; on a machine without a screen use Xvfb (Debian package `xvfb`):
    make screenshots
    # or: xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python tools/screenshots.py

The app runs on a fresh library in build/screenshots/ with a dataset made from the demo
photos (A) and their golden-hour grade (B); it trains a small run for real, stops it, and
converts the demo images with the built-in demo model, so every page shows live content.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = ROOT / "build" / "screenshots"
OUT = ROOT / "docs" / "screenshots"
os.environ["CYCLEGAN_STUDIO_HOME"] = str(WORK / "home")
SIZES = ((1024, 700), (1600, 1000))  # the smallest screen the app is made for, and a roomy one


def wait_until(app, condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.02)


def make_dataset() -> Path:
    from engine.resources import demo_images_dir
    from tools.demo_data import golden_hour

    data = WORK / "data"
    for side in ("trainA", "trainB"):
        (data / side).mkdir(parents=True, exist_ok=True)
    for path in sorted(demo_images_dir().glob("*.jpg")):
        image = Image.open(path).convert("RGB")
        image.save(data / "trainA" / path.name)
        Image.fromarray(golden_hour(np.asarray(image))).save(data / "trainB" / path.name)
    return data


def shot_dialog(app, dialog, name: str) -> None:
    """A dialog as it is drawn, as {name}.png; then closed."""
    for _ in range(25):
        app.processEvents()
        time.sleep(0.02)
    dialog.grab().save(str(OUT / f"{name}.png"))
    print(f"saved {OUT / name}.png")
    dialog.close()


def main() -> None:
    if not os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        raise SystemExit("no X display: run under Xvfb (make screenshots), or set QT_QPA_PLATFORM=offscreen")
    shutil.rmtree(WORK, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    data = make_dataset()

    from desktop.app import make_app
    from desktop.main_window import MainWindow
    from desktop.pages.datasets import AddDatasetDialog

    app = make_app(["cyclegan-studio"])
    window = MainWindow()
    window.resize(*SIZES[0])
    window.show()
    wait_until(app, window.isVisible, 10, "the window")

    def shot(name: str) -> None:
        """The window at every size of SIZES, as {name}-{w}x{h}.png."""
        for w, h in SIZES:
            window.resize(w, h)
            for _ in range(25):
                app.processEvents()
                time.sleep(0.02)
            if (window.width(), window.height()) != (w, h):
                raise SystemExit(f"the window did not keep {w}x{h} on {name}: {window.width()}x{window.height()}")
            window.grab().save(str(OUT / f"{name}-{w}x{h}.png"))
            print(f"saved {OUT / name}-{w}x{h}.png")
        window.resize(*SIZES[0])

    # Datasets: add one through the real dialog and wait for its thumbnails
    dialog = AddDatasetDialog(window.library, window)
    dialog.name.setText("golden-hour")
    dialog.name_a.setText("photo")
    dialog.name_b.setText("golden hour")
    dialog.root.set_path(str(data))
    dialog.try_accept()  # its images are checked off the GUI thread
    wait_until(app, lambda: dialog.checking is None, 30, "the new dataset's check")
    if dialog.entry is None:
        raise SystemExit(f"the dataset was not added: {dialog.error.text()}")
    window.datasets.refresh("golden-hour")
    window.datasets.datasets_changed.emit()
    window.tabs.setCurrentWidget(window.datasets)
    wait_until(app, lambda: window.datasets.inspecting is None and window.datasets.grid_a.loaded_count() >= 4, 30,
               "the dataset checked and its thumbnails")
    shot("datasets")

    # Train: a real small run until the plot and the samples have content
    page = window.train
    window.tabs.setCurrentWidget(page)
    page.apply_preset(page.preset.itemText(0))
    page.form.field("crop_size").setValue(64)
    page.form.field("load_size").setValue(72)
    page.form.field("model.blocks").setValue(3)
    page.form.field("model.ngf").setValue(16)
    page.form.field("sample_every").setValue(40)
    page.device.setCurrentIndex(page.device.findData("cpu"))
    page.run_name.setText("golden-hour-small")
    page.start()
    wait_until(app, lambda: page.samples.step is not None and page.samples.step >= 120
               and page.plot.point_count() >= 6, 300, "training samples")
    shot("train")
    page.stop()
    wait_until(app, lambda: page.worker is None, 60, "the run to stop")
    page.left_tabs.setCurrentIndex(1)  # the runs, the stopped one picked
    page.runs.setCurrentRow(0)
    shot("train-runs")
    page.left_tabs.setCurrentIndex(0)
    page.view.samples.enlarge()  # as large as a 1024x700 screen allows
    enlarged = page.view.samples.enlarged
    enlarged.resize(920, 630)
    shot_dialog(app, enlarged, "samples-enlarged")

    # Convert: the built-in demo model on the demo images, one file picked to compare
    conv = window.convert
    window.tabs.setCurrentWidget(conv)
    conv.refresh()
    conv.model.setCurrentIndex(0)
    conv.use_demo_images()
    conv.start()
    wait_until(app, lambda: conv.worker is None, 120, "the conversion")
    conv.files.setCurrentRow(1)
    conv.preview.canvas.set_divider(0.45)
    shot("convert")

    # Models: the demo model's metadata
    window.tabs.setCurrentWidget(window.models)
    window.models.refresh()
    window.models.list.setCurrentRow(0)
    shot("models")

    # The gallery of published models (nothing is downloaded for the picture)
    from desktop.widgets.gallery import GalleryDialog

    gallery = GalleryDialog(window.library, window)
    gallery.show()
    gallery.select("style_monet")
    shot_dialog(app, gallery, "gallery")
    window.train.shutdown()
    window.close()


if __name__ == "__main__":
    main()
