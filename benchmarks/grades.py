"""Does a recipe learn *any* look, or only the one it was tuned on? Every grade, every seed, two photo splits.

    .venv/bin/python benchmarks/grades.py --record build/quality/grades.jsonl --jobs 2
    .venv/bin/python benchmarks/grades.py --record build/quality/grades.jsonl --table   # the table only

Runs ``benchmarks/quality.py`` once per (grade, split, seed) that ``--record`` does not hold yet
(so an interrupted sweep continues where it stopped), ``--jobs`` at a time with the CPU's
threads shared between them, and prints a Markdown table: per grade and split, the median over
seeds of PSNR, SSIM and mean CIEDE2000 against the ground truth, each seed's PSNR and ΔE, and
the untouched input and the global colour transfer beside them. Grades the recipes were tuned
on are marked; the others are held out.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.demo_data import GRADES  # noqa: E402


# the two content-balanced splits, the confounded one, then the first two again as 128 px crops (quality.py --crops)
SPLIT_ORDER = ("balanced", "other", "full", "balanced-crops", "other-crops")


def read(record: Path) -> list[dict]:
    if not record.exists():
        return []
    return [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines() if line.strip()]


def key(row: dict) -> tuple:
    return row["tag"], row["grade"], row["split"], row["seed"]


def by_seed(group: list[dict], metric: str) -> str:
    return ", ".join(f"{r[metric]:.2f}" for r in group)


def table(rows: list[dict], tag: str) -> str:
    """Markdown: one line per grade and split; a verdict against the bar the recipe must clear."""
    lines = ["| grade | split | identity PSNR / ΔE | colour transfer PSNR / SSIM / ΔE | recipe PSNR / SSIM / ΔE "
             "(median) | PSNR by seed | ΔE by seed | beats colour transfer | every seed beats input |",
             "|---|---|---|---|---|---|---|---|---|"]
    for grade, info in GRADES.items():
        for split in SPLIT_ORDER:
            group = sorted((r for r in rows if r["tag"] == tag and r["grade"] == grade and r["split"] == split),
                           key=lambda r: r["seed"])
            if not group:
                continue
            base = group[0]["baselines"]
            ident, transfer = base["identity"], base["colour transfer"]
            med = {m: statistics.median(r[m] for r in group) for m in ("psnr", "ssim", "delta_e")}
            beats = med["psnr"] > transfer["psnr"] and med["delta_e"] < transfer["delta_e"]
            safe = all(r["psnr"] > ident["psnr"] and r["delta_e"] < ident["delta_e"] for r in group)
            name = f"{grade}{' (tuned on)' if info.tuned_on else ' (held out)'}"
            lines.append(
                f"| {name} | {split} | {ident['psnr']:.2f} / {ident['delta_e']:.2f} | {transfer['psnr']:.2f} / "
                f"{transfer['ssim']:.3f} / {transfer['delta_e']:.2f} | **{med['psnr']:.2f}** / {med['ssim']:.3f} / "
                f"**{med['delta_e']:.2f}** | {by_seed(group, 'psnr')} | {by_seed(group, 'delta_e')} | "
                f"{'yes' if beats else '**no**'} | "
                f"{'yes' if safe else '**no**'} |")
    seconds = [r["s_per_step"] for r in rows if r["tag"] == tag]
    if seconds:
        lines.append(f"\n{len(seconds)} runs; median {statistics.median(seconds):.3f} s a step (with the other jobs "
                     "of the sweep sharing the CPU).")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--record", type=Path, default=ROOT / "build" / "quality" / "grades.jsonl")
    p.add_argument("--recipe", default="quick")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="passed on to quality.py")
    p.add_argument("--tag", default="", help="names this recipe's rows in the record (default: the recipe)")
    p.add_argument("--grades", default=",".join(GRADES), help="comma-separated")
    p.add_argument("--splits", default=",".join(SPLIT_ORDER), help="comma-separated")
    p.add_argument("--seeds", default="0,1,2", help="comma-separated")
    p.add_argument("--jobs", type=int, default=1, help="runs at a time (each gets cores / jobs threads)")
    p.add_argument("--strips", action="store_true",
                   help="save each grade's strip (seed 0, the first of --splits) to docs/")
    p.add_argument("--table", action="store_true", help="print the table of what is recorded and stop")
    args = p.parse_args()
    tag = args.tag or args.recipe
    args.record.parent.mkdir(parents=True, exist_ok=True)
    if not args.table:
        done = {key(r) for r in read(args.record)}
        todo = [(g, s, int(seed)) for g in args.grades.split(",") for s in args.splits.split(",")
                for seed in args.seeds.split(",") if (tag, g, s, int(seed)) not in done]
        threads = max(1, (os.cpu_count() or 1) // args.jobs)
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}

        def run(job: tuple[str, str, int]) -> None:
            grade, split, seed = job
            photos, crops = split.removesuffix("-crops"), split.endswith("-crops")
            command = [sys.executable, str(ROOT / "benchmarks" / "quality.py"), "--recipe", args.recipe,
                       "--grade", grade, "--split", photos, *(["--crops"] if crops else []), "--set", f"seed={seed}",
                       "--evals", "1",
                       "--minutes", "600", "--tag", tag, "--record", str(args.record)]
            command += [a for item in args.set for a in ("--set", item)]
            if args.strips and seed == 0 and split == args.splits.split(",")[0]:
                command += ["--strip", "--strip-name", f"{tag}-{grade}{'-crops' if crops else ''}"]
            out = subprocess.run(command, capture_output=True, text=True, env=env)
            final = [line for line in out.stdout.splitlines() if line.startswith("final:")]
            print(f"{grade:12s} {split:6s} seed {seed}: {final[0] if final else out.stderr[-800:]}", flush=True)

        with ThreadPoolExecutor(args.jobs) as pool:
            list(pool.map(run, todo))
    print(table(read(args.record), tag))


if __name__ == "__main__":
    main()
