"""The networks, named as in the papers so they can be checked against them.

ResNet generator (Zhu et al. 2017, appendix 7.2, after Johnson et al.): ``c7s1-64, d128,
d256, R256 x N, u128, u64, c7s1-C`` followed by tanh, with reflection padding and instance norm.
U-Net generator (Isola et al. 2017, appendix 6.1.1): encoder ``C64-C128-C256-C512-C512-C512-
C512-C512``, a mirrored decoder with skip connections and dropout 0.5 in its first three
blocks; ``unet_256`` downsamples 8 times, ``unet_128`` 7.
Discriminator: the 70x70 PatchGAN ``C64-C128-C256-C512`` then a 1-channel conv; the first
C64 has no norm, LeakyReLU slope 0.2, and the C512 and output layers use stride 1. pix2pix
gives it the input and the output stacked (2C channels), so it judges the pair.

Module names follow the reference implementation's (``model.1.weight``, the U-Net's nested
``model.model.1.model...``), so its published weights load with a key map of a few lines.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize

from .config import ModelConfig
from .resampling import james_stein, resampled_variance

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


class BatchNorm(nn.BatchNorm2d):
    """Batch norm whose inference uses each image's own statistics, not the running averages.

    That is what the reference implementation does at test time by default (it never calls
    ``eval()``, and translates one image at a time), and what its published pix2pix models
    expect; it also makes an image's result independent of the others in its batch. Training
    is ordinary batch norm (and still updates the running statistics, kept for compatibility).
    Same parameters and state-dict keys as nn.BatchNorm2d.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            return super().forward(x)
        return F.group_norm(x, self.num_features, self.weight, self.bias, self.eps)


def norm_layer(kind: str) -> type[nn.Module] | functools.partial:
    """The normalisation layer for ``kind`` ("instance" is the paper's, without affine)."""
    if kind == "instance":
        return functools.partial(InstanceNorm, affine=False, track_running_stats=False)
    if kind == "instance_affine":
        return functools.partial(InstanceNorm, affine=True, track_running_stats=False)
    if kind == "batch":
        return functools.partial(BatchNorm, affine=True)
    if kind == "none":
        return lambda channels: nn.Identity()
    raise ValueError(f"unknown norm {kind!r}")


class ResnetBlock(nn.Module):
    """Rk: two 3x3 convolutions with k filters and a skip connection."""

    def __init__(self, dim: int, norm, use_bias: bool, dropout: bool = False):
        super().__init__()
        layers = [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=use_bias), norm(dim), nn.ReLU(True)]
        if dropout:  # the reference's --no_dropout off: same module indices as its files
            layers.append(nn.Dropout(0.5))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=use_bias), norm(dim)]
        self.body = nn.Sequential(*layers)

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


