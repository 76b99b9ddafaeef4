import io
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from engine.data import (EpochSampler, UnpairedDataset, check_folder, list_images, load_image, make_transform,
                         resolve_folders)


def _save(img: Image.Image, path, **kw):
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, **kw)
    return path


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "CMYK", "LA", "I;16", "I", "1"])
@pytest.mark.parametrize("channels", [1, 3])
def test_every_mode_becomes_the_models_channels(tmp_path, mode, channels):
    base = Image.fromarray(np.random.default_rng(0).integers(0, 255, (10, 12, 3), dtype=np.uint8))
    img = base.convert(mode) if mode not in ("I;16", "I") else base.convert("L").convert(mode)
    ext = "tif" if mode in ("CMYK", "I") else "png"
    path = _save(img, tmp_path / f"x.{ext}")
    out = load_image(path, channels)
    assert out.mode == ("L" if channels == 1 else "RGB")
    assert out.size == (12, 10)


def test_16bit_is_scaled_not_clipped(tmp_path):
    arr = np.full((4, 4), 40000, dtype=np.uint16)  # ~61% grey
    path = _save(Image.fromarray(arr), tmp_path / "deep.png")
    value = np.asarray(load_image(path, 1))[0, 0]
    assert 150 < value < 160
    dark = _save(Image.fromarray(np.full((4, 4), 200, dtype=np.uint16)), tmp_path / "dark.png")  # near black
    assert np.asarray(load_image(dark, 1))[0, 0] == 1  # it was read as 200 of 255: 257 times too bright
    from engine.data import to_8bit

    as_pillow_10_opens_it = Image.open(dark).convert("I")  # Pillow 10.0 opened a 16-bit PNG as "I"
    as_pillow_10_opens_it.format = "PNG"
    assert np.asarray(to_8bit(as_pillow_10_opens_it))[0, 0] == 1


def test_alpha_is_flattened_on_white(tmp_path):
    img = Image.new("RGBA", (4, 4), (255, 0, 0, 0))  # fully transparent red
    path = _save(img, tmp_path / "a.png")
    assert tuple(np.asarray(load_image(path, 3))[0, 0]) == (255, 255, 255)


def test_exif_orientation_is_applied(tmp_path):
    img = Image.new("RGB", (40, 20), (0, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    path = _save(img, tmp_path / "rot.jpg", exif=exif)
    assert load_image(path).size == (20, 40)


def test_listing_skips_hidden_system_and_non_images(tmp_path):
    good = _save(Image.new("RGB", (4, 4)), tmp_path / "sub" / "good.jpg")
    _save(Image.new("RGB", (4, 4)), tmp_path / ".hidden.png")
    _save(Image.new("RGB", (4, 4)), tmp_path / ".git" / "x.png")
    _save(Image.new("RGB", (4, 4)), tmp_path / "__MACOSX" / "y.png")
    (tmp_path / "Thumbs.db").write_bytes(b"x")
    (tmp_path / ".DS_Store").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("hi")
    assert list_images(tmp_path) == [good]
    assert list_images(tmp_path, recursive=False) == []


def test_corrupt_files_are_reported_not_fatal(tmp_path):
    good = _save(Image.new("RGB", (8, 8)), tmp_path / "good.png")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    (tmp_path / "notes.jpg").write_text("a text file with an image's name")
    files, bad = check_folder(tmp_path, "A")
    assert files == [good]
    # a sentence, not Pillow's "UnidentifiedImageError: cannot identify image file '/the/whole/path'"
    assert bad == [(tmp_path / "broken.png", "the file ends before the image does (cut short or damaged)"),
                   (tmp_path / "notes.jpg", "not an image this app can read (damaged, or another kind of file)")]


def test_a_pipe_in_a_training_folder_is_set_aside_not_waited_on(tmp_path):
    import os

    good = _save(Image.new("RGB", (8, 8)), tmp_path / "good.png")
    os.mkfifo(tmp_path / "fifo.png")  # it hung the header check, and with it the start of training
    files, bad = check_folder(tmp_path, "A")
    assert files == [good] and [(p.name, r) for p, r in bad] == [
        ("fifo.png", "not a regular file (a pipe, a device or a socket), so it is not read")]


def test_truncated_file_is_skipped_at_load_time(tmp_path):
    """Skipped, and said by the sample that met it (its loader may be another process), once."""
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 20, 30)).save(buf, "JPEG")
    cut = _save(Image.new("RGB", (1, 1)), tmp_path / "a_cut.jpg")
    cut.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    good = _save(Image.new("RGB", (16, 16), (200, 0, 0)), tmp_path / "b_good.png")
    ds = UnpairedDataset([cut, good], [good], make_transform("crop", 16, 16, False), 3)
    item = ds[(0, 0)]
    assert item["A"].shape == (3, 16, 16)
    assert item["unreadable"] == f"{cut} cannot be read: the file ends before the image does (cut short or damaged)"
    assert ds[(1, 0)]["unreadable"] == ""


