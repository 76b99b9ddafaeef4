"""The ``cyclegan`` command: a thin front end over the engine's events, with tqdm bars.

Options are generated from the config dataclasses (one source of truth for names,
defaults and help), so ``--crop-size`` is ``TrainConfig.crop_size`` and so on.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import shlex
import signal
import sys
import warnings
from pathlib import Path
from typing import Any, Sequence

from . import __version__
from .config import ConvertConfig, ModelConfig, TrainConfig, cli_fields, flag, from_dict, load_json, to_dict
from .events import Stopped
from .fileio import in_words
from .presets import METHOD_DEFAULTS, PRESETS, apply_preset, presets_for


class CommandError(Exception):
    """A failure to report as one line and a non-zero exit code: 1, or 130 for a cancel (Ctrl-C), as a shell has
    it, so that a script can tell one from the other."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def _help(text: str) -> str:
    """argparse %-formats help texts: a literal % must be doubled (or '2 % slower' prints a dict)."""
    return text.replace("%", "%%")


def add_config_options(parser: argparse.ArgumentParser, cls: type, title: str) -> None:
    """One option per scalar field of ``cls``; defaults stay unset so we know what was given."""
    group = parser.add_argument_group(title)
    for name, f, kind in cli_fields(cls):
        said = f.metadata.get("help", "")
        if f.default != "" and "(default:" not in said:  # "(default: )" said nothing; a help may say it better
            said += f" (default: {f.default})"
        kwargs: dict[str, Any] = {"dest": name, "default": argparse.SUPPRESS, "help": _help(said)}
        if kind is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs["type"] = kind
            kwargs["metavar"] = name.upper()
            if f.metadata.get("choices"):
                kwargs["choices"] = f.metadata["choices"]
                kwargs.pop("metavar")
        spellings = dict.fromkeys(["--" + flag(name, cls), "--" + name.replace("_", "-")])  # --model is also
        group.add_argument(*spellings, **kwargs)  # --method: convert's --model is a file (a new-user pass)


