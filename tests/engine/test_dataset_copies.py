"""Library: copying a dataset into the library, removing it, and the dataset list under damage and concurrency
(each found by a hostile pass over the Datasets page)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.events import Control
from engine.library import COPY_LIST, COPY_SUFFIX, DatasetEntry, Library, NotEnoughSpace
from tests.conftest import write_images


def entry_for(library: Library, root: Path, name: str = "d") -> DatasetEntry:
    return library.check_dataset(name, root)


def test_a_copy_is_whole_or_absent_and_added_only_when_whole(tiny_dataset, tmp_path):
    """A copy that failed part-way left its hidden folder (a full disk stayed full), and the dataset stayed listed
    reading its originals, as if copied. A source vanishing mid-copy stands in for the failure here."""
    library = Library(tmp_path / "home")
    entry = entry_for(library, tiny_dataset)

    def vanish(done: int, total: int) -> None:
        if done == 2:
            (tiny_dataset / "trainB" / "img_000.png").unlink()

    with pytest.raises(OSError, match=r"copying the images into the library failed \(img_000.png\): no such file "
                                      "or directory; what it had copied was removed") as failure:
        library.copy_dataset(entry, on_progress=vanish)
    assert "Errno" not in str(failure.value)
    assert not any((library.root / "datasets").iterdir()) and library.datasets() == []
    copy = library.copy_dataset(entry_for(library, tiny_dataset))
    assert library.datasets() == []  # copied, not added: the caller registers it
    folder = library.copy_of(copy.entry)
    assert folder == library.root / "datasets" / "d" and copy.left_out == []
    assert sorted(row[0] for row in json.loads((folder / COPY_LIST).read_text())) == sorted(
        f"train{side}/{p.name}" for side in "AB" for p in (tiny_dataset / f"train{side}").iterdir())


def test_a_copy_that_cannot_fit_is_refused_before_its_first_file(tiny_dataset, tmp_path, monkeypatch):
    import shutil

    library = Library(tmp_path / "home")
    entry = entry_for(library, tiny_dataset)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 10**6, 10**6))
    with pytest.raises(NotEnoughSpace, match=r"needs 0 MB and 1 MB are free on the disk of .*datasets; free some "
                                             "space, or add the dataset without copying it"):
        library.copy_dataset(entry)
    assert not (library.root / "datasets").exists() or not any((library.root / "datasets").iterdir())


def test_unreadable_files_are_left_out_of_a_copy_and_named(tiny_dataset, tmp_path):
    """A broken link among the photos (the check had already named it unreadable) stopped the whole copy."""
    (tiny_dataset / "trainA" / "broken.png").symlink_to(tmp_path / "gone.png")
    library = Library(tmp_path / "home")
    copy = library.copy_dataset(entry_for(library, tiny_dataset))
    assert [(p.name, why) for p, why in copy.left_out] == [("broken.png", "a link to a file that is not there")]
    assert len(list(Path(copy.entry.folder_a).iterdir())) == 5


def test_copies_are_written_as_open_writes_files(tiny_dataset, tmp_path):
    """Copies of read-only photos were read-only (shutil.copy2 keeps the mode): awkward to delete."""
    for path in (tiny_dataset / "trainA").iterdir():
        path.chmod(0o444)
    library = Library(tmp_path / "home")
    copy = library.copy_dataset(entry_for(library, tiny_dataset))
    umask = os.umask(0)
    os.umask(umask)
    first = next(Path(copy.entry.folder_a).iterdir())
    assert first.stat().st_mode & 0o777 == 0o666 & ~umask
    assert first.stat().st_mtime == (tiny_dataset / "trainA" / first.name).stat().st_mtime


def test_a_dataset_removed_or_replaced_while_copied_keeps_what_is_listed(tiny_dataset, tmp_path):
    """import_copy ended by pointing whatever then had the name at its copy: a dataset added meanwhile under that
    name read the other dataset's photos."""
    library = Library(tmp_path / "home")
    entry = library.add_dataset("x", tiny_dataset)
    other = tmp_path / "other"
    write_images(other / "trainA", 2, seed=5)
    write_images(other / "trainB", 2, seed=6)
    control = Control()
    swapped = []

    def replace_it(done: int, total: int) -> None:
        if not swapped:
            library.remove_dataset("x")
            swapped.append(library.add_dataset("x", other))

    import engine.library as library_module

    real = library_module.Library.copy_dataset
    with pytest.MonkeyPatch.context() as patch:  # import_copy copies through copy_dataset: progress reaches in
        patch.setattr(library_module.Library, "copy_dataset",
                      lambda self, e, c=None, on_progress=None: real(self, e, c, replace_it))
        with pytest.raises(ValueError, match="changed while it was copied; the copy was removed"):
            library.import_copy(entry, control)
    assert library.dataset("x") == swapped[0] and library.dataset("x").folder_a == str((other / "trainA").resolve())
    assert not any((library.root / "datasets").iterdir())


