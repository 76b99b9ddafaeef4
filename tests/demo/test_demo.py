"""The embedded demo: the shipped model really performs its golden-hour grade on the shipped photos."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from engine.convert import convert_folder
from engine.library import Library
from engine.modelfile import load_model, read_metadata
from engine.resources import demo_images_dir, demo_model_path, is_builtin
from tests.cli.test_cli_train import cyclegan
from tools.demo_data import golden_hour, psnr, warmth

IMAGES = sorted(demo_images_dir().glob("*.jpg"))


def test_demo_resources_are_small_and_safe():
    assert len(IMAGES) >= 4
    assert demo_model_path().stat().st_size < 20e6
    meta = read_metadata("demo")  # weights_only loading, like any stranger's file
    assert meta["source_domain"] == "photo" and meta["target_domain"] == "golden hour"
    assert is_builtin(demo_model_path()) and Library.builtin_models() == [demo_model_path()]


def test_demo_model_applies_the_golden_hour_grade(tmp_path):
    """Outputs move towards the ground truth T(input): warmer, and closer to it than the input is."""
    summary = convert_folder(load_model("demo"), demo_images_dir(), tmp_path)
    assert summary.converted == len(IMAGES) and not summary.failed
    gains, warmer = [], []
    for path in IMAGES:
        source = np.asarray(Image.open(path).convert("RGB"))
        output = np.asarray(Image.open(tmp_path / path.name).convert("RGB"))
        assert output.shape == source.shape
        truth = golden_hour(source)
        gains.append(psnr(output, truth) - psnr(source, truth))
        warmer.append(warmth(output) - warmth(source))
    # each photo gets closer to its graded version, and on average by a clear margin
    assert min(gains) > 1.0 and np.mean(gains) > 3.0, gains
    assert min(warmer) > 5.0, warmer


def test_cli_accepts_demo_as_a_model(tmp_path):
    info = json.loads(cyclegan("info", "demo").stdout)
    assert info["kind"] == "model" and info["direction"] == "AtoB"
    src = tmp_path / "in"
    src.mkdir()
    Image.open(IMAGES[0]).resize((64, 48)).save(src / "small.jpg")
    proc = cyclegan("convert", "--model", "demo", "--input", src, "--output", tmp_path / "out")
    assert "1 converted" in proc.stdout
    assert Image.open(tmp_path / "out" / "small.jpg").size == (64, 48)


@pytest.mark.slow  # 8 s; make package-test runs the bundle's: in make test-slow, for make test's ten minutes
def test_app_self_test_runs_headless(tmp_path):
    """What `make package-test` runs in the frozen app, here from the sources."""
    proc = subprocess.run([sys.executable, "-m", "desktop", "--self-test"], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1].startswith("self-test ok:")
    assert f"{len(IMAGES)} demo images converted" in proc.stdout


def test_the_app_answers_help_and_says_when_there_is_no_screen(tmp_path):
    """`cyclegan-studio --help` opened the window, and without a display Qt aborted (134) saying that
    libxcb-cursor0 was needed, though it was installed (a README walk-through)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-m", "desktop", "--help"], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env=env)
    assert proc.returncode == 0 and "--self-test" in proc.stdout and "QT_QPA_PLATFORM=offscreen" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "desktop"], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env=env)
    assert proc.returncode == 2 and "no display to open the window on" in proc.stderr
    # --version and a mistyped --self-tset opened the window (a start pass): a script meaning the test hung
    env["QT_QPA_PLATFORM"] = "offscreen"
    proc = subprocess.run([sys.executable, "-m", "desktop", "--version"], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env=env)
    assert proc.returncode == 0 and proc.stdout.startswith("cyclegan-studio 0.")
    proc = subprocess.run([sys.executable, "-m", "desktop", "--self-tset"], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env=env)
    assert proc.returncode == 2 and "unrecognised option(s): --self-tset" in proc.stderr
