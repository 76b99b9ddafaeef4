"""Library.inspect: the advice a dataset gets before training."""

import os
from pathlib import Path

import pytest

from engine.data import FEW_IMAGES
from engine.library import DatasetEntry, Library
from tests.conftest import make_model_file, write_images


def entry_for(root) -> DatasetEntry:
    return DatasetEntry("d", str(root / "trainA"), str(root / "trainB"), "A", "B")


def test_few_photos_get_advice_and_enough_get_none(tmp_path):
    write_images(tmp_path / "trainA", FEW_IMAGES - 1, size=(130, 130))
    write_images(tmp_path / "trainB", FEW_IMAGES, size=(130, 130))
    report = Library.inspect(entry_for(tmp_path))
    assert (report.count_a, report.count_b) == (FEW_IMAGES - 1, FEW_IMAGES)
    assert report.problems == [f"few images (A: {FEW_IMAGES - 1}): with fewer than {FEW_IMAGES} different "
                               "photos a side, models tend to learn what the photos show rather than the change"]
    named = DatasetEntry("d", str(tmp_path / "trainA"), str(tmp_path / "trainB"), "day", "night")
    assert Library.inspect(named).problems[0].startswith(f"few images (day: {FEW_IMAGES - 1}): ")


def test_grey_pictures_of_every_depth_are_not_said_to_mix_colour_and_grey(tmp_path):
    """A folder of 8-bit, 16-bit big-endian and floating-point grey pictures "mixed colour and grayscale": only four
    grey modes were known by name (a code review)."""
    from PIL import Image

    write_images(tmp_path / "trainA", FEW_IMAGES, size=(130, 130), mode="L")
    grey = Image.open(tmp_path / "trainA" / "img_000.png")
    grey.convert("F").save(tmp_path / "trainA" / "float.tif")
    Image.frombytes("I;16B", grey.size, bytes(2 * 130 * 130)).save(tmp_path / "trainA" / "big_endian.tif")
    write_images(tmp_path / "trainB", FEW_IMAGES, size=(130, 130))
    assert {Image.open(p).mode for p in (tmp_path / "trainA").iterdir()} == {"L", "F", "I;16B"}
    assert Library.inspect(entry_for(tmp_path)).problems == []
    write_images(tmp_path / "trainB", 1, size=(130, 130), mode="L")  # grey among colour: said
    assert Library.inspect(entry_for(tmp_path)).problems == [
        "the B folder mixes colour and grayscale images (all are converted to the model's channels)"]


def test_a_folder_of_single_photos_is_not_added_as_pairs_side_by_side(tmp_path):
    """trainA/ picked for "one folder with trainA/ and trainB/" was added as a pix2pix dataset of side-by-side pairs
    without a question, though none of its pictures can hold two (a datasets pass). One that can is still added."""
    library = Library(tmp_path / "home")
    write_images(tmp_path / "trainA", 6, size=(200, 200))
    with pytest.raises(FileNotFoundError, match="holds neither trainA/ and trainB/ nor A/ and B/ folders"):
        library.check_dataset("photos", tmp_path / "trainA")
    write_images(tmp_path / "pairs" / "train", 2, size=(256, 128))
    assert library.check_dataset("pairs", tmp_path / "pairs").layout == "aligned"
    # twelve 4:3 photos and a portrait one, picked as the dataset: added as pairs, said in a warning only (a
    # datasets pass); pairs side by side in the folder itself are still added
    write_images(tmp_path / "holiday", 12, size=(160, 120))
    write_images(tmp_path / "holiday" / "portrait", 1, size=(120, 160))
    with pytest.raises(FileNotFoundError, match="it holds pictures itself: it is one side's folder"):
        library.check_dataset("holiday", tmp_path / "holiday")
    write_images(tmp_path / "side by side", 3, size=(256, 128))
    assert library.check_dataset("side by side", tmp_path / "side by side").layout == "aligned"


def test_pictures_reached_through_a_link_to_another_folder_are_said(tmp_path):
    """A link in trainA/ to /usr made A thousands of system icons without a word (a datasets pass)."""
    write_images(tmp_path / "trainA", FEW_IMAGES, size=(130, 130))
    write_images(tmp_path / "trainB", FEW_IMAGES, size=(130, 130))
    write_images(tmp_path / "elsewhere", 3, size=(130, 130))
    assert Library.inspect(entry_for(tmp_path)).problems == []
    (tmp_path / "trainA" / "shortcut").symlink_to(tmp_path / "elsewhere")
    assert Library.inspect(entry_for(tmp_path)).problems == [
        "3 picture(s) of A are reached through links to folders outside it (such as shortcut/img_000.png): they "
        "count as A's too"]


