"""PSNR/SSIM and the Evaluate action (engine and CLI) on real paired images."""

import json

import numpy as np
import pytest
from PIL import Image

from engine.data import find_pairs
from engine.evaluate import evaluate, paired_test_folders
from engine.metrics import psnr, ssim
from tests.cli.test_cli_train import cyclegan
from tests.conftest import write_graded_pairs, write_images


def test_metrics_behave_like_psnr_and_ssim():
    rng = np.random.default_rng(0)
    image = (np.linspace(0, 255, 64 * 80 * 3).reshape(64, 80, 3) + rng.normal(0, 8, (64, 80, 3))).clip(0, 255)
    image = image.astype(np.uint8)
    assert ssim(image, image) == pytest.approx(1.0)
    noisy = [np.clip(image + rng.normal(0, s, image.shape), 0, 255).astype(np.uint8) for s in (2, 8, 32)]
    scores = [ssim(n, image) for n in noisy]
    assert scores[0] > scores[1] > scores[2] > 0
    # PSNR of a uniform error of 1 level is 20 log10(255) = 48.13 dB
    assert psnr(np.full((8, 8), 101, np.uint8), np.full((8, 8), 100, np.uint8)) == pytest.approx(48.13, abs=0.01)
    assert ssim(255 - image, image) < 0  # inverted structure correlates negatively
    with pytest.raises(ValueError):
        ssim(image[:5, :5], image[:5, :5])


@pytest.fixture
def graded(tmp_path):
    return write_graded_pairs(tmp_path)


def test_evaluate_scores_the_demo_model_above_the_untouched_input(graded):
    assert paired_test_folders(graded) == (graded / "testA", graded / "testA_truth")
    report = evaluate("demo", graded / "testA", graded / "testA_truth", device="cpu")
    assert len(report.images) == 2
    assert report.mean("psnr") > report.mean("input_psnr") + 2
    assert report.mean("ssim") > report.mean("input_ssim")


