"""The CUDA speed paths give the plain path's results: channels_last against NCHW, compiled
against eager, and folder conversion on the GPU against the CPU. Skipped without CUDA; run on
a GPU by ``make gpu-check`` (tools/gpu_check.py). bf16 and fp16 training against fp32 is
tests/engine/test_speed_paths.py::test_mixed_precision_tracks_fp32.

The layout and compile comparisons run in fp32 with TF32 off: TF32 rounds each convolution's
inputs to 10 mantissa bits, and two cuDNN algorithms (one per layout) would then differ by
far more than the paths themselves do.
"""

import contextlib

import numpy as np
import pytest
import torch
from PIL import Image

from engine.config import ConvertConfig
from engine.convert import convert_folder
from engine.modelfile import load_model
from tests.conftest import make_model_file, tiny_config
from tests.engine.test_speed_paths import losses_of

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")]

EAGER_FP32 = dict(device="cuda", amp="off", compile="off")


@contextlib.contextmanager
def no_tf32():
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def test_channels_last_matches_nchw_on_cuda(tiny_dataset, tmp_path):
    """Three steps agree to 0.1 %, the tolerance of the CPU test (test_channels_last_matches_plain)."""
    with no_tf32():
        nchw = losses_of(tiny_config(tiny_dataset, tmp_path / "a", channels_last="off", **EAGER_FP32), 3)
        nhwc = losses_of(tiny_config(tiny_dataset, tmp_path / "b", channels_last="on", **EAGER_FP32), 3)
    np.testing.assert_allclose(nhwc, nchw, rtol=1e-3, atol=1e-5)


def test_compiled_matches_eager_on_cuda(tiny_dataset, tmp_path):
    """torch.compile (inductor, Triton kernels) against eager, both fp32 NCHW: three steps to 0.1 %."""
    common = dict(device="cuda", amp="off", channels_last="off")
    with no_tf32():
        eager = losses_of(tiny_config(tiny_dataset, tmp_path / "a", compile="off", **common), 3)
        compiled = losses_of(tiny_config(tiny_dataset, tmp_path / "b", compile="on", **common), 3)
    np.testing.assert_allclose(compiled, eager, rtol=1e-3, atol=1e-5)


def smooth_photo(w: int, h: int, seed: int) -> Image.Image:
    """Photo-like content (gradients and a little noise), not pure noise, like the tiling test's."""
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([128 + 100 * np.sin(xx / 30 + seed), 128 + 100 * np.cos(yy / 25),
                    128 + 60 * np.sin((xx + yy) / 40)], -1)
    img = img + np.random.default_rng(seed).normal(0, 10, img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def test_gpu_conversion_matches_cpu(tmp_path):
    """The GPU pipeline (bf16 autocast, channels_last, batches of 4, tiles) writes the CPU's
    images within 1.5 grey levels on average, the tolerance of test_gpu_autocast_close_to_fp32."""
    model = make_model_file(tmp_path / "model.pt", blocks=2, ngf=16)
    src = tmp_path / "in"
    src.mkdir()
    for i in range(5):  # four of one size (one GPU batch) and one that is tiled
        smooth_photo(96, 64, i).save(src / f"{i}.png")
    smooth_photo(300, 200, 9).save(src / "big.png")
    outputs = {}
    for device in ("cpu", "cuda"):
        options = ConvertConfig(device=device, format="png", tile=128, overlap=32, compile="off")
        summary = convert_folder(load_model(model), src, tmp_path / device, options)
        assert summary.ok and summary.converted == 6, summary
        outputs[device] = {p.name: np.asarray(Image.open(p), dtype=np.float32) for p in (tmp_path / device).iterdir()}
    assert outputs["cuda"].keys() == outputs["cpu"].keys()
    for name, cpu in outputs["cpu"].items():
        gpu = outputs["cuda"][name]
        assert gpu.shape == cpu.shape, name
        assert np.abs(gpu - cpu).mean() < 1.5, name
