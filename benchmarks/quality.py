"""Does a recipe really learn? Train it for a time budget on real photos, then score it.

    .venv/bin/python benchmarks/quality.py --recipe quick --minutes 20
    .venv/bin/python benchmarks/quality.py --recipe quick --set ngf=32 --set residual=false --minutes 10

Data (built in build/quality/, from photos that scikit-image, scikit-learn, matplotlib and
Debian's mate-backgrounds, lomiri-wallpapers and plasma-workspace-wallpapers redistribute; see
tools/demo_data.py): the task is an appearance change T (--grade: "film", teal shadows and
orange highlights, by default; or "golden_hour").
  trainA  20 photos as they are     (SPLITS["full"]; --split small: the first 7)
  trainB  20 other photos under T
  testA   5 held-out photos         chelsea, rocket, grace_hopper, Garden, YellowFlower; testA_truth = T(testA)
Split by source photo: no photo appears on two sides. --split balanced deals the same photos so that
both sides agree in mean lightness and colour; --split other deals them by name around 5 other test
photos (the two splits a recipe is judged on). "full" hands B the dusk and night scenes: kept as a
stress test of folders that differ in what they show. Each training photo is used at two
scales (long side 384 and 256) and seen through random crops.
With --paired (for pix2pix recipes) trainB holds T(trainA), file for file: the same 20 photos
as pairs, and the same test photos.

Printed: PSNR/SSIM of the model on the test set at several points of training time (the
curve), next to two baselines computed in the same run: identity (the untouched input) and a
global per-channel mean/std colour transfer fitted on the unpaired train sets.
A strip of input / output / ground truth is saved to docs/quality-<tag>.jpg with --strip.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.config import TrainConfig, from_dict, to_dict  # noqa: E402
from engine.convert import Translator  # noqa: E402
from engine.evaluate import evaluate  # noqa: E402
from engine.events import Failed, Progress  # noqa: E402
from engine.metrics import delta_e, psnr, ssim  # noqa: E402
from engine.modelfile import LoadedModel, build_metadata  # noqa: E402
from engine.presets import PRESETS, apply_preset  # noqa: E402
from engine.train import Trainer  # noqa: E402
from tools.demo_data import GRADES, fetch_photos, load_rgb  # noqa: E402

TEST = ("chelsea", "rocket", "grace_hopper", "Garden", "YellowFlower")
SPLITS = {
    # the first benchmark: 7 photos a side
    "small": {"trainA": ("astronaut", "china", "Aqua", "Dune", "GreenMeadow", "RainDrops", "Wood"),
              "trainB": ("coffee", "flower", "Blinds", "FreshFlower", "LadyBird", "Storm", "TwoWings"),
              "testA": TEST},
    # + 26 photos of the Lomiri and Plasma wallpaper packages, shared so that each side gets
    # landscapes, close-ups, objects and low-light scenes: 20 a side, the same test photos
    "full": {"trainA": ("astronaut", "china", "Aqua", "Dune", "GreenMeadow", "RainDrops", "Wood",
                        "Bridge", "Fig", "Wine", "Aitzgorri", "Bird", "Clock", "Dandelions", "Kleiber",
                        "BytheWater", "ColorfulCups", "FallenLeaf", "Kite", "Path"),
             "trainB": ("coffee", "flower", "Blinds", "FreshFlower", "LadyBird", "Storm", "TwoWings",
                        "Dragonfly", "Brushes", "Bokeh", "Dogs", "Stream", "Picos", "Sunset", "ColdRipple",
                        "DarkestHour", "EveningGlow", "Grey", "OneStandsOut", "summer_1am"),
             "testA": TEST},
    # the same 40 training photos and test photos as "full", dealt so that the two sides agree in what
    # the photos show: mean L*, chroma, a* and b* within 0.6 of each other (a seeded search over 200,000
    # deals). "full" hands B the dusk and night scenes: its B photos are 10 L* darker before any grade,
    # a difference of content that every unpaired method, colour transfer first, reads as part of the look
    "balanced": {"trainA": ("astronaut", "Blinds", "Bridge", "china", "coffee", "ColdRipple", "ColorfulCups",
                            "Dragonfly", "EveningGlow", "FallenLeaf", "Grey", "Kite", "OneStandsOut", "RainDrops",
                            "Stream", "summer_1am", "Sunset", "TwoWings", "Wine", "Wood"),
                 "trainB": ("Aitzgorri", "Aqua", "Bird", "Bokeh", "Brushes", "BytheWater", "Clock", "Dandelions",
                            "DarkestHour", "Dogs", "Dune", "Fig", "flower", "FreshFlower", "GreenMeadow", "Kleiber",
                            "LadyBird", "Path", "Picos", "Storm"),
                 "testA": TEST},
}

def _other_split() -> dict[str, tuple[str, ...]]:
    """The same 45 photos dealt differently: five other test photos, and the rest alternately to A and B
    in name order (so most photos change sides against "full")."""
    test = ("coffee", "astronaut", "Dune", "Sunset", "Kite")
    rest = sorted(set(sum(SPLITS["full"].values(), ())) - set(test), key=str.lower)
    return {"trainA": tuple(rest[0::2]), "trainB": tuple(rest[1::2]), "testA": test}


SPLITS["other"] = _other_split()
WORK = ROOT / "build" / "quality"


CROP = 128  # --crops: the size of each crop, and how many a side and for the test, as the issue's own benchmark had
CROPS_PER_PHOTO, TEST_CROPS = 10, 96


def crops_of(image: Image.Image, count: int, name: str) -> list[Image.Image]:
    """``count`` CROP px squares of ``image`` at places drawn from a generator seeded by the photo's name
    (the same crops on every build; they may overlap)."""
    rng = np.random.default_rng([ord(c) for c in name])
    w, h = image.size
    return [image.crop((left, top, left + CROP, top + CROP))
            for left, top in zip(rng.integers(0, w - CROP + 1, count), rng.integers(0, h - CROP + 1, count))]


def build_data(root: Path, grade, split: dict[str, tuple[str, ...]], paired: bool = False,
               crops: bool = False) -> None:
    """Write the split under ``root`` (built beside it, then renamed: runs may share it).

    ``paired``: trainB is T(trainA) under the same file names, the pairs pix2pix learns from.
    ``crops``: every picture is a CROP px crop of a photo at a long side of 384 px, CROPS_PER_PHOTO a training
    photo (200 a side) and TEST_CROPS of the test photos, the look applied to each crop: the regime of the
    independent benchmark that issue 20 reports (96 held-out 128 px crops, about 190 a side).
    """
    import shutil
    import tempfile

    if (root / "testA_truth").is_dir():
        return
    photos = fetch_photos(sum(split.values(), ()))
    final, root = root, Path(tempfile.mkdtemp(dir=root.parent, prefix=".building-"))
    for side in ("trainA", "trainB", "testA", "testA_truth"):
        (root / side).mkdir(parents=True, exist_ok=True)
    (_write_crops if crops else _write_photos)(root, grade, split, photos, paired)
    try:
        root.rename(final)
    except OSError:  # another run built it first
        shutil.rmtree(root)


def _write_photos(root: Path, grade, split: dict[str, tuple[str, ...]], photos: dict, paired: bool) -> None:
    for name in split["trainA"]:
        for size in (384, 256):
            load_rgb(photos[name], size).save(root / "trainA" / f"{name}-{size}.png")
    for name in split["trainA" if paired else "trainB"]:
        for size in (384, 256):
            Image.fromarray(grade(np.asarray(load_rgb(photos[name], size)))).save(
                root / "trainB" / f"{name}-{size}.png")
    for name in split["testA"]:
        image = load_rgb(photos[name], 256)
        image.save(root / "testA" / f"{name}.png")
        Image.fromarray(grade(np.asarray(image))).save(root / "testA_truth" / f"{name}.png")


def _write_crops(root: Path, grade, split: dict[str, tuple[str, ...]], photos: dict, paired: bool) -> None:
    if paired:
        raise SystemExit("--crops is for unpaired folders")
    test_counts = [len(part) for part in np.array_split(np.arange(TEST_CROPS), len(split["testA"]))]
    for side, counts in (("trainA", [CROPS_PER_PHOTO] * len(split["trainA"])),
                         ("trainB", [CROPS_PER_PHOTO] * len(split["trainB"])), ("testA", test_counts)):
        for name, count in zip(split[side], counts):
            for i, crop in enumerate(crops_of(load_rgb(photos[name], 384), count, name)):
                graded = Image.fromarray(grade(np.asarray(crop)))
                (graded if side == "trainB" else crop).save(root / side / f"{name}-{i}.png")
                if side == "testA":
                    graded.save(root / "testA_truth" / f"{name}-{i}.png")


def pixels(folder: Path) -> np.ndarray:
    return np.concatenate([np.asarray(Image.open(p).convert("RGB")).reshape(-1, 3)
                           for p in sorted(folder.glob("*.png"))]).astype(np.float64)


def colour_transfer(root: Path):
    """The baseline: a global per-channel mean/std colour transfer fitted on the unpaired train sets (every
    pixel at its stored size), as a function of uint8 HxWx3 pictures."""
    a, b = pixels(root / "trainA"), pixels(root / "trainB")
    scale = b.std(0) / a.std(0)
    shift = b.mean(0) - a.mean(0) * scale
    return lambda x: np.clip(x * scale + shift, 0, 255).round().astype(np.uint8)


def baselines(root: Path) -> dict[str, tuple[float, float, float]]:
    """Mean (PSNR, SSIM, ΔE) of the untouched input ("identity") and of :func:`colour_transfer`."""
    transfer = colour_transfer(root)
    scores: dict[str, list[tuple[float, float, float]]] = {"identity": [], "colour transfer": []}
    for path in sorted((root / "testA").glob("*.png")):
        x = np.asarray(Image.open(path).convert("RGB"))
        transferred = transfer(x)
        truth = np.asarray(Image.open(root / "testA_truth" / path.name).convert("RGB"))
        for name, output in (("identity", x), ("colour transfer", transferred)):
            scores[name].append((psnr(output, truth), ssim(output, truth), delta_e(output, truth)))
    return {name: tuple(float(v) for v in np.mean(rows, axis=0)) for name, rows in scores.items()}


def recipe_config(name: str, overrides: list[str], root: Path, out: Path) -> TrainConfig:
    values = apply_preset(to_dict(TrainConfig()), name)
    for item in overrides:
        key, raw = item.split("=", 1)
        target = values["model"] if key in values["model"] else values
        if key not in target:
            raise SystemExit(f"unknown setting {key!r}")
        target[key] = raw if isinstance(target[key], str) else json.loads(raw.lower())
    values.update(data=str(root), out=str(out), workers=0, sample_every=0, save_every=10**9, keep_every=0,
                  log_every=50, max_steps=0)
    return from_dict(TrainConfig, values)


def snapshot(trainer: Trainer) -> Translator:
    name = trainer.model.export_name(trainer.config, "AtoB")
    generator = copy.deepcopy(trainer.model.generator(name)).float().eval()
    return Translator(LoadedModel(generator, build_metadata(trainer.config, "AtoB", trainer.step)), "cpu")


def save_strip(translator: Translator, root: Path, path: Path) -> None:
    import torch

    rows = []
    tests = sorted((root / "testA").glob("*.png"))
    for src in tests[::max(1, len(tests) // 8)][:8]:  # a strip of at most eight (--crops has 96)
        x = np.array(Image.open(src).convert("RGB"))
        y = translator(torch.from_numpy(x).permute(2, 0, 1)[None])[0].permute(1, 2, 0).numpy()
        truth = np.asarray(Image.open(root / "testA_truth" / src.name).convert("RGB"))
        h = 192
        rows.append(np.concatenate([np.asarray(Image.fromarray(a).resize((round(a.shape[1] * h / a.shape[0]), h)))
                                    for a in (x, y, truth)], 1))
    width = max(r.shape[1] for r in rows)
    strip = np.concatenate([np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=255)
                            for r in rows])
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(strip).save(path, quality=92)  # JPEG: ~0.2 MB a strip, not 1 MB


def scores(score) -> tuple[float, float, float]:
    return score.mean("psnr"), score.mean("ssim"), score.mean("delta_e")


def describe(score) -> str:
    return f"PSNR {score.mean('psnr'):6.2f} dB  SSIM {score.mean('ssim'):.4f}  ΔE {score.mean('delta_e'):5.2f}"


def cell_of(run: Path) -> str:
    """A run folder's look and split: quick-<grade>-<split>-<date>-<time>-<pid> -> <grade>-<split>."""
    return run.name.split("-", 1)[1].rsplit("-", 3)[0]


