"""Every numeric option at zero, negative and absurd values: refused by name before any file is written."""

import dataclasses
import os
import re
import typing

import pytest

from engine.cli import main
from engine.config import ConvertConfig, ModelConfig, TrainConfig, cli_fields, flag
from engine.train import Trainer
from tests.cli.test_cli_train import TINY, cyclegan
from tests.conftest import tiny_config, write_images

NUMERIC = [(cls, name, kind) for cls in (TrainConfig, ModelConfig, ConvertConfig)
           for name, _, kind in cli_fields(cls) if kind in (int, float)]
ABSURD = (0, -1, -10**6, 10**13, 2**64)


def test_every_numeric_option_declares_its_bounds():
    for cls, name, _ in NUMERIC:
        field = {f.name: f for f in dataclasses.fields(cls)}[name]
        assert field.metadata.get("bounds") or field.metadata.get("choices"), f"{cls.__name__}.{name}"


def configure(cls, name, value):
    if cls is ModelConfig:
        return TrainConfig(data="d", out="o", model=ModelConfig(**{name: value}))
    return cls(**{name: value})


@pytest.mark.parametrize("cls,name,kind", NUMERIC, ids=[f"{c.__name__}.{n}" for c, n, _ in NUMERIC])
def test_values_outside_the_bounds_are_refused_by_name(cls, name, kind):
    field = {f.name: f for f in dataclasses.fields(cls)}[name]
    lo, hi = field.metadata.get("bounds") or (min(field.metadata["choices"]), max(field.metadata["choices"]))
    values = [kind(v) for v in ABSURD] + ([float("nan"), float("inf"), float("-inf")] if kind is float else [])
    for value in values:
        config = configure(cls, name, value)
        inside = lo <= value <= hi  # False for nan
        if inside and not field.metadata.get("choices"):
            try:
                config.validate()
            except ValueError as exc:  # a rule between fields may still refuse it, but never this field's bounds
                assert f"{name.replace('_', '-')} must be between" not in str(exc)
        else:
            with pytest.raises(ValueError, match=name.replace("_", "-")):
                config.validate()


def test_types_from_a_hand_edited_config_are_checked():
    with pytest.raises(ValueError, match="crop-size must be int, got '256'"):
        TrainConfig(crop_size="256").validate()
    with pytest.raises(ValueError, match="flip must be bool"):
        TrainConfig(flip="yes").validate()
    with pytest.raises(ValueError, match="lr must be a finite number"):
        TrainConfig(lr=float("nan")).validate()


@pytest.mark.parametrize("args, message", [
    (["--max-steps", "-5"], "max-steps must be between 0"),
    (["--steps", "-10"], "steps must be between 0"),
    (["--ema", "5"], "ema must be between 0 and"),
    (["--keep-every", "-1"], "keep-every must be between 0"),
    (["--ngf", "0"], "ngf must be between 1 and 256, got 0"),
    (["--workers", "-1"], "workers must be between 0 and 64"),
    (["--d-layers", "50"], "d-layers must be between 1 and 6, got 50"),
    (["--d-layers", "5"], "d-layers 5 needs crops of at least 96 px, got 32"),
    (["--device", "meta"], "unknown device 'meta'"),
    (["--crop-size", "0"], "crop-size must be between 8 and 4096, got 0"),
    (["--batch-size", "0"], "batch-size must be between 1 and 1024, got 0"),
    (["--lr", "5"], "lr must be between"),
    # a preset's load size, never given by the person: the message says what to set as well
    (["--crop-size", "64", "--load-size", "48"], "load size 48 is smaller than crop size 64 (pictures are scaled to "
                                                 "48 px before a crop is cut: set load size to 64 or more, too)"),
])
def test_train_refuses_bad_options_before_the_run_folder_exists(tiny_dataset, tmp_path, capsys, args, message):
    out = tmp_path / "run"
    tiny = ["--crop-size", "32", "--load-size", "36", "--blocks", "1", "--ngf", "4", "--ndf", "4", "--workers", "0"]
    assert main(["train", "--data", str(tiny_dataset), "--out", str(out), *tiny, *args]) == 1
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_resume_accepts_what_may_change_and_refuses_the_rest_by_name(tiny_dataset, tmp_path, capsys):
    run = tmp_path / "run"
    Trainer(tiny_config(tiny_dataset, run, max_steps=1)).run()
    before = (run / "config.json").read_text()
    assert main(["train", "--resume", str(run), "--lr", "5", "--crop-size", "0", "--batch-size", "0"]) == 1
    err = capsys.readouterr().err
    assert "--batch-size, --crop-size, --lr cannot change when a run is resumed" in err
    assert main(["train", "--resume", str(run), "--max-steps", "-5"]) == 1
    assert "max-steps must be between 0" in capsys.readouterr().err
    assert (run / "config.json").read_text() == before
    assert main(["train", "--resume", str(run), "--max-steps", "2", "--workers", "0", "--device", "cpu"]) == 0
    resumed = Trainer.from_run(run)
    assert resumed.step == 2 and resumed.config.max_steps == 2 and resumed.config.lr == 2e-4
    # the command that started it, with --resume added: its values are the run's own, not changes (a hostile pass
    # was told "--crop-size, --seed cannot change" when neither did)
    assert main(["train", "--resume", str(run), "--crop-size", "32", "--seed", "0", "--blocks", "2", "--max-steps",
                 "3", "--workers", "0", "--device", "cpu"]) == 0
    assert main(["train", "--resume", str(run), "--crop-size", "32", "--blocks", "3"]) == 1
    assert "--blocks cannot change when a run is resumed" in capsys.readouterr().err
    relative = os.path.relpath(run)  # the run's folder written another way is the same folder (a review)
    assert main(["train", "--resume", relative, "--out", str(run), "--max-steps", "3", "--workers", "0"]) == 0


