"""The Quick recipe's local-contrast start: a clarity look is found from unpaired pictures, and a
pure colour change, or pictures that differ only by chance, give no change of detail."""

import torch

from engine import ModelConfig, TrainConfig
from engine.modelfile import build_metadata, export_torchscript, load_model, save_model
from engine.nets import LocalContrast, band_energies, band_moments, build_generator, fit_local_contrast

from .test_colour import warm_grade_trainer

CLARITY = torch.tensor([1.9, 1.9, 1.6])  # a strong clarity look: fine detail almost doubled


def textures(count: int, seed: int, size: int = 48) -> list[torch.Tensor]:
    """Random pictures with detail at every scale (noise blurred by a random amount), each one new."""
    g = torch.Generator().manual_seed(seed)
    blur = LocalContrast()
    out = []
    for _ in range(count):
        noise = torch.randn(1, 3, size, size, generator=g) * 0.5
        bands = blur.bands(noise)
        weights = 0.4 + torch.rand(len(bands), generator=g)  # pictures differ in how much of each band they hold
        out.append(sum(w * b for w, b in zip(weights, bands))[0].clamp(-1, 1))
    return out


def with_gains(pictures: list[torch.Tensor], gains: torch.Tensor) -> list[torch.Tensor]:
    look = LocalContrast()
    look.gain.data.copy_(gains)
    return [look(p[None])[0] for p in pictures]


def energies(pictures: list[torch.Tensor]) -> torch.Tensor:
    return band_energies(torch.stack([band_moments(LocalContrast(), p) for p in pictures]))


def test_a_clarity_look_is_found_between_different_pictures():
    source, target = textures(24, seed=0), with_gains(textures(24, seed=1), CLARITY)
    fitted = LocalContrast()
    gains = fit_local_contrast(fitted, energies(source), energies(target))
    assert (gains > 1.35).all(), gains  # measured: 1.44, 1.52, 1.51 (the clamp to [-1, 1] takes some)
    unseen = textures(8, seed=2)
    truth = with_gains(unseen, CLARITY)
    error = lambda outputs: sum(float((o - t).pow(2).mean()) for o, t in zip(outputs, truth))  # noqa: E731
    assert error([fitted(p[None])[0] for p in unseen]) < 0.2 * error(unseen)


def test_pictures_that_differ_only_by_chance_give_no_change_of_detail():
    gains = fit_local_contrast(LocalContrast(), energies(textures(24, seed=0)), energies(textures(24, seed=1)))
    # measured: 0.99, 1.00, 1.00; unshrunk (resamples=0) the same pictures give 0.92, 0.98, 1.03
    torch.testing.assert_close(gains, torch.ones(3), atol=0.03, rtol=0)


def test_one_picture_a_side_cannot_tell_texture_from_a_look():
    gains = fit_local_contrast(LocalContrast(), energies(textures(1, seed=0)),
                               energies(with_gains(textures(1, seed=1), CLARITY)))
    torch.testing.assert_close(gains, torch.ones(3), atol=0, rtol=0)


def test_a_pure_colour_change_starts_with_no_change_of_detail(tmp_path):
    """The Quick recipe on folders that differ only by a warm grade: its colour map takes the change, the
    local-contrast start stays within a few percent of no change, and training keeps it as fitted."""
    trainer, _ = warm_grade_trainer(tmp_path, steps=10, ema=0.0)
    for name in ("G_A", "G_B"):
        gains = trainer.model.nets[name].detail.gain.detach().clone()
        torch.testing.assert_close(gains, torch.ones(3), atol=0.05, rtol=0)
    fitted = trainer.model.nets["G_A"].detail.gain.detach().clone()
    trainer.run()
    torch.testing.assert_close(trainer.model.nets["G_A"].detail.gain.detach(), fitted, atol=0, rtol=0)


