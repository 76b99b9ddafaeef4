"""Entry point: ``cyclegan-studio``, ``python -m desktop`` and ``make run``."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time

from engine.resources import resource_dir


def make_app(argv: list[str] | None = None):
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("CycleGAN Studio")
    app.setOrganizationName("CycleGAN Studio")
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
    """A small window shown at once, before torch and the pages load (seconds on a busy machine)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QPixmap
    from PySide6.QtWidgets import QSplashScreen

    icon = resource_dir() / "icons" / "app.png"
    pixmap = QPixmap(str(icon)) if icon.exists() else QPixmap(256, 256)
    if icon.exists():
        pixmap = pixmap.scaled(256, 256, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    else:
        pixmap.fill(QColor("#2563eb"))
    screen = QSplashScreen(pixmap)
    screen.showMessage("CycleGAN Studio\nloading…", Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignHCenter,
                       QColor("#333333"))
    screen.show()
    app.processEvents()
    return screen


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()  # DataLoader workers in a frozen app must not start the GUI again
    argv = sys.argv if argv is None else argv
    if "--self-test" in argv[1:]:
        from desktop.self_test import run_self_test

        return run_self_test()
    app = make_app(argv)
    first = splash(app)
    _mark("first_paint")
    from desktop.main_window import MainWindow  # torch, the engine and the pages: the slow part

    window = MainWindow()
    window.show()
    first.finish(window)
    if os.environ.get("CYCLEGAN_STUDIO_TIMING"):
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, lambda: (_mark("interactive"), app.quit()))  # the event loop runs: it answers
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
