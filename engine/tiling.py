"""Running a generator on images of any size: padding, and tiles for the ones too big for memory.

Two facts shape this module:

* A generator needs height and width divisible by its ``size_multiple`` (4 for the ResNet's
  two stride-2 convolutions, 256 for unet_256) and at least its ``min_size``. Inputs are
  padded (reflected where the image is big enough), then cropped back.
* Instance norm (and batch norm at inference, which uses each image's own statistics here)
  uses statistics of the *whole* image. Tiles normalised on their own would
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

from .nets import BatchNorm

MULTIPLE = 4  # the ResNet generator's; a network says otherwise with ``size_multiple``
MINIMUM = 16


def size_rules(net) -> tuple[int, int]:
    """(multiple, minimum) of a generator's input sides (a compiled one reports its original's)."""
    net = getattr(net, "_orig_mod", net)
    return getattr(net, "size_multiple", MULTIPLE), max(getattr(net, "min_size", MINIMUM), 1)


def pad_for_model(x: torch.Tensor, multiple: int = MULTIPLE, minimum: int = MINIMUM
                  ) -> tuple[torch.Tensor, tuple[int, int]]:
    """Pad the bottom/right edges by reflection (replication when too small to reflect)."""
    h, w = x.shape[-2:]
    th = max(minimum, math.ceil(h / multiple) * multiple)
    tw = max(minimum, math.ceil(w / multiple) * multiple)
    ph, pw = th - h, tw - w
    if ph or pw:
        mode = "reflect" if ph < h and pw < w else "replicate"
        x = F.pad(x, (0, pw, 0, ph), mode=mode)
    return x, (h, w)


def run_padded(net: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, rules: tuple[int, int] | None = None
               ) -> torch.Tensor:
    padded, (h, w) = pad_for_model(x, *(rules or size_rules(net)))
    return net(padded)[..., :h, :w]


def _instance_norms(net: nn.Module) -> list[nn.Module]:
    """The layers that normalise with the image's own statistics (at inference)."""
    return [m for m in net.modules() if isinstance(m, (nn.InstanceNorm2d, BatchNorm))]


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
            var, mean = torch.var_mean(inp, dim=(2, 3), keepdim=True, unbiased=False)
            stats[id(m)] = (mean, var)
            return type(m).forward(m, inp)  # the layer's own kernel: one output buffer, no temporaries
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


def to_unit(x: torch.Tensor) -> torch.Tensor:
    """uint8 pixels to the networks' [-1, 1] floats."""
    return x.float().div_(127.5).sub_(1.0)


def to_uint8(y: torch.Tensor) -> torch.Tensor:
    """[-1, 1] floats back to uint8 pixels."""
    return y.add(1.0).mul_(127.5).round_().clamp_(0, 255).to(torch.uint8)


def translate_tiled(net: nn.Module, image: torch.Tensor, tile: int, overlap: int, stats_pixels: int,
                    device: torch.device, autocast: Callable[[], contextlib.AbstractContextManager] | None = None,
                    prepare: Callable[[torch.Tensor], torch.Tensor] = lambda t: t,
                    between_tiles: Callable[[int, int], None] = lambda tile, tiles: None) -> torch.Tensor:
    """Translate one uint8 image (1, C, H, W) tile by tile; returns uint8 (1, C, H, W) on the CPU.

    ``between_tiles(tile, tiles)`` is called before each tile (numbered from 1): a cancelled conversion raises
    there rather than after the whole photo (on a CPU, tens of seconds for a large one), and progress is told.

    Memory stays a small multiple of the uint8 image whatever its size: tiles are converted
    to floats one at a time, and the blended result is accumulated in a band one tile high
    that is written out as uint8 as soon as no later tile can touch its rows. ``stats_pixels``
    bounds the copy on which instance-norm statistics are recorded: a larger image is
    downscaled (antialiased) for the recording.
    """
    from torchvision.transforms.v2 import functional as TF

    autocast = autocast or contextlib.nullcontext
    _, c, h, w = image.shape
    multiple, minimum = size_rules(net)
    tile = max(minimum, multiple, tile // multiple * multiple)
    overlap = max(0, min(overlap, tile // 2))
    stats = {}
    if _instance_norms(net):  # a network without them (Quick's) has nothing to record: no pass over a copy
        small = image
        if h * w > stats_pixels:
            scale = math.sqrt(stats_pixels / (h * w))
            small = TF.resize(image, [max(1, round(h * scale)), max(1, round(w * scale))], antialias=True)
        with autocast():
            stats = record_norm_stats(net, prepare(to_unit(small).to(device)))
        del small

    th, tw = min(tile, h), min(tile, w)
    ys, xs = tile_starts(h, tile, overlap), tile_starts(w, tile, overlap)
    ramps_y = [_ramp(th, overlap, y0 > 0, y0 + th < h) for y0 in ys]
    ramps_x = [_ramp(tw, overlap, x0 > 0, x0 + tw < w) for x0 in xs]
    # The tiles form a grid, so the summed blend weight at (y, x) is sum_y(y) * sum_x(x).
    sum_y, sum_x = torch.zeros(h), torch.zeros(w)
    for y0, ramp in zip(ys, ramps_y):
        sum_y[y0:y0 + th] += ramp
    for x0, ramp in zip(xs, ramps_x):
        sum_x[x0:x0 + tw] += ramp

    out = torch.empty(1, h, w, c, dtype=torch.uint8).permute(0, 3, 1, 2)  # HWC in memory, as encoders want
    band = torch.zeros(1, c, th, w)  # weighted sums of rows band_top .. band_top + th
    with frozen_norm_stats(net, stats), autocast():
        for i, (y0, wy) in enumerate(zip(ys, ramps_y)):
            for j, (x0, wx) in enumerate(zip(xs, ramps_x)):
                between_tiles(i * len(xs) + j + 1, len(ys) * len(xs))
                piece = prepare(to_unit(image[..., y0:y0 + th, x0:x0 + tw]).to(device))
                result = run_padded(net, piece).float().cpu()
                band[..., x0:x0 + tw] += result * (wy[:, None] * wx[None, :])
            done = (ys[i + 1] if i + 1 < len(ys) else h) - y0  # rows no later tile touches
            weight = sum_y[y0:y0 + done, None] * sum_x[None, :]
            out[..., y0:y0 + done, :] = to_uint8(band[..., :done, :] / weight)
            band = torch.cat([band[..., done:, :], torch.zeros(1, c, done, w)], dim=2)
    return out
