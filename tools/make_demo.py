"""Rebuild the embedded demo: photos, training data and the "golden hour" demo model.

    .venv/bin/python tools/make_demo.py            # images + data + train + export (~10 min on 2 CPU cores)
    .venv/bin/python tools/make_demo.py --images   # only resources/demo/images
    .venv/bin/python tools/make_demo.py --data     # the images and the training data, no training

Writes resources/demo/images/*.jpg (the four photos, 512 px), build/demo-data/{trainA,trainB}
(left halves of the photos as they are / right halves under the golden-hour grade, so the
two domains are unpaired), trains with the engine exactly as `cyclegan train` would with
DEMO_CONFIG, and exports the A->B generator in fp16 to resources/demo/golden-hour.pt.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.config import ModelConfig, TrainConfig  # noqa: E402
from tools.demo_data import ROOT, fetch_photos, golden_hour, load_rgb  # noqa: E402

DEMO = ROOT / "resources" / "demo"
DATA = ROOT / "build" / "demo-data"
RUN = ROOT / "build" / "demo-run"


def demo_config() -> TrainConfig:
    """The recipe of the shipped demo model (also printed as a `cyclegan train` command)."""
    return TrainConfig(
        data=str(DATA), out=str(RUN), name_a="photo", name_b="golden hour",
        model=ModelConfig(blocks=4, ngf=16, ndf=32, upsample="resize", residual=True),
        preprocess="crop", crop_size=96, batch_size=1, epochs=250, epochs_decay=250,
        lambda_identity=0.5, seed=0, workers=0, log_every=100, sample_every=1000, save_every=500,
        keep_every=0)


def write_images() -> None:
    out = DEMO / "images"
    out.mkdir(parents=True, exist_ok=True)
    for name, path in fetch_photos().items():
        load_rgb(path, 512).save(out / f"{name}.jpg", quality=90)
    print(f"wrote {len(list(out.glob('*.jpg')))} demo images to {out}")


def write_training_data() -> None:
    """Left halves as domain A, graded right halves as domain B, at two scales: the demo model's training
    data (PNG, in build/), and the same as JPEGs in resources/demo/dataset/ for the app's "Add the demo
    dataset" (a first start can train on something at once)."""
    shipped = DEMO / "dataset"
    for side in ("trainA", "trainB"):
        (DATA / side).mkdir(parents=True, exist_ok=True)
        (shipped / side).mkdir(parents=True, exist_ok=True)
    for name, path in fetch_photos().items():
        for long_side in (384, 256):
            image = np.asarray(load_rgb(path, long_side))
            half = image.shape[1] // 2
            stem = f"{name}-{long_side}"
            for side, part, named in (("trainA", image[:, :half], stem),
                                      ("trainB", golden_hour(image[:, half:]), f"{stem}-golden")):
                Image.fromarray(part).save(DATA / side / f"{stem}.png")
                # B named apart: the halves are not pairs, and same names would offer pix2pix on them
                Image.fromarray(part).save(shipped / side / f"{named}.jpg", quality=90)
    print(f"wrote training data to {DATA} and {shipped}")


def train_and_export() -> None:
    from engine.modelfile import export_model
    from engine.train import Trainer

    config = demo_config()
    shutil.rmtree(RUN, ignore_errors=True)  # a fresh run, so the result depends only on the recipe
    flags = (f"--data {DATA.relative_to(ROOT)} --out {RUN.relative_to(ROOT)} --preprocess crop --crop-size 96 "
             f"--blocks 4 --ngf 16 --ndf 32 --upsample resize --residual --epochs 250 --epochs-decay 250 --workers 0")
    print(f"training; the same as: cyclegan train {flags}")
    last = {}

    def on_event(event) -> None:
        if type(event).__name__ == "Progress" and event.logged:
            last.update(event.losses)
            print(f"  step {event.step}/{event.total_steps}  cycle_A {event.losses['cycle_A']:.3f}  "
                  f"G_A {event.losses['G_A']:.3f}  {event.images_per_s:.1f} img/s", flush=True)
        elif type(event).__name__ == "Failed":
            raise SystemExit(f"training failed: {event.message}")

    Trainer(config).run(on_event)
    target = export_model(RUN, "AtoB", DEMO / "golden-hour.pt", half=True, replace=True)
    print(f"exported {target} ({target.stat().st_size / 1e6:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", action="store_true", help="only write the demo images")
    parser.add_argument("--data", action="store_true", help="only write the images and the training data")
    args = parser.parse_args()
    write_images()
    if not args.images:
        write_training_data()
        if not args.data:
            train_and_export()


if __name__ == "__main__":
    main()