def test_empty_side_fails_at_once_with_a_clear_message(tmp_path):
    (tmp_path / "trainA").mkdir()
    _save(Image.new("RGB", (8, 8)), tmp_path / "trainB" / "b.png")
    folders = resolve_folders(tmp_path)
    with pytest.raises(ValueError, match="the A folder .* no images"):
        check_folder(folders.a, "A")


def test_a_file_given_as_the_dataset_folder_is_called_a_file(tmp_path):
    (tmp_path / "notes.txt").write_text("x")  # it said "does not exist"
    with pytest.raises(FileNotFoundError, match="notes.txt is a file; give the folder"):
        resolve_folders(tmp_path / "notes.txt")


def test_the_pix2pix_references_split_folders_train_on_train_alone(tmp_path):
    """A/{train,val,test} and B/{train,val,test}, as the pix2pix reference lays pairs out before combining them:
    A/ and B/ were read whole, and their test and val pairs trained on (a pix2pix pass)."""
    from engine.data import find_pairs, resolve_folders
    from tests.conftest import write_images

    root = tmp_path / "refl"
    for side in "AB":
        for split, count in (("train", 4), ("val", 2), ("test", 3)):
            write_images(root / side / split, count, seed=ord(side))
    paired = find_pairs(root)
    assert len(paired.pairs) == 4 and {p.a.parent.name for p in paired.pairs} == {"train"}
    assert len(paired.test) == 3 and {p.a.parent.name for p in paired.test} == {"test"}
    folders = resolve_folders(root)  # CycleGAN's sides too
    assert (folders.a, folders.b, folders.test_a) == (root / "A" / "train", root / "B" / "train", root / "A" / "test")
    assert find_pairs(root / "A", root / "B").pairs == paired.pairs  # the two folders given
    from engine.data import split_note  # and said where a run starts: it trained on part of what was given unsaid

    assert split_note(root) == (f"{root / 'A'} and {root / 'B'} hold train/, val/ or test/ folders, as the pix2pix "
                                "reference lays pairs out: training on their train/ folders alone; test/ is held out")
    assert split_note(root / "A", root / "B") == split_note(root)
    assert split_note(root / "A" / "train", root / "B" / "train") is None  # named by the user
    for side in "AB":
        (root / side / "test").rename(root / side / "later")
    assert {p.a.parent.name for p in find_pairs(root).test} == {"val"}  # no test/: val/ is held out

    both = tmp_path / "both"  # pairs by name and side by side in one folder: the app's (by name), on the CLI too
    write_images(both / "trainA", 6)
    write_images(both / "trainB", 6, seed=1)
    write_images(both / "train", 4, size=(80, 40))
    assert find_pairs(both).layout == "folders" and len(find_pairs(both).pairs) == 6


def test_layouts(tmp_path):
    for name in ("trainA", "trainB", "testA"):
        (tmp_path / "ds" / name).mkdir(parents=True)
    f = resolve_folders(tmp_path / "ds")
    assert f.a.name == "trainA" and f.test_a.name == "testA" and f.test_b is None
    assert resolve_folders(tmp_path / "x", tmp_path / "y").b == tmp_path / "y"
    with pytest.raises(FileNotFoundError, match="neither"):
        resolve_folders(tmp_path)


def test_transforms_sizes_and_range():
    img = Image.new("RGB", (300, 200), (255, 0, 0))
    t = make_transform("resize_and_crop", 286, 256, True)(img)
    assert t.shape == (3, 256, 256) and t.max() <= 1 and t.min() >= -1
    assert make_transform("crop", 0, 256, True)(Image.new("RGB", (100, 90))).shape == (3, 256, 256)
    assert make_transform("none", 0, 0, False)(Image.new("RGB", (103, 90))).shape == (3, 88, 100)


