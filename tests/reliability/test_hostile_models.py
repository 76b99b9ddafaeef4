"""Model files from strangers: refused with a reason, before any code runs or any memory is taken."""

import os
import pickle
import subprocess
import sys
import warnings
import zipfile

import pytest
import torch

from engine.modelfile import MODEL_FORMAT, ModelFileError, load_model
from tests.conftest import make_model_file


class RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def hostile_files(tmp_path) -> dict:
    good = make_model_file(tmp_path / "good.pt")
    data = torch.load(good, weights_only=True)
    files = {}

    def save(name, obj):
        torch.save(obj, tmp_path / name)
        files[name] = tmp_path / name

    save("code.pt", {"format": MODEL_FORMAT, "metadata": RunsCode(tmp_path / "pwned"), "state_dict": {}})
    wrong = {**data, "metadata": {**data["metadata"], "model": {**data["metadata"]["model"], "ngf": 16}}}
    save("wrong_shapes.pt", wrong)
    absurd = {**data, "metadata": {**data["metadata"], "model": {"channels": 3, "blocks": 9, "ngf": 2048}},
              "state_dict": {}}
    save("absurd.pt", absurd)
    big_but_bounded = {**data, "metadata": {**data["metadata"], "model": {"channels": 3, "blocks": 64, "ngf": 256}},
                       "state_dict": {}}
    save("huge_declared.pt", big_but_bounded)
    save("not_tensors.pt", {**data, "state_dict": {"model.1.weight": [1.0, 2.0]}})
    save("negative.pt", {**data, "metadata": {**data["metadata"], "model": {"channels": 3, "blocks": -3, "ngf": 8}}})
    raw = good.read_bytes()
    (tmp_path / "truncated.pt").write_bytes(raw[: len(raw) // 3])
    files["truncated.pt"] = tmp_path / "truncated.pt"
    (tmp_path / "random.pt").write_bytes(os.urandom(4096))
    files["random.pt"] = tmp_path / "random.pt"
    (tmp_path / "empty.pt").write_bytes(b"")
    files["empty.pt"] = tmp_path / "empty.pt"
    (tmp_path / "raw_pickle.pt").write_bytes(pickle.dumps(RunsCode(tmp_path / "pwned"), protocol=4))
    files["raw_pickle.pt"] = tmp_path / "raw_pickle.pt"
    (tmp_path / "text.pt").write_text("just some notes\n")  # was "damaged (KeyError: 101)"
    files["text.pt"] = tmp_path / "text.pt"
    with zipfile.ZipFile(tmp_path / "other_zip.pth", "w") as archive:  # was "damaged ([enforce fail at inline_...)"
        archive.writestr("notes.txt", "not a model")
    files["other_zip.pth"] = tmp_path / "other_zip.pth"
    # a model whose data.pkl inflates to 64 MB of padding past its end (a zip bomb's small cousin: 1 MB that
    # inflated to 1 GiB was read whole, 2.6 GB of memory, and loaded)
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(tmp_path / "zip_bomb.pt", "w") as bomb:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("/data.pkl"):
                bomb.writestr(info.filename, data + bytes(64 * 2**20), compress_type=zipfile.ZIP_DEFLATED)
            else:
                bomb.writestr(info.filename, data)
    files["zip_bomb.pt"] = tmp_path / "zip_bomb.pt"
    os.mkfifo(tmp_path / "fifo.pt")  # no writer: opened, it waited for one forever
    files["fifo.pt"] = tmp_path / "fifo.pt"
    return files


EXPECTED = {
    "code.pt": "was refused: loading it would run code stored in the file (it calls posix.system)",
    "wrong_shapes.pt": "wrong shape",
    "absurd.pt": "ngf must be between 1 and 256, got 2048",
    "huge_declared.pt": "more than the 120,000,000 this app accepts",
    "not_tensors.pt": "not named tensors",
    "negative.pt": "blocks must be between 0 and 64, got -3",
    "truncated.pt": "not a readable model file: cut short or damaged",
    "random.pt": "not a readable model file",  # random bytes fail in many ways (an unknown opcode, an empty stack)
    "empty.pt": "not a readable model file: empty or cut short",
    "raw_pickle.pt": "not a readable model file: not a file of this kind",
    "text.pt": "not a readable model file: not a PyTorch file (it is text)",
    "other_zip.pth": "not a readable model file: a zip archive, but not a PyTorch file",
    "fifo.pt": "not a readable model file: not a regular file",
    "zip_bomb.pt": "not a readable model file: its archive unpacks to 64 MB from 0.2 MB",
}


def test_every_hostile_file_is_refused_with_its_reason(tmp_path):
    """In our words: PyTorch's were passed on cut in the middle (half its advice to turn the safe loader off, a
    zip library's paragraph, an empty "EOFError: "), and a raw pickle printed the unpickler's warning."""
    files = hostile_files(tmp_path)
    assert set(files) == set(EXPECTED)
    for name, path in files.items():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(ModelFileError) as refused:
                load_model(path)
        assert EXPECTED[name] in str(refused.value)
        assert "weights_only" not in str(refused.value) and "miniz" not in str(refused.value)
    assert not (tmp_path / "pwned").exists()


def test_a_tiny_file_declaring_a_huge_network_allocates_nothing(tmp_path):
    """ngf 256 x 64 blocks would need ~10 GB; the refusal must come from shapes alone, fast and small."""
    path = hostile_files(tmp_path)["huge_declared.pt"]
    assert path.stat().st_size < 4096
    code = ("import resource, sys, time\nfrom engine.modelfile import load_model, ModelFileError\n"
            "t = time.monotonic(); before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "try:\n    load_model(sys.argv[1])\nexcept ModelFileError as e:\n    print('refused:', e)\n"
            "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024, time.monotonic() - t)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert "refused:" in proc.stdout, proc.stderr
    grown_mb, seconds = proc.stdout.split()[-2:]
    assert int(grown_mb) < 200 and float(seconds) < 10


@pytest.mark.parametrize("command", ["info", "convert"])
def test_cli_refuses_hostile_files_in_one_line(tmp_path, command, capsys):
    from engine.cli import main

    files = hostile_files(tmp_path)
    (tmp_path / "in").mkdir()
    for name, path in files.items():
        args = [str(path)] if command == "info" else ["--model", str(path), "--input", str(tmp_path / "in"),
                                                      "--output", str(tmp_path / "out")]
        assert main([command, *args]) == 1, name
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"cyclegan {command}: error:") and EXPECTED[name] in lines[0]
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "out").exists()


def test_the_app_library_refuses_them_too(tmp_path):
    from engine.library import Library

    library = Library(tmp_path / "lib")
    for name, path in hostile_files(tmp_path).items():
        with pytest.raises(ModelFileError):
            library.import_model(path)
    assert library.models() == []


@pytest.mark.parametrize("name", ["legacy-claims-8GB.pth", "legacy-claims-400GB.pth"])
def test_an_old_format_file_that_lies_about_its_size_is_refused_in_words(name):
    """Pre-1.6 files claiming storages of 8 GB or 400 GB (397 bytes each, made by a models pass) were refused with
    PyTorch's own "[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: …" or "expected %ld got
    %ld408000000000"."""
    from pathlib import Path

    path = Path(__file__).parent.parent / "data" / name
    with pytest.raises(ModelFileError) as refused:
        load_model(path)
    assert str(refused.value) == (f"{name} is not a readable model file: damaged or made to fill memory (it declares "
                                  "more data than it holds)")
