"""What a screen reader hears, heard for real: the app under Xvfb with Qt's AT-SPI bridge on, and a listener
registered on the accessibility bus as Orca registers. Errors and warnings appear in labels that never take the
focus, and nothing of them was said (a keyboard and screen reader pass)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LAUNCHER = Path("/usr/libexec/at-spi-bus-launcher")
NEEDED = ("dbus-run-session", "dbus-send", "xvfb-run", "Xvfb")


@pytest.mark.slow  # 9 s, a whole session under Xvfb: in make test-slow, for make test's ten minutes
@pytest.mark.skipif(not LAUNCHER.exists() or not all(shutil.which(tool) for tool in NEEDED),
                    reason="needs AT-SPI (at-spi2-core), D-Bus and Xvfb")
def test_an_error_is_announced_at_once_and_a_warning_in_its_turn(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("QT_", "DBUS_", "DISPLAY"))}
    env.update(CYCLEGAN_STUDIO_HOME=str(tmp_path / "home"), HEARD=str(tmp_path / "heard.txt"),
               XDG_RUNTIME_DIR=str(tmp_path), HOME=str(tmp_path))
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(["dbus-run-session", "--", "bash", "tests/desktop/screen_reader/session.sh", sys.executable],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)
    heard = [line for line in proc.stdout.splitlines() if line.startswith("HEARD ")]
    assert "listening" in proc.stdout, proc.stdout + proc.stderr[-2000:]
    assert "HEARD 2 The output folder is not writable: /read-only/out" in heard  # assertive: it interrupts
    assert "HEARD 1 Checkpoint step_00000050.pt could not be read; resumed from step 40." in heard  # polite
    assert "HEARD 1 Imported as horse2zebra." in heard  # the Models page's outcomes
