"""The methods the engine trains, by the name a config gives (``TrainConfig.method``)."""

from __future__ import annotations

from ..config import TrainConfig
from .base import LOSS_WEIGHTS, TranslationModel
from .cyclegan import CycleGAN
from .pix2pix import Pix2Pix

METHODS: dict[str, type[TranslationModel]] = {"cyclegan": CycleGAN, "pix2pix": Pix2Pix}


def method_class(config: TrainConfig) -> type[TranslationModel]:
    return METHODS[config.method]


def build_model(config: TrainConfig, device, speed) -> TranslationModel:
    return method_class(config)(config, device, speed)


def learnt_directions(config: TrainConfig) -> tuple[str, ...]:
    """The directions a run can translate, as its method exports them: CycleGAN both, pix2pix the one it learnt."""
    return tuple(d for d in ("AtoB", "BtoA") if method_class(config).export_name(config, d) is not None)


__all__ = ["LOSS_WEIGHTS", "METHODS", "CycleGAN", "Pix2Pix", "TranslationModel", "build_model", "learnt_directions",
           "method_class"]
