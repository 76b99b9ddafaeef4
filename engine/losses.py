"""CycleGAN's objectives: adversarial (least squares or BCE), cycle and identity L1."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class GANLoss(nn.Module):
    """Adversarial loss against a constant target map of 1 (real) or 0 (fake).

    ``lsgan`` is the paper's least-squares loss (Mao et al. 2017): mean((D(x) - t)^2).
    ``vanilla`` is the original GAN's binary cross-entropy on logits.
    """

    def __init__(self, mode: str = "lsgan"):
        super().__init__()
        if mode not in ("lsgan", "vanilla"):
            raise ValueError(f"unknown GAN loss {mode!r}")
        self.mode = mode

    def forward(self, prediction: torch.Tensor, target_is_real: bool) -> torch.Tensor:
        target = torch.ones_like(prediction) if target_is_real else torch.zeros_like(prediction)
        if self.mode == "lsgan":
            return F.mse_loss(prediction, target)
        return F.binary_cross_entropy_with_logits(prediction, target)


def cycle_loss(reconstructed: torch.Tensor, real: torch.Tensor, weight: float) -> torch.Tensor:
    """weight * ||F(G(x)) - x||_1 (mean absolute error)."""
    return F.l1_loss(reconstructed, real) * weight


def identity_loss(same: torch.Tensor, real: torch.Tensor, weight: float) -> torch.Tensor:
    """weight * ||G(y) - y||_1: keeps colours when the input is already in the target domain."""
    return F.l1_loss(same, real) * weight