def test_removing_a_copied_dataset_can_delete_its_copy_and_nothing_else(tiny_dataset, tmp_path):
    library = Library(tmp_path / "home")
    entry = library.register(library.copy_dataset(entry_for(library, tiny_dataset)).entry)
    folder = library.copy_of(entry)
    (folder / "trainA" / "my notes.txt").write_text("mine")
    referenced = library.add_dataset("by reference", tiny_dataset)
    assert library.copy_of(referenced) is None
    assert library.remove_dataset("by reference", delete_copy=True) == []
    assert all(p.exists() for p in (tiny_dataset / "trainA").iterdir())  # the user's photos, untouched
    assert library.remove_dataset("d", delete_copy=True) == ["trainA/my notes.txt"]  # files: the folder counted too
    assert sorted(p.name for p in folder.rglob("*")) == ["my notes.txt", "trainA"]
    assert library.datasets() == []


def test_the_leftovers_of_a_killed_copy_are_removed_once_abandoned(tiny_dataset, tmp_path):
    """kill -9 during a copy left a hidden 450 MB folder in the library for good."""
    library = Library(tmp_path / "home")
    datasets = library.root / "datasets"
    old, fresh, users = datasets / f".old{COPY_SUFFIX}", datasets / f".fresh{COPY_SUFFIX}", datasets / ".mine"
    for folder in (old, fresh, users):
        write_images(folder / "trainA", 1)
    hour_ago = time.time() - 3700
    for path in (old, old / "trainA", users, users / "trainA"):
        os.utime(path, (hour_ago, hour_ago))
    library.copy_dataset(entry_for(library, tiny_dataset))
    assert not old.exists() and fresh.exists() and users.exists()  # another process may be writing the fresh one


def test_a_damaged_dataset_list_is_named_and_left_as_it_is(tmp_path):
    """A folder named datasets.json stopped the app before its window showed; bytes that are not UTF-8 gave
    "'utf-8' codec can't decode byte 0xff", naming no file."""
    library = Library(tmp_path / "home")
    library.manifest.mkdir(parents=True)
    with pytest.raises(ValueError, match="the dataset list .*datasets.json cannot be read"):
        library.datasets()
    library.manifest.rmdir()
    library.manifest.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match=r"the dataset list .*datasets.json is damaged and cannot be read .*move "
                                         "it aside"):
        library.datasets()
    with pytest.raises(ValueError, match="is damaged"):
        library.register(DatasetEntry("x", "a", "b"))
    assert library.manifest.read_bytes() == b"\xff\xfe\x00garbage"


def test_what_a_newer_version_wrote_in_the_list_is_read_and_kept(tiny_dataset, tmp_path):
    """One unknown field made the whole list "damaged": every dataset vanished and none could be added."""
    library = Library(tmp_path / "home")
    library.add_dataset("old", tiny_dataset)
    rows = json.loads(library.manifest.read_text())
    rows[0]["colour_space"] = "srgb"
    library.manifest.write_text(json.dumps(rows))
    assert library.dataset("old").folder_a == rows[0]["folder_a"]
    library.add_dataset("new", tiny_dataset / "trainB", tiny_dataset / "trainA")
    assert json.loads(library.manifest.read_text())[0]["colour_space"] == "srgb"


