"""Evaluate a model on paired test images: PSNR and SSIM of its outputs against ground truth.

CycleGAN trains on unpaired data, but when a dataset also has pairs (``testA/`` and, under
the same file names, ``testA_truth/``: how each test image should look in domain B), this
tells how close the translation really is, next to the untouched input as a baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .convert import Translator
from .data import list_images, load_image
from .metrics import psnr, ssim
from .modelfile import LoadedModel

TRUTH_SUFFIX = "_truth"


@dataclass
class Evaluation:
    images: list[dict] = field(default_factory=list)  # name, psnr, ssim, input_psnr, input_ssim

    def mean(self, key: str) -> float:
        return float(np.mean([row[key] for row in self.images])) if self.images else float("nan")

    def summary(self) -> str:
        return (f"{len(self.images)} image(s): PSNR {self.mean('psnr'):.2f} dB, SSIM {self.mean('ssim'):.4f} "
                f"(untouched input: PSNR {self.mean('input_psnr'):.2f} dB, SSIM {self.mean('input_ssim'):.4f})")


def truth_for(test_dir: str | Path) -> Path | None:
    """The ground-truth folder beside a test folder (``testA`` -> ``testA_truth``), if there is one."""
    if not test_dir:
        return None
    truth = Path(test_dir).with_name(Path(test_dir).name + TRUTH_SUFFIX)
    return truth if Path(test_dir).is_dir() and truth.is_dir() else None


def paired_test_folders(root: str | Path, side: str = "A") -> tuple[Path, Path] | None:
    """``(testA, testA_truth)`` under a dataset root, when both exist."""
    test = Path(root) / f"test{side}"
    truth = truth_for(test)
    return (test, truth) if truth else None


def evaluate(model: LoadedModel | Translator | str | Path, inputs: str | Path, truth: str | Path,
             device: str = "auto", direction: str = "AtoB") -> Evaluation:
    """Translate every image in ``inputs`` and compare it with the same-named file in ``truth``.

    ``model`` may be a model file, a run folder (with ``direction``), or ``demo``.
    """
    if isinstance(model, (str, Path)):
        from .modelfile import load_model

        model = load_model(model, direction)
    translator = model if isinstance(model, Translator) else Translator(model, device)
    inputs, truth = Path(inputs), Path(truth)
    truth_files = {p.stem: p for p in list_images(truth)}
    pairs = [(p, truth_files[p.stem]) for p in list_images(inputs) if p.stem in truth_files]
    if not pairs:
        raise ValueError(f"no image in {inputs} has a ground truth of the same name in {truth}")
    mode = "L" if translator.channels == 1 else "RGB"
    result = Evaluation()
    for source, target in pairs:
        image = np.array(load_image(source, translator.channels))
        expected = np.asarray(load_image(target, translator.channels).convert(mode))
        if expected.shape != image.shape:
            raise ValueError(f"{target.name} is {expected.shape[1]}x{expected.shape[0]} but {source.name} is "
                             f"{image.shape[1]}x{image.shape[0]}")
        batch = torch.from_numpy(image.reshape(image.shape[0], image.shape[1], -1)).permute(2, 0, 1)[None]
        output = translator(batch)[0].permute(1, 2, 0).numpy().reshape(image.shape)
        result.images.append({"name": source.name, "psnr": psnr(output, expected), "ssim": ssim(output, expected),
                              "input_psnr": psnr(image, expected), "input_ssim": ssim(image, expected)})
    return result
