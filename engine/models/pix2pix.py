"""pix2pix (Isola et al. 2017): one generator learns from pairs, judged together with its input.

The generator G (a U-Net by default) maps the input to the output; the conditional PatchGAN D
sees the input and an output stacked (2C channels) and judges whether the pair is real. D
learns from the real pair and the generated one, its loss halved; G learns to fool D and to
stay close to the target in L1 (weight lambda_l1, 100 in the paper). No image pool: the
reference trains pix2pix's D on the newest fakes only. ``direction`` says which side of each
pair is the input.
"""

from __future__ import annotations

from typing import Mapping

import torch
from torch import nn
from torch.nn import functional as F

from ..augment import augment
from ..config import TrainConfig
from ..losses import GANLoss
from ..nets import build_discriminator, build_generator
from .base import TranslationModel, set_requires_grad


class PairJudge(nn.Module):
    """D on the generated pair and on the real one, as one module call.

    The reference calls D twice (batch norm sees each pair on its own); wrapping both calls in
    one forward keeps that and lets DistributedDataParallel see one forward per backward.
    """

    def __init__(self, D: nn.Module):
        super().__init__()
        self.D = D

    def forward(self, fake_pair: torch.Tensor, real_pair: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.D(fake_pair), self.D(real_pair)


class Pix2Pix(TranslationModel):
    paired = True
    loss_names = ("G_GAN", "G_L1", "D_real", "D_fake")
    loss_rows = (("{a} → {b}", ("G_GAN", "G_L1")), ("judge", ("D_real", "D_fake")))

    @classmethod
    def losses_trained(cls, weights: Mapping[str, float]) -> tuple[str, ...]:
        return tuple(n for n in cls.loss_names if n != "G_L1" or weights["lambda_l1"])
    loss_labels = {"G_GAN": "passing as real", "G_L1": "distance to the target", "D_real": "on real pairs",
                   "D_fake": "on translated pairs"}
    loss_meanings = {
        "G_GAN": "The {a} → {b} translator: how far its output is from passing the judge as the real picture of {b}.",
        "G_L1": "How far the output is from the real picture of {b}, pixel by pixel (lower is closer).",
        "D_real": "The judge's error on real pairs ({a} and real {b}). A balance with the translator, not a number "
                  "to push down.",
        "D_fake": "The judge's error on translated pairs ({a} and translated {b}). A balance with the translator, "
                  "not a number to push down.",
    }
    sample_names = ("input", "output", "target")
    sample_columns = 3
    net_names = ("G", "D")
    generator_names = ("G",)

    def __init__(self, config: TrainConfig, device, speed):
        super().__init__(config, device, speed)
        self.gan_loss = GANLoss(config.gan_mode)
        self.pair_judge = PairJudge(self.D)
        self._train_G, self._train_D = self.G, self.pair_judge
        self._judge = self.D  # D inside the generator step, its weights frozen

    def build_nets(self) -> dict[str, nn.Module]:
        m = self.config.model
        return {"G": build_generator(m), "D": build_discriminator(m, in_channels=2 * m.channels)}

    def parameter_groups(self) -> dict[str, list]:
        return {"G": list(self.G.parameters()), "D": list(self.D.parameters())}

    @staticmethod
    def export_name(config: TrainConfig, direction: str) -> str | None:
        return "G" if direction == config.direction else None

    def distribute(self, wrap) -> None:
        self._train_G, self._train_D = wrap(self.G), wrap(self.pair_judge)

    def compile(self) -> None:
        self._train_G, self._train_D = torch.compile(self._train_G), torch.compile(self._train_D)
        self._judge = torch.compile(self.D)

    def pair(self, real_A: torch.Tensor, real_B: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(input, target) of a batch of pairs, on the device in the planned memory format."""
        source, target = (real_A, real_B) if self.config.direction == "AtoB" else (real_B, real_A)
        fmt = self.speed.memory_format
        return (source.to(self.device, non_blocking=True).contiguous(memory_format=fmt),
                target.to(self.device, non_blocking=True).contiguous(memory_format=fmt))

    def train_step(self, real_A: torch.Tensor, real_B: torch.Tensor) -> dict[str, torch.Tensor]:
        """D on the real and the generated pair, then G against D plus L1 (the reference's order)."""
        c = self.config
        source, target = self.pair(real_A, real_B)
        with self.speed.autocast(self.device):
            output = self._train_G(source)

        set_requires_grad([self.D], True)
        with self.speed.autocast(self.device):
            fake_pair = augment(torch.cat([source, output.detach()], 1), c.d_augment)
            real_pair = augment(torch.cat([source, target], 1), c.d_augment)
            judged_fake, judged_real = self._train_D(fake_pair, real_pair)
            loss_D_fake = self.gan_loss(judged_fake, False)
            loss_D_real = self.gan_loss(judged_real, True)
            loss_D = 0.5 * (loss_D_fake + loss_D_real)
        self.step_optimizer("D", loss_D)

        set_requires_grad([self.D], False)
        with self.speed.autocast(self.device):
            loss_G_GAN = self.gan_loss(self._judge(augment(torch.cat([source, output], 1), c.d_augment)), True)
            loss_G_L1 = F.l1_loss(output, target) * c.lambda_l1
            loss_G = loss_G_GAN + loss_G_L1
        self.step_optimizer("G", loss_G)
        self.update_averages()

        self.watch(loss_G, loss_D)
        losses = {"G_GAN": loss_G_GAN, "G_L1": loss_G_L1, "D_real": loss_D_real, "D_fake": loss_D_fake}
        return {k: v.detach() for k, v in losses.items()}

    def translate_samples(self, preview: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        source, target = (preview["A"], preview["B"]) if self.config.direction == "AtoB" else (preview["B"],
                                                                                                 preview["A"])
        return {"input": source, "output": self.generator("G")(source), "target": target}