def apply_options(config: Any, args: argparse.Namespace) -> Any:
    """Copy the options given on the command line onto a config (and its nested model)."""
    data = to_dict(config)
    given = vars(args)
    for name, _, _ in cli_fields(type(config)):
        if name in given:
            data[name] = given[name]
    if "model" in data:
        for name, _, _ in cli_fields(ModelConfig):
            if name in given:
                data["model"][name] = given[name]
    return from_dict(type(config), data)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cyclegan", description="Train CycleGAN (unpaired) and pix2pix (paired) "
                                     "image-to-image models, and convert folders of images with them.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = sub.add_parser("train", help="train a model on two folders of images (or on pairs)",
                           description="Train CycleGAN on two folders of unpaired images, or pix2pix (--model "
                                       "pix2pix) on pairs. Start with --data DIR --out RUN_DIR, continue with "
                                       "--resume RUN_DIR.")
    train.add_argument("--resume", metavar="RUN_DIR", type=path_text, help="continue a stopped or crashed run")
    train.add_argument("--config", metavar="FILE", type=path_text,
                       help="start from a config.json (a --preset then sets its recipe's settings; options "
                            "override both)")
    train.add_argument("--preset", choices=sorted(PRESETS),
                       help=_help("start from a named recipe (options override it): "
                                  + "; ".join(f"{p.key}: {p.expected}; {p.trade_off}" for p in PRESETS.values())
                                  + ". 'cyclegan presets' times each on this machine"))
    add_config_options(train, TrainConfig, "training")
    add_config_options(train, ModelConfig, "model")
    train.set_defaults(func=cmd_train)

    convert = sub.add_parser("convert", help="translate every image in a folder",
                             description="Translate a folder of images with a model file or a run folder. "
                                         "Outputs keep each input's size and the folder structure.")
    convert.add_argument("--model", required=True, metavar="FILE_OR_RUN", type=path_text,
                         help="model file, run folder, or 'demo' (the built-in demo model)")
    convert.add_argument("--input", required=True, metavar="DIR", type=path_text, help="folder of images to translate")
    convert.add_argument("--output", required=True, metavar="DIR", type=path_text,
                         help="folder for the results (created)")
    add_config_options(convert, ConvertConfig, "conversion")
    convert.set_defaults(func=cmd_convert)

    export = sub.add_parser("export", help="write one direction of a run as a model file",
                            description="Write one direction of a run (its newest checkpoint) as a model file, "
                                        "to keep or share once the run is gone; also as TorchScript, ONNX or "
                                        ".safetensors for other tools.")  # the one command without one
    export.add_argument("--run", required=True, metavar="RUN_DIR", type=path_text, help="the run folder to export from")
    export.add_argument("--direction", choices=("AtoB", "BtoA"),
                        help="which generator (default: the one a pix2pix run learnt; AtoB for CycleGAN)")
    export.add_argument("--out", required=True, metavar="FILE", type=path_text, help="the model file to write (.pt)")
    export.add_argument("--half", action="store_true", help="store fp16 weights (half the size)")
    export.add_argument("--torchscript", metavar="FILE", type=path_text, help="also write a TorchScript copy")
    export.add_argument("--onnx", metavar="FILE", type=path_text,
                        help="also write an ONNX copy (needs the onnx package)")
    export.add_argument("--safetensors", metavar="FILE", type=path_text,
                        help="also write a .safetensors copy (our metadata in its "
                             "header; it loads here like the model file)")
    export.add_argument("--replace", action="store_true", help="write over files that already exist (refused "
                                                               "otherwise)")
    export.set_defaults(func=cmd_export)

    import_ = sub.add_parser("import", help="turn another tool's generator (.pth, .safetensors) into a model",
                             description="Recognise a generator saved by the reference implementation (its "
                                         "published .pth files: ResNet or U-Net, any width) or as .safetensors, "
                                         "and add it to the library as a model file, or write it with --out.")
    import_.add_argument("file", metavar="FILE")
    import_.add_argument("--name", type=name_text, help="the model's name in the library (default: the file's name)")
    import_.add_argument("--a", dest="name_a", metavar="NAME_A", help="what its input shows (default: from a "
                                                                      "published name or an X2Y file name)")
    import_.add_argument("--b", dest="name_b", metavar="NAME_B", help="what its output shows")
    import_.add_argument("--out", metavar="FILE", type=path_text,
                         help="write the model file here instead of into the library")
    import_.add_argument("--replace", action="store_true", help="write over --out if it exists")
    import_.set_defaults(func=cmd_import)

    models = sub.add_parser("models", help="the generators published with the reference implementation",
                            description="List the published models, or download one into the library.")
    models_sub = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    models_sub.add_parser("list", help="names, what each does, size, and whether it is downloaded")
    fetch = models_sub.add_parser("download", help="download one (resumes an interrupted download)")
    fetch.add_argument("name", metavar="NAME")
    models.set_defaults(func=cmd_models)

    evaluate = sub.add_parser(
        "evaluate", help="PSNR, SSIM and ΔE of a model's outputs against paired ground truth",
        description="Translate paired test images and compare them with their ground truth. Give a dataset "
                    "root holding testA/ and testA_truth/ (same file names), or --input and --truth.")
    evaluate.add_argument("--model", required=True, metavar="FILE_OR_RUN", type=path_text,
                          help="model file, run folder, or 'demo'")
    evaluate.add_argument("--data", metavar="DIR", type=path_text,
                          help="dataset root with testA/ and testA_truth/, or with "
                               "held-out pairs (test/, val/, testA/ + testB/)")
    evaluate.add_argument("--input", metavar="DIR", type=path_text, help="folder of test inputs")
    evaluate.add_argument("--truth", metavar="DIR", type=path_text,
                          help="folder of their ground truths (same file names)")
    evaluate.add_argument("--direction", choices=("AtoB", "BtoA"),
                          help="which generator of a run folder (BtoA uses testB/ and testB_truth/; default: the "
                               "one a pix2pix run learnt, AtoB for CycleGAN)")
    evaluate.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps (default: auto)")
    evaluate.add_argument("--json", action="store_true", help="print every image's figures as JSON")
    evaluate.set_defaults(func=cmd_evaluate)

    presets = sub.add_parser("presets", help="the named recipes, and how long each takes on this machine",
                             description="List the training presets with what each gives, and time a few real "
                                         "steps of each on this machine (a minute or so on a CPU) to say how long "
                                         "a run takes here.")
    presets.add_argument("names", nargs="*", metavar="NAME", help="only these presets (default: all)")
    presets.add_argument("--device", default="auto", help="time on this device (auto, cpu, cuda, cuda:N, mps)")
    presets.add_argument("--images", type=int, default=200, metavar="N",
                         help="images a side (pairs for pix2pix), for the presets counted in epochs (default 200)")
    presets.add_argument("--no-time", action="store_true", help="only list them")
    presets.set_defaults(func=cmd_presets)

    info = sub.add_parser("info", help="describe a run directory or a model file",
                          description="What a run folder or a model file holds: method, domains, architecture, step.")
    info.add_argument("path", metavar="RUN_OR_FILE", type=path_text,
                      help="a run folder, a model file (.pt, .safetensors) or 'demo'")
    info.set_defaults(func=cmd_info)
    return parser