def test_a_detail_model_file_loads_back_and_exports(tmp_path):
    cfg = TrainConfig(crop_size=32, model=ModelConfig(blocks=1, ngf=8, norm="none", residual=True, colour="affine",
                                                      detail=True))
    net = build_generator(cfg.model)
    net.detail.gain.data.copy_(CLARITY)
    loaded = load_model(save_model(tmp_path / "d.pt", net, build_metadata(cfg, "AtoB", 1)))
    x = torch.rand(1, 3, 40, 24) * 2 - 1
    torch.testing.assert_close(loaded.generator(x), net.eval()(x))
    assert not torch.allclose(loaded.generator(x), x, atol=0.05)  # the gains are in the file
    scripted = torch.jit.load(str(export_torchscript(loaded, tmp_path / "d.ts")))
    torch.testing.assert_close(scripted(x), loaded.generator(x), atol=1e-5, rtol=0)


def test_the_separable_blur_is_torchvisions_gaussian_blur():
    from torchvision.transforms.v2.functional import gaussian_blur

    from engine.nets import _gaussian_blur

    x = torch.rand(2, 3, 20, 31)
    for sigma in LocalContrast.sigmas:
        size = 2 * round(3 * sigma) + 1
        torch.testing.assert_close(_gaussian_blur(x, sigma), gaussian_blur(x, [size, size], [sigma, sigma]),
                                   atol=1e-5, rtol=0)


def test_band_energies_through_a_colour_matrix_need_no_second_pass():
    picture = textures(1, seed=3)[0] * 0.5
    matrix = torch.tensor([[0.9, 0.1, 0.0], [0.05, 0.8, 0.1], [0.0, 0.2, 1.1]])
    mapped = torch.einsum("cd,dhw->chw", matrix, picture) + torch.tensor([0.1, -0.05, 0.02])[:, None, None]
    torch.testing.assert_close(band_energies(band_moments(LocalContrast(), picture), matrix),
                               band_energies(band_moments(LocalContrast(), mapped)), atol=1e-6, rtol=1e-4)


