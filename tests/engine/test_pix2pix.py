"""pix2pix: the paper's networks, both dataset layouts, training, resume, conversion and evaluation."""

import json
import shutil

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from engine import ModelConfig, TrainConfig, Trainer, read_metrics
from engine.config import ConvertConfig
from engine.convert import Translator, convert_folder
from engine.data import PairedDataset, find_pairs, make_transform
from engine.evaluate import evaluate_pairs, held_out_pairs
from engine.modelfile import ModelFileError, export_model, load_model
from engine.nets import PatchDiscriminator, count_parameters, make_generator
from tests.cli.test_cli_train import cyclegan

TINY_UNET = dict(generator="unet_128", ngf=4, ndf=4, norm="batch", dropout=True)


def tiny_pix2pix(data, out, **overrides) -> TrainConfig:
    kwargs = dict(method="pix2pix", data=str(data), out=str(out), model=ModelConfig(**TINY_UNET), crop_size=128,
                  load_size=136, gan_mode="vanilla", pool_size=0, workers=0, epochs=1, epochs_decay=1, log_every=1,
                  sample_every=0, save_every=1000, seed=0, device="cpu")
    kwargs.update(overrides)
    return TrainConfig(**kwargs)


def noise(w, h, seed=0, mode="RGB"):
    return Image.fromarray(np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)).convert(mode)


def aligned_dataset(root, count=3, size=(150, 140)):
    """train/ (and test/) of side-by-side images, B = 255 - A, as the public pix2pix datasets come."""
    for split, n in (("train", count), ("test", 2)):
        (root / split).mkdir(parents=True)
        for i in range(n):
            a = np.asarray(noise(*size, seed=i + 10 * (split == "test")))
            Image.fromarray(np.concatenate([a, 255 - a], axis=1)).save(root / split / f"{i}.jpg", quality=95)
    return root


@pytest.fixture
def paired_folders(tmp_path):
    """trainA/ + trainB/ matched by name (different extensions), plus one file without a partner each side."""
    root = tmp_path / "pairs"
    for side in ("trainA", "trainB"):
        (root / side).mkdir(parents=True)
    for i in range(3):
        a = noise(150, 140, seed=i)
        a.save(root / "trainA" / f"p{i}.png")
        Image.fromarray(255 - np.asarray(a)).save(root / "trainB" / f"p{i}.jpg", quality=95)
    noise(150, 140).save(root / "trainA" / "only_in_a.png")
    noise(150, 140).save(root / "trainB" / "only_in_b.png")
    return root


# ------------------------------------------------------------------- networks
def test_unet_and_conditional_patchgan_match_the_reference_sizes():
    unet_256 = make_generator(ModelConfig(generator="unet_256", ngf=64, norm="batch", dropout=True))
    unet_128 = make_generator(ModelConfig(generator="unet_128", ngf=64, norm="batch", dropout=True))
    assert count_parameters(unet_256) == 54_413_955  # the reference prints 54.414 M
    assert count_parameters(unet_128) == 41_828_995
    assert count_parameters(PatchDiscriminator(6, 64, 3, norm="batch")) == 2_768_705
    keys = list(unet_256.state_dict())
    assert keys[:3] == ["model.model.0.weight", "model.model.1.model.1.weight", "model.model.1.model.2.weight"]
    dropouts = [m for m in unet_256.modules() if isinstance(m, torch.nn.Dropout)]
    assert len(dropouts) == 3 and all(d.p == 0.5 for d in dropouts)
    with torch.no_grad():
        assert unet_256.eval()(torch.zeros(1, 3, 256, 256)).shape == (1, 3, 256, 256)
        assert unet_128.eval()(torch.zeros(2, 3, 128, 256)).shape == (2, 3, 128, 256)


