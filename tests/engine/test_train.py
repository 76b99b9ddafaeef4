"""Real tiny runs: events, run directory, checkpoints, resume, control, failures."""

import json
import threading

import numpy as np
import pytest
import torch

from engine import (CheckpointSaved, Control, Failed, Finished, Message, ModelConfig, Progress, Samples, Trainer,
                    read_metrics)
from engine.events import LOSS_NAMES
from tests.conftest import tiny_config, write_images


def collect(trainer, control=None):
    events = []
    result = trainer.run(events.append, control)
    return result, events


def test_run_writes_the_run_directory_and_emits_events(tiny_dataset, tmp_path):
    cfg = tiny_config(tiny_dataset, tmp_path / "run", max_steps=6, log_every=4, sample_every=3, save_every=5)
    result, events = collect(Trainer(cfg))
    assert isinstance(result, Finished) and result.step == 6 and not result.stopped
    run = tmp_path / "run"
    assert json.loads((run / "config.json").read_text())["crop_size"] == 32
    rows = read_metrics(run)
    assert [r["step"] for r in rows] == [4, 6]  # every log_every, and always the last step
    assert set(LOSS_NAMES) | {"step", "epoch", "lr", "images_per_s"} <= set(rows[0])
    assert (run / "checkpoints" / "latest.pt").is_file()
    # the first after step 1 (a run shows at once that it works), then every sample_every, and the end
    assert sorted(p.name for p in (run / "samples").iterdir()) == ["step_00000001.png", "step_00000003.png",
                                                                    "step_00000006.png"]
    assert "step 4" in (run / "log.txt").read_text()

    progress = [e for e in events if isinstance(e, Progress)]
    assert [p.step for p in progress] == [1, 2, 3, 4, 5, 6]
    assert [p.logged for p in progress] == [False, False, False, True, False, True]
    assert set(progress[-1].losses) == set(LOSS_NAMES) and progress[-1].eta_s == 0
    samples = [e for e in events if isinstance(e, Samples)]
    assert [s.step for s in samples] == [1, 3, 6]
    # the epoch the app shows for a step is the one metrics.jsonl records for it (it once showed one more)
    shown = {p.step: p.epoch for p in progress}
    assert [shown[r["step"]] for r in rows] == [r["epoch"] for r in rows]
    # previews are big enough to judge although the training crops are 32 px
    assert samples[0].images["fake_B"].shape == (128, 128, 3) and samples[0].images["fake_B"].dtype == np.uint8
    assert [e.step for e in events if isinstance(e, CheckpointSaved)] == [5, 6]
    assert isinstance(events[-1], Finished)


def test_checkpoint_round_trip_restores_everything(tiny_dataset, tmp_path):
    cfg = tiny_config(tiny_dataset, tmp_path / "run", max_steps=3, pool_size=2)
    a = Trainer(cfg)
    a.run()
    b = Trainer.from_run(tmp_path / "run")
    assert b.step == 3
    for name in ("G_A", "G_B", "D_A", "D_B"):
        for (k, va), vb in zip(a.model.nets[name].state_dict().items(), b.model.nets[name].state_dict().values()):
            assert torch.equal(va, vb), k
    assert len(b.model.pool_A.images) == 2
    assert b.model.optimizers["G"].state_dict()["state"][0]["step"] == 3


