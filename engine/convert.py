"""Converting whole folders: the job most people come for.

Pipeline: list the images, plan every output path (same relative structure), then decode
in background threads, translate batches of equal-sized images on the device, and encode
in background threads, each output written atomically. Every output keeps its input's
width, height, alpha channel, ICC profile and EXIF (orientation applied). A file that
cannot be read is reported and skipped; an output that cannot be written stops the batch
with a count of what was done, and ``skip_existing`` continues from there.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import logging
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import torch
from PIL import Image
from torchvision.transforms.v2 import functional as TF

from .config import ConvertConfig
from .data import has_alpha, list_images, open_image, to_8bit
from .devices import pick_device
from .events import (Control, ConvertFinished, ConvertProgress, ConvertSummary, EventCallback, FileDone, FileFailed,
                     Stopped)
from .fileio import atomic_path
from .modelfile import LoadedModel
from .tiling import run_padded, translate_tiled

FORMATS = {"png": ("PNG", ".png"), "jpg": ("JPEG", ".jpg"), "webp": ("WEBP", ".webp")}
KEEPABLE = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP", ".tif": "TIFF", ".tiff": "TIFF",
            ".bmp": "BMP"}
ALPHA_FORMATS = {"PNG", "WEBP", "TIFF"}
log = logging.getLogger(__name__)
COMPILE_MIN_IMAGES = 32
FATAL_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR}


class OutputError(OSError):
    """The output cannot be written at all (full disk, read-only, no permission)."""


# ------------------------------------------------------------------ planning
def check_folders(src: Path, dst: Path) -> None:
    """Refuse folder choices that could destroy or recurse into the inputs."""
    if not src.is_dir():
        raise ValueError(f"input folder {src} does not exist")
    s, d = src.resolve(), dst.resolve()
    if d == s:
        raise ValueError("the output folder is the input folder; choose another one so no original is overwritten")
    if d.is_relative_to(s):
        raise ValueError(f"the output folder {dst} is inside the input folder; choose a folder outside {src}")
    if dst.exists() and not dst.is_dir():
        raise ValueError(f"the output {dst} is a file, not a folder")


def output_format(source: Path, fmt: str) -> tuple[str, str]:
    """(Pillow format, file suffix) of the output for ``source``."""
    if fmt in FORMATS:
        return FORMATS[fmt]
    suffix = source.suffix.lower()
    if suffix in KEEPABLE:
        return KEEPABLE[suffix], source.suffix
    return "PNG", ".png"  # formats Pillow reads but should not write (GIF, PPM, ...)


def plan(src: Path, dst: Path, options: ConvertConfig) -> list[tuple[Path, Path, str]]:
    """(input, output, Pillow format) for every image, outputs mirroring the input tree."""
    check_folders(src, dst)
    inputs = list_images(src, options.recursive)
    input_set = {p.resolve() for p in inputs}
    taken: set[Path] = set()
    jobs = []
    for path in inputs:
        fmt, suffix = output_format(path, options.format)
        rel = path.relative_to(src)
        out = dst / rel.with_suffix(suffix)
        if out in taken:  # photo.jpg and photo.png both becoming photo.png
            out = dst / rel.with_name(f"{rel.stem}_{rel.suffix.lstrip('.')}{suffix}")
        if out.resolve() in input_set:
            raise ValueError(f"converting {path} would overwrite the input {out}; choose another output folder")
        taken.add(out)
        jobs.append((path, out, fmt))
    return jobs


# ------------------------------------------------------------- decode/encode
@dataclass
class Decoded:
    pixels: torch.Tensor  # (C, H, W) uint8 in the model's channel count
    alpha: Image.Image | None
    icc: bytes | None
    exif: bytes | None
    seconds: float


def decode(path: Path, channels: int) -> Decoded:
    t0 = time.perf_counter()
    img = open_image(path)
    icc, exif = img.info.get("icc_profile"), img.info.get("exif")
    img = to_8bit(img)
    alpha = None
    if has_alpha(img):
        rgba = img.convert("RGBA" if img.mode not in ("LA", "PA") else "LA")
        alpha = rgba.getchannel("A")
        img = rgba
    img = img.convert("L" if channels == 1 else "RGB")
    return Decoded(TF.pil_to_tensor(img), alpha, icc, exif, time.perf_counter() - t0)


def encode(pixels: torch.Tensor, decoded: Decoded, out: Path, fmt: str, quality: int) -> None:
    """Write one output atomically, carrying over alpha, ICC profile and EXIF where the format can."""
    array = pixels.permute(1, 2, 0).squeeze(-1).numpy()
    img = Image.fromarray(array, "L" if array.ndim == 2 else "RGB")
    if decoded.alpha is not None and fmt in ALPHA_FORMATS:
        img.putalpha(decoded.alpha)
    params: dict = {}
    if fmt in ("JPEG", "WEBP"):
        params["quality"] = quality
    if decoded.icc and fmt in ("JPEG", "WEBP", "PNG", "TIFF") and img.mode != "L":
        params["icc_profile"] = decoded.icc
    if decoded.exif and fmt in ("JPEG", "WEBP", "PNG"):
        params["exif"] = decoded.exif
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(out) as tmp:
            img.save(tmp, format=fmt, **params)
    except OSError as exc:
        if exc.errno in FATAL_WRITE_ERRORS or isinstance(exc, (FileExistsError, NotADirectoryError)):
            raise OutputError(exc.errno, f"cannot write {out}: {exc.strerror or exc}") from None
        raise


# ---------------------------------------------------------------- translator
class Translator:
    """A generator on a device that translates uint8 image batches of any size.

    Speed paths, each measured (benchmarks/convert_speed.py, docs in the closing notes):
    channels_last everywhere, bf16/fp16 autocast on CUDA, and optionally torch.compile,
    which on a 2-core CPU cut a 512x384 paper-generator forward from 1.11 s to 0.80 s.
    If compiling fails (no C++ compiler on the machine, say), it falls back to eager.
    """

    def __init__(self, model: LoadedModel, device: str = "auto", tile: int = 0, overlap: int = 128,
                 max_pixels: int = 2_000_000, compile: bool = False):
        self.model = model
        self.device = pick_device(device)
        self.net = model.generator.to(self.device).eval().to(memory_format=torch.channels_last)
        self.tile = tile
        self.overlap = overlap
        self.max_pixels = max_pixels
        self.amp_dtype = None
        if self.device.type == "cuda":
            self.amp_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        self.compiled = torch.compile(self.net, dynamic=None) if compile else None

    @property
    def channels(self) -> int:
        return self.model.channels

    def _autocast(self):
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def _prepare(self, x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last)

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.compiled is not None:
            try:
                return self.compiled(x)
            except torch.OutOfMemoryError:
                raise
            except Exception as exc:  # e.g. no C++ compiler for inductor on this machine
                log.warning("torch.compile failed (%s); translating without it", str(exc).splitlines()[0][:200])
                self.compiled = None
        return self.net(x)

    def needs_tiles(self, h: int, w: int) -> bool:
        return h * w > self.max_pixels or bool(self.tile and (h > self.tile or w > self.tile))

    @torch.inference_mode()
    def __call__(self, batch: torch.Tensor) -> torch.Tensor:
        """uint8 (N, C, H, W) in, uint8 (N, C, H, W) out, on the CPU."""
        x = batch.float().div_(127.5).sub_(1.0)
        h, w = x.shape[-2:]
        if self.needs_tiles(h, w):
            tile = self.tile or 512
            outs = [translate_tiled(self.net, x[i:i + 1], tile, self.overlap, self.max_pixels, self.device,
                                    self._autocast, self._prepare) for i in range(x.shape[0])]
            y = torch.cat(outs)
        else:
            with self._autocast():
                y = run_padded(self._forward, self._prepare(x.to(self.device, non_blocking=True))).float()
        return y.add_(1.0).mul_(127.5).round_().clamp_(0, 255).to(torch.uint8).cpu()


# -------------------------------------------------------------------- driver
def convert_folder(model: LoadedModel | Translator, src: str | Path, dst: str | Path,
                   options: ConvertConfig | None = None, on_event: EventCallback | None = None,
                   control: Control | None = None) -> ConvertSummary:
    """Translate every image under ``src`` into ``dst``; never raises for a bad file.

    Raises ValueError only for a refused folder choice (before anything is written).
    """
    options = options or ConvertConfig()
    options.validate()
    emit = on_event or (lambda e: None)
    control = control or Control()
    src, dst = Path(src), Path(dst)
    jobs = plan(src, dst, options)
    skipped = 0
    if options.skip_existing:
        todo = [j for j in jobs if not j[1].exists()]
        skipped = len(jobs) - len(todo)
        jobs = todo
    use_compile = options.compile == "on" or (options.compile == "auto" and len(jobs) >= COMPILE_MIN_IMAGES)
    translator = model if isinstance(model, Translator) else Translator(
        model, options.device, options.tile, options.overlap, options.max_pixels, compile=use_compile)
    if not options.batch_size:
        options = dataclasses.replace(options, batch_size=1 if translator.device.type == "cpu" else 4)
    try:
        dst.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        summary = ConvertSummary(str(dst), len(jobs), 0, skipped, (), 0.0,
                                 error=f"cannot create the output folder {dst}: {exc.strerror or exc}")
        emit(ConvertFinished(summary))
        return summary
    runner = _Run(translator, jobs, options, emit, control)
    summary = runner.run(dst, skipped)
    emit(ConvertFinished(summary))
    return summary


class _Run:
    """State of one folder conversion: the queues, the counters and the timing."""

    def __init__(self, translator: Translator, jobs, options: ConvertConfig, emit: EventCallback, control: Control):
        self.t, self.jobs, self.options, self.emit, self.control = translator, jobs, options, emit, control
        self.converted = 0
        self.failed: list[tuple[str, str]] = []
        self.started = time.perf_counter()
        self.writing: deque[tuple[Future, Path, Path, float]] = deque()

    @property
    def done(self) -> int:
        return self.converted + len(self.failed)

    def _progress(self) -> None:
        elapsed = time.perf_counter() - self.started
        rate = self.converted / elapsed if elapsed > 0 else 0.0
        left = len(self.jobs) - self.done
        self.emit(ConvertProgress(self.done, len(self.jobs), rate, left / rate if rate > 0 else float("inf")))

    def _fail(self, source: Path, reason: str) -> None:
        self.failed.append((str(source), reason))
        self.emit(FileFailed(str(source), reason))
        self._progress()

    def _collect(self, wait_for: int) -> None:
        """Report finished writes, blocking until at most ``wait_for`` are still pending."""
        while self.writing and (len(self.writing) > wait_for or self.writing[0][0].done()):
            future, source, out, began = self.writing.popleft()
            try:
                future.result()
            except OutputError:
                raise
            except Exception as exc:
                self._fail(source, f"could not write {out.name}: {exc}")
                continue
            self.converted += 1
            self.emit(FileDone(str(source), str(out), time.perf_counter() - began))
            self._progress()

    def _translate(self, group: list, encoder: ThreadPoolExecutor) -> None:
        self.control.checkpoint()
        batch = torch.stack([d.pixels for _, d, _ in group])
        try:
            outputs = self.t(batch)
        except torch.OutOfMemoryError:
            raise OutputError(errno.ENOMEM, "out of memory translating "
                              f"{batch.shape[-1]}x{batch.shape[-2]} images: lower --max-pixels or --tile, "
                              "or the batch size") from None
        for (job, decoded, began), pixels in zip(group, outputs):
            source, out, fmt = job
            future = encoder.submit(encode, pixels, decoded, out, fmt, self.options.quality)
            self.writing.append((future, source, out, began))
        self._collect(wait_for=2 * self.options.batch_size)

    def run(self, dst: Path, skipped: int) -> ConvertSummary:
        opts = self.options
        workers = max(1, opts.workers)
        cancelled, error = False, ""
        self._progress()
        with ThreadPoolExecutor(workers, thread_name_prefix="decode") as decoder, \
                ThreadPoolExecutor(workers, thread_name_prefix="encode") as encoder:
            lookahead = 2 * opts.batch_size + workers
            pending: deque[tuple[tuple, Future, float]] = deque()
            queue = iter(self.jobs)

            def top_up() -> None:
                while len(pending) < lookahead:
                    job = next(queue, None)
                    if job is None:
                        return
                    pending.append((job, decoder.submit(decode, job[0], self.t.channels), time.perf_counter()))

            group: list = []
            try:
                top_up()
                while pending:
                    job, future, began = pending.popleft()
                    top_up()
                    try:
                        decoded = future.result()
                    except Exception as exc:
                        self._fail(job[0], _reason(exc))
                        continue
                    shape = tuple(decoded.pixels.shape)
                    if group and (tuple(group[0][1].pixels.shape) != shape or len(group) >= opts.batch_size):
                        self._translate(group, encoder)
                        group = []
                    group.append((job, decoded, began))
                    if self.t.needs_tiles(shape[1], shape[2]):
                        self._translate(group, encoder)
                        group = []
                if group:
                    self._translate(group, encoder)
                self._collect(wait_for=0)
            except Stopped:
                cancelled = True
            except OutputError as exc:
                error = exc.strerror
            finally:
                for _, future, _ in pending:
                    future.cancel()
            if cancelled or error:
                with contextlib.suppress(OutputError):
                    self._collect(wait_for=0)  # finish (atomically) what was already translated
        if error:
            error = f"{error}; {self.converted} of {len(self.jobs)} image(s) were written"
        return ConvertSummary(str(dst), len(self.jobs), self.converted, skipped, tuple(self.failed),
                              time.perf_counter() - self.started, cancelled, error)


def _reason(exc: Exception) -> str:
    if isinstance(exc, Image.DecompressionBombError):
        return "image is too large to open safely (Pillow's decompression-bomb limit)"
    if isinstance(exc, FileNotFoundError):
        return "file disappeared before it could be read"
    text = str(exc).strip() or type(exc).__name__
    return f"cannot read image: {text}"
