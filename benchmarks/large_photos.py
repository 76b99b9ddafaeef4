"""Does a model trained at the benchmark's small scale hold up on larger photos? Convert the test photos of a
split at several sizes with one trained run and score them against the look applied at that size.

    .venv/bin/python benchmarks/quality.py --recipe quick --grade clarity --split other   # trains build/quality/runs/quick-clarity-other-*
    .venv/bin/python benchmarks/large_photos.py --grade clarity --split other --sizes 256,512,1024

Quick trains on pictures scaled to a shorter side of 143 px (``load_size``); a user converts photos of
thousands of pixels. The look T is applied to each test photo at the size it is converted at, so the truth
is what the look does to a photo of that size (clarity's radius is 2 % of the image at every size).
Printed per size (long side, capped at the photo's own), mean PSNR / ΔE of:

  input        the untouched photo
  CT           colour transfer fitted on the unpaired train sets (the quality benchmark's baseline)
  model        the run's A-to-B generator on the whole photo (``cyclegan convert``'s default)
  pixel bands  the same with its local-contrast bands kept in pixels of the training scale (how models were
               converted before their files said the scale they trained at)
  work 256     converted at 256 px and scaled back up (``--work-size 256``)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import quality  # noqa: E402
from engine.convert import Translator  # noqa: E402
from engine.metrics import delta_e, psnr  # noqa: E402
from engine.modelfile import load_from_run  # noqa: E402
from tools.demo_data import GRADES, fetch_photos, load_rgb  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--grade", default="clarity", choices=sorted(GRADES))
    p.add_argument("--split", default="other", choices=["balanced", "other", "full"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--run", type=Path, help="a run folder (default: the newest Quick run of the grade and split)")
    p.add_argument("--sizes", default="256,512,1024", help="long sides to convert at, comma-separated")
    args = p.parse_args()
    run = args.run or quality.newest_run(args.grade, args.split, args.seed)
    root = quality.WORK / f"data-{args.grade}-{args.split}"
    transfer = quality.colour_transfer(root)
    photos = fetch_photos(quality.SPLITS[args.split]["testA"])
    look = GRADES[args.grade].apply
    model = Translator(load_from_run(run), "cpu")
    pixel_bands = Translator(load_from_run(run), "cpu")
    pixel_bands.train_short_side = None
    work = Translator(load_from_run(run), "cpu", work_size=256)
    print(f"{run.name}: {args.grade}, {args.split}; PSNR / ΔE against the look applied at each size")
    for long_side in (int(v) for v in args.sizes.split(",")):
        rows, sides = [], []
        for path in photos.values():
            image = load_rgb(path, long_side)
            sides.append(max(image.size))
            x = np.asarray(image)
            truth = look(x)
            batch = torch.from_numpy(x.copy()).permute(2, 0, 1)[None]
            outputs = [x, transfer(x)]
            outputs += [t(batch)[0].permute(1, 2, 0).numpy() for t in (model, pixel_bands, work)]
            rows.append([f(o, truth) for o in outputs for f in (psnr, delta_e)])
        m = np.mean(rows, 0)
        cells = "  ".join(f"{name} {m[2 * i]:.2f} / {m[2 * i + 1]:.2f}" for i, name in
                          enumerate(("input", "CT", "model", "pixel bands", "work 256")))
        print(f"long side {long_side} (photos' mean {np.mean(sides):.0f} px): {cells}", flush=True)


if __name__ == "__main__":
    main()
