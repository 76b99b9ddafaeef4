"""Every preset is a configuration the engine accepts, for the method it names."""

import pytest

from engine.config import TrainConfig, from_dict, to_dict
from engine.nets import count_parameters, make_generator
from engine.presets import METHOD_DEFAULTS, PRESETS, apply_preset, presets_for


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_every_preset_validates_and_names_its_method(key):
    config = from_dict(TrainConfig, apply_preset(to_dict(TrainConfig(data="d", out="o")), key))
    config.validate()
    assert config.method == PRESETS[key].method and PRESETS[key] in presets_for(config.method)
    assert PRESETS[key].expected and PRESETS[key].trade_off


def test_pix2pix_alone_starts_from_the_papers_recipe():
    config = from_dict(TrainConfig, apply_preset(to_dict(TrainConfig()), METHOD_DEFAULTS["pix2pix"]))
    assert (config.model.generator, config.model.norm, config.model.dropout) == ("unet_256", "batch", True)
    assert (config.gan_mode, config.lambda_l1, config.pool_size) == ("vanilla", 100.0, 0)
    assert count_parameters(make_generator(config.model)) == 54_413_955


@pytest.mark.parametrize("first", sorted(PRESETS))
@pytest.mark.parametrize("then", sorted(PRESETS))
def test_a_preset_is_the_same_recipe_whatever_it_is_applied_over(first, then):
    """``--config`` of a Quick run with ``--preset paper`` kept Quick's colour start, norm none, 34 px critic and
    Kaiming init; over pix2pix-quick's, pix2pix-paper kept its residual ResNet. Data, names and output stay."""
    base = to_dict(TrainConfig(data="mine", out="runs/x", name_a="day", name_b="night", seed=7))
    over_another = apply_preset(apply_preset(base, first), then)
    assert over_another == apply_preset(base, then)
    assert (over_another["data"], over_another["name_b"], over_another["seed"]) == ("mine", "night", 7)


def test_a_speed_measurement_can_be_stopped_between_steps(tiny_dataset, tmp_path):
    """Closing the app waited for the Train page's measurement: three Paper steps, seconds each on a CPU."""
    from engine.estimate import seconds_per_step
    from engine.events import Control, Stopped
    from tests.conftest import tiny_config

    config = tiny_config(tiny_dataset, tmp_path / "run")
    control = Control()
    control.stop()
    with pytest.raises(Stopped):
        seconds_per_step(config, control=control)
    assert seconds_per_step(config, control=Control()) > 0


def test_a_long_first_step_on_a_cpu_is_the_measurement(tiny_dataset, tmp_path):
    """Three Paper steps (38 s each here) held a core for two minutes at each start, and Start waited for the one in
    progress (a new-user pass): a first step past the limit is taken as the measurement, the others not run."""
    import time

    from engine.estimate import seconds_per_step
    from tests.conftest import tiny_config

    config = tiny_config(tiny_dataset, tmp_path / "run", device="cpu")
    seconds_per_step(config, steps=1)  # torch's first use in this process, paid here
    began = time.perf_counter()
    per_step = seconds_per_step(config, steps=500, long_step_s=0.0)  # 500 steps would take far longer
    assert time.perf_counter() - began < 3 * per_step + 2.0


def test_a_duration_past_a_year_is_said_in_years():
    """999,999,999 steps typed into Steps read "≈ 37093.1 days" (a Train page pass)."""
    from engine.estimate import describe_duration

    assert [describe_duration(s) for s in (30, 1800, 7200, 3 * 86400)] == ["30 s", "30 min", "2.0 h", "3.0 days"]
    assert describe_duration(37093.1 * 86400) == "101.6 years"
