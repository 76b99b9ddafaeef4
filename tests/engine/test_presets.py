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
