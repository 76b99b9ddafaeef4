"""Files this program writes: only its own are ever removed, and they get the permissions open() would give."""

import os
import stat
from pathlib import Path

import pytest
import torch
from PIL import Image

from engine import Trainer
from engine.config import ConvertConfig
from engine.convert import convert_folder
from engine.fileio import atomic_path, atomic_write_text, stale_temp_files, temp_name
from engine.modelfile import export_model, export_torchscript, load_model, save_model
from engine.rundir import RunDir
from tests.cli.test_cli_train import TINY, cyclegan
from tests.conftest import tiny_config, write_images


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """Set the process umask for one test (Python's own tests do the same)."""
    old = os.umask(0o022)
    yield lambda value: os.umask(value)
    os.umask(old)


def test_train_out_never_deletes_a_users_files(tiny_dataset, tmp_path):
    other = tmp_path / "other"
    (other / "Downloads").mkdir(parents=True)
    movie = other / "Downloads" / ".movie.mkv.partial"
    movie.write_text("x")
    proc = cyclegan("train", "--data", tiny_dataset, "--out", other, *TINY, "--max-steps", 1, check=False)
    assert proc.returncode != 0 and "is not empty" in proc.stderr and "Downloads" in proc.stderr
    assert movie.read_text() == "x"
    assert sorted(p.name for p in other.iterdir()) == ["Downloads"]  # nothing written either


def test_resume_cleans_only_its_own_temp_files(tiny_dataset, tmp_path):
    run = RunDir(tmp_path / "run")
    Trainer(tiny_config(tiny_dataset, run.path, max_steps=2, sample_every=1)).run()
    ours = [run.checkpoints / temp_name(run.latest), run.path / temp_name(run.config),
            run.samples / temp_name(run.sample_grid(3)),
            run.checkpoints / ".latest.pt.k2x_9abc.part.pt"]  # the mkstemp name of earlier versions
    theirs = [run.checkpoints / ".notes.part", run.samples / ".holiday.jpg.partial", run.path / ".latest.pt.keep",
              run.checkpoints / f".mine.pt.{'a' * 8}.part.pt", run.path / "notes.txt"]
    for path in ours + theirs:
        path.write_text("x")
    resumed = Trainer.from_run(run.path, max_steps=3)
    resumed.run()
    assert [p for p in ours if p.exists()] == []
    assert all(p.read_text() == "x" for p in theirs)


def test_stale_temp_files_match_only_the_pattern_of_named_targets(tmp_path):
    target = tmp_path / "photo.jpg"
    ours = tmp_path / temp_name(target)
    for name in (ours.name, ".photo.jpg.partial", ".photo.jpg.12345678.part", ".other.jpg.abcdef12.part.jpg"):
        (tmp_path / name).write_text("x")
    (tmp_path / ".photo.jpg.0123abcd.part.jpg").mkdir()  # a folder is never a temp file of ours
    found = stale_temp_files(tmp_path, {"photo.jpg"}.__contains__)
    assert sorted(p.name for p in found) == sorted([ours.name, ".photo.jpg.12345678.part"])


def test_atomic_writes_respect_the_umask_and_keep_a_replaced_files_mode(tmp_path, umask):
    atomic_write_text(tmp_path / "a.txt", "x")
    assert mode(tmp_path / "a.txt") == 0o644
    umask(0o077)
    atomic_write_text(tmp_path / "b.txt", "x")
    assert mode(tmp_path / "b.txt") == 0o600
    umask(0o022)
    (tmp_path / "c.txt").write_text("old")
    os.chmod(tmp_path / "c.txt", 0o640)
    atomic_write_text(tmp_path / "c.txt", "new")
    assert mode(tmp_path / "c.txt") == 0o640 and (tmp_path / "c.txt").read_text() == "new"
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "d.txt") as tmp:
        tmp.write_text("half")
        raise RuntimeError("writer failed")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt", "c.txt"]


