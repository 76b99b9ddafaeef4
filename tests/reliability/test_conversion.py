"""Conversion under hostile conditions: kill -9, link loops, huge images, odd tile settings, a full disk."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from engine import convert as convert_module
from engine.config import ConvertConfig
from engine.convert import Translator, convert_folder
from engine.fileio import temp_name
from engine.modelfile import load_model
from engine.resources import demo_images_dir
from tests.cli.test_cli_train import cyclegan
from tests.conftest import make_model_file, small_tmpfs, write_images

CPU = ConvertConfig(device="cpu", workers=2)


@pytest.fixture
def model(model_file):
    return load_model(model_file)


def test_a_symlink_loop_is_reported_and_the_rest_converts(model, tmp_path):
    src = tmp_path / "in"
    write_images(src, 2, size=(16, 16))
    (src / "a.png").symlink_to("b.png")
    (src / "b.png").symlink_to("a.png")
    summary = convert_folder(model, src, tmp_path / "out", CPU)
    assert summary.converted == 2 and summary.total == 4
    assert sorted((s.rsplit("/", 1)[-1], r) for s, r in summary.failed) == [
        ("a.png", "it is a symbolic link that loops back on itself"),
        ("b.png", "it is a symbolic link that loops back on itself")]


def test_a_file_where_an_output_folder_goes_fails_its_images_only(model, tmp_path):
    """A file of the user's named like an input sub-folder stopped the whole conversion ("cannot write out/sub/q.jpg:
    File exists; 3 of 4 image(s) were written"); now that sub-folder's images fail, named, and the rest convert."""
    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, 2, size=(16, 16))
    write_images(src / "sub" / "deeper", 2, size=(16, 16))
    dst.mkdir()
    (dst / "sub").write_text("the user's notes")
    summary = convert_folder(model, src, dst, CPU)
    assert summary.converted == 2 and not summary.error and (dst / "sub").read_text() == "the user's notes"
    assert sorted(Path(s).name for s, _ in summary.failed) == ["img_000.png", "img_001.png"]
    assert {r for _, r in summary.failed} == {f"{dst / 'sub'} is a file where its output folder goes"}
    # a link to nowhere in its place (exists() is False for it): the same, not "File exists" part-way
    (dst / "sub").unlink()
    (dst / "sub").symlink_to(tmp_path / "nowhere")
    summary = convert_folder(model, src, dst, ConvertConfig(device="cpu", workers=2, replace_existing=True))
    assert summary.converted == 2 and not summary.error and len(summary.failed) == 2


def test_no_output_is_written_inside_the_input_folder(model, tmp_path):
    """An output folder above the input put in/in/b.png's result at in/b.png, inside the input, and the next run was
    refused for it; a link in the input to the output fed each run its earlier results (a convert pass)."""
    src, dst = tmp_path / "parent" / "in", tmp_path / "parent"
    write_images(src / "in", 1, size=(16, 16))[0].rename(src / "in" / "b.png")
    write_images(src, 1, size=(16, 16))
    summary = convert_folder(model, src, dst, CPU)
    assert summary.converted == 1 and (dst / "img_000.png").exists()
    assert list(summary.failed) == [(str(src / "in" / "b.png"),
                                     f"its output {dst / 'in' / 'b.png'} would be inside the input folder {src}")]
    assert sorted(p.relative_to(src).as_posix() for p in src.rglob("*")) == ["img_000.png", "in", "in/b.png"]
    other, out = tmp_path / "other", tmp_path / "out"
    write_images(other, 1, size=(16, 16))
    out.mkdir()
    (other / "results").symlink_to(out)
    (out / "old.png").write_bytes((other / "img_000.png").read_bytes())
    summary = convert_folder(model, other, out, CPU)
    assert summary.converted == 1 and list(summary.failed) == [
        (str(other / "results" / "old.png"), f"it is in the output folder {out}, reached through a link")]


def test_a_rerun_removes_only_its_own_leftovers(model, tmp_path):
    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, 3, size=(16, 16))
    dst.mkdir()
    ours = dst / temp_name(dst / "img_001.png")  # what kill -9 during an encode leaves
    theirs = [dst / ".holiday.jpg.partial", dst / temp_name(dst / "not_an_output.png"), dst / "notes.txt"]
    for path in [ours, *theirs]:
        path.write_text("x")
    summary = convert_folder(model, src, dst, ConvertConfig(device="cpu", skip_existing=True))
    assert summary.ok and summary.converted == 3
    assert not ours.exists() and all(p.read_text() == "x" for p in theirs)


