"""Real, redistributable photos and the "golden hour" grade used by the demo model.

The photos are scikit-image's bundled sample photographs (CC0 or public domain; see
resources/demo/README.md). Domain A is the photos as they are; domain B is the same kind
of photo under a fixed, nonlinear colour grade (`golden_hour`), so a model's output can be
checked against a known ground truth: T(input).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SKIMAGE = "scikit-image==0.26.0"
# name in skimage/data -> (licence, author or source)
PHOTOS = {
    "astronaut.png": ("public domain", "NASA (Eileen Collins)"),
    "chelsea.png": ("CC0", "Stefan van der Walt"),
    "coffee.png": ("CC0", "Rachel Michetti"),
    "rocket.jpg": ("public domain", "SpaceX"),
}


def skimage_photos(cache: Path = ROOT / "build" / "demo-src") -> dict[str, Path]:
    """Paths of the sample photos, taken from the scikit-image wheel (downloaded once)."""
    data = cache / "skimage" / "data"
    if not all((data / name).exists() for name in PHOTOS):
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(cache),
                        SKIMAGE], check=True)
        wheel = next(cache.glob("scikit_image-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            for name in PHOTOS:
                zf.extract(f"skimage/data/{name}", cache)
    return {name: data / name for name in PHOTOS}


def golden_hour(rgb: np.ndarray) -> np.ndarray:
    """A warm late-afternoon grade: per-channel tone curves plus an S-curve (uint8 in, uint8 out).

    Nonlinear on purpose: no single global colour-matrix or mean/std shift reproduces it.
    """
    x = rgb.astype(np.float32) / 255.0
    r = x[..., 0] ** 0.8
    g = x[..., 1] ** 0.95 * 0.97
    b = 0.82 * x[..., 2] ** 1.25 + 0.02
    y = np.stack([r, g, b], axis=-1)
    y = 0.65 * y + 0.35 * (3 * y**2 - 2 * y**3)  # gentle S-curve: more contrast in the mid-tones
    return (np.clip(y, 0, 1) * 255 + 0.5).astype(np.uint8)


def load_rgb(path: Path, long_side: int) -> Image.Image:
    image = Image.open(path).convert("RGB")
    image.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    return image


def warmth(rgb: np.ndarray) -> float:
    """Mean red minus mean blue, in 8-bit levels: the property the grade changes most."""
    x = rgb.astype(np.float64)
    return float(x[..., 0].mean() - x[..., 2].mean())


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / max(mse, 1e-12)))
