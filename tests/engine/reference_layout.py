"""Generators laid out as the reference implementation saves them, built here from the papers' descriptions.

Written independently of engine/nets.py so that an import is checked against networks that do
not share its code: the ResNet of CycleGAN (reflection pad, c7s1-64, two stride-2 convs, blocks
whose inner sequence is ``conv_block``, two transposed convs, c7s1-3, tanh; nn.InstanceNorm2d
without affine) and pix2pix's U-Net (nested ``model`` sequences, batch norm, dropout).
"""

from __future__ import annotations

import torch
from torch import nn


class Generator(nn.Module):
    """The reference's generators keep their layers in ``self.model``."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)


class ConvBlock(nn.Module):
    def __init__(self, dim: int, norm, dropout: bool):
        super().__init__()
        layers = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=norm is not nn.BatchNorm2d), norm(dim),
                  nn.ReLU(True)]
        layers += [nn.Dropout(0.5)] if dropout else []
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=norm is not nn.BatchNorm2d), norm(dim)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv_block(x)


def resnet(channels=3, ngf=64, blocks=9, norm=nn.InstanceNorm2d, dropout=False) -> nn.Module:
    bias = norm is not nn.BatchNorm2d
    layers = [nn.ReflectionPad2d(3), nn.Conv2d(channels, ngf, 7, bias=bias), norm(ngf), nn.ReLU(True)]
    for mult in (1, 2):
        layers += [nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=bias), norm(ngf * mult * 2),
                   nn.ReLU(True)]
    layers += [ConvBlock(ngf * 4, norm, dropout) for _ in range(blocks)]
    for mult in (4, 2):
        layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1,
                                      bias=bias), norm(ngf * mult // 2), nn.ReLU(True)]
    layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, channels, 7), nn.Tanh()]
    return Generator(nn.Sequential(*layers))


class Level(nn.Module):
    def __init__(self, outer, inner, below=None, in_channels=None, outermost=False, dropout=False):
        super().__init__()
        self.outermost = outermost
        down = nn.Conv2d(in_channels or outer, inner, 4, 2, 1, bias=False)
        if outermost:
            layers = [down, below, nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1), nn.Tanh()]
        elif below is None:
            layers = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True),
                      nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=False), nn.BatchNorm2d(outer)]
        else:
            layers = [nn.LeakyReLU(0.2, True), down, nn.BatchNorm2d(inner), below, nn.ReLU(True),
                      nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1, bias=False), nn.BatchNorm2d(outer)]
            layers += [nn.Dropout(0.5)] if dropout else []
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


def unet(channels=3, ngf=64, downs=8) -> nn.Module:
    level = Level(ngf * 8, ngf * 8)
    for _ in range(downs - 5):
        level = Level(ngf * 8, ngf * 8, level, dropout=True)
    for mult in (4, 2, 1):
        level = Level(ngf * mult, ngf * mult * 2, level)
    return Generator(Level(channels, ngf, level, in_channels=channels, outermost=True))


def reference_test_mode(net: nn.Module) -> nn.Module:
    """The reference's default test.py: the network stays in training mode (batch norm uses the image's
    statistics), here with dropout switched off so that the outputs are deterministic."""
    net.train()
    for m in net.modules():
        if isinstance(m, nn.Dropout):
            m.eval()
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0.0  # statistics of the image; the running averages stay as they are
    return net


def with_legacy_instance_stats(state: dict[str, torch.Tensor], net: nn.Module) -> dict[str, torch.Tensor]:
    """What older PyTorch saved for nn.InstanceNorm2d: running statistics the reference drops on load."""
    state = dict(state)
    for name, m in net.named_modules():
        if isinstance(m, nn.InstanceNorm2d):
            state[f"{name}.running_mean"] = torch.zeros(m.num_features)
            state[f"{name}.running_var"] = torch.ones(m.num_features)
            state[f"{name}.num_batches_tracked"] = torch.tensor(0)
    return state