@pytest.mark.slow  # 8 s: in make test-slow, for make test's ten minutes
def test_kill_9_mid_conversion_then_rerun(tmp_path):
    model = make_model_file(tmp_path / "m.pt", blocks=4, ngf=16)
    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, 24, size=(160, 128))
    cmd = [sys.executable, "-m", "engine", "convert", "--model", str(model), "--input", str(src), "--output",
           str(dst), "--device", "cpu", "--format", "webp"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(dst.glob("img_*.webp"))) < 3:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = sorted(dst.glob("img_*.webp"))
    assert 3 <= len(done) < 24, "the conversion ended before it could be killed"
    for path in done:  # every output that exists is whole
        Image.open(path).load()
    rerun = subprocess.run(cmd + ["--skip-existing"], capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "skipped" in rerun.stdout
    assert sorted(p.name for p in dst.iterdir()) == [f"img_{i:03d}.webp" for i in range(24)]  # no temp files


def test_images_above_the_pixel_limit_are_refused_from_their_header(model, tmp_path, monkeypatch):
    monkeypatch.setattr(convert_module, "MAX_IMAGE_PIXELS", 100 * 100)
    src = tmp_path / "in"
    src.mkdir()
    Image.new("RGB", (101, 100)).save(src / "big.png")
    Image.new("RGB", (100, 100)).save(src / "fits.png")
    summary = convert_folder(model, src, tmp_path / "out", CPU)
    assert summary.converted == 1
    (source, reason), = summary.failed
    assert source.endswith("big.png") and "101x100 is 0 MP, more than the 0 MP this app converts" in reason


def test_a_folder_of_huge_images_is_decoded_one_at_a_time(model, tmp_path, monkeypatch):
    """The pixel budget of the decode look-ahead: never two huge images in memory at once."""
    monkeypatch.setattr(convert_module, "LOOKAHEAD_PIXELS", 50 * 50)
    src = tmp_path / "in"
    write_images(src, 6, size=(60, 60))
    live, most = [0], [0]
    real_decode, real_encode = convert_module.decode, convert_module.encode

    def decode(*args):
        live[0] += 1
        most[0] = max(most[0], live[0])
        return real_decode(*args)

    def encode(*args):
        note = real_encode(*args)
        live[0] -= 1
        return note

    monkeypatch.setattr(convert_module, "decode", decode)
    monkeypatch.setattr(convert_module, "encode", encode)
    summary = convert_folder(model, src, tmp_path / "out", ConvertConfig(device="cpu", workers=4))
    assert summary.ok and summary.converted == 6 and most[0] == 1


@pytest.mark.parametrize("tile,overlap", [(32, 0), (32, 16), (32, 1000), (48, 7), (32, -100)])
def test_every_pixel_is_covered_whatever_the_overlap(tile, overlap):
    """Tiles always meet or overlap: a negative overlap once left 77 % of an image black."""
    demo = load_model("demo")  # a trained model: tiles of a real photo agree with the whole image
    photo = Image.open(sorted(demo_images_dir().glob("*.jpg"))[0]).convert("RGB").resize((120, 90))
    image = torch.from_numpy(np.asarray(photo).copy()).permute(2, 0, 1)[None]
    whole = Translator(demo, "cpu", max_pixels=10**6)(image).int()
    tiled = Translator(demo, "cpu", tile=tile, overlap=overlap, max_pixels=10**6)(image).int()
    difference = (tiled - whole).abs().float()
    assert difference.mean() < 6 and (difference > 60).float().mean() < 1e-3


def test_disk_full_mid_conversion_keeps_what_was_written(model, tmp_path):
    src = tmp_path / "in"
    write_images(src, 8, size=(64, 64))
    with small_tmpfs(tmp_path / "small", "64k") as disk:
        summary = convert_folder(model, src, disk / "out", ConvertConfig(device="cpu", batch_size=1))
        assert "No space left on device" in summary.error and summary.converted < 8
        written = sorted((disk / "out").iterdir())
        assert len(written) == summary.converted and not [p for p in written if ".part" in p.name]
        for path in written:
            Image.open(path).load()


def test_skipping_results_there_already_passes_over_none_cut_short(model, tmp_path):
    """A result cut short (a copy stopped, an older tool) was skipped as "already there" and kept broken; one of each
    kind written whole is skipped (a crash pass)."""
    src = tmp_path / "in"
    write_images(src, 3, size=(64, 64))
    dst = tmp_path / "out"
    for fmt in ("png", "jpg", "webp"):
        first = convert_folder(model, src, dst / fmt, ConvertConfig(device="cpu", format=fmt))
        assert first.converted == 3
        cut = sorted((dst / fmt).iterdir())[1]
        cut.write_bytes(cut.read_bytes()[:-40])
        again = convert_folder(model, src, dst / fmt, ConvertConfig(device="cpu", format=fmt, skip_existing=True))
        assert again.skipped == 2 and [Path(s).name for s, _ in again.failed] == ["img_001.png"], fmt
        assert again.failed[0][1].startswith(f"{cut.name} in the output folder is cut short" if fmt != "webp" else
                                             f"{cut.name} is already in the output folder and is not an image"), fmt


def test_the_commands_summary_counts_what_a_full_disk_left_undone(tmp_path, capsys):
    """"5 converted, 0 skipped (already there), 0 failed" came before the disk-full error, of 200 (a crash pass)."""
    import re

    from engine.cli import main

    write_images(tmp_path / "in", 8, size=(64, 64))
    with small_tmpfs(tmp_path / "small", "64k") as disk:
        assert main(["convert", "--model", str(make_model_file(tmp_path / "m.pt")), "--input", str(tmp_path / "in"),
                     "--output", str(disk / "out"), "--device", "cpu"]) == 1
        converted = len(list((disk / "out").iterdir()))
    said = re.search(r"(\d+) converted, 0 skipped \(already there\), 0 failed, (\d+) not converted",
                     capsys.readouterr().out)
    assert said and int(said[1]) == converted < 8 and int(said[1]) + int(said[2]) == 8


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_the_largest_image_allowed_converts_under_3_gb(tmp_path):
    """A 177 MP decompression bomb (a PNG of a few hundred KB), the largest size accepted, with the demo model."""
    src = tmp_path / "in"
    src.mkdir()
    Image.new("RGB", (13600, 13000), (120, 80, 40)).save(src / "bomb.png")
    Image.new("RGB", (640, 480), (40, 90, 160)).save(src / "small.png")
    code = ("import resource, sys\nfrom engine.config import ConvertConfig\nfrom engine.convert import convert_folder\n"
            "from engine.modelfile import load_model\n"
            "s = convert_folder(load_model('demo'), sys.argv[1], sys.argv[2], ConvertConfig(device='cpu'))\n"
            "print(s.converted, len(s.failed), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(src), str(tmp_path / "out")], capture_output=True,
                          text=True, timeout=3000)
    assert proc.returncode == 0, proc.stderr[-2000:]
    converted, failed, peak_gb = proc.stdout.split()
    print(f"13600x13000 PNG, demo model, CPU: peak RSS {float(peak_gb):.2f} GB")
    assert converted == "2" and failed == "0" and float(peak_gb) < 3.0
    with Image.open(tmp_path / "out" / "bomb.png") as out:
        assert out.size == (13600, 13000)


def test_a_second_conversion_into_the_same_folder_is_refused(model, tmp_path, capsys):
    from engine.cli import main
    from engine.fileio import FolderBusy, folder_lock

    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, 2, size=(16, 16))
    dst.mkdir()
    leftover = dst / temp_name(dst / "img_000.png")  # the running conversion's temp file: must survive
    leftover.write_text("being written")
    with folder_lock(dst):
        with pytest.raises(FolderBusy, match="another conversion is writing into"):
            convert_folder(model, src, dst, CPU)
        assert main(["convert", "--model", "demo", "--input", str(src), "--output", str(dst)]) == 1
        assert "another conversion is writing into" in capsys.readouterr().err
    assert leftover.read_text() == "being written" and sorted(p.name for p in dst.iterdir()) == [leftover.name]
    assert convert_folder(model, src, dst, CPU).converted == 2  # once the first is done


