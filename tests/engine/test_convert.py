"""Folder conversion on real files: sizes, modes, tiling, structure, resume, refusals, failures."""

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageCms

from engine.config import ConvertConfig, ModelConfig
from engine.convert import Translator, convert_folder, plan
from engine.events import Control, ConvertFinished, ConvertProgress, FileDone, FileFailed, Stopped
from engine.modelfile import LoadedModel, load_model
from engine.nets import build_generator
from tests.conftest import make_model_file, small_tmpfs, write_images

CPU = ConvertConfig(device="cpu", workers=2)


def noise(w, h, mode="RGB", seed=0):
    arr = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    return Image.fromarray(arr).convert(mode)


def run(model, src, dst, options=CPU, control=None):
    events = []
    summary = convert_folder(model, src, dst, options, events.append, control)
    return summary, events


@pytest.fixture
def model(model_file):
    return load_model(model_file)


def test_odd_sizes_keep_their_size(model, tmp_path):
    sizes = [(1, 1), (3, 517), (1025, 17), (64, 48), (250, 250)]
    (tmp_path / "in").mkdir()
    for w, h in sizes:
        noise(w, h).save(tmp_path / "in" / f"{w}x{h}.png")
    summary, events = run(model, tmp_path / "in", tmp_path / "out")
    assert summary.ok and summary.converted == len(sizes)
    for w, h in sizes:
        assert Image.open(tmp_path / "out" / f"{w}x{h}.png").size == (w, h)
    assert isinstance(events[-1], ConvertFinished)
    progress = [e for e in events if isinstance(e, ConvertProgress)]
    assert progress[-1].done == progress[-1].total == len(sizes)
    assert len([e for e in events if isinstance(e, FileDone)]) == len(sizes)


