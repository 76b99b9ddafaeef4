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


def demo_dataset_dir() -> Path:
    """Eight photo halves (trainA) and eight others under the golden-hour look (trainB): a dataset a first
    start can train on at once (tools/make_demo.py writes it)."""
    return resource_dir() / "demo" / "dataset"


def is_builtin(path: str | Path) -> bool:
    """True for files shipped with the app, which the user must not rename or delete."""
    try:
        return Path(path).resolve().is_relative_to(resource_dir().resolve())
    except OSError:
        return False


def resolve_model(source: str | Path) -> Path:
    """A model path: a file or run folder, ``demo`` (the built-in demo model), or the name of a model
    in the library (``style_monet`` once downloaded); an existing path of that name wins."""
    path = Path(source)
    if path.exists():
        return path
    if str(source) == DEMO_NAME:
        return demo_model_path()
    if path.name == str(source):  # a bare name: look in the library
        from .library import Library

        try:
            named = Library().model_path(str(source))
        except ValueError:  # no library name could be that: the caller says the path does not exist
            return path
        if named.exists():
            return named
    return path