def test_an_unreadable_file_is_named_with_its_side(tmp_path):
    """A broken photo.jpg in both folders was listed twice as "unreadable: photo.jpg", with no side named."""
    write_images(tmp_path / "trainA", 2, size=(130, 130))
    write_images(tmp_path / "trainB", 2, size=(130, 130))
    for side in ("trainA", "trainB"):
        (tmp_path / side / "photo.jpg").write_bytes(b"not a jpeg")
    (tmp_path / "trainB" / "up").mkdir()
    (tmp_path / "trainB" / "up" / "photo.jpg").write_bytes(b"not a jpeg")  # named under its side's folder
    unreadable = [p for p in Library.inspect(entry_for(tmp_path)).problems if "photo.jpg" in p]
    assert [p.split(" (")[0] for p in unreadable] == ["unreadable in A: photo.jpg", "unreadable in B: photo.jpg",
                                                      "unreadable in B: up/photo.jpg"]


def test_a_name_with_nothing_usable_in_a_file_name_is_refused(tmp_path):
    """``import --name ..`` (or a run or model named "/") was saved as "untitled", where nobody would look for it."""
    import os

    import pytest
    import torch

    from tests.cli.test_cli_train import cyclegan
    from tests.engine.reference_layout import resnet

    library = Library(tmp_path / "home")
    for name in ("..", " / ", "???", "."):
        with pytest.raises(ValueError, match="nothing usable in a file name"):
            library.model_path(name)
        with pytest.raises(ValueError, match="nothing usable in a file name"):
            library.new_run_dir(name)
    assert library.model_path("my/model").name == "my_model.pt"  # a name with something usable keeps it
    torch.save(resnet(ngf=8, blocks=1).state_dict(), tmp_path / "horse2zebra.pth")
    proc = cyclegan("import", tmp_path / "horse2zebra.pth", "--name", "..", check=False,
                    env={**os.environ, "CYCLEGAN_STUDIO_HOME": str(tmp_path / "home")})
    assert proc.returncode == 1 and "'..' has nothing usable in a file name" in proc.stderr
    assert not (tmp_path / "home" / "models").exists() or not any((tmp_path / "home" / "models").iterdir())


def test_a_run_is_deleted_file_by_file_and_a_strangers_file_stays(tiny_dataset, tmp_path):
    """Runs could not be deleted from the app; deleting one removes what training wrote and nothing else."""
    import pytest

    from engine import Trainer
    from engine.rundir import RunDir, RunLock, RunLocked
    from tests.conftest import tiny_config

    library = Library(tmp_path / "lib")
    run = RunDir(library.new_run_dir("first"))
    Trainer(tiny_config(tiny_dataset, run.path, max_steps=2, keep_every=1, sample_every=1)).run()
    assert run.sample_grids() and len(run.checkpoint_candidates()) >= 2
    renamed = RunDir(library.rename_run(run.path, "kept for later"))
    assert renamed.path.name == "kept for later" and renamed.is_run() and not run.path.exists()
    with pytest.raises(ValueError, match="the run is named 'kept for later' already"):  # not "already exists"
        library.rename_run(renamed.path, "kept for later")
    library.new_run_dir("other").mkdir()
    with pytest.raises(ValueError, match="a run named 'other' already exists"):
        library.rename_run(renamed.path, "other")
    (renamed.samples / "my notes.txt").write_text("mine")
    holder = RunLock(renamed.path)
    holder.acquire()  # as a process training it holds it
    try:
        with pytest.raises(RunLocked):
            library.delete_run(renamed.path)
        assert renamed.is_run()
    finally:
        holder.release()
    assert library.delete_run(renamed.path) == ["samples", "samples/my notes.txt"]
    assert (renamed.samples / "my notes.txt").read_text() == "mine" and not renamed.checkpoints.exists()
    assert library.runs() == []
    with pytest.raises(ValueError, match="not a run of this library"):
        library.delete_run(tiny_dataset)


@pytest.mark.skipif(os.name == "nt", reason="a folder with an open file in it cannot be renamed on Windows")
def test_a_run_is_renamed_under_its_lock(tiny_dataset, tmp_path, monkeypatch):
    """The lock was taken and let go before the rename: a run resumed between the two trained on in its old folder,
    made again by its first save, while its checkpoints moved to the new name (a code review)."""
    from engine import Trainer
    from engine.rundir import RunDir, RunLock, RunLocked
    from tests.conftest import tiny_config

    library = Library(tmp_path / "lib")
    run = RunDir(library.new_run_dir("first"))
    Trainer(tiny_config(tiny_dataset, run.path, max_steps=1)).run()
    real_rename, taken_meanwhile = os.rename, []

    def rename_as_a_resume_starts(src, dst):  # another process tries the run's lock as the folder moves
        try:
            with RunLock(src):
                taken_meanwhile.append(True)
        except RunLocked:
            taken_meanwhile.append(False)
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename_as_a_resume_starts)
    renamed = RunDir(library.rename_run(run.path, "second"))
    assert taken_meanwhile == [False] and renamed.is_run() and not run.path.exists()


