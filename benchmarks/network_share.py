"""What does Quick's network add to its computed start, and is it a shift of each picture's colour or the rest?

    .venv/bin/python benchmarks/network_share.py build/quality/runs/quick-vintage-balanced-*

For each run folder of ``benchmarks/quality.py`` (a Quick run: a colour map and local contrast in front of a
residual network), its averaged generator A->B converts the run's test photos four ways, scored against the
truth as ``benchmarks/global_fits.py`` scores (PSNR / ΔE):

  start          the colour map and local contrast alone, as fitted before the first step
  trained        the whole generator
  shift only     the start plus the network's mean change of each picture (one offset per channel)
  without shift  the whole generator less that mean change

If the network's harm were a cast of the whole picture, "without shift" would keep its gains and lose the
harm; if its gains were all a global shift, "shift only" would.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from engine.config import ModelConfig  # noqa: E402
from engine.nets import make_generator  # noqa: E402
from engine.tiling import run_padded, size_rules  # noqa: E402
from global_fits import quality, score  # noqa: E402

WAYS = ("start", "trained", "shift only", "without shift")


def four_ways(net: torch.nn.Module) -> dict:
    def start(x):
        return net.detail(net.colour(x))

    def shift_only(x):
        base = start(x)
        return base + (net(x) - base).mean((2, 3), keepdim=True)

    def without_shift(x):
        base, out = start(x), net(x)
        return out - (out - base).mean((2, 3), keepdim=True)

    ways = {"start": start, "trained": net, "shift only": shift_only, "without shift": without_shift}
    rules = size_rules(net)  # sides the generator takes, as convert pads them
    return {name: functools.partial(run_padded, way, rules=rules) for name, way in ways.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", type=Path, help="run folders of benchmarks/quality.py (quick-GRADE-SPLIT-...)")
    args = p.parse_args()
    print("| run | " + " | ".join(f"{w} PSNR / ΔE" for w in WAYS) + " |")
    print("|---|" + "---|" * len(WAYS))
    torch.set_grad_enabled(False)
    for run in args.runs:
        config = json.loads((run / "config.json").read_text(encoding="utf-8"))
        net = make_generator(ModelConfig(**config["model"])).eval()
        state = torch.load(run / "checkpoints" / "latest.pt", map_location="cpu", weights_only=True)["nets"]
        net.load_state_dict(state.get("G_A_ema", state["G_A"]))
        if not (hasattr(net, "colour") and hasattr(net, "detail")):
            p.error(f"{run} is not a run of the Quick recipe (no colour map and local contrast)")
        cell = run.name.split("-", 1)[1].rsplit("-", 3)[0]  # quick-<grade>-<split>-<date>-<time>-<pid>
        scores = [score(way, quality.WORK / f"data-{cell}") for way in four_ways(net).values()]
        print(f"| {cell} seed {config['seed']} | " + " | ".join(f"{p:.2f} / {e:.2f}" for p, e in scores) + " |",
              flush=True)


if __name__ == "__main__":
    main()
