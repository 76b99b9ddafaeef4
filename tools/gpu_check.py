"""The GPU path, proven in one call: tests, training speed, the CLI, conversion and NCCL DDP (issue 19).

GPU time is lent rarely and for minutes, so this script is ready before a GPU is: one call on
the lent machine runs every check and brings back every figure.

How it is started on the lent GPU machine (the device tool's ``run``, one call):

    command:    python3 tools/gpu_check.py --out "$OUT"
                (the same as ``make gpu-check``, where the machine has make; ``--device cuda`` is the default)
    travels:    the working tree alone; ``carry`` names nothing. The machine's own python3 has torch,
                torchvision, pillow, numpy, tqdm and pytest, and the engine and its tests need nothing
                else (platformdirs, PySide6 and pyqtgraph are the app's; engine/library.py imports
                platformdirs only where a folder of the app is asked for).
    timeout_s:  580. The script ends itself within --budget (540 s: 9 minutes of a 15-minute lease),
                every step within its own cap, so one hang cannot eat the rest.
    rerun:      one step or a few, e.g. ``--steps train-speed,convert-speed`` (env always runs).

Under ``$OUT`` it writes gpu_check.md (the summary: machine, verdicts, targets), gpu_check.json
(every figure of every step) and gpu_check.log (every command's full output), each rewritten
after every step so that even a killed run leaves what it finished. On stdout: one verdict line
per step. Exit status 1 when a step FAILED, timed out or the check itself broke; a missed target
alone (MISS) exits 0: it is a finding, not a broken check.

Steps (each its own cap; the figures come from the benchmarks' ``--json`` and the run folders):
  env             the machine: GPU, driver, torch, NCCL, and that every engine module imports here
  tests-gpu       ``pytest -m gpu tests/engine``: bf16 and fp16 training track fp32, compiled equals
                  eager, channels_last equals NCHW, conversion on the GPU equals the CPU's
  tests-engine    the rest of the engine suite on CUDA (the tests' ``device=auto``), eager
                  (TORCH_COMPILE_DISABLE=1: compiled paths are tests-gpu's; compiling in every test
                  would take the whole budget)
  train-speed     benchmarks/train_speed.py at 256 px / 9 blocks, batch 1 and 16: the default path
                  against plain eager fp32 in the same run, images/s, GFLOP/s, MFU, peak memory
  cli             ``python -m engine train --preset paper`` a few hundred steps, ``--resume``,
                  ``export``, ``convert``: time to the first step (compile included), s/step after warm-up
  compile-quick   the Quick preset with compile on (cold cache) and off: does compiling pay over a Quick run?
  convert-speed   benchmarks/convert_speed.py at 1024x768 (a folder) and 4000x3000 (tiled): images/s
                  (the folder also with 8 decoding and encoding threads: are they the bound?), the share of
                  wall time the GPU is busy, peak GPU memory
  ddp             ``torchrun --nproc_per_node=1`` on NCCL through the engine's DistributedDataParallel path

CPU dry run, tiny sizes, part of the fast tests (tests/tools/test_gpu_check.py), so the script
cannot rot while no GPU is at hand:

    make gpu-check DEVICE=cpu        # .venv/bin/python tools/gpu_check.py --device cpu --out /tmp/x
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# What issue 19 asks of the GPU path; every verdict names the target it is judged against.
TARGETS = {
    "train_speedup_b1": (5.0, "default path's images/s over plain eager fp32, 256 px / 9 blocks, batch 1: at least 5x"),
    "train_mfu_b16": (0.35, "bf16 MFU of the default path at batch 16 against the card's dense bf16 peak: at least 35 %"),
    "convert_gpu_busy": (0.90, "GPU busy share of the wall time converting a folder of 1024x768 JPEGs: at least 90 %"),
    "convert_huge_gib": (4.0, "peak GPU memory (reserved by the allocator) converting 4000x3000 photos: at most 4 GiB"),
    "compile_quick": (0.0, "compile on by default for Quick only if it saves time over a whole Quick run"),
}

# A step's status: PASS (ran, and met every target it is judged against), MISS (ran, a target
# missed: a finding), RAN (ran, nothing to judge: the CPU dry run), SKIP (not run: no NCCL, no
# time left, the machine check failed), FAIL (a test failed or a command exited non-zero),
# TIMEOUT (ran past its cap), ERROR (this script broke). The last three make the exit status 1.
BROKEN = {"FAIL", "TIMEOUT", "ERROR"}


@dataclass(frozen=True)
class Sizes:
    """Everything that differs between the real check and the CPU dry run."""
    name: str
    gpu_tests: tuple[str, ...]
    suite: tuple[str, ...]
    crop: int
    blocks: int
    ngf: int
    batches: tuple[int, ...]
    speed: tuple[int, int, int]  # timed steps per round, rounds, warm-up steps
    photos: int  # per side of the generated dataset (enough that Quick's batches of 4 rarely start an epoch)
    photo_px: int
    overrides: dict  # TrainConfig/ModelConfig fields set on every CLI run on top of the preset
    train_steps: int
    log_every: int
    resume_steps: int
    quick_steps: int
    folder: tuple[int, str, int, int]  # count, WxH, repeats, warm-up images
    huge: tuple[int, str, int, int]
    convert_model: tuple[str, ...]  # extra convert_speed.py options
    huge_tiles: tuple[str, ...]
    ddp_steps: int
    ddp_log_every: int


FULL = Sizes(
    name="full", gpu_tests=("tests/engine",), suite=("tests/engine",), crop=256, blocks=9, ngf=64,
    batches=(1, 16), speed=(3, 3, 2), photos=48, photo_px=320, overrides={}, train_steps=200, log_every=50,
    resume_steps=20, quick_steps=200, folder=(64, "1024x768", 2, 8), huge=(3, "4000x3000", 1, 1),
    convert_model=(), huge_tiles=(), ddp_steps=30, ddp_log_every=10)

TINY = Sizes(
    name="tiny", gpu_tests=("tests/engine/test_gpu_paths.py", "tests/engine/test_speed_paths.py"),
    suite=("tests/engine/test_losses.py", "tests/engine/test_pool.py"), crop=32, blocks=2, ngf=8,
    batches=(1, 2), speed=(1, 1, 1), photos=4, photo_px=48,
    overrides={"crop_size": 32, "load_size": 36, "blocks": 2, "ngf": 8, "ndf": 8, "workers": 0},
    train_steps=4, log_every=2, resume_steps=2, quick_steps=4, folder=(4, "64x48", 1, 1), huge=(1, "160x120", 1, 0),
    convert_model=("--blocks", "2", "--ngf", "8"), huge_tiles=("--tile", "64", "--overlap", "16"),
    ddp_steps=4, ddp_log_every=2)

MODEL_FIELDS = {"blocks", "ngf", "ndf"}
CLI_CONVERT_IMAGES = 8  # the CLI step's convert proves the command; convert-speed measures speed

# (key, title, cap in seconds, floor: the least time worth starting it with), in the order they run.
# The caps add up to more than the budget on purpose: a step that runs long eats into the slack, never
# into the floors kept for the steps after it. The order and caps come from the first check on an H100
# (2026-11-28, docs/performance.md): each torch.compile there took 65 s or more before a first step, so
# the user's own paths (Quick, torchrun, the CLI) go first and the suites last.
STEPS = [
    ("env", "machine and imports", 45, 15),
    ("compile-quick", "Quick preset: compile on vs off", 130, 60),
    ("ddp", "torchrun --nproc_per_node=1, NCCL DDP", 60, 20),
    ("train-speed", "training speed, 256 px / 9 blocks", 250, 60),
    ("cli", "CLI: train --preset paper, --resume, export, convert", 100, 30),
    ("tests-gpu", "pytest -m gpu (CUDA)", 150, 30),
    ("convert-speed", "conversion speed on the GPU", 90, 25),
    ("tests-engine", "engine suite on CUDA", 60, 20),
]


# ----------------------------------------------------------------------------- parsing helpers
# Pure functions of what the commands wrote; tested on their own in tests/tools.

PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|skipped|deselected|errors?|xfailed|xpassed)")
TQDM_BAR = re.compile(r"\|\s*(\d+)/(\d+)\s*\[")


def pytest_counts(output: str) -> dict[str, int]:
    """Counts from pytest's last summary line ("2 failed, 30 passed, 3 skipped in 41.2s")."""
    lines = [line for line in output.splitlines() if re.search(r"\bin [\d.]+s\b", line) and PYTEST_COUNT.search(line)]
    if not lines:
        return {}
    counts = {}
    for number, word in PYTEST_COUNT.findall(lines[-1]):
        counts["error" if word.startswith("error") else word] = int(number)
    return counts