def test_disk_full_injected_at_the_write(model, tmp_path, monkeypatch):
    """The same as the tmpfs test, where no tmpfs can be mounted: the third image's write fails with ENOSPC."""
    import errno

    src = tmp_path / "in"
    write_images(src, 6, size=(32, 32))
    real_write, writes = Path.write_bytes, [0]

    def write_bytes(self, data):  # each result is encoded in memory, then written with this
        writes[0] += 1
        if writes[0] >= 3:
            real_write(self, b"\x89PNG half")  # what a full disk leaves: a partial temp file
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    summary = convert_folder(model, src, tmp_path / "out", ConvertConfig(device="cpu", batch_size=1, workers=1))
    assert "No space left on device" in summary.error and f"{summary.converted} of 6 image(s) were written" in \
        summary.error
    written = sorted((tmp_path / "out").iterdir())
    assert [p.name for p in written] == [f"img_{i:03d}.png" for i in range(summary.converted)]
    monkeypatch.undo()
    for path in written:
        Image.open(path).load()


def test_a_file_already_where_a_result_goes_is_never_written_over_unasked(model, tmp_path):
    """A conversion into a folder holding a stranger's file of a result's name replaced it, and said nothing."""
    from engine.convert import OutputsExist

    src, dst = tmp_path / "in", tmp_path / "out"
    write_images(src, 2, size=(16, 16))
    dst.mkdir()
    (dst / "img_001.png").write_text("someone's notes")
    with pytest.raises(OutputsExist, match="1 file.s. in .* have the names of this conversion.s results .such as "
                                           "img_001.png"):
        convert_folder(model, src, dst, CPU)
    assert sorted(p.name for p in dst.iterdir()) == ["img_001.png"]  # nothing written, not even the first
    assert (dst / "img_001.png").read_text() == "someone's notes"
    kept = convert_folder(model, src, dst, ConvertConfig(device="cpu", skip_existing=True))
    assert kept.converted == 1 and len(kept.failed) == 1 and (dst / "img_001.png").read_text() == "someone's notes"
    replaced = convert_folder(model, src, dst, ConvertConfig(device="cpu", replace_existing=True))
    assert replaced.converted == 2 and Image.open(dst / "img_001.png").size == (16, 16)
    with pytest.raises(ValueError, match="opposite"):
        ConvertConfig(skip_existing=True, replace_existing=True).validate()
    (dst / "img_000.png").unlink()  # a folder of a result's name: "replace existing does" was said, and failed
    (dst / "img_000.png").mkdir()
    kept = convert_folder(model, src, dst, ConvertConfig(device="cpu", skip_existing=True))
    assert [r for _, r in kept.failed] == ["img_000.png is a folder in the output folder: move it, or choose another "
                                           "output folder or a name suffix"]
    # replacing, said the same before the picture is translated: it failed "[Errno 21] Is a directory" after
    replaced = convert_folder(model, src, dst, ConvertConfig(device="cpu", replace_existing=True))
    assert [r for _, r in replaced.failed] == [r for _, r in kept.failed] and replaced.converted == 1
    assert (dst / "img_000.png").is_dir()