class GlobalColour(nn.Module):
    """y = M x + t for every pixel: a global colour map (3x3 matrix and offset in [-1, 1] units).

    Starts as the identity; :func:`fit_colour` sets it to the linear map that carries one set of
    pixels' colour mean and covariance onto another's (the closed-form optimal transport between
    two Gaussians; Pitie & Kokaram 2007), i.e. a colour transfer, keeping only the channel mixing
    that the choice of pictures does not explain. Training does not move it: the fit
    uses every photo of both folders at once, while a step's gradient sees a few crops, and letting
    those steps drift the map cost up to 0.8 dB on the quality benchmark (docs/quality.md). The
    parameters stay parameters (frozen), so checkpoints and optimiser states of runs that trained
    them still load.
    """

    def __init__(self, channels: int = 3):
        super().__init__()
        self.weight = nn.Parameter(torch.eye(channels), requires_grad=False)
        self.bias = nn.Parameter(torch.zeros(channels), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self.weight.to(x.dtype)[:, :, None, None]  # a 1x1 convolution: exports to ONNX and TorchScript
        return F.conv2d(x, weight, self.bias.to(x.dtype)).clamp(-1, 1)


def _spd_power(matrix: torch.Tensor, power: float) -> torch.Tensor:
    values, vectors = torch.linalg.eigh(matrix)
    return vectors @ torch.diag(values.clamp_min(1e-6) ** power) @ vectors.T


def _covariance_map(cov_s: torch.Tensor, cov_t: torch.Tensor) -> torch.Tensor:
    """The linear map carrying colour covariance ``cov_s`` onto ``cov_t`` with the least change
    (the optimal transport between two Gaussians). A small ridge keeps flat (or grey) sets stable."""
    ridge = 1e-4 * torch.eye(cov_s.shape[0], dtype=torch.float64)
    cov_s, cov_t = cov_s + ridge, cov_t + ridge
    half, inv_half = _spd_power(cov_s, 0.5), _spd_power(cov_s, -0.5)
    return inv_half @ _spd_power(half @ cov_t @ half, 0.5) @ inv_half


def _per_channel_map(cov_s: torch.Tensor, cov_t: torch.Tensor) -> torch.Tensor:
    """Each channel's spread scaled to the target's, nothing mixed (a per-channel colour transfer)."""
    return torch.diag(((cov_t.diagonal() + 1e-4) / (cov_s.diagonal() + 1e-4)).sqrt())


class ColourMoments(NamedTuple):
    """Per picture: its pixel count (P,), pixel sum (P, C) and sum of outer products (P, C, C), from
    which the mean and covariance of any draw of pictures follow without touching a pixel again."""
    counts: torch.Tensor
    sums: torch.Tensor
    outers: torch.Tensor


def colour_moments(pictures: list[torch.Tensor]) -> ColourMoments:
    """The :class:`ColourMoments` of pictures given as (N, C) pixels each."""
    pictures = [x.double() for x in pictures]
    return ColourMoments(torch.tensor([float(x.shape[0]) for x in pictures], dtype=torch.float64),
                         torch.stack([x.sum(0) for x in pictures]), torch.stack([x.T @ x for x in pictures]))


def _mean_and_covariance(moments, weights: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Of the pictures taken ``weights`` times each (a draw with replacement, or all of them once)."""
    counts, sums, outers = moments
    n = weights @ counts
    mean = weights @ sums / n
    # a side of one pixel in all (a 1x1 icon, read at its size) has no spread: zero, not 0/0, which stopped Quick's
    # start with "linalg.eigh: the algorithm failed to converge" (a CLI hostile pass)
    return mean, (torch.einsum("p,pij->ij", weights, outers) - n * torch.outer(mean, mean)) / (n - 1).clamp_min(1)


def _mixing(cov_s: torch.Tensor, cov_t: torch.Tensor) -> torch.Tensor:
    """What the covariance map mixes between channels beyond a per-channel map."""
    return _covariance_map(cov_s, cov_t) - _per_channel_map(cov_s, cov_t)


@torch.no_grad()
def fit_colour(colour: GlobalColour, source, target, resamples: int = 32) -> float:
    """Set ``colour`` to the linear map taking the colour statistics of ``source`` to ``target``'s.

    ``source``/``target``: (N, C) pixels in [-1, 1], a list of them, one per picture, or the pictures'
    :class:`ColourMoments` (each picture weighs its pixel count). Means and
    per-channel spreads are matched exactly. How much one channel is mixed into another is
    matched only as far as the choice of pictures does not explain it: the mixing the covariance
    map adds to a per-channel map is shrunk (positive-part James-Stein) by its variance over
    ``resamples`` refits on pictures drawn with replacement, one by one and in runs of neighbours
    (:mod:`engine.resampling`). With twenty photos a side, what the photos show moves the channels'
    correlations about as much as a warm grade's curves do, and a covariance map reads that as mixing
    (tints on saturated colours); a desaturating look moves them far more than any choice of photos,
    and keeps its mixing (docs/quality.md, "Why").
    Returns the share of the mixing kept: 1 for a single picture a side (nothing to resample).
    """
    moments_s = source if isinstance(source, ColourMoments) else colour_moments(
        [source] if torch.is_tensor(source) else list(source))
    moments_t = target if isinstance(target, ColourMoments) else colour_moments(
        [target] if torch.is_tensor(target) else list(target))
    count_s, count_t = len(moments_s[0]), len(moments_t[0])
    mean_s, cov_s = _mean_and_covariance(moments_s, torch.ones(count_s, dtype=torch.float64))
    mean_t, cov_t = _mean_and_covariance(moments_t, torch.ones(count_t, dtype=torch.float64))
    mixing = _mixing(cov_s, cov_t)
    kept = 1.0
    if count_s > 1 and count_t > 1 and resamples > 1:
        def redrawn(ws: torch.Tensor, wt: torch.Tensor) -> torch.Tensor:
            return _mixing(_mean_and_covariance(moments_s, ws)[1], _mean_and_covariance(moments_t, wt)[1])

        kept = james_stein(mixing, resampled_variance(redrawn, count_s, count_t, resamples))
    matrix = _per_channel_map(cov_s, cov_t) + kept * mixing
    colour.weight.copy_(matrix.to(colour.weight.dtype))
    colour.bias.copy_((mean_t - matrix @ mean_s).to(colour.bias.dtype))
    return kept


LUMA_BINS = 64  # moments are kept per band of luma this wide (1/32 of the range): tones weigh bins, not pixels


def luma(x: torch.Tensor) -> torch.Tensor:
    """Rec. 601 luma of pictures (N, C, H, W) or pixels (N, C), channel axis kept: (N, 1, H, W) or (N, 1);
    the mean of the channels where there are not three."""
    if x.shape[1] != 3:
        return x.mean(1, keepdim=True)
    return 0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]  # no tensor to make (and copy) a forward


def luma_binned_moments(pixels: torch.Tensor) -> ColourMoments:
    """One picture's :class:`ColourMoments` split by the luma of its pixels (N, C): counts (1, K), sums
    (1, K, C), outers (1, K, C, C) over :data:`LUMA_BINS` equal bins of [-1, 1]. Summed over K they are the
    picture's colour moments; weighed bin by bin, those of its shadows or highlights."""
    pixels = pixels.double()
    k = LUMA_BINS
    bins = ((luma(pixels)[:, 0] + 1) / 2 * k).floor().long().clamp(0, k - 1)
    c = pixels.shape[1]
    counts = torch.bincount(bins, minlength=k).double()
    sums = torch.zeros(k, c, dtype=torch.float64).index_add_(0, bins, pixels)
    outers = torch.zeros(k, c * c, dtype=torch.float64).index_add_(
        0, bins, (pixels[:, :, None] * pixels[:, None, :]).flatten(1)).view(k, c, c)
    return ColourMoments(counts[None], sums[None], outers[None])


def summed_bins(moments: ColourMoments, weight: torch.Tensor | None = None) -> ColourMoments:
    """Per-picture moments from luma-binned ones, each bin taken ``weight[k]`` times (all once if None)."""
    if weight is None:
        weight = torch.ones(moments.counts.shape[1], dtype=torch.float64)
    return ColourMoments(moments.counts @ weight, torch.einsum("pkc,k->pc", moments.sums, weight),
                         torch.einsum("pkcd,k->pcd", moments.outers, weight))


class TwoToneColour(GlobalColour):
    """A colour map for the shadows (``weight``, ``bias``) and another for the highlights, blended by each
    pixel's luma: all shadows' below ``levels[0]``, all highlights' above ``levels[1]``, linear between.

    Film and bleach looks tint shadows and highlights apart (teal and orange), which no single linear map
    holds. :func:`fit_colour` then :func:`fit_tones` set it; like :class:`GlobalColour`, training keeps it.
    """

    def __init__(self, channels: int = 3):
        super().__init__(channels)
        self.weight_highlights = nn.Parameter(torch.eye(channels), requires_grad=False)
        self.bias_highlights = nn.Parameter(torch.zeros(channels), requires_grad=False)
        self.levels = nn.Parameter(torch.tensor([-1.0, 1.0]), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shadows = F.conv2d(x, self.weight.to(x.dtype)[:, :, None, None], self.bias.to(x.dtype))
        highlights = F.conv2d(x, self.weight_highlights.to(x.dtype)[:, :, None, None],
                              self.bias_highlights.to(x.dtype))
        low, high = self.levels.to(x.dtype)
        share = ((luma(x) - low) / (high - low).clamp_min(1e-3)).clamp(0, 1)  # a file's levels may meet
        return (shadows + share * (highlights - shadows)).clamp(-1, 1)


TONE_QUANTILES = (0.25, 0.75)  # a side's shadows end and its highlights begin at these shares of its pixels


def _luma_levels(moments: ColourMoments) -> torch.Tensor:
    """The luma below which TONE_QUANTILES of a side's pixels lie, read off its bin counts (linear in a bin)."""
    counts = moments.counts.sum(0)
    edges = torch.linspace(-1, 1, len(counts) + 1, dtype=torch.float64)
    cdf = torch.cat([torch.zeros(1, dtype=torch.float64), counts.cumsum(0) / counts.sum()])
    levels = []
    for q in TONE_QUANTILES:
        k = int(torch.searchsorted(cdf, torch.tensor(q, dtype=torch.float64)).clamp(1, len(counts))) - 1
        inside = (q - cdf[k]) / (cdf[k + 1] - cdf[k]).clamp_min(1e-12)
        levels.append(edges[k] + inside.clamp(0, 1) * (edges[k + 1] - edges[k]))
    low, high = levels
    return torch.stack([low, torch.maximum(high, low + 2.0 / len(counts))])  # a flat picture: one bin apart


def _tone_shares(levels: torch.Tensor, bins: int) -> torch.Tensor:
    """Each luma bin's share of the highlights (at its centre), as TwoToneColour blends."""
    centres = torch.linspace(-1, 1, bins + 1, dtype=torch.float64)[:-1] + 1.0 / bins
    return ((centres - levels[0]) / (levels[1] - levels[0])).clamp(0, 1)


@torch.no_grad()
def fit_tones(colour: TwoToneColour, source: ColourMoments, target: ColourMoments, resamples: int = 64) -> float:
    """Part ``colour``'s shadows from its highlights, from per-picture luma-binned moments of each side
    (:func:`luma_binned_moments`); ``colour`` holds the map for all tones already (:func:`fit_colour`).

    Each side's tones taken at its own luma quantiles (TONE_QUANTILES), what a per-channel transfer of
    the shadows alone and of the highlights alone changes against the per-channel transfer of all
    pixels is added to that map, shrunk (positive-part James-Stein) by its variance over ``resamples``
    draws of the pictures (:mod:`engine.resampling`): with photos that differ in content, shadows and
    highlights differ by chance too. Measured on the quality benchmark (docs/quality.md): better than
    keeping all of it, or than a full linear map per tone. Returns the share of the tones' difference
    kept: none with one picture a side, all with ``resamples`` 1.
    """
    flat_s, flat_t = summed_bins(source), summed_bins(target)
    bins = source.counts.shape[1]
    levels_s = _luma_levels(source)
    share_s, share_t = _tone_shares(levels_s, bins), _tone_shares(_luma_levels(target), bins)
    tones = [(summed_bins(source, 1 - share_s), summed_bins(target, 1 - share_t)),
             (summed_bins(source, share_s), summed_bins(target, share_t))]

    def per_channel(s: ColourMoments, t: ColourMoments, ws: torch.Tensor, wt: torch.Tensor) -> torch.Tensor:
        mean_s, cov_s = _mean_and_covariance(s, ws)
        mean_t, cov_t = _mean_and_covariance(t, wt)
        scale = _per_channel_map(cov_s, cov_t).diagonal()
        return torch.cat([scale, mean_t - scale * mean_s])

    def departure(ws: torch.Tensor, wt: torch.Tensor) -> torch.Tensor:
        everything = per_channel(flat_s, flat_t, ws, wt)
        return torch.stack([per_channel(s, t, ws, wt) - everything for s, t in tones])

    count_s, count_t = len(flat_s.counts), len(flat_t.counts)
    estimate = departure(torch.ones(count_s, dtype=torch.float64), torch.ones(count_t, dtype=torch.float64))
    if count_s < 2 or count_t < 2:
        kept_tones = 0.0  # one picture a side: its tones are its content
    elif resamples < 2:
        kept_tones = 1.0
    else:
        kept_tones = james_stein(estimate, resampled_variance(departure, count_s, count_t, resamples))
    channels = colour.bias.shape[0]
    base_weight, base_bias = colour.weight.detach().clone(), colour.bias.detach().clone()
    for (weight, bias), change in zip(((colour.weight, colour.bias), (colour.weight_highlights, colour.bias_highlights)),
                                      kept_tones * estimate):
        weight.copy_(base_weight + torch.diag(change[:channels]).to(weight))  # the statistics are on the CPU
        bias.copy_(base_bias + change[channels:].to(bias))
    colour.levels.copy_(levels_s.to(colour.levels.dtype))
    return kept_tones


COARSE_SIGMA = 8.0  # blurs this wide run on a shrunk copy (only a photo far above the training scale needs them)


def _gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """A Gaussian blur (radius 3 sigma, reflected edges, repeated on a picture smaller than that) as two 1-D
    passes: torchvision's ``gaussian_blur`` convolves with the full 2-D kernel (625 multiplies a pixel at sigma 4,
    not 50), which made it a quarter of a Quick generator's step.

    From COARSE_SIGMA on, the picture is averaged in blocks of sigma / 4 px, blurred there, and scaled back
    bilinearly, the three spreads adding up to sigma: a blurred picture holds nothing finer than the blocks,
    and the full kernels made a 12 MP photo's local contrast cost half its conversion again."""
    if sigma >= COARSE_SIGMA:
        return _coarse_gaussian_blur(x, sigma)
    radius = round(3 * sigma)
    taps = torch.arange(-radius, radius + 1, dtype=torch.float32, device=x.device)
    kernel = torch.exp(-0.5 * (taps / sigma) ** 2)
    kernel = (kernel / kernel.sum()).to(x.dtype)
    channels = x.shape[1]
    # mirrored at the edges; a picture no wider than the kernel's reach (a 12 px icon trained at its size) cannot be
    # mirrored that far, and stopped the run ("padding size should be less than …"): its edge pixels repeat
    mode = "reflect" if radius < min(x.shape[-2:]) else "replicate"
    x = F.pad(x, (radius, radius, radius, radius), mode=mode)
    x = F.conv2d(x, kernel.view(1, 1, 1, -1).expand(channels, 1, 1, -1), groups=channels)
    return F.conv2d(x, kernel.view(1, 1, -1, 1).expand(channels, 1, -1, 1), groups=channels)


def _coarse_gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """:func:`_gaussian_blur` for a wide ``sigma`` on a copy shrunk by block averages (see there)."""
    block = int(sigma // 4)
    h, w = x.shape[-2:]
    ph, pw = -h % block, -w % block
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph), mode="replicate")
    small = F.avg_pool2d(x, block)
    # a block average spreads (b^2 - 1) / 12 px^2, bilinear scaling back b^2 / 6: the blur between gives the rest
    rest = max(sigma ** 2 - (block ** 2 - 1) / 12 - block ** 2 / 6, 0.25 * block ** 2) ** 0.5 / block
    blurred = F.interpolate(_gaussian_blur(small, rest), size=x.shape[-2:], mode="bilinear", align_corners=False)
    return blurred[..., :h, :w]


class LocalContrast(nn.Module):
    """y = x + sum_k (g_k - 1) * band_k(x): a global change of local contrast, per band of detail.

    The bands are differences of Gaussian blurs of 1, 2 and 4 px (finer than 1 px, 1 to 2, 2 to 4),
    in pixels of the scale the model trains at; one gain a band, the same for every channel.
    :func:`fit_local_contrast` sets the gains so that each band's energy matches the other domain's,
    as far as the choice of pictures does not explain the difference, and training keeps them
    (like :class:`GlobalColour`): the generator then starts from the clarity, softness or sharpening
    that separates the folders, which its crops and 600 steps do not learn (docs/quality.md).
    A coarser band (4 to 8 px) was measured and left out: at the training scale its energy follows
    what the photos show, and fitting it cost up to 0.9 dB on looks that change no detail.

    ``scale`` (not saved; 1 in training) widens the bands for a picture larger than the training scale:
    the gains were measured on whole pictures at that scale, so a band is a share of a picture's size,
    not a number of pixels. The :class:`~engine.convert.Translator` sets it per picture; with the bands
    kept in pixels, clarity on the quality benchmark fell from 27.8 to 26.2 dB at 840 px (docs/quality.md).
    """

    sigmas = (1.0, 2.0, 4.0)

    def __init__(self):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(len(self.sigmas)), requires_grad=False)
        self.scale = 1.0  # picture pixels per pixel of the scale the gains were fitted at

    def bands(self, x: torch.Tensor) -> list[torch.Tensor]:
        out, finer = [], x
        for sigma in self.sigmas:
            blurred = _gaussian_blur(x, sigma * self.scale)
            out.append(finer - blurred)
            finer = blurred
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gain = self.gain.to(x.dtype)
        for k, band in enumerate(self.bands(x)):
            x = x + (gain[k] - 1) * band
        return x.clamp(-1, 1)


@torch.no_grad()
def band_moments(detail: LocalContrast, picture: torch.Tensor) -> torch.Tensor:
    """Each band's second moments between channels in ``picture`` (C, H, W): (bands, C, C), from which
    the band energies of the picture through any colour matrix follow (:func:`band_energies`)."""
    return torch.stack([torch.einsum("chw,dhw->cd", band[0].double(), band[0].double()) / band[0, 0].numel()
                        for band in detail.bands(picture[None])])


def band_energies(moments: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    """Mean squared value of each band, (..., bands), of pictures with band ``moments`` (..., bands, C, C),
    after the colour matrix ``weight`` (C, C) if given: a band of M x + t is M times the band of x (a
    blur keeps constants), so the energies through a fitted colour map need no second pass over the
    pictures (the map's clamp to [-1, 1] aside). What :func:`fit_local_contrast` matches."""
    if weight is not None:
        weight = weight.to(moments.dtype)
        moments = weight @ moments @ weight.T
    return moments.diagonal(dim1=-2, dim2=-1).mean(-1)


@torch.no_grad()
def fit_local_contrast(detail: LocalContrast, source: torch.Tensor, target: torch.Tensor,
                       resamples: int = 64) -> torch.Tensor:
    """Set ``detail``'s gains from per-picture band energies (P, bands) of each side (:func:`band_energies`).

    A band's gain is the ratio of the sides' geometric-mean energies, square-rooted: a geometric mean,
    so that one very textured photo does not decide it. Its logarithm is then shrunk toward 0 (no
    change) by its variance over ``resamples`` draws of the pictures with replacement (positive-part
    James-Stein, band by band, a fixed draw, :mod:`engine.resampling`): twenty photos a side differ in
    texture by themselves, about 15 % in a band's gain, and only a difference larger than that is taken as the look.
    Returns the gains.
    """
    source, target = source.double().clamp_min(1e-12).log(), target.double().clamp_min(1e-12).log()

    def log_gain(ws: torch.Tensor, wt: torch.Tensor) -> torch.Tensor:
        """Half the difference of the sides' mean log energies, each picture taken ``w`` times."""
        return (wt @ target / wt.sum() - ws @ source / ws.sum()) / 2

    count_s, count_t = len(source), len(target)
    estimate = log_gain(torch.ones(count_s, dtype=torch.float64), torch.ones(count_t, dtype=torch.float64))
    if count_s < 2 or count_t < 2:
        estimate = torch.zeros_like(estimate)  # one picture a side: its texture cannot be told from a look
    elif resamples > 1:
        spread = resampled_variance(log_gain, count_s, count_t, resamples)
        estimate = estimate * (1 - spread / estimate.pow(2).clamp_min(1e-12)).clamp_min(0)
    detail.gain.copy_(estimate.exp().to(detail.gain.dtype))
    return detail.gain.detach().clone()


class ResnetGenerator(nn.Module):
    """c7s1-ngf, d(2ngf), d(4ngf), R(4ngf) x blocks, u(2ngf), u(ngf), c7s1-C, tanh.

    Input and output are in [-1, 1]; height and width must be multiples of 4.
    """

    size_multiple = 4  # two stride-2 convolutions
    min_size = 16  # the reflection pads need room

    def __init__(self, channels: int = 3, ngf: int = 64, blocks: int = 9, norm: str = "instance",
                 upsample: str = "transpose", residual: bool = False, dropout: bool = False, colour: str = "none",
                 detail: bool = False):
        super().__init__()
        self.residual = residual
        if colour != "none":  # registered only when asked: the reference's weights keep their exact keys
            self.colour = TwoToneColour(channels) if colour == "tones" else GlobalColour(channels)
        if detail:
            self.detail = LocalContrast()
        nl = norm_layer(norm)
        use_bias = norm != "batch"
        layers = _c7s1(channels, ngf, nl, use_bias)
        layers += _down(ngf, ngf * 2, nl, use_bias) + _down(ngf * 2, ngf * 4, nl, use_bias)
        layers += [ResnetBlock(ngf * 4, nl, use_bias, dropout) for _ in range(blocks)]
        layers += _up(ngf * 4, ngf * 2, nl, use_bias, upsample) + _up(ngf * 2, ngf, nl, use_bias, upsample)
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, channels, 7)]
        if not residual:
            layers.append(nn.Tanh())
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if hasattr(self, "colour"):
            x = self.colour(x)
        if hasattr(self, "detail"):
            x = self.detail(x)
        if self.residual:  # an edit of the input in tanh's pre-activation space: identity when r = 0
            return torch.tanh(torch.atanh(x.clamp(-0.995, 0.995)) + self.model(x))
        return self.model(x)