def pytest_failures(output: str) -> list[str]:
    """The ids of failed and erroring tests, from pytest's short summary (``-ra``)."""
    return [line.split(" ", 1)[1].split(" - ")[0] for line in output.splitlines()
            if line.startswith(("FAILED ", "ERROR "))]


def first_progress(chunks: list[tuple[float, str]], after: int = 0) -> tuple[int, float] | None:
    """(step, seconds since launch) of the first tqdm bar update past step ``after``.

    ``chunks`` are (seconds since launch, text) as the command wrote them. tqdm redraws at most
    every 0.1 s, so when step ``after + 1`` came faster than that the step seen is a later one.
    """
    tail = ""
    for t, piece in chunks:
        text = tail + piece
        for match in TQDM_BAR.finditer(text):
            if int(match.group(1)) > after:
                return int(match.group(1)), t
        tail = text[-64:]
    return None


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return rows


def steady_step_seconds(records: list[dict], after_step: int) -> float | None:
    """Seconds per step between the first logged step at or after ``after_step`` and the last.

    A logged record's time is taken after the loop's host sync, so the span is the device's
    real time, with the warm-up (compilation included) before ``after_step`` left out.
    """
    points = sorted((r["step"], r["time"]) for r in records if "time" in r and r.get("step", 0) >= after_step)
    if len(points) < 2 or points[-1][0] == points[0][0]:
        return None
    (s0, t0), (s1, t1) = points[0], points[-1]
    return (t1 - t0) / (s1 - s0)


def compile_payoff(on: dict, off: dict, steps: int) -> float:
    """Seconds that compiling saves over a run of ``steps`` steps (negative: it costs).

    ``on`` and ``off`` are two runs' figures: the time until tqdm first showed step n (start-up
    and, with compile, compilation included) and the steady seconds per step. Each run costs that
    time plus its remaining steps at the steady rate.
    """
    def total(f: dict) -> float:
        return f["first_progress_s"] + (steps - f["first_progress_step"]) * f["s_per_step"]

    return total(off) - total(on)


def bf16_mfu(variant: dict) -> tuple[float | None, str]:
    """MFU judged against the data sheet's peak, else against the measured one; and which."""
    if variant.get("mfu_datasheet") is not None:
        return variant["mfu_datasheet"], "data sheet"
    if variant.get("mfu_measured") is not None:
        return variant["mfu_measured"], "measured"
    return None, ""


def cli_flags(fields: dict) -> list[str]:
    return [arg for name, value in fields.items() for arg in ("--" + name.replace("_", "-"), str(value))]


# ----------------------------------------------------------------------------- running commands

class TimedOut(Exception):
    pass


@dataclass
class Ran:
    argv: list[str]
    rc: int | None
    seconds: float
    timed_out: bool
    output: str
    chunks: list[tuple[float, str]] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.timed_out

    def brief(self) -> dict:
        return {"argv": self.argv, "rc": self.rc, "seconds": round(self.seconds, 2), "timed_out": self.timed_out}


@dataclass
class StepResult:
    key: str
    title: str
    status: str = "SKIP"
    verdict: str = ""
    seconds: float = 0.0
    figures: dict = field(default_factory=dict)
    commands: list[dict] = field(default_factory=list)