def test_batch_norm_at_inference_uses_each_images_own_statistics():
    net = make_generator(ModelConfig(generator="unet_128", ngf=4, norm="batch", dropout=True)).eval()
    x = torch.rand(2, 3, 128, 128) * 2 - 1
    with torch.no_grad():
        together = net(x)
        alone = torch.cat([net(x[:1]), net(x[1:])])
        again = net(x)
    assert torch.allclose(together, alone, atol=1e-5)  # a batch's images do not affect each other
    assert torch.equal(together, again)  # dropout is off: deterministic


# ---------------------------------------------------------------------- data
def test_aligned_layout(tmp_path):
    found = find_pairs(aligned_dataset(tmp_path / "facades"))
    assert found.layout == "aligned" and len(found.pairs) == 3 and len(found.test) == 2
    dataset = PairedDataset(found.pairs, make_transform("crop", 0, 64, True), 3, seed=0)
    item = dataset[(0, 1)]
    assert item["A"].shape == item["B"].shape == (3, 64, 64)


def test_folders_matched_by_name_and_the_unmatched_listed(paired_folders):
    found = find_pairs(paired_folders)
    assert found.layout == "folders" and [p.name for p in found.pairs] == ["p0", "p1", "p2"]
    assert found.unmatched == ["A/only_in_a.png", "B/only_in_b.png"]
    # p1.png beside p1.jpg on one side: one was dropped unsaid and the pair left could be the wrong picture
    Image.open(paired_folders / "trainA" / "p1.png").save(paired_folders / "trainA" / "p1.jpg")
    found = find_pairs(paired_folders)
    assert [p.name for p in found.pairs] == ["p0", "p2"]
    assert found.unmatched == ["A/only_in_a.png", "A/p1.jpg (its name, extension aside, is another file's too)",
                               "A/p1.png (its name, extension aside, is another file's too)", "B/only_in_b.png",
                               "B/p1.jpg"]


def test_pairs_whose_sizes_say_they_are_not_pairs_are_warned_of(paired_folders, tmp_path):
    """A folder of single square photos was taken as pairs side by side and cut in half, and a pair of different
    shapes stretched B onto A, both without a word (a pix2pix user pass); proper pairs get no warning."""
    from engine.data import pair_shape_warnings
    from engine.library import DatasetEntry, Library

    assert pair_shape_warnings(find_pairs(aligned_dataset(tmp_path / "facades")).pairs) == []
    assert pair_shape_warnings(find_pairs(paired_folders).pairs) == []
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(4):
        noise(64, 64, seed=i).save(photos / f"{i}.png")
    [single] = pair_shape_warnings(find_pairs(photos).pairs)
    assert single.startswith("4 of 4 image(s) are not wide enough to hold two pictures side by side (0.png, 64x64;")
    for i in range(4):  # single 4:3 photos: added as pairs without a word (a datasets pass)
        noise(100, 75, seed=i).save(photos / f"{i}.png")
    [landscape] = pair_shape_warnings(find_pairs(photos).pairs)
    assert landscape.startswith("4 of 4 image(s) are less than twice as wide as tall (0.png, 100x75;")
    assert "so do two portrait pictures side by side" in landscape  # (said to be single photos, of 3:4 pairs)
    noise(300, 200).save(paired_folders / "trainB" / "p1.jpg")  # p1.png is 150x140
    [stretched] = pair_shape_warnings(find_pairs(paired_folders).pairs)
    assert stretched.startswith("1 pair(s) have pictures of different shapes (p1: 150x140 and 300x200)")
    entry = DatasetEntry("p", str(paired_folders / "trainA"), str(paired_folders / "trainB"), "A", "B")
    assert "for pix2pix: " + stretched in Library.inspect(entry).problems  # on the Datasets page too
    assert stretched in [m.text for m in Trainer(tiny_pix2pix(paired_folders, tmp_path / "run")).messages]
    assert stretched.endswith("B's picture is stretched onto A's shape, so they may not line up")
    # by the sides' names where they have some: "B is stretched onto A's shape" beside "plain" and "warm" (a pix2pix
    # pass)
    named = DatasetEntry("p", str(paired_folders / "trainA"), str(paired_folders / "trainB"), "plain", "warm")
    assert any(p.endswith("warm's picture is stretched onto plain's shape, so they may not line up")
               for p in Library.inspect(named).problems)
    trained = Trainer(tiny_pix2pix(paired_folders, tmp_path / "run2", name_a="plain", name_b="warm")).messages
    assert any(m.text.endswith("warm's picture is stretched onto plain's shape, so they may not line up")
               for m in trained)


