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


# Pixels of a band of rows scored at once: a 12-MP pair scored whole asked for 35 GB (the 11x11 window unfolded
# for each pixel, in float64) and failed after a minute (a command-line pass); a band takes tens of MB.
BAND_PIXELS = 1 << 16


def _bands(height: int, width: int, overlap: int = 0):
    """(first row, rows) of the bands an image of ``height`` rows is scored in, each ``overlap`` rows longer (the
    rows a window past the band's last one reads)."""
    rows = max(1, BAND_PIXELS // max(width, 1))
    for top in range(0, height - overlap, rows):
        yield top, min(rows, height - overlap - top) + overlap


def psnr(output: np.ndarray, truth: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of two uint8 images of equal shape."""
    squared = sum(float(np.sum((output[top:top + rows].astype(np.int64) - truth[top:top + rows]) ** 2))
                  for top, rows in _bands(output.shape[0], output.shape[1]))
    mse = squared / output.size
    return float(10 * np.log10(255.0**2 / max(mse, 1e-10)))


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    """The 1-D Gaussian: the 2-D window is its outer product, applied as a row pass then a column pass."""
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    return g / g.sum()


SSIM_SMALLEST = 11  # px a side: the Gaussian window's size


def ssim(output: np.ndarray, truth: np.ndarray) -> float:
    """Mean structural similarity of two uint8 HxW or HxWxC images (1.0 = identical), scored in bands of rows."""
    if output.ndim == 2:
        output, truth = output[..., None], truth[..., None]
    window = _gaussian_window()
    size = window.numel()
    if min(output.shape[:2]) < size:
        raise ValueError(f"SSIM needs images of at least {SSIM_SMALLEST}x{SSIM_SMALLEST} pixels")
    rows_pass, columns_pass = window.view(1, 1, 1, size), window.view(1, 1, size, 1)

    def blur(x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(F.conv2d(x, rows_pass), columns_pass)

    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    total, count = 0.0, 0
    for top, rows in _bands(output.shape[0], output.shape[1], overlap=size - 1):
        a, b = (torch.from_numpy(np.array(x[top:top + rows], dtype=np.float64)).permute(2, 0, 1)[:, None]
                for x in (output, truth))  # channels as a batch of gray images
        mu_a, mu_b = blur(a), blur(b)
        var_a = blur(a * a) - mu_a**2
        var_b = blur(b * b) - mu_b**2
        cov = blur(a * b) - mu_a * mu_b
        value = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
        total, count = total + float(value.sum()), count + value.numel()
    return total / count


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
    total = sum(float(ciede2000(srgb_to_lab(output[top:top + rows]), srgb_to_lab(truth[top:top + rows])).sum())
                for top, rows in _bands(output.shape[0], output.shape[1]))
    return total / (output.shape[0] * output.shape[1])
