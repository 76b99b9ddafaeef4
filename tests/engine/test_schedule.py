import pytest

from engine.train import Trainer
from tests.conftest import tiny_config


def test_lr_constant_then_linear_decay(tiny_dataset, tmp_path):
    # 5 A images -> 5 steps per epoch at batch 1; 2 constant epochs then 3 decaying.
    trainer = Trainer(tiny_config(tiny_dataset, tmp_path / "run", epochs=2, epochs_decay=3, lr=1e-3))
    assert trainer.steps_per_epoch == 5 and trainer.total_steps == 25
    lrs = {}
    trainer.run(lambda e: lrs.__setitem__(e.step, e.lr) if hasattr(e, "lr") else None)
    # LR seen after step s has been taken; the epoch boundary steps the scheduler.
    assert lrs[1] == pytest.approx(1e-3)
    assert lrs[9] == pytest.approx(1e-3)
    assert lrs[10] == pytest.approx(1e-3 * (1 - 1 / 4))   # entering epoch 2 (first decay epoch)
    assert lrs[15] == pytest.approx(1e-3 * (1 - 2 / 4))
    assert lrs[20] == pytest.approx(1e-3 * (1 - 3 / 4))
    assert lrs[24] == pytest.approx(1e-3 * (1 - 3 / 4))


def test_factor_matches_reference_rule():
    from engine.train import lr_factor

    f = lr_factor(100, 100)
    assert f(0) == 1.0 and f(99) == 1.0
    assert f(100) == pytest.approx(1 - 1 / 101)
    assert f(199) == pytest.approx(1 / 101)


def test_step_counted_schedule_for_time_boxed_presets(tiny_dataset, tmp_path):
    """--steps 8: constant for 4 steps, then linear towards zero, whatever the dataset size."""
    trainer = Trainer(tiny_config(tiny_dataset, tmp_path / "run", steps=8, lr=1e-3))
    assert trainer.total_steps == 8
    lrs = {}
    trainer.run(lambda e: lrs.__setitem__(e.step, e.lr) if hasattr(e, "lr") else None)
    assert lrs[3] == pytest.approx(1e-3)
    assert [round(lrs[s] / 1e-3, 4) for s in (4, 5, 6, 7)] == [0.8, 0.6, 0.4, 0.2]