def test_both_halves_get_the_same_crop_and_flip(paired_folders):
    """B is exactly 255 - A, so after one shared random crop and flip B must still be -A in [-1, 1]."""
    for i in range(3):  # PNG on both sides: lossless, so the identity is exact
        (paired_folders / "trainB" / f"p{i}.jpg").unlink()
        a = np.asarray(Image.open(paired_folders / "trainA" / f"p{i}.png"))
        Image.fromarray(255 - a).save(paired_folders / "trainB" / f"p{i}.png")
    dataset = PairedDataset(find_pairs(paired_folders).pairs, make_transform("crop", 0, 48, True), 3, seed=3)
    crops = set()
    for epoch in range(4):
        for index in range(3):
            item = dataset[(epoch, index)]
            assert torch.allclose(item["B"], -item["A"], atol=1e-6)
            assert torch.equal(item["A"], dataset[(epoch, index)]["A"])  # one key, one crop: resume sees the same
            crops.add(round(float(item["A"].sum()), 3))
    assert len(crops) > 3  # and the crops really are random


def test_odd_image_modes_pair_up(tmp_path):
    root = tmp_path / "modes"
    for side in ("A", "B"):
        (root / side).mkdir(parents=True)
    noise(40, 30, mode="CMYK").save(root / "A" / "cmyk.jpg")
    noise(40, 30).save(root / "B" / "cmyk.png")
    Image.fromarray(np.full((30, 40), 50000, np.uint16)).save(root / "A" / "deep.png")
    noise(40, 30, mode="RGBA").save(root / "B" / "deep.png")
    noise(20, 15, mode="L").save(root / "A" / "small.png")
    noise(40, 30, mode="P").save(root / "B" / "small.png")  # other size: B is resized to A's
    found = find_pairs(root)
    dataset = PairedDataset(found.pairs, make_transform("crop", 0, 16, False), 3, seed=0)
    for index in range(3):
        item = dataset[(0, index)]
        assert item["A"].shape == item["B"].shape == (3, 16, 16)


def test_no_pairs_fails_at_once_with_a_reason(tmp_path):
    root = tmp_path / "nopairs"
    for side, name in (("trainA", "x.png"), ("trainB", "y.png")):
        (root / side).mkdir(parents=True)
        noise(20, 20).save(root / side / name)
    with pytest.raises(ValueError, match="no file name appears on both sides"):
        Trainer(tiny_pix2pix(root, tmp_path / "run"))
    assert not (tmp_path / "run").exists()
    with pytest.raises(FileNotFoundError, match="holds no pairs"):
        find_pairs(tmp_path)


def test_one_folder_as_both_sides_or_inside_the_other_or_missing_is_refused(paired_folders, tmp_path):
    """pix2pix trained on one folder given as A and B (every file its own pair: it learns to change nothing), where
    CycleGAN refused it; a missing B was said as "no file name appears on both sides" (a datasets pass)."""
    a = paired_folders / "trainA"
    with pytest.raises(ValueError, match="folders A and B are the same folder"):
        Trainer(tiny_pix2pix(a, tmp_path / "run", data_b=str(a)))
    (a / "inner").mkdir()
    with pytest.raises(ValueError, match="is inside folder A"):
        find_pairs(a, a / "inner")
    with pytest.raises(FileNotFoundError, match=f"folder B {tmp_path / 'nope'} does not exist"):
        find_pairs(a, tmp_path / "nope")
    assert not (tmp_path / "run").exists()