def test_a_dataset_name_is_refused_past_eighty_characters(tiny_dataset, tmp_path):
    """A 300-character name pushed the Datasets page past the window's right edge (a hostile pass)."""
    library = Library(tmp_path / "home")
    with pytest.raises(ValueError, match="a dataset name can be 80 characters long; this one has 300"):
        library.add_dataset("L" * 300, tiny_dataset)
    with pytest.raises(ValueError, match="the name of side B can be 80 characters long"):
        library.add_dataset("ok", tiny_dataset, name_b="b" * 81)
    assert library.datasets() == []
    assert library.add_dataset("L" * 80, tiny_dataset).name == "L" * 80


def test_copies_of_datasets_whose_names_clean_up_alike_get_folders_of_their_own(tiny_dataset, tmp_path):
    """"c/1" and then "c_1" copied into the library: the second failed with "…/datasets/c_1 already exists" after
    its dialog had closed as if it worked (a hostile pass)."""
    library = Library(tmp_path / "home")
    first = library.import_copy(library.add_dataset("c/1", tiny_dataset))
    second = library.import_copy(library.add_dataset("c_1", tiny_dataset))
    assert Path(first.folder_a).parent.name == "c_1" and Path(second.folder_a).parent.name == "c_1-2"
    assert sorted(p.name for p in Path(second.folder_a).iterdir()) == sorted(
        p.name for p in Path(first.folder_a).iterdir())


def test_a_stopped_copy_removes_what_it_wrote_and_keeps_the_original_entry(tiny_dataset, tmp_path):
    """Closing the app stops a dataset's copy into the library: its unfinished copy goes, the rest stays."""
    from engine.events import Control, Stopped

    library = Library(tmp_path / "home")
    entry = library.add_dataset("big", tiny_dataset)
    (library.root / "datasets").mkdir(parents=True)
    mine = library.root / "datasets" / "notes.txt"
    mine.write_text("the user's")
    control = Control()
    control.stop()
    with pytest.raises(Stopped, match="was stopped"):
        library.import_copy(entry, control)
    assert sorted(p.name for p in (library.root / "datasets").iterdir()) == ["notes.txt"]
    assert library.dataset("big") == entry and any(Path(entry.folder_a).iterdir())
    assert library.import_copy(entry, Control()).folder_a.startswith(str(library.root))  # not stopped: copied


def test_the_leftovers_of_a_killed_import_are_removed_from_the_models_folder(tmp_path):
    """kill -9 during an import, an export or a download left a hidden temp file as large as the model in the
    library's models folder for good (run folders and conversions already cleaned theirs)."""
    import os
    import time

    from engine.fileio import temp_name

    library = Library(tmp_path / "home")
    library.models_dir.mkdir(parents=True)
    abandoned = library.models_dir / temp_name(library.models_dir / "hz1.pt")
    in_progress = library.models_dir / temp_name(library.models_dir / "other.pt")  # another window writing now
    theirs = [library.models_dir / ".notes.txt.part", library.models_dir / temp_name(library.models_dir / "a.txt")]
    for path in [abandoned, in_progress, *theirs]:
        path.write_bytes(b"x")
    hour_ago = time.time() - 3700
    for path in [abandoned, *theirs]:
        os.utime(path, (hour_ago, hour_ago))
    assert library.models() == []
    assert not abandoned.exists() and in_progress.exists() and all(p.exists() for p in theirs)


def test_a_name_with_nothing_visible_is_refused(tmp_path):
    """A model renamed to one zero-width space had a blank row, an empty title and "Renamed to ." (a Models page
    pass)."""
    from engine.library import safe_name

    for invisible in ("\u200b", "\u200b\u200b", "\u2060", "\u3000"):
        with pytest.raises(ValueError, match="nothing visible"):
            safe_name(invisible)
    assert safe_name("zebra\u200bfy") == "zebra\u200bfy"


def test_models_are_listed_as_a_person_reads_their_names(tmp_path):
    """"zebra 10" was listed before "zebra 2", and "Monet" apart from "monet" (sorted as text)."""
    library = Library(tmp_path / "lib")
    library.models_dir.mkdir(parents=True)
    for stem in ("zebra 10", "zebra 2", "Monet", "apple", "zebra 1", "monet 3"):
        (library.models_dir / f"{stem}.pt").write_bytes(b"")
    assert [p.stem for p in library.models()] == ["apple", "Monet", "monet 3", "zebra 1", "zebra 2", "zebra 10"]