def test_names_that_look_empty_or_alike_are_refused(tiny_dataset, tmp_path):
    library = Library(tmp_path / "home")
    for name, why in (("..", "nothing usable in a file name"), ("\u200b", "give the dataset a name"),
                      ("a\tb", "control characters"), ("two\nlines", "control characters")):
        with pytest.raises(ValueError, match=why):
            library.add_dataset(name, tiny_dataset)
    library.add_dataset("caf\u00e9", tiny_dataset)
    with pytest.raises(ValueError, match="already exists"):
        library.add_dataset("cafe\u0301", tiny_dataset)  # the same word, typed with a combining accent


_REGISTER_MANY = """
import sys
import time
from engine.library import DatasetEntry, Library
library = Library(sys.argv[1])
time.sleep(max(0.0, float(sys.argv[3]) - time.time()))  # both start together, whatever their imports took
for i in range(60):
    library.register(DatasetEntry(f"{sys.argv[2]}{i}", "a", "b"))
"""


@pytest.mark.slow  # 7 s, two processes: in make test-slow, for make test's ten minutes
def test_two_processes_adding_datasets_at_once_lose_none(tmp_path):
    """Two windows (or the app and a script) adding datasets: 214 of 300 entries were left."""
    home = tmp_path / "home"
    start = str(time.time() + 6)
    procs = [subprocess.Popen([sys.executable, "-c", _REGISTER_MANY, str(home), prefix, start]) for prefix in "pq"]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert len(Library(home).datasets()) == 120


def test_side_by_side_pairs_are_counted_as_they_are_trained(tmp_path):
    """A folder of side-by-side images with a sub-folder of originals: 8 pairs were shown, 3 are trained on."""
    from engine.data import find_pairs

    root = tmp_path / "facades"
    write_images(root, 3, size=(96, 48))
    write_images(root / "originals", 5, size=(48, 48), seed=3)
    library = Library(tmp_path / "home")
    entry = library.add_dataset("facades", root)
    report = Library.inspect(entry)
    assert report.count_a == report.pairs == len(find_pairs(entry.folder_a).pairs) == 3
    assert len(report.pair_files) == 3


def test_an_empty_train_folder_is_named(tmp_path):
    """An empty train/ was refused as holding "neither trainA/ and trainB/ nor A/ and B/ folders"."""
    (tmp_path / "pairs" / "train").mkdir(parents=True)
    with pytest.raises(ValueError, match=r"pairs/train has no images to train on"):
        Library(tmp_path / "home").add_dataset("p", tmp_path / "pairs")


def test_images_behind_links_to_folders_are_listed_once(tmp_path):
    """A side whose photos were all in a linked folder had "no images"; a link back up the tree is not looped."""
    from engine.data import list_images

    write_images(tmp_path / "albums" / "summer", 2)
    side = tmp_path / "trainA"
    write_images(side, 1, seed=4)
    (side / "summer").symlink_to(tmp_path / "albums" / "summer")
    (side / "again").symlink_to(tmp_path / "albums" / "summer")
    (side / "loop").symlink_to(side)
    assert [p.relative_to(side).as_posix() for p in list_images(side)] == [
        "again/img_000.png", "again/img_001.png", "img_000.png"]
    write_images(side / "zebra", 1, seed=5)
    (side / "a_link_to_zebra").symlink_to(side / "zebra")  # sorts first; the real folder keeps its images
    assert "zebra/img_000.png" in [p.relative_to(side).as_posix() for p in list_images(side)]