def test_every_output_is_readable_by_others(tiny_dataset, tmp_path, umask):
    """Run files, exported models and converted images: 0644 under umask 022 (they were 0600)."""
    run = tmp_path / "run"
    Trainer(tiny_config(tiny_dataset, run, max_steps=2, sample_every=1, keep_every=2)).run()
    model = export_model(run, "AtoB", tmp_path / "m.pt")
    loaded = load_model(model)
    copies = [save_model(tmp_path / "m.safetensors", loaded.generator, loaded.metadata),  # it was 0600
              export_torchscript(loaded, tmp_path / "m.ts")]
    write_images(tmp_path / "in", 2, size=(20, 16))
    convert_folder(loaded, tmp_path / "in", tmp_path / "out", ConvertConfig(device="cpu", format="jpg"))
    files = [p for p in run.rglob("*") if p.is_file()] + [model, *copies]
    files += list((tmp_path / "out").iterdir())
    assert len(files) >= 10
    assert {str(p.relative_to(tmp_path)): oct(mode(p)) for p in files if mode(p) != 0o644} == {}


@pytest.mark.slow  # 8 s, processes of their own: in make test-slow, for make test's ten minutes
def test_cli_outputs_follow_the_callers_umask(tiny_dataset, tmp_path):
    run = tmp_path / "run"
    cyclegan("train", "--data", tiny_dataset, "--out", run, *TINY, "--max-steps", 1, preexec_fn=lambda: os.umask(0o027))
    assert mode(run / "checkpoints" / "latest.pt") == 0o640 and mode(run / "config.json") == 0o640
    Image.new("RGB", (8, 8)).save(tmp_path / "x.png")
    (tmp_path / "in").mkdir()
    os.replace(tmp_path / "x.png", tmp_path / "in" / "x.png")
    cyclegan("convert", "--model", run, "--input", tmp_path / "in", "--output", tmp_path / "out",
             preexec_fn=lambda: os.umask(0o002))
    assert mode(tmp_path / "out" / "x.png") == 0o664


def test_checkpoint_files_from_atomic_torch_save_load(tmp_path):
    from engine.fileio import atomic_torch_save

    atomic_torch_save({"w": torch.ones(3)}, tmp_path / "x.pt")
    assert torch.equal(torch.load(tmp_path / "x.pt", weights_only=True)["w"], torch.ones(3))


@pytest.mark.parametrize("name", ["y" * 240 + ".png", "写" * 80 + ".jpg"], ids=["240 bytes", "80 CJK characters"])
def test_a_legal_name_near_the_limit_is_written(tmp_path, model_file, name):
    """A 244-byte input name (80 CJK characters are enough) failed to convert, "[Errno 36] File name too long" of the
    temp file, 19 bytes longer than the output's own name (a convert pass)."""
    from engine.fileio import atomic_write_bytes

    atomic_write_bytes(tmp_path / name, b"kept")
    assert (tmp_path / name).read_bytes() == b"kept" and len(list(tmp_path.iterdir())) == 2  # no temp file left
    write_images(tmp_path / "in", 1)[0].rename(tmp_path / "in" / name)
    summary = convert_folder(load_model(model_file), tmp_path / "in", tmp_path / "out")
    assert summary.converted == 1 and [p.name for p in (tmp_path / "out").iterdir()] == [name]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc, where no file can be made")
def test_a_target_that_cannot_be_made_is_named_not_its_temporary_file():
    """"/proc/.x.pt.4606f5ce.part.pt: no such file or directory" for `cyclegan export --out /proc/x.pt`: the
    temporary file was named, not the one asked for (a CLI hostile pass)."""
    from engine.fileio import atomic_write_bytes

    with pytest.raises(OSError) as raised:
        atomic_write_bytes(Path("/proc/cyclegan-studio-test.pt"), b"x")
    assert raised.value.filename == "/proc/cyclegan-studio-test.pt"