def test_folders_without_images_are_named(tmp_path):
    """Empty trainA/ and trainB/ said "no file name appears on both sides (0 file(s) without a partner)"."""
    for side in ("trainA", "trainB"):
        (tmp_path / "empty" / side).mkdir(parents=True)
    with pytest.raises(ValueError, match=r"no pairs: .*trainA and .*trainB hold no images"):
        find_pairs(tmp_path / "empty")
    noise(20, 20).save(tmp_path / "empty" / "trainA" / "x.png")
    with pytest.raises(ValueError, match=r"no pairs: .*trainB holds no images$"):
        find_pairs(tmp_path / "empty")


def test_side_by_side_train_folder_is_read_alike_by_the_command_line_and_the_app(tmp_path):
    """train/ with a sub-folder: the command line (given the dataset) trained on the sub-folder's pairs too, the app
    (which keeps train/ itself) on train/'s own: 7 pairs against 3 (a datasets pass)."""
    from engine.library import Library

    root = aligned_dataset(tmp_path / "facades")
    (root / "train" / "extra").mkdir()
    for i in range(4):
        Image.fromarray(np.concatenate([np.asarray(noise(150, 140, seed=i))] * 2, axis=1)).save(
            root / "train" / "extra" / f"{i}.png")
    entry = Library(tmp_path / "lib").check_dataset("facades", root)
    assert len(find_pairs(root).pairs) == len(find_pairs(entry.folder_a).pairs) == 3


def test_cyclegan_given_side_by_side_pairs_is_pointed_to_pix2pix(tmp_path):
    from engine.data import resolve_folders

    with pytest.raises(FileNotFoundError, match=r"train/ of pictures holding A and B side by side is for pix2pix"):
        resolve_folders(aligned_dataset(tmp_path / "facades"))


def test_pix2pix_gets_the_picture_checks_before_writing_anything(tmp_path):
    """preprocess none with a batch of 2 over pairs of several sizes failed at the first step ("stack expects each
    tensor to be equal size") and left a run folder; nor were pix2pix runs told of few or small pictures."""
    root = tmp_path / "pairs"
    for side in ("trainA", "trainB"):
        (root / side).mkdir(parents=True)
    for i, size in enumerate(((96, 80), (128, 64), (64, 64))):
        noise(*size, seed=i).save(root / "trainA" / f"{i}.png")
        noise(300, 300, seed=i).save(root / "trainB" / f"{i}.png")  # resized to its A: not itself checked
    with pytest.raises(ValueError, match="preprocess none keeps each picture's size, and the pairs have pictures of 3"):
        Trainer(tiny_pix2pix(root, tmp_path / "run", preprocess="none", batch_size=2))
    assert not (tmp_path / "run").exists()
    texts = [m.text for m in Trainer(tiny_pix2pix(root, tmp_path / "run", preprocess="crop")).messages]
    assert any(t.startswith("few pairs (3): with fewer than 20 different pairs") for t in texts), texts
    assert any(t.startswith("3 picture(s) are smaller than the 128 px crop") for t in texts), texts  # A's
    halves = aligned_dataset(tmp_path / "facades", size=(60, 50))  # pictures of 60x50, in files of 120x50
    texts = [m.text for m in Trainer(tiny_pix2pix(halves, tmp_path / "run2", preprocess="crop")).messages]
    assert any("such as 0.jpg, 60x50" in t for t in texts) and any(t.startswith("few pairs (3)") for t in texts)