def test_samples_depend_only_on_seed_epoch_and_index(tmp_path):
    from tests.conftest import write_images

    a, b = write_images(tmp_path / "A", 4, seed=1), write_images(tmp_path / "B", 4, seed=2)
    t = make_transform("resize_and_crop", 36, 32, True)
    ds1, ds2 = UnpairedDataset(a, b, t, seed=3), UnpairedDataset(a, b, t, seed=3)
    torch.manual_seed(123)
    x = ds1[(2, 1)]
    torch.manual_seed(999)
    y = ds2[(2, 1)]
    assert torch.equal(x["A"], y["A"]) and torch.equal(x["B"], y["B"])
    assert not torch.equal(ds1[(3, 1)]["A"], x["A"])  # another epoch, another crop


def test_epoch_sampler_skips_and_keys():
    from torch.utils.data import DistributedSampler

    inner = DistributedSampler(range(6), num_replicas=1, rank=0, shuffle=True, seed=0)
    s = EpochSampler(inner)
    s.set_epoch(1)
    full = list(s)
    s.set_epoch(1, skip=4)
    assert list(s) == full[4:] and len(s) == 2
    assert all(k[0] == 1 for k in full)


def test_the_statistics_read_pictures_from_all_over_a_large_folder(tmp_path):
    """A side of 200 pictures, read at most 128: the sample spreads over the whole folder. It took the first 128 of
    the sorted names (files[::1][:128]), the first photos' crops only, and Quick's colour start on 200 crops a side
    fell below the untouched input (docs/quality.md, "Crops")."""
    folder = tmp_path / "B"
    folder.mkdir()
    for i in range(200):
        Image.new("RGB", (8, 8), (i, 0, 0)).save(folder / f"{i:03d}.png")
    files = list_images(folder)
    data = UnpairedDataset(files, files, None)
    reds = [round(float((p[0, 0, 0] + 1) / 2 * 255)) for p in data.whole_pictures("B", None, limit=128)]
    assert len(reds) == 128 and reds[0] == 0 and reds[-1] == 199
    assert sorted(set(reds)) == reds  # each picture once, in folder order
    assert [round(float((p[0, 0, 0] + 1) / 2 * 255)) for p in data.whole_pictures("B", None, limit=500)] == list(range(200))


def test_the_start_reads_every_picture_of_a_folder_of_crops(tmp_path):
    """200 pictures a side, the benchmark's crops: the start's statistics are those of all of them. It read 128,
    and its per-channel transfer missed colour transfer's by up to 0.9 dB (docs/quality.md, "Crops")."""
    from engine.starts import gather

    files = {}
    for side, green in (("A", 0), ("B", 255)):
        (tmp_path / side).mkdir()
        for i in range(200):
            Image.new("RGB", (4, 4), (i, green, 0)).save(tmp_path / side / f"{i:03d}.png")
        files[side] = list_images(tmp_path / side)
    stats = gather(UnpairedDataset(files["A"], files["B"], None), None, detail=False)
    counts, sums, _ = stats["A"].colour_moments()
    assert len(stats["A"].colour) == len(stats["B"].colour) == 200
    assert float(sums[:, 0].sum() / counts.sum()) == pytest.approx(sum(i / 127.5 - 1 for i in range(200)) / 200, abs=1e-6)


def test_a_file_given_as_a_sides_folder_is_said_to_be_a_file(tmp_path):
    """Add dataset said "Domain B folder …/img_000.png does not exist" of a file that existed (a hostile pass)."""
    from engine.library import Library
    from tests.conftest import write_images

    write_images(tmp_path / "a", 2)
    image = write_images(tmp_path / "b", 2)[0]
    with pytest.raises(FileNotFoundError, match=r"the B folder .*img_000.png is a file; give the folder"):
        Library(tmp_path / "home").add_dataset("x", tmp_path / "a", image)


def test_a_picture_too_large_to_read_is_said_in_megapixels_not_pillows_words(tmp_path):
    """"too large to read safely (Image size (3600000000 pixels) exceeds limit of 178956970 pixels, could be
    decompression bomb DOS attack.)" (a datasets pass)."""
    import struct
    import zlib

    from engine.data import probe_image

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path = tmp_path / "bomb.png"  # a header that says 60000 x 60000, and next to nothing after it
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    assert probe_image(path) == "too large to read safely (3,600 MP; at most 178 MP are read)"  # as convert says


