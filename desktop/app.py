"""Entry point: ``cyclegan-studio``, ``python -m desktop`` and ``make run``."""

from __future__ import annotations

import multiprocessing
import sys

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


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()  # DataLoader workers in a frozen app must not start the GUI again
    argv = sys.argv if argv is None else argv
    if "--self-test" in argv[1:]:
        from desktop.self_test import run_self_test

        return run_self_test()
    app = make_app(argv)
    from desktop.main_window import MainWindow

    window = MainWindow()
    window.show()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
