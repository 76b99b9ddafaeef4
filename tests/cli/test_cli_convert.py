"""``cyclegan export``, ``info`` and ``convert`` end to end."""

import json
from pathlib import Path

import pytest
from PIL import Image

from tests.cli.test_cli_train import TINY, cyclegan
from tests.conftest import write_images


def test_train_export_info_convert(tiny_dataset, tmp_path):
    run = tmp_path / "run"
    cyclegan("train", "--data", tiny_dataset, "--out", run, *TINY, "--max-steps", 1, "--name-a", "day",
             "--name-b", "night")
    proc = cyclegan("export", "--run", run, "--direction", "BtoA", "--out", tmp_path / "n2d.pt")
    assert "night -> day" in proc.stdout
    info = json.loads(cyclegan("info", tmp_path / "n2d.pt").stdout)
    assert info["direction"] == "BtoA" and info["steps"] == 1 and info["kind"] == "model"
    # it wrote over any file it was given, the run's own checkpoint included, which broke the run
    latest, before = run / "checkpoints" / "latest.pt", (run / "checkpoints" / "latest.pt").read_bytes()
    proc = cyclegan("export", "--run", run, "--out", latest, "--replace", check=False)
    assert proc.returncode == 1 and "inside the run folder" in proc.stderr and latest.read_bytes() == before
    model_bytes = (tmp_path / "n2d.pt").read_bytes()
    proc = cyclegan("export", "--run", run, "--out", tmp_path / "n2d.pt", "--onnx", tmp_path / "n2d.onnx", check=False)
    assert proc.returncode == 1 and "already exists" in proc.stderr and "--replace" in proc.stderr
    assert (tmp_path / "n2d.pt").read_bytes() == model_bytes and not (tmp_path / "n2d.onnx").exists()

    src = tmp_path / "photos"
    write_images(src / "sub", 3, size=(50, 30))
    proc = cyclegan("convert", "--model", tmp_path / "n2d.pt", "--input", src, "--output", tmp_path / "out",
                    "--format", "jpg", "--device", "cpu")
    assert "3 converted" in proc.stdout and "3/3" in proc.stderr
    assert Image.open(tmp_path / "out" / "sub" / "img_000.jpg").size == (50, 30)
    # a run folder works as the model; --skip-existing leaves finished outputs alone
    proc = cyclegan("convert", "--model", run, "--input", src, "--output", tmp_path / "out", "--format", "jpg",
                    "--skip-existing")
    assert "0 converted, 3 skipped" in proc.stdout
    assert "img" not in proc.stderr  # an empty "0img [00:00, ?img/s]" bar, twice, with nothing left to do
    # once more, neither kept nor replaced: refused, the message saying how to go on (it wrote over them silently)
    before = (tmp_path / "out" / "sub" / "img_000.jpg").read_bytes()
    proc = cyclegan("convert", "--model", run, "--input", src, "--output", tmp_path / "out", "--format", "jpg",
                    check=False)
    assert proc.returncode == 1 and "3 file(s) in " in proc.stderr
    assert "they may be earlier results or files of your own" in proc.stderr
    assert "--skip-existing" in proc.stderr and "--replace-existing" in proc.stderr
    assert (tmp_path / "out" / "sub" / "img_000.jpg").read_bytes() == before
    proc = cyclegan("convert", "--model", run, "--input", src, "--output", tmp_path / "out", "--format", "jpg",
                    "--replace-existing")
    assert "3 converted" in proc.stdout


