"""Entry point: ``cyclegan-studio``, ``python -m desktop`` and ``make run``."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time

from engine import __version__ as engine_version
from engine.resources import resource_dir


def make_app(argv: list[str] | None = None):
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("CycleGAN Studio")
    app.setOrganizationName("CycleGAN Studio")
    from desktop.widgets import wheel_guard

    wheel_guard.install(app)
    style = resource_dir() / "style.qss"
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    icon = resource_dir() / "icons" / "app.png"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def _mark(name: str) -> None:
    """With CYCLEGAN_STUDIO_TIMING=1, print when a start-up milestone is reached (benchmarks/startup.py)."""
    if os.environ.get("CYCLEGAN_STUDIO_TIMING"):
        print(f"TIMING {name} {time.time():.3f}", flush=True)


def splash(app):
    """A small window shown at once, before torch and the pages load (seconds on a busy machine):
    the icon on a light card, the words under it (drawn over the icon's dark bottom they were hard
    to read, and the last line was cut by its edge)."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QPainter, QPixmap
    from PySide6.QtWidgets import QSplashScreen

    icon_path = resource_dir() / "icons" / "app.png"
    card = QPixmap(260, 264)
    card.fill(QColor("#f8fafc"))
    painter = QPainter(card)
    if icon_path.exists():
        icon = QPixmap(str(icon_path)).scaled(180, 180, Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation)
        painter.drawPixmap((card.width() - icon.width()) // 2, 20, icon)
    else:
        painter.fillRect(QRect(40, 20, 180, 180), QColor("#2563eb"))
    painter.end()
    screen = QSplashScreen(card)
    screen.showMessage("CycleGAN Studio\nloading…", Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignHCenter,
                       QColor("#1e293b"))
    screen.show()
    app.processEvents()
    return screen


QUIT_SIGNALS = ("SIGTERM", "SIGHUP", "SIGINT")  # logout or shutdown, the terminal closed, Ctrl+C


def close_on_signals(window):
    """Close ``window`` on SIGTERM, SIGHUP or SIGINT as Ctrl+Q does (training saves a checkpoint, the settings are
    kept): SIGTERM ended the app at once and a run lost every step since its last checkpoint, and Ctrl+C in the
    terminal was ignored. Python runs a signal handler only when it next runs code; the wakeup socket makes Qt's
    event loop hand it over at once. Returns a function that puts the previous handlers back."""
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier, QTimer

    reader, writer = socket.socketpair()
    for end in (reader, writer):
        end.setblocking(False)
    previous_fd = signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, window)
    notifier.activated.connect(lambda *_: reader.recv(256))  # Python runs the handler as this slot runs
    # held by the window: dropped, the sockets closed at once, the notifier spun on a dead descriptor (a whole core)
    # and signals wrote into whatever file took its number next
    window._quit_signal_wakeup = (reader, writer, notifier)

    def close(signum, frame) -> None:
        from PySide6.QtWidgets import QApplication, QDialog

        for dialog in QApplication.topLevelWidgets():  # a modal dialog's own loop kept the process alive
            if isinstance(dialog, QDialog) and dialog.isVisible():
                dialog.reject()
        QTimer.singleShot(0, window.close)

    previous = {name: signal.signal(getattr(signal, name), close) for name in QUIT_SIGNALS if hasattr(signal, name)}

    def undo() -> None:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)
        signal.set_wakeup_fd(previous_fd)
        notifier.setEnabled(False)
        reader.close()
        writer.close()

    return undo


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """The app's own options; Qt's (``-platform offscreen``, ...) are left for Qt. ``--help`` opened the window."""
    parser = argparse.ArgumentParser(
        prog="cyclegan-studio", description="CycleGAN Studio: train image-to-image models on two folders of pictures "
        "and convert whole folders with them. The command line is `cyclegan` (cyclegan --help).",
        epilog="CYCLEGAN_STUDIO_HOME sets the library folder (models, runs, outputs, settings). Without a screen, "
               "QT_QPA_PLATFORM=offscreen runs the app (and --self-test) with no window shown.")
    parser.add_argument("--self-test", action="store_true", help="start, train two steps and convert the demo "
                        "images, then exit: 0 if all of it works")
    parser.add_argument("--version", action="version", version=f"%(prog)s {engine_version}")
    args, rest = parser.parse_known_args(argv[1:])
    if unknown := [arg for arg in rest if arg.startswith("--")]:  # Qt's own take one dash: "--self-tset" opened the
        parser.error(f"unrecognised option(s): {' '.join(unknown)}")  # window, and a script that meant a test hung
    return args


def no_display(argv: list[str]) -> str | None:
    """Why the window cannot open on this Linux machine, or None: without a display Qt aborted with a misleading
    "xcb-cursor0 is needed" (a README walk-through)."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM") or "-platform" in argv:
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("cyclegan-studio: no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set). Start "
            "it from a desktop session; to check it without a screen: QT_QPA_PLATFORM=offscreen cyclegan-studio "
            "--self-test")


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()  # DataLoader workers in a frozen app must not start the GUI again
    import warnings

    from PIL import Image

    # the engine bounds a picture's size itself (engine/convert.py): Pillow's "could be decompression bomb DOS attack"
    # above 89 MP only put a scary line on the console for each large photo looked at (a convert pass)
    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
    argv = sys.argv if argv is None else argv
    args = parse_arguments(argv)
    if (reason := no_display(argv)) is not None:
        print(reason, file=sys.stderr)
        return 2
    if args.self_test:
        from desktop.self_test import run_self_test

        return run_self_test()
    app = make_app(argv)
    from desktop.single_instance import InstanceClaim

    claim = InstanceClaim()
    if not claim.take():  # a second window on one library: the last to quit overwrote the other's settings
        print("CycleGAN Studio is open already: its window was brought to the front.", file=sys.stderr)
        return 0
    first = splash(app)
    _mark("first_paint")
    from desktop.main_window import MainWindow  # torch, the engine and the pages: the slow part

    window = MainWindow()
    claim.attach(window)  # later starts bring it forward
    window.show()
    first.finish(window)
    close_on_signals(window)
    if os.environ.get("CYCLEGAN_STUDIO_TIMING"):
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, lambda: (_mark("interactive"), app.quit()))  # the event loop runs: it answers
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