def test_an_empty_file_is_said_to_be_empty(tmp_path):
    """A file of 0 bytes was "not an image this app can read (damaged, or another kind of file)" (a CLI pass)."""
    from engine.convert import decode
    from engine.data import probe_image

    (tmp_path / "zero.jpg").write_bytes(b"")
    assert probe_image(tmp_path / "zero.jpg") == "an empty file (0 bytes): no picture in it"
    with pytest.raises(ValueError, match="zero.jpg is empty"):
        decode(tmp_path / "zero.jpg", 3)


def test_pictures_are_listed_in_the_order_pathlib_sorts_them(tmp_path):
    """Listed as strings now (Path objects cost 1.5 s for 40,000 files on the window's thread); the order, which
    decides the first picture and each epoch's, must stay pathlib's: part by part, so a-b.png after a/b.png."""
    from engine.data import match_by_name

    for name in ("a-b.png", "a/b.png", "a/c/d.png", "A.png", "a.png", "a b.png", "ab/x.png", "b.png"):
        (tmp_path / "A" / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (4, 4)).save(tmp_path / "A" / name)
    listed = list_images(tmp_path / "A")
    assert listed == sorted(listed) and all(isinstance(p, Path) for p in listed) and len(listed) == 8
    assert [p.relative_to(tmp_path / "A").as_posix() for p in listed].index("a/b.png") < 4
    (tmp_path / "B").symlink_to(tmp_path / "A")
    pairs, unmatched = match_by_name(tmp_path / "A", tmp_path / "B")
    assert [pair.a for pair in pairs] == sorted(listed, key=lambda p: p.with_suffix("")) and unmatched == []


def test_a_folder_of_phone_or_raw_photos_says_what_they_are(tmp_path):
    """Three .HEIC files made "domain A folder … has no images", and a conversion of them the same (a datasets
    pass): they are named as a kind this app cannot read."""
    from engine.convert import plan
    from engine.config import ConvertConfig

    (tmp_path / "A").mkdir()
    for name in ("IMG_1.HEIC", "IMG_2.heic", "DSC_3.NEF"):
        (tmp_path / "A" / name).write_bytes(b"\0" * 64)
    with pytest.raises(ValueError, match=r"has no images \(3 file\(s\) of kinds this app cannot read: HEIC, Nikon "
                                         r"raw; save them as JPEG or PNG first\); it needs at least one image"):
        check_folder(tmp_path / "A", "A")
    with pytest.raises(ValueError, match=r"has no images \(3 file\(s\) of kinds this app cannot read"):
        plan(tmp_path / "A", tmp_path / "out", ConvertConfig())


def test_a_whole_dataset_given_as_one_side_is_refused(tmp_path):
    """A folder holding trainA/ and trainB/ picked as side A was added: both its sides and its test pictures
    counted as A's (a datasets pass)."""
    from engine.data import resolve_folders
    from tests.conftest import write_images

    root = tmp_path / "horse2zebra"
    for side in ("trainA", "trainB", "testA"):
        write_images(root / side, 2)
    write_images(tmp_path / "zebras", 2)
    with pytest.raises(ValueError, match=r"horse2zebra holds trainA/ and trainB/: it is a whole dataset, not one "
                                         r"side's folder; give it alone"):
        resolve_folders(root, tmp_path / "zebras")
    with pytest.raises(ValueError, match="horse2zebra holds trainA/ and trainB/"):
        resolve_folders(tmp_path / "zebras", root)
    assert resolve_folders(root).a == root / "trainA"  # given alone, it is the dataset it is
    assert resolve_folders(root / "trainA", tmp_path / "zebras").b == tmp_path / "zebras"
    for shoot in ("A", "B"):  # two shoots of one side, not a dataset (a review)
        write_images(tmp_path / "horses" / shoot, 2)
    assert resolve_folders(tmp_path / "horses", tmp_path / "zebras").a == tmp_path / "horses"