@pytest.mark.parametrize("d_norm", ["same", "spectral"])  # spectral: its power-iteration vectors resume too
def test_resumed_run_reproduces_the_uninterrupted_losses(tiny_dataset, tmp_path, d_norm):
    # 5 steps per epoch; stop mid-epoch 1 (step 7) so resume has to pick up inside an epoch
    # and cross an LR step, with the pool full (size 2) so its randomness matters.
    common = dict(max_steps=12, epochs=1, epochs_decay=2, pool_size=2, batch_size=1,
                  model=ModelConfig(blocks=2, ngf=8, ndf=8, d_norm=d_norm))
    straight = Trainer(tiny_config(tiny_dataset, tmp_path / "straight", **common))
    straight.run()

    first = Trainer(tiny_config(tiny_dataset, tmp_path / "split", **common))
    control = Control()
    first.run(lambda e: control.stop() if isinstance(e, Progress) and e.step == 7 else None, control)
    assert first.step == 7
    resumed = Trainer.from_run(tmp_path / "split")
    assert resumed.step == 7 and resumed.lr == pytest.approx(straight.config.lr * (1 - 1 / 3))
    resumed.run()

    a, b = read_metrics(tmp_path / "straight"), read_metrics(tmp_path / "split")
    assert [r["step"] for r in a] == [r["step"] for r in b] == list(range(1, 13))
    for ra, rb in zip(a, b):
        for name in LOSS_NAMES + ("lr",):
            assert ra[name] == pytest.approx(rb[name], rel=1e-5, abs=1e-6), (ra["step"], name)


def test_pause_and_stop_take_effect_within_a_step(tiny_dataset, tmp_path):
    trainer = Trainer(tiny_config(tiny_dataset, tmp_path / "run", max_steps=1000))
    holds = []  # the front end's chance to show the last step before the run waits (the app held it back)
    control = Control(on_hold=lambda: holds.append(seen[-1]))
    seen = []
    paused_at = threading.Event()

    def on_event(e):
        if isinstance(e, Progress):
            seen.append(e.step)
            if e.step == 2:
                control.pause()
                paused_at.set()

    thread = threading.Thread(target=lambda: seen.append(trainer.run(on_event, control)))
    thread.start()
    assert paused_at.wait(30)
    import time
    time.sleep(0.3)
    assert seen == [1, 2]  # paused: no further step
    assert control.held and holds == [2]
    control.resume()
    time.sleep(0.05)
    control.stop()
    thread.join(30)
    result = seen[-1]
    assert isinstance(result, Finished) and result.stopped
    assert result.step < 1000
    state = torch.load(tmp_path / "run" / "checkpoints" / "latest.pt", weights_only=True)
    assert state["step"] == result.step
    assert read_metrics(tmp_path / "run")[-1]["step"] == result.step


def test_nan_stops_the_run_and_keeps_the_last_good_checkpoint(tiny_dataset, tmp_path):
    trainer = Trainer(tiny_config(tiny_dataset, tmp_path / "run", max_steps=10, save_every=2, log_every=5))

    def poison(e):
        if isinstance(e, Progress) and e.step == 3:
            with torch.no_grad():
                trainer.model.G_A.model[1].weight.fill_(float("nan"))

    result = trainer.run(poison)
    assert isinstance(result, Failed)
    assert "NaN" in result.reason and result.resumable
    state = torch.load(tmp_path / "run" / "checkpoints" / "latest.pt", weights_only=True)
    assert state["step"] == 2
    assert torch.isfinite(state["nets"]["G_A"]["model.1.weight"]).all()


def test_unreadable_images_are_named_and_skipped(tiny_dataset, tmp_path):
    (tiny_dataset / "trainA" / "zz_broken.jpg").write_bytes(b"garbage")
    result, events = collect(Trainer(tiny_config(tiny_dataset, tmp_path / "run", max_steps=2)))
    assert isinstance(result, Finished)
    messages = [e.text for e in events if isinstance(e, Message)]
    assert any("zz_broken.jpg" in m for m in messages)


def test_many_unreadable_images_of_a_folder_are_one_warning(tiny_dataset, tmp_path):
    """Four broken files were four warnings, stacked over the Train page's loss plot (a hostile GUI pass)."""
    for i in range(5):
        (tiny_dataset / "trainA" / f"zz_broken_{i}.jpg").write_bytes(b"garbage")
    result, events = collect(Trainer(tiny_config(tiny_dataset, tmp_path / "run", max_steps=1)))
    assert isinstance(result, Finished)
    unreadable = [e.text for e in events if isinstance(e, Message) and "unreadable" in e.text]
    assert len(unreadable) == 1
    assert unreadable[0].startswith(f"skipping 5 unreadable images in {tiny_dataset / 'trainA'}: zz_broken_0.jpg: ")
    assert unreadable[0].endswith("; ... (the run's log.txt names each)")  # where the rest are (a CLI pass)
    logged = (tmp_path / "run" / "log.txt").read_text()
    assert all(f"zz_broken_{i}.jpg" in logged for i in range(5))  # the log names every one