@pytest.mark.parametrize("args, message", [
    (["--overlap", "-100", "--tile", "32"], "overlap must be between 0 and 4096, got -100"),
    (["--tile", "5"], "tile size must be at least 32 pixels"),
    (["--tile", "-1"], "tile must be between 0"),
    (["--quality", "0"], "quality must be between 1 and 100"),
    (["--batch-size", "100000"], "batch-size must be between 0 and 256"),
    (["--max-pixels", "0"], "max-pixels must be between 4096"),
    (["--workers", "1000"], "workers must be between 0 and 64"),
    (["--device", "meta"], "unknown device 'meta'"),
    (["--suffix", " "], "suffix ' ' begins or ends with a space, or is only dots"),  # "photo .jpg" (a convert pass)
    (["--suffix", "."], "suffix '.' begins or ends with a space, or is only dots"),  # "photo..jpg"
])
def test_convert_refuses_bad_options_before_writing(tmp_path, model_file, capsys, args, message):
    write_images(tmp_path / "in", 1, size=(200, 200))
    assert main(["convert", "--model", str(model_file), "--input", str(tmp_path / "in"), "--output",
                 str(tmp_path / "out"), *args]) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_help_prints_every_option_without_formatting_accidents(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    assert "{'" not in text and "2 % slower" in " ".join(text.split())
    for name in typing.get_type_hints(TrainConfig):
        if name != "model":
            assert f"--{flag(name, TrainConfig)} " in text


def test_large_bounds_read_as_numbers_not_exponents():
    """"max-pixels must be between 4096 and 1e+09, got 1e+10" read as a typo."""
    import pytest

    from engine.config import ConvertConfig

    with pytest.raises(ValueError, match="max-pixels must be between 4096 and 1,000,000,000, got 10,000,000,000"):
        ConvertConfig(max_pixels=10**10).validate()


def test_a_side_name_with_a_line_break_is_refused(tiny_dataset, tmp_path):
    """It was kept in the run and its model files, and printed over two lines by info and export."""
    proc = cyclegan("train", "--data", tiny_dataset, "--out", tmp_path / "run", *TINY, "--max-steps", 1,
                    "--name-a", "day\nlight", check=False)
    assert proc.returncode == 1 and "name-a cannot hold tabs, line breaks" in proc.stderr
    assert not (tmp_path / "run").exists()


def test_settings_files_with_an_endless_number_or_endless_nesting_are_refused_by_name(tmp_path):
    """Python's own messages came out, the file unnamed: "Exceeds the limit (4300 digits) for integer string
    conversion ... use sys.set_int_max_str_digits()", and "RecursionError: maximum recursion depth exceeded"."""
    from engine.config import load_json

    (tmp_path / "digits.json").write_text('{"steps": 1' + "0" * 5000 + "}")
    (tmp_path / "deep.json").write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(ValueError, match="digits.json is not a settings file: it holds a number too long to read"):
        load_json(TrainConfig, tmp_path / "digits.json")
    with pytest.raises(ValueError, match="deep.json is not a settings file: it is nested too deeply"):
        load_json(TrainConfig, tmp_path / "deep.json")


def test_output_cut_short_by_its_reader_is_no_error(tiny_dataset, tmp_path):
    """`cyclegan presets | head -1` ended in "error: BrokenPipeError: [Errno 32] Broken pipe" and exit 1."""
    import subprocess
    import sys

    # `true` has ended long before Python (seconds to import torch) writes: its pipe is closed for certain
    proc = subprocess.run(["bash", "-c", f"set -o pipefail; {sys.executable} -m engine presets --no-time | true"],
                          capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stderr) == (0, "")


def test_an_unknown_option_is_answered_with_the_commands_own_usage():
    """`cyclegan train --set lr=1` printed the top-level usage (cyclegan [-h] [--version] COMMAND ...) and
    "cyclegan: error", which pointed nowhere near `cyclegan train --help` (a hostile CLI pass)."""
    proc = cyclegan("train", "--set", "lr=1", check=False, process=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: cyclegan train") and proc.stderr.rstrip().endswith(
        "cyclegan train: error: unrecognized arguments: --set lr=1")


def test_an_unknown_option_of_a_nested_command_shows_that_commands_usage(capsys):
    """`cyclegan models download NAME --bogus` showed `cyclegan models`' usage, which does not say what download
    takes (a still-weak item)."""
    from engine.cli import main

    with pytest.raises(SystemExit) as exit:
        main(["models", "download", "horse2zebra", "--bogus"])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: cyclegan models download") and err.rstrip().endswith(
        "cyclegan models download: error: unrecognized arguments: --bogus")