def test_an_unwritable_library_names_the_dataset_list(tiny_dataset, tmp_path):
    """The error named a hidden temp file: ".datasets.json.0a77c0a9.part.json"."""
    (tmp_path / "home").write_text("a file where the library's folder goes")
    library = Library(tmp_path / "home" / "inside")
    with pytest.raises(OSError, match=r"^the dataset list .*datasets.json cannot be written \(not a directory\)$"):
        library.add_dataset("d", tiny_dataset)


def test_a_copy_shared_with_another_dataset_is_not_deleted_with_one_of_them(tiny_dataset, tmp_path):
    """A dataset added by reference to a folder inside another's copy: removing it with its "copy" deleted the
    images the other still read."""
    library = Library(tmp_path / "home")
    first = library.register(library.copy_dataset(entry_for(library, tiny_dataset)).entry)
    copy = library.copy_of(first)
    library.add_dataset("inside", copy / "trainB", copy / "trainA")
    with pytest.raises(ValueError, match="is also read by the dataset 'd'"):
        library.remove_dataset("inside", delete_copy=True)
    assert [e.name for e in library.datasets()] == ["d", "inside"] and len(list(copy.rglob("*.png"))) == 9
    assert library.remove_dataset("inside") == [] and len(list(copy.rglob("*.png"))) == 9


def test_a_copied_file_changed_since_is_kept_when_the_copy_is_deleted(tiny_dataset, tmp_path):
    library = Library(tmp_path / "home")
    entry = library.register(library.copy_dataset(entry_for(library, tiny_dataset)).entry)
    edited = Path(entry.folder_a) / "img_000.png"
    edited.write_bytes(edited.read_bytes() + b"retouched")
    assert library.remove_dataset("d", delete_copy=True) == ["trainA/img_000.png"]


def test_two_copies_of_names_that_clean_up_alike_never_share_a_folder(tiny_dataset, tmp_path):
    """Two copies under way at once for "c/1" and "c_1" wrote into one folder: one dataset read the other's photos."""
    library = Library(tmp_path / "home")
    other = tmp_path / "other"
    write_images(other / "trainA", 3, seed=7)
    write_images(other / "trainB", 3, seed=8)
    inner = []

    def second_copy_meanwhile(done: int, total: int) -> None:
        if not inner:
            inner.append(library.copy_dataset(library.check_dataset("c_1", other)))

    first = library.copy_dataset(library.check_dataset("c/1", tiny_dataset), on_progress=second_copy_meanwhile)
    assert Path(first.entry.folder_a).parent != Path(inner[0].entry.folder_a).parent
    assert len(list(Path(first.entry.folder_a).iterdir())) == 5 and len(list(Path(inner[0].entry.folder_a).iterdir())) == 3


def test_a_copy_under_way_is_not_taken_for_abandoned(tiny_dataset, tmp_path):
    """Only the top folders' times were looked at: a long copy was removed as abandoned, then added with files
    missing."""
    from engine.library import remove_abandoned_copies

    library = Library(tmp_path / "home")
    swept = []

    def sweep_as_if_an_hour_passed(done: int, total: int) -> None:
        if done == 3:
            swept.extend(remove_abandoned_copies(library.root / "datasets", untouched_for_s=-1))

    copy = library.copy_dataset(entry_for(library, tiny_dataset), on_progress=sweep_as_if_an_hour_passed)
    assert swept == [] and len(list(Path(copy.entry.folder_a).iterdir())) == 5


def test_a_copy_keeps_what_a_newer_version_wrote_in_the_entry(tiny_dataset, tmp_path):
    library = Library(tmp_path / "home")
    entry = entry_for(library, tiny_dataset)
    entry.newer["colour_space"] = "srgb"
    assert library.copy_dataset(entry).entry.newer == {"colour_space": "srgb"}


def test_a_dataset_is_found_by_its_name_typed_either_way(tiny_dataset, tmp_path):
    library = Library(tmp_path / "home")
    library.add_dataset("caf\u00e9", tiny_dataset)
    assert library.dataset(" cafe\u0301 ").name == "caf\u00e9"
