"""The closed-form start of a generator with a colour map and a local-contrast stage (the Quick recipe).

Before the first step, each side's whole pictures are read once, at the scale training sees them,
and each generator's colour map and local-contrast gains are fitted to carry its side's statistics
onto the other side's (:func:`engine.nets.fit_colour`, :func:`engine.nets.fit_local_contrast`). The
network behind them then learns only what these global maps cannot. Statistics from 64 px
thumbnails, used before, were worse on 14 of the 15 looks and splits of the quality benchmark
(docs/quality.md): a thumbnail's colours are not the ones the network meets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from .nets import (ColourMoments, LocalContrast, TwoToneColour, band_energies, band_moments, fit_colour,
                   fit_local_contrast, fit_tones, luma_binned_moments, summed_bins)

SMALLEST_FOR_DETAIL = round(3 * max(LocalContrast.sigmas))  # px a side the widest blur reflects at its border


@dataclass
class SideStatistics:
    colour: list[ColourMoments] = field(default_factory=list)  # per picture, split by luma (luma_binned_moments)
    band_moments: list[torch.Tensor] = field(default_factory=list)  # per picture: (bands, C, C)

    def luma_binned(self) -> ColourMoments:
        return ColourMoments(*(torch.cat(parts) for parts in zip(*self.colour)))

    def colour_moments(self) -> ColourMoments:
        return summed_bins(self.luma_binned())


PICTURES_READ = 512  # a side's pictures the start reads at most, spread over the whole folder


def gather(dataset, short_side: int | None, detail: bool, limit: int = PICTURES_READ) -> dict[str, SideStatistics]:
    """Colour moments (and band moments, with ``detail``) of up to ``limit`` whole pictures a side, read once;
    a picture weighs its pixel count, every pixel at the training scale (measured: better than weighing
    pictures alike on 13 of the quality benchmark's 15 looks and splits).

    Every picture a side has, up to 512: at most 128, as before, left 72 of the benchmark's 200 crops a side
    unread, and the start's per-channel transfer missed colour transfer's (all pixels) by up to 0.9 dB either
    way (docs/quality.md, "Crops"). 512 bounds the read: 12-MP JPEGs took 29 to 43 ms each on a 2-core EPYC
    (decoded at a reduced size), so 15 to 22 s a side."""
    probe = LocalContrast()
    out = {}
    for side in ("A", "B"):
        stats = SideStatistics()
        for picture in dataset.whole_pictures(side, short_side, limit):
            stats.colour.append(luma_binned_moments(picture.flatten(1).T))
            if detail and min(picture.shape[-2:]) > SMALLEST_FOR_DETAIL:  # its bands need that much room
                stats.band_moments.append(band_moments(probe, picture))
        if not stats.colour:
            raise RuntimeError(f"no readable image on side {side} for the colour and detail statistics")
        out[side] = stats
    return out


def fit_start(net: nn.Module, source: SideStatistics, target: SideStatistics) -> str:
    """Fit ``net``'s colour map and then its local-contrast gains (whichever it has); says what was fitted."""
    said = []
    colour = getattr(net, "colour", None)
    weight = None
    if colour is not None:
        kept = fit_colour(colour, source.colour_moments(), target.colour_moments())
        said.append(f"a colour transfer (per-channel, plus {100 * kept:.0f}% of the channel mixing)")
        # detail is measured through this one map: the tones' blend bends luma, which no matrix holds, and
        # their mean matrix cost vintage and cool 0.34 and 0.56 dB ("other", no training; docs/quality.md)
        weight = colour.weight.detach().cpu().clone()
    if isinstance(colour, TwoToneColour):
        kept_tones = fit_tones(colour, source.luma_binned(), target.luma_binned())
        said[-1] += f" with {100 * kept_tones:.0f}% of what sets its shadows and highlights apart"
    detail = getattr(net, "detail", None)
    if detail is not None and (len(source.band_moments) < 2 or len(target.band_moments) < 2):
        said.append("no change of local contrast (too few pictures large enough to measure it)")
    elif detail is not None:
        gains = fit_local_contrast(detail, band_energies(torch.stack(source.band_moments), weight),
                                   band_energies(torch.stack(target.band_moments)))
        said.append("local contrast x " + " / ".join(f"{g:.2f}" for g in gains.tolist()) + " (bands of 1, 2, 4 px)")
    return ", then ".join(said)