def test_a_dataset_moved_away_mid_run_is_said_in_words_not_a_workers_traceback(tmp_path):
    """With data workers, the reason was torch's "Caught NoReadableImage in DataLoader worker process 0. Original
    Traceback ..." and twenty lines of it, shown whole on the Train page (found by a hostile GUI pass)."""
    import shutil

    write_images(tmp_path / "d" / "trainA", 3, seed=1)
    write_images(tmp_path / "d" / "trainB", 3, seed=2)

    def move_away(e):
        if isinstance(e, Progress) and e.step == 1 and (tmp_path / "d").exists():
            shutil.move(tmp_path / "d", tmp_path / "moved")

    result = Trainer(tiny_config(tmp_path / "d", tmp_path / "run", max_steps=40, workers=1)).run(move_away)
    assert isinstance(result, Failed)
    # it named each file that "disappeared", and lost every step since the last save (a datasets pass)
    assert result.reason.startswith(f"the folder {tmp_path / 'd' / 'trainA'} is gone (moved, renamed, or its drive "
                                    "unplugged); the last checkpoint (step "), result.reason
    assert "Traceback" not in result.reason and "\n" not in result.reason
    from engine.rundir import RunDir, read_checkpoint

    assert result.step >= 1 and read_checkpoint(RunDir(tmp_path / "run").latest)["step"] == result.step


def test_too_few_images_a_side_are_advised_against_outside_the_app_too(tiny_dataset, tmp_path):
    """Only the app's Datasets page said that a few photos a side teach what they show rather than the change:
    the command line trained on 8 a side without a word. The sides are named as the samples name them."""
    result, events = collect(Trainer(tiny_config(tiny_dataset, tmp_path / "run", max_steps=1, name_a="horses",
                                                 name_b="zebras")))
    a, b = (len(list((tiny_dataset / side).iterdir())) for side in ("trainA", "trainB"))
    assert isinstance(result, Finished) and max(a, b) < 20
    assert [e.text for e in events if isinstance(e, Message) and e.text.startswith("few images")] == [
        f"few images (horses: {a}, zebras: {b}): with fewer than 20 different photos a side, models tend to learn "
        "what the photos show rather than the change"]


@pytest.mark.slow  # 5 s: in make test-slow, for make test's ten minutes
def test_a_truncated_first_image_is_skipped_not_fatal(tiny_dataset, tmp_path, caplog):
    """A picture that passes the header check and is cut short past it; as the first file (the run's fixed sample)
    it stopped the run before its first step with "image file is truncated", naming no file. (A JPEG cut short now
    fails the header check: tests/engine/test_data.py.)"""
    from tests.conftest import write_png_cut_inside

    write_png_cut_inside(tiny_dataset / "trainA" / "+cut.png")
    with caplog.at_level("WARNING"):
        result, _ = collect(Trainer(tiny_config(tiny_dataset, tmp_path / "run", max_steps=2, sample_every=1)))
    assert isinstance(result, Finished) and result.step == 2
    assert "+cut.png" in caplog.text and "the file ends before the image does" in caplog.text


