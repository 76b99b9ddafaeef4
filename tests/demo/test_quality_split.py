"""The quality benchmark's photo split: by source photo, every photo with a known licence."""

import pytest

from benchmarks.quality import SPLITS
from tools.demo_data import PHOTO_SOURCES


@pytest.mark.parametrize("name", sorted(SPLITS))
def test_no_photo_is_on_two_sides(name):
    sides = SPLITS[name]
    photos = [photo for side in sides.values() for photo in side]
    assert len(photos) == len(set(photos)), "a photo appears twice"
    assert set(sides) == {"trainA", "trainB", "testA"}


def test_every_photo_has_a_source_licence_and_author():
    for photo in {p for split in SPLITS.values() for side in split.values() for p in side}:
        package, member, licence, author = PHOTO_SOURCES[photo]
        assert package and member and licence and author, photo


def test_full_split_keeps_the_small_splits_test_photos():
    """So that scores on the two splits are comparable."""
    assert SPLITS["full"]["testA"] == SPLITS["small"]["testA"]
    assert set(SPLITS["small"]["trainA"]) <= set(SPLITS["full"]["trainA"])
    assert set(SPLITS["small"]["trainB"]) <= set(SPLITS["full"]["trainB"])


def test_balanced_split_deals_the_full_splits_photos_again():
    """The balanced split changes only which side a training photo is on, so its scores compare with full's."""
    full, balanced = SPLITS["full"], SPLITS["balanced"]
    assert balanced["testA"] == full["testA"]
    assert set(balanced["trainA"]) | set(balanced["trainB"]) == set(full["trainA"]) | set(full["trainB"])
    assert len(balanced["trainA"]) == len(balanced["trainB"]) == 20


@pytest.mark.parametrize("script", [pytest.param("quality.py", marks=pytest.mark.slow), "grades.py"])  # 5 s: in
def test_the_benchmarks_print_their_help(script):  # make test-slow, for make test's ten minutes
    """Look descriptions hold '%' ('40 % less colour'), which argparse read as a format and crashed --help on."""
    import subprocess
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / script
    done = subprocess.run([sys.executable, str(path), "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    assert "usage" in done.stdout


def test_the_newest_run_of_a_split_is_not_one_of_its_crops(tmp_path, monkeypatch):
    """"balanced" globbed "balanced-crops" too, whose runs sort first: large_photos.py took a model trained on crops
    for the photos' one."""
    import json

    from benchmarks import quality
    from engine.config import TrainConfig, to_dict
    from engine.presets import apply_preset

    monkeypatch.setattr(quality, "WORK", tmp_path)
    config = json.dumps(apply_preset({**to_dict(TrainConfig()), "seed": 0}, "quick"))
    for name in ("quick-warm-balanced-20261205-230000-1", "quick-warm-balanced-crops-20261206-050000-2"):
        (tmp_path / "runs" / name / "checkpoints").mkdir(parents=True)
        (tmp_path / "runs" / name / "checkpoints" / "latest.pt").write_bytes(b"")
        (tmp_path / "runs" / name / "config.json").write_text(config)
    assert quality.newest_run("warm", "balanced", 0).name == "quick-warm-balanced-20261205-230000-1"
    assert quality.newest_run("warm", "balanced-crops", 0).name == "quick-warm-balanced-crops-20261206-050000-2"
    with pytest.raises(SystemExit):
        quality.newest_run("warm", "balanced", 1)