class UnetBlock(nn.Module):
    """One level of the U-Net: Ck down, the levels below, Ck up, and the skip connection.

    Down: LeakyReLU(0.2), 4x4 stride-2 conv, norm (the outermost has neither activation nor
    norm, the innermost no norm). Up: ReLU, 4x4 stride-2 transposed conv, norm (tanh instead
    at the outermost), dropout 0.5 where asked. Every level but the outermost returns its
    input concatenated with its output (the skip connection).
    """

    def __init__(self, outer: int, inner: int, norm, use_bias: bool, in_channels: int | None = None,
                 below: nn.Module | None = None, outermost: bool = False, dropout: bool = False):
        super().__init__()
        self.outermost = outermost
        in_channels = outer if in_channels is None else in_channels
        down_conv = nn.Conv2d(in_channels, inner, 4, stride=2, padding=1, bias=use_bias)
        if outermost:
            down = [down_conv]
            up = [nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, stride=2, padding=1), nn.Tanh()]
        elif below is None:  # innermost
            down = [nn.LeakyReLU(0.2, True), down_conv]
            up = [nn.ReLU(True), nn.ConvTranspose2d(inner, outer, 4, stride=2, padding=1, bias=use_bias), norm(outer)]
        else:
            down = [nn.LeakyReLU(0.2, True), down_conv, norm(inner)]
            up = [nn.ReLU(True), nn.ConvTranspose2d(inner * 2, outer, 4, stride=2, padding=1, bias=use_bias),
                  norm(outer)] + ([nn.Dropout(0.5)] if dropout else [])
        self.model = nn.Sequential(*down, *([below] if below is not None else []), *up)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    """U-Net with ``downs`` levels: C(ngf)-C(2ngf)-C(4ngf)-C(8ngf)... and the mirrored decoder.

    Height and width must be multiples of 2**downs (256 for unet_256); conversion pads.
    """

    min_size = 1

    def __init__(self, channels: int = 3, ngf: int = 64, downs: int = 8, norm: str = "batch",
                 dropout: bool = True, out_channels: int | None = None):
        super().__init__()
        if downs < 5:
            raise ValueError(f"a U-Net needs at least 5 levels, got {downs}")
        nl = norm_layer(norm)
        use_bias = norm != "batch"
        block = UnetBlock(ngf * 8, ngf * 8, nl, use_bias)  # innermost
        for _ in range(downs - 5):
            block = UnetBlock(ngf * 8, ngf * 8, nl, use_bias, below=block, dropout=dropout)
        for mult in (4, 2, 1):
            block = UnetBlock(ngf * mult, ngf * mult * 2, nl, use_bias, below=block)
        self.model = UnetBlock(out_channels or channels, ngf, nl, use_bias, in_channels=channels, below=block,
                               outermost=True)
        self.size_multiple = self.min_size = 2 ** downs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