def newest_run(grade: str, split: str, seed: int) -> Path:
    """The newest finished run of ``grade`` and ``split`` (a split's name with -crops for its crops) with ``seed``
    and the Quick preset's settings, none overridden. The cell is matched whole: "balanced" also globbed
    "balanced-crops", whose runs sort first."""
    preset = PRESETS["quick"]
    for run in sorted((WORK / "runs").glob(f"quick-{grade}-{split}-*"), reverse=True):
        if cell_of(run) != f"{grade}-{split}" or not (run / "checkpoints" / "latest.pt").exists():
            continue
        config = json.loads((run / "config.json").read_text())
        if config.get("seed") == seed and all(config.get(k) == v for k, v in preset.train.items()) and all(
                config["model"].get(k) == v for k, v in preset.model.items()):
            return run
    raise SystemExit(f"no finished Quick run of {grade} on {split} with seed {seed}: train one with "
                     f"benchmarks/quality.py --recipe quick --grade {grade} --split {split} --set seed={seed}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--recipe", default="quick", choices=sorted(PRESETS))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a TrainConfig/ModelConfig field of the recipe (repeatable)")
    p.add_argument("--grade", default="film", choices=sorted(GRADES), help="the appearance change T: "
                   + "; ".join(f"{k}: {g.description}" for k, g in GRADES.items()).replace("%", "%%"))
    p.add_argument("--split", default="full", choices=sorted(SPLITS),
                   help="photos per side: full (20; B holds the darker scenes), balanced (the same photos dealt so "
                        "that both sides show alike), other (dealt by name, 5 other test photos) or small (7, "
                        "the first benchmark's)")
    p.add_argument("--minutes", type=float, default=20.0, help="training-time budget (evaluation excluded)")
    p.add_argument("--evals", type=int, default=6, help="evaluations spread over the budget")
    p.add_argument("--eval-steps", default="", metavar="N,N,...",
                   help="evaluate at these steps instead, and stop after the last (for runs that share the CPU, "
                        "whose minutes do not compare)")
    p.add_argument("--paired", action="store_true", help="trainB = T(trainA), file for file (for pix2pix recipes)")
    p.add_argument("--crops", action="store_true",
                   help=f"every picture a {CROP} px crop ({CROPS_PER_PHOTO} a training photo, {TEST_CROPS} test "
                        "crops), as the independent benchmark of issue 20")
    p.add_argument("--strip", action="store_true", help="save input/output/truth strips to docs/")
    p.add_argument("--strip-name", default="", help="file name of the strip: docs/quality-NAME.jpg (default: the tag)")
    p.add_argument("--tag", default="", help="name for the strip and the run folder")
    p.add_argument("--record", default="", metavar="FILE",
                   help="append the final scores, the baselines and the settings to FILE as one JSON line")
    args = p.parse_args()

    split_name = f"{args.split}{'-crops' if args.crops else ''}"
    root = WORK / f"data-{args.grade}-{split_name}{'-paired' if args.paired else ''}"
    root.parent.mkdir(parents=True, exist_ok=True)
    build_data(root, GRADES[args.grade].apply, SPLITS[args.split], args.paired, args.crops)
    if PRESETS[args.recipe].method == "pix2pix" and not args.paired:
        raise SystemExit(f"{args.recipe} trains on pairs: add --paired")
    tag = args.tag or args.recipe
    out = WORK / "runs" / f"{tag}-{args.grade}-{split_name}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    config = recipe_config(args.recipe, args.set, root, out)
    base = baselines(root)
    ct_psnr = base["colour transfer"][0]
    m = config.model
    print(f"grade {args.grade}, split {args.split}{' (paired)' if args.paired else ''}; recipe {tag} ({config.method}, "
          f"{m.generator}): crop {config.crop_size} ({config.preprocess}), {m.blocks} blocks, ngf {m.ngf}, "
          f"ndf {m.ndf}, D layers {m.d_layers}, upsample {m.upsample}, residual {m.residual}, lr {config.lr}, identity "
          f"{config.lambda_identity}, ema {config.ema}, batch {config.batch_size}, "
          f"{f'{config.steps} steps' if config.steps else f'epochs {config.epochs}+{config.epochs_decay}'}; "
          f"budget {args.minutes} min")
    for name, (value_psnr, value_ssim, value_de) in base.items():
        print(f"baseline {name:15s} PSNR {value_psnr:6.2f} dB  SSIM {value_ssim:.4f}  ΔE {value_de:5.2f}")

    trainer = Trainer(config)
    print(f"speed path: {trainer.speed.describe()}")
    budget = args.minutes * 60
    step_marks = sorted(int(v) for v in args.eval_steps.split(",") if v.strip())
    marks = step_marks or [budget * (i + 1) / args.evals for i in range(args.evals)]
    state = {"train_s": 0.0, "last": time.perf_counter(), "curve": []}

    def on_event(event) -> None:
        if isinstance(event, Failed):
            raise SystemExit(f"training failed: {event.reason}")
        if not isinstance(event, Progress):
            return
        now = time.perf_counter()
        state["train_s"] += now - state["last"]
        if marks and (event.step if step_marks else state["train_s"]) >= marks[0]:
            marks.pop(0)
            score = evaluate(snapshot(trainer), root / "testA", root / "testA_truth")
            state["curve"].append((state["train_s"], event.step, *scores(score)))
            print(f"  {state['train_s'] / 60:5.1f} min  step {event.step:6d}  {describe(score)}", flush=True)
            if not marks:
                control.stop()
        state["last"] = time.perf_counter()  # evaluation time is not training time

    from engine.events import Control

    control = Control()
    trainer.run(on_event, control)
    if marks:  # the recipe's steps ended inside the budget: score the finished model too
        score = evaluate(snapshot(trainer), root / "testA", root / "testA_truth")
        state["curve"].append((state["train_s"], trainer.step, *scores(score)))
        print(f"  {state['train_s'] / 60:5.1f} min  step {trainer.step:6d}  {describe(score)}  (recipe finished)",
              flush=True)
    final_psnr, final_ssim, final_de = state["curve"][-1][2:] if state["curve"] else (float("nan"),) * 3
    verdict = "beats" if final_psnr > ct_psnr and final_de < base["colour transfer"][2] else "does NOT beat"
    print(f"final: PSNR {final_psnr:.2f} dB, SSIM {final_ssim:.4f}, ΔE {final_de:.2f} after "
          f"{state['train_s'] / 60:.1f} min, step {trainer.step}; {verdict} the colour-transfer baseline "
          f"({ct_psnr:.2f} dB, ΔE {base['colour transfer'][2]:.2f})")
    if args.record:
        row = {"recipe": args.recipe, "tag": tag, "set": args.set, "grade": args.grade, "split": split_name,
               "seed": config.seed, "paired": args.paired, "step": trainer.step, "train_s": state["train_s"],
               "s_per_step": state["train_s"] / max(trainer.step, 1), "psnr": final_psnr, "ssim": final_ssim,
               "delta_e": final_de, "curve": state["curve"],
               "baselines": {k: dict(zip(("psnr", "ssim", "delta_e"), v)) for k, v in base.items()}}
        with open(args.record, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
    if args.strip:
        strip = ROOT / "docs" / f"quality-{args.strip_name or tag}.jpg"
        save_strip(snapshot(trainer), root, strip)
        print(f"strip: {strip}")


if __name__ == "__main__":
    main()
