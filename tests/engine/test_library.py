"""Library.inspect: the advice a dataset gets before training."""

from engine.library import FEW_IMAGES, DatasetEntry, Library
from tests.conftest import write_images


def entry_for(root) -> DatasetEntry:
    return DatasetEntry("d", str(root / "trainA"), str(root / "trainB"), "A", "B")


def test_few_photos_get_advice_and_enough_get_none(tmp_path):
    write_images(tmp_path / "trainA", FEW_IMAGES - 1, size=(130, 130))
    write_images(tmp_path / "trainB", FEW_IMAGES, size=(130, 130))
    report = Library.inspect(entry_for(tmp_path))
    assert (report.count_a, report.count_b) == (FEW_IMAGES - 1, FEW_IMAGES)
    assert report.problems == [f"few images (A: {FEW_IMAGES - 1}): with fewer than {FEW_IMAGES} different "
                               "photos a side, models tend to learn what the photos show rather than the change"]
