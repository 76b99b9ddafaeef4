"""Shared fixtures: real tiny images on disk and tiny training configs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The tests stop the runs they start with SIGINT, as Ctrl-C in a terminal would. A suite started in the background
# (`make test &`, a runner without job control) inherits SIGINT ignored, passes that on to every process it starts,
# and the engine rightly leaves an inherited ignore alone: five signal tests then waited out their timeouts. Python's
# own handler here means the processes started get the default again (exec resets a handled signal, not an ignored
# one).
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def write_images(folder: Path, count: int, size=(40, 48), seed: int = 0, mode: str = "RGB") -> list[Path]:
    """``count`` random-noise images of ``size`` (w, h) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
        path = folder / f"img_{i:03d}.png"
        Image.fromarray(pixels).convert(mode).save(path)
        paths.append(path)
    return paths


def write_graded_pairs(root: Path, count: int = 2, size=(120, 80)) -> Path:
    """``testA/`` + ``testA_truth/``: demo photos and their golden-hour grade (a known ground truth)."""
    from engine.resources import demo_images_dir
    from tools.demo_data import golden_hour

    for folder in ("testA", "testA_truth"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for path in sorted(demo_images_dir().glob("*.jpg"))[:count]:
        image = Image.open(path).convert("RGB").resize(size)
        image.save(root / "testA" / f"{path.stem}.png")
        Image.fromarray(golden_hour(np.asarray(image))).save(root / "testA_truth" / f"{path.stem}.png")
    return root


@pytest.fixture
def tiny_dataset(tmp_path) -> Path:
    """A root in the public CycleGAN layout (trainA/ trainB/) with a few 40x48 images each."""
    root = tmp_path / "data"
    write_images(root / "trainA", 5, seed=1)
    write_images(root / "trainB", 4, seed=2)
    return root


def tiny_config(data: Path, out: Path, **overrides):
    """A 32 px, 2-block, 8-filter config that trains a step in milliseconds."""
    from engine import ModelConfig, TrainConfig

    model = ModelConfig(blocks=2, ngf=8, ndf=8)
    kwargs = dict(data=str(data), out=str(out), model=model, load_size=36, crop_size=32, workers=0,
                  epochs=2, epochs_decay=2, log_every=1, sample_every=0, save_every=1000, seed=0)
    kwargs.update(overrides)
    return TrainConfig(**kwargs)


@pytest.fixture
def model_file(tmp_path) -> Path:
    """A small (untrained) RGB model file with real metadata."""
    return make_model_file(tmp_path / "model.pt")


def make_model_file(path: Path, channels: int = 3, blocks: int = 1, ngf: int = 8) -> Path:
    import torch

    from engine import ModelConfig, TrainConfig
    from engine.modelfile import build_metadata, save_model
    from engine.nets import build_generator

    cfg = TrainConfig(name_a="horse", name_b="zebra", crop_size=32,
                      model=ModelConfig(channels=channels, blocks=blocks, ngf=ngf))
    torch.manual_seed(0)
    return save_model(path, build_generator(cfg.model), build_metadata(cfg, "AtoB", 7))


def write_png_cut_inside(path: Path, size=(40, 48)) -> Path:
    """A PNG whose image data is cut short inside chunks that are whole (their checksums right): it passes the
    header check (verify) and fails when decoded ("image file is truncated"), as a file damaged past its header."""
    import io
    import struct
    import zlib

    import numpy as np
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (size[1], size[0], 3), np.uint8)).save(buffer, "PNG")
    data = buffer.getvalue()
    at = data.index(b"IDAT") - 4
    length = struct.unpack(">I", data[at:at + 4])[0]
    cut = data[at + 8:at + 8 + length][:length // 2]
    chunk = struct.pack(">I", len(cut)) + b"IDAT" + cut + struct.pack(">I", zlib.crc32(b"IDAT" + cut))
    path.write_bytes(data[:at] + chunk + data[at + 12 + length:])
    return path


@contextlib.contextmanager
def small_tmpfs(mount: Path, size: str):
    """A real, small filesystem to fill up (a tmpfs; needs root): skips the test where it cannot be mounted."""
    import pytest

    mount.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here to fill up")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@contextlib.contextmanager
def read_only(mount: Path):
    """``mount`` (a :func:`small_tmpfs`) read-only for the block."""
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True, capture_output=True)
    try:
        yield mount
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(mount)], capture_output=True)