def test_a_result_whose_name_is_taken_while_it_is_made_keeps_the_file_there(model, tmp_path):
    """Two conversions into nested folders (K and K/sub) both checked for earlier results before either wrote, and
    the second wrote over every result of the first, unasked (a convert pass). A result is now put in place only
    where its name is still free, unless replacing was asked for (or the file was there, empty, to begin with)."""
    from engine.convert import WrittenMeanwhile, decode, encode

    write_images(tmp_path / "in", 1, size=(16, 16))
    source = tmp_path / "in" / "img_000.png"
    decoded = decode(source, 3, "PNG")
    out = tmp_path / "out.png"
    out.write_text("the other conversion's result")
    with pytest.raises(WrittenMeanwhile, match="appeared in the output folder while this ran"):
        encode(decoded.pixels, decoded, out, "PNG", 95, replace=False)
    assert out.read_text() == "the other conversion's result" and list(tmp_path.glob(".out.png.*")) == []
    encode(decoded.pixels, decoded, out, "PNG", 95)  # asked to replace
    assert Image.open(out).size == (16, 16)


@pytest.mark.skipif(sys.platform != "linux", reason="a process's address space is limited with Linux's rlimit")
def test_running_out_of_memory_on_the_cpu_is_said_in_words(tmp_path):
    """The CPU allocator's "RuntimeError: [enforce fail at alloc_cpu.cpp:127] … can't allocate memory" reached the
    user as it was; a GPU's out of memory was said in words (a CLI hostile pass). A 24-MP picture converted whole in
    a process of 6 GB of address space."""
    import resource

    from engine.devices import out_of_memory

    assert out_of_memory(RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 9 bytes"))
    assert not out_of_memory(RuntimeError("shapes cannot be multiplied"))
    (tmp_path / "in").mkdir()
    noise = np.random.default_rng(0).integers(0, 256, (4000, 6000, 3), dtype=np.uint8)
    Image.fromarray(noise).save(tmp_path / "in" / "big.bmp")

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))

    proc = cyclegan("convert", "--model", "demo", "--input", tmp_path / "in", "--output", tmp_path / "out",
                    "--max-pixels", "1000000000", check=False, preexec_fn=limited)  # a process of its own
    last = proc.stderr.strip().splitlines()[-1]
    assert proc.returncode == 1 and "out of memory translating 6000x4000 images" in last, last
    assert "RuntimeError" not in proc.stderr and not (tmp_path / "out").exists()  # the folder it made: not left
