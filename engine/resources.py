"""Where the embedded resources live, and the built-in demo model.

Resources sit beside the sources in a checkout, and under ``sys._MEIPASS`` in a PyInstaller
bundle. The demo model can be named ``demo`` wherever a model file is expected
(``cyclegan convert --model demo``), so converting works before any training.
"""

from __future__ import annotations

import sys
from pathlib import Path

DEMO_NAME = "demo"


def resource_dir() -> Path:
    bundled = getattr(sys, "_MEIPASS", None)
    return Path(bundled) / "resources" if bundled else Path(__file__).resolve().parent.parent / "resources"


def demo_model_path() -> Path:
    return resource_dir() / "demo" / "golden-hour.pt"


def demo_images_dir() -> Path:
    return resource_dir() / "demo" / "images"


def is_builtin(path: str | Path) -> bool:
    """True for files shipped with the app, which the user must not rename or delete."""
    try:
        return Path(path).resolve().is_relative_to(resource_dir().resolve())
    except OSError:
        return False


def resolve_model(source: str | Path) -> Path:
    """A model path, with ``demo`` meaning the built-in demo model (unless a file of that name exists)."""
    path = Path(source)
    if str(source) == DEMO_NAME and not path.exists():
        return demo_model_path()
    return path