class Console:
    """The console a long command reports to, which may go away while it works: a pipe whose reader ended (``| tee``
    ended by Ctrl-C, ``| head``), a closed terminal. Its end ends the output, not the work: a training run's bar
    raised BrokenPipeError, the run failed without its last save, and exited 0 (a hostile training pass)."""

    def __init__(self, stream):
        self.stream, self.gone = stream, False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self.stream.write(text)
            except (OSError, ValueError):  # EPIPE, EIO (a closed terminal), a closed file
                self._go()
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self.stream.flush()
            except (OSError, ValueError):
                self._go()

    def _go(self) -> None:
        self.gone = True
        with contextlib.suppress(OSError, ValueError):  # what is still buffered, flushed by Python at exit, goes here
            os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())

    def __getattr__(self, name: str):  # isatty, encoding, fileno: tqdm asks
        return getattr(self.stream, name)


class TqdmReporter:
    """Turns training events into a tqdm bar with the losses as its postfix."""

    def __init__(self, total: int, initial: int, console: Console | None = None, shown: tuple[str, ...] = ()):
        from tqdm import tqdm

        self.tqdm = tqdm
        self.total, self.initial, self.shown = total, initial, shown  # the losses in the postfix (all if empty)
        self.console = console or Console(sys.stderr)
        self._bar = None  # drawn at the first step: a run refused at its start (a locked run) showed a bar first

    @property
    def bar(self):
        if self._bar is None:
            self._bar = self.tqdm(total=self.total, initial=self.initial, unit="step", dynamic_ncols=True,
                                  file=self.console)
        return self._bar

    def __call__(self, event: Any) -> None:
        from .events import CheckpointSaved, Message, Progress

        if isinstance(event, Progress):
            self.bar.update(event.step - self.bar.n)
            if event.logged and event.losses:
                post = {k: f"{v:.3f}" for k, v in event.losses.items() if k in self.shown or not self.shown}
                post["img/s"] = f"{event.images_per_s:.2f}"
                self.bar.set_postfix(post, refresh=False)
        elif isinstance(event, Message):
            self.tqdm.write(f"{event.level}: {event.text}", file=self.console)
        elif isinstance(event, CheckpointSaved):
            self.bar.set_description(f"saved step {event.step}", refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


class LazyBar:
    """A tqdm bar made at its first report: made before, a command that failed at once or had nothing to do
    printed an empty one ("0img [00:00, ?img/s]", "style_monet: 0.00B")."""

    def __init__(self, **options):
        self.options, self.bar = options, None

    def __call__(self, done: int, total: int | None) -> Any:
        from tqdm import tqdm

        if self.bar is None:
            self.bar = tqdm(total=total, dynamic_ncols=True, **{"file": Console(sys.stderr), **self.options})
        self.bar.total = total
        self.bar.update(done - self.bar.n)
        return self.bar

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class _WarningsAboveTheBar(logging.Handler):
    """The data loader's warnings (an unreadable image skipped) on the console, printed above the bar."""

    def __init__(self, console: Console | None = None):
        super().__init__(logging.WARNING)
        self.console = console or Console(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        from tqdm import tqdm

        tqdm.write(f"warning: {record.getMessage()}", file=self.console)


def one_line(path: str) -> str:
    """A path as one line of the console (a name holding a line break split its "failed" line in two)."""
    return str(path).replace("\r", "\\r").replace("\n", "\\n")


@contextlib.contextmanager
def warnings_above_the_bar(console: Console | None = None):
    """The engine's warnings and Python's (Pillow's "Corrupt EXIF data"), each on a line above the bar: they were
    printed into the middle of it."""
    from tqdm import tqdm

    console = console or Console(sys.stderr)
    shown = _WarningsAboveTheBar(console)
    engine_log = logging.getLogger("engine")
    engine_log.addHandler(shown)
    with warnings.catch_warnings():
        warnings.showwarning = lambda message, *_, **__: tqdm.write(f"warning: {message}", file=console)
        try:
            yield
        finally:
            engine_log.removeHandler(shown)


# what stops a run gracefully (saved, then exit): SIGTERM is what kill, timeout, systemd, docker and torchrun send,
# SIGHUP what a closed terminal sends; only SIGINT was caught, and the others lost every step since the last save
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class StopSignals:
    """Stop signals (not where ignored: nohup ignores SIGHUP so that a closed terminal leaves a run going) stop
    ``control`` and are kept in ``caught``; the handlers before are put back on ``close``.

    The first stop signal is answered at once, and a second quits at once, unsaved, whatever the main thread
    is doing. Python runs a signal's handler between two bytecodes of the main thread, so during one long native
    call (a first compiled step, a step on huge crops: minutes) SIGTERM from timeout and two Ctrl-Cs did nothing,
    and only kill -9 ended the run. The C handler writes each signal's number to a wakeup socket at once (a
    socket, which Windows takes too); a thread reads it there. A second signal within a second of the first is the
    same one said twice (a terminal and a wrapper both passing Ctrl-C on), not a second request."""

    MESSAGE = (b"\nstopping after the step in progress, then saving a checkpoint; send the signal again (Ctrl-C) "
               b"to quit at once without saving\n")
    SAME_SIGNAL_S = 1.0

    def __init__(self, control, message: bytes = MESSAGE):
        import socket
        import threading

        self.control, self.message, self.caught = control, message, []
        self._handlers = {sig: signal.signal(sig, self._stop) for sig in STOP_SIGNALS
                          if signal.getsignal(sig) is not signal.SIG_IGN}
        self.signals = set(self._handlers)
        self._read, self._write = socket.socketpair()
        self._write.setblocking(False)
        self._previous = signal.set_wakeup_fd(self._write.fileno(), warn_on_full_buffer=False)
        self._thread = threading.Thread(target=self._watch, name="second-signal-quits", daemon=True)
        self._thread.start()

    def _stop(self, signum, _frame) -> None:
        self.caught.append(signum)
        self.control.stop()

    def also_stop_on(self, sig: int) -> None:
        """``sig`` stops too, however often it comes (never counted as a second request, nor in ``caught``)."""
        self._handlers[sig] = signal.signal(sig, lambda *_: self.control.stop())

    def exit_status(self, otherwise: int) -> int:
        """128 + the signal that stopped it, as a shell reports a process a signal ended, or ``otherwise``."""
        return 128 + self.caught[0] if self.caught else otherwise

    def _watch(self) -> None:
        import time

        first = None
        while data := self._read.recv(64):
            for number in data:
                if number not in self.signals:  # every handled signal is written (SIGCHLD, for data workers)
                    continue
                if first is None:  # a raw write: a print could land inside the progress bar's own
                    first = time.monotonic()
                    with contextlib.suppress(OSError):
                        os.write(sys.stderr.fileno(), self.message)
                elif time.monotonic() - first >= self.SAME_SIGNAL_S:
                    os._exit(128 + number)  # as a shell reports a process the signal ended

    def close(self) -> None:
        signal.set_wakeup_fd(self._previous)
        self._write.close()  # the thread reads the end of the stream and returns
        self._thread.join(timeout=5)
        self._read.close()
        for sig, handler in self._handlers.items():
            signal.signal(sig, handler)


def _check_the_runs_preset(run: str, preset: str, given: dict) -> None:
    """Refuse ``--preset`` on a resume unless the run has that preset's settings (options given beside it aside, as
    when the run was started): a resumed run keeps its own."""
    from .presets import preset_settings
    from .rundir import load_config

    try:
        config = load_config(run)
    except (OSError, ValueError):
        return  # resuming says why
    differ = [name for name, value in preset_settings(preset).items() if name not in given
              and value != (getattr(config, name) if hasattr(config, name) else getattr(config.model, name, None))]
    if differ:
        raise CommandError(f"{run} was not trained with --preset {preset} (its {', '.join(differ[:4])}"
                           f"{', …' if len(differ) > 4 else ''} differ); a resumed run keeps its own settings: "
                           "leave --preset out to continue it")


def cmd_train(args: argparse.Namespace) -> int:
    from .events import Control, Failed
    from .rundir import RunLocked
    from .train import LAUNCHER_GONE, Trainer, launcher_gone, new_run

    if args.resume:
        if args.config:
            raise CommandError("--config starts a new run; a resumed run keeps its own settings")
        given = {k: v for k, v in vars(args).items() if k not in ("resume", "config", "preset", "func", "command")}
        if args.preset:  # the command that started the run, --resume added: refused, the README's own example too
            _check_the_runs_preset(args.resume, args.preset, given)
        try:
            trainer = Trainer.from_run(args.resume, **given)
        except (OSError, ValueError, RunLocked) as exc:
            raise CommandError(in_words(exc)) from None
        if trainer.is_main and trainer.resumed_from is not None:  # it was in log.txt alone
            print(f"resuming from {trainer.rundir.relative(trainer.resumed_from)} (step {trainer.step})",
                  file=sys.stderr)
    else:
        try:
            base = load_json(TrainConfig, args.config) if args.config else TrainConfig()
        except (OSError, ValueError) as exc:
            raise CommandError(in_words(exc)) from None
        method = getattr(args, "method", None)
        preset = args.preset or (None if args.config else METHOD_DEFAULTS.get(method or "cyclegan"))
        if preset:
            if method and PRESETS[preset].method != method:
                raise CommandError(f"preset {preset} trains {PRESETS[preset].method}, not {method}; presets for "
                                   f"{method}: {', '.join(p.key for p in presets_for(method))}")
            base = from_dict(TrainConfig, apply_preset(to_dict(base), preset))
        config = apply_options(base, args)
        if not config.data:
            raise CommandError("--data is required (or --resume RUN_DIR)")
        if not config.out:
            raise CommandError("--out RUN_DIR is required")
        try:
            trainer = new_run(config)
        except (OSError, ValueError) as exc:
            raise CommandError(in_words(exc)) from None
    nothing_left = trainer.nothing_left("--max-steps")
    if nothing_left:
        print(f"Nothing to train in {trainer.run_dir}: {nothing_left}", file=sys.stderr)
        return 0

    control = Control()
    stops = StopSignals(control)  # Ctrl-C, kill, timeout, a closed terminal, docker stop: save, then exit
    if trainer.distributed and LAUNCHER_GONE is not None:  # torchrun died: stop and save, however often it is said
        stops.also_stop_on(LAUNCHER_GONE)
        if launcher_gone.is_set():  # while the run was being set up
            control.stop()
    console = Console(sys.stderr)
    # an image found unreadable while training is the trainer's Message (it was the data loader's log line alone)
    from .models import LOSS_WEIGHTS, METHODS

    # the losses that train it: Quick's "idt_A=0.000, idt_B=0.000" on every line said nothing
    shown = METHODS[trainer.config.method].losses_trained({k: getattr(trainer.config, k) for k in LOSS_WEIGHTS})
    reporter = (TqdmReporter(trainer.total_steps, trainer.step, console, shown) if trainer.is_main
                else (lambda e: None))
    first_step = trainer.step  # where this command began: a run it trained no step of is not said to be resumable
    try:
        result = trainer.run(reporter, control)
    finally:
        stops.close()
        if trainer.is_main:
            reporter.close()
        trainer.close()
    if isinstance(result, Failed):  # a checkpoint kept: the command to go on from it, as a stop prints it (a full
        # disk said "continue it" alone); not for a run another process trains, nor one that never took a step here
        kept = result.resumable and result.run_dir and trainer.saved_step is not None and result.step > first_step
        raise CommandError(result.reason + (f"; resume with: cyclegan train --resume {shlex.quote(result.run_dir)}"
                                            if kept else ""))
    if trainer.is_main:
        state = "stopped" if result.stopped else "finished"
        print(f"{state} at step {result.step}; resume with: cyclegan train --resume {shlex.quote(result.run_dir)}"
              if result.stopped else f"{state} at step {result.step} in {result.seconds:.1f} s: {result.run_dir}",
              file=Console(sys.stdout))  # (a console gone: said in log.txt)
    # stopped by a signal: saved, and said so to a script too, as a shell reports a process the signal ended
    return stops.exit_status(0) if result.stopped else 0


def cmd_convert(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .convert import OutputsExist, convert_folder
    from .events import Control, ConvertProgress, FileDone, FileFailed
    from .fileio import FolderBusy
    from .modelfile import ModelFileError, learnt_direction, load_model

    options = apply_options(ConvertConfig(), args)
    try:
        if "direction" not in vars(args):  # not given: a pix2pix run's own
            options = dataclasses.replace(options, direction=learnt_direction(args.model))
        options.validate()
        model = load_model(args.model, options.direction)
    except (ModelFileError, ValueError, OSError) as exc:  # a model file that cannot be read, or a loop of links:
        raise CommandError(in_words(exc)) from None  # "PermissionError: [Errno 13] …" (a CLI hostile pass)
    console = Console(sys.stderr)  # a reader of the output gone (`| head`): the conversion goes on
    images = LazyBar(unit="img", file=console)

    def report(event) -> None:
        if isinstance(event, ConvertProgress):
            if not event.total:  # everything skipped: the bar would be "0img [00:00, ?img/s]" and nothing more
                return
            bar = images(event.done, event.total)
            bar.set_postfix_str(f"tile {event.tile}/{event.tiles}" if event.tiles else "", refresh=False)
            bar.refresh()  # a tile moves no count: the bar is redrawn for it
        elif isinstance(event, FileFailed):  # counted as failed in the summary, as named here
            tqdm.write(f"failed {one_line(event.source)}: {event.reason}", file=console)
        elif isinstance(event, FileDone) and event.note:
            tqdm.write(f"note: {one_line(event.source)}: {event.note}", file=console)

    control = Control()
    # as for training: SIGTERM (timeout, kill) ended it unsaid, mid-image
    stops = StopSignals(control, b"\nstopping after the image in progress; send the signal again (Ctrl-C) to quit "
                                 b"at once\n")
    try:
        with warnings_above_the_bar(console):
            summary = convert_folder(model, args.input, args.output, options, report, control)
    except OutputsExist as exc:
        raise CommandError(f"{len(exc.existing)} file(s) in {exc.folder} have the names of this conversion's "
                           f"results (such as {exc.existing[0].name}); they may be earlier results or files of your "
                           "own, so nothing was written: --skip-existing keeps them and converts the rest, "
                           "--replace-existing writes over them, --suffix keeps both") from None
    except (ValueError, FolderBusy) as exc:
        raise CommandError(in_words(exc)) from None
    finally:
        stops.close()
        images.close()
    if not summary.error or summary.converted or summary.skipped or summary.failed:  # "0 converted, …" on stdout
        # those a stop left undone counted too: "5 converted, 0 skipped, 0 failed" came before "disk full" of 200
        left = summary.total - summary.converted - len(summary.failed)
        undone = f", {left} not converted" if left > 0 and (summary.error or summary.cancelled) else ""
        print(f"{summary.converted} converted, {summary.skipped} skipped (already there), "  # then an error read as
              f"{len(summary.failed)} failed{undone}, {summary.seconds:.1f} s ({summary.images_per_s:.2f} img/s) -> "
              f"{one_line(args.output)}", file=Console(sys.stdout))  # a run that did nothing, by a script (a CLI
        # hostile pass); one_line: an output folder named with a line break split the summary in two
    if summary.error:
        raise CommandError(summary.error)
    if summary.cancelled:  # 128 + the signal, as a shell reports a process it ended: a script tells it from a failure
        print("cyclegan convert: cancelled; run again with --skip-existing to continue", file=console)
        return stops.exit_status(1)
    if summary.failed:
        raise CommandError(f"{len(summary.failed)} image(s) could not be converted (listed above)")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import (evaluate, evaluate_held_out, held_out_left_out, held_out_pairs, input_direction,
                           training_folders)
    from .data import existing_folder
    from .modelfile import ModelFileError, learnt_direction, load_model
    from .resources import resolve_model

    if args.data and (args.input or args.truth):  # --input and --truth were left unused, unsaid
        raise CommandError("give --data, or --input and --truth, not both")
    bar = LazyBar(unit="pair", leave=False)  # six 768 px pairs took a minute on a CPU, nothing on screen till the end
    try:
        is_run = resolve_model(args.model).is_dir()
        model = load_model(args.model, (args.direction or learnt_direction(args.model)) if is_run else "AtoB")
        # a file holds one generator: the direction it was made for says which side of the pairs is its input
        made_for = input_direction(model.metadata) or args.direction or "AtoB"
        if not is_run and args.direction and args.direction != made_for:
            raise CommandError(f"{Path(args.model).name} translates one way, {model.name}: its input is the "
                               f"{made_for[0]} side, so --direction {args.direction} cannot be; leave it out")
        args.direction = args.direction or made_for
        if args.data:
            existing_folder(args.data, "the dataset folder")  # a missing one "has no testA/ …"
            left_out = held_out_left_out(args.data, args.direction)  # a ValueError where none pair, saying why
            found = held_out_pairs(args.data, args.direction)
            if found is None:
                side = "A" if args.direction == "AtoB" else "B"
                raise CommandError(f"{args.data} has no test{side}/ with a test{side}_truth/ beside it, and no "
                                   "held-out pairs (test/, val/, or testA/ and testB/)")
            report = evaluate_held_out(model, *found, args.direction, device=args.device,
                                       training=training_folders(args.data), left_out=left_out, on_progress=bar)
        elif args.input and args.truth:
            report = evaluate(model, args.input, args.truth, device=args.device, on_progress=bar)
        else:
            raise CommandError("give --data, or both --input and --truth")
    except (ModelFileError, ValueError, OSError) as exc:
        raise CommandError(in_words(exc)) from None
    finally:
        bar.close()
    for name, why in report.skipped:
        print(f"skipped {name}: {why}", file=sys.stderr)
    if report.warning():  # whichever way the pairs came (grey truths were said of neither)
        print(f"warning: {report.warning()}", file=sys.stderr)
    if args.json:
        keys = [k for k in report.images[0] if k != "name"] if report.images else []
        print(json.dumps({"images": report.images, "skipped": [{"name": n, "reason": r} for n, r in report.skipped],
                          **{k: report.mean(k) for k in keys}}, indent=2))
    else:
        for row in report.images:
            colour = f", ΔE {row['delta_e']:.2f}" if "delta_e" in row else ""
            print(f"{row['name']}: PSNR {row['psnr']:.2f} dB, SSIM {row['ssim']:.4f}{colour}")
        print(report.summary())
        print(report.verdict())
    return 0


SUFFIX_KINDS = {".pt": "model", ".pth": "model", ".ts": "TorchScript", ".onnx": "ONNX", ".safetensors": "safetensors"}
KIND_SUFFIX = {"model": ".pt", "TorchScript": ".ts", "ONNX": ".onnx", "safetensors": ".safetensors"}


def cmd_export(args: argparse.Namespace) -> int:
    from .modelfile import (ModelFileError, check_write_targets, export_model, export_onnx, export_torchscript,
                            learnt_direction, load_model, save_model)

    targets = [t for t in (args.out, args.torchscript, args.onnx, args.safetensors) if t]
    for kind, target in (("model", args.out), ("TorchScript", args.torchscript), ("ONNX", args.onnx),
                         ("safetensors", args.safetensors)):
        named = SUFFIX_KINDS.get(Path(target or "").suffix.lower())  # ONNX as h2.safetensors: read as that, unreadable
        # a .pt TorchScript is common; a model file as .safetensors is written in that format
        if named and named != kind and (kind, named) not in (("TorchScript", "model"), ("model", "safetensors")):
            raise CommandError(f"{Path(target).name} names a{'n' if named == 'ONNX' else ''} {named} file, but it "
                               f"is given for the {kind} copy: name it {Path(target).stem}{KIND_SUFFIX[kind]}")
    # what a failure part-way removes again, and nothing else (lexists: exists() raises in a folder it cannot search)
    new = [Path(t) for t in targets if not os.path.lexists(t)]
    done = False
    try:
        check_write_targets(targets, args.replace, args.run, how_to_replace="--replace")
        path = export_model(args.run, args.direction or learnt_direction(args.run), args.out, half=args.half,
                            replace=args.replace)
        loaded = load_model(path)
        if args.torchscript:
            export_torchscript(loaded, args.torchscript)
        if args.onnx:
            export_onnx(loaded, args.onnx)
        if args.safetensors:
            save_model(args.safetensors, loaded.generator, loaded.metadata, half=args.half,  # as --out: it was fp32
                       replace=args.replace)
        done = True
    except (ModelFileError, OSError) as exc:
        raise CommandError(in_words(exc)) from None
    finally:  # all or nothing, whatever stopped it (an exporter's error, Ctrl-C): a rerun met "already exists"
        if not done:
            for written in new:
                if os.path.lexists(written):  # unlink raised EROFS on a read-only disk, for a file never written,
                    with contextlib.suppress(OSError):  # over the refusal that said why
                        written.unlink()
    meta = loaded.metadata
    print(f"wrote {one_line(path)} ({meta['source_domain']} -> {meta['target_domain']}, step {meta['steps']})")
    for copy in targets[1:]:  # written too, and said as nothing but the model file was (a pix2pix pass)
        print(f"wrote {one_line(copy)}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from .imports import import_model_file
    from .library import Library, why_renamed
    from .modelfile import ModelFileError, check_write_targets, read_metadata

    if args.replace and not args.out:
        raise CommandError("--replace goes with --out (the library never writes over a model: give --name)")
    try:
        if os.path.islink(args.file):  # a loop of links, said in words: resolving it raised "RuntimeError: Symlink
            os.stat(args.file)  # loop from …" ("demo" names no file: the built-in)
        if args.out:
            check_write_targets([args.out], args.replace, how_to_replace="--replace", sources=(args.file,))
            path = import_model_file(args.file, args.out, args.name_a, args.name_b, replace=args.replace)
        else:
            path = Library().import_model(args.file, args.name, args.name_a, args.name_b)
        meta = read_metadata(path)
    except (ModelFileError, ValueError, OSError) as exc:
        raise CommandError(in_words(exc)) from None
    # a file of an earlier version lacks what it left at its default: the demo's has no generator (KeyError, after
    # the file was written, and a second try was refused as a duplicate)
    generator = from_dict(ModelConfig, meta.get("model", {})).generator
    print(f"wrote {one_line(path)} ({meta.get('source_domain', 'A')} -> {meta.get('target_domain', 'B')}, {generator}, "
          f"{meta.get('method', 'cyclegan')})")
    if args.name and not args.out and (why := why_renamed(args.name)):  # "../x" became "_.._x", unsaid
        print(f"named {one_line(path.stem)}, not {one_line(args.name)}: {why}", file=sys.stderr)
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from .download import DownloadError
    from .events import Control
    from .imports import PUBLISHED
    from .library import Library
    from .modelfile import ModelFileError

    library = Library()
    if args.models_command == "list":
        for key, model in PUBLISHED.items():
            copy = library.published_copy(key)  # by its file, not its name: a model of yours may share it
            have = f"downloaded as {copy.stem}" if copy else f"{model.size_mb} MB"
            print(f"{key:28s} {model.method:8s} {model.source} -> {model.target}: {model.description} ({have})")
        return 0
    if args.name not in PUBLISHED:
        raise CommandError(f"no published model named {args.name!r}; see: cyclegan models list")
    received = LazyBar(unit="B", unit_scale=True, desc=args.name)

    def progress(p) -> None:
        received(p.done, p.total)

    control = Control()
    previous = signal.signal(signal.SIGINT, lambda *_: control.stop())
    try:
        path = library.download_published(args.name, progress, control)
    except (DownloadError, ModelFileError, OSError) as exc:
        raise CommandError(in_words(exc)) from None
    except Stopped:
        raise CommandError("cancelled; what was received is kept: run it again to continue", code=130) from None
    finally:
        signal.signal(signal.SIGINT, previous)
        received.close()
    print(f"{args.name}: {path}" + (f" (a model of yours is named {args.name})" if path.stem != args.name else ""))
    return 0


def cmd_presets(args: argparse.Namespace) -> int:
    """Each preset, what it gives, and (unless --no-time) its time here from a few measured steps."""
    from .devices import pick_device
    from .estimate import describe_duration, seconds_per_step, total_steps

    if not 1 <= args.images <= 10**8:  # 10^20 images printed "about 7976129283564727296.0 days"
        raise CommandError(f"--images must be between 1 and 100,000,000, not {args.images:,}")
    unknown = [name for name in args.names if name not in PRESETS]
    if unknown:
        raise CommandError(f"no preset named {', '.join(unknown)}; presets: {', '.join(PRESETS)}")
    try:
        device = pick_device(args.device)
    except ValueError as exc:
        raise CommandError(in_words(exc)) from None
    for preset in (PRESETS[name] for name in args.names or PRESETS):
        print(f"{preset.key}: {preset.label} ({preset.method}). {preset.expected}; {preset.trade_off}.")
        if args.no_time:
            continue
        config = from_dict(TrainConfig, {**apply_preset(to_dict(TrainConfig()), preset.key), "device": args.device})
        per_step = seconds_per_step(config, samples=args.images)
        steps = total_steps(config, args.images)
        per = "" if config.steps else f" for {args.images} {'pairs' if preset.method == 'pix2pix' else 'images a side'}"
        print(f"    on {device}: {per_step:.3f} s a step, measured now; {steps:,} steps{per}: "
              f"about {describe_duration(steps * per_step)}", flush=True)
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from .resources import resolve_model

    path = resolve_model(args.path)
    if path.is_dir():
        from .rundir import describe

        try:
            info = describe(path)
        except (OSError, ValueError) as exc:
            raise CommandError(in_words(exc)) from None
    elif path.exists() or path.is_symlink():  # a file, or something else its loader names (a FIFO was said not to
        # exist, and a loop of links)
        from .modelfile import read_metadata

        try:
            info = read_metadata(path)
        except (OSError, ValueError) as exc:  # "PermissionError: [Errno 13] …" came from the last-resort handler
            raise CommandError(in_words(exc)) from None
    else:
        raise CommandError(f"{path} does not exist")
    try:  # "caf\u00e9" for a side named café, where the output takes the letter
        print(json.dumps(info, indent=2, ensure_ascii=False))
    except UnicodeEncodeError:  # Windows' cp1252 when redirected: escaped, as JSON allows, not an error
        print(json.dumps(info, indent=2))
    return 0


def not_blank(why: str):
    """An argument type refusing blank text, saying ``why``."""
    def check(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(why)
        return text
    return check


# `--output ""` wrote into the current folder (an empty path is "."); `--name ""` fell back to the file's name unsaid
path_text = not_blank("an empty path would mean the folder this runs in: give one")
name_text = not_blank("a blank name: give one, or leave --name out for the file's name")


def innermost(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The parser of the command as typed, however nested (`cyclegan models download`, not `cyclegan models`)."""
    while True:
        commands = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
        if commands is None or getattr(args, commands.dest, None) not in commands.choices:
            return parser
        parser = commands.choices[getattr(args, commands.dest)]


def main(argv: Sequence[str] | None = None) -> int:
    from PIL import Image

    # Conversion bounds image size and memory itself (engine/convert.py); Pillow's warning above
    # 89 MP would only add a scary line to the output.
    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # said by the command's own parser: the top-level usage pointed nowhere near `cyclegan train --help`
        innermost(parser, args).error(f"unrecognized arguments: {' '.join(unknown)}")
    # which checkpoint a run's model came from, where not its newest (export, convert, evaluate used it unsaid)
    model_log = logging.getLogger("engine.modelfile")
    said, model_log.propagate = _WarningsAboveTheBar(), False  # once, whatever handlers a command adds to "engine"
    model_log.addHandler(said)
    try:
        return args.func(args)
    except CommandError as exc:
        print(f"cyclegan {args.command}: error: {exc}", file=Console(sys.stderr))  # a console gone: still 1
        return exc.code
    except KeyboardInterrupt:
        print(f"cyclegan {args.command}: interrupted", file=Console(sys.stderr))
        return 130
    except BrokenPipeError:  # `cyclegan info RUN | head`: the reader has all it wanted, as for any other tool
        with contextlib.suppress(OSError):  # and Python's own complaint on exit, writing to the closed pipe
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # last resort: still one line, still non-zero
        if os.environ.get("CYCLEGAN_DEBUG"):
            raise
        print(f"cyclegan {args.command}: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        model_log.removeHandler(said)
        model_log.propagate = True


if __name__ == "__main__":
    raise SystemExit(main())