def make_photos(folder: Path, count: int, size: int, seed: int) -> None:
    """Smooth, photo-like JPEGs (gradients plus a little noise), so decoding and training see real content."""
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    for i in range(count):
        f = rng.uniform(2, 8, 3)
        img = np.stack([128 + 100 * np.sin(f[0] * xx + i), 128 + 100 * np.cos(f[1] * yy),
                        128 + 60 * np.sin(f[2] * (xx + yy))], -1)
        img += rng.normal(0, 8, img.shape)
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(folder / f"{i:03d}.jpg", quality=90)


class Check:
    """Runs the steps in order, each under its own deadline, and writes the reports after each."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.device = args.device
        self.cuda = args.device.startswith("cuda")
        self.sizes = {"full": FULL, "tiny": TINY}[args.sizes or ("full" if self.cuda else "tiny")]
        if args.batches:
            self.sizes = replace(self.sizes, batches=args.batches)
        self.py = args.python
        self.out = Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.log = open(self.out / "gpu_check.log", "w", encoding="utf-8")
        self.work = Path(tempfile.mkdtemp(prefix="gpu_check_"))
        self.started = time.monotonic()
        self.deadline = self.started + args.budget
        self.when = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        self.results: list[StepResult] = []
        self.targets_seen: dict[str, dict] = {}
        self.env_info: dict = {}
        # the CPU dry run runs steps side by side (its time is mostly Python start-ups and imports);
        # a GPU check runs them one at a time, or their timings would mean nothing
        self.jobs = 1 if self.cuda else max(1, args.jobs)
        self._local = threading.local()  # each step's StepResult and deadline, per thread
        self._lock = threading.Lock()
        self.env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT)] + (
            [os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])), PYTHONUNBUFFERED="1")
        if not self.cuda:  # the dry run's tiny steps: one thread each, so a busy 2-core machine does not
            self.env.setdefault("OMP_NUM_THREADS", "1")  # stall them in OpenMP barriers (seen: 6 s steps)
        self._data: Path | None = None

    # ------------------------------------------------------------------ plumbing
    @property
    def current(self) -> StepResult | None:
        return getattr(self._local, "current", None)

    @property
    def step_deadline(self) -> float:
        return getattr(self._local, "deadline", self.deadline)

    def allow(self, seconds: float) -> None:
        """Give the step running in this thread ``seconds`` from now."""
        self._local.deadline = time.monotonic() + seconds

    def note(self, text: str) -> None:
        with self._lock:
            self.log.write(text if text.endswith("\n") else text + "\n")
            self.log.flush()

    def run(self, argv: list[str], env: dict | None = None, cwd: Path = ROOT, must: bool = False) -> Ran:
        """Run a command until the step's deadline; its whole output goes to the log.

        The command gets its own process group, so a timeout ends it with everything it started
        (pytest's workers, torchrun's ranks). ``must``: raise TimedOut on a timeout. One at a
        time, the output streams into the log (a killed check still leaves it); side by side,
        each command's output goes in as one block when it ends.
        """
        timeout = self.step_deadline - time.monotonic()
        if timeout < 1:
            raise TimedOut(f"no time left for {' '.join(argv[:4])}")
        header = f"\n=== [{self.current.key if self.current else '-'}] $ {' '.join(argv)}   (timeout {timeout:.0f} s)"
        stream = self.jobs == 1
        if stream:
            self.note(header)
        chunks: list[tuple[float, str]] = []
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, cwd=cwd, env=env or self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)

        def pump() -> None:
            fd = proc.stdout.fileno()
            while True:
                data = os.read(fd, 65536)
                if not data:
                    break
                text = data.decode("utf-8", errors="replace")
                chunks.append((time.monotonic() - t0, text))
                if stream:
                    with self._lock:
                        self.log.write(text)
                        self.log.flush()

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(timeout=grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        reader.join(timeout=5)
        seconds = time.monotonic() - t0
        ran = Ran(argv, proc.returncode, seconds, timed_out, "".join(c for _, c in chunks), chunks)
        footer = f"\n--- rc {ran.rc}{' (timed out)' if timed_out else ''} after {seconds:.1f} s"
        self.note(footer if stream else f"{header}\n{ran.output}{footer}")
        if self.current is not None:
            self.current.commands.append(ran.brief())
        if timed_out and must:
            raise TimedOut(f"{' '.join(argv[:5])} ran past the step's {timeout:.0f} s")
        return ran

    def data(self) -> Path:
        """The generated dataset that the CLI and DDP steps train on (trainA/ trainB/)."""
        with self._lock:
            if self._data is None:
                root = self.work / "data"
                make_photos(root / "trainA", self.sizes.photos, self.sizes.photo_px, 1)
                make_photos(root / "trainB", self.sizes.photos, self.sizes.photo_px, 2)
                self._data = root
        return self._data

    def engine(self, *args: str, env: dict | None = None) -> Ran:
        return self.run([self.py, "-m", "engine", *args], env=env, must=True)

    # ------------------------------------------------------------------ the steps
    def step_env(self, r: StepResult) -> None:
        probe = r"""
import importlib, importlib.util, json, os, pkgutil, platform, sys
info = {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count()}
for name in ("platformdirs", "PySide6", "pyqtgraph", "xdist", "triton", "tqdm", "pytest"):
    info["has_" + name] = importlib.util.find_spec(name) is not None
import torch, torchvision
import torch.distributed as dist
info.update(torch=torch.__version__, torchvision=torchvision.__version__, cuda=torch.version.cuda,
            cuda_available=torch.cuda.is_available(), nccl=dist.is_available() and dist.is_nccl_available())
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    info.update(gpu=p.name, gpus=torch.cuda.device_count(), gpu_memory_gib=round(p.total_memory / 2**30, 1),
                capability=f"{p.major}.{p.minor}", sms=p.multi_processor_count, bf16=torch.cuda.is_bf16_supported())
