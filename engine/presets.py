"""Named training recipes, shared by the CLI (``--preset``) and the app's Train page.

``paper`` is Zhu et al.'s recipe exactly. ``quick`` is for a CPU and minutes: each generator
is the global colour transfer between the two folders and then the change of local contrast
between them (both fitted in closed form before the first step, then kept), followed by a small
residual ResNet without normalisation, trained from batches of four 64 px crops judged by 34x34
discriminator patches for 600 steps (docs/quality.md: nine looks, two photo splits and their crops,
three seeds). Measured there, those steps change the start by about nothing on average, and learn no
local effect (halation's glow): what Quick gives is, in effect, the fitted transfer. ``pix2pix-paper`` is Isola et al.'s;
``pix2pix-quick`` learns from pairs in about ten minutes on a CPU (docs/quality.md, "Paired").
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    method: str = "cyclegan"
    train: dict = field(default_factory=dict)  # TrainConfig fields
    model: dict = field(default_factory=dict)  # ModelConfig fields
    expected: str = ""  # how much training it is; the time is measured on the machine at hand (engine/estimate.py)
    trade_off: str = ""  # what it gives up against the paper (the paper presets: that they are the paper's)


PRESETS = {
    "quick": Preset(
        "quick", "Quick: colour and clarity transfer", "cyclegan",
        # compile off: on an H100 it took 66 s before the first step to save 5 ms of 47 a step, 63 s lost over
        # 600 steps (make gpu-check, docs/performance.md); on a CPU "auto" never compiles anyway
        train=dict(crop_size=64, load_size=143, preprocess="resize_and_crop", steps=600, lr=2e-4,
                   lambda_identity=0.0, batch_size=4, ema=0.99, compile="off"),
        model=dict(blocks=3, ngf=16, ndf=64, d_layers=2, norm="none", d_norm="instance", init="kaiming",
                   upsample="resize", residual=True, colour="tones", detail=True),
        expected="600 steps of four 64 px crops",
        trade_off="for changes of colour, tone and clarity, not of shape: each generator is a colour transfer "
                  "(shadows and highlights apart) and a local-contrast transfer fitted to your two folders, then a "
                  "small network trained briefly on top, which learns no local effect such as a glow. It needs 20 "
                  "or more varied photos a side, alike in what they show"),
    "paper": Preset(
        "paper", "Paper: as published (GPU)", "cyclegan",
        train=dict(crop_size=256, load_size=286, preprocess="resize_and_crop", steps=0, epochs=100,
                   epochs_decay=100, lr=2e-4, lambda_identity=0.5, batch_size=1, ema=0.0),
        model=dict(blocks=9, ngf=64, ndf=64, upsample="transpose", residual=False),
        expected="200 epochs of 256 px crops: days on a CPU, about a day on one GPU for 1000 images",
        trade_off="the published recipe, for those with the time or a GPU"),
    "pix2pix-quick": Preset(
        "pix2pix-quick", "Paired quick: colour and texture", "pix2pix",
        train=dict(crop_size=64, load_size=143, preprocess="resize_and_crop", steps=4000, lr=2e-4, batch_size=4,
                   gan_mode="vanilla", lambda_l1=100.0, pool_size=0, lambda_identity=0.0, ema=0.999),
        model=dict(generator="resnet", blocks=6, ngf=32, ndf=64, d_layers=2, norm="none", d_norm="instance",
                   init="kaiming", dropout=False, residual=True, upsample="resize"),
        expected="4000 steps of four 64 px crops",
        trade_off="a small network that edits each picture rather than redrawing it (the paper's U-Net redraws): far "
                  "more precise in minutes for changes of colour, tone and texture; for changes of shape (sketches, "
                  "maps, labels to photos) use Paired paper"),
    "pix2pix-paper": Preset(
        "pix2pix-paper", "Paired paper: as published (GPU)", "pix2pix",
        train=dict(crop_size=256, load_size=286, preprocess="resize_and_crop", steps=0, epochs=100,
                   epochs_decay=100, lr=2e-4, batch_size=1, gan_mode="vanilla", lambda_l1=100.0, pool_size=0,
                   lambda_identity=0.0, ema=0.0),
        model=dict(generator="unet_256", ngf=64, ndf=64, d_layers=3, norm="batch", dropout=True, residual=False,
                   upsample="transpose"),
        expected="200 epochs: hours on one GPU for 400 pairs (the facades recipe), days on a CPU",
        trade_off="the published pix2pix recipe"),
}

# What ``--model pix2pix`` alone starts from: the method's published recipe, as the reference does.
METHOD_DEFAULTS = {"cyclegan": None, "pix2pix": "pix2pix-paper"}


def apply_preset(values: dict, key: str) -> dict:
    """``values`` (a TrainConfig as a dict) with the preset's recipe: every field that any preset sets is first put
    back to its default, so a recipe is exact whatever it is applied over (``--config`` of a Quick run with
    ``--preset paper`` kept Quick's colour start, its generator without normalisation and its 34 px critic)."""
    from .config import TrainConfig, to_dict

    preset, defaults = PRESETS[key], to_dict(TrainConfig())
    recipe_train, recipe_model = _recipe_fields()
    merged = {**values, **{name: defaults[name] for name in recipe_train}, **preset.train, "method": preset.method}
    merged["model"] = {**values.get("model", {}), **{name: defaults["model"][name] for name in recipe_model},
                       **preset.model}
    return merged


def preset_settings(key: str) -> dict:
    """The settings preset ``key`` fixes, train and model fields alike in one flat dict (as the command line names
    them), with its method: what a resumed run's own are compared with when its first command is given again."""
    from .config import TrainConfig, to_dict

    merged = apply_preset(to_dict(TrainConfig()), key)
    recipe_train, recipe_model = _recipe_fields()
    return {**{name: merged[name] for name in recipe_train}, **{name: merged["model"][name] for name in recipe_model},
            "method": merged["method"]}


def _recipe_fields() -> tuple[set[str], set[str]]:
    """The train and model fields that any preset sets: a recipe's, reset to their defaults before one is applied."""
    return ({name for p in PRESETS.values() for name in p.train}, {name for p in PRESETS.values() for name in p.model})


def presets_for(method: str) -> list[Preset]:
    return [p for p in PRESETS.values() if p.method == method]
