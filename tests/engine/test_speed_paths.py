"""The speed paths give the plain path's results: channels_last, compile and bf16 on the CPU,
mixed precision on a GPU (skipped without one)."""

import sys

import numpy as np
import pytest
import torch

from engine import Trainer
from engine.speed import cpu_has_native_bf16, plan_speed
from tests.conftest import tiny_config

PLAIN = dict(channels_last="off", amp="off", compile="off")


def losses_of(config, steps: int, loss_scale: float | None = None) -> np.ndarray:
    """Per-step losses; ``loss_scale`` starts fp16's loss scaling there instead of at torch's 2^16."""
    torch.manual_seed(0)
    trainer = Trainer(config)
    if loss_scale:
        trainer.model.scalers = {name: torch.amp.GradScaler(trainer.device.type, init_scale=loss_scale)
                                 for name in trainer.model.scalers}
    a = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(1)) * 2 - 1
    b = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(2)) * 2 - 1
    rows = []
    for _ in range(steps):
        losses = trainer.train_step(a.to(trainer.device), b.to(trainer.device))
        rows.append([float(v) for v in losses.values()])
    return np.array(rows)


def test_plan_defaults_per_device():
    cpu = plan_speed("auto", "auto", "auto", torch.device("cpu"))
    assert not cpu.channels_last and not cpu.compile and not cpu.fused_adam
    assert cpu.amp_dtype == (torch.bfloat16 if cpu_has_native_bf16() else None)
    assert plan_speed("auto", "off", "auto", torch.device("cpu")).amp_dtype is None
    assert plan_speed("off", "off", "on", torch.device("cpu")).describe() == "fp32, NCHW, compiled"
    assert plan_speed("on", "off", "off", torch.device("cpu")).channels_last


@pytest.mark.slow  # 4.5 s: in make test-slow, for make test's ten minutes
def test_a_compiling_run_says_so_before_its_slow_first_step(tiny_dataset, tmp_path):
    """On an H100 the first compiled step came after 66 s (Quick) and over 79 s (Paper): the run says why."""
    said = [m.text for m in Trainer(tiny_config(tiny_dataset, tmp_path / "a", device="cpu", compile="on")).messages]
    assert any(text.startswith("compiling the networks for cpu") for text in said), said
    eager = Trainer(tiny_config(tiny_dataset, tmp_path / "b", compile="off"))
    assert not any("compiling" in m.text for m in eager.messages)


def test_channels_last_matches_plain(tiny_dataset, tmp_path):
    """Three steps agree to 0.1 %. (Later steps drift apart by float rounding that Adam's
    first, sign-like updates amplify; torch's own instance norm was off by 20 % at step 2.)"""
    plain = losses_of(tiny_config(tiny_dataset, tmp_path / "a", **PLAIN), 3)
    fast = losses_of(tiny_config(tiny_dataset, tmp_path / "b", channels_last="on", amp="off"), 3)
    np.testing.assert_allclose(fast, plain, rtol=1e-3, atol=1e-5)


@pytest.mark.slow
def test_compiled_training_matches_eager(tiny_dataset, tmp_path):
    eager = losses_of(tiny_config(tiny_dataset, tmp_path / "a", **PLAIN), 3)
    compiled = losses_of(tiny_config(tiny_dataset, tmp_path / "b", channels_last="off", amp="off",
                                     compile="on"), 3)
    np.testing.assert_allclose(compiled, eager, rtol=1e-3, atol=1e-5)


@pytest.mark.slow  # 4 s: in make test-slow, for make test's ten minutes
def test_cpu_bf16_tracks_fp32(tiny_dataset, tmp_path):
    """bf16 autocast (the CPU default where the CPU has bf16 instructions; emulated, slower,
    but the same numerics elsewhere). Tolerance: over 30 seeded steps the mean of each loss
    stays within 10 % of fp32's (measured: the discriminator losses 5.7 % and 2.6 %, the others within 2.0 %)."""
    common = dict(device="cpu", channels_last="off", compile="off")
    fp32 = losses_of(tiny_config(tiny_dataset, tmp_path / "a", amp="off", **common), 30)
    bf16 = losses_of(tiny_config(tiny_dataset, tmp_path / "b", amp="bf16", **common), 30)
    assert np.isfinite(bf16).all()
    np.testing.assert_allclose(bf16.mean(0), fp32.mean(0), rtol=0.1, atol=1e-3)


FP16_START_SCALE = 2.0 ** 10
"""fp16 runs start their loss scale here: at torch's 2^16 the tiny test model's gradients overflow, and the
scaler skips the first 3 to 4 steps of 30 while it halves down to 2^11 (G) and 2^13 (D). Those skipped steps,
not fp16's arithmetic, put the 30-step means 70 to 80 % off fp32's (on an H100, ``make gpu-check``, and on this
CPU alike). A real run loses those few steps of thousands and nothing else."""