def test_a_link_in_one_side_to_the_other_is_warned_of(tmp_path):
    """A link in trainB/ to trainA/ added A's pictures to B without a word (a datasets pass): the same picture on
    both sides teaches nothing of the change."""
    from engine import Trainer
    from tests.conftest import tiny_config

    write_images(tmp_path / "d" / "trainA", 2, size=(130, 130))
    write_images(tmp_path / "d" / "trainB", 1, size=(130, 130), seed=5)
    (tmp_path / "d" / "trainB" / "linkA").symlink_to(tmp_path / "d" / "trainA")
    report = Library.inspect(entry_for(tmp_path / "d"))
    assert report.count_b == 3
    warning = ("2 picture(s) of B are pictures of A too, reached through a link (such as "
               f"{tmp_path / 'd' / 'trainB' / 'linkA' / 'img_000.png'}): a picture on both sides teaches nothing of "
               "the change between them")
    assert warning in report.problems
    assert warning in [m.text for m in Trainer(tiny_config(tmp_path / "d", tmp_path / "run")).messages]
    (tmp_path / "d" / "trainB" / "linkA").unlink()
    assert not any("pictures of A too" in p for p in Library.inspect(entry_for(tmp_path / "d")).problems)


def test_a_relative_studio_home_is_made_absolute_once(tmp_path, monkeypatch):
    """CYCLEGAN_STUDIO_HOME=rellib gave the app relative library paths, which its folder fields then took as under
    the home folder: conversions went outside the library (a review)."""
    from engine.library import cache_home, config_home, data_home

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CYCLEGAN_STUDIO_HOME", "rellib")
    assert data_home() == tmp_path / "rellib" and config_home() == tmp_path / "rellib" / "config"
    assert cache_home() == tmp_path / "rellib" / "cache"


def test_names_windows_keeps_for_its_devices_and_names_cut_before_a_space_are_made_usable():
    """"con" became con.pt, which Windows opens as the console, not a file; a name cut at 80 characters before a
    space or a dot ended in one, which Windows does not allow (a hostile models pass)."""
    from engine.library import NAME_LENGTH, safe_name

    assert [safe_name(n) for n in ("con", "Con.v2", "LPT9 ", "console", "com10")] == [
        "con_", "Con.v2_", "LPT9_", "console", "com10"]
    assert safe_name("a" * (NAME_LENGTH - 1) + " b") == "a" * (NAME_LENGTH - 1)
    assert safe_name("x" * (NAME_LENGTH - 1) + ".y") == "x" * (NAME_LENGTH - 1)


def test_a_folder_that_is_no_dataset_says_what_it_holds_and_what_to_do(tmp_path):
    """Every such folder got "holds neither trainA/ and trainB/ nor A/ and B/ folders": nothing of trainB/ missing, of
    a folder of photos picked for the whole dataset; a train/ of single photos was called "pictures holding A and B
    side by side" and given a command-line flag in the app (a new-user pass, a pix2pix pass)."""
    library = Library(tmp_path / "home")
    write_images(tmp_path / "half" / "trainA", 2)
    with pytest.raises(FileNotFoundError, match="it has trainA/ but no trainB/ beside it"):
        library.check_dataset("half", tmp_path / "half")
    write_images(tmp_path / "photos", 2)
    with pytest.raises(FileNotFoundError, match="it holds pictures itself: it is one side's folder"):
        library.check_dataset("photos", tmp_path / "photos")
    write_images(tmp_path / "pairs" / "before", 2)  # the two sides' folders, given as one: said, with the way out
    write_images(tmp_path / "pairs" / "after", 2)
    write_images(tmp_path / "pairs" / ".thumbnails", 2)  # hidden: no side's (a review)
    with pytest.raises(FileNotFoundError, match=r"it holds two folders of pictures, after/ and before/: if they are "
                                                r"the two sides, give each as a side's folder \(--data and --data-b\)"):
        library.check_dataset("pairs", tmp_path / "pairs")
    write_images(tmp_path / "single" / "train", 2, size=(64, 64))
    with pytest.raises(ValueError, match=r"the pictures in .*single/train are single pictures \(img_000.png is "
                                         r"64x64\), not pairs side by side: put the two sides' pictures in trainA/"):
        library.check_dataset("single", tmp_path / "single")


