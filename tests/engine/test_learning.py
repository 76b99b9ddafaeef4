"""Does training learn? A synthetic unpaired task with a known answer.

A: bright random shapes. B: *other* bright shapes, colour-inverted (T(x) = 255 - x). After a
short seeded run with the paper's losses, G_A(a) must be much closer to T(a) than a is.
"""

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from engine import ModelConfig, TrainConfig, Trainer
from engine.data import make_transform


def shapes(rng: np.random.Generator, size: int = 32) -> Image.Image:
    colour = lambda: tuple(int(v) for v in rng.integers(110, 256, 3))  # noqa: E731
    img = Image.new("RGB", (size, size), colour())
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(2, 5))):
        x0, y0 = (int(v) for v in rng.integers(0, size - 8, 2))
        w, h = (int(v) for v in rng.integers(6, size // 2, 2))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x0 + w, y0 + h], fill=colour())
    return img


def invert(img: Image.Image) -> Image.Image:
    return Image.fromarray(255 - np.asarray(img))


def psnr(x: torch.Tensor, y: torch.Tensor) -> float:
    """Mean PSNR in dB of images in [-1, 1] (peak-to-peak 2)."""
    mse = ((x - y) ** 2).mean(dim=(1, 2, 3))
    return (10 * torch.log10(4 / mse)).mean().item()


@pytest.mark.slow  # 14 s: in make test-slow, for make test's ten minutes
def test_generator_learns_the_hidden_mapping(tmp_path):
    rng = np.random.default_rng(0)
    for side, make in (("trainA", lambda: shapes(rng)), ("trainB", lambda: invert(shapes(rng)))):
        (tmp_path / side).mkdir()
        for i in range(64):
            make().save(tmp_path / side / f"{i:02d}.png")
    tests = [shapes(rng) for _ in range(16)]  # never seen in training

    config = TrainConfig(data=str(tmp_path), out=str(tmp_path / "run"), model=ModelConfig(blocks=2, ngf=16, ndf=16),
                         preprocess="crop", crop_size=32, load_size=32, batch_size=4, max_steps=200,
                         workers=0, log_every=50, sample_every=0, seed=0)
    trainer = Trainer(config)
    trainer.run()

    to_tensor = make_transform("none", 0, 0, False, train=False)
    a = torch.stack([to_tensor(t) for t in tests])
    target = torch.stack([to_tensor(invert(t)) for t in tests])
    with torch.no_grad():
        translated = trainer.model.G_A(a)
    before, after = psnr(a, target), psnr(translated, target)
    # Measured: identity 6.3 dB, trained 13.3 dB. Require a clear 4 dB margin.
    assert after > before + 4, (before, after)
