"""How much a statistic of two folders owes to the choice of pictures: its variance over redraws of each side's
pictures with replacement (the bootstrap), drawn in runs of neighbouring pictures.

The Quick start keeps a fitted change (channel mixing, the tones' split, local-contrast gains) only as far as
this variance does not explain it (positive-part James-Stein, :mod:`engine.nets`). Neighbours in a folder (sorted
names) are often not independent evidence: one photo at two sizes, crops of one photo, a burst of one scene.
Redrawn one at a time they pass for independent photos and the variance comes out too small: on 200 crops a side
cut from 20 photos, the start kept 90 % of the tones' split and ended below colour transfer on 12 of the 16 looks
and splits of the quality benchmark's crops (docs/quality.md, "Crops"). So pictures are also redrawn in runs of
2, 4, 8, ... neighbours (a circular block bootstrap), up to an eighth of a side, and the largest variance is
taken: the blocking method (Flyvbjerg and Petersen 1989), whose estimate grows with the run length until the runs
are longer than what neighbours share, and then stays. Runs of one are drawn first and as before, so independent
pictures change little; the benchmark's photos, each at two sizes, now count as twenty a side, not forty.
"""

from __future__ import annotations

from typing import Callable

import torch

SHORTEST_SHARE = 8  # the longest run is an eighth of the smaller side: at least eight runs a draw


def block_weights(count: int, run: int, generator: torch.Generator) -> torch.Tensor:
    """How many times each of ``count`` pictures is drawn (count,) when ``count`` are redrawn in runs of ``run``
    neighbours from random starts, the list read as a circle."""
    starts = torch.randint(count, (-(-count // run),), generator=generator)
    picks = ((starts[:, None] + torch.arange(run)) % count).flatten()[:count]
    return torch.bincount(picks, minlength=count).double()


def run_lengths(count_s: int, count_t: int) -> list[int]:
    """1, 2, 4, ... up to an eighth of the smaller side (1 alone for sides of fewer than 16)."""
    longest, runs = max(1, min(count_s, count_t) // SHORTEST_SHARE), [1]
    while runs[-1] * 2 <= longest:
        runs.append(runs[-1] * 2)
    return runs


def resampled_variance(statistic: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], count_s: int, count_t: int,
                       resamples: int) -> torch.Tensor:
    """The variance, element by element, of ``statistic(weights_s, weights_t)`` over ``resamples`` redraws of both
    sides' pictures: the largest over the run lengths of :func:`run_lengths`. A fixed draw, so the same folders
    always give the same answer."""
    draw = torch.Generator().manual_seed(0)
    variances = []
    for run in run_lengths(count_s, count_t):
        values = [statistic(block_weights(count_s, run, draw), block_weights(count_t, run, draw))
                  for _ in range(resamples)]
        variances.append(torch.stack(values).var(0))
    return torch.stack(variances).amax(0)


def james_stein(estimate: torch.Tensor, variance: torch.Tensor) -> float:
    """The share of ``estimate`` (p numbers, each with its ``variance`` over redraws) to keep: the positive-part
    James-Stein factor max(0, 1 - (p - 2) / p * sum(variance) / |estimate|^2), with sum(variance) / p for the
    noise of one number (Efron and Morris 1973). With fewer than three numbers, where no such estimator beats the
    estimate itself, the plain rule max(0, 1 - sum(variance) / |estimate|^2)."""
    p = estimate.numel()
    noise = float(variance.sum()) * ((p - 2) / p if p >= 3 else 1.0)
    return max(0.0, 1.0 - noise / float((estimate ** 2).sum().clamp_min(1e-12)))