# ------------------------------------------------------------------ training
def test_checkpoint_round_trip_and_resume_equals_uninterrupted(paired_folders, tmp_path):
    """Stopped mid-epoch (3 pairs a epoch, stop at 4): dropout's random draws must continue where they were."""
    straight = Trainer(tiny_pix2pix(paired_folders, tmp_path / "straight", max_steps=7, epochs=2, epochs_decay=1))
    straight.run()
    first = Trainer(tiny_pix2pix(paired_folders, tmp_path / "split", max_steps=4, epochs=2, epochs_decay=1))
    first.run()
    resumed = Trainer.from_run(tmp_path / "split", max_steps=7)
    assert resumed.step == 4
    for name, net in first.model.nets.items():
        for (key, value), loaded in zip(net.state_dict().items(), resumed.model.nets[name].state_dict().values()):
            assert torch.equal(value, loaded), (name, key)
    resumed.run()
    a, b = read_metrics(tmp_path / "straight"), read_metrics(tmp_path / "split")
    assert [r["step"] for r in a] == [r["step"] for r in b] == [1, 2, 3, 4, 5, 6, 7]
    for ra, rb in zip(a, b):
        for name in ("G_GAN", "G_L1", "D_real", "D_fake", "lr"):
            assert ra[name] == pytest.approx(rb[name], rel=1e-5, abs=1e-6), (ra["step"], name)


def test_samples_show_input_output_target_and_only_the_trained_direction_exports(paired_folders, tmp_path):
    events = []
    cfg = tiny_pix2pix(paired_folders, tmp_path / "run", max_steps=2, direction="BtoA", name_a="photo",
                       name_b="sketch")
    Trainer(cfg).run(events.append)
    samples = [e for e in events if type(e).__name__ == "Samples"][-1]
    assert samples.panels == ("input", "output", "target") and samples.columns == 3
    assert samples.images["output"].shape == (128, 128, 3)
    with pytest.raises(ModelFileError, match="translates B to A only"):
        load_model(tmp_path / "run", "AtoB")
    model = load_model(export_model(tmp_path / "run", "BtoA", tmp_path / "s2p.pt"))
    assert model.metadata["method"] == "pix2pix" and model.metadata["source_domain"] == "sketch"
    # with no direction given, the command line takes the one the run learnt: export and convert refused,
    # "translates B to A only; choose that direction", a run that can do nothing else
    from engine.cli import main

    assert main(["export", "--run", str(tmp_path / "run"), "--out", str(tmp_path / "default.pt")]) == 0
    assert load_model(tmp_path / "default.pt").metadata["source_domain"] == "sketch"
    (tmp_path / "in").mkdir()
    noise(40, 30).save(tmp_path / "in" / "one.png")
    assert main(["convert", "--model", str(tmp_path / "run"), "--input", str(tmp_path / "in"), "--output",
                 str(tmp_path / "out"), "--device", "cpu"]) == 0
    assert (tmp_path / "out" / "one.png").is_file()


def test_conversion_of_odd_sizes_with_a_unet(paired_folders, tmp_path):
    Trainer(tiny_pix2pix(paired_folders, tmp_path / "run", max_steps=1)).run()
    model = load_model(tmp_path / "run")
    src = tmp_path / "in"
    src.mkdir()
    sizes = [(1, 1), (33, 17), (300, 200), (129, 128), (700, 300)]
    for w, h in sizes:
        noise(w, h).save(src / f"{w}x{h}.png")
    summary = convert_folder(model, src, tmp_path / "out", ConvertConfig(device="cpu", max_pixels=100_000))
    assert summary.ok and summary.converted == len(sizes)  # 700x300 is tiled (max-pixels 100 000)
    for w, h in sizes:
        assert Image.open(tmp_path / "out" / f"{w}x{h}.png").size == (w, h)
    # tiles of a U-Net image agree with the whole image (statistics recorded on the whole)
    image = torch.from_numpy(np.asarray(noise(300, 260))).permute(2, 0, 1)[None]
    whole = Translator(model, "cpu", max_pixels=10**6)(image).int()
    tiled = Translator(model, "cpu", tile=128, overlap=32, max_pixels=10**6)(image).int()
    assert (whole - tiled).abs().float().mean() < 12