def test_model_names_are_one_form_of_their_letters_without_direction_tricks_and_fit_a_file_name(tmp_path):
    """"café" typed precomposed and decomposed made two models that look the same; U+202E listed "\\u202eevil" as
    "live"; 70 emoji failed as "file name too long"; "mine.pt" wrote mine.pt.pt (a models pass)."""
    from engine.library import NAME_BYTES, safe_name

    library = Library(tmp_path / "home")
    assert library.model_path("cafe\u0301") == library.model_path("caf\u00e9")
    assert safe_name("\u202eevil") == "evil"
    assert len(safe_name("😀" * 70).encode()) <= NAME_BYTES
    make_model_file(library.model_path("😀" * 70))  # writable: its name fits a file name with room to spare
    assert library.model_path("mine.pt").name == "mine.pt" and library.model_path("mine.PT").name == "mine.pt"


def test_a_folder_named_like_a_model_is_not_listed_as_one(tmp_path):
    """A folder dir.pt in models/ was "Model: dir", then said to be no run folder (a models pass)."""
    library = Library(tmp_path / "home")
    make_model_file(library.model_path("real"))
    (library.models_dir / "dir.pt").mkdir()
    assert library.models() == [library.model_path("real")]


def test_a_numbered_name_keeps_its_number_for_long_names_of_many_bytes(tmp_path):
    """Cut to 200 bytes after its "-2" was added, a name of 50 emoji was cut back to itself: no free name was
    found, and the import asked for one with an empty default (a review)."""
    from engine.library import with_number

    library = Library(tmp_path / "home")
    for name in ("😀" * 50, "é" * 80, "plain"):
        assert library.model_path(with_number(name, 2)) != library.model_path(name)
        assert library.model_path(with_number(name, 2)).stem.endswith("-2")


def test_direction_controls_are_dropped_from_dataset_names_and_a_claim_to_be_published_is_checked(tmp_path):
    """U+202E was kept in dataset and side names ("evil" shown as "live"); a file of this app's own format could
    claim to be the published horse2zebra with a network of two blocks, and the real one could not be had (a
    review)."""
    from engine.library import lookup_name
    from engine.modelfile import load_model, save_model

    assert lookup_name("\u202eevil ") == "evil"
    library = Library(tmp_path / "home")
    loaded = load_model(make_model_file(tmp_path / "m.pt"))  # two blocks
    save_model(library.model_path("horse2zebra"), loaded.generator,
               {**loaded.metadata, "source": {"file": "horse2zebra.pth", "published": "horse2zebra"}})
    assert library.published_copy("horse2zebra") is None


def test_a_dataset_and_its_sides_are_renamed_in_place(tiny_dataset, tmp_path):
    """Only removing and adding again could rename a dataset or its sides (a datasets and runs pass)."""
    library = Library(tmp_path / "lib")
    library.add_dataset("first", tiny_dataset)
    library.add_dataset("other", tiny_dataset / "trainB", tiny_dataset / "trainA")
    edited = library.edit_dataset(" first ", "horses and zebras", "horse", "  ")
    assert (edited.name, edited.name_a, edited.name_b) == ("horses and zebras", "horse", "B")
    assert [e.name for e in library.datasets()] == ["horses and zebras", "other"]
    assert library.dataset("horses and zebras").folder_a == str((tiny_dataset / "trainA").resolve())
    with pytest.raises(ValueError, match="a dataset named 'other' already exists"):
        library.edit_dataset("horses and zebras", "other", "horse", "zebra")
    # capitals aside: "Café" and "café" were two datasets alike in the list (a datasets pass); its own, changed
    with pytest.raises(ValueError, match=r"a dataset named 'other' already exists \(the same but for capitals\)"):
        library.edit_dataset("horses and zebras", "Other", "horse", "zebra")
    with pytest.raises(ValueError, match="the same but for capitals"):
        library.add_dataset("OTHER", tiny_dataset)
    assert library.edit_dataset("other", "Other", "A", "B").name == "Other"
    library.edit_dataset("Other", "other", "A", "B")
    with pytest.raises(ValueError, match="give the dataset a name"):
        library.edit_dataset("horses and zebras", "  ", "horse", "zebra")
    with pytest.raises(KeyError):
        library.edit_dataset("gone", "x", "A", "B")
    assert library.edit_dataset("other", "other", "day", "night").name_a == "day"  # its own name kept


def test_a_folder_holding_the_library_is_refused_as_a_side(tmp_path):
    """The library's own folder added as side A counted its copies and its runs' samples as the user's pictures
    (a datasets and runs pass)."""
    library = Library(tmp_path / "home" / "lib")
    write_images(tmp_path / "home" / "lib" / "runs" / "r" / "samples", 3)
    write_images(tmp_path / "b", 3)
    for folder in (tmp_path / "home" / "lib", tmp_path / "home"):
        with pytest.raises(ValueError, match=r"holds this app's library .*choose the folder of the pictures"):
            library.check_dataset("x", folder, tmp_path / "b")
    write_images(tmp_path / "c", 3)
    library.add_dataset("fine", tmp_path / "c", tmp_path / "b")  # folders beside it are anyone's


