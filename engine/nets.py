"""The CycleGAN networks, named as in the paper so they can be checked against it.

Generator (Zhu et al. 2017, appendix 7.2, after Johnson et al.): ``c7s1-64, d128, d256,
R256 x N, u128, u64, c7s1-C`` followed by tanh, with reflection padding and instance norm.
Discriminator: the 70x70 PatchGAN ``C64-C128-C256-C512`` then a 1-channel conv; the first
C64 has no norm, LeakyReLU slope 0.2, and the C512 and output layers use stride 1.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize

from .config import ModelConfig

# Ten times the paper's generator (11.4 M): beyond any model this app trains or imports.
MAX_GENERATOR_PARAMETERS = 120_000_000


class InstanceNorm(nn.InstanceNorm2d):
    """Instance norm computed as group norm with one group per channel (the same function).

    torch 2.14.1's own CPU instance norm returns wrong input gradients when the incoming
    gradient is channels_last and its input is not (tests/engine/test_nets.py checks ours),
    which silently corrupted channels_last training; group norm's kernels get it right and
    keep the channels_last layout (forcing NCHW here cost more in copies than it saved).
    Same parameters and state-dict keys as nn.InstanceNorm2d: every model file stays loadable.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.group_norm(x, self.num_features, self.weight, self.bias, self.eps)


def norm_layer(kind: str) -> type[nn.Module] | functools.partial:
    """The normalisation layer for ``kind`` ("instance" is the paper's, without affine)."""
    if kind == "instance":
        return functools.partial(InstanceNorm, affine=False, track_running_stats=False)
    if kind == "instance_affine":
        return functools.partial(InstanceNorm, affine=True, track_running_stats=False)
    if kind == "batch":
        return functools.partial(nn.BatchNorm2d, affine=True)
    if kind == "none":
        return lambda channels: nn.Identity()
    raise ValueError(f"unknown norm {kind!r}")


class ResnetBlock(nn.Module):
    """Rk: two 3x3 convolutions with k filters and a skip connection."""

    def __init__(self, dim: int, norm, use_bias: bool):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, 3, bias=use_bias),
            norm(dim),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(dim, dim, 3, bias=use_bias),
            norm(dim),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


def _c7s1(in_ch: int, out_ch: int, norm, use_bias: bool) -> list[nn.Module]:
    """c7s1-k: 7x7 conv, stride 1, reflection padded, norm, ReLU."""
    return [nn.ReflectionPad2d(3), nn.Conv2d(in_ch, out_ch, 7, bias=use_bias), norm(out_ch), nn.ReLU(True)]


def _down(in_ch: int, out_ch: int, norm, use_bias: bool) -> list[nn.Module]:
    """dk: 3x3 conv, stride 2, norm, ReLU."""
    return [nn.Conv2d(in_ch, out_ch, 3, stride=2, padding=1, bias=use_bias), norm(out_ch), nn.ReLU(True)]


def _up(in_ch: int, out_ch: int, norm, use_bias: bool, mode: str) -> list[nn.Module]:
    """uk: 3x3 fractionally-strided conv (stride 1/2), norm, ReLU.

    ``mode="resize"`` replaces the transposed conv by nearest 2x upsampling and a 3x3 conv
    with the same parameter count, which avoids checkerboard artefacts (Odena et al. 2016).
    """
    if mode == "transpose":
        conv = [nn.ConvTranspose2d(in_ch, out_ch, 3, stride=2, padding=1, output_padding=1, bias=use_bias)]
    elif mode == "resize":
        conv = [nn.Upsample(scale_factor=2, mode="nearest"), nn.ReflectionPad2d(1),
                nn.Conv2d(in_ch, out_ch, 3, bias=use_bias)]
    else:
        raise ValueError(f"unknown upsample mode {mode!r}")
    return conv + [norm(out_ch), nn.ReLU(True)]


