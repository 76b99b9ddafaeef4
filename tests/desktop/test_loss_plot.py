"""The live loss plot: incremental smoothing, gaps, resumed runs, and speed at 10^5 points."""

import time

import numpy as np
import pytest

from desktop.widgets.loss_plot import LossPlot, ema
from engine.events import LOSS_NAMES


def _rows(steps, value=lambda s: 1.0 / (1 + s)):
    return [(s, {n: value(s) + i for i, n in enumerate(LOSS_NAMES)}) for s in steps]


def test_incremental_smoothing_equals_full_recompute(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    points = _rows(range(0, 300, 3))
    for start in range(0, len(points), 7):  # live updates arrive in small batches
        plot.extend(points[start:start + 7])
    live = plot._smoothed["G_A"].copy()
    plot.set_smoothing(plot._smoothing)  # full recompute
    np.testing.assert_allclose(live, plot._smoothed["G_A"], rtol=1e-12)
    assert plot.point_count() == 100


def test_missing_values_leave_a_gap_not_a_poisoned_curve():
    values = np.array([1.0, np.nan, 3.0, 3.0])
    out, _ = ema(values, 0.5)
    assert np.isnan(out[1])
    assert np.isfinite(out[[0, 2, 3]]).all()


def test_resumed_run_replaces_relogged_steps(qtbot):
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.extend(_rows(range(0, 100, 10)))
    plot.extend(_rows(range(50, 120, 10)))  # resumed from a checkpoint at step 50
    assert list(plot._steps) == list(range(0, 120, 10))


def test_live_update_at_100k_points_stays_fast(qtbot):
    """Eight curves of 10^5 points: a live update (append + redraw) must not stall the GUI."""
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(900, 500)
    plot.show()
    plot.extend(_rows(range(100_000)))
    plot.grab()
    times = []
    for k in range(5):
        t = time.perf_counter()
        plot.extend(_rows(range(100_000 + 10 * k, 100_000 + 10 * (k + 1))))
        plot.grab()  # paints synchronously
        times.append(time.perf_counter() - t)
    assert sorted(times)[2] < 0.25, times


def test_the_first_logged_step_is_a_dot_on_whole_non_negative_steps(qtbot):
    """One logged point drew no curve and an axis of "9.6 … 10.4"; a later run's axis went to -10."""
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(500, 300)
    plot.show()
    plot.extend(_rows([10]))
    qtbot.wait(50)
    (x0, x1), _ = plot.plot.viewRange()
    assert x0 == 0 and x1 >= 10
    assert plot.curves["G_A"].opts["symbol"] == "o"  # a dot where a line cannot be drawn yet
    axis = plot.plot.getAxis("bottom")
    for low, high in ((9.6, 10.4), (-10, 30), (0, 2), (0, 100000)):
        ticks = [v for _, values in axis.tickValues(low, high, 400) for v in values]
        assert ticks and all(v >= 0 and float(v).is_integer() for v in ticks), (low, high, ticks)
    plot.extend(_rows([20, 30]))
    assert plot.curves["G_A"].opts["symbol"] is None  # a line from the second point on


def test_a_cleared_plot_forgets_the_last_runs_axes(qtbot):
    """After Stop and Start the empty plot kept the old run's 10 to 100 steps until the new run's first point (a
    hostile GUI pass); and the new run's points are then in view."""
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(500, 300)
    plot.show()
    plot.extend(_rows(range(10, 101, 10), value=lambda s: 5.0 + s))
    qtbot.wait(50)
    plot.clear()
    qtbot.wait(50)
    (x0, x1), (y0, y1) = plot.plot.viewRange()
    assert x1 < 10 and y1 < 5
    plot.extend(_rows([1, 2, 3]))
    qtbot.wait(50)
    (x0, x1), (y0, y1) = plot.plot.viewRange()
    assert x0 <= 1 and 3 <= x1 < 10 and y0 <= 0.25 and y1 >= 1 + len(LOSS_NAMES) - 1.5


def test_a_log_scale_labels_one_two_and_five_of_each_decade_only(qtbot):
    """Losses between 0.3 and 2 on a log scale: "0.4", "0.5", ... "0.9", "1", "2" in 130 px, their labels drawn
    over each other (a Train page pass)."""
    import math

    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.log_scale.setChecked(True)
    axis = plot.plot.getAxis("left")
    levels = axis.tickValues(math.log10(0.3), math.log10(2.5), 130)
    shown = sorted(round(10 ** v, 6) for _, values in levels for v in values)
    assert shown == [0.5, 1.0, 2.0]


def _ema_by_loop(values, weight, state=(0.0, 0.0)):
    """The definition, one point at a time (what the plot computed before it was vectorised)."""
    out, (acc, norm) = values.copy(), state
    for i, v in enumerate(values):
        if v == v:
            acc, norm = weight * acc + (1 - weight) * v, weight * norm + (1 - weight)
            out[i] = acc / norm
    return out, (acc, norm)


def test_smoothing_matches_its_definition_at_every_weight_with_gaps_and_a_carried_state():
    rng = np.random.default_rng(0)
    values = np.exp(rng.normal(size=5000) * 3)  # losses over six decades
    values[rng.random(5000) < 0.1] = np.nan
    for weight in (0.01, 0.3, 0.6, 0.9, 0.99):
        for state in ((0.0, 0.0), (2.5, 0.7)):
            out, end = ema(values, weight, state)
            want, want_end = _ema_by_loop(values, weight, state)
            np.testing.assert_allclose(out, want, rtol=1e-9, equal_nan=True)
            np.testing.assert_allclose(end, want_end, rtol=1e-9)
    assert np.isnan(ema(np.array([np.nan, np.nan]), 0.5)[0]).all()
    huge = np.array([1e60, 2e60, 1e60] * 100)  # a diverged run's losses: finite, as the loop gives them
    np.testing.assert_allclose(ema(huge, 0.99)[0], _ema_by_loop(huge, 0.99)[0], rtol=1e-9)
    with pytest.raises(ValueError):
        ema(values, 1.0)


def test_moving_the_smoothing_slider_on_200k_logged_steps_is_quick(qtbot):
    """A Python loop took 0.7 s a move of the slider over eight curves of 200,000 points (a still-weak item)."""
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot._steps = np.arange(200_000, dtype=float)
    plot._values = {n: np.random.default_rng(1).random(200_000) for n in plot.names}
    times = []
    for weight in (0.5, 0.9, 0.99):
        t = time.perf_counter()
        plot.set_smoothing(weight)
        times.append(time.perf_counter() - t)
    assert sorted(times)[1] < 0.4, times  # 0.1 s here; 0.7 s a move with the loop


def test_the_plot_tells_a_screen_reader_its_name_and_last_losses(qtbot):
    """An unnamed "Client" to a screen reader, which learnt nothing of the curves (a keyboard pass)."""
    from desktop.widgets.loss_plot import LossPlot

    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.set_loss_names(("G_A", "D_A"))
    plot.append(50, {"G_A": 0.51234, "D_A": 0.25})
    assert plot.plot.accessibleName() == "Loss curves"
    assert plot.plot.accessibleDescription() == "Step 50: G_A 0.512, D_A 0.250"


def test_toggles_of_losses_no_longer_shown_disappear_at_once(qtbot):
    """Left to deleteLater alone, the last layout's toggles stayed drawn over the Smoothing slider where the layout
    changed in a wait (processEvents runs no deferred deletion): as a preset's identity weight of 0 changed it."""
    from PySide6.QtWidgets import QApplication, QCheckBox

    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.show()
    plot.set_loss_names(("a", "b", "c"), rows=[("x → y", ("a", "b", "c"))])
    plot.set_loss_names(("a", "b"), rows=[("x → y", ("a",)), ("y → x", ("b",))])
    QApplication.processEvents()  # as a wait does: the new boxes shown, no deferred deletion run
    shown = {box for box in plot.findChildren(QCheckBox) if box.isVisible()}
    assert shown == {*plot.toggles.values(), plot.log_scale}


def test_the_losses_are_said_in_the_legends_order_and_each_toggle_says_its_own_value(qtbot):
    """The plot is no Tab stop, so its description was never read; and it listed judge before translator, where
    the legend shows translator first (a keyboard pass)."""
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.set_loss_names(("D_A", "G_A"), labels={"D_A": "judge", "G_A": "translator"},
                        rows=[("x → y", ("G_A", "D_A"))])
    plot.append(5, {"G_A": 0.9, "D_A": 0.3146})
    assert plot.plot.accessibleDescription() == "Step 5: x → y: translator 0.900, x → y: judge 0.315"
    assert plot.toggles["D_A"].accessibleDescription() == "0.315 at step 5"
    plot.set_smoothing(0.25)
    assert plot.smooth.accessibleDescription() == "0.25"