@pytest.mark.parametrize("argv", [["convert", "--model", "demo", "--input", "in", "--output", ""],
                                  ["convert", "--model", "demo", "--input", " ", "--output", "out"],
                                  ["export", "--run", "r", "--out", ""]])
def test_an_empty_path_is_refused_not_taken_for_the_current_folder(argv, capsys, tmp_path, monkeypatch):
    """`cyclegan convert --output ""` wrote the results into the folder it ran in (an empty path is "."), and said
    "-> " with nothing after it (a convert pass)."""
    from engine.cli import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2
    assert "an empty path would mean the folder this runs in: give one" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_cpu_run_whose_step_cannot_fit_in_memory_is_refused_before_anything_is_written(tiny_dataset, tmp_path,
                                                                                           capsys):
    """`--crop-size 4096 --load-size 4096` on the CPU asked for about 400 GB: the kernel killed the run, after it had
    taken the whole machine's memory, with no word said (a hostile training pass). The speed measurement the Train
    page makes as its form changes would have done the same to the app."""
    from engine.estimate import physical_memory, seconds_per_step

    if physical_memory() is None:
        pytest.skip("this system does not say how much memory it has")
    out = tmp_path / "run"
    assert main(["train", "--data", str(tiny_dataset), "--out", str(out), "--crop-size", "4096", "--load-size",
                 "4096", "--workers", "0", "--device", "cpu"]) == 1
    err = capsys.readouterr().err
    assert re.search(r"a training step at a crop of 4096 px \(batch 1, 64 filters\) needs about (404|673) GB of "
                     "memory on the CPU, more than this machine's", err)  # bf16 autocast or fp32
    assert "choose a smaller crop size or batch" in err and not out.exists()
    with pytest.raises(ValueError, match="needs about (404|673) GB"):
        seconds_per_step(TrainConfig(data=str(tiny_dataset), crop_size=4096, load_size=4096, device="cpu"))
    # the paper's own settings are far from it
    Trainer(tiny_config(tiny_dataset, tmp_path / "paper", crop_size=256, load_size=286, device="cpu",
                        model=ModelConfig()))


def test_a_run_folder_given_through_a_missing_folder_and_dotdot_makes_no_empty_folder(tiny_dataset, tmp_path):
    """``--out a/../b`` trained into b/ and left an empty a/ behind: a/.. is resolved by the kernel only where a/
    exists, so mkdir made it."""
    Trainer(tiny_config(tiny_dataset, tmp_path / "a" / ".." / "b", max_steps=1)).run()
    assert (tmp_path / "b" / "config.json").exists()
    assert not (tmp_path / "a").exists()