def test_pictures_too_small_for_the_bands_start_with_no_change_of_detail(tmp_path):
    """Pictures of 12 px are trainable (crops are taken from them scaled up) but too small for the widest
    blur's border: the start skips measuring detail instead of failing."""
    from PIL import Image

    from engine.data import UnpairedDataset
    from engine.nets import ResnetGenerator
    from engine.starts import fit_start, gather

    files = {}
    for side in ("A", "B"):
        (tmp_path / side).mkdir()
        files[side] = []
        for i, picture in enumerate(p[:, :12, :12] for p in textures(3, seed=ord(side))):
            path = tmp_path / side / f"{i}.png"
            Image.fromarray(((picture + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()).save(path)
            files[side].append(path)
    stats = gather(UnpairedDataset(files["A"], files["B"], None), None, detail=True)
    net = ResnetGenerator(ngf=8, blocks=1, colour="affine", detail=True)
    assert "no change of local contrast" in fit_start(net, stats["A"], stats["B"])
    torch.testing.assert_close(net.detail.gain.data, torch.ones(3), atol=0, rtol=0)


def clarity_translator(train_short_side, **options):
    """A Quick-like generator that is only its local-contrast stage (the network after it starts at zero)."""
    from engine.convert import Translator
    from engine.modelfile import LoadedModel

    cfg = TrainConfig(crop_size=32, load_size=train_short_side or 36,
                      model=ModelConfig(blocks=1, ngf=4, norm="none", residual=True, detail=True))
    net = build_generator(cfg.model)
    net.detail.gain.data.copy_(CLARITY)
    metadata = build_metadata(cfg, "AtoB", 1)
    metadata["train_short_side"] = train_short_side
    return Translator(LoadedModel(net.eval(), metadata), "cpu", **options)


def test_larger_pictures_get_the_look_at_their_own_scale():
    """A model's bands are a share of the picture: a picture 3x the training scale gets bands 3x as wide, so
    its result is the training-scale result scaled up, where bands kept in pixels sharpen the wrong detail."""
    from torchvision.transforms.v2.functional import resize

    small = torch.stack(textures(2, seed=5, size=64)) * 0.5  # at the training scale (shorter side 64), unclipped
    truth = resize(with_gains(list(small), CLARITY)[0][None], [192, 192], antialias=True)
    big = ((resize(small[:1], [192, 192], antialias=True) + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)
    errors = {}
    for reference in (64, None):  # None: a file from before the field, bands in pixels
        translator = clarity_translator(reference)
        out = translator(big).float() / 127.5 - 1
        errors[reference] = (out - truth).pow(2).mean().item()
        assert translator.detail.scale == 1.0  # the generator is left as loaded: an export traces the training scale
    assert errors[64] < errors[None] / 10, errors  # measured: 50 times lower


def test_the_band_scale_follows_the_picture_and_ignores_what_a_file_cannot_mean():
    translator = clarity_translator(143)
    assert translator.detail_scale(143, 200) == 1.0
    assert translator.detail_scale(286, 400) == 2.0
    assert translator.detail_scale(200, 286) == 11 / 8  # steps of 1/8: one compilation a camera
    assert translator.detail_scale(40, 60) == 1 / 4
    for said in (None, "143", True, 0, -5, 10**12, 1.5):
        assert clarity_translator(said).detail_scale(1000, 1000) == 1.0, said
    tiled = clarity_translator(32, max_pixels=4096, overlap=48)
    assert tiled.detail_scale(1024, 1024) == 48 / 12  # the widest blur (3 sigma of 4 px) within the overlap


def test_tiles_give_the_picture_a_whole_conversion_gives():
    picture = ((torch.stack(textures(1, seed=7, size=160)) + 1) * 127.5).round().to(torch.uint8)
    whole = clarity_translator(40)(picture)  # bands 4x wider: 3 sigma = 48 px
    tiled = clarity_translator(40, max_pixels=4096, tile=96, overlap=48)(picture)
    assert (whole.int() - tiled.int()).abs().max() <= 2


def test_wide_blurs_on_a_shrunk_copy_match_the_full_kernels():
    """A photo far above the training scale needs blurs of tens of pixels; they run on a block-averaged copy
    (a third of a 12 MP conversion's time otherwise): within 0.002 of the full kernels inside the picture."""
    from torch.nn import functional as F
    from torchvision.transforms.v2.functional import resize

    from engine.nets import COARSE_SIGMA, _coarse_gaussian_blur, _gaussian_blur

    x = resize(torch.stack(textures(1, seed=3, size=48)) * 0.5, [300, 400], antialias=True)
    x = x + 0.2 * torch.randn(x.shape, generator=torch.Generator().manual_seed(0))
    for sigma in (COARSE_SIGMA, 13.3, 42.7):
        radius = round(3 * sigma)
        taps = torch.arange(-radius, radius + 1, dtype=torch.float32)
        kernel = torch.exp(-0.5 * (taps / sigma) ** 2)
        kernel = kernel / kernel.sum()
        exact = F.pad(x, (radius,) * 4, mode="reflect")
        exact = F.conv2d(exact, kernel.view(1, 1, 1, -1).expand(3, 1, 1, -1), groups=3)
        exact = F.conv2d(exact, kernel.view(1, 1, -1, 1).expand(3, 1, -1, 1), groups=3)
        assert torch.equal(_gaussian_blur(x, sigma), _coarse_gaussian_blur(x, sigma))
        error = (_coarse_gaussian_blur(x, sigma) - exact).abs()
        assert error[..., radius:-radius, radius:-radius].max() < 0.002, sigma
        assert error.max() < 0.03, sigma  # at the edges: replicated blocks against reflected pixels


def test_a_side_of_one_tiny_picture_trains_at_its_own_size(tmp_path):
    """One 1x1 icon a side, trained at its size (--preprocess none, enlarged to the 12 px the networks take), stopped
    Quick twice: its colour spread was 0/0 ("linalg.eigh: the algorithm failed to converge"), then the detail bands'
    mirrored border was wider than the picture (a CLI hostile pass)."""
    from PIL import Image

    from engine import Trainer
    from tests.conftest import tiny_config

    for side, colour in (("trainA", (200, 100, 50)), ("trainB", (20, 100, 150))):
        (tmp_path / "d" / side).mkdir(parents=True)
        Image.new("RGB", (1, 1), colour).save(tmp_path / "d" / side / "one.png")
    model = ModelConfig(blocks=1, ngf=4, ndf=8, norm="none", residual=True, colour="tones", detail=True)
    result = Trainer(tiny_config(tmp_path / "d", tmp_path / "run", model=model, preprocess="none", max_steps=1)).run()
    assert type(result).__name__ == "Finished", result
