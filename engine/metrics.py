"""Image quality against a ground truth: PSNR, SSIM (Wang et al. 2004) and CIEDE2000 colour difference.

Neither torch nor torchvision provides SSIM or CIEDE2000, so they are written here in a few
array ops. SSIM: 11x11 Gaussian window (sigma 1.5), K1 0.01, K2 0.03, computed per channel on
8-bit RGB values and averaged, the way the usual reference implementations do it. Delta E:
sRGB (D65) to CIELAB, then the CIEDE2000 formula as Sharma, Wu and Dalal (2005) give it and
test it (their 34 test pairs are in tests/engine/test_metrics.py).
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


SSIM_SMALLEST = 11  # px a side: the Gaussian window's size


def ssim(output: np.ndarray, truth: np.ndarray) -> float:
    """Mean structural similarity of two uint8 HxW or HxWxC images (1.0 = identical)."""
    a = torch.from_numpy(np.array(output, dtype=np.float64))
    b = torch.from_numpy(np.array(truth, dtype=np.float64))
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    a, b = a.permute(2, 0, 1)[:, None], b.permute(2, 0, 1)[:, None]  # channels as a batch of gray images
    window = _gaussian_window()
    if min(a.shape[-2:]) < window.shape[-1]:
        raise ValueError(f"SSIM needs images of at least {SSIM_SMALLEST}x{SSIM_SMALLEST} pixels")
    mu_a, mu_b = F.conv2d(a, window), F.conv2d(b, window)
    var_a = F.conv2d(a * a, window) - mu_a**2
    var_b = F.conv2d(b * b, window) - mu_b**2
    cov = F.conv2d(a * b, window) - mu_a * mu_b
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    value = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return float(value.mean())


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65 white) of 8-bit sRGB values, shape (..., 3)."""
    c = rgb.astype(np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = linear @ np.array([[0.4124564, 0.3575761, 0.1804375],
                             [0.2126729, 0.7151522, 0.0721750],
                             [0.0193339, 0.1191920, 0.9503041]]).T
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference of CIELAB values (..., 3), kL = kC = kH = 1."""
    L1, a1, b1 = np.moveaxis(np.asarray(lab1, np.float64), -1, 0)
    L2, a2, b2 = np.moveaxis(np.asarray(lab2, np.float64), -1, 0)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    zero = c1p * c2p == 0
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(zero, 0.0, dh)
    dL, dC = L2 - L1, c2p - c1p
    dH = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    L_bar, cp_bar = (L1 + L2) / 2, (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_bar = np.where(zero, h_sum, np.where(np.abs(h1p - h2p) <= 180, h_sum / 2,
                                           np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2)))
    t = (1 - 0.17 * np.cos(np.radians(h_bar - 30)) + 0.24 * np.cos(np.radians(2 * h_bar))
         + 0.32 * np.cos(np.radians(3 * h_bar + 6)) - 0.20 * np.cos(np.radians(4 * h_bar - 63)))
    s_l = 1 + 0.015 * (L_bar - 50) ** 2 / np.sqrt(20 + (L_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = (-2 * np.sqrt(cp_bar**7 / (cp_bar**7 + 25.0**7))
           * np.sin(np.radians(60 * np.exp(-(((h_bar - 275) / 25) ** 2)))))
    return np.sqrt((dL / s_l) ** 2 + (dC / s_c) ** 2 + (dH / s_h) ** 2 + r_t * (dC / s_c) * (dH / s_h))


def delta_e(output: np.ndarray, truth: np.ndarray) -> float:
    """Mean CIEDE2000 difference of two uint8 RGB images (0 = identical; about 2.3 is just noticeable)."""
    return float(ciede2000(srgb_to_lab(output), srgb_to_lab(truth)).mean())
