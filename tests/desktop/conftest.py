import os

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