def test_cli_end_to_end(tmp_path):
    data = aligned_dataset(tmp_path / "facades")
    run = tmp_path / "run"
    tiny = ["--generator", "unet_128", "--ngf", "4", "--ndf", "4", "--crop-size", "128", "--load-size", "136",
            "--workers", "0", "--device", "cpu"]
    proc = cyclegan("train", "--model", "pix2pix", "--data", data, "--out", run, *tiny, "--max-steps", 2,
                    "--log-every", 1)
    assert "finished at step 2" in proc.stdout
    config = json.loads((run / "config.json").read_text())
    assert config["method"] == "pix2pix" and config["gan_mode"] == "vanilla" and config["model"]["norm"] == "batch"
    assert set(read_metrics(run)[-1]) >= {"G_GAN", "G_L1", "D_real", "D_fake"}
    cyclegan("train", "--resume", run, "--max-steps", 3)
    assert read_metrics(run)[-1]["step"] == 3
    cyclegan("export", "--run", run, "--out", tmp_path / "m.pt")
    assert json.loads(cyclegan("info", tmp_path / "m.pt").stdout)["model"]["generator"] == "unet_128"
    proc = cyclegan("convert", "--model", tmp_path / "m.pt", "--input", data / "test", "--output", tmp_path / "out")
    assert "2 converted" in proc.stdout
    report = json.loads(cyclegan("evaluate", "--model", run, "--data", data, "--json").stdout)
    assert len(report["images"]) == 2 and report["psnr"] == report["psnr"]
    proc = cyclegan("train", "--model", "pix2pix", "--preset", "quick", "--data", data, "--out", tmp_path / "r2",
                    check=False)
    assert proc.returncode == 1 and "preset quick trains cyclegan" in proc.stderr