import engine
bad = {}
for m in pkgutil.walk_packages(engine.__path__, "engine."):
    if m.name != "engine.__main__":
        try:
            importlib.import_module(m.name)
        except Exception as exc:
            bad[m.name] = f"{type(exc).__name__}: {exc}"
info["engine_import_failures"] = bad
print("GPU_CHECK_ENV " + json.dumps(info))
"""
        ran = self.run([self.py, "-c", probe], must=True)
        lines = [line for line in ran.output.splitlines() if line.startswith("GPU_CHECK_ENV ")]
        if not ran.ok or not lines:
            r.status, r.verdict = "FAIL", f"the environment probe failed (rc {ran.rc}); see the log"
            return
        info = json.loads(lines[-1].split(" ", 1)[1])
        if shutil.which("nvidia-smi"):  # read-only queries: the card is measured as found
            smi = self.run(["nvidia-smi", "--query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.draw,"
                            "power.limit,temperature.gpu,memory.used,memory.total", "--format=csv"])
            info["nvidia_smi"] = smi.output.strip()
        self.env_info = r.figures = info
        machine = info.get("gpu") or f"CPU, {info['cpus']} cores"
        r.verdict = f"{machine}; torch {info['torch']}, Python {info['python']}, NCCL {'yes' if info['nccl'] else 'no'}"
        if info["engine_import_failures"]:
            r.status = "FAIL"
            r.verdict += "; engine modules that do not import: " + ", ".join(info["engine_import_failures"])
        elif self.cuda and not info["cuda_available"]:
            r.status, r.verdict = "FAIL", r.verdict + "; no CUDA GPU is visible"
        else:
            r.status = "PASS" if self.cuda else "RAN"

    def _pytest(self, r: StepResult, argv: list[str], env: dict | None = None) -> None:
        ran = self.run([self.py, "-m", "pytest", "-q", "-p", "no:cacheprovider", *argv], env=env)
        counts, failed = pytest_counts(ran.output), pytest_failures(ran.output)
        r.figures.update(counts=counts, failed=failed)
        summary = ", ".join(f"{n} {k}" for k, n in counts.items()) or "no summary line"
        if ran.timed_out:
            r.status, r.verdict = "TIMEOUT", f"pytest ran past its time ({summary} by then)"
        elif ran.rc != 0:
            r.status = "FAIL"
            r.verdict = summary + (": " + ", ".join(failed[:6]) + (" ..." if len(failed) > 6 else "") if failed else "")
        elif self.cuda and not counts.get("passed"):
            r.status, r.verdict = "FAIL", f"no test ran on the GPU ({summary})"
        else:
            r.status, r.verdict = ("PASS" if self.cuda else "RAN"), summary + ("" if self.cuda else " (no CUDA here)")

    def step_tests_gpu(self, r: StepResult) -> None:
        self._pytest(r, ["-m", "gpu", *self.sizes.gpu_tests])

    def step_tests_engine(self, r: StepResult) -> None:
        argv = ["-m", "not slow and not gpu", *self.sizes.suite]
        if self.cuda and self.env_info.get("has_xdist"):
            argv += ["-n", "4"]  # 16 cores there; the tests are small
        self._pytest(r, argv, env=dict(self.env, TORCH_COMPILE_DISABLE="1"))
        r.figures["compile"] = "disabled (TORCH_COMPILE_DISABLE=1); compiled paths: tests-gpu, train-speed, cli"

    def step_train_speed(self, r: StepResult) -> None:
        s = self.sizes
        path = self.work / "train_speed.json"
        steps, rounds, warmup = s.speed
        argv = [self.py, "benchmarks/train_speed.py", "--device", self.device, "--crop", str(s.crop),
                "--blocks", str(s.blocks), "--ngf", str(s.ngf), "--batch", *map(str, s.batches), "--steps", str(steps),
                "--rounds", str(rounds), "--warmup", str(warmup), "--variants", "plain", "default", "--json", str(path)]
        if self.cuda:
            argv.append("--measure-peak")
        ran = self.run(argv)
        report = json.loads(path.read_text()) if path.is_file() else {}
        r.figures = report
        by_batch = {b["batch"]: b for b in report.get("batches", [])}
        parts, judged = [], []
        for batch in s.batches:
            if batch not in by_batch:
                parts.append(f"batch {batch}: not measured")
                continue
            v = by_batch[batch]["variants"]
            d = v["default"]
            text = (f"batch {batch}: default {d['images_per_s']:.1f} img/s = {d['speed_vs_plain']:.2f}x plain "
                    f"({v['plain']['images_per_s']:.1f}), first step {d['first_step_s']:.1f} s")
            mfu, against = bf16_mfu(d)
            if mfu is not None:
                text += f", MFU {mfu:.0%} ({against})"
            if "peak_gpu_gib" in d:
                text += f", peak {d['peak_gpu_gib']:.1f} GiB"
            parts.append(text)
        if self.cuda:
            b1, b16 = by_batch.get(1), by_batch.get(16)
            speedup = b1["variants"]["default"]["speed_vs_plain"] if b1 else None
            mfu = bf16_mfu(b16["variants"]["default"])[0] if b16 else None
            judged = [self.target("train_speedup_b1", speedup, f"{speedup:.2f}x" if speedup else "not measured"),
                      self.target("train_mfu_b16", mfu, f"{mfu:.0%}" if mfu is not None else "not measured")]
        r.verdict = "; ".join(parts)
        self._settle(r, ran, judged)

    def _train_run(self, name: str, preset: str, steps: int, extra: list[str], env: dict | None = None) -> dict:
        """One ``python -m engine train`` run; its figures (time to first step, steady s/step)."""
        run = self.work / name
        ran = self.engine("train", "--preset", preset, "--data", str(self.data()), "--out", str(run),
                          "--max-steps", str(steps), "--log-every", str(self.sizes.log_every), "--sample-every", "0",
                          "--device", self.device, *cli_flags(self.sizes.overrides), *extra, env=env)
        return self._train_figures(ran, run, after=0)

    def _train_figures(self, ran: Ran, run: Path, after: int) -> dict:
        records = read_jsonl(run / "metrics.jsonl")
        seen = first_progress(ran.chunks, after)
        step_s = steady_step_seconds(records, after + self.sizes.log_every)
        figures = {"rc": ran.rc, "wall_s": round(ran.seconds, 2), "last_step": records[-1]["step"] if records else None,
                   "first_progress_step": seen[0] if seen else None, "first_progress_s": seen[1] if seen else None,
                   "s_per_step": step_s}
        config = run / "config.json"
        batch = json.loads(config.read_text()).get("batch_size", 1) if config.is_file() else 1
        if step_s:
            figures["images_per_s"] = batch / step_s
        if not ran.ok:
            last = ran.output.strip().splitlines()[-1] if ran.output.strip() else ""
            raise RuntimeError(f"{' '.join(ran.argv[3:5])} exited {ran.rc}: {last}")
        return figures

    @staticmethod
    def _describe_train(f: dict) -> str:
        first = (f"first step after {f['first_progress_s']:.1f} s" if f.get("first_progress_step") == 1 else
                 f"step {f['first_progress_step']} seen after {f['first_progress_s']:.1f} s"
                 if f.get("first_progress_step") else "first step not seen")
        steady = f"{f['s_per_step']:.4f} s/step after warm-up" if f.get("s_per_step") else "no steady-state figure"
        return f"{first}, {steady}"

    def step_cli(self, r: StepResult) -> None:
        s = self.sizes
        paper = self._train_run("paper", "paper", s.train_steps, [])
        # the inductor cache is the machine's default, which train-speed filled for batch 1 at
        # 256 px / 9 blocks: this is a second run's start; train-speed's first_step_s is a cold one
        r.figures["train"] = dict(paper, inductor_cache="default (warm after train-speed)") if self.cuda else paper
        run = self.work / "paper"
        target = s.train_steps + s.resume_steps
        ran = self.engine("train", "--resume", str(run), "--max-steps", str(target))
        resumed = self._train_figures(ran, run, after=s.train_steps)
        r.figures["resume"] = resumed
        if resumed["last_step"] != target:
            raise RuntimeError(f"the resumed run ended at step {resumed['last_step']}, not {target}")
        model = self.work / "paper_AtoB.pt"
        ran = self.engine("export", "--run", str(run), "--direction", "AtoB", "--out", str(model))
        r.figures["export"] = {"rc": ran.rc, "seconds": round(ran.seconds, 2), "bytes": model.stat().st_size}
        photos = self.work / "convert_in"
        photos.mkdir(exist_ok=True)
        for path in sorted((self.data() / "trainA").iterdir())[:CLI_CONVERT_IMAGES]:
            shutil.copy(path, photos / path.name)
        converted = self.work / "converted"
        ran = self.engine("convert", "--model", str(model), "--input", str(photos), "--output", str(converted),
                          "--device", self.device)
        outputs = sorted(p.name for p in converted.iterdir()) if converted.is_dir() else []
        wanted = len(list(photos.iterdir()))
        r.figures["convert"] = {"rc": ran.rc, "seconds": round(ran.seconds, 2), "outputs": len(outputs),
                                "summary": ran.output.strip().splitlines()[-1] if ran.output.strip() else ""}
        if len(outputs) != wanted:
            raise RuntimeError(f"convert wrote {len(outputs)} images of {wanted}")
        r.verdict = (f"train {s.train_steps} steps: {self._describe_train(paper)}; resume +{s.resume_steps}: "
                     f"{self._describe_train(resumed)}; export and convert ({len(outputs)} images) ok")
        r.status = "PASS" if self.cuda else "RAN"

    def step_compile_quick(self, r: StepResult) -> None:
        from engine.presets import PRESETS

        s = self.sizes
        quick_steps = PRESETS["quick"].train.get("steps") or 4000
        default = PRESETS["quick"].train.get("compile", "auto")
        off = self._train_run("quick_off", "quick", s.quick_steps, ["--compile", "off"])
        # a fresh inductor cache: the first Quick run on a machine compiles from nothing
        env = dict(self.env, TORCHINDUCTOR_CACHE_DIR=str(self.work / "inductor_cold"))
        if not self.cuda:  # inductor on 2 CPU cores takes minutes: the dry run runs the path uncompiled
            env["TORCH_COMPILE_DISABLE"] = "1"
        on = self._train_run("quick_on", "quick", s.quick_steps, ["--compile", "on"], env=env)
        r.figures = {"compile_off": off, "compile_on": on, "quick_steps": quick_steps, "quick_default_compile": default}
        r.verdict = f"compile on: {self._describe_train(on)}; off: {self._describe_train(off)}"
        if not all(f.get(k) for f in (on, off) for k in ("first_progress_step", "first_progress_s", "s_per_step")):
            r.status = "MISS" if self.cuda else "RAN"
            r.verdict += "; not enough figures to judge"
            return
        saves = compile_payoff(on, off, quick_steps)
        r.figures["compile_saves_s_over_quick_run"] = saves
        compiles_by_default = default == "on" or (default == "auto" and self.cuda)
        r.verdict += (f"; over a {quick_steps}-step Quick run compiling {'saves' if saves >= 0 else 'costs'} "
                      f"{abs(saves):.0f} s; Quick {'compiles' if compiles_by_default else 'does not compile'} by default here")
        if not self.cuda:
            r.status = "RAN"
            r.verdict += " (dry run: compile disabled)"
            return
        met = saves >= 0 or not compiles_by_default
        self.targets_seen["compile_quick"] = {"target": TARGETS["compile_quick"][1], "measured": f"{saves:+.0f} s",
                                              "met": met}
        r.status = "PASS" if met else "MISS"
        if not met:
            r.verdict += ": it must not be Quick's default (engine/presets.py)"

    def step_convert_speed(self, r: StepResult) -> None:
        s = self.sizes
        figures, judged, parts, rans = {}, [], [], []
        r.figures = figures  # filled as each run ends: a timeout in the second keeps the first's
        for key, (count, size, repeats, warmup), extra in (("folder", s.folder, ["--compile", "auto",
                                                                                 "--more-workers", "8"]),
                                                            ("huge", s.huge, ["--skip-plain", *s.huge_tiles])):
            path = self.work / f"convert_{key}.json"
            ran = self.run([self.py, "benchmarks/convert_speed.py", "--device", self.device, "--count", str(count),
                            "--size", size, "--repeats", str(repeats), "--warmup", str(warmup), "--json", str(path),
                            *s.convert_model, *extra])
            rans.append(ran)
            report = json.loads(path.read_text()) if path.is_file() else {}
            figures[key] = report
            if not report:
                parts.append(f"{size}: not measured")
                continue
            text = f"{size}: {report['pipeline_images_per_s_median']:.2f} img/s"
            if "speed_vs_plain" in report:
                text += f" ({report['speed_vs_plain']:.2f}x the plain loop)"
            if "gpu_busy_median" in report:
                text += (f", GPU busy {report['gpu_busy_median']:.0%}, peak {report['peak_gpu_gib_max']:.2f} GiB "
                         f"allocated, {report['peak_gpu_reserved_gib_max']:.2f} reserved")
            if report.get("thread_split"):  # which of decoding, translating and writing held it up
                shares = ", ".join(f"{k} {v:.0%}" for k, v in report["thread_split"].items())
                text += f" (converting thread: {shares})"
            if "more_workers_images_per_s_median" in report:  # is decoding or encoding the bound?
                text += (f"; with {report['more_workers']} workers {report['more_workers_images_per_s_median']:.2f} "
                         "img/s")
            parts.append(text)
            r.verdict = "; ".join(parts)
            if ran.timed_out:
                break
        if self.cuda:
            busy = figures.get("folder", {}).get("gpu_busy_median")
            peak = figures.get("huge", {}).get("peak_gpu_reserved_gib_max")
            judged = [self.target("convert_gpu_busy", busy, f"{busy:.0%}" if busy is not None else "not measured"),
                      self.target("convert_huge_gib", peak, f"{peak:.2f} GiB" if peak is not None else "not measured",
                                  at_most=True)]
        r.verdict = "; ".join(parts)
        worst = next((x for x in rans if not x.ok), rans[-1])
        self._settle(r, worst, judged)

    def step_ddp(self, r: StepResult) -> None:
        if self.cuda and not self.env_info.get("nccl", True):
            r.status, r.verdict = "SKIP", "this torch has no NCCL"
            return
        s = self.sizes
        argv = [self.py, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=1",
                str(Path(__file__).resolve()), "--ddp-worker", "--device", self.device, "--ddp-data", str(self.data()),
                "--ddp-out", str(self.work / "ddp"), "--ddp-steps", str(s.ddp_steps), "--ddp-log-every", str(s.ddp_log_every), "--sizes", s.name]
        ran = self.run(argv)
        stages = [line.split(" ", 1)[1] for line in ran.output.splitlines() if line.startswith("GPU_CHECK_DDP_STAGE ")]
        lines = [line for line in ran.output.splitlines() if line.startswith("GPU_CHECK_DDP ")]
        report = json.loads(lines[-1].split(" ", 1)[1]) if lines else {}
        r.figures = dict(report, stages=stages)
        if ran.timed_out:
            r.status = "TIMEOUT"
            r.verdict = f"ran past its time; reached: {'; '.join(stages) or 'nothing'}"
            return
        if not ran.ok or not report.get("finished"):
            r.status = "FAIL"
            r.verdict = report.get("error") or f"torchrun exited {ran.rc}; see the log"
            return
        if not report.get("ddp_wrapped"):
            r.status, r.verdict = "FAIL", "the engine did not take its DistributedDataParallel path"
            return
        step_s = report.get("s_per_step")
        r.verdict = (f"{report['backend']} DDP ({report['speed_plan']}) trained {report['steps']} steps in "
                     f"{report['run_s']:.1f} s" + (f", {step_s:.4f} s/step after warm-up" if step_s else ""))
        r.status = "PASS" if self.cuda else "RAN"

    # ------------------------------------------------------------------ verdicts and reports
    def target(self, key: str, value: float | None, shown: str, at_most: bool = False) -> bool | None:
        goal, text = TARGETS[key]
        met = None if value is None else (value <= goal if at_most else value >= goal)
        self.targets_seen[key] = {"target": text, "measured": shown, "met": met}
        return met

    def _settle(self, r: StepResult, ran: Ran, judged: list) -> None:
        if ran.timed_out:
            r.status = "TIMEOUT"
        elif ran.rc != 0:
            r.status = "FAIL"
            r.verdict = (r.verdict + "; " if r.verdict else "") + f"exited {ran.rc}; see the log"
        elif not self.cuda:
            r.status = "RAN"
        else:
            r.status = "PASS" if all(m is True for m in judged) else "MISS"

    def run_all(self, only: list[str] | None) -> int:
        """Every step in the table's order, or env then ``only`` in the order asked (on a short lease the step
        that matters most runs first)."""
        caps = dict(self.args.cap or ())
        chosen = [(k, t, caps.get(k, cap), floor) for k, t, cap, floor in STEPS]
        if only:
            chosen = [chosen[0]] + sorted((s for s in chosen[1:] if s[0] in only), key=lambda s: only.index(s[0]))
        last = len(chosen) - 1
        self.report(0, last, self.run_step(chosen, 0))
        if self.jobs == 1:
            for i in range(1, len(chosen)):
                self.report(i, last, self.run_step(chosen, i))
        else:
            from concurrent.futures import ThreadPoolExecutor

            self.data()
            with ThreadPoolExecutor(self.jobs) as pool:
                futures = [pool.submit(self.run_step, chosen, i) for i in range(1, len(chosen))]
                for i, future in enumerate(futures, 1):
                    self.report(i, last, future.result())
        wall = time.monotonic() - self.started
        print(f"gpu-check: {wall:.0f} s; {self.out / 'gpu_check.md'}, gpu_check.json, gpu_check.log", flush=True)
        return 1 if any(r.status in BROKEN for r in self.results) else 0

    def run_step(self, chosen: list[tuple], i: int) -> StepResult:
        """Step ``i`` under its deadline: its cap, less the floors kept for the steps after it."""
        key, title, cap, floor = chosen[i]
        r = StepResult(key, title)
        self._local.current = r
        now = time.monotonic()
        later = sum(s[3] for s in chosen[i + 1:]) if self.jobs == 1 else 0
        allowed = min(cap, self.deadline - now - later)
        if key != "env" and not self.env_ok():
            r.status, r.verdict = "SKIP", "the machine check failed"
        elif allowed < floor:
            r.status, r.verdict = "SKIP", f"out of time ({allowed:.0f} s left for it, needs {floor})"
        else:
            self.allow(allowed)
            try:
                getattr(self, "step_" + key.replace("-", "_"))(r)
            except TimedOut as exc:
                r.status, r.verdict = "TIMEOUT", str(exc) if not r.verdict else r.verdict + f"; {exc}"
            except Exception as exc:  # the check broke or a command failed: say so, go on
                self.note(traceback.format_exc())
                r.status = "FAIL" if isinstance(exc, RuntimeError) else "ERROR"
                r.verdict = (r.verdict + "; " if r.verdict else "") + f"{type(exc).__name__}: {exc}"
        r.seconds = round(time.monotonic() - now, 1)
        self._local.current = None
        return r

    def report(self, i: int, last: int, r: StepResult) -> None:
        self.results.append(r)
        print(f"[{i}/{last}] {r.key:14s} {r.status:7s} {r.verdict} ({r.seconds:.0f} s)", flush=True)
        self.write_reports()

    def env_ok(self) -> bool:
        return not self.results or self.results[0].status in ("PASS", "RAN")

    def write_reports(self) -> None:
        wall = round(time.monotonic() - self.started, 1)
        report = {"when": self.when, "device": self.device, "sizes": self.sizes.name, "budget_s": self.args.budget,
                  "wall_s": wall, "environment": self.env_info, "targets": self.targets_seen,
                  "steps": [asdict(r) for r in self.results]}
        (self.out / "gpu_check.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
        (self.out / "gpu_check.md").write_text(self.markdown(wall))

    def markdown(self, wall: float) -> str:
        e = self.env_info
        if not e:
            machine = "not probed"
        else:
            card = f"{e['gpu']} ({e['gpu_memory_gib']} GiB)" if e.get("gpu") else "no GPU"
            machine = (f"{card}, {e.get('cpus')} CPU cores; torch {e.get('torch')}, torchvision "
                       f"{e.get('torchvision')}, CUDA {e.get('cuda')}, Python {e.get('python')}")
        lines = [f"# GPU check, {self.when}", "",
                 f"`tools/gpu_check.py --device {self.device}` ({self.sizes.name} sizes"
                 + (", a CPU dry run: no target is judged" if not self.cuda else "")
                 + f"), {wall:.0f} s of a {self.args.budget:.0f} s budget.", "", f"**Machine:** {machine}", ""]
        if e.get("nvidia_smi"):
            lines += ["```", e["nvidia_smi"], "```", ""]
        lines += ["| step | status | verdict | s |", "|---|---|---|---|"]
        lines += [f"| {r.key} | {r.status} | {r.verdict.replace('|', '/')} | {r.seconds:.0f} |" for r in self.results]
        if self.targets_seen:
            lines += ["", "## Targets (issue 19)", "", "| target | measured | met |", "|---|---|---|"]
            met = {True: "yes", False: "**no**"}
            lines += [f"| {t['target']} | {t['measured']} | {met.get(t['met'], 'not judged')} |"
                      for t in self.targets_seen.values()]
        lines += ["", "## Figures", "", "Every figure is in gpu_check.json; every command's output in gpu_check.log.", ""]
        for r in self.results:
            lines += [f"### {r.key}: {r.title}", ""] + self.figure_table(r)
            for c in r.commands:
                argv = c["argv"][1:] if c["argv"][0] == self.py else c["argv"]
                shown = " ".join("<script>" if "\n" in a else a for a in argv)
                lines.append(f"- `{shown}`: rc {c['rc']}, {c['seconds']:.1f} s{' (timed out)' if c['timed_out'] else ''}")
            lines += [""]
        return "\n".join(lines)

    @staticmethod
    def figure_table(r: StepResult) -> list[str]:
        """The tables worth pasting into docs/performance.md: training and conversion speed."""
        def num(value, fmt: str) -> str:
            return format(value, fmt) if isinstance(value, (int, float)) else ""

        if r.key == "train-speed" and r.figures.get("batches"):
            rows = ["| batch | variant | s/step | img/s | GFLOP/s | x plain | MFU (sheet / measured) | first step s "
                    "| peak GiB |", "|---|---|---|---|---|---|---|---|---|"]
            for b in r.figures["batches"]:
                for name, v in b["variants"].items():
                    mfu = " / ".join(num(v.get(k), ".1%") for k in ("mfu_datasheet", "mfu_measured")).strip(" /")
                    rows.append(f"| {b['batch']} | {name} ({v['speed_plan']}) | {v['s_per_step']:.4f} | "
                                f"{v['images_per_s']:.2f} | {v['gflop_per_s']:.0f} | {v['speed_vs_plain']:.2f} | {mfu} | "
                                f"{v['first_step_s']:.2f} | {num(v.get('peak_gpu_gib'), '.2f')} |")
            return rows + [""]
        if r.key == "convert-speed" and r.figures:
            rows = ["| images | pipeline img/s | plain img/s | GPU busy | peak GiB (allocated / reserved) | compile |",
                    "|---|---|---|---|---|---|"]
            for c in r.figures.values():
                if c:
                    peak = f"{num(c.get('peak_gpu_gib_max'), '.2f')} / {num(c.get('peak_gpu_reserved_gib_max'), '.2f')}"
                    rows.append(f"| {c['count']} x {c['width']}x{c['height']} | {c['pipeline_images_per_s_median']:.2f} "
                                f"| {num(c.get('plain_images_per_s_median'), '.2f')} "
                                f"| {num(c.get('gpu_busy_median'), '.0%')} | {peak} | {c['compile']} |")
            return rows + [""]
        return []

    def close(self) -> None:
        self.log.close()
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)


# ----------------------------------------------------------------------------- the DDP worker

def ddp_worker(args: argparse.Namespace) -> int:
    """Run under ``torchrun --nproc_per_node=1``: train a few steps through the engine's DDP path.

    Under torchrun the engine wraps its networks in DistributedDataParallel even in a world of
    one (engine/train.py), so DDP's gradient all-reduce and the logged losses' all-reduce run
    on a real NCCL (gloo on the CPU) group. The worker starts the group itself first, to report
    a collective on its own before training needs one.
    """
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    from engine.config import TrainConfig, from_dict, to_dict
    from engine.presets import apply_preset
    from engine.train import Trainer

    def report(**values) -> None:
        print("GPU_CHECK_DDP " + json.dumps(values), flush=True)

    cuda = args.device.startswith("cuda")
    backend = "nccl" if cuda else "gloo"
    if cuda:
        if not dist.is_nccl_available():
            report(error="this torch has no NCCL")
            return 1
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend)
    world = dist.get_world_size()
    probe = torch.ones(1, device=f"cuda:{torch.cuda.current_device()}" if cuda else "cpu")
    dist.all_reduce(probe)  # a collective on its own, before training needs one
    print(f"GPU_CHECK_DDP_STAGE {backend} process group up (world {world}), all_reduce gave {probe.item():g}",
          flush=True)
    sizes = {"full": FULL, "tiny": TINY}[args.sizes]
    values = apply_preset(to_dict(TrainConfig()), "quick")
    values.update(data=args.ddp_data, out=args.ddp_out, max_steps=args.ddp_steps, log_every=args.ddp_log_every,
                  sample_every=0, device="auto" if cuda else "cpu")
    for name, value in sizes.overrides.items():
        (values["model"] if name in MODEL_FIELDS else values)[name] = value
    trainer = Trainer(from_dict(TrainConfig, values))
    # asked of the process, not of the Trainer's attributes, which move as the engine is reshaped
    wrapped = any(isinstance(o, DistributedDataParallel) for o in gc.get_objects())
    print(f"GPU_CHECK_DDP_STAGE Trainer built ({trainer.speed.describe()}; DistributedDataParallel: {wrapped})",
          flush=True)
    t0 = time.perf_counter()
    result = trainer.run()
    run_s = time.perf_counter() - t0
    print(f"GPU_CHECK_DDP_STAGE trained to step {trainer.step} in {run_s:.1f} s", flush=True)
    records = read_jsonl(Path(args.ddp_out) / "metrics.jsonl")
    report(finished=type(result).__name__ == "Finished", backend=backend, real_world_size=world,
           ddp_wrapped=wrapped, speed_plan=trainer.speed.describe(),
           steps=trainer.step, run_s=run_s, s_per_step=steady_step_seconds(records, args.ddp_log_every),
           device=str(trainer.device), error=getattr(result, "reason", None))
    trainer.close()
    return 0 if type(result).__name__ == "Finished" else 1


def _cap(text: str) -> tuple[str, float]:
    key, _, seconds = text.partition("=")
    if key not in {s[0] for s in STEPS} or not seconds.replace(".", "", 1).isdigit():
        raise argparse.ArgumentTypeError(f"expected STEP=SECONDS with STEP one of the steps, got {text!r}")
    return key, float(seconds)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cuda", help="cuda (the check) or cpu (the tiny dry run)")
    p.add_argument("--out", default=os.environ.get("OUT") or "/tmp/cyclegan-gpu-check",
                   help="folder for gpu_check.md, .json and .log (default: $OUT)")
    p.add_argument("--sizes", choices=("full", "tiny"), help="default: full on CUDA, tiny on the CPU")
    p.add_argument("--budget", type=float, default=540.0, help="seconds for the whole check")
    p.add_argument("--steps", help="comma-separated steps to run (env always runs): "
                                   + ",".join(s[0] for s in STEPS[1:]))
    p.add_argument("--cap", action="append", type=_cap, metavar="STEP=SECONDS",
                   help="a step's own time cap instead of the table's (repeatable)")
    p.add_argument("--batches", type=lambda v: tuple(int(b) for b in v.split(",")),
                   help="train-speed's batch sizes, comma-separated (default: the sizes' own)")
    p.add_argument("--python", default=sys.executable, help="the Python that runs every step")
    p.add_argument("--jobs", type=int, default=2, help="steps side by side in a CPU dry run (a GPU check: always 1)")
    p.add_argument("--keep", action="store_true", help="keep the work folder (generated data, runs)")
    p.add_argument("--ddp-worker", action="store_true", help=argparse.SUPPRESS)
    # the worker's own options all start with --ddp-: torchrun reads abbreviations of its own
    # options even after the script's name (--run would be taken for its --run-path)
    p.add_argument("--ddp-data", help=argparse.SUPPRESS)
    p.add_argument("--ddp-out", help=argparse.SUPPRESS)
    p.add_argument("--ddp-steps", type=int, help=argparse.SUPPRESS)
    p.add_argument("--ddp-log-every", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    unknown = set(args.steps.split(",") if args.steps else ()) - {s[0] for s in STEPS}
    if unknown:
        p.error(f"unknown steps: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.ddp_worker:
        return ddp_worker(args)
    only = args.steps.split(",") if args.steps else None
    check = Check(args)
    try:
        return check.run_all(only)
    finally:
        check.close()


if __name__ == "__main__":
    raise SystemExit(main())