@pytest.mark.slow  # 4 s, a process of its own: in make test-slow, for make test's ten minutes
def test_a_dataset_folder_that_cannot_be_read_is_named_itself(tmp_path):
    """A locked folder picked as the dataset was said as "…/locked/trainA: permission denied", and as side A as
    "…/locked/train: permission denied": folders the user never chose (a datasets pass)."""
    import subprocess
    import sys

    from tests.cli.test_cli_convert import as_a_plain_user

    locked, other = tmp_path / "locked", tmp_path / "other"
    locked.mkdir()
    other.mkdir()
    locked.chmod(0)
    code = ("import sys\nfrom engine.data import resolve_folders\nfrom engine.fileio import in_words\n"
            "for given in ((sys.argv[1],), (sys.argv[1], sys.argv[2])):\n"
            "    try:\n        resolve_folders(*given)\n    except OSError as e:\n        print(in_words(e))\n")
    try:
        proc = subprocess.run([*as_a_plain_user(), sys.executable, "-c", code, str(locked), str(other)],
                              capture_output=True, text=True, timeout=120)
    finally:
        locked.chmod(0o755)
    said = f"{locked}: this folder cannot be read (permission denied)"
    assert proc.stdout.splitlines() == [said, said], proc.stdout + proc.stderr


def test_a_jpeg_cut_short_is_found_unreadable_by_the_cheap_check(tmp_path):
    """A truncated JPEG passed the header check (verify decodes nothing): counted good on the Datasets page, shown
    there as broken, and skipped in training (a datasets pass). A whole one, or one with bytes after its end mark as
    some cameras write, passes."""
    import io

    import numpy as np
    from PIL import Image

    from engine.data import probe_image

    buffer = io.BytesIO()
    Image.fromarray((np.random.default_rng(0).random((60, 80, 3)) * 255).astype("uint8")).save(buffer, "JPEG")
    whole = buffer.getvalue()
    cut = whole[:len(whole) // 2]
    for name, data in (("whole.jpg", whole), ("tail.jpg", whole + b"camera data"), ("cut.jpg", cut)):
        (tmp_path / name).write_bytes(data)
    assert probe_image(tmp_path / "whole.jpg") is None and probe_image(tmp_path / "tail.jpg") is None
    assert probe_image(tmp_path / "cut.jpg") == "the file ends before the image does (cut short or damaged)"
    # an end mark before the image data (an EXIF thumbnail's; here a comment's) does not pass a cut one
    buffer = io.BytesIO()
    Image.open(tmp_path / "whole.jpg").save(buffer, "JPEG", comment=b"thumbnail \xff\xd8 ... \xff\xd9")
    marked = buffer.getvalue()
    (tmp_path / "marked_cut.jpg").write_bytes(marked[:len(marked) * 2 // 3])
    assert probe_image(tmp_path / "marked_cut.jpg") is not None
    (tmp_path / "video.jpg").write_bytes(marked + b"\0\xff\xd9 a video" * 1000)  # a Motion Photo's trailer
    assert probe_image(tmp_path / "video.jpg") is None


def test_a_folder_that_is_no_dataset_says_what_it_holds_when_empty_or_of_heic(tmp_path):
    """An empty folder, or one of HEIC photos, picked as the dataset was said to hold "neither trainA/ and trainB/
    nor A/ and B/ folders" and no more (a datasets pass)."""
    from engine.data import resolve_folders

    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"nor A/ and B/ folders; it is empty$"):
        resolve_folders(tmp_path / "empty")
    (tmp_path / "phone").mkdir()
    for n in range(2):
        (tmp_path / "phone" / f"IMG_{n}.HEIC").write_bytes(b"\0" * 16)
    with pytest.raises(FileNotFoundError, match=r"folders; 2 file\(s\) of kinds this app cannot read: HEIC; save them "
                                                r"as JPEG or PNG first$"):
        resolve_folders(tmp_path / "phone")
    (tmp_path / "pictures" / "2023").mkdir(parents=True)  # in a sub-folder: saving them as JPEG makes no dataset
    (tmp_path / "pictures" / "2023" / "IMG_0.HEIC").write_bytes(b"\0" * 16)
    with pytest.raises(FileNotFoundError, match=r"nor A/ and B/ folders$"):
        resolve_folders(tmp_path / "pictures")


def test_sides_are_named_by_letter_where_their_names_read_alike():
    """A command line's run named "Zebra" and "zebra " was told of "the Zebra folder" and "the zebra  folder" (a
    review): names alike but for case and spaces, or blank, say A and B."""
    from engine.data import side_names

    assert side_names("Zebra", "zebra ") == {} and side_names("", "night") == {}
    assert side_names(" day", "night") == {"A": "day", "B": "night"}
