"""``cyclegan-studio --self-test``: prove a build works end to end, without a display.

Opens the main window, trains two steps on generated images (with DataLoader worker
processes, which a frozen app must start without relaunching itself), converts the demo
images with the demo model, prints one line and exits 0; any failure exits 1 with the reason.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path


def _write_images(folder: Path, count: int, seed: int) -> None:
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(folder / f"{i}.png")


def seconds_since_process_start() -> float | None:
    """Wall time since this process was created (Linux /proc), so start-up cost is included."""
    try:
        start_ticks = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19])
        uptime = float(open("/proc/uptime").read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def run_self_test() -> int:
    started = time.monotonic()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="cyclegan-self-test-") as tmp:
        work = Path(tmp)
        os.environ["CYCLEGAN_STUDIO_HOME"] = str(work / "home")  # never touch the user's library
        try:
            return _run(work, started)
        except Exception as exc:  # noqa: BLE001 - the point is to report anything that breaks
            print(f"self-test FAILED: {type(exc).__name__}: {exc}", flush=True)
            return 1


def _run(work: Path, started: float) -> int:
    from desktop.app import make_app
    from desktop.main_window import MainWindow
    from engine.config import ModelConfig, TrainConfig
    from engine.convert import convert_folder
    from engine.events import Failed
    from engine.modelfile import load_model
    from engine.resources import demo_images_dir, demo_model_path
    from engine.train import Trainer

    app = make_app(["cyclegan-studio"])
    window = MainWindow()
    window.show()
    app.processEvents()
    if not window.isVisible():
        raise RuntimeError("the main window did not show")
    since_start = seconds_since_process_start()
    shown = since_start if since_start is not None else time.monotonic() - started

    _write_images(work / "data" / "trainA", 3, seed=1)
    _write_images(work / "data" / "trainB", 3, seed=2)
    config = TrainConfig(data=str(work / "data"), out=str(work / "run"), crop_size=32, load_size=36,
                         model=ModelConfig(blocks=1, ngf=8, ndf=8), max_steps=2, workers=2, device="cpu",
                         log_every=1, sample_every=0)
    events: list = []
    Trainer(config).run(events.append)
    failures = [e for e in events if isinstance(e, Failed)]
    if failures:
        raise RuntimeError(f"training failed: {failures[0].reason}")
    if not (work / "run" / "checkpoints" / "latest.pt").is_file():
        raise RuntimeError("training wrote no checkpoint")
    app.processEvents()

    images = sorted(demo_images_dir().glob("*.jpg"))
    if not images or not demo_model_path().is_file():
        raise RuntimeError(f"demo resources missing under {demo_images_dir().parent}")
    t = time.monotonic()
    summary = convert_folder(load_model("demo"), demo_images_dir(), work / "out")
    converted = len(list((work / "out").glob("*.jpg")))
    if summary.error or summary.failed or converted != len(images):
        raise RuntimeError(f"converted {converted} of {len(images)} demo images {summary.error} {summary.failed}")
    window.close()
    app.processEvents()
    print(f"self-test ok: window shown {shown:.1f} s after the process started, 2 training steps, "
          f"{converted} demo images converted in {time.monotonic() - t:.1f} s, "
          f"{time.monotonic() - started:.1f} s in all", flush=True)
    return 0
