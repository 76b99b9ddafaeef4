"""Differentiable augmentation of what the discriminators see (Zhao et al. 2020, "DiffAugment").

With a handful of photos a side, a discriminator can tell the domains apart by their content
and stop teaching the generators anything about the change itself. Showing it real and fake
images under the same random translation and cutout, in both its own update and the
generators', makes memorising content harder without changing what the generators are asked
to produce. Colour augmentations are left out on purpose: colour is often the change to learn.
``highpass`` goes the other way: it shows only detail, so that colour and tone stay with a fitted
colour map in front of the generator (measured on the quality benchmark, docs/quality.md: it does
not stop the drift from that map; kept as an option, off).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def translate(x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to ``ratio`` of its size, filling with zeros (mid-grey)."""
    n, _, h, w = x.shape
    dy = torch.randint(-int(h * ratio), int(h * ratio) + 1, (n, 1, 1), device=x.device)
    dx = torch.randint(-int(w * ratio), int(w * ratio) + 1, (n, 1, 1), device=x.device)
    ys = (torch.arange(h, device=x.device).view(1, h, 1) + dy + 1).clamp(0, h + 1)
    xs = (torch.arange(w, device=x.device).view(1, 1, w) + dx + 1).clamp(0, w + 1)
    padded = F.pad(x, (1, 1, 1, 1)).permute(0, 2, 3, 1)
    return padded[torch.arange(n, device=x.device).view(n, 1, 1), ys, xs].permute(0, 3, 1, 2)


def cutout(x: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    """Zero one random rectangle of ``ratio`` of each side per image."""
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), device=x.device)
    cx = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), device=x.device)
    rows = torch.arange(h, device=x.device).view(1, h, 1)
    cols = torch.arange(w, device=x.device).view(1, 1, w)
    top, left = cy - ch // 2, cx - cw // 2
    inside = (rows >= top) & (rows < top + ch) & (cols >= left) & (cols < left + cw)
    return x * (~inside).unsqueeze(1).to(x.dtype)


def highpass(x: torch.Tensor, sigma: float = 2.0) -> torch.Tensor:
    """What a Gaussian blur of ``sigma`` px removes: detail and texture, no colour or tone of a region."""
    # imported here, as engine.data.transforms does: torchvision loads torch's compiler stack (over a second)
    from torchvision.transforms.functional import gaussian_blur

    size = 2 * round(3 * sigma) + 1
    return x - gaussian_blur(x, [size, size], [sigma, sigma])


POLICIES = {"translation": translate, "cutout": cutout, "highpass": highpass}


def augment(x: torch.Tensor, policy: str) -> torch.Tensor:
    """Apply the comma-separated ``policy`` ("" leaves ``x`` as it is)."""
    for name in filter(None, (p.strip() for p in policy.split(","))):
        x = POLICIES[name](x)
    return x