def test_a_model_imported_again_is_named_not_copied(tmp_path):
    """The same file imported twice became "good" and "good-2", identical and unsaid (a Models page pass). A model
    file of ours is compared byte for byte; given a name of its own, a second copy is made as asked."""
    from engine.library import AlreadyImported

    library = Library(tmp_path / "lib")
    model = make_model_file(tmp_path / "good.pt")
    first = library.import_model(model)
    with pytest.raises(AlreadyImported, match=r"^good.pt is in the library already, as 'good'$") as caught:
        library.import_model(model)
    assert caught.value.path == first
    assert library.import_model(model, name="good-again").is_file()
    (tmp_path / "other").mkdir()
    other = make_model_file(tmp_path / "other" / "good.pt", ngf=4)  # another model of the same name: a name taken
    with pytest.raises(ValueError, match="already exists; choose another name"):
        library.import_model(other)
    # ours as a .safetensors is rewritten as a .pt, so not the same bytes: it was refused as a name taken, and the
    # app then asked for a name and made a second copy (a new-user pass)
    from engine.imports import sha256
    from engine.modelfile import load_model, save_model

    loaded = load_model(model)
    light = save_model(tmp_path / "light.safetensors", loaded.generator, loaded.metadata)
    kept = library.import_model(light)
    with pytest.raises(AlreadyImported, match=r"^light.safetensors is in the library already, as 'light'$"):
        library.import_model(light)
    assert load_model(kept).metadata.get("source") == {"sha256": sha256(light)}