def test_modes_alpha_exif_icc(model, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    noise(20, 10, "L").save(src / "gray.png")
    noise(20, 10, "CMYK").save(src / "cmyk.jpg")
    Image.fromarray(np.full((10, 20), 50000, np.uint16)).save(src / "deep.png")
    rgba = noise(20, 10, "RGBA")
    alpha = Image.fromarray(np.tile(np.arange(20, dtype=np.uint8) * 12, (10, 1)))
    rgba.putalpha(alpha)
    rgba.save(src / "alpha.png")
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown portrait
    noise(40, 20).save(src / "rotated.jpg", exif=exif)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    noise(20, 10).save(src / "icc.jpg", icc_profile=icc)
    header = bytes(16) + b"%s" + bytes(108)  # a profile's colour space sits at bytes 16 to 19 of its header
    noise(20, 10, "CMYK").save(src / "cmyk_icc.jpg", icc_profile=header % b"CMYK")
    noise(20, 10, "L").save(src / "gray_icc.png", icc_profile=header % b"GRAY")

    summary, _ = run(model, src, tmp_path / "out")
    assert summary.ok, summary
    out = tmp_path / "out"
    assert Image.open(out / "gray.png").mode == "RGB"  # an RGB model gives colour
    assert Image.open(out / "cmyk.jpg").mode == "RGB"
    assert Image.open(out / "deep.png").size == (20, 10)
    result = Image.open(out / "alpha.png")
    assert result.mode == "RGBA"
    assert np.array_equal(np.asarray(result.getchannel("A")), np.asarray(alpha))  # alpha carried over unchanged
    rotated = Image.open(out / "rotated.jpg")
    assert rotated.size == (20, 40)  # orientation applied...
    assert rotated.getexif().get(0x0112) in (None, 1)  # ...and not applied twice by viewers
    assert Image.open(out / "icc.jpg").info.get("icc_profile") == icc
    # RGB results do not carry a CMYK or grey profile: colour-managed programs misread them, or refused them
    assert Image.open(out / "cmyk_icc.jpg").info.get("icc_profile") is None
    assert Image.open(out / "gray_icc.png").info.get("icc_profile") is None


def test_grayscale_model_on_colour_input(tmp_path):
    gray = load_model(make_model_file(tmp_path / "gray.pt", channels=1))
    (tmp_path / "in").mkdir()
    noise(30, 20).save(tmp_path / "in" / "c.png")
    summary, _ = run(gray, tmp_path / "in", tmp_path / "out")
    assert summary.ok
    img = Image.open(tmp_path / "out" / "c.png")
    assert img.mode == "L" and img.size == (30, 20)


def test_tiles_of_a_network_without_instance_norm_need_no_statistics_pass():
    """Quick's generators have no instance norm: a tiled photo runs the network once a tile and never on a
    2 MP copy first (measured: a 4000x3000 photo 14.6 s -> 12.5 s on 2 cores)."""
    from engine.tiling import tile_starts

    cfg = ModelConfig(blocks=1, ngf=4, norm="none", residual=True, colour="tones", detail=True)
    model = LoadedModel(build_generator(cfg).eval(), {"model": {"channels": 3}})
    calls = []
    model.generator.register_forward_hook(lambda module, args, out: calls.append(args[0].shape[-2:]))
    x = torch.randint(0, 256, (1, 3, 200, 300), dtype=torch.uint8)
    Translator(model, "cpu", tile=128, overlap=32)(x)
    assert len(calls) == len(tile_starts(200, 128, 32)) * len(tile_starts(300, 128, 32))
    assert all(max(shape) <= 128 for shape in calls)


def test_a_cancel_stops_a_tiled_photo_between_its_tiles(model):
    """Cancel was seen only between images: a 2400x1800 photo on a CPU kept converting for 20 s after it."""
    control, tiles = Control(), []

    def between_tiles(tile, count):
        tiles.append((tile, count))
        if len(tiles) == 3:
            control.stop()
        control.checkpoint()

    x = torch.randint(0, 256, (1, 3, 200, 300), dtype=torch.uint8)
    with pytest.raises(Stopped):
        Translator(model, "cpu", tile=128, overlap=32)(x, between_tiles)
    assert tiles == [(1, 6), (2, 6), (3, 6)]  # of 6: it stopped at the third, not after the last, and said so


def test_an_image_written_is_reported_while_a_tiled_one_after_it_translates(model, tmp_path):
    """Two 6000x4000 photos on a CPU: the first was written a minute and a half before the app heard of it, since
    finished writes were reported only between images; now between tiles too."""

    class TileCount(Control):  # the translator calls checkpoint between tiles
        tiles = 0

        def checkpoint(self):
            self.tiles += 1
            super().checkpoint()

    (tmp_path / "in").mkdir()
    noise(64, 64).save(tmp_path / "in" / "a_small.png")
    noise(600, 400, seed=1).save(tmp_path / "in" / "b_large.png")
    control, seen = TileCount(), []

    def on_event(event):
        if isinstance(event, FileDone):
            seen.append((Path(event.source).name, control.tiles))

    translator = Translator(model, "cpu", tile=128, overlap=32)
    options = ConvertConfig(device="cpu", workers=1, batch_size=1)
    assert convert_folder(translator, tmp_path / "in", tmp_path / "out", options, on_event, control).converted == 2
    (first, at), (second, end) = seen
    assert (first, second) == ("a_small.png", "b_large.png")
    assert at < end - 10  # reported among the large photo's tiles (about 28), not after the last


def test_tiled_matches_untiled(tmp_path):
    torch.manual_seed(0)
    model = LoadedModel(build_generator(ModelConfig(blocks=6, ngf=32)).eval(), {"model": {"channels": 3}})
    h, w = 360, 480
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.stack([128 + 100 * np.sin(xx / 30), 128 + 100 * np.cos(yy / 25), 128 + 60 * np.sin((xx + yy) / 40)])
    img = img + np.random.default_rng(0).normal(0, 10, img.shape)
    x = torch.tensor(np.clip(img, 0, 255), dtype=torch.uint8)[None]
    whole = Translator(model, "cpu")(x).float()
    tiled_translator = Translator(model, "cpu", tile=256, overlap=128)
    assert tiled_translator.needs_tiles(h, w)
    tiled = tiled_translator(x).float()
    diff = (whole - tiled).abs()
    # Measured: mean 0.36, 99th percentile 4 grey levels. Tiles without the shared
    # instance-norm statistics differ by tens of levels.
    assert diff.mean() < 1.0
    assert diff.quantile(0.99) <= 8


def test_structure_hidden_nonimages_and_corrupt_files(model, tmp_path):
    src = tmp_path / "in"
    (src / "a" / "b").mkdir(parents=True)
    noise(16, 16).save(src / "top.jpg")
    noise(16, 16).save(src / "a" / "b" / "deep.webp")
    noise(16, 16).save(src / "a" / "pic.gif")
    noise(16, 16).save(src / ".hidden.png")
    (src / "a" / "notes.txt").write_text("not an image")
    (src / "Thumbs.db").write_bytes(b"x")
    (src / "a" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    summary, events = run(model, src, tmp_path / "out")
    files = sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert files == ["a/b/deep.webp", "a/pic.png", "top.jpg"]  # GIF is read, written as PNG
    assert summary.converted == 3
    assert [Path(s).name for s, _ in summary.failed] == ["broken.png"]
    assert summary.failed[0][1] == "not an image this app can read (damaged, or another kind of file)"
    assert [Path(e.source).name for e in events if isinstance(e, FileFailed)] == ["broken.png"]
    # where the converting thread's time went: the three shares a slow folder is diagnosed by
    assert set(summary.time_split) == {"waiting to decode", "translating", "waiting to write"}
    assert summary.time_split["translating"] > 0 and all(v >= 0 for v in summary.time_split.values())
    assert sum(summary.time_split.values()) <= summary.seconds


def test_formats_and_quality(model, tmp_path):
    (tmp_path / "in").mkdir()
    noise(64, 64).save(tmp_path / "in" / "x.png")
    for fmt, suffix in (("jpg", ".jpg"), ("webp", ".webp"), ("png", ".png")):
        summary, _ = run(model, tmp_path / "in", tmp_path / fmt, ConvertConfig(device="cpu", format=fmt, quality=30))
        assert summary.ok and (tmp_path / fmt / f"x{suffix}").exists()
    low = (tmp_path / "jpg" / "x.jpg").stat().st_size
    run(model, tmp_path / "in", tmp_path / "hq", ConvertConfig(device="cpu", format="jpg", quality=100))
    assert (tmp_path / "hq" / "x.jpg").stat().st_size > low


def test_cancel_then_skip_existing_converts_each_file_exactly_once(model, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(12):
        noise(24, 24, seed=i).save(src / f"{i:02d}.png")
    control = Control()
    events = []

    def on_event(e):
        events.append(e)
        if isinstance(e, FileDone) and len([x for x in events if isinstance(x, FileDone)]) == 3:
            control.stop()

    options = ConvertConfig(device="cpu", batch_size=2)
    first = convert_folder(model, src, tmp_path / "out", options, on_event, control)
    assert first.cancelled and 3 <= first.converted < 12
    assert not [p for p in (tmp_path / "out").iterdir() if ".part" in p.name]  # no half-written files
    done_first = {p.name for p in (tmp_path / "out").iterdir()}
    assert len(done_first) == first.converted
    stamps = {n: (tmp_path / "out" / n).stat().st_mtime_ns for n in done_first}

    events2 = []
    second = convert_folder(model, src, tmp_path / "out", ConvertConfig(device="cpu", skip_existing=True),
                            events2.append)
    assert second.ok and second.skipped == first.converted and second.converted == 12 - first.converted
    written = [Path(e.output).name for e in events2 if isinstance(e, FileDone)]
    assert not set(written) & done_first
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f"{i:02d}.png" for i in range(12)]
    assert all((tmp_path / "out" / n).stat().st_mtime_ns == t for n, t in stamps.items())
    # a 0-byte output (a copy cut short) is not a result: it counted as done and stayed; another program's file
    # that is not an image is not ours to write over (it was): kept, and named as not converted
    (tmp_path / "out" / "00.png").write_bytes(b"")
    (tmp_path / "out" / "01.png").write_text("someone's notes")
    third = convert_folder(model, src, tmp_path / "out", ConvertConfig(device="cpu", skip_existing=True))
    assert (third.converted, third.skipped) == (1, 10) and Image.open(tmp_path / "out" / "00.png").size == (24, 24)
    assert (tmp_path / "out" / "01.png").read_text() == "someone's notes"
    assert [(Path(s).name, r) for s, r in third.failed] == [
        ("01.png", "01.png is already in the output folder and is not an image: not written over (replace existing does)")]
    # a photo edited since its result was made: the stale result was kept as if done (a still-weak item); said now
    before = (tmp_path / "out" / "02.png").read_bytes()
    noise(24, 24, seed=99).save(src / "02.png")
    within = (tmp_path / "out" / "02.png").stat().st_mtime_ns + 10**9  # within a FAT card's 2 s: the same time
    os.utime(src / "02.png", ns=(within, within))
    assert convert_folder(model, src, tmp_path / "out", ConvertConfig(device="cpu", skip_existing=True)).skipped == 11
    later = (tmp_path / "out" / "02.png").stat().st_mtime_ns + 3 * 10**9
    os.utime(src / "02.png", ns=(later, later))
    fourth = convert_folder(model, src, tmp_path / "out", ConvertConfig(device="cpu", skip_existing=True))
    assert (fourth.converted, fourth.skipped) == (0, 10) and (tmp_path / "out" / "02.png").read_bytes() == before
    assert ("02.png", "02.png has changed since 02.png was made from it: not written over (replace existing does)") in [
        (Path(s).name, r) for s, r in fourth.failed]


def test_refuses_unsafe_folders(model, tmp_path):
    src = tmp_path / "in"
    (src / "inner").mkdir(parents=True)
    noise(8, 8).save(src / "x.png")
    with pytest.raises(ValueError, match="is the input folder"):
        run(model, src, src)
    with pytest.raises(ValueError, match="inside the input folder"):
        run(model, src, src / "inner" / "out")
    # output above the input, laid out so an output path would be an input file
    (src / "in").mkdir()
    noise(8, 8).save(src / "in" / "x.png")
    with pytest.raises(ValueError, match="would overwrite the input"):
        run(model, src, tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        run(model, tmp_path / "nope", tmp_path / "out")
    with pytest.raises(ValueError, match="x.png is a file; give the folder"):  # it was said not to exist
        run(model, src / "x.png", tmp_path / "out")
    assert Image.open(src / "x.png").size == (8, 8)


def test_a_pipe_named_like_an_image_is_listed_as_failed_not_waited_on(model, tmp_path):
    """A FIFO named fifo.png hung the conversion for good, Ctrl-C included, before any image was written."""
    import os

    src = tmp_path / "in"
    src.mkdir()
    noise(8, 8).save(src / "ok.png")
    os.mkfifo(src / "fifo.png")
    summary, _ = run(model, src, tmp_path / "out")
    assert summary.converted == 1 and (tmp_path / "out" / "ok.png").exists()
    assert [(Path(s).name, r) for s, r in summary.failed] == [
        ("fifo.png", "not a regular file (a pipe, a device or a socket), so it is not read")]


def test_a_folder_without_images_is_refused_before_anything_is_written(model, tmp_path):
    """It ended "0 converted" with the bar at 100 % and an output folder made: it looked like success."""
    empty = tmp_path / "empty"
    (empty / "notes").mkdir(parents=True)
    (empty / "notes" / "readme.txt").write_text("not an image")
    with pytest.raises(ValueError, match="has no images$"):
        run(model, empty, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    noise(8, 8).save(empty / "notes" / "x.png")
    with pytest.raises(ValueError, match="sub-folders hold 1"):
        convert_folder(model, empty, tmp_path / "out", ConvertConfig(recursive=False))


def test_an_input_already_in_the_output_format_keeps_its_name(model, tmp_path):
    """x.jpg and x.png both becoming x.png: x.jpg, first in order, took x.png and x.png became x_png.png."""
    src = tmp_path / "in"
    src.mkdir()
    for name, seed in (("x.jpg", 1), ("x.png", 2), ("y.gif", 3), ("y.png", 4)):
        noise(16, 16, seed=seed).save(src / name)
    for fmt, expected in (("png", {"x.png": "x.png", "x.jpg": "x_jpg.png", "y.png": "y.png", "y.gif": "y_gif.png"}),
                          ("keep", {"x.png": "x.png", "x.jpg": "x.jpg", "y.png": "y.png", "y.gif": "y_gif.png"})):
        planned = plan(src, tmp_path / "out", ConvertConfig(format=fmt))
        assert {p.name: out.name for p, out, _ in planned.jobs} == expected, fmt


def test_a_suffix_too_long_for_a_file_name_is_refused_before_anything_is_written(model, tmp_path):
    """A 300-character suffix passed, and then every image failed with "file name too long"."""
    src = tmp_path / "in"
    src.mkdir()
    noise(8, 8).save(src / "x.png")
    with pytest.raises(ValueError, match="suffix is 300 bytes long"):
        run(model, src, tmp_path / "out", ConvertConfig(device="cpu", suffix="_" * 300))
    assert not (tmp_path / "out").exists()


def test_an_output_folder_that_cannot_be_written_is_refused_before_the_run(model, tmp_path):
    """It was found when the folder was made, after the app had said "Ready to convert." (a new-user pass)."""
    from tests.conftest import read_only, small_tmpfs

    (tmp_path / "in").mkdir()
    noise(8, 8).save(tmp_path / "in" / "x.png")
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ValueError, match=f"the output folder {tmp_path / 'afile' / 'out'} cannot be made: "
                                         f"{tmp_path / 'afile'} is a file; choose another output folder"):
        run(model, tmp_path / "in", tmp_path / "afile" / "out")
    with small_tmpfs(tmp_path / "disk", "1m") as disk, read_only(disk):
        with pytest.raises(ValueError, match=f"the output folder {disk / 'a' / 'b'} cannot be made: {disk} is not "
                                             "writable; choose another output folder"):
            run(model, tmp_path / "in", disk / "a" / "b")


@pytest.mark.parametrize("fmt", ["png", "jpg", "webp"])
def test_full_disk_stops_and_counts(model, tmp_path, fmt):
    """Pillow's JPEG and WebP encoders do not raise when the disk fills: a cut-short JPEG was renamed into place
    and counted as converted (found by a hostile GUI pass)."""
    with small_tmpfs(tmp_path / "small", "64k") as mount:
        (tmp_path / "in").mkdir()
        for i in range(8):
            noise(128, 128, seed=i).save(tmp_path / "in" / f"{i}.png")  # results of 16 to 50 KB each
        options = ConvertConfig(device="cpu", batch_size=1, format=fmt, quality=100)
        summary, _ = run(model, tmp_path / "in", mount / "out", options)
        assert summary.error and "No space left" in summary.error
        assert f"{summary.converted} of 8" in summary.error and summary.converted < 8
        written = [p for p in (mount / "out").iterdir()]
        assert len(written) == summary.converted and not [p for p in written if ".part" in p.name]
        for path in written:  # each one whole
            Image.open(path).load()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_autocast_close_to_fp32(model_file):
    loaded = load_model(model_file)
    x = torch.randint(0, 256, (2, 3, 256, 256), dtype=torch.uint8)
    cpu = Translator(load_model(model_file), "cpu")(x).float()
    gpu = Translator(loaded, "cuda")(x).float()
    assert (cpu - gpu).abs().mean() < 1.5


def test_work_size_translates_large_images_smaller_and_scales_back(model):
    """--work-size: what users of 256-px models do with big photos, in one option."""
    from torchvision.transforms.v2 import functional as TF

    image = torch.from_numpy(np.asarray(noise(600, 400))).permute(2, 0, 1)[None]
    out = Translator(model, "cpu", work_size=150)(image)
    assert out.shape == image.shape
    small = Translator(model, "cpu")(TF.resize(image, [100, 150], antialias=True))
    expected = TF.resize(small, [400, 600], interpolation=TF.InterpolationMode.BICUBIC, antialias=True)
    assert torch.equal(out, expected)
    tiny = torch.from_numpy(np.asarray(noise(100, 80))).permute(2, 0, 1)[None]
    assert torch.equal(Translator(model, "cpu", work_size=150)(tiny), Translator(model, "cpu")(tiny))


def test_the_pace_and_time_left_leave_out_the_first_image(monkeypatch):
    """The first image carries loading and warming up the model: a 60-image folder said 0.31 img/s and about
    3 minutes left after it, then took 21 s. (A clock is set by hand: the arithmetic is what is tested.)"""
    from engine import convert as convert_module

    clock = [0.0]
    monkeypatch.setattr(convert_module.time, "perf_counter", lambda: clock[0])
    events = []
    run = convert_module._Run(None, [None] * 60, [], ConvertConfig(), events.append, Control())
    for converted, at in ((1, 3.0), (2, 3.5), (3, 4.0)):  # 3 s for the first, then two a second
        run.converted, clock[0] = converted, at
        run._progress()
    first, last = events[0], events[-1]
    assert first.images_per_s == pytest.approx(1 / 3)  # one image: nothing better to go on
    assert last.images_per_s == pytest.approx(2.0) and last.eta_s == pytest.approx(57 / 2)


def test_strength_blends_each_result_with_its_input_at_full_size(model, tmp_path):
    """--strength: a model that overdoes a subtle look (Quick on halation, docs/quality.md) is dialled down, one
    that underdoes it up, without training again; tiled and work-size images are blended at full size."""
    src = tmp_path / "in"
    src.mkdir()
    noise(40, 30, seed=1).save(src / "small.png")
    noise(150, 100, seed=2).save(src / "large.png")  # tiled (64 px tiles) and translated at 120 px
    base = dict(device="cpu", tile=64, overlap=16, work_size=120)
    results = {}
    for strength in (1.0, 0.5, 1.5):
        summary, _ = run(model, src, tmp_path / f"out{strength}", ConvertConfig(**base, strength=strength))
        assert summary.ok and summary.converted == 2
        results[strength] = {name: np.asarray(Image.open(tmp_path / f"out{strength}" / name), np.float64)
                             for name in ("small.png", "large.png")}
    for name in ("small.png", "large.png"):
        source = np.asarray(Image.open(src / name), np.float64)
        full = results[1.0][name]
        assert np.abs(full - source).mean() > 5  # the model changes the picture: the blend below is no accident
        assert np.abs(results[0.5][name] - (source + 0.5 * (full - source))).max() <= 1
        assert np.abs(results[1.5][name] - np.clip(source + 1.5 * (full - source), 0, 255)).max() <= 1


def test_blend_in_bands_of_rows_equals_blend_whole(monkeypatch):
    """A 100 MP photo is blended a band of rows at a time; the bands must join into the same picture."""
    from engine import convert as convert_module

    generator = torch.Generator().manual_seed(0)
    source, result = (torch.randint(0, 256, (2, 3, 37, 23), dtype=torch.uint8, generator=generator) for _ in range(2))
    whole = convert_module.blend(source, result, 0.3)
    monkeypatch.setattr(convert_module, "BLEND_ELEMENTS", 2 * 3 * 23 * 5)  # bands of 5 rows, the last of 2
    assert torch.equal(convert_module.blend(source, result, 0.3), whole)
    assert convert_module.blend(source, result, 1.0) is result


@pytest.mark.parametrize("strength", [0, -0.5, 2.5, float("nan")])
def test_a_strength_outside_its_range_is_refused_before_anything_is_written(model, tmp_path, strength):
    (tmp_path / "in").mkdir()
    noise(20, 10).save(tmp_path / "in" / "a.png")
    with pytest.raises(ValueError, match="strength"):
        convert_folder(model, tmp_path / "in", tmp_path / "out", ConvertConfig(device="cpu", strength=strength))
    assert not (tmp_path / "out").exists()


def test_from_a_script_a_model_path_converts_and_wrong_kinds_are_named(model_file, tmp_path):
    """convert_folder("run1", ...) failed with "'str' object has no attribute 'generator'", and options as a dict
    with "'dict' object has no attribute 'validate'" (a hostile pass through the Python API)."""
    (tmp_path / "in").mkdir()
    noise(16, 16).save(tmp_path / "in" / "a.png")
    assert convert_folder(str(model_file), tmp_path / "in", tmp_path / "out", CPU).converted == 1
    with pytest.raises(TypeError, match="options must be a ConvertConfig"):
        convert_folder(model_file, tmp_path / "in", tmp_path / "out2", {"format": "jpg"})
    with pytest.raises(TypeError, match="on_event must be a function"):
        convert_folder(model_file, tmp_path / "in", tmp_path / "out2", CPU, on_event=5)
    with pytest.raises(TypeError, match="control must be an engine.Control"):
        convert_folder(model_file, tmp_path / "in", tmp_path / "out2", CPU, control="stop")
    assert not (tmp_path / "out2").exists()


def test_planning_resolves_each_folder_once_and_only_links_one_by_one(tmp_path, monkeypatch):
    """Every input and every output was resolved through each part of its path: for 2000 images, 0.65 s of the
    Convert page's thread at each click (a scale pass). A file that is a link is still followed."""
    from engine import fileio
    from engine.convert import plan

    write_images(tmp_path / "in", 30, size=(8, 8))
    write_images(tmp_path / "in" / "sub", 30, size=(8, 8))
    (tmp_path / "in" / "link.png").symlink_to(tmp_path / "in" / "img_000.png")
    calls = []
    real = fileio.resolve_path
    monkeypatch.setattr(fileio, "resolve_path", lambda p: calls.append(p) or real(p))
    planned = plan(tmp_path / "in", tmp_path / "out", ConvertConfig())
    assert len(planned.jobs) == 61 and len(calls) <= 8  # the four folders (and two checked before), the link; not 122