def test_pictures_found_unreadable_when_decoded_are_said_once_even_from_data_workers(tiny_dataset, tmp_path):
    """A picture cut short past its header passes the header check and fails when decoded: in a data worker
    (another process) its warning reached the run's log but never the window, and the run's fixed sample said it to
    the log alone."""
    from tests.conftest import write_png_cut_inside

    for name in ("+first.png", "img_002\ncut.png"):  # the fixed sample's, and one only the workers decode (its line
        # break split its warning in two)
        write_png_cut_inside(tiny_dataset / "trainA" / name)
    result, events = collect(Trainer(tiny_config(tiny_dataset, tmp_path / "run", max_steps=14, workers=2)))
    assert isinstance(result, Finished) and result.step == 14  # two passes over A's 7: each file drawn by each worker
    said = [e.text for e in events if isinstance(e, Message) and "cannot be read" in e.text]
    assert said == [
        f"{tiny_dataset / 'trainA' / '+first.png'} cannot be read: the file ends before the image does (cut short or "
        "damaged); it is left out of the run",
        f"{tiny_dataset / 'trainA' / 'img_002'}\ncut.png cannot be read: the file ends before the image does (cut "
        "short or damaged); it is left out of the rest of the run"], said
    log = (tmp_path / "run" / "log.txt").read_text()  # each named there, by this process: a spawned worker logs
    assert log.count("img_002\ncut.png cannot be read") == 1 and log.count("+first.png cannot be read") == 1, log


def test_a_run_inside_an_images_folder_is_refused_before_anything_is_written(tiny_dataset, tmp_path):
    """A run at trainA/run was accepted, and its sample grids became domain-A photos of every later run."""
    before = sorted(p.name for p in (tiny_dataset / "trainA").iterdir())
    with pytest.raises(ValueError, match="inside the images folder .*trainA"):
        Trainer(tiny_config(tiny_dataset, tiny_dataset / "trainA" / "run", max_steps=1))
    assert sorted(p.name for p in (tiny_dataset / "trainA").iterdir()) == before
    Trainer(tiny_config(tiny_dataset, tiny_dataset / "runs" / "ok", max_steps=1))  # beside the folders: fine


@pytest.mark.parametrize("identity", [0.5, 0.0])
def test_pictures_kept_at_their_own_sizes_train(tmp_path, identity):
    """With preprocess "none", A pictures of 64x64 and B pictures of 64x48 stopped the first step: each
    generator and discriminator took A and B in one batch, which needs one size."""
    write_images(tmp_path / "d" / "trainA", 3, size=(64, 64), seed=1)
    write_images(tmp_path / "d" / "trainB", 3, size=(64, 48), seed=2)
    cfg = tiny_config(tmp_path / "d", tmp_path / "run", max_steps=3, preprocess="none", batch_size=1,
                      lambda_identity=identity, sample_every=1)
    result, _ = collect(Trainer(cfg))
    assert isinstance(result, Finished) and result.step == 3
    # a batch of several is one tensor: refused with the sizes named, before the run folder is written
    write_images(tmp_path / "d" / "trainA" / "wide", 1, size=(80, 64), seed=3)
    with pytest.raises(ValueError, match="the A folder has pictures of 2 sizes .*64x64, 80x64.*batch size 1"):
        Trainer(tiny_config(tmp_path / "d", tmp_path / "run2", preprocess="none", batch_size=2))
    assert not (tmp_path / "run2").exists()


def test_pictures_smaller_than_the_crop_are_said_to_be_enlarged(tmp_path):
    """With preprocess "crop", 96x80 pictures and a 256 px crop were enlarged three times, unsaid."""
    write_images(tmp_path / "d" / "trainA", 2, size=(40, 32), seed=1)
    write_images(tmp_path / "d" / "trainB", 2, size=(64, 64), seed=2)
    trainer = Trainer(tiny_config(tmp_path / "d", tmp_path / "run", preprocess="crop", crop_size=48, load_size=48))
    said = [m.text for m in trainer.messages if "smaller than the 48 px crop" in m.text]
    assert said == ["2 picture(s) are smaller than the 48 px crop and are enlarged to it (such as img_000.png, "
                    "40x32): a smaller crop size keeps their detail"]
    trainer = Trainer(tiny_config(tmp_path / "d", tmp_path / "run2", preprocess="crop", crop_size=32, load_size=36))
    assert not [m for m in trainer.messages if "smaller than the" in m.text]


