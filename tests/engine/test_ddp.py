"""DistributedDataParallel on the CPU: two processes under torchrun with gloo."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import read_metrics
from tests.conftest import write_images

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow  # 8 s, two processes: in make test-slow, for make test's ten minutes
def test_two_process_gloo_run_keeps_ranks_in_sync(tmp_path):
    write_images(tmp_path / "d" / "trainA", 8, seed=1)
    write_images(tmp_path / "d" / "trainB", 8, seed=2)
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         str(ROOT / "tests" / "engine" / "ddp_check.py"), str(tmp_path / "d"), str(tmp_path / "run")],
        capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ranks agree: world 2, step 3, 4 keys per rank per epoch" in proc.stdout
    # the run's warnings are rank 0's to say (its log and events): rank 1 printed them bare on stderr
    assert "few images" not in proc.stderr
    # rank 0 alone writes: one metrics line per step, no duplicates
    assert [r["step"] for r in read_metrics(tmp_path / "run")] == [1, 2, 3]


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def training_under_torchrun(tmp_path: Path, **popen) -> tuple[subprocess.Popen, list[int]]:
    """Two CPU ranks under torchrun on a small dataset for a long schedule, once three steps are logged: the
    launcher's process and its two workers."""
    import time

    write_images(tmp_path / "d" / "trainA", 8, seed=1)
    write_images(tmp_path / "d" / "trainB", 8, seed=2)
    run = tmp_path / "run"
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m", "engine",
         "train", "--data", str(tmp_path / "d"), "--out", str(run), "--load-size", "36", "--crop-size", "32",
         "--blocks", "1", "--ngf", "8", "--ndf", "8", "--batch-size", "2", "--workers", "0", "--device", "cpu",
         "--log-every", "1", "--sample-every", "0", "--steps", "100000"], env=env, cwd=ROOT, **popen)
    deadline = time.time() + 240
    while time.time() < deadline and len(read_metrics(run)) < 3 and proc.poll() is None:
        time.sleep(0.1)
    return proc, children(proc.pid)


@pytest.mark.slow  # 6 s, torchrun and two ranks: in make test-slow, for make test's ten minutes
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds torchrun's workers through /proc")
def test_a_signal_to_one_rank_stops_every_rank_at_one_step_and_saves(tmp_path):
    """A stop each rank noticed at its own step (torchrun passes SIGTERM on to all, a scheduler may signal one)
    left the others waiting in the next step's gradient all-reduce, unsaved. Here one rank alone is signalled."""
    import signal

    import torch

    run = tmp_path / "run"
    proc, workers = training_under_torchrun(tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert len(workers) == 2, workers
        os.kill(max(workers), signal.SIGTERM)  # one rank, whichever
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    step = torch.load(run / "checkpoints" / "latest.pt", weights_only=True)["step"]
    assert step >= 3 and read_metrics(run)[-1]["step"] == step, out + err


@pytest.mark.slow  # two ranks, a kill and a wait: kept out of make test's ten minutes (make test-slow)
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's parent-death signal is Linux's")
def test_ranks_stop_and_save_when_torchrun_is_killed(tmp_path):
    """kill -9 of torchrun (even of its process group: each rank has a session of its own) left both ranks
    training to the end of their schedule, unsupervised and holding the run's lock (a hostile CLI pass)."""
    import contextlib
    import signal
    import time

    import torch

    run = tmp_path / "run"
    with open(tmp_path / "out.txt", "w") as out:
        proc, workers = training_under_torchrun(tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        assert len(workers) == 2, workers
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.time() + 60
        while time.time() < deadline and any(Path(f"/proc/{pid}").exists() for pid in workers):
            time.sleep(0.1)
        said = (tmp_path / "out.txt").read_text(errors="replace").replace("\r", "\n")[-3000:]
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers), said  # they ended, not trained on
    finally:
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    step = torch.load(run / "checkpoints" / "latest.pt", weights_only=True)["step"]
    assert step >= 3 and read_metrics(run)[-1]["step"] == step  # saved, together, at one step
