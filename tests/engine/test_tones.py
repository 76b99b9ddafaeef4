"""The two-tone colour map of the Quick recipe: shadows and highlights tinted apart when both folders show
it, one map for all tones when they do not (no cast made up from what the pictures happen to show)."""

import numpy as np
import pytest
import torch

from engine import ModelConfig, TrainConfig
from engine.modelfile import build_metadata, export_onnx, export_torchscript, load_model, save_model
from engine.nets import (ColourMoments, GlobalColour, TwoToneColour, build_generator, colour_moments, fit_colour,
                         fit_tones, luma_binned_moments, summed_bins)

from .test_colour import smooth_field

TEAL, ORANGE = torch.tensor([-0.10, 0.03, 0.12]), torch.tensor([0.12, 0.02, -0.12])


def split_toning(x: torch.Tensor) -> torch.Tensor:
    """A film look's colour: shadows toward teal, highlights toward orange ((N, 3) pixels in [-1, 1])."""
    light = ((x @ torch.tensor([0.299, 0.587, 0.114]) + 1) / 2)[:, None]
    return (x + 2 * ((1 - light) ** 2 * TEAL + light ** 2 * ORANGE)).clamp(-1, 1)


def pictures(rng: np.random.Generator, count: int, change=None) -> list[torch.Tensor]:
    out = []
    for _ in range(count):
        x = torch.from_numpy(np.asarray(smooth_field(rng), np.float32).reshape(-1, 3) / 127.5 - 1)
        out.append(x if change is None else change(x))
    return out


def binned(pictures_: list[torch.Tensor]) -> ColourMoments:
    return ColourMoments(*(torch.cat(parts) for parts in zip(*map(luma_binned_moments, pictures_))))


def fitted(source: list[torch.Tensor], target: list[torch.Tensor]) -> tuple[TwoToneColour, GlobalColour, float]:
    tones, single = TwoToneColour(3), GlobalColour(3)
    s, t = binned(source), binned(target)
    fit_colour(tones, summed_bins(s), summed_bins(t))
    fit_colour(single, summed_bins(s), summed_bins(t))
    return tones, single, fit_tones(tones, s, t)