def test_an_import_onto_a_full_disk_names_the_library_not_the_file(tmp_path):
    """"m.pt: no space left on device" named the file brought, not the library it could not be written into (a
    pix2pix pass): shutil's copy names its source first."""
    from engine.fileio import in_words
    from tests.conftest import small_tmpfs

    model = make_model_file(tmp_path / "m.pt")
    with small_tmpfs(tmp_path / "disk", "1m") as disk:
        library = Library(disk / "lib")
        library.models_dir.mkdir(parents=True, exist_ok=True)
        (disk / "filler").write_bytes(b"\0" * (1024 * 1024 - model.stat().st_size // 2))
        with pytest.raises(OSError) as caught:
            library.import_model(model)
        assert in_words(caught.value) == f"{library.models_dir}: no space left on device"
        assert sorted(p.name for p in library.models_dir.iterdir()) == []  # nothing half-written left


def test_why_a_name_was_changed_is_said_rightly():
    """"../../escape" became "_.._escape", said to have been cut to 80 characters (a Train page pass)."""
    from engine.library import why_renamed

    assert why_renamed("ok") == ""
    assert why_renamed("../../escape") == "characters a file or folder name cannot hold were replaced"
    assert why_renamed("x" * 90) == "a name holds 80 characters at most"
    assert why_renamed("a/" + "y" * 90) == ("characters a file or folder name cannot hold were replaced; a name holds "
                                            "80 characters at most")
    assert why_renamed("con") == "it names a device on Windows"


def test_the_dataset_checks_name_each_side_as_the_user_named_it(tmp_path):
    """Beside "few images (day: 4)" the other problems said "2 image(s) in A are smaller ..." and "B mixes colour and
    grayscale images": letters the page shows nowhere for a dataset whose sides are "day" and "night"."""
    import re

    write_images(tmp_path / "trainA", FEW_IMAGES, size=(130, 130))
    write_images(tmp_path / "trainA", 1, size=(40, 40), mode="L")  # small, and grey among colour
    (tmp_path / "trainA" / "broken.jpg").write_bytes(b"not a jpeg")
    write_images(tmp_path / "trainB", FEW_IMAGES, size=(130, 130))
    (tmp_path / "trainB" / "also.png").symlink_to(tmp_path / "trainA" / "img_001.png")
    named = DatasetEntry("d", str(tmp_path / "trainA"), str(tmp_path / "trainB"), "day", "night")
    problems = Library.inspect(named).problems
    assert len(problems) == 5, problems
    assert not [p for p in problems if re.search(r"\b[AB]\b", p)], problems
    assert "unreadable in day: broken.jpg" in problems[0]
    assert problems[1] == "1 image(s) in day are smaller than 128 px and will be upscaled (img_000.png)"
    assert problems[2].startswith("the day folder mixes colour and grayscale")
    assert problems[3].startswith("1 picture(s) of night are reached through links") and "as night's too" in problems[3]
    assert problems[4].startswith("1 picture(s) of night are pictures of day too")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"^the night folder .*empty has no images"):
        Library(tmp_path / "home").check_dataset("e", tmp_path / "trainA", tmp_path / "empty", "day", "night")
    gone = DatasetEntry("d", str(tmp_path / "trainA"), str(tmp_path / "gone"), "day", "night")
    assert Library.inspect(gone).problems[0] == (  # and what to do (a datasets pass); first: the other side's
        f"the night folder is missing: {tmp_path / 'gone'}; put it back there, or remove this dataset and add the "
        "folder where it is now")  # problems came before it


def test_two_sides_of_one_name_are_refused(tmp_path):
    """Sides both named "zebra" were added and renamed to: the title read "zebra ↔ zebra" over two tabs "zebra (5)"
    and "zebra (4)" that nobody could tell apart (a datasets pass)."""
    write_images(tmp_path / "trainA", 2)
    write_images(tmp_path / "trainB", 2)
    library = Library(tmp_path / "home")
    with pytest.raises(ValueError, match="both named 'zebra': give each side a name of its own"):
        library.add_dataset("z", str(tmp_path), None, "zebra", "Zebra ")
    library.add_dataset("z", str(tmp_path), None, "horse", "zebra")
    with pytest.raises(ValueError, match="both named 'b'"):
        library.edit_dataset("z", "z", "b", "")  # a side left blank is called "B"
    assert library.dataset("z").name_a == "horse"


def test_pictures_too_small_are_named_like_unreadable_ones(tmp_path):
    """"2 image(s) in A are smaller than 128 px" named none of them, where unreadable files are named (a datasets
    pass): the first three are, under their side's folder."""
    write_images(tmp_path / "trainA", FEW_IMAGES, size=(130, 130))
    write_images(tmp_path / "trainA" / "small", 5, size=(40, 40))
    write_images(tmp_path / "trainB", FEW_IMAGES, size=(130, 130))
    assert Library.inspect(entry_for(tmp_path)).problems == [
        "5 image(s) in A are smaller than 128 px and will be upscaled (small/img_000.png, small/img_001.png, "
        "small/img_002.png, …)"]


def test_many_unreadable_files_are_one_line_and_no_thumbnail(tmp_path):
    """Twelve broken files made twelve problem lines that pushed the pictures off the page at 1024x700, and twelve
    broken thumbnails first in a grid of 17 under a tab saying "(5)" (a datasets pass)."""
    write_images(tmp_path / "trainA", 5)
    write_images(tmp_path / "trainB", FEW_IMAGES)
    for n in range(12):
        (tmp_path / "trainA" / f"bad_{n:02d}.png").write_bytes(b"not a picture")
    report = Library.inspect(entry_for(tmp_path))
    assert report.problems[1] == ("12 files in A cannot be read and are left out (bad_00.png, bad_01.png, bad_02.png, "
                                  "…): not an image this app can read (damaged, or another kind of file)")
    (tmp_path / "trainA" / "bad_00.png").unlink()
    os.mkfifo(tmp_path / "trainA" / "bad_00.png")  # of two reasons: each file's said
    assert Library.inspect(entry_for(tmp_path)).problems[1] == (
        "12 files in A cannot be read and are left out (bad_00.png: not a regular file (a pipe, a device or a "
        "socket), so it is not read; bad_01.png: not an image this app can read (damaged, or another kind of file); "
        "bad_02.png: not an image this app can read (damaged, or another kind of file); …)")
    assert report.count_a == len(report.files_a) == 5 and not [p for p in report.files_a if p.name.startswith("bad")]
    assert report.unmatched_names and not [u for u in report.unmatched_names if "bad_" in u]  # said unreadable,
    # not "without a partner" again for pix2pix (a screenshot)
    # each named where the app can show it: nine of the twelve were named nowhere (a datasets pass)
    assert report.left_out == [("A", f"bad_{n:02d}.png", "not an image this app can read (damaged, or another kind "
                                "of file)") for n in range(12)]


def test_a_blank_side_named_like_the_other_is_said_as_it_is_called(tmp_path):
    """Side A left blank and B named "a" was refused as "both named ''" (a review)."""
    write_images(tmp_path / "trainA", 2)
    write_images(tmp_path / "trainB", 2)
    with pytest.raises(ValueError, match=r"both named 'A' \(a side left blank is called A or B\): give each side"):
        Library(tmp_path / "home").add_dataset("z", str(tmp_path), None, "", "a")


def test_the_same_folders_are_not_added_again_under_another_name(tmp_path):
    """A second dataset of the same two folders was added unsaid: two names for one set of pictures (a datasets
    pass). The sides swapped are another task, and are added."""
    library = Library(tmp_path / "home")
    write_images(tmp_path / "data" / "trainA", 2, size=(130, 130))
    write_images(tmp_path / "data" / "trainB", 2, size=(130, 130))
    library.add_dataset("day to night", tmp_path / "data")
    with pytest.raises(ValueError, match="these folders are the dataset 'day to night' already"):
        library.add_dataset("again", tmp_path / "data" / "trainA", tmp_path / "data" / "trainB")
    assert library.add_dataset("night to day", tmp_path / "data" / "trainB", tmp_path / "data" / "trainA")
    # copied into the library, they are a snapshot of a drive's folders, not a second name (a review)
    assert library.check_dataset("snapshot", tmp_path / "data", copying=True).name == "snapshot"
    write_images(tmp_path / "pairs" / "train", 2, size=(256, 128))
    library.add_dataset("pairs", tmp_path / "pairs")
    with pytest.raises(ValueError, match="the dataset 'pairs' already"):
        library.add_dataset("pairs again", tmp_path / "pairs")
    assert [e.name for e in library.datasets()] == ["day to night", "night to day", "pairs"]


def test_one_folder_picked_for_both_sides_is_said_to_be_one_folder(tmp_path):
    """A folder picked for A and for B got its name guessed for both sides and was refused as "the two sides are
    both named 'horses'": renaming a side only led to the next refusal (a datasets pass)."""
    library = Library(tmp_path / "home")
    write_images(tmp_path / "horses", 2)
    with pytest.raises(ValueError, match="folders A and B are the same folder"):
        library.check_dataset("h", tmp_path / "horses", tmp_path / "horses", "horses", "horses")


def test_a_list_entry_missing_a_field_is_said_in_words(tmp_path):
    """An entry without folder_b was said to be damaged "(DatasetEntry.__init__() missing 1 required positional
    argument: 'folder_b')" (a datasets pass)."""
    import json

    library = Library(tmp_path / "home")
    library.manifest.parent.mkdir(parents=True, exist_ok=True)
    library.manifest.write_text(json.dumps([{"name": "x", "folder_a": "/a"}]))
    with pytest.raises(ValueError, match=r"is damaged and cannot be read \(an entry has no 'folder_b'\)") as caught:
        library.datasets()
    assert "__init__" not in str(caught.value)
    for row, said in (("name folder_a folder_b", '"name folder_a folder_b"'), (None, "null"), (5, "5")):
        library.manifest.write_text(json.dumps([row]))  # "an entry has no 'name'", or Python's words
        with pytest.raises(ValueError, match=rf"\(an entry is {said}, not a mapping of its name and folders\)"):
            library.datasets()


def test_photos_of_kinds_it_cannot_read_are_said_to_be_left_out_of_training(tmp_path):
    """HEIC photos beside JPEGs were left out of the dataset's counts unsaid (a CLI hostile pass)."""
    write_images(tmp_path / "trainA", FEW_IMAGES, size=(130, 130))
    write_images(tmp_path / "trainB", FEW_IMAGES, size=(130, 130))
    for name in ("IMG_1.HEIC", "IMG_2.heic", "raw.CR2"):
        (tmp_path / "trainB" / name).write_bytes(b"not for Pillow")
    report = Library.inspect(entry_for(tmp_path))
    assert report.count_b == FEW_IMAGES
    assert report.problems == ["3 photo(s) in B are of kinds this app cannot read (Canon raw, HEIC) and are left out: "
                               "save them as JPEG or PNG to train on them"]
    assert [f for _, f, _ in report.left_out] == ["IMG_1.HEIC", "IMG_2.heic", "raw.CR2"]


def test_a_damaged_dataset_list_is_set_aside_whole_and_an_empty_one_starts(tmp_path):
    """"Move it aside to start an empty list" was said, and no way to was offered; every dataset added was refused
    on the damaged file (a crash pass). Nothing is deleted: each damaged list is kept under a name of its own."""
    library = Library(tmp_path / "home")
    library.manifest.parent.mkdir(parents=True)
    for n, text in enumerate(('[{"name": "x", "fold', "\0\0\0"), start=1):
        library.manifest.write_text(text)
        with pytest.raises(ValueError, match="is damaged"):
            library.datasets()
        kept = library.set_aside_damaged_list()
        assert kept.name == ("datasets.damaged.json" if n == 1 else "datasets.damaged-2.json")
        assert kept.read_text() == text and library.datasets() == []
    write_images(tmp_path / "a", 2)
    write_images(tmp_path / "b", 2)
    library.add_dataset("again", tmp_path / "a", tmp_path / "b")
    with pytest.raises(ValueError, match="reads: nothing to set aside"):
        library.set_aside_damaged_list()
    assert [e.name for e in library.datasets()] == ["again"]