def test_convert_failures_exit_non_zero(model_file, tmp_path):
    src = tmp_path / "in"
    write_images(src, 1)
    (src / "bad.png").write_bytes(b"junk")
    proc = cyclegan("convert", "--model", model_file, "--input", src, "--output", tmp_path / "out", check=False)
    assert proc.returncode == 1 and "1 image(s) could not be converted" in proc.stderr
    assert "bad.png" in proc.stderr
    assert "failed " in proc.stderr and "skipped " not in proc.stderr  # named as the summary counts it
    assert "0img [" not in proc.stderr  # no empty bar before the first image
    proc = cyclegan("convert", "--model", model_file, "--input", src, "--output", src / "o", check=False)
    assert proc.returncode == 1 and "inside the input folder" in proc.stderr.splitlines()[-1]
    (tmp_path / "evil.pt").write_bytes(b"garbage")
    proc = cyclegan("convert", "--model", tmp_path / "evil.pt", "--input", src, "--output", tmp_path / "o2",
                    check=False)
    assert proc.returncode == 1 and "not a readable model file" in proc.stderr


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where no folder can be made")
def test_a_conversion_that_could_not_begin_prints_no_summary(model_file, tmp_path):
    """"0 converted, 0 skipped …" came first on stdout, then the error: a script read a run that converted nothing
    (a CLI hostile pass)."""
    write_images(tmp_path / "in", 1)
    proc = cyclegan("convert", "--model", model_file, "--input", tmp_path / "in", "--output", "/proc/cyclegan-x",
                    check=False)
    assert proc.returncode == 1 and "cannot create the output folder /proc/cyclegan-x" in proc.stderr
    assert proc.stdout == ""


def test_a_published_model_not_downloaded_says_how_to_get_it(tmp_path, monkeypatch):
    """`models list` names style_monet; converting with it said only "style_monet does not exist" (a README walk)."""
    monkeypatch.setenv("CYCLEGAN_STUDIO_HOME", str(tmp_path / "home"))
    write_images(tmp_path / "in", 1)
    proc = cyclegan("convert", "--model", "style_monet", "--input", tmp_path / "in", "--output", tmp_path / "out",
                    check=False)
    assert proc.returncode == 1
    assert "style_monet is a published model not downloaded yet: cyclegan models download style_monet" in proc.stderr
    proc = cyclegan("convert", "--model", "no_such_model", "--input", tmp_path / "in", "--output", tmp_path / "out",
                    check=False)
    assert "no_such_model does not exist" in proc.stderr


def test_an_offline_download_says_so_in_one_line(tmp_path, monkeypatch):
    """It printed an empty "style_monet: 0.00B" progress bar twice before the error (a README walk-through)."""
    import socket

    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("CYCLEGAN_STUDIO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CYCLEGAN_STUDIO_MIRROR", f"http://127.0.0.1:{port}")
    proc = cyclegan("models", "download", "style_monet", check=False)
    assert proc.returncode == 1 and "are you offline? Nothing was downloaded" in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "0.00B" not in proc.stderr


def as_a_plain_user() -> list[str]:
    """A command prefix under which permissions hold: root reads any folder, so as root the command runs without
    the capabilities that let it (util-linux setpriv); skipped where neither is possible."""
    import os
    import shutil

    import pytest

    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("runs as root without setpriv: an unreadable folder cannot be made")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


