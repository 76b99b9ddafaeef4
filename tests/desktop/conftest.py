import os
import signal

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def studio_home(tmp_path, monkeypatch):
    """An empty library, settings and cache folder for one test."""
    home = tmp_path / "studio"
    monkeypatch.setenv("CYCLEGAN_STUDIO_HOME", str(home))
    return home


@pytest.fixture
def window(qtbot, studio_home):
    from desktop.app import make_app
    from desktop.main_window import MainWindow

    make_app([])
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    yield w
    w.train.shutdown()
    w.convert.shutdown()


@pytest.fixture(autouse=True)
def no_sigchld_handler():
    """Qt tests run as the app does, without torch's SIGCHLD handler: the app trains in a QThread, where torch
    never installs it. An engine test that iterated a DataLoader with workers on the main thread left it installed,
    and then the desktop tests failed ("DataLoader worker exited unexpectedly", raised inside Qt's event loop when
    a run's worker exited) or hung, 2 times in 3 in that order; never in 6 runs without it."""
    previous = signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    yield
    signal.signal(signal.SIGCHLD, previous)