class ResnetGenerator(nn.Module):
    """c7s1-ngf, d(2ngf), d(4ngf), R(4ngf) x blocks, u(2ngf), u(ngf), c7s1-C, tanh.

    Input and output are in [-1, 1]; height and width must be multiples of 4.
    """

    def __init__(self, channels: int = 3, ngf: int = 64, blocks: int = 9, norm: str = "instance",
                 upsample: str = "transpose", residual: bool = False):
        super().__init__()
        self.residual = residual
        nl = norm_layer(norm)
        use_bias = norm != "batch"
        layers = _c7s1(channels, ngf, nl, use_bias)
        layers += _down(ngf, ngf * 2, nl, use_bias) + _down(ngf * 2, ngf * 4, nl, use_bias)
        layers += [ResnetBlock(ngf * 4, nl, use_bias) for _ in range(blocks)]
        layers += _up(ngf * 4, ngf * 2, nl, use_bias, upsample) + _up(ngf * 2, ngf, nl, use_bias, upsample)
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, channels, 7)]
        if not residual:
            layers.append(nn.Tanh())
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.residual:  # an edit of the input in tanh's pre-activation space: identity when r = 0
            return torch.tanh(torch.atanh(x.clamp(-0.995, 0.995)) + self.model(x))
        return self.model(x)


class PatchDiscriminator(nn.Module):
    """70x70 PatchGAN: C64-C128-C256-C512 (4x4 convs, LeakyReLU 0.2), then a 1-channel map.

    Each output value judges one overlapping 70x70 patch of the input as real or fake.
    """

    def __init__(self, channels: int = 3, ndf: int = 64, layers: int = 3, norm: str = "instance"):
        super().__init__()
        spectral = norm == "spectral"
        nl = norm_layer("none" if spectral else norm)
        use_bias = norm != "batch"
        seq: list[nn.Module] = [nn.Conv2d(channels, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, layers + 1):
            prev, mult = mult, min(2**n, 8)
            stride = 2 if n < layers else 1
            seq += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride=stride, padding=1, bias=use_bias),
                    nl(ndf * mult), nn.LeakyReLU(0.2, True)]
        seq += [nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1)]
        if spectral:  # every conv 1-Lipschitz, so the critic cannot win by growing its weights
            seq = [nn.utils.parametrizations.spectral_norm(m) if isinstance(m, nn.Conv2d) else m for m in seq]
        self.model = nn.Sequential(*seq)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def init_weights(net: nn.Module, kind: str = "normal", gain: float = 0.02) -> nn.Module:
    """Initialise conv weights as in the reference code: N(0, gain) by default, zero biases;
    norm layers' scales from N(1, gain)."""
    def init(m: nn.Module) -> None:
        name = type(m).__name__
        if hasattr(m, "weight") and m.weight is not None and ("Conv" in name or "Linear" in name):
            # a spectral-normalised conv computes .weight on access: initialise what it is computed from
            weight = m.parametrizations.weight.original if parametrize.is_parametrized(m, "weight") else m.weight
            if kind == "normal":
                nn.init.normal_(weight, 0.0, gain)
            elif kind == "xavier":
                nn.init.xavier_normal_(weight, gain=gain)
            elif kind == "kaiming":
                nn.init.kaiming_normal_(weight, a=0, mode="fan_in")
            elif kind == "orthogonal":
                nn.init.orthogonal_(weight, gain=gain)
            else:
                raise ValueError(f"unknown init {kind!r}")
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif "Norm2d" in name and getattr(m, "weight", None) is not None:
            nn.init.normal_(m.weight, 1.0, gain)
            nn.init.zeros_(m.bias)

    net.apply(init)
    return net


def generator_shapes(cfg: ModelConfig) -> dict[str, torch.Size]:
    """State-dict shapes of the generator ``cfg`` describes, computed on the meta device (no memory)."""
    with torch.device("meta"):
        net = ResnetGenerator(cfg.channels, cfg.ngf, cfg.blocks, cfg.norm, cfg.upsample, cfg.residual)
    return {k: v.shape for k, v in net.state_dict().items()}


def build_generator(cfg: ModelConfig) -> ResnetGenerator:
    net = init_weights(ResnetGenerator(cfg.channels, cfg.ngf, cfg.blocks, cfg.norm, cfg.upsample, cfg.residual),
                       cfg.init, cfg.init_gain)
    if cfg.residual:  # start as the identity: the output conv (the edit) begins at zero
        nn.init.zeros_(net.model[-1].weight)
        nn.init.zeros_(net.model[-1].bias)
    return net


def build_discriminator(cfg: ModelConfig) -> PatchDiscriminator:
    norm = cfg.norm if cfg.d_norm == "same" else cfg.d_norm
    return init_weights(PatchDiscriminator(cfg.channels, cfg.ndf, cfg.d_layers, norm),
                        cfg.init, cfg.init_gain)


def count_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