@pytest.mark.slow  # 7 s: in make test-slow, for make test's ten minutes
def test_an_unreadable_folder_is_named_not_passed_over(tiny_dataset, tmp_path):
    """os.walk passes over a folder it cannot read: one without read permission was converted as if empty
    ("1 converted, 0 failed", exit 0), and a side's unreadable folder was said to hold "no images"."""
    import subprocess
    import sys

    src = tmp_path / "photos"
    write_images(src, 1)
    write_images(src / "secret", 2)
    (src / "secret").chmod(0)
    try:
        proc = subprocess.run([*as_a_plain_user(), sys.executable, "-m", "engine", "convert", "--model", "demo",
                               "--input", str(src), "--output", str(tmp_path / "out")],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert f"failed {src / 'secret'}: this folder cannot be read (permission denied)" in proc.stderr
        assert "1 converted" in proc.stdout and "1 failed" in proc.stdout
        (tiny_dataset / "trainB").chmod(0)
        proc = subprocess.run([*as_a_plain_user(), sys.executable, "-m", "engine", "train", "--data",
                               str(tiny_dataset), "--out", str(tmp_path / "run"), *map(str, TINY)],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 1
        assert "trainB: this folder cannot be read (permission denied)" in proc.stderr, proc.stderr
    finally:
        (src / "secret").chmod(0o755)
        (tiny_dataset / "trainB").chmod(0o755)


def test_an_export_writes_all_its_copies_or_none(tiny_dataset, tmp_path):
    """--out was written, then the TorchScript copy failed in a read-only folder, naming its temporary file; the
    rerun then met "already exists" for the copy that had been made."""
    import subprocess
    import sys

    run = tmp_path / "run"
    cyclegan("train", "--data", tiny_dataset, "--out", run, *TINY, "--max-steps", 1)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        proc = subprocess.run([*as_a_plain_user(), sys.executable, "-m", "engine", "export", "--run", str(run),
                               "--out", str(tmp_path / "m.pt"), "--torchscript", str(locked / "m.ts")],
                              capture_output=True, text=True, timeout=300)
    finally:
        locked.chmod(0o755)
    assert proc.returncode == 1 and f"cannot write {locked / 'm.ts'}: {locked} is not writable" in proc.stderr
    assert not (tmp_path / "m.pt").exists() and list(locked.iterdir()) == []
    # ONNX written under a .safetensors name, which then read as a damaged safetensors file (a CLI hostile pass)
    proc = cyclegan("export", "--run", run, "--out", tmp_path / "m.pt", "--onnx", tmp_path / "h2.safetensors",
                    check=False)
    assert proc.returncode == 1 and "h2.safetensors names a safetensors file, but it is given for the ONNX copy: " \
        "name it h2.onnx" in proc.stderr and not (tmp_path / "m.pt").exists()
    # a name holding a line break was said on two lines
    proc = cyclegan("export", "--run", run, "--out", tmp_path / "two\nlines.pt", "--safetensors", tmp_path / "b\nc")
    assert proc.stdout.splitlines()[0].startswith(f"wrote {tmp_path}/two\\nlines.pt (")
    assert proc.stdout.splitlines()[1:] == [f"wrote {tmp_path}/b\\nc"]


def test_an_export_stopped_by_any_error_removes_the_copies_it_made(tiny_dataset, tmp_path, monkeypatch):
    """Only OSError and ModelFileError rolled back: an exporter's own error (or Ctrl-C) left --out behind."""
    import engine.modelfile

    run = tmp_path / "run"
    cyclegan("train", "--data", tiny_dataset, "--out", run, *TINY, "--max-steps", 1)

    def exporter_fails(*args, **kwargs):
        raise RuntimeError("the tracer gave up")

    monkeypatch.setattr(engine.modelfile, "export_torchscript", exporter_fails)
    proc = cyclegan("export", "--run", run, "--out", tmp_path / "m.pt", "--torchscript", tmp_path / "m.ts",
                    check=False)
    assert proc.returncode == 1 and "the tracer gave up" in proc.stderr
    assert not (tmp_path / "m.pt").exists()
    monkeypatch.undo()
    both = cyclegan("export", "--run", run, "--out", tmp_path / "m.pt", "--safetensors", tmp_path / "m.safetensors")
    assert both.stdout.splitlines()[1:] == [f"wrote {tmp_path / 'm.safetensors'}"]  # only the model file was said


def test_pillows_warnings_are_printed_above_the_bar_in_a_line_of_their_own(tmp_path):
    """Pillow's "Corrupt EXIF data" came with its source file and line, into the middle of the progress bar."""
    from PIL import Image

    src = tmp_path / "in"
    src.mkdir()
    cut_short = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x05\x00\x0f\x01\x02\x00"  # says five entries, holds one
    Image.new("RGB", (32, 24), (100, 120, 140)).save(src / "camera.jpg", exif=cut_short)
    proc = cyclegan("convert", "--model", "demo", "--input", src, "--output", tmp_path / "out")
    lines = proc.stderr.replace("\r", "\n").splitlines()
    assert any(line.startswith("warning: Corrupt EXIF data") for line in lines), proc.stderr
    assert "UserWarning" not in proc.stderr and "TiffImagePlugin.py" not in proc.stderr


@pytest.mark.slow  # 4 s: in make test-slow, for make test's ten minutes
def test_a_stop_signal_ends_a_conversion_after_its_image_and_says_so_in_the_exit_status(tmp_path):
    """SIGTERM (timeout, kill) was not caught: the conversion ended mid-image, unsaid; Ctrl-C exited 1, as a
    failure does, where training exits 128 + the signal (a hostile CLI pass)."""
    import signal
    import subprocess
    import sys
    import time

    write_images(tmp_path / "in", 40, size=(384, 256))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "engine", "convert", "--model", "demo", "--input", str(tmp_path / "in"),
           "--output", str(out), "--device", "cpu", "--workers", "1", "--compile", "off"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (out.is_dir() and any(out.glob("*.png"))):
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "cancelled; run again with --skip-existing to continue" in err
    written = sorted(out.glob("*.png"))
    assert 0 < len(written) < 40 and all(Image.open(p).size == (384, 256) for p in written)  # whole images only
    assert not [p for p in out.iterdir() if not p.name.endswith(".png")]  # no temporary file left


@pytest.mark.slow  # 4 s: in make test-slow, for make test's ten minutes
def test_a_conversion_whose_reader_goes_away_converts_every_image(model_file, tmp_path):
    """`cyclegan convert … | head`: the bar's first write to the closed pipe raised BrokenPipeError, which stopped
    the conversion before its first image, and it exited 0 with nothing written (a hostile training pass)."""
    import os
    import subprocess
    import sys

    write_images(tmp_path / "in", 6)
    proc = subprocess.Popen([sys.executable, "-m", "engine", "convert", "--model", str(model_file), "--input",
                             str(tmp_path / "in"), "--output", str(tmp_path / "out"), "--device", "cpu"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        os.read(proc.stderr.fileno(), 1)  # it has begun talking; its reader goes away
        proc.stderr.close()
        proc.stdout.close()
        assert proc.wait(timeout=120) == 0
    finally:
        proc.kill()
        proc.wait()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in (tmp_path / "in").iterdir())


def test_misleading_words_of_import_and_resume_are_put_right(tmp_path, monkeypatch, model_file, tiny_dataset):
    """A CLI hostile pass: any folder given to import was "a run folder"; a mistyped --resume was "not a run
    directory (no config.json)"; a model imported as "demo" could never be reached by that name, which opens the
    built-in demo."""
    monkeypatch.setenv("CYCLEGAN_STUDIO_HOME", str(tmp_path / "home"))
    proc = cyclegan("import", tiny_dataset, "--out", tmp_path / "d.pt", check=False)
    assert proc.returncode == 1 and f"{tiny_dataset} is a folder, not a model file" in proc.stderr
    proc = cyclegan("train", "--resume", tmp_path / "no_such_run", check=False)
    assert proc.returncode == 1 and f"{tmp_path / 'no_such_run'} does not exist" in proc.stderr
    proc = cyclegan("import", model_file, "--name", "Demo", check=False)
    assert proc.returncode == 1 and "'Demo' is reserved for the built-in demo model; choose another name" in proc.stderr
    assert not list((tmp_path / "home").rglob("*.pt"))


def test_the_commands_beside_train_and_convert_say_plainly_what_is_wrong(tmp_path, monkeypatch, model_file):
    """What a CLI hostile pass met in import, info and evaluate: a TorchScript export called "damaged" in PyTorch's
    words, "file exists" for a link to nothing, a file imported onto itself, "'demo' names the built-in demo model",
    a name changed unsaid, a file said not to exist, a list as config.json named by a class, escaped letters."""
    import os

    import torch

    monkeypatch.setenv("CYCLEGAN_STUDIO_HOME", str(tmp_path / "home"))
    torch.jit.save(torch.jit.script(torch.nn.Identity()), str(tmp_path / "m.ts"))
    proc = cyclegan("info", tmp_path / "m.ts", check=False)
    assert proc.returncode == 1 and "a TorchScript copy" in proc.stderr and "weights_only" not in proc.stderr

    (tmp_path / "dangling.pt").symlink_to(tmp_path / "nowhere.pt")
    proc = cyclegan("import", model_file, "--out", tmp_path / "dangling.pt", check=False)
    assert proc.returncode == 1 and "dangling.pt is a link to a missing file" in proc.stderr
    before = model_file.read_bytes()
    proc = cyclegan("import", model_file, "--out", model_file, "--replace", check=False)
    assert proc.returncode == 1 and "is the file being read" in proc.stderr and model_file.read_bytes() == before
    assert "is built in: it is in the library already" in cyclegan("import", "demo", check=False).stderr
    assert cyclegan("import", model_file, "--name", " ", check=False).returncode == 2
    proc = cyclegan("import", model_file, "--name", "../x", "--a", "café", "--b", "日本")
    assert "not ../x: characters a file or folder name cannot hold were replaced" in proc.stderr
    assert '"café"' in cyclegan("info", proc.stdout.split()[1]).stdout  # not "caf\\u00e9"

    proc = cyclegan("evaluate", "--model", model_file, "--input", model_file, "--truth", tmp_path, check=False)
    assert f"the input folder {model_file} is a file" in proc.stderr
    proc = cyclegan("evaluate", "--model", model_file, "--data", tmp_path / "nope", check=False)
    assert f"the dataset folder {tmp_path / 'nope'} does not exist" in proc.stderr
    proc = cyclegan("evaluate", "--model", model_file, "--data", tmp_path, "--input", tmp_path, "--truth", tmp_path,
                    check=False)
    assert "give --data, or --input and --truth, not both" in proc.stderr
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "config.json").write_text("[1, 2]")
    proc = cyclegan("info", tmp_path / "r", check=False)
    assert f"{tmp_path / 'r' / 'config.json'} is not a settings file: it holds a list" in proc.stderr
    if os.path.exists("/proc/self/mem"):  # a file that exists and cannot be read: "OSError: [Errno 5] …"
        proc = cyclegan("info", "/proc/self/mem", check=False)
        assert proc.returncode == 1 and "Errno" not in proc.stderr and "OSError" not in proc.stderr


def test_a_model_file_in_a_loop_of_links_is_said_in_words(tmp_path, monkeypatch, capsys):
    """convert said "OSError: [Errno 40] Too many levels of symbolic links", import "RuntimeError: Symlink loop
    from …", and info that the file does not exist (a CLI hostile pass)."""
    from engine.cli import main

    monkeypatch.setenv("CYCLEGAN_STUDIO_HOME", str(tmp_path / "home"))
    write_images(tmp_path / "in", 1)
    for kind in (".pt", ".safetensors"):  # (a .safetensors one was "damaged, cut short, or …": a review)
        one, two = tmp_path / f"one{kind}", tmp_path / f"two{kind}"
        one.symlink_to(two)
        two.symlink_to(one)
        for command in (["convert", "--model", str(one), "--input", str(tmp_path / "in"), "--output",
                         str(tmp_path / "out")], ["import", str(one), "--out", str(tmp_path / "m.pt")],
                        ["info", str(one)]):
            assert main(command) == 1
            said = capsys.readouterr().err
            assert f"{one}: too many levels of symbolic links" in said and "Error" not in said, said
    assert not (tmp_path / "out").exists() and not (tmp_path / "m.pt").exists()


def test_the_summary_is_one_line_whatever_the_output_folder_is_named(tmp_path, monkeypatch, capsys):
    """An output folder named with a line break split the summary in two (a CLI hostile pass)."""
    from engine.cli import main

    monkeypatch.setenv("CYCLEGAN_STUDIO_HOME", str(tmp_path / "home"))
    write_images(tmp_path / "in", 1)
    assert main(["convert", "--model", "demo", "--input", str(tmp_path / "in"), "--output",
                 str(tmp_path / "out\nnext")]) == 0
    said = capsys.readouterr().out
    assert said.count("\n") == 1 and said.rstrip().endswith("out\\nnext"), said