@pytest.mark.slow  # 3.6 s: in make test-slow, for make test's ten minutes
def test_cpu_fp16_with_loss_scaling_tracks_fp32(tiny_dataset, tmp_path):
    """The loss-scaling path (scale, step, update of a GradScaler per optimiser) on the CPU, where torch
    autocasts to fp16 too, so CI runs it (measured: each loss's 30-step mean within 4 % of fp32's)."""
    common = dict(device="cpu", channels_last="off", compile="off")
    fp32 = losses_of(tiny_config(tiny_dataset, tmp_path / "a", amp="off", **common), 30)
    fp16 = losses_of(tiny_config(tiny_dataset, tmp_path / "b", amp="fp16", **common), 30, FP16_START_SCALE)
    assert np.isfinite(fp16).all()
    np.testing.assert_allclose(fp16.mean(0), fp32.mean(0), rtol=0.05, atol=1e-3)


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@needs_cuda
@pytest.mark.gpu
@pytest.mark.parametrize("amp", ["bf16", "fp16"])
def test_mixed_precision_tracks_fp32(tiny_dataset, tmp_path, amp):
    """Tolerance: over 30 seeded steps the mean of each loss stays within 5 % of fp32's."""
    if amp == "bf16" and not torch.cuda.is_bf16_supported():
        pytest.skip("no bf16 on this GPU")
    common = dict(device="cuda", compile="off")
    fp32 = losses_of(tiny_config(tiny_dataset, tmp_path / "a", amp="off", **common), 30)
    mixed = losses_of(tiny_config(tiny_dataset, tmp_path / "b", amp=amp, **common), 30,
                      FP16_START_SCALE if amp == "fp16" else None)
    assert np.isfinite(mixed).all()
    np.testing.assert_allclose(mixed.mean(0), fp32.mean(0), rtol=0.05, atol=1e-3)


@needs_cuda
@pytest.mark.gpu
def test_compiled_gpu_defaults_track_plain(tiny_dataset, tmp_path):
    plain = losses_of(tiny_config(tiny_dataset, tmp_path / "a", device="cuda", **PLAIN), 20)
    fast = losses_of(tiny_config(tiny_dataset, tmp_path / "b", device="cuda"), 20)  # bf16, compiled, fused
    np.testing.assert_allclose(fast.mean(0), plain.mean(0), rtol=0.05, atol=1e-3)


def test_an_installed_app_does_not_compile(monkeypatch, tmp_path):
    """In the PyInstaller bundle (no Python or torch headers) a compiled training run died at its first step and a
    conversion of 32+ images lost 5 s before it fell back: there auto means off and on is refused up front."""
    from engine.config import ConvertConfig, TrainConfig
    from engine.convert import compiles

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert not plan_speed("off", "off", "auto", torch.device("cuda")).compile
    assert not plan_speed("off", "off", "on", torch.device("cpu")).compile
    for config in (TrainConfig(data="d", out="o", compile="on"), ConvertConfig(compile="on")):
        with pytest.raises(ValueError, match="the installed app does not ship"):
            config.validate()
    TrainConfig(data="d", out="o").validate()  # auto stays valid: it just does not compile there
    assert not compiles(ConvertConfig(), 1000, None, "cuda")
    monkeypatch.delattr(sys, "frozen")
    assert plan_speed("off", "off", "auto", torch.device("cuda")).compile  # from source, unchanged
    assert compiles(ConvertConfig(), 1000, None, "cuda") and not compiles(ConvertConfig(), 3, None, "cuda")
    # on the CPU compiling cost more than it saved: 60 pictures of 256 px took 35.6 s instead of 9.6 (a convert pass)
    assert not compiles(ConvertConfig(), 1000, None, "cpu") and compiles(ConvertConfig(compile="on"), 3, None, "cpu")


def test_auto_does_not_compile_for_pictures_of_many_sizes(tmp_path):
    """Each new size compiles again: 36 photos of different sizes took 24 s with auto against 4 s without."""
    from PIL import Image

    from engine.config import ConvertConfig
    from engine.convert import COMPILE_MIN_IMAGES, compiles, most_alike

    for i in range(COMPILE_MIN_IMAGES + 4):
        Image.new("RGB", (40 + i, 30)).save(tmp_path / f"varied_{i:02d}.png")
    varied = sorted(tmp_path.glob("varied_*.png"))
    assert most_alike(varied) == 1
    assert not compiles(ConvertConfig(), len(varied), most_alike(varied), "cuda")
    for i in range(COMPILE_MIN_IMAGES):
        Image.new("RGB", (64, 48)).save(tmp_path / f"camera_{i:02d}.png")
    both = sorted(tmp_path.glob("*.png"))
    assert most_alike(both) == COMPILE_MIN_IMAGES
    assert compiles(ConvertConfig(), len(both), most_alike(both), "cuda") == compiles(ConvertConfig(), len(both), None,
                                                                                   "cuda")


def test_one_cpu_thread_is_one_thread():
    """ "CPU (1 threads)" in the device box and the status bar, with OMP_NUM_THREADS=1."""
    from engine.devices import describe

    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert describe(torch.device("cpu")) == "CPU (1 thread)"
        torch.set_num_threads(2)
        assert describe(torch.device("cpu")) == "CPU (2 threads)"
    finally:
        torch.set_num_threads(threads)
