"""DiffAugment for the discriminators: the transforms do what they say and let gradients through."""

import pytest
import torch

from engine import TrainConfig, Trainer
from engine.augment import augment, cutout, translate
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


def test_empty_policy_is_the_identity_and_unknown_ones_are_refused(tiny_dataset, tmp_path):
    x = torch.randn(1, 3, 8, 8)
    assert augment(x, "") is x
    with pytest.raises(ValueError, match="d-augment"):
        TrainConfig(d_augment="colour").validate()
    trainer = Trainer(tiny_config(tiny_dataset, tmp_path / "run", d_augment="translation,cutout"))
    a, b = (torch.rand(1, 3, 32, 32) * 2 - 1 for _ in range(2))
    losses = trainer.train_step(a, b)
    assert all(torch.isfinite(v) for v in losses.values())