def apply(colour: torch.nn.Module, pixels: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return colour(pixels.T[None, :, :, None])[0, :, :, 0].T


def test_luma_binned_moments_add_up_to_the_pictures_colour_moments():
    rng = np.random.default_rng(0)
    some = pictures(rng, 3)
    for got, want in zip(summed_bins(binned(some)), colour_moments(some)):
        torch.testing.assert_close(got, want)


def test_two_tones_learn_shadows_and_highlights_tinted_apart_between_different_pictures():
    """Teal shadows and orange highlights, learnt from 40 pictures a side with none in common: on unseen
    pictures the two-tone map is closer to the truth than the single map (measured: 0.026 against 0.034 mean
    error in [-1, 1] units; the truth is quadratic in luma, the blend linear), keeping 66 % of the tones'
    difference."""
    rng = np.random.default_rng(0)
    source, target, unseen = pictures(rng, 40), pictures(rng, 40, split_toning), torch.cat(pictures(rng, 10))
    tones, single, kept = fitted(source, target)
    truth = split_toning(unseen)
    two_tone_error = float((apply(tones, unseen) - truth).abs().mean())
    single_error = float((apply(single, unseen) - truth).abs().mean())
    assert kept > 0.5, kept
    assert two_tone_error < 0.85 * single_error, (two_tone_error, single_error)


def test_a_global_change_keeps_one_map_for_all_tones():
    """A warm per-channel grade between different pictures: shadows and highlights differ only by chance,
    so little of that is kept (measured: 8 %) and the two-tone map stays within 0.02 of the single map
    (1.5 levels of 255; 0.005 measured), where keeping it all moves it 0.06."""
    rng = np.random.default_rng(1)
    warmer = torch.tensor([1.0, 0.9, 0.7])
    source, target = pictures(rng, 40), pictures(rng, 40, lambda x: x * warmer + torch.tensor([0.05, 0.0, -0.1]))
    tones, single, kept = fitted(source, target)
    unseen = torch.cat(pictures(rng, 10))
    assert kept < 0.3, kept
    assert float((apply(tones, unseen) - apply(single, unseen)).abs().max()) < 0.02
    whole = TwoToneColour(3)
    fit_colour(whole, summed_bins(binned(source)), summed_bins(binned(target)))
    fit_tones(whole, binned(source), binned(target), resamples=1)
    assert float((apply(whole, unseen) - apply(single, unseen)).abs().max()) > 0.04  # what the shrinking avoids


def test_one_picture_a_side_gives_one_map_for_all_tones():
    rng = np.random.default_rng(2)
    tones, single, kept = fitted(pictures(rng, 1), pictures(rng, 1, split_toning))
    assert kept == 0.0
    torch.testing.assert_close(tones.weight_highlights.data, single.weight.data)
    torch.testing.assert_close(tones.bias_highlights.data, single.bias.data)


@pytest.mark.parametrize("channels", [3, 1])
def test_a_flat_side_still_gives_a_finite_map(channels):
    flat = [torch.zeros(256, channels) + 0.2 for _ in range(4)]
    tones = TwoToneColour(channels)
    fit_colour(tones, summed_bins(binned(flat)), summed_bins(binned(flat)))
    fit_tones(tones, binned(flat), binned([x * 0.5 for x in flat]))
    assert all(torch.isfinite(p).all() for p in tones.parameters())
    assert tones.levels[1] > tones.levels[0]


def test_levels_that_meet_still_give_a_picture():
    """A model file's levels are numbers from a stranger: equal (or crossed) ones must not divide by zero."""
    tones = TwoToneColour(3)
    with torch.no_grad():
        tones.levels.zero_()
        tones.bias_highlights.fill_(0.2)
    x = torch.cat([torch.zeros(1, 3, 4, 8), torch.rand(1, 3, 4, 8) * 2 - 1], 2)  # luma 0: on both levels
    assert torch.isfinite(tones(x)).all()


def test_a_tones_generator_starts_as_the_identity():
    net = build_generator(ModelConfig(blocks=1, ngf=8, norm="none", residual=True, colour="tones"))
    x = torch.rand(1, 3, 16, 16) * 1.9 - 0.95
    torch.testing.assert_close(net(x), x, atol=1e-5, rtol=0)


@pytest.mark.slow  # 5 s: in make test-slow, for make test's ten minutes
def test_a_tones_model_file_loads_back_and_exports(tmp_path):
    cfg = TrainConfig(crop_size=32, model=ModelConfig(blocks=1, ngf=8, norm="none", residual=True, colour="tones",
                                                      detail=True))
    net = build_generator(cfg.model)
    rng = np.random.default_rng(3)
    source, target = binned(pictures(rng, 8)), binned(pictures(rng, 8, split_toning))
    fit_colour(net.colour, summed_bins(source), summed_bins(target))
    fit_tones(net.colour, source, target, resamples=1)  # kept whole: the file must carry two different maps
    assert not torch.allclose(net.colour.weight_highlights, net.colour.weight)
    loaded = load_model(save_model(tmp_path / "t.pt", net, build_metadata(cfg, "AtoB", 1)))
    x = torch.rand(1, 3, 40, 24) * 2 - 1
    torch.testing.assert_close(loaded.generator(x), net.eval()(x))
    scripted = torch.jit.load(str(export_torchscript(loaded, tmp_path / "t.ts")))
    torch.testing.assert_close(scripted(x), loaded.generator(x), atol=1e-5, rtol=0)
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    session = ort.InferenceSession(str(export_onnx(loaded, tmp_path / "t.onnx", size=32)))
    (y,) = session.run(None, {"image": x.numpy()})
    torch.testing.assert_close(torch.from_numpy(y), loaded.generator(x), atol=1e-4, rtol=0)


def test_the_tones_fit_a_map_on_another_device_than_their_statistics():
    """The statistics are gathered on the CPU while the generator already sits on the training device. The
    tones' fit added a CPU tensor to a CUDA weight and stopped every Quick run on a GPU (found by
    ``make gpu-check`` on an H100). The meta device stands in for CUDA: it refuses mixed devices alike."""
    rng = np.random.default_rng(3)
    s, t = binned(pictures(rng, 40)), binned(pictures(rng, 40, split_toning))
    on_cpu, elsewhere = TwoToneColour(3), TwoToneColour(3).to("meta")
    for colour in (on_cpu, elsewhere):
        fit_colour(colour, summed_bins(s), summed_bins(t))
    assert fit_tones(elsewhere, s, t) == fit_tones(on_cpu, s, t) > 0
    assert {p.device.type for p in elsewhere.parameters()} == {"meta"}
