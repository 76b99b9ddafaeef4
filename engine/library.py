"""The user's library on disk: datasets (pointers to folders), runs and model files.

Everything lives under one data folder (platformdirs' user data dir, or ``$CYCLEGAN_STUDIO_HOME``):

    datasets.json     a small manifest; images stay where they are unless imported
    runs/NAME/        training runs (see train.py)
    models/NAME.pt    exported or imported model files

Qt-free, so the CLI, scripts and tests share it with the app.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .data import (Pair, PairedData, check_folder, few_images_advice, find_pairs, list_images, match_by_name,
                   pair_shape_warnings, probe_image, resolve_folders)
from .events import Control, Stopped
from .fileio import atomic_write_text, remove_stale_temp_files
from .rundir import RunDir, RunLock, delete_run
from .modelfile import ModelFileError

APP = "CycleGAN Studio"
# Below this many images a side, Library.inspect advises more: on the quality benchmark the Quick
# preset stayed near its input from 7 photos a side; from 20 it learnt the grade, though not
# with every seed (docs/quality.md).


# platformdirs is imported inside these three functions, not at the top: the engine, its CLI and
# its tests must import on machines that only have torch (the GPU check's machine has no
# platformdirs and nothing can be installed there); only the app's folders need it.
def data_home() -> Path:
    override = os.environ.get("CYCLEGAN_STUDIO_HOME")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False))


def config_home() -> Path:
    override = os.environ.get("CYCLEGAN_STUDIO_HOME")
    if override:
        return Path(override) / "config"
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP, appauthor=False))


def cache_home() -> Path:
    override = os.environ.get("CYCLEGAN_STUDIO_HOME")
    if override:
        return Path(override) / "cache"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP, appauthor=False))


ABANDONED_AFTER_S = 3600  # a temp file of the models folder untouched this long was left by a killed write
NAME_LENGTH = 80  # characters of a name the user gives (a dataset, a side, a model file's stem)


def safe_name(name: str) -> str:
    """A name usable as a file name on every platform; one with nothing usable ("..", "/") is refused,
    not saved as "untitled" where the user will not look for it."""
    cleaned = re.sub(r'[<>:"/\\|?*\x00-\x1f]+', "_", name).strip(" .")
    if not cleaned.strip("_"):  # only separators were left
        raise ValueError(f"the name {name!r} has nothing usable in a file name: choose another")
    return cleaned[:NAME_LENGTH]


@dataclass
class DatasetEntry:
    name: str
    folder_a: str
    folder_b: str
    name_a: str = "A"
    name_b: str = "B"
    test_a: str = ""
    test_b: str = ""
    added: float = field(default_factory=time.time)
    # "folders": images of A and B (pairs where names match); "aligned": each image holds A and B
    # side by side (folder_a is its train/ folder, folder_b is empty), for pix2pix only
    layout: str = "folders"


@dataclass
class DatasetReport:
    """What a person should know about a dataset before training on it."""
    count_a: int
    count_b: int
    problems: list[str]
    pairs: int = 0  # pairs pix2pix can train on (0: unpaired only)
    unmatched: int = 0  # files without a partner of the same name (pix2pix skips them)


class Library:
    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root else data_home()
        self.runs_dir = self.root / "runs"
        self.models_dir = self.root / "models"
        self.manifest = self.root / "datasets.json"

    # ------------------------------------------------------------ datasets
    def datasets(self) -> list[DatasetEntry]:
        if not self.manifest.exists():
            return []
        try:
            rows = json.loads(self.manifest.read_text(encoding="utf-8"))
            return [DatasetEntry(**row) for row in rows]
        except (json.JSONDecodeError, TypeError) as exc:
            raise ValueError(f"the dataset list {self.manifest} is damaged: {exc}") from None

    def _write(self, entries: list[DatasetEntry]) -> None:
        atomic_write_text(self.manifest, json.dumps([asdict(e) for e in entries], indent=2) + "\n")

    def dataset(self, name: str) -> DatasetEntry:
        for entry in self.datasets():
            if entry.name == name:
                return entry
        raise KeyError(f"no dataset named {name!r}")

    def add_dataset(self, name: str, folder_a: str | Path, folder_b: str | Path | None = None,
                    name_a: str = "A", name_b: str = "B") -> DatasetEntry:
        """Register a dataset: two folders, or one root with trainA/trainB (and testA/testB)."""
        return self.register(self.check_dataset(name, folder_a, folder_b, name_a, name_b))

    def check_dataset(self, name: str, folder_a: str | Path, folder_b: str | Path | None = None,
                      name_a: str = "A", name_b: str = "B", control: Control | None = None) -> DatasetEntry:
        """The entry :meth:`add_dataset` would register, or why not; nothing is written. It reads every file's
        header (seconds for thousands of images), so the app calls it off the GUI thread, with a ``control``
        that stops it (Stopped) when the app closes."""
        name = name.strip()
        if not name:
            raise ValueError("give the dataset a name")
        if len(name) > NAME_LENGTH:  # 300 characters pushed the Datasets page past the window's right edge
            raise ValueError(f"a dataset name can be {NAME_LENGTH} characters long; this one has {len(name)}")
        for side, domain in (("A", name_a), ("B", name_b)):
            if len(domain.strip()) > NAME_LENGTH:
                raise ValueError(f"the name of side {side} can be {NAME_LENGTH} characters long; this one has "
                                 f"{len(domain.strip())}")
        self._check_unused(name)
        try:
            folders = resolve_folders(folder_a, folder_b or None)
        except FileNotFoundError:
            aligned = None if folder_b else self._aligned_entry(name, Path(folder_a), name_a, name_b)
            if aligned is None:
                raise
            return aligned
        check_folder(folders.a, "A", control)
        check_folder(folders.b, "B", control)
        return DatasetEntry(name, str(folders.a.resolve()), str(folders.b.resolve()), name_a.strip() or "A",
                            name_b.strip() or "B", str(folders.test_a.resolve()) if folders.test_a else "",
                            str(folders.test_b.resolve()) if folders.test_b else "")

    def register(self, entry: DatasetEntry) -> DatasetEntry:
        """Add a checked entry to the list (its name checked again: another may have taken it meanwhile)."""
        self._check_unused(entry.name)
        self._write(self.datasets() + [entry])
        return entry

    def _check_unused(self, name: str) -> None:
        if any(e.name == name for e in self.datasets()):
            raise ValueError(f"a dataset named {name!r} already exists")

    @staticmethod
    def _aligned_entry(name: str, root: Path, name_a: str, name_b: str) -> DatasetEntry | None:
        """An entry for a folder of side-by-side pairs (``train/`` and ``test/`` or ``val/``), if it is one."""
        try:
            found = find_pairs(root)
        except (OSError, ValueError):
            return None
        if found.layout != "aligned":
            return None
        train = root / "train" if (root / "train").is_dir() else root
        held_out = next((root / s for s in ("test", "val") if (root / s).is_dir() and train != root), None)
        return DatasetEntry(name, str(train.resolve()), "", name_a.strip() or "A", name_b.strip() or "B",
                            str(held_out.resolve()) if held_out else "", layout="aligned")

    @staticmethod
    def has_pairs(entry: DatasetEntry) -> bool:
        """Whether pix2pix can train on it, from file names alone (cheap enough for every click)."""
        if entry.layout == "aligned":
            return True
        try:
            return bool(match_by_name(Path(entry.folder_a), Path(entry.folder_b))[0])
        except OSError:
            return False

    @staticmethod
    def pairs(entry: DatasetEntry) -> PairedData | None:
        """The dataset's pairs for pix2pix (aligned images, or files of the same name on both sides), if any."""
        try:
            return find_pairs(entry.folder_a) if entry.layout == "aligned" else find_pairs(entry.folder_a,
                                                                                           entry.folder_b)
        except (OSError, ValueError):
            return None

    @staticmethod
    def held_out_pairs(entry: DatasetEntry) -> list[Pair]:
        """Test pairs to evaluate a pix2pix model on: test/ of side-by-side images, or testA/ + testB/ by name."""
        try:
            if entry.layout == "aligned":
                return find_pairs(entry.test_a).pairs if entry.test_a else []
            if entry.test_a and entry.test_b:
                return match_by_name(Path(entry.test_a), Path(entry.test_b))[0]
        except (OSError, ValueError):
            pass
        return []

    def import_copy(self, entry: DatasetEntry, control: Control | None = None) -> DatasetEntry:
        """Copy a dataset's images into the library (trainA/ trainB/ ...) and point the entry there. Stopped
        through ``control`` (the app closing), it removes its unfinished copy and raises Stopped; the entry keeps
        pointing at the original folders."""
        base = target = self.root / "datasets" / safe_name(entry.name)
        copies = 1
        while target.exists():  # "c/1" and "c_1" are both c_1 as a folder; a removed dataset's copy stays
            copies += 1
            target = base.with_name(f"{base.name}-{copies}")
        if entry.layout == "aligned":
            pairs = [("train", entry.folder_a), ("test", entry.test_a)]
        else:
            pairs = [("trainA", entry.folder_a), ("trainB", entry.folder_b), ("testA", entry.test_a),
                     ("testB", entry.test_b)]
        tmp = target.with_name(f".{target.name}.part")
        shutil.rmtree(tmp, ignore_errors=True)
        for sub, folder in pairs:
            if folder:
                for path in list_images(folder):
                    if control is not None and control.stopped:
                        shutil.rmtree(tmp, ignore_errors=True)  # the copy this call was writing, nothing else
                        raise Stopped("the copy was stopped; the dataset still reads its original folders")
                    dest = tmp / sub / path.relative_to(folder)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, dest)
        os.replace(tmp, target)
        if entry.layout == "aligned":
            copied = DatasetEntry(entry.name, str(target / "train"), "", entry.name_a, entry.name_b,
                                  str(target / "test") if entry.test_a else "", "", entry.added, "aligned")
        else:
            copied = DatasetEntry(entry.name, str(target / "trainA"), str(target / "trainB"), entry.name_a,
                                  entry.name_b, str(target / "testA") if entry.test_a else "",
                                  str(target / "testB") if entry.test_b else "", entry.added)
        self._write([copied if e.name == entry.name else e for e in self.datasets()])
        return copied

    def remove_dataset(self, name: str) -> None:
        """Forget a dataset; its images are not touched."""
        entries = self.datasets()
        kept = [e for e in entries if e.name != name]
        if len(kept) == len(entries):
            raise KeyError(f"no dataset named {name!r}")
        self._write(kept)

    @staticmethod
    def inspect(entry: DatasetEntry, min_size: int = 128) -> DatasetReport:
        """Counts and problems: missing folders, unreadable files, tiny images, mixed channels, too few photos."""
        problems: list[str] = []
        counts = []
        few: dict[str, int] = {}  # images a side, for the advice on too few
        sides = [("pairs" if entry.layout == "aligned" else "A", entry.folder_a)]
        if entry.layout != "aligned":
            sides.append(("B", entry.folder_b))
        for side, folder in sides:
            path = Path(folder)
            if not path.is_dir():
                problems.append(f"folder {side} is missing: {folder}")
                counts.append(0)
                continue
            files = list_images(path)
            unreadable = 0
            if not files:
                problems.append(f"folder {side} has no images")
            modes: set[str] = set()
            tiny = 0
            for f in files:
                if reason := probe_image(f):
                    problems.append(f"unreadable in {side}: {f.name} ({reason})")
                    unreadable += 1
                    continue
                from PIL import Image

                with Image.open(f) as im:
                    modes.add("gray" if im.mode in ("L", "I", "I;16", "1", "LA") else "colour")
                    tiny += min(im.size) < min_size
            counts.append(len(files) - unreadable)  # what training will use: unreadable files are skipped
            few[side] = counts[-1]
            if tiny:
                problems.append(f"{tiny} image(s) in {side} are smaller than {min_size} px (they will be upscaled)")
            if len(modes) > 1:
                problems.append(f"{side} mixes colour and grayscale images (all are converted to the model's channels)")
        paired = Library.pairs(entry)
        if paired:  # named for pix2pix where the folders are two sides that happen to share names
            prefix = "" if entry.layout == "aligned" else "for pix2pix: "
            problems += [prefix + w for w in pair_shape_warnings(paired.pairs)]
        if entry.layout == "aligned":
            counts.append(counts[0])
        if advice := few_images_advice(few):
            problems.insert(0, advice)
        return DatasetReport(counts[0], counts[1], problems, len(paired.pairs) if paired else 0,
                             len(paired.unmatched) if paired else 0)

    # ---------------------------------------------------------------- runs
    def runs(self) -> list[Path]:
        if not self.runs_dir.is_dir():
            return []
        found = [p for p in self.runs_dir.iterdir() if (p / "config.json").is_file()]
        return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)

    def _own_run(self, path: Path) -> RunDir:
        run = RunDir(path)
        if not run.is_run() or path.resolve().parent != self.runs_dir.resolve():
            raise ValueError(f"{path} is not a run of this library")
        return run

    def rename_run(self, path: Path, new_name: str) -> Path:
        """Rename a run's folder; refused while it trains (its lock) or if the name is taken."""
        run = self._own_run(Path(path))
        target = self.runs_dir / safe_name(new_name)
        if target.exists():
            raise ValueError(f"a run named {target.name!r} already exists; choose another name")
        lock = RunLock(run.path)
        lock.acquire()  # RunLocked while a process trains it
        lock.release()
        os.rename(run.path, target)
        return target

    def delete_run(self, path: Path) -> list[str]:
        """Delete a run of this library (engine.rundir.delete_run: only what training wrote); returns what is left."""
        return delete_run(self._own_run(Path(path)).path)

    def new_run_dir(self, name: str) -> Path:
        base = self.runs_dir / safe_name(name)
        path, n = base, 2
        while path.exists():
            path, n = base.with_name(f"{base.name}-{n}"), n + 1
        return path

    # -------------------------------------------------------------- models
    def models(self) -> list[Path]:
        """The model files of the library. Leftovers of imports, exports and downloads killed mid-write (temp files
        of this program's pattern, untouched for an hour) are removed on the way: they stayed there for good."""
        if not self.models_dir.is_dir():
            return []
        remove_stale_temp_files(self.models_dir, lambda name: name.endswith(".pt"), untouched_for_s=ABANDONED_AFTER_S)
        return sorted(p for p in self.models_dir.glob("*.pt") if not p.name.startswith("."))

    @staticmethod
    def builtin_models() -> list[Path]:
        """Models shipped with the app (the demo), listed before the user's own."""
        from .resources import demo_model_path

        return [demo_model_path()] if demo_model_path().is_file() else []

    def model_path(self, name: str) -> Path:
        path = self.models_dir / f"{safe_name(name)}.pt"
        return path

    def import_model(self, source: str | Path, name: str | None = None, name_a: str | None = None,
                     name_b: str | None = None, published: str | None = None) -> Path:
        """Add a model file to the library (engine.imports.import_model_file: ours in either format, or
        another tool's generator, the reference's .pth or a .safetensors, recognised and converted)."""
        from .imports import import_model_file

        source = Path(source)
        target = self.model_path(name or source.stem)
        if target.exists():
            raise ValueError(f"a model named {target.stem!r} already exists; choose another name")
        return import_model_file(source, target, name_a, name_b, published)

    def download_published(self, key: str, on_progress=None, control=None) -> Path:
        """Download one of the reference's published generators and add it to the library as ``key``."""
        from .download import download, partial_path
        from .imports import PUBLISHED

        model = PUBLISHED[key]
        target = self.model_path(key)
        if target.exists():
            return target
        raw = self.root / "downloads" / f"{key}.pth"
        download(model.url, raw, on_progress, control)
        try:
            return self.import_model(raw, key, published=key)
        except ModelFileError as exc:  # what arrived is not the generator it should be: not kept
            raw.unlink(missing_ok=True)
            partial_path(raw).unlink(missing_ok=True)
            raise ModelFileError(f"the file downloaded for {key} is not a usable generator ({exc})") from None
        finally:
            raw.unlink(missing_ok=True)  # the model file holds the weights now

    def rename_model(self, path: Path, new_name: str) -> Path:
        target = self.model_path(new_name)
        if target.exists():
            raise ValueError(f"a model named {target.stem!r} already exists; choose another name")
        os.replace(path, target)
        return target

    @staticmethod
    def delete_model(path: Path) -> None:
        path.unlink()
