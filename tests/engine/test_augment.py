"""DiffAugment for the discriminators: the transforms do what they say and let gradients through."""

import pytest
import torch

from engine import TrainConfig, Trainer
from engine.augment import augment, cutout, highpass, translate
from tests.conftest import tiny_config


def test_translate_moves_content_within_its_ratio_and_keeps_gradients():
    torch.manual_seed(0)
    x = torch.zeros(16, 1, 16, 16)
    x[:, :, 8, 8] = 1.0
    x.requires_grad_(True)
    y = translate(x, ratio=0.125)
    ys, xs = torch.tensor([divmod(int(img.argmax()), 16) for img in y.detach()]).T
    assert ((ys - 8).abs() <= 2).all() and ((xs - 8).abs() <= 2).all()
    assert len({(int(a), int(b)) for a, b in zip(ys, xs)}) > 1  # not the same shift for every image
    assert torch.allclose(y.detach().sum((1, 2, 3)), torch.ones(16))  # a 2-pixel shift keeps the centre pixel
    y.sum().backward()  # each input pixel still in view gets gradient 1, the bright one included
    assert torch.equal(x.grad[:, 0, 8, 8], torch.ones(16))
    assert (x.grad.sum((1, 2, 3)) < 256).any()  # and pixels shifted out of view get none


def test_cutout_zeroes_one_rectangle_at_most_the_ratio():
    torch.manual_seed(0)
    y = cutout(torch.ones(32, 3, 16, 16), ratio=0.5)
    zeroed = (y == 0).all(1).float().sum((1, 2))
    assert (zeroed > 0).all() and (zeroed <= 64).all()
    assert zeroed.max() == 64  # a cut fully inside the image is 8 x 8


def test_highpass_hides_colour_and_tone_and_keeps_detail_and_gradients():
    flat = torch.tensor([0.8, -0.3, 0.1]).view(1, 3, 1, 1).expand(2, 3, 32, 32).clone()  # a cast, no detail
    assert highpass(flat).abs().max() < 1e-5
    ramp = torch.linspace(-1, 1, 32).view(1, 1, 1, 32).expand(1, 3, 32, 32)  # a slow gradient: hardly detail
    assert highpass(ramp)[..., 8:24].abs().max() < 1e-4
    checker = (torch.arange(32).view(32, 1) + torch.arange(32).view(1, 32)) % 2 * 2.0 - 1  # 1 px detail
    x = checker.expand(1, 3, 32, 32).clone().requires_grad_(True)
    y = highpass(x)
    assert y.detach().abs()[..., 8:24, 8:24].mean() > 0.9  # a blur of 2 px removes nearly all of it
    y.square().sum().backward()
    assert x.grad.abs().sum() > 0


def test_empty_policy_is_the_identity_and_unknown_ones_are_refused(tiny_dataset, tmp_path):
    x = torch.randn(1, 3, 8, 8)
    assert augment(x, "") is x
    with pytest.raises(ValueError, match="d-augment"):
        TrainConfig(d_augment="colour").validate()
    trainer = Trainer(tiny_config(tiny_dataset, tmp_path / "run", d_augment="translation,cutout"))
    a, b = (torch.rand(1, 3, 32, 32) * 2 - 1 for _ in range(2))
    losses = trainer.train_step(a, b)
    assert all(torch.isfinite(v) for v in losses.values())
