"""Real, redistributable photos, the "golden hour" grade of the demo model, and the quality benchmark's grades.

The photos are scikit-image's bundled sample photographs (CC0 or public domain; see
resources/demo/README.md) and, for the benchmark, Debian wallpaper photographs. Domain A is
the photos as they are; domain B is the same kind of photo under a fixed appearance change
(`golden_hour` for the demo; `GRADES` for the benchmark), so a model's output can be checked
against a known ground truth: T(input).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
# short name -> (pip requirement or Debian package, file inside it, licence, author or source). Every one is a real
# photograph that its package redistributes under a licence that allows it.
PHOTO_SOURCES = {
    "astronaut": ("scikit-image==0.26.0", "skimage/data/astronaut.png", "public domain", "NASA (Eileen Collins)"),
    "chelsea": ("scikit-image==0.26.0", "skimage/data/chelsea.png", "CC0", "Stefan van der Walt"),
    "coffee": ("scikit-image==0.26.0", "skimage/data/coffee.png", "CC0", "Rachel Michetti"),
    "rocket": ("scikit-image==0.26.0", "skimage/data/rocket.jpg", "public domain", "SpaceX"),
    "china": ("scikit-learn==1.9.1", "sklearn/datasets/images/china.jpg", "CC BY 2.0", "danielbuechele (Flickr)"),
    "flower": ("scikit-learn==1.9.1", "sklearn/datasets/images/flower.jpg", "CC BY 2.0", "vultilion (Flickr)"),
    "grace_hopper": ("matplotlib==3.11.2", "matplotlib/mpl-data/sample_data/grace_hopper.jpg", "public domain",
                     "US Navy"),
}
# Photographs from Debian wallpaper packages, fetched with `apt-get download` for the quality
# benchmark only (authors and licences as their packages' copyright files and metadata give them).
MATE, LOMIRI, LOMIRI_20, PLASMA = ("mate-backgrounds", "lomiri-wallpapers-16.04", "lomiri-wallpapers-20.04",
                                   "plasma-workspace-wallpapers")
DEBIAN_PACKAGES = (MATE, LOMIRI, LOMIRI_20, PLASMA)
for _name, _author in (("Aqua", "Charles Barbin"), ("Blinds", "Lennart Poettering, Andrea Cimitan"),
                       ("Dune", "Marco Cogoni, Hylke Bons"), ("FreshFlower", "Jens Ansorg"),
                       ("Garden", "Charles Barbin"), ("GreenMeadow", "Timothy Schellhase, Lapo Calamandrei"),
                       ("LadyBird", "Charles Barbin"), ("RainDrops", "blackcombwhistler07"),
                       ("Storm", "Sergey Nazarov"), ("TwoWings", "Charles Barbin, Hylke Bons"),
                       ("Wood", "Jean-Francois Fortin Tam"), ("YellowFlower", "Charles Barbin")):
    PHOTO_SOURCES[_name] = (MATE, f"usr/share/backgrounds/mate/nature/{_name}.jpg", "GPL-2+", _author)
for _name, _file, _licence, _author in (
        ("Bridge", "Bridge_by_Sander_Klootwijk", "CC-BY-SA-4.0", "Sander Klootwijk"),
        ("Dragonfly", "Dragonfly_by_Bolly", "CC-BY-SA-4.0", "Bolly"),
        ("Fig", "Picture_0B_by_freespace", "CC-BY-4.0", "Trevor \"Freespace\""),
        ("Brushes", "Picture_1A_by_freespace", "CC-BY-4.0", "Trevor \"Freespace\""),
        ("Wine", "Wine_by_Jakkub_Mede", "CC-BY-4.0", "Jakub Mede"),
        ("Aitzgorri", "aitzgorri_by_Aitzol_Berasategi", "CC-BY-4.0", "Aitzol Berasategi"),
        ("Bokeh", "analogpattern_by_Peter_Nerlich", "CC-BY-SA-4.0", "Peter Nerlich"),
        ("Bird", "free_by_Peter_Nerlich", "CC-BY-SA-4.0", "Peter Nerlich"),
        ("Dogs", "friends_by_Aitzol_Berasategi", "CC-BY-4.0", "Aitzol Berasategi"),
        ("Clock", "greentock_by_Peter_Nerlich", "CC-BY-SA-4.0", "Peter Nerlich"),
        ("Stream", "life_by_Aitzol_Berasategi", "CC-BY-4.0", "Aitzol Berasategi"),
        ("Picos", "picosdeeuropa_by_Aitzol_Berasategi", "CC-BY-4.0", "Aitzol Berasategi"),
        ("Dandelions", "seeding_by_Clements_Engelhardt", "CC0-1.0", "Clemens Engelhardt"),
        ("Sunset", "sunset_by_Aitzol_Berasategi", "CC-BY-4.0", "Aitzol Berasategi")):
    PHOTO_SOURCES[_name] = (LOMIRI, f"usr/share/backgrounds/{_file}.jpg", _licence, _author)
PHOTO_SOURCES["Kleiber"] = (LOMIRI_20, "usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg", "CC-BY-SA-3.0",
                            "Lukas Baubkus")
for _name, _author in (("BytheWater", "Maciej Wiklo"), ("ColdRipple", "Risto Saukonpää"),
                       ("ColorfulCups", "Dmitri Popov"), ("DarkestHour", "Risto Saukonpää"),
                       ("EveningGlow", "Ian Hex"), ("FallenLeaf", "Martin Klapetek"), ("Grey", "Sigi Sagi"),
                       ("Kite", "Risto Saukonpää"), ("OneStandsOut", "Risto Saukonpää"),
                       ("Path", "Risto Saukonpää"), ("summer_1am", "Risto Saukonpää")):
    PHOTO_SOURCES[_name] = (PLASMA, f"usr/share/wallpapers/{_name}/contents/images/2560x1600.jpg", "LGPL-3",
                            _author)
DEMO_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket")


def fetch_photos(names=DEMO_PHOTOS, cache: Path = ROOT / "build" / "demo-src") -> dict[str, Path]:
    """Paths of the named photos, extracted from their packages (a pip wheel or a Debian .deb,
    each downloaded once into ``cache``)."""
    paths = {name: cache / PHOTO_SOURCES[name][1] for name in names}
    for name, path in paths.items():
        if path.exists():
            continue
        package, member = PHOTO_SOURCES[name][:2]
        cache.mkdir(parents=True, exist_ok=True)
        if package in DEBIAN_PACKAGES:  # download the .deb and unpack it (no root needed)
            subprocess.run(["apt-get", "download", package], cwd=cache, check=True, capture_output=True)
            subprocess.run(["dpkg-deb", "-x", str(next(cache.glob(f"{package}_*.deb"))), str(cache)], check=True)
            continue
        project = package.split("==")[0].replace("-", "_")
        wheels = list(cache.glob(f"{project}-*.whl"))
        if not wheels:
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(cache),
                            package], check=True)
            wheels = list(cache.glob(f"{project}-*.whl"))
        with zipfile.ZipFile(wheels[0]) as zf:
            zf.extract(member, cache)
    return paths


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


def film_look(rgb: np.ndarray) -> np.ndarray:
    """A cinematic grade: darker mid-tones, teal shadows, orange highlights, more contrast (uint8 in/out).

    Stronger than golden_hour (20.8 dB between a photo and its graded self, against 24.1 dB),
    so the appearance change, not the content of the photos, is what the domains differ by.
    """
    x = rgb.astype(np.float32) / 255.0
    luma = (0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2])[..., None]
    y = (x**1.3 + (1 - luma) ** 2 * np.array([-0.12, 0.04, 0.16], np.float32)
         + luma**2 * np.array([0.16, 0.02, -0.16], np.float32))
    y = np.clip(y, 0, 1)
    y = 0.5 * y + 0.5 * (3 * y**2 - 2 * y**3)
    return (np.clip(y, 0, 1) * 255 + 0.5).astype(np.uint8)


def _luma(x: np.ndarray) -> np.ndarray:
    return (0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2])[..., None]


def faded_vintage(rgb: np.ndarray) -> np.ndarray:
    """Lifted blacks, dimmed whites, muted colour and a yellow-green cast in the highlights."""
    x = rgb.astype(np.float32) / 255.0
    luma = _luma(x)
    y = luma + 0.55 * (x - luma)  # muted colour
    y = 0.10 + 0.78 * y + luma**2 * np.array([0.04, 0.05, -0.06], np.float32)
    return (np.clip(y, 0, 1) * 255 + 0.5).astype(np.uint8)


def cool_muted(rgb: np.ndarray) -> np.ndarray:
    """A cold overcast look: half the saturation, blue shadows and mid-tones, slightly darker."""
    x = rgb.astype(np.float32) / 255.0
    luma = _luma(x)
    y = luma + 0.5 * (x - luma)
    y = y**1.1 + (1 - luma) * np.array([-0.05, 0.0, 0.07], np.float32)
    return (np.clip(y, 0, 1) * 255 + 0.5).astype(np.uint8)


def clarity(rgb: np.ndarray) -> np.ndarray:
    """Local contrast: each pixel pushed away from its neighbourhood's mean (an unsharp mask of radius
    about 2 % of the long side), no global change of colour or tone: colour transfer cannot do it."""
    from PIL import ImageFilter

    image = Image.fromarray(rgb)
    blurred = np.asarray(image.filter(ImageFilter.GaussianBlur(max(rgb.shape[:2]) * 0.02))).astype(np.float32)
    y = rgb.astype(np.float32) + 0.9 * (rgb.astype(np.float32) - blurred)
    return (np.clip(y, 0, 255) + 0.5).astype(np.uint8)


def bleach_bypass(rgb: np.ndarray) -> np.ndarray:
    """A bleach-bypass print: colour 40 % toward grey, hard contrast (a strong S-curve), cooler highlights.

    Added after the local-contrast start, as a look no recipe choice was made on."""
    x = rgb.astype(np.float32) / 255.0
    luma = _luma(x)
    y = luma + 0.6 * (x - luma)
    y = 0.25 * y + 0.75 * (3 * y**2 - 2 * y**3)
    y = y + luma**2 * np.array([-0.03, 0.0, 0.03], np.float32)
    return (np.clip(y, 0, 1) * 255 + 0.5).astype(np.uint8)


def cross_process(rgb: np.ndarray) -> np.ndarray:
    """Cross-processed slide film: 30 % more colour, then a hard red S-curve, lifted greens and a flattened
    blue channel (lifted blacks, dimmed whites: cyan shadows, yellow highlights).

    Added after the two-tone start, as a look no recipe choice was made on (not run, fitted or looked
    at before its sweep)."""
    x = rgb.astype(np.float32) / 255.0
    luma = _luma(x)
    y = np.clip(luma + 1.3 * (x - luma), 0, 1)
    r, g, b = y[..., 0], y[..., 1], y[..., 2]
    y = np.stack([0.4 * r + 0.6 * (3 * r**2 - 2 * r**3), g**0.85, 0.12 + 0.7 * b], -1)
    return (np.clip(y, 0, 1) * 255 + 0.5).astype(np.uint8)


def warm_orange(rgb: np.ndarray) -> np.ndarray:
    """A warm orange grade: white balance toward tungsten, orange strongest in the mid-tones, a little more
    colour (uint8 in/out).

    Added on 2026-12-05, written before any recipe ran on it, as the kind of look the issue's independent
    benchmark used ("a different warm grade": warm orange fur and skin), which no choice here was made on."""
    x = rgb.astype(np.float32) / 255.0
    luma = _luma(x)
    y = x * np.array([1.08, 1.0, 0.84], np.float32)
    y = y + 0.32 * luma * (1 - luma) * np.array([1.0, 0.3, -0.5], np.float32)
    shifted = _luma(y)
    y = shifted + 1.15 * (y - shifted)
    return (np.clip(y, 0, 1) * 255 + 0.5).astype(np.uint8)


def halation(rgb: np.ndarray) -> np.ndarray:
    """Film halation: light from the brightest parts spreads into their surroundings as a red-orange glow
    (luma above 0.6, blurred over about 1.5 % of the long side), added to the picture. Local and
    nonlinear: where the glow falls depends on where the highlights are, which no global colour map or
    detail gain follows; only a network can.

    Added on 2026-12-06, written before any recipe ran on it, to measure what Quick's network adds
    beyond its start on a look that needs one (no choice here was made on it)."""
    from PIL import ImageFilter

    x = rgb.astype(np.float32) / 255.0
    bright = np.clip((_luma(x)[..., 0] - 0.6) / 0.4, 0, 1)
    mask = Image.fromarray((bright * 255 + 0.5).astype(np.uint8))
    glow = np.asarray(mask.filter(ImageFilter.GaussianBlur(max(rgb.shape[:2]) * 0.015))).astype(np.float32) / 255.0
    y = x + 0.5 * glow[..., None] * np.array([1.0, 0.4, 0.1], np.float32)
    return (np.clip(y, 0, 1) * 255 + 0.5).astype(np.uint8)


@dataclass(frozen=True)
class Grade:
    apply: Callable[[np.ndarray], np.ndarray]  # uint8 HxWx3 in, uint8 out
    description: str
    tuned_on: bool  # recipes were tuned looking at this grade (clarity: since the local-contrast start); the others are held out


# The appearance changes of the quality benchmark, one line each (the functions above have the detail).
GRADES = {
    "film": Grade(film_look, "teal shadows, orange highlights, darker mid-tones, more contrast", True),
    "golden_hour": Grade(golden_hour, "warm golden light: per-channel curves and a gentle S-curve", True),
    "vintage": Grade(faded_vintage, "faded: lifted blacks, muted colour, yellow-green highlights", False),
    "cool": Grade(cool_muted, "cold and desaturated: half the colour, blue shadows", False),
    "clarity": Grade(clarity, "local contrast (unsharp mask, radius 2 % of the image): no global change", True),
    "bleach": Grade(bleach_bypass, "bleach bypass: 40 % less colour, hard contrast, cooler highlights", False),
    "cross": Grade(cross_process, "cross-processed: more colour, red S-curve, cyan shadows, yellow highlights", False),
    "warm": Grade(warm_orange, "warm orange: tungsten white balance, orange mid-tones, a little more colour", False),
    "halation": Grade(halation, "halation: a red-orange glow spreading from the highlights (local, nonlinear)", False),
}


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