def test_evaluate_explains_missing_pairs_and_size_mismatch(graded, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no image"):
        evaluate("demo", graded / "testA", empty)
    # a bad pair is named and skipped, the rest scored (the first bad one stopped it, some unnamed)
    first, second = sorted((graded / "testA_truth").iterdir())[:2]
    Image.open(first).resize((60, 40)).save(first)
    report = evaluate("demo", graded / "testA", graded / "testA_truth")
    assert len(report.images) == 1 and report.skipped[0][0] == first.name
    assert report.skipped[0][1].startswith("its truth " + first.name + " is 60x40 but the input is ")
    assert report.summary().endswith("; 1 pair(s) skipped")
    second.write_bytes(b"not an image")  # and the other truth unreadable: nothing left to score
    with pytest.raises(ValueError, match=f"no pair could be scored .*2 skipped.*{first.name}"):
        evaluate("demo", graded / "testA", graded / "testA_truth")
    Image.open(graded / "testA" / first.name).save(first)  # the first pair whole again
    report = evaluate("demo", graded / "testA", graded / "testA_truth")
    assert len(report.images) == 1
    assert report.skipped == [(second.name, "its truth: not an image this app can read (damaged, or another kind of "
                                            "file)")]


def test_cli_evaluate(graded):
    data = json.loads(cyclegan("evaluate", "--model", "demo", "--data", graded, "--json").stdout)
    assert len(data["images"]) == 2 and data["psnr"] > data["input_psnr"]
    proc = cyclegan("evaluate", "--model", "demo", "--data", graded / "testA", check=False)
    assert proc.returncode == 1 and "testA_truth" in proc.stderr


def test_a_stopped_evaluation_stops_between_pairs(graded):
    from engine.evaluate import evaluate_pairs
    from engine.events import Control, Stopped

    pairs = find_pairs(graded / "testA", graded / "testA_truth").pairs
    control = Control()
    control.stop()
    with pytest.raises(Stopped):
        evaluate_pairs("demo", pairs, control=control)
    assert len(evaluate_pairs("demo", pairs, control=Control()).images) == 2


def test_a_pair_too_small_for_ssim_is_skipped_and_named(graded):
    """An 8x8 pair stopped the whole evaluation with "SSIM needs images of at least 11x11 pixels", unnamed."""
    for folder in ("testA", "testA_truth"):
        Image.new("RGB", (8, 8), "gray").save(graded / folder / "small.png")
    report = evaluate("demo", graded / "testA", graded / "testA_truth")
    assert len(report.images) == 2
    assert report.skipped == [("small.png", "8x8 is too small to score (SSIM needs 11x11 pixels or more)")]


def test_same_named_test_folders_are_held_out_pairs_whatever_the_training_folders(tmp_path):
    """testA/ beside testB/ matched by name (the README) was found only when trainA/ and trainB/ paired up too: a
    CycleGAN dataset (unmatched training photos) with a paired test split was told it had no held-out pairs."""
    from engine.evaluate import held_out_pairs
    from tests.conftest import write_images

    root = tmp_path / "d"
    write_images(root / "trainA", 3, seed=1)
    (root / "trainB").mkdir()
    for name in ("x.png", "y.png", "z.png"):  # no name in common with trainA/
        Image.fromarray(np.full((32, 32, 3), 90, np.uint8)).save(root / "trainB" / name)
    write_images(root / "testA", 2, seed=3)
    write_images(root / "testB", 2, seed=4)
    pairs, swap = held_out_pairs(root)
    assert [p.a.name for p in pairs] == ["img_000.png", "img_001.png"] and not swap
    assert held_out_pairs(root, "BtoA")[1]
    data = json.loads(cyclegan("evaluate", "--model", "demo", "--data", root, "--json").stdout)
    assert len(data["images"]) == 2


def test_a_model_file_made_for_b_to_a_is_fed_b_on_held_out_pairs(tmp_path):
    """An exported B to A pix2pix model, evaluated on a dataset's held-out pairs, was fed A (a model file always
    counted as A to B) and scored below the untouched input; an explicit --direction AtoB was not refused either."""
    from engine.evaluate import evaluate_held_out, held_out_pairs
    from engine.modelfile import load_model, save_model
    from tests.conftest import make_model_file, write_images

    loaded = load_model(make_model_file(tmp_path / "m.pt"))
    back = save_model(tmp_path / "back.pt", loaded.generator,
                      {**loaded.metadata, "direction": "BtoA", "source_domain": "night", "target_domain": "day"})
    root = tmp_path / "d"
    write_images(root / "testA", 2, seed=3)
    write_images(root / "testB", 2, seed=4)
    with pytest.raises(ValueError, match="its input is the B side, so evaluate it with B as the input"):
        evaluate_held_out(back, *held_out_pairs(root, "AtoB"), "AtoB")
    assert len(evaluate_held_out(back, *held_out_pairs(root, "BtoA"), "BtoA", device="cpu").images) == 2
    # an imported generator's "AtoB" only means its source to its target: the published facades label-to-photo
    # model takes the dataset's B, and was refused it (a review)
    imported = save_model(tmp_path / "label2photo.pt", loaded.generator,
                          {**loaded.metadata, "source": {"file": "latest_net_G.pth", "published": "facades"}})
    assert len(evaluate_held_out(imported, *held_out_pairs(root, "BtoA"), "BtoA", device="cpu").images) == 2
    data = json.loads(cyclegan("evaluate", "--model", imported, "--data", root, "--direction", "BtoA",
                               "--json").stdout)
    assert len(data["images"]) == 2
    data = json.loads(cyclegan("evaluate", "--model", back, "--data", root, "--json").stdout)  # B by itself
    assert len(data["images"]) == 2
    refused = cyclegan("evaluate", "--model", back, "--data", root, "--direction", "AtoB", check=False)
    assert refused.returncode == 1 and "its input is the B side" in refused.stderr
    # with --input/--truth too (a contrary --direction on a model file was refused, then ignored; a review)
    refused = cyclegan("evaluate", "--model", back, "--input", root / "testB", "--truth", root / "testA",
                       "--direction", "AtoB", check=False)
    assert refused.returncode == 1 and "--direction AtoB cannot be" in refused.stderr


def test_held_out_pairs_copied_from_the_training_pictures_are_warned_of(tmp_path):
    """testA/ and testB/ copied from the training folders scored 29 dB and nothing said the pairs had been trained
    on (a pix2pix user pass); pictures that only share a name (the public pix2pix datasets number each split from
    1) are not warned of (a review)."""
    import shutil

    from tests.conftest import write_images

    root = tmp_path / "d"
    for side, seed in (("trainA", 1), ("trainB", 2)):
        write_images(root / side, 3, seed=seed)
        write_images(root / side.replace("train", "test"), 2, seed=seed + 10)  # img_000, img_001: other pictures
    assert "warning" not in cyclegan("evaluate", "--model", "demo", "--data", root).stderr
    for side in ("A", "B"):
        shutil.copy(root / f"train{side}" / "img_001.png", root / f"test{side}" / "img_001.png")
    proc = cyclegan("evaluate", "--model", "demo", "--data", root)
    assert ("warning: 1 of the 2 held-out pair(s) are copies of training pictures (img_001): the score measures "
            "what the model remembers") in proc.stderr


def test_files_sharing_a_name_are_said_to_be_left_out_of_a_score(graded):
    """x.png beside x.jpg in the truth folder: left out of the score unsaid, and with nothing else to score the
    error said no input had a truth of its name, though it had two (a review)."""
    first = sorted((graded / "testA_truth").iterdir())[0]
    Image.open(first).save(first.with_suffix(".jpg"))
    report = evaluate("demo", graded / "testA", graded / "testA_truth", device="cpu")
    # one input left out, named as in its folder: it was counted twice, as "B/x.jpg" and "B/x.png" (a pix2pix pass)
    assert len(report.images) == 1
    assert report.skipped == [(f"{first.stem}.png", f"{first.stem}.jpg and {first.stem}.png share its name, extension "
                                                    "aside: which to pair with is not known")]
    second = sorted((graded / "testA_truth").glob("*.png"))[1]
    Image.open(second).save(second.with_suffix(".jpg"))
    with pytest.raises(ValueError, match="share a name, extension aside, with another file of their folder"):
        evaluate("demo", graded / "testA", graded / "testA_truth")


def test_inputs_without_a_truth_are_said_to_be_left_out_and_a_missing_folder_is_named(graded, tmp_path):
    """Two of four inputs had no truth: the mean over the other two was reported as the result, unsaid; and a
    truth folder that does not exist was "no image ... has a ground truth" (a hostile CLI pass)."""
    extra = graded / "testA" / "extra.png"
    Image.open(next((graded / "testA").iterdir())).save(extra)
    report = evaluate("demo", graded / "testA", graded / "testA_truth", device="cpu")
    assert len(report.images) == 2
    assert report.skipped == [("extra.png", f"no ground truth of its name in {graded / 'testA_truth'}")]
    with pytest.raises(ValueError, match="the truth folder .*nosuch does not exist"):
        evaluate("demo", graded / "testA", tmp_path / "nosuch")
    with pytest.raises(ValueError, match="the input and truth folders are one folder"):  # each scored against itself
        evaluate("demo", graded / "testA", graded / "testA" / ".." / "testA")


def test_grey_truths_against_colour_outputs_are_warned_of(graded, tmp_path):
    """A folder of grey truths was scored against the model's colour outputs without a word: ΔE then measures
    the grey, not a cast (a hostile CLI pass)."""
    grey = tmp_path / "grey"
    grey.mkdir()
    for path in (graded / "testA_truth").iterdir():
        Image.open(path).convert("L").save(grey / path.name)
    report = evaluate("demo", graded / "testA", grey, device="cpu")
    assert len(report.grey_truths) == len(report.images) == 2
    assert "2 of the 2 truth(s) are grey" in report.warning() and "compare colour with grey" in report.warning()
    assert evaluate("demo", graded / "testA", graded / "testA_truth", device="cpu").warning() == ""


def test_evaluating_a_dataset_says_which_test_pictures_have_no_truth(graded, tmp_path):
    """`cyclegan evaluate --data` and the app's Evaluate scored the pictures of testA/ that have a truth and said
    nothing of the others ("4 image(s): …" for 6), where --input/--truth named them; and a dataset whose pictures
    pair with none of the truths said only "no pairs to evaluate on" (a hostile models pass)."""
    import shutil

    shutil.copy(graded / "testA" / sorted(p.name for p in (graded / "testA").iterdir())[0], graded / "testA" / "x.png")
    result = cyclegan("evaluate", "--model", "demo", "--data", graded, "--device", "cpu", check=False)
    assert result.returncode == 0 and "2 image(s)" in result.stdout and "1 pair(s) skipped" in result.stdout
    assert f"skipped x.png: no ground truth of its name in {graded / 'testA_truth'}" in result.stderr
    for truth in (graded / "testA_truth").iterdir():
        truth.rename(truth.with_name("other_" + truth.name))
    result = cyclegan("evaluate", "--model", "demo", "--data", graded, "--device", "cpu", check=False)
    assert result.returncode != 0
    assert f"no image in {graded / 'testA'} has a ground truth of the same name in {graded / 'testA_truth'}" in (
        result.stderr)


def test_held_out_pictures_of_test_a_and_test_b_without_a_partner_are_named_as_skipped(tmp_path):
    """On a dataset's testA/ + testB/ a test picture without a truth was left out of the mean unsaid, where
    --input/--truth named it (a pix2pix pass)."""
    from engine.evaluate import held_out_left_out

    root = tmp_path / "d"
    for side, seed in (("A", 1), ("B", 2)):
        write_images(root / f"train{side}", 2, seed=seed)
        write_images(root / f"test{side}", 2, seed=seed + 10)
    write_images(tmp_path / "new", 1, seed=9)[0].rename(root / "testA" / "extra.png")
    assert held_out_left_out(root, "AtoB") == [("extra.png", f"no ground truth of its name in {root / 'testB'}")]
    assert held_out_left_out(root, "BtoA") == []  # a truth without an input leaves no input out
    proc = cyclegan("evaluate", "--model", "demo", "--data", root)
    assert f"skipped extra.png: no ground truth of its name in {root / 'testB'}" in proc.stderr
    assert "2 image(s)" in proc.stdout and "1 pair(s) skipped" in proc.stdout


def test_the_scores_say_which_way_they_point():
    """PSNR, SSIM and ΔE were given bare: nothing said which way is better, or whether the model beat leaving the
    pictures untouched (a pix2pix pass)."""
    from engine.evaluate import Evaluation

    def scored(psnr, delta_e):
        return Evaluation([{"name": "a.png", "psnr": psnr, "ssim": 0.9, "input_psnr": 20.0, "input_ssim": 0.8,
                            "delta_e": delta_e, "input_delta_e": 5.0}])

    assert scored(25.0, 3.0).verdict().startswith("closer to the truth than the untouched input (higher PSNR")
    assert scored(15.0, 7.0).verdict().startswith("further from the truth than the untouched input (")
    assert scored(25.0, 7.0).verdict().startswith("closer to the truth than the untouched input in PSNR, further in "
                                                  "colour")
    grey = Evaluation([{"name": "a.png", "psnr": 25.0, "ssim": 0.9, "input_psnr": 20.0, "input_ssim": 0.8}])
    assert grey.verdict().startswith("closer to the truth")  # no ΔE of grey pictures: PSNR alone
