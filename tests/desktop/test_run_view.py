"""The sample history of a run: its slider and the Latest button say what they can do."""

from desktop.widgets.run_view import SampleHistory
from tests.conftest import write_images


def test_latest_is_offered_only_while_an_older_grid_is_shown(qtbot, tmp_path):
    history = SampleHistory()
    qtbot.addWidget(history)
    assert not history.latest_button.isEnabled()  # no samples yet: it was enabled and did nothing

    history.set_grids(write_images(tmp_path / "one", 1))
    assert not history.latest_button.isEnabled()  # the one grid there is is the newest

    grids = write_images(tmp_path / "samples", 3)
    for i, path in enumerate(grids):
        path.rename(path.with_name(f"step_{(i + 1) * 10}.png"))
    history.set_grids(sorted((tmp_path / "samples").iterdir(), key=lambda p: int(p.stem.split("_")[1])))
    assert history.step_label.text() == "Step 30" and not history.latest_button.isEnabled()
    history.slider.setValue(0)
    assert history.latest_button.isEnabled() and history.step_label.text() == "Step 10 (1 of 3)"
    history.latest_button.click()
    assert history.step_label.text() == "Step 30" and not history.latest_button.isEnabled()

    history.clear()
    assert not history.latest_button.isEnabled() and history.step_label.text() == "No samples yet"