UNET_DOWNS = {"unet_128": 7, "unet_256": 8}


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
    batch norm's scales from N(1, gain) (an affine instance norm keeps 1 and 0, as there)."""
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
        elif isinstance(m, nn.BatchNorm2d) and getattr(m, "weight", None) is not None:
            nn.init.normal_(m.weight, 1.0, gain)
            nn.init.zeros_(m.bias)

    net.apply(init)
    return net


def make_generator(cfg: ModelConfig) -> nn.Module:
    """The generator ``cfg`` describes, with PyTorch's default initialisation (for loading weights into)."""
    if cfg.generator in UNET_DOWNS:
        return UnetGenerator(cfg.channels, cfg.ngf, UNET_DOWNS[cfg.generator], cfg.norm, cfg.dropout)
    return ResnetGenerator(cfg.channels, cfg.ngf, cfg.blocks, cfg.norm, cfg.upsample, cfg.residual, cfg.dropout,
                           cfg.colour, cfg.detail)


def generator_shapes(cfg: ModelConfig) -> dict[str, torch.Size]:
    """State-dict shapes of the generator ``cfg`` describes, computed on the meta device (no memory)."""
    with torch.device("meta"):
        net = make_generator(cfg)
    return {k: v.shape for k, v in net.state_dict().items()}


def build_generator(cfg: ModelConfig) -> nn.Module:
    """A generator to train: the reference's initialisation (and the identity start of a residual one)."""
    net = init_weights(make_generator(cfg), cfg.init, cfg.init_gain)
    if cfg.residual and isinstance(net, ResnetGenerator):  # start as the identity: the edit begins at zero
        nn.init.zeros_(net.model[-1].weight)
        nn.init.zeros_(net.model[-1].bias)
    return net


def build_discriminator(cfg: ModelConfig, in_channels: int | None = None) -> PatchDiscriminator:
    """The PatchGAN; ``in_channels`` 2C for pix2pix's conditional discriminator (input and output stacked)."""
    norm = cfg.norm if cfg.d_norm == "same" else cfg.d_norm
    return init_weights(PatchDiscriminator(in_channels or cfg.channels, cfg.ndf, cfg.d_layers, norm),
                        cfg.init, cfg.init_gain)


def count_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
