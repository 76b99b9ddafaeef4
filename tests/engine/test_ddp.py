"""DistributedDataParallel on the CPU: two processes under torchrun with gloo."""

import os
import subprocess
import sys
from pathlib import Path

from engine import read_metrics
from tests.conftest import write_images

ROOT = Path(__file__).resolve().parents[2]


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
