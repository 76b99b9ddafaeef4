"""Image quality against a ground truth: PSNR and SSIM (Wang et al. 2004).

Neither torch nor torchvision provides SSIM, so it is written here, in a few tensor ops:
11x11 Gaussian window (sigma 1.5), K1 0.01, K2 0.03, computed per channel on 8-bit RGB
values and averaged, the way the usual reference implementations do it.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def psnr(output: np.ndarray, truth: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of two uint8 images of equal shape."""
    mse = np.mean((output.astype(np.float64) - truth.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / max(mse, 1e-10)))


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    g /= g.sum()
    return (g[:, None] * g[None, :])[None, None]


def ssim(output: np.ndarray, truth: np.ndarray) -> float:
    """Mean structural similarity of two uint8 HxW or HxWxC images (1.0 = identical)."""
    a = torch.from_numpy(np.array(output, dtype=np.float64))
    b = torch.from_numpy(np.array(truth, dtype=np.float64))
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    a, b = a.permute(2, 0, 1)[:, None], b.permute(2, 0, 1)[:, None]  # channels as a batch of gray images
    window = _gaussian_window()
    if min(a.shape[-2:]) < window.shape[-1]:
        raise ValueError("SSIM needs images of at least 11x11 pixels")
    mu_a, mu_b = F.conv2d(a, window), F.conv2d(b, window)
    var_a = F.conv2d(a * a, window) - mu_a**2
    var_b = F.conv2d(b * b, window) - mu_b**2
    cov = F.conv2d(a * b, window) - mu_a * mu_b
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    value = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return float(value.mean())
