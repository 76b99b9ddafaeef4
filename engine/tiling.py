"""Running a generator on images of any size: padding, and tiles for the ones too big for memory.

Two facts shape this module:

* The ResNet generator needs height and width divisible by 4 (two stride-2 convolutions)
  and at least 16 px (its reflection pads). Inputs are padded, then cropped back.
* Instance norm uses statistics of the *whole* image. Tiles normalised on their own would
  each get a different colour balance, so tiles are run with statistics recorded first on
  the whole image (or, when even that is too big, on a downscaled copy). Overlapping tiles
  are then blended with linear ramps, hiding the seams where a tile's context was cut.
"""

from __future__ import annotations

import contextlib
import math
from typing import Callable, Iterator

import torch
from torch import nn
from torch.nn import functional as F

MULTIPLE = 4
MINIMUM = 16


def pad_for_model(x: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
    """Pad the bottom/right edges by reflection (replication when too small to reflect)."""
    h, w = x.shape[-2:]
    th = max(MINIMUM, math.ceil(h / MULTIPLE) * MULTIPLE)
    tw = max(MINIMUM, math.ceil(w / MULTIPLE) * MULTIPLE)
    ph, pw = th - h, tw - w
    if ph or pw:
        mode = "reflect" if ph < h and pw < w else "replicate"
        x = F.pad(x, (0, pw, 0, ph), mode=mode)
    return x, (h, w)


def run_padded(net: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    padded, (h, w) = pad_for_model(x)
    return net(padded)[..., :h, :w]


def _instance_norms(net: nn.Module) -> list[nn.InstanceNorm2d]:
    return [m for m in net.modules() if isinstance(m, nn.InstanceNorm2d)]


def _normalise(m: nn.InstanceNorm2d, x: torch.Tensor, mean: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
    y = (x - mean) * torch.rsqrt(var + m.eps)
    if m.affine:
        y = y * m.weight.view(1, -1, 1, 1) + m.bias.view(1, -1, 1, 1)
    return y


@contextlib.contextmanager
def _patched(norms: list[nn.InstanceNorm2d], make_forward) -> Iterator[None]:
    for m in norms:
        m.forward = make_forward(m)
    try:
        yield
    finally:
        for m in norms:
            del m.forward


def record_norm_stats(net: nn.Module, x: torch.Tensor) -> dict[int, tuple[torch.Tensor, torch.Tensor]]:
    """Run ``net`` on ``x`` and keep every instance norm's per-channel mean and variance."""
    stats: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

    def make(m):
        def forward(inp):
            mean = inp.mean(dim=(2, 3), keepdim=True)
            var = inp.var(dim=(2, 3), keepdim=True, unbiased=False)
            stats[id(m)] = (mean, var)
            return _normalise(m, inp, mean, var)
        return forward

    with _patched(_instance_norms(net), make):
        run_padded(net, x)
    return stats


@contextlib.contextmanager
def frozen_norm_stats(net: nn.Module, stats: dict[int, tuple[torch.Tensor, torch.Tensor]]) -> Iterator[None]:
    """Inside the block, instance norms use ``stats`` instead of the input's own statistics."""
    def make(m):
        mean, var = stats[id(m)]
        return lambda inp: _normalise(m, inp, mean.to(inp.dtype), var.to(inp.dtype))

    with _patched(_instance_norms(net), make):
        yield


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    if length <= tile:
        return [0]
    stride = max(tile - overlap, 1)
    starts = list(range(0, length - tile, stride))
    return starts + [length - tile]


def _ramp(length: int, overlap: int, ramp_start: bool, ramp_end: bool) -> torch.Tensor:
    w = torch.ones(length)
    n = min(overlap, length // 2)
    if n > 0:
        up = torch.arange(1, n + 1, dtype=torch.float32) / (n + 1)
        if ramp_start:
            w[:n] = up
        if ramp_end:
            w[-n:] = up.flip(0)
    return w


def translate_tiled(net: nn.Module, x: torch.Tensor, tile: int, overlap: int, stats_pixels: int,
                    device: torch.device, autocast: Callable[[], contextlib.AbstractContextManager] | None = None,
                    prepare: Callable[[torch.Tensor], torch.Tensor] = lambda t: t) -> torch.Tensor:
    """Translate one image ``x`` (1, C, H, W) on the CPU tile by tile; the result stays on the CPU.

    ``stats_pixels`` bounds the image on which instance-norm statistics are recorded: an
    image larger than that is downscaled (area-preserving antialiasing) for the recording.
    """
    autocast = autocast or contextlib.nullcontext
    _, c, h, w = x.shape
    tile = max(MINIMUM, tile // MULTIPLE * MULTIPLE)
    overlap = min(overlap, tile // 2)
    if h * w > stats_pixels:
        scale = math.sqrt(stats_pixels / (h * w))
        small = F.interpolate(x, size=(max(1, round(h * scale)), max(1, round(w * scale))),
                              mode="bilinear", antialias=True, align_corners=False)
    else:
        small = x
    with autocast():
        stats = record_norm_stats(net, prepare(small.to(device)))
    out = torch.zeros(1, c, h, w)
    weight = torch.zeros(1, 1, h, w)
    ys, xs = tile_starts(h, tile, overlap), tile_starts(w, tile, overlap)
    with frozen_norm_stats(net, stats), autocast():
        for y0 in ys:
            th = min(tile, h)
            wy = _ramp(th, overlap, y0 > 0, y0 + th < h)
            for x0 in xs:
                tw = min(tile, w)
                wx = _ramp(tw, overlap, x0 > 0, x0 + tw < w)
                piece = prepare(x[..., y0:y0 + th, x0:x0 + tw].to(device))
                result = run_padded(net, piece).float().cpu()
                win = (wy[:, None] * wx[None, :])[None, None]
                out[..., y0:y0 + th, x0:x0 + tw] += result * win
                weight[..., y0:y0 + th, x0:x0 + tw] += win
    return out / weight
