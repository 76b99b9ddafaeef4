"""How much of a trained model's change should a conversion apply? A quality run's test photos converted at several
strengths (``cyclegan convert --strength``, Strength on the Convert page), each scored against the truth.

    .venv/bin/python benchmarks/strength.py                # every look and split, the sweeps' seed-0 runs
    .venv/bin/python benchmarks/strength.py build/quality/runs/quick-halation-balanced-* --strengths 0.25,0.5,1

For each run folder of ``benchmarks/quality.py`` (by default the newest Quick run of each look and split with
``--seed``), its generator A->B as ``cyclegan convert`` loads it (the newest
checkpoint's averaged weights) converts the run's test photos at each strength; PSNR / ΔE are means over the
photos, as quality.py scores them. The best strength is found here with the truth in hand: a user judges it by eye
on the preview, so this says what dialling can give, not what a user will pick.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import quality  # noqa: E402
from engine.convert import Translator  # noqa: E402
from engine.metrics import delta_e, psnr  # noqa: E402
from engine.modelfile import load_from_run  # noqa: E402
from tools.demo_data import GRADES  # noqa: E402


def scores(translator: Translator, root: Path) -> tuple[float, float]:
    rows = []
    for path in sorted((root / "testA").glob("*.png")):
        x = torch.from_numpy(np.asarray(Image.open(path).convert("RGB")).copy()).permute(2, 0, 1)[None]
        out = translator(x)[0].permute(1, 2, 0).numpy()
        truth = np.asarray(Image.open(root / "testA_truth" / path.name).convert("RGB"))
        rows.append((psnr(out, truth), delta_e(out, truth)))
    return tuple(float(v) for v in np.mean(rows, 0))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="*", type=Path, help="run folders of benchmarks/quality.py (default: the newest "
                                                       "Quick run of each of --grades and --splits)")
    p.add_argument("--grades", default=",".join(GRADES), help="comma-separated")
    p.add_argument("--splits", default="balanced,other,balanced-crops,other-crops", help="comma-separated")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--strengths", default="0,0.25,0.5,0.75,1,1.25", help="comma-separated; 0 is the input itself")
    args = p.parse_args()
    strengths = [float(s) for s in args.strengths.split(",")]
    runs = args.runs or [quality.newest_run(grade, split, args.seed) for split in args.splits.split(",")
                         for grade in args.grades.split(",")]
    print("| run | " + " | ".join(f"{s:g} PSNR / ΔE" for s in strengths) + " | best PSNR at |")
    print("|---|" + "---|" * (len(strengths) + 1))
    for run in runs:
        model, root = load_from_run(run), quality.WORK / f"data-{quality.cell_of(run)}"
        row = [scores(Translator(model, "cpu", strength=strength), root) for strength in strengths]
        best = strengths[int(np.argmax([r[0] for r in row]))]
        seed = json.loads((run / "config.json").read_text(encoding="utf-8"))["seed"]
        print(f"| {quality.cell_of(run)} seed {seed} | " + " | ".join(f"{a:.2f} / {b:.2f}" for a, b in row)
              + f" | {best:g} |", flush=True)


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    main()
