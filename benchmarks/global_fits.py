"""How far can a global colour map fitted on the two folders go, before any training? Every look, every split.

    .venv/bin/python benchmarks/global_fits.py
    .venv/bin/python benchmarks/global_fits.py --splits balanced-crops,other-crops --grades warm,film

First, what each side's photos show before any look (mean L*, chroma, a*, b*). Then no network is
trained: each map is fitted on the unpaired train sets of the quality benchmark
(benchmarks/quality.py builds them), read as Quick reads them (whole pictures, shorter side 143 px,
engine.starts.gather), and applied to the test photos. PSNR / ΔE against the truth:

  identity      the untouched input
  per-channel   mean/std per channel (the "colour transfer" baseline of quality.py)
  linear        mean and covariance (the closed-form optimal transport between two Gaussians)
  one map       means and per-channel spreads, plus the linear map's channel mixing as far as
                resampling the photos does not explain it (engine.nets.fit_colour): Quick's colour map
                before the two-tone start
  halfway       the linear map's change halved (M = (I + M_fit) / 2): a diagnostic of how
                much of the fitted change is look and how much is the folders' content
  histogram     per-channel quantile matching (33 knots), on top of nothing
  linear in YCbCr  the linear fit computed in luma/chroma coordinates (the fit is not invariant to them)
  shrunk        the linear fit's change cut by how much of it resampling the photos explains (James-Stein)
  two tones     one map, then its shadows and highlights parted (engine.nets.fit_tones): Quick's
                colour map since the two-tone start
  + local contrast  Quick's whole start: its two-tone colour map, then its local-contrast gains
                (engine.nets.fit_local_contrast)

A map that a two-folder fit gets wrong, the refinement that follows starts from wrong.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import quality  # noqa: E402
from engine.data import UnpairedDataset  # noqa: E402
from engine.metrics import delta_e, psnr, srgb_to_lab  # noqa: E402
from engine.nets import GlobalColour, LocalContrast, TwoToneColour, fit_colour  # noqa: E402
from engine.presets import PRESETS  # noqa: E402
from engine.starts import PICTURES_READ, fit_start, gather  # noqa: E402
from tools.demo_data import GRADES, fetch_photos, load_rgb  # noqa: E402

KNOTS = 33


def quantile_curves(source: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """(C, KNOTS) output levels at evenly spaced input levels in [-1, 1]: source's quantiles onto target's."""
    p = torch.linspace(0, 1, 257, dtype=torch.float64)
    levels = np.linspace(-1, 1, KNOTS)
    curves = []
    for c in range(source.shape[1]):
        qs = torch.quantile(source[:, c].double(), p).numpy() + np.arange(257) * 1e-9  # strictly increasing
        curves.append(np.interp(levels, qs, torch.quantile(target[:, c].double(), p).numpy()))
    return torch.from_numpy(np.stack(curves)).float()


def apply_curves(curves: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """x (1, C, H, W) in [-1, 1] through per-channel piecewise-linear curves."""
    t = (x + 1) / 2 * (KNOTS - 1)
    i = t.floor().clamp(0, KNOTS - 2).long()
    f = t - i
    out = [curves[c][i[:, c]] * (1 - f[:, c]) + curves[c][i[:, c] + 1] * f[:, c] for c in range(x.shape[1])]
    return torch.stack(out, 1)


def score(apply, root: Path) -> tuple[float, float]:
    rows = []
    for path in sorted((root / "testA").glob("*.png")):
        x = np.asarray(Image.open(path).convert("RGB"))
        truth = np.asarray(Image.open(root / "testA_truth" / path.name).convert("RGB"))
        with torch.no_grad():
            y = apply(torch.from_numpy(x.copy()).permute(2, 0, 1)[None].float() / 127.5 - 1)
        out = ((y[0].permute(1, 2, 0).numpy() + 1) * 127.5).round().clip(0, 255).astype(np.uint8)
        rows.append((psnr(out, truth), delta_e(out, truth)))
    return tuple(float(v) for v in np.mean(rows, 0))


YCBCR = torch.tensor([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]])


def fit_in_space(space: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> GlobalColour:
    """The linear fit computed in the coordinates y = space @ x (a linear colour space), as a map on RGB."""
    inner = GlobalColour(3)
    fit_colour(inner, a @ space.T, b @ space.T)
    inverse = torch.linalg.inv(space)
    colour = GlobalColour(3)
    with torch.no_grad():
        colour.weight.copy_(inverse @ inner.weight @ space)
        colour.bias.copy_(inverse @ inner.bias)
    return colour


def shrunk_fit(a_images: list[torch.Tensor], b_images: list[torch.Tensor], resamples: int = 64) -> GlobalColour:
    """The linear fit's change (M - I and the mean shift, 12 numbers) scaled toward no change by the
    positive-part James-Stein factor max(0, 1 - var / |change|^2), the variance from refitting on photos
    resampled with replacement: a fit keeps only as much change as the choice of photos does not explain."""
    def change(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        colour = GlobalColour(3)
        fit_colour(colour, a, b)
        return torch.cat([(colour.weight - torch.eye(3)).flatten(), b.mean(0) - a.mean(0)]).double()

    rng = np.random.default_rng(0)
    a, b = torch.cat(a_images), torch.cat(b_images)
    full = change(a, b)
    spread = torch.stack([change(torch.cat([a_images[i] for i in rng.integers(0, len(a_images), len(a_images))]),
                                 torch.cat([b_images[i] for i in rng.integers(0, len(b_images), len(b_images))]))
                          for _ in range(resamples)]).var(0)
    kept = max(0.0, 1 - float(spread.sum() / (full ** 2).sum())) * full
    colour = GlobalColour(3)
    with torch.no_grad():
        colour.weight.copy_(torch.eye(3) + kept[:9].reshape(3, 3).float())
        colour.bias.copy_(a.mean(0) + kept[9:].float() - colour.weight @ a.mean(0))  # about A's mean colour
    return colour


def quick_start(stats, detail: bool = True) -> torch.nn.Module:
    """Quick's start A to B: its two-tone colour map, then (with ``detail``) its local-contrast gains
    (engine.starts.fit_start)."""
    net = torch.nn.Module()
    net.colour = TwoToneColour(3)
    if detail:
        net.detail = LocalContrast()
    fit_start(net, stats["A"], stats["B"])
    return torch.nn.Sequential(net.colour, net.detail) if detail else net.colour


def side_statistics(splits) -> None:
    """What the photos of each side show before any look: mean CIELAB L*, chroma, a*, b* (test photos at 256 px,
    as the benchmark uses them). Folders that differ here differ in content, which no unpaired fit can tell
    from a look."""
    if not splits:
        return
    print("| split | side | L* | chroma | a* | b* |\n|---|---|---|---|---|---|")
    for split in splits:
        names = quality.SPLITS[split]
        photos = fetch_photos(sum(names.values(), ()))
        for side in ("trainA", "trainB", "testA"):
            lab = [srgb_to_lab(np.asarray(load_rgb(photos[n], 256))).reshape(-1, 3) for n in names[side]]
            means = np.mean([(x[:, 0].mean(), np.hypot(x[:, 1], x[:, 2]).mean(), x[:, 1].mean(), x[:, 2].mean())
                             for x in lab], 0)
            print(f"| {split} | {side} | " + " | ".join(f"{v:.1f}" for v in means) + " |")
    print()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--splits", default="balanced,other,full",
                   help="comma-separated; a split's name with -crops reads its crops (quality.py --crops)")
    p.add_argument("--grades", default=",".join(GRADES), help="comma-separated looks")
    args = p.parse_args()
    splits, grades = args.splits.split(","), args.grades.split(",")
    for split in splits:
        if split.removesuffix("-crops") not in quality.SPLITS:
            p.error(f"unknown split {split!r}: one of {', '.join(quality.SPLITS)}")
    for grade in grades:
        if grade not in GRADES:
            p.error(f"unknown look {grade!r}: one of {', '.join(GRADES)}")
    side_statistics([s for s in splits if not s.endswith("-crops")])
    names = ("identity", "per-channel", "linear", "one map", "halfway", "histogram", "linear in YCbCr",
             "shrunk", "two tones", "+ local contrast")
    print("| look | split | " + " | ".join(f"{n} PSNR / ΔE" for n in names) + " |")
    print("|---|---|" + "---|" * len(names))
    for grade in grades:
        for split in splits:
            photos, crops = split.removesuffix("-crops"), split.endswith("-crops")
            root = quality.WORK / f"data-{grade}-{split}"
            quality.build_data(root, GRADES[grade].apply, quality.SPLITS[photos], crops=crops)
            data = UnpairedDataset(sorted((root / "trainA").glob("*.png")), sorted((root / "trainB").glob("*.png")),
                                   None)
            scale = PRESETS["quick"].train["load_size"]
            stats = gather(data, scale, detail=True)  # as Quick reads the folders
            pixels = {side: [p.flatten(1).T for p in data.whole_pictures(side, scale, PICTURES_READ)]
                      for side in ("A", "B")}  # the pictures the start read, so every column fits the same ones
            a, b = torch.cat(pixels["A"]), torch.cat(pixels["B"])
            linear, halfway, per_channel, quick = GlobalColour(3), GlobalColour(3), GlobalColour(3), GlobalColour(3)
            fit_colour(linear, a, b)  # all the pixels at once: the covariance map, every mixing kept
            fit_colour(quick, pixels["A"], pixels["B"])  # picture by picture: mixing kept as far as it is sure
            with torch.no_grad():
                halfway.weight.copy_((torch.eye(3) + linear.weight) / 2)
                halfway.bias.copy_(linear.bias / 2)
                scale = b.std(0) / a.std(0)
                per_channel.weight.copy_(torch.diag(scale))
                per_channel.bias.copy_(b.mean(0) - a.mean(0) * scale)
            curves = quantile_curves(a, b)
            maps = {"identity": lambda x: x, "per-channel": per_channel, "linear": linear, "one map": quick,
                    "halfway": halfway,
                    "histogram": lambda x: apply_curves(curves, x), "linear in YCbCr": fit_in_space(YCBCR, a, b),
                    "shrunk": shrunk_fit(pixels["A"], pixels["B"]), "two tones": quick_start(stats, detail=False),
                    "+ local contrast": quick_start(stats)}
            cells = [score(maps[n], root) for n in names]
            print(f"| {grade} | {split} | " + " | ".join(f"{p:.2f} / {e:.2f}" for p, e in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
