"""Heavier conversion checks (make test-slow): a 6000x4000 photo in bounded memory, compile == eager."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from PIL import Image

from engine.convert import Translator
from engine.modelfile import load_model
from tests.conftest import make_model_file

pytestmark = pytest.mark.slow

BIG = textwrap.dedent("""
    import resource, sys, time
    from engine.config import ConvertConfig, ModelConfig, TrainConfig
    from engine.convert import convert_folder
    from engine.modelfile import build_metadata, load_model, save_model
    from engine.nets import build_generator

    src, dst, model_path = sys.argv[1:4]
    cfg = TrainConfig(model=ModelConfig())  # the paper's 9-block, 64-filter generator
    save_model(model_path, build_generator(cfg.model), build_metadata(cfg, "AtoB", 0))
    t = time.monotonic()
    summary = convert_folder(load_model(model_path), src, dst, ConvertConfig(device="cpu"))
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(summary.converted, len(summary.failed), f"{peak_gb:.2f}", f"{time.monotonic() - t:.0f}")
""")


def test_6000x4000_photo_converts_under_3_gb(tmp_path):
    """Peak resident memory (ru_maxrss) of a process that only loads the model and converts."""
    src, dst = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    photo = np.empty((4000, 6000, 3), dtype=np.uint8)
    photo[..., 0] = np.linspace(0, 255, 6000, dtype=np.uint8)[None, :]
    photo[..., 1] = np.linspace(0, 255, 4000, dtype=np.uint8)[:, None]
    photo[..., 2] = np.random.default_rng(0).integers(0, 256, (4000, 1), dtype=np.uint8)
    Image.fromarray(photo).save(src / "big.jpg", quality=90)
    del photo
    proc = subprocess.run([sys.executable, "-c", BIG, src, dst, tmp_path / "paper.pt"], capture_output=True,
                          text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    converted, failed, peak_gb, seconds = proc.stdout.split()
    print(f"6000x4000 paper generator on CPU: peak RSS {peak_gb} GB, {seconds} s")
    assert converted == "1" and failed == "0"
    assert Image.open(dst / "big.jpg").size == (6000, 4000)
    assert float(peak_gb) < 3.0


def test_compiled_generator_matches_eager(tmp_path):
    model = load_model(make_model_file(tmp_path / "m.pt", blocks=2, ngf=16))
    batch = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (1, 3, 64, 80), dtype=np.uint8))
    eager = Translator(model, "cpu")(batch)
    compiled_translator = Translator(model, "cpu", compile=True)
    compiled = compiled_translator(batch)
    assert compiled_translator.compiled is not None, "compile fell back to eager: nothing was compared"
    assert (eager.int() - compiled.int()).abs().max() <= 1  # uint8 rounding of float differences