@pytest.mark.slow  # 11 s: in make test-slow, for make test's ten minutes
def test_a_tiny_pix2pix_beats_the_identity(tmp_path):
    """Synthetic pairs with a known answer (B = an inverted, warmer A): learnt in 150 seeded steps."""
    rng = np.random.default_rng(0)

    def shapes():
        img = Image.new("RGB", (128, 128), tuple(int(v) for v in rng.integers(60, 200, 3)))
        draw = ImageDraw.Draw(img)
        for _ in range(3):
            x, y = (int(v) for v in rng.integers(0, 96, 2))
            draw.rectangle([x, y, x + 32, y + 32], fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
        return np.asarray(img)

    def target(a):
        return np.clip((255 - a.astype(int)) * [1.1, 0.9, 0.7], 0, 255).astype(np.uint8)

    for split, n in (("train", 24), ("test", 6)):
        (tmp_path / "syn" / split).mkdir(parents=True)
        for i in range(n):
            a = shapes()
            Image.fromarray(np.concatenate([a, target(a)], 1)).save(tmp_path / "syn" / split / f"{i}.png")
    config = tiny_pix2pix(tmp_path / "syn", tmp_path / "run", model=ModelConfig(generator="unet_128", ngf=16, ndf=16,
                                                                                   norm="batch", dropout=False),
                          preprocess="none", crop_size=128, batch_size=4, steps=150, log_every=50, lr=1e-3)
    Trainer(config).run()
    report = evaluate_pairs(tmp_path / "run", *held_out_pairs(tmp_path / "syn"), device="cpu")
    before, after = report.mean("input_psnr"), report.mean("psnr")
    assert after > before + 6, (before, after)


def test_a_side_by_side_image_one_pixel_wide_is_said_to_be_no_pair_not_damaged(tmp_path):
    """It read "damaged image data (x.png is too narrow ...)": the file was whole (a pix2pix user pass)."""
    from engine.data import Pair, load_pair, unreadable_reason

    noise(1, 40).save(tmp_path / "x.png")
    with pytest.raises(ValueError) as raised:
        load_pair(Pair(tmp_path / "x.png"), 3)
    assert unreadable_reason(raised.value) == "x.png is too narrow to hold two images side by side"


def test_a_damaged_pair_is_warned_of_once_not_at_each_draw(paired_folders, caplog):
    """Each draw decoded it again and warned again, where unpaired data says it once (a code review)."""
    pairs = find_pairs(paired_folders).pairs  # checked whole, then cut short: found when read
    data = (paired_folders / "trainB" / "p0.jpg").read_bytes()
    (paired_folders / "trainB" / "p0.jpg").write_bytes(data[: len(data) // 2])
    dataset = PairedDataset(pairs, make_transform("crop", 0, 48, True), 3, seed=3)
    with caplog.at_level("WARNING", logger="engine"):
        dataset.preview(48, "crop")
        for epoch in range(3):
            assert set(dataset[(epoch, 0)]) == {"A", "B", "unreadable"}
    assert sum("p0" in r.getMessage() for r in caplog.records) == 1, caplog.text


def test_names_that_differ_in_letter_case_only_are_said_to(tmp_path):
    """Case.png and case.png were listed as two files "without a partner", a near miss easily overlooked in a long
    list (a pix2pix pass)."""
    from engine.data import CASE_ONLY, match_by_name
    from tests.conftest import write_images

    write_images(tmp_path / "A", 2)
    write_images(tmp_path / "B", 2)
    (tmp_path / "A" / "img_001.png").rename(tmp_path / "A" / "IMG_001.png")
    pairs, unmatched = match_by_name(tmp_path / "A", tmp_path / "B")
    assert len(pairs) == 1 and unmatched == [f"A/IMG_001.png{CASE_ONLY}", f"B/img_001.png{CASE_ONLY}"]
    # in a warning, the note once: after each name it pushed the run's other warnings out of view (a pix2pix pass)
    from engine.data import unmatched_in_words

    assert unmatched_in_words([*unmatched, "B/only.png"], shown=2) == (
        "A/IMG_001.png, B/img_001.png, … (2 of them differ from a name on the other side in letter case only: names "
        "are matched exactly)")
    assert unmatched_in_words(["B/only.png"]) == "B/only.png"


def test_the_command_line_calls_a_train_folder_of_single_photos_what_it_is(tmp_path):
    """`cyclegan train --data` on a train/ of 64x64 photos said "its train/ of pictures holding A and B side by side
    is for pix2pix" (a review)."""
    from engine.data import resolve_folders
    from tests.conftest import write_images

    write_images(tmp_path / "single" / "train", 2, size=(64, 64))
    with pytest.raises(FileNotFoundError, match="its train/ holds single pictures, not pairs side by side"):
        resolve_folders(tmp_path / "single")


def test_a_pix2pix_checkpoint_in_a_cyclegan_run_is_refused_in_words(paired_folders, tiny_dataset, tmp_path):
    """Resumed onto a pix2pix checkpoint copied into a CycleGAN run, the reason was "('G_A')", a leaked key
    (a CLI hostile pass)."""
    from engine.rundir import RunDir
    from tests.conftest import tiny_config

    Trainer(tiny_pix2pix(paired_folders, tmp_path / "p2p", max_steps=1)).run()
    run = RunDir(tmp_path / "cg")
    Trainer(tiny_config(tiny_dataset, run.path, max_steps=1)).run()
    shutil.copyfile(tmp_path / "p2p" / "checkpoints" / "latest.pt", run.latest)
    proc = cyclegan("train", "--resume", run.path, "--max-steps", 2, check=False)
    assert proc.returncode == 1
    assert ("latest.pt does not fit this run's settings (its networks are D, G, this run's G_A, G_B, D_A, D_B: a "
            "checkpoint of another kind of run)") in proc.stderr