def test_empty_side_fails_before_training(tmp_path):
    write_images(tmp_path / "d" / "trainA", 2)
    (tmp_path / "d" / "trainB").mkdir()
    with pytest.raises(ValueError, match="^the B folder .*has no images"):
        Trainer(tiny_config(tmp_path / "d", tmp_path / "run"))


@pytest.mark.parametrize("channels,batch", [(1, 3), (3, 2)])
def test_grayscale_and_batches(tiny_dataset, tmp_path, channels, batch):
    from engine import ModelConfig

    cfg = tiny_config(tiny_dataset, tmp_path / "run", max_steps=2, batch_size=batch, pool_size=3,
                      model=ModelConfig(channels=channels, blocks=1, ngf=4, ndf=4))
    result, events = collect(Trainer(cfg))
    assert isinstance(result, Finished)
    sample = [e for e in events if isinstance(e, Samples)][-1]
    assert sample.images["fake_A"].shape == (128, 128, channels)


def test_workers_give_the_same_losses_as_the_main_process(tiny_dataset, tmp_path):
    a = Trainer(tiny_config(tiny_dataset, tmp_path / "w0", max_steps=3, workers=0))
    b = Trainer(tiny_config(tiny_dataset, tmp_path / "w2", max_steps=3, workers=2))
    a.run(), b.run()
    ra, rb = read_metrics(tmp_path / "w0"), read_metrics(tmp_path / "w2")
    assert [r["G_A"] for r in ra] == pytest.approx([r["G_A"] for r in rb], rel=1e-5)


def test_invalid_settings_are_explained(tiny_dataset, tmp_path):
    with pytest.raises(ValueError, match="multiple of 4"):
        Trainer(tiny_config(tiny_dataset, tmp_path / "run", crop_size=30))
    with pytest.raises(ValueError, match="load size"):
        Trainer(tiny_config(tiny_dataset, tmp_path / "run", load_size=16))


def test_weight_averaging_is_checkpointed_and_exported(tiny_dataset, tmp_path):
    """--ema keeps averaged generators: saved, restored, and used by samples and exports."""
    from engine.modelfile import load_model

    cfg = tiny_config(tiny_dataset, tmp_path / "run", max_steps=4, ema=0.5)
    trainer = Trainer(cfg)
    before = trainer.model.generator("G_A").model[1].weight.clone()
    collect(trainer)
    averaged, live = trainer.model.generator("G_A").model[1].weight, trainer.model.G_A.model[1].weight
    assert not torch.equal(averaged, before) and not torch.equal(averaged, live)  # between the two
    resumed = Trainer.from_run(tmp_path / "run")
    assert torch.equal(resumed.model.generator("G_A").model[1].weight, averaged)
    exported = load_model(tmp_path / "run", "AtoB").generator.model[1].weight
    assert torch.equal(exported, averaged.cpu())


def test_from_a_script_arguments_of_the_wrong_kind_are_named_before_the_folder_is_touched(tiny_dataset, tmp_path):
    """Trainer({...}) and TrainConfig(model={...}) failed deep inside (AttributeError, "must be called with a
    dataclass type"), and run(on_event=5) failed after taking the folder, which then counted as holding a run."""
    from engine.config import TrainConfig, to_dict

    config = tiny_config(tiny_dataset, tmp_path / "run", max_steps=1)
    with pytest.raises(TypeError, match="Trainer takes a TrainConfig, not dict"):
        Trainer(to_dict(config))
    with pytest.raises(TypeError, match="model must be a ModelConfig, not dict"):
        TrainConfig(data=str(tiny_dataset), out=str(tmp_path / "run"), model={"ngf": 4}).validate()
    trainer = Trainer(config)
    with pytest.raises(TypeError, match="on_event must be a function"):
        trainer.run(on_event=5)
    with pytest.raises(TypeError, match="control must be an engine.Control"):
        trainer.run(control="stop")
    assert not (tmp_path / "run").exists()
    assert isinstance(trainer.run(), Finished)


