"""Runs that survive what happens to real machines: kills, damaged files, full disks, two processes at once."""

import errno
import io
import json
import signal
import subprocess
import sys
import time

import pytest
import torch

from engine import Control, Failed, Finished, Message, ModelConfig, Progress, Trainer, read_metrics
from engine import fileio
from engine.rundir import CheckpointError, RunDir, RunLock, RunLocked
from tests.cli.test_cli_train import TINY, cyclegan
from tests.conftest import read_only, small_tmpfs, tiny_config


def train(dataset, run, **kw):
    events = []
    trainer = Trainer(tiny_config(dataset, run, **kw))
    return trainer.run(events.append), events


def resume(run, **kw):
    events = []
    trainer = Trainer.from_run(run, **kw)
    return trainer, trainer.run(events.append), events


def warnings(events) -> str:
    return "\n".join(e.text for e in events if isinstance(e, Message))


def start_training(dataset, run, *extra) -> subprocess.Popen:
    """A real `cyclegan train` that runs until killed, once it has logged a step."""
    cmd = [sys.executable, "-m", "engine", "train", "--data", str(dataset), "--out", str(run), *TINY,
           "--epochs", "1000", "--log-every", "1", *map(str, extra)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not read_metrics(run):
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    return proc


def test_every_step_to_keep_is_kept_whatever_save_every_says(tiny_dataset, tmp_path):
    """``--keep-every 2`` with the default ``--save-every 1000`` kept step 4 of 4 and nothing else: numbered copies
    were made only on save steps."""
    run = RunDir(tmp_path / "run")
    train(tiny_dataset, run.path, max_steps=5, keep_every=2, save_every=1000)
    assert sorted(p.name for p in run.checkpoints.glob("step_*.pt")) == ["step_00000002.pt", "step_00000004.pt"]


def test_a_numbered_copy_left_out_by_a_kill_is_made_when_the_run_resumes(tiny_dataset, tmp_path):
    """Killed after latest.pt of step 4 was written and before its numbered copy was, the run resumed from step 4
    and never made step_00000004.pt: its step is not trained again (a hostile training pass)."""
    run = RunDir(tmp_path / "run")
    train(tiny_dataset, run.path, max_steps=4, keep_every=2, save_every=1)
    run.numbered_checkpoint(4).unlink()  # as the kill left it
    trainer, result, _ = resume(run.path, max_steps=6)
    assert isinstance(result, Finished) and trainer.resumed_from == run.latest
    assert sorted(p.name for p in run.checkpoints.glob("step_*.pt")) == [
        "step_00000002.pt", "step_00000004.pt", "step_00000006.pt"]
    assert torch.load(run.numbered_checkpoint(4), weights_only=True)["step"] == 4


@pytest.mark.parametrize("damage", ["cut", "emptied"])
def test_a_damaged_config_is_read_again_from_the_newest_checkpoint(tiny_dataset, tmp_path, damage):
    """A config.json cut short blocked resuming for good ("… is not valid JSON"), though every checkpoint holds the
    settings; one emptied to {} said the folder it ran in held no dataset (a hostile training pass)."""
    from engine.config import TrainConfig, load_json

    run = RunDir(tmp_path / "run")
    train(tiny_dataset, run.path, max_steps=2)
    before = load_json(TrainConfig, run.config)
    damaged = run.config.read_text()[:100] if damage == "cut" else "{}"
    run.config.write_text(damaged)
    if damage == "cut":  # described from a checkpoint too: `cyclegan info` failed where resuming mended it (a crash
        from engine.rundir import describe  # pass)

        assert describe(run.path)["crop_size"] == before.crop_size
    trainer, result, events = resume(run.path, max_steps=3)
    assert isinstance(result, Finished) and result.step == 3
    assert "the run's settings were read from checkpoints/latest.pt instead, and config.json is written again" in (
        warnings(events))
    assert (run.path / "config.damaged.json").read_text() == damaged  # a hand edit is the user's: kept (a review)
    again = load_json(TrainConfig, run.config)
    assert (again.data, again.model, again.crop_size, again.max_steps) == (before.data, before.model,
                                                                          before.crop_size, 3)
    from engine.rundir import delete_run  # it is the run's: deleting the run said it was "not written by this app"

    assert delete_run(run.path) == [] and not run.path.exists()


def test_a_run_whose_config_was_deleted_is_listed_converts_and_resumes(tiny_dataset, tmp_path):
    """With config.json deleted the run vanished from the app's lists, and its checkpoints could not be used, though
    each holds the settings (a datasets and runs pass): it is listed, converts, and resuming writes it again."""
    from engine.config import TrainConfig, load_json
    from engine.library import Library
    from engine.modelfile import load_from_run
    from engine.rundir import load_config

    library = Library(tmp_path / "library")
    run = RunDir(library.runs_dir / "run")
    train(tiny_dataset, run.path, max_steps=2)
    before = load_json(TrainConfig, run.config)
    run.config.unlink()
    assert library.runs() == [run.path]
    assert load_from_run(run.path).generator is not None
    assert load_config(run.path).data == before.data  # what info, Continue and Convert read (a review)
    assert json.loads(cyclegan("info", run.path).stdout)["kind"] == "run"
    trainer, result, events = resume(run.path, max_steps=3)
    assert isinstance(result, Finished) and result.step == 3
    assert (f"{run.config} is missing; the run's settings were read from checkpoints/latest.pt instead, and "
            "config.json is written again from them") in warnings(events)
    assert load_json(TrainConfig, run.config).data == before.data and not run.damaged_config.exists()


@pytest.mark.parametrize("change", ["grown", "shrunk"])
def test_an_epoch_counted_run_resumed_on_a_dataset_of_another_size_keeps_its_schedule(tiny_dataset, tmp_path,
                                                                                      change):
    """Epochs counted anew on resume: grown, 24 planned steps became 66 and the learning rate went below zero
    from step 44; shrunk, the run ended before its decay (a CLI hostile pass). It keeps the epochs it was planned
    with, and says so."""
    from tests.conftest import write_images

    run = RunDir(tmp_path / "run")
    train(tiny_dataset, run.path, max_steps=7)  # 5 pictures a side at most: 5 steps an epoch, 20 planned
    if change == "grown":
        for side, seed in (("A", 3), ("B", 4)):
            for path in write_images(tmp_path / "more" / side, 6, seed=seed):
                path.rename(tiny_dataset / f"train{side}" / f"more_{path.name}")
    else:
        for path in sorted((tiny_dataset / "trainA").iterdir())[:3]:
            path.unlink()
    trainer, result, events = resume(run.path, max_steps=0)
    assert isinstance(result, Finished) and result.step == 20
    lrs = [r["lr"] for r in read_metrics(run.path)]
    assert min(lrs) >= 0 and lrs[-2] < lrs[0] / 2  # decayed to zero at the last step, as planned, never below
    assert [r["epoch"] for r in read_metrics(run.path)] == sorted(r["epoch"] for r in read_metrics(run.path))
    assert "still counts epochs of 5 steps" in warnings(events)


# ------------------------------------------------------------ damaged checkpoints
def test_a_deleted_latest_resumes_from_the_newest_kept_checkpoint(tiny_dataset, tmp_path):
    run = RunDir(tmp_path / "run")
    train(tiny_dataset, run.path, max_steps=7, keep_every=3, save_every=1)
    run.latest.unlink()
    trainer, result, events = resume(run.path, max_steps=9)
    assert isinstance(result, Finished) and trainer.resumed_from == run.numbered_checkpoint(6)
    text = warnings(events)
    assert "resuming from checkpoints/step_00000006.pt (step 6); skipped newer: latest.pt is missing" in text
    assert "metrics.jsonl: 1 record(s) logged after step 6 (steps 7-7) were moved to metrics.discarded.jsonl" in text
    assert [r["step"] for r in read_metrics(run.path)] == list(range(1, 10))
    assert [json.loads(x)["step"] for x in run.discarded_metrics.read_text().splitlines()] == [7]


def test_a_truncated_latest_is_skipped_and_named(tiny_dataset, tmp_path):
    run = RunDir(tmp_path / "run")
    train(tiny_dataset, run.path, max_steps=8, keep_every=4, save_every=1)
    data = run.latest.read_bytes()
    run.latest.write_bytes(data[: len(data) // 2])
    trainer, result, events = resume(run.path, max_steps=10)
    assert isinstance(result, Finished) and trainer.step == 10
    assert "resuming from checkpoints/step_00000008.pt (step 8); skipped newer: latest.pt is damaged" in warnings(events)
    # the metrics logged up to step 8 match the checkpoint, so none were set aside
    assert not run.discarded_metrics.exists()


def test_another_runs_checkpoint_copied_in_is_skipped_for_an_older_one_that_fits(tiny_dataset, tmp_path):
    """Another run's latest.pt copied over this one's was refused outright, its message cut to
    "(Error(s) in loading state_dict for ResnetGenerator:)", though step_8 beside it was intact."""
    run, other = RunDir(tmp_path / "run"), RunDir(tmp_path / "other")
    train(tiny_dataset, run.path, max_steps=8, keep_every=4, save_every=1)
    train(tiny_dataset, other.path, max_steps=2, model=ModelConfig(blocks=2, ngf=16, ndf=8))
    run.latest.write_bytes(other.latest.read_bytes())
    trainer, result, events = resume(run.path, max_steps=10)
    assert isinstance(result, Finished) and trainer.resumed_from == run.numbered_checkpoint(8)
    text = warnings(events)
    assert "resuming from checkpoints/step_00000008.pt (step 8); skipped newer: checkpoints/latest.pt does not " \
           "fit this run's settings (size mismatch for " in text


def test_without_any_checkpoint_a_run_restarts_and_says_so(tiny_dataset, tmp_path):
    run = RunDir(tmp_path / "run")
    train(tiny_dataset, run.path, max_steps=5)
    run.latest.unlink()
    trainer, result, events = resume(run.path, max_steps=2)
    text = warnings(events)
    assert "has no checkpoint" in text and "starts again from step 0" in text
    assert "5 record(s) logged after step 0 (steps 1-5) were moved to metrics.discarded.jsonl" in text
    assert [r["step"] for r in read_metrics(run.path)] == [1, 2]
    assert len(run.discarded_metrics.read_text().splitlines()) == 5  # history kept, not cut
    run.latest.unlink()  # killed before its first log too: said all the same (it began again unsaid; a crash pass)
    run.metrics.write_text("")
    trainer, result, events = resume(run.path, max_steps=1)
    assert "has no checkpoint" in warnings(events) and "starts again from step 0" in warnings(events)


def test_export_and_convert_say_when_they_use_an_older_checkpoint(tiny_dataset, tmp_path):
    """Training says it skipped a damaged latest.pt; export, convert and evaluate used the older checkpoint unsaid,
    so a model of an older step could ship unnoticed (a CLI hostile pass)."""
    run = RunDir(tmp_path / "run")
    train(tiny_dataset, run.path, max_steps=4, keep_every=2, save_every=1)
    run.latest.write_bytes(run.latest.read_bytes()[:5000])
    said = ("run run: using checkpoints/step_00000004.pt (step 4), the newest checkpoint that loads; skipped newer: "
            "latest.pt is damaged")
    proc = cyclegan("export", "--run", run.path, "--out", tmp_path / "m.pt")
    assert said in proc.stderr and "step 4" in proc.stdout
    proc = cyclegan("convert", "--model", run.path, "--input", tiny_dataset / "trainA", "--output", tmp_path / "out")
    assert said in proc.stderr


def test_checkpoints_that_exist_but_do_not_load_are_left_alone(tiny_dataset, tmp_path):
    run = RunDir(tmp_path / "run")
    train(tiny_dataset, run.path, max_steps=4, keep_every=2, save_every=1)
    for path in run.checkpoint_candidates():
        path.write_bytes(path.read_bytes()[:100])
    before = {p: p.read_bytes() for p in run.checkpoint_candidates()}
    with pytest.raises(CheckpointError, match="no checkpoint of .* can be read .the files were left as they are.; "
                                              "to train again .*Why: latest.pt is damaged.*"
                                              "step_00000004.pt is damaged"):
        Trainer.from_run(run.path)
    from engine.rundir import newest_checkpoint

    with pytest.raises(CheckpointError, match="no checkpoint of .* can be read .the files were left as they are.: "
                                              "latest.pt is damaged"):
        newest_checkpoint(run)
    assert {p: p.read_bytes() for p in run.checkpoint_candidates()} == before
    proc = cyclegan("train", "--resume", run.path, check=False)
    assert proc.returncode == 1 and "no checkpoint of" in proc.stderr and "Traceback" not in proc.stderr
    assert "--config" in proc.stderr  # how to train again; converting with the run is told nothing of training
    assert "Load settings… on the Train page" in proc.stderr  # the app's way too: it showed the flags alone
    (tmp_path / "in").mkdir()
    proc = cyclegan("convert", "--model", run.path, "--input", tmp_path / "in", "--output", tmp_path / "out",
                    check=False)
    assert proc.returncode == 1 and "no checkpoint of" in proc.stderr and "--config" not in proc.stderr


def test_a_checkpoint_holding_code_is_refused_in_words(tiny_dataset, tmp_path):
    """Its message was half of PyTorch's advice to turn the safe loader off, cut before the warning."""
    from tests.reliability.test_hostile_models import RunsCode

    run = RunDir(tmp_path / "run")
    train(tiny_dataset, run.path, max_steps=2)
    state = torch.load(run.latest, weights_only=True)
    torch.save({**state, "extra": RunsCode(tmp_path / "pwned")}, run.latest)
    with pytest.raises(CheckpointError) as refused:
        Trainer.from_run(run.path)
    assert ("latest.pt was refused: loading it would run code stored in the file (it calls posix.system), which a "
            "checkpoint never holds") in str(refused.value)
    assert "weights_only" not in str(refused.value) and not (tmp_path / "pwned").exists()


def test_a_torn_metrics_line_does_not_block_resume(tiny_dataset, tmp_path):
    run = RunDir(tmp_path / "run")
    cyclegan("train", "--data", tiny_dataset, "--out", run.path, *TINY, "--max-steps", 3, "--log-every", 1)
    with open(run.metrics, "a") as fh:
        fh.write('{"step": 80, "epo')  # the disk filled during a log write
    proc = cyclegan("train", "--resume", run.path, "--max-steps", 5)
    assert "1 damaged line(s) (line 4; cut short by a crash or a full disk, or edited) were moved to " \
           "metrics.damaged.txt" in proc.stderr
    assert [r["step"] for r in read_metrics(run.path)] == [1, 2, 3, 4, 5]
    assert all(json.loads(line) for line in run.metrics.read_text().splitlines())
    assert run.damaged_metrics.read_text() == '{"step": 80, "epo\n'  # kept, not deleted
    # a line edited by hand in the middle, bytes that are not UTF-8: kept as they were
    lines = run.metrics.read_bytes().split(b"\n")
    lines[1] = b"\xff\xfe not json"
    run.metrics.write_bytes(b"\n".join(lines))
    cyclegan("train", "--resume", run.path, "--max-steps", 6)
    assert run.damaged_metrics.read_bytes() == b'{"step": 80, "epo\n\xff\xfe not json\n'
    assert [r["step"] for r in read_metrics(run.path)] == [1, 3, 4, 5, 6]


# ---------------------------------------------------------------------- kill -9
def test_kill_9_mid_training_then_resume(tiny_dataset, tmp_path):
    run = RunDir(tmp_path / "run")
    proc = start_training(tiny_dataset, run.path, "--save-every", 2)
    deadline = time.time() + 120
    while time.time() < deadline and (not run.latest.exists() or read_metrics(run.path)[-1]["step"] < 5):
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    saved = torch.load(run.latest, weights_only=True)["step"]
    logged = read_metrics(run.path)[-1]["step"]
    assert saved % 2 == 0 and logged >= saved
    out = cyclegan("train", "--resume", run.path, "--max-steps", saved + 3)  # the OS released the lock
    assert f"finished at step {saved + 3}" in out.stdout
    assert [r["step"] for r in read_metrics(run.path)] == list(range(1, saved + 4))
    assert not [p for p in run.path.rglob("*") if ".part" in p.name]


# ---------------------------------------------------------------------- the lock
@pytest.mark.slow  # 4 s: in make test-slow, for make test's ten minutes
def test_two_trainers_on_one_run_the_second_is_told_who_holds_it(tiny_dataset, tmp_path):
    run = tmp_path / "run"
    cyclegan("train", "--data", tiny_dataset, "--out", run, *TINY, "--epochs", 1000, "--max-steps", 1)
    first = subprocess.Popen([sys.executable, "-m", "engine", "train", "--resume", str(run), "--max-steps", "100000",
                              "--log-every", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and read_metrics(run)[-1]["step"] < 3:
            time.sleep(0.05)
        second = cyclegan("train", "--resume", run, "--max-steps", 100000, check=False)
        assert second.returncode == 1
        assert f"is being trained by another process (process {first.pid}" in second.stderr
        assert "--resume" in second.stderr  # the holder's command line
        assert "step/s" not in second.stderr and "/100000" not in second.stderr  # no progress bar before it
        assert "resuming from" not in second.stderr  # said first, then refused (a crash pass)
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=60)
    steps = [r["step"] for r in read_metrics(run)]
    assert steps == sorted(set(steps))  # one writer: no step logged twice


def test_a_trainer_made_before_another_filled_its_folder_does_not_write_over_that_run(tiny_dataset, tmp_path):
    """Two Trainers made for one new folder (a notebook cell run twice): the second's run() replaced the first's
    config.json and checkpoint and set its metrics aside, without a word; the folder was checked only when made."""
    first = Trainer(tiny_config(tiny_dataset, tmp_path / "run", max_steps=3, seed=1))
    second = Trainer(tiny_config(tiny_dataset, tmp_path / "run", max_steps=1, seed=2, name_a="other"))
    assert isinstance(first.run(), Finished)
    kept = {p: p.read_bytes() for p in (tmp_path / "run").rglob("*") if p.is_file() and p.name != ".lock"}
    result = second.run()
    assert isinstance(result, Failed) and "already holds a run" in result.reason
    assert "nothing was trained" in result.reason
    assert {p: p.read_bytes() for p in (tmp_path / "run").rglob("*") if p.is_file() and p.name != ".lock"} == kept
    assert isinstance(first.run(), Finished)  # the trainer that made the run may run again (it has finished)


def test_a_locked_run_fails_before_touching_its_files(tiny_dataset, tmp_path):
    run = RunDir(tmp_path / "run")
    train(tiny_dataset, run.path, max_steps=2)
    before = run.metrics.read_bytes(), run.config.read_bytes()
    with RunLock(run.path), pytest.raises(RunLocked, match=r"being trained by this program \(since "):
        Trainer.from_run(run.path, max_steps=4)  # refused before its checkpoint is read (a crash pass)
    # held in this process: said so (the app's Models page called its own Train page "another process")
    assert (run.metrics.read_bytes(), run.config.read_bytes()) == before
    with RunLock(run.path):  # the command line did not tell to resume a run it could not take (a review)
        said = cyclegan("train", "--resume", run.path, "--max-steps", 4, check=False)
    assert said.returncode == 1 and "being trained by this program" in said.stderr and "resume with" not in said.stderr
    _, result, _ = resume(run.path, max_steps=3)  # released: the next one trains
    assert isinstance(result, Finished) and result.step == 3


# ------------------------------------------------------------------- full disk
class FullDisk(io.FileIO):
    """A file that takes ``room`` bytes and then fails as a full disk does."""

    room = 0

    def write(self, data):
        if FullDisk.room < len(data):
            raise OSError(errno.ENOSPC, "No space left on device")
        FullDisk.room -= len(data)
        return super().write(data)


def test_disk_full_during_a_checkpoint_save_keeps_the_previous_one(tiny_dataset, tmp_path, monkeypatch, capfd):
    run = RunDir(tmp_path / "run")
    trainer = Trainer(tiny_config(tiny_dataset, run.path, max_steps=10, save_every=2))

    def fill_the_disk(event):
        if isinstance(event, Progress) and event.step == 3:
            monkeypatch.setattr(fileio, "open", lambda path, mode="r": FullDisk(path, mode.replace("b", "")),
                                raising=False)
    result = trainer.run(fill_the_disk)
    assert isinstance(result, Failed)
    assert result.reason.startswith("no space left on device while saving the checkpoint at step 4; the previous "
                                    "checkpoint (step 2) is intact")
    assert torch.load(run.latest, weights_only=True)["step"] == 2
    assert not [p for p in run.path.rglob("*") if ".part" in p.name]
    assert "Logging error" not in capfd.readouterr().err


def test_disk_full_in_a_real_small_filesystem(tiny_dataset, tmp_path):
    """A real tmpfs just big enough for one checkpoint: the second save fills it."""
    probe = tmp_path / "probe"
    train(tiny_dataset, probe, max_steps=1)
    size = probe.joinpath("checkpoints", "latest.pt").stat().st_size
    with small_tmpfs(tmp_path / "small", f"{(size * 3 // 2) // 1024 + 24}k") as disk:
        run = disk / "run"
        proc = cyclegan("train", "--data", tiny_dataset, "--out", run, *TINY, "--max-steps", 50, "--save-every", 2,
                        check=False)
        assert proc.returncode == 1, proc.stderr
        last = proc.stderr.strip().splitlines()[-1]
        assert "no space left on device while" in last and "checkpoint (step 2) is intact" in last, last
        assert last.endswith(f"; resume with: cyclegan train --resume {run}"), last  # said "then continue it" alone
        assert "Logging error" not in proc.stderr and "Traceback" not in proc.stderr
        assert torch.load(run / "checkpoints" / "latest.pt", weights_only=True)["step"] == 2


def test_stop_still_saves(tiny_dataset, tmp_path):
    """Control.stop keeps working with the lock and the rewritten run preparation."""
    control = Control()
    trainer = Trainer(tiny_config(tiny_dataset, tmp_path / "run", max_steps=100))
    result = trainer.run(lambda e: control.stop() if isinstance(e, Progress) and e.step == 2 else None, control)
    assert isinstance(result, Finished) and result.stopped and trainer.saved_step == 2


def test_info_names_the_checkpoint_a_resume_would_use_and_its_step(tiny_dataset, tmp_path):
    """It named the first file by name, damaged or not: after a crash a user checking the run was told all was
    well, while a resume or an export used another checkpoint, or none (a hostile CLI pass)."""
    from engine.rundir import describe

    run = RunDir(tmp_path / "run")
    train(tiny_dataset, run.path, max_steps=8, keep_every=4, save_every=1)
    info = describe(run.path)
    assert (info["checkpoint"], info["checkpoint_step"], info["checkpoints_skipped"]) == (str(run.latest), 8, [])
    run.latest.write_bytes(run.latest.read_bytes()[:100])
    info = describe(run.path)
    assert (info["checkpoint"], info["checkpoint_step"]) == (str(run.numbered_checkpoint(8)), 8)
    assert info["checkpoints_skipped"][0].startswith("latest.pt is damaged")
    for path in run.checkpoints.iterdir():
        path.write_bytes(b"x" * 10)
    info = describe(run.path)
    assert info["checkpoint"] is None and info["checkpoint_step"] is None
    assert "no checkpoint of" in info["checkpoints_skipped"][0]


@pytest.mark.parametrize("kind", ["folder", "pipe"])
def test_a_metrics_file_that_cannot_be_read_is_said_and_never_rewritten(tiny_dataset, tmp_path, kind):
    """A folder (or an unreadable file) named metrics.jsonl stopped the app from starting: its Train page lists
    every run's last step. A pipe would have been waited on for ever. Resuming says what to do with it."""
    import os

    from engine.rundir import describe, read_metrics_file

    run = RunDir(tmp_path / "run")
    train(tiny_dataset, run.path, max_steps=2, save_every=1)
    run.metrics.unlink()
    run.metrics.mkdir() if kind == "folder" else os.mkfifo(run.metrics)
    assert read_metrics(run.path) == [] and read_metrics_file(run.metrics).unreadable
    assert describe(run.path)["metrics_unreadable"]
    result = Trainer.from_run(run.path, max_steps=3).run()
    assert isinstance(result, Failed) and "metrics.jsonl cannot be read" in result.reason
    assert "move it aside to continue the run" in result.reason
    assert run.metrics.is_dir() if kind == "folder" else not run.metrics.is_file()


def test_a_run_that_cannot_start_on_a_full_disk_leaves_no_folder(tiny_dataset, tmp_path):
    """"cannot write in the run folder ...: no space left on device; nothing was trained", and the folder it had
    made was left behind, empty (a hostile CLI pass)."""
    with small_tmpfs(tmp_path / "small", "64k") as disk:
        with open(disk / "filler", "wb") as fh:  # every block taken
            with __import__("contextlib").suppress(OSError):
                fh.write(b"\0" * (1 << 20))
        proc = cyclegan("train", "--data", tiny_dataset, "--out", disk / "new" / "runs" / "run", *TINY,
                        "--max-steps", 1, check=False)
        assert proc.returncode == 1 and "no space left on device" in proc.stderr, proc.stderr
        assert not (disk / "new").exists()  # nor the folders made to hold it (a still-weak item)


def test_a_disk_without_room_for_a_checkpoint_is_said_before_the_first_step(tiny_dataset, tmp_path):
    """A disk that could not hold one checkpoint was found full at the first save, up to 1000 steps (hours on a
    CPU) in (a CLI hostile pass): refused before the first step, the run's folder not left behind."""
    with small_tmpfs(tmp_path / "small", "1m") as disk:  # a tiny run's checkpoint takes 2.4 MB
        result = Trainer(tiny_config(tiny_dataset, disk / "run", max_steps=50, save_every=10)).run()
        assert isinstance(result, Failed) and "a checkpoint of this run takes at least 2.2 MB" in result.reason
        assert result.reason.endswith("nothing was trained") and not (disk / "run").exists()


def test_a_read_only_checkpoints_folder_is_said_before_the_first_step(tiny_dataset, tmp_path):
    """Resumed with its checkpoints/ read-only, a run trained to its first save and failed there (a CLI hostile
    pass): refused before the first step, its history untouched."""
    run = RunDir(tmp_path / "run")
    train(tiny_dataset, run.path, max_steps=2)
    saved = {p.name: p.read_bytes() for p in run.checkpoints.iterdir()}
    before = run.metrics.read_bytes()
    with small_tmpfs(run.checkpoints, "8m"):
        for name, data in saved.items():
            (run.checkpoints / name).write_bytes(data)
        with read_only(run.checkpoints):
            _, result, _ = resume(run.path, max_steps=40)
        assert isinstance(result, Failed), result
        assert result.reason == f"cannot write in {run.checkpoints}: read-only file system; nothing was trained"
        assert run.metrics.read_bytes() == before


@pytest.mark.slow  # 4 s: in make test-slow, for make test's ten minutes
def test_a_limit_on_file_size_is_not_called_a_full_disk(tiny_dataset, tmp_path):
    """`ulimit -f` (or FAT32's 4 GB) stopped a checkpoint's save with "no space left on device", where the disk had
    room: a person freed space for nothing (a hostile training pass). A real limit on the process, here."""
    import resource

    probe = tmp_path / "probe"
    train(tiny_dataset, probe, max_steps=1)
    size = (probe / "checkpoints" / "latest.pt").stat().st_size
    limit = size // 2  # config.json and a step's metrics fit, a checkpoint does not
    proc = cyclegan("train", "--data", tiny_dataset, "--out", tmp_path / "run", *TINY, "--max-steps", 2,
                    check=False, preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)))
    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert "a file larger than this file system or a limit on file size allows while saving the checkpoint" in last
    assert "no space left" not in proc.stderr


def test_a_run_whose_settings_do_not_fit_on_the_disk_leaves_no_folder(tiny_dataset, tmp_path):
    """Room for the lock's few bytes and not for config.json: "no space left on device while writing config.json
    …", and new/run/.lock was left behind (a hostile training pass). Since, the room for a checkpoint is looked for
    first, and refused the same way."""
    with small_tmpfs(tmp_path / "small", "64k") as disk:
        (disk / "spare").write_bytes(b"\0" * 4096)  # one page, given back once the rest is full
        with open(disk / "filler", "wb") as fh:
            with __import__("contextlib").suppress(OSError):
                fh.write(b"\0" * (1 << 20))
        (disk / "spare").unlink()
        proc = cyclegan("train", "--data", tiny_dataset, "--out", disk / "new" / "run", *TINY, "--max-steps", 1,
                        check=False)
        assert proc.returncode == 1 and "space left on device" in proc.stderr, proc.stderr
        assert not (disk / "new").exists(), sorted(str(p) for p in disk.rglob("*"))


def test_a_run_name_too_long_for_the_file_system_leaves_no_folder(tiny_dataset, tmp_path):
    """`--out q/xxx…(300)/b` was refused ("cannot write in the run folder …") and left an empty q/ behind: the
    clean-up stopped at the first folder, never made (a hostile training pass)."""
    proc = cyclegan("train", "--data", tiny_dataset, "--out", tmp_path / "q" / ("x" * 300) / "b", *TINY,
                    "--max-steps", 1, check=False)
    assert proc.returncode == 1 and "cannot write in the run folder" in proc.stderr, proc.stderr
    assert not (tmp_path / "q").exists()


def test_the_last_step_is_read_from_the_end_of_a_long_history(tmp_path):
    """The Train page parsed every run's whole metrics.jsonl to show its last step: 2.3 s of a frozen window for a
    run of 200,000 logged steps. Its end is read, and a damaged end falls back on the lines before it."""
    from engine.rundir import last_step

    run = RunDir(tmp_path / "run")
    run.path.mkdir()
    lines = "".join(json.dumps({"step": s, "G_A": 1.0}) + "\n" for s in range(1, 200001))
    run.metrics.write_text(lines)
    start = time.perf_counter()
    assert last_step(run.path) == 200000
    assert time.perf_counter() - start < 0.2  # the whole file: 0.45 s here, seconds for a real row of losses
    run.metrics.write_text(lines + '{"step": 200001, "G_A"')  # cut short by a crash
    assert last_step(run.path) == 200000
    run.metrics.write_text(lines[:2000] + "x" * 100000 + "\n")  # a tail with no record in it
    assert last_step(run.path) == read_metrics(run.path)[-1]["step"]
    assert last_step(tmp_path / "none") == 0


def test_a_metrics_line_of_an_endless_number_is_a_damaged_line(tmp_path):
    """A 5000-digit number or deep nesting in metrics.jsonl raised out of the reader, which settings files no
    longer do (a review)."""
    from engine.rundir import read_metrics_file

    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 1}\n{"step": 1' + "0" * 5000 + "}\n" + "[" * 100000 + "]" * 100000 + '\n{"step": 3}\n')
    report = read_metrics_file(path)
    assert [r["step"] for r in report.rows] == [1, 3] and report.damaged == [2, 3]
    from engine.rundir import last_step  # the tail's reader let the nesting through: the app did not start

    path.write_text('{"step": 4}\n' + "[" * 5000 + "]" * 5000 + "\n")
    assert last_step(tmp_path) == 4


def test_a_run_is_described_for_a_page_from_the_end_of_its_history(tiny_dataset, tmp_path):
    """The Models page parsed a run's whole metrics.jsonl to show its last step: 200,000 logged steps held the
    window 2 s at each click on the run, and again at each visit of the page (a scale pass)."""
    from engine.config import save_json
    from engine.rundir import describe

    run = RunDir(tmp_path / "run")
    run.path.mkdir()
    save_json(tiny_config(tiny_dataset, run.path), run.config)
    run.metrics.write_text("".join(json.dumps({"step": s, "G_A": 1.0}) + "\n" for s in range(1, 200001)))
    start = time.perf_counter()
    shown = describe(run.path, read_checkpoints=False, whole_history=False)
    assert time.perf_counter() - start < 0.2
    assert shown["last_logged_step"] == 200000 and shown["last_losses"] == {"G_A": 1.0}
    whole = describe(run.path, read_checkpoints=False)
    assert whole["last_logged_step"] == 200000 and whole["damaged_metrics_lines"] == 0


def test_a_lock_held_for_an_instant_is_waited_for_not_called_another_trainer(tmp_path):
    """The app looks whether a run is trained elsewhere by taking its lock for an instant: a `cyclegan train
    --resume` started in that instant was refused as "being trained by another process" (a review)."""
    import threading

    from engine.fileio import lock_file, unlock_file

    run = RunDir(tmp_path / "run")
    run.path.mkdir()
    run.lock.write_text('{"pid": 1}')  # a killed holder's record
    fh = open(run.lock, "rb")
    lock_file(fh)
    threading.Timer(0.05, lambda: (unlock_file(fh), fh.close())).start()
    with RunLock(run.path):
        pass
