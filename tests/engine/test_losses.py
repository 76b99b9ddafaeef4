import math

import pytest
import torch

from engine.losses import GANLoss, cycle_loss, identity_loss


def test_lsgan_is_mean_squared_distance_to_the_target():
    pred = torch.tensor([[0.0, 0.5], [1.0, 2.0]])
    loss = GANLoss("lsgan")
    assert loss(pred, True).item() == pytest.approx((1 + 0.25 + 0 + 1) / 4)
    assert loss(pred, False).item() == pytest.approx((0 + 0.25 + 1 + 4) / 4)


def test_vanilla_is_binary_cross_entropy_on_logits():
    pred = torch.tensor([0.0, 2.0])
    loss = GANLoss("vanilla")
    expected_real = (math.log(2) + math.log(1 + math.exp(-2))) / 2
    expected_fake = (math.log(2) + math.log(1 + math.exp(2))) / 2
    assert loss(pred, True).item() == pytest.approx(expected_real)
    assert loss(pred, False).item() == pytest.approx(expected_fake)


def test_cycle_and_identity_are_weighted_l1():
    a = torch.zeros(1, 3, 2, 2)
    b = torch.full((1, 3, 2, 2), 0.5)
    assert cycle_loss(b, a, 10.0).item() == pytest.approx(5.0)
    assert identity_loss(b, a, 5.0).item() == pytest.approx(2.5)


def test_unknown_gan_mode_is_refused():
    with pytest.raises(ValueError):
        GANLoss("wgan")