def test_images_per_second_counts_the_pictures_a_step_held(tiny_dataset, tmp_path):
    """A batch of 64 over five pictures holds five: the log said 64 were trained on each step, a speed
    twelve times too high."""
    cfg = tiny_config(tiny_dataset, tmp_path / "run", max_steps=8, batch_size=64)
    Trainer(cfg).run()
    rows = read_metrics(tmp_path / "run")
    per_step = sorted(b["images_per_s"] * (b["time"] - a["time"]) for a, b in zip(rows[1:], rows[2:]))
    assert 1.5 < per_step[len(per_step) // 2] < 15, per_step  # five, give or take the time writing the log takes


def test_a_run_stopped_before_its_first_step_keeps_no_numbered_copy(tiny_dataset, tmp_path):
    """0 % keep_every is 0: a run stopped at step 0 wrote step_00000000.pt beside latest.pt, a second copy of
    the untrained networks."""
    control = Control()
    control.stop()
    result, _ = collect(Trainer(tiny_config(tiny_dataset, tmp_path / "run", keep_every=5)), control)
    assert result.stopped and result.step == 0
    assert sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir()) == ["latest.pt"]


def test_pictures_far_smaller_than_the_load_size_are_warned_of(tiny_dataset, tmp_path):
    """72 px pictures resized to 4096 px: unsaid, and the first step took 22 GB (a hostile CLI pass)."""
    trainer = Trainer(tiny_config(tiny_dataset, tmp_path / "run", load_size=200, crop_size=32, max_steps=1))
    said = [m.text for m in trainer.messages if m.level == "warning"]
    assert any("the pictures are at most 40 px on their shorter side (of 9 looked at) and are resized to 200 px, 5 "
               "times larger" in text for text in said), said
    quiet = Trainer(tiny_config(tiny_dataset, tmp_path / "run2", max_steps=1))  # 36 px for 40 px pictures
    assert not any("times larger" in m.text for m in quiet.messages)


def test_more_data_workers_than_cores_are_questioned(tiny_dataset, tmp_path):
    """--workers 32 on a 2-core machine started 32 processes of about 0.4 GB each without a word (a CLI pass)."""
    import os

    from engine import Trainer

    many = max(os.cpu_count() or 1, 2) + 1
    said = [m.text for m in Trainer(tiny_config(tiny_dataset, tmp_path / "run", workers=many)).messages]
    assert any(text.startswith(f"{many} data-loading workers on {os.cpu_count()} CPU cores") for text in said), said
    assert not any("data-loading workers" in m.text
                   for m in Trainer(tiny_config(tiny_dataset, tmp_path / "r2", workers=2)).messages)


def test_a_log_that_cannot_be_closed_leaves_the_runs_reason_and_its_lock(tiny_dataset, tmp_path, monkeypatch):
    """log.txt made unwritable mid-run: closing it raised, and the app showed that traceback instead of the run's
    own reason; the run's lock was not released (a Train page pass)."""
    import errno
    import logging

    def cannot_close(handler):
        raise PermissionError(errno.EPERM, "Operation not permitted", handler.baseFilename)

    monkeypatch.setattr(logging.FileHandler, "close", cannot_close)
    run = tmp_path / "run"
    result, _ = collect(Trainer(tiny_config(tiny_dataset, run, max_steps=2)))
    assert isinstance(result, Finished) and result.step == 2
    monkeypatch.undo()
    result, _ = collect(Trainer.from_run(run, max_steps=3))  # the lock was released: the run continues
    assert isinstance(result, Finished) and result.step == 3


def test_a_photo_of_a_kind_it_cannot_read_is_said_when_training_begins(tiny_dataset, tmp_path):
    """A HEIC photo beside the JPEGs of a side was left out of training unsaid (a CLI hostile pass)."""
    (tiny_dataset / "trainB" / "IMG_0001.HEIC").write_bytes(b"ftypheic")
    result, events = collect(Trainer(tiny_config(tiny_dataset, tmp_path / "run", max_steps=1)))
    assert isinstance(result, Finished)
    assert any(isinstance(e, Message) and "IMG_0001.HEIC: a HEIC file, a kind this app cannot read" in e.text
               for e in events)
