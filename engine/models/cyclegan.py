"""CycleGAN (Zhu et al. 2017): two generators and two discriminators learn from unpaired folders.

G_A: A->B and G_B: B->A are trained to fool D_A (which judges domain B) and D_B (domain A),
to reconstruct their input through the other generator (cycle loss, weight lambda_cycle), and
to leave an image already in their target domain unchanged (identity loss, weight
lambda_identity x lambda_cycle). The discriminators learn from real images and from a
history pool of 50 fakes, their loss halved, with least-squares targets (LSGAN).
"""

from __future__ import annotations

import logging
from typing import Mapping

import torch
from torch import nn

from ..augment import augment
from ..config import TrainConfig
from ..losses import GANLoss, cycle_loss, identity_loss
from ..nets import build_discriminator, build_generator
from ..pool import ImagePool
from ..starts import fit_start, gather
from .base import TranslationModel, set_requires_grad

log = logging.getLogger(__name__)


class CycleGenerators(nn.Module):
    """G_A: A->B and G_B: B->A, run together so DDP sees one forward per backward.

    The translation and the identity mapping of each generator run as one batch
    (instance norm is per image, so this equals two separate calls, with fewer launches).
    """

    def __init__(self, G_A: nn.Module, G_B: nn.Module):
        super().__init__()
        self.G_A, self.G_B = G_A, G_B

    def forward(self, real_A: torch.Tensor, real_B: torch.Tensor, identity: bool):
        if identity:
            fake_B, idt_A = together(self.G_A, real_A, real_B)
            fake_A, idt_B = together(self.G_B, real_B, real_A)
        else:
            fake_B, fake_A, idt_A, idt_B = self.G_A(real_A), self.G_B(real_B), None, None
        rec_A = self.G_B(fake_B)
        rec_B = self.G_A(fake_A)
        return fake_B, rec_A, fake_A, rec_B, idt_A, idt_B


class CycleDiscriminators(nn.Module):
    """D_A judges domain B (real B vs G_A's fakes); D_B judges domain A."""

    def __init__(self, D_A: nn.Module, D_B: nn.Module):
        super().__init__()
        self.D_A, self.D_B = D_A, D_B

    def forward(self, real_A, real_B, fake_A, fake_B):
        real_b, fake_b = together(self.D_A, real_B, fake_B)
        real_a, fake_a = together(self.D_B, real_A, fake_A)
        return real_b, fake_b, real_a, fake_a


def together(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``net(x), net(y)`` as one batch where the two are the same size (instance norm is per image, so it is
    the same result with fewer launches); apart where they are not (preprocess "none" keeps each picture's size,
    and a batch of A and B pictures of different sizes stopped the first step)."""
    if x.shape[1:] != y.shape[1:] or uses_batch_statistics(net):  # batch norm would mix real and fake statistics
        return net(x), net(y)
    return net(torch.cat([x, y])).split([x.shape[0], y.shape[0]])


def uses_batch_statistics(net: nn.Module) -> bool:
    """Whether ``net`` normalises by its batch (``norm`` or ``d_norm`` batch): its inputs cannot share a batch."""
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in net.modules())


class CycleGAN(TranslationModel):
    loss_names = ("D_A", "G_A", "cycle_A", "idt_A", "D_B", "G_B", "cycle_B", "idt_B")
    loss_rows = (("{a} → {b}", ("G_A", "D_A", "cycle_A", "idt_A")),
                 ("{b} → {a}", ("G_B", "D_B", "cycle_B", "idt_B")))
    loss_labels = {"G_A": "translator", "D_A": "judge", "cycle_A": "round trip", "idt_A": "left alone",
                   "G_B": "translator", "D_B": "judge", "cycle_B": "round trip", "idt_B": "left alone"}
    loss_meanings = {
        "D_A": "The judge of {b}: how often it mistakes real pictures of {b} and translated ones. A balance with the "
               "{a} → {b} translator, not a number to push down.",
        "G_A": "The {a} → {b} translator: how far its pictures are from passing the judge of {b} as real.",
        "cycle_A": "{a} → {b} → {a}: how far the round trip is from the original picture (lower keeps "
                   "the content).",
        "idt_A": "How much the {a} → {b} translator changes a picture of {b} it is given (it should leave it alone).",
        "D_B": "The judge of {a}: how often it mistakes real pictures of {a} and translated ones. A balance with the "
               "{b} → {a} translator, not a number to push down.",
        "G_B": "The {b} → {a} translator: how far its pictures are from passing the judge of {a} as real.",
        "cycle_B": "{b} → {a} → {b}: how far the round trip is from the original picture (lower keeps "
                   "the content).",
        "idt_B": "How much the {b} → {a} translator changes a picture of {a} it is given (it should leave it alone).",
    }
    sample_names = ("real_A", "fake_B", "rec_A", "real_B", "fake_A", "rec_B")
    sample_columns = 3
    net_names = ("G_A", "G_B", "D_A", "D_B")
    generator_names = ("G_A", "G_B")

    @classmethod
    def losses_trained(cls, weights: Mapping[str, float]) -> tuple[str, ...]:
        off = {"cycle_": weights["lambda_cycle"] == 0,  # identity is weighed as a share of the cycle's weight
               "idt_": weights["lambda_cycle"] * weights["lambda_identity"] == 0}
        return tuple(n for n in cls.loss_names if not any(n.startswith(p) and o for p, o in off.items()))

    def __init__(self, config: TrainConfig, device, speed):
        super().__init__(config, device, speed)
        self.pool_A = ImagePool(config.pool_size, config.seed + 1)
        self.pool_B = ImagePool(config.pool_size, config.seed + 2)
        self.gan_loss = GANLoss(config.gan_mode)
        self.generators = CycleGenerators(self.G_A, self.G_B)
        self.discriminators = CycleDiscriminators(self.D_A, self.D_B)
        self._train_G, self._train_D = self.generators, self.discriminators
        self._judge_A, self._judge_B = self.D_A, self.D_B  # the discriminators inside the generator step

    def build_nets(self) -> dict[str, nn.Module]:
        m = self.config.model
        G_A, G_B = build_generator(m), build_generator(m)
        D_A, D_B = build_discriminator(m), build_discriminator(m)
        return {"G_A": G_A, "G_B": G_B, "D_A": D_A, "D_B": D_B}

    def fit_to_data(self, dataset) -> None:
        """With ``colour affine`` or ``detail``: start G_A as the colour (and local-contrast) transfer A->B
        and G_B as B->A, fitted on whole pictures at the scale training sees them (engine/starts.py)."""
        c = self.config
        if c.model.colour == "none" and not c.model.detail:
            return
        stats = gather(dataset, c.load_size if c.preprocess == "resize_and_crop" else None, c.model.detail)
        for name, source, target in (("G_A", "A", "B"), ("G_B", "B", "A")):
            log.info("%s starts as %s", name, fit_start(self.nets[name], stats[source], stats[target]))
            if f"{name}_ema" in self.ema_nets:
                self.ema_nets[f"{name}_ema"].load_state_dict(self.nets[name].state_dict())

    def parameter_groups(self) -> dict[str, list]:
        return {"G": [*self.G_A.parameters(), *self.G_B.parameters()],
                "D": [*self.D_A.parameters(), *self.D_B.parameters()]}

    @staticmethod
    def export_name(config: TrainConfig, direction: str) -> str | None:
        return {"AtoB": "G_A", "BtoA": "G_B"}.get(direction)

    def distribute(self, wrap) -> None:
        self._train_G, self._train_D = wrap(self.generators), wrap(self.discriminators)

    def compile(self) -> None:
        self._train_G, self._train_D = torch.compile(self._train_G), torch.compile(self._train_D)
        self._judge_A, self._judge_B = torch.compile(self.D_A), torch.compile(self.D_B)

    def train_step(self, real_A: torch.Tensor, real_B: torch.Tensor) -> dict[str, torch.Tensor]:
        """One step of both generators, then both discriminators (paper, sec. 3-4)."""
        c = self.config
        fmt = self.speed.memory_format
        real_A = real_A.to(self.device, non_blocking=True).contiguous(memory_format=fmt)
        real_B = real_B.to(self.device, non_blocking=True).contiguous(memory_format=fmt)
        w_cyc, w_idt = c.lambda_cycle, c.lambda_cycle * c.lambda_identity
        use_idt = w_idt > 0

        # Generators: fool the (frozen) discriminators, reconstruct, and keep identities.
        set_requires_grad([self.D_A, self.D_B], False)
        with self.speed.autocast(self.device):
            fake_B, rec_A, fake_A, rec_B, idt_A, idt_B = self._train_G(real_A, real_B, use_idt)
            loss_G_A = self.gan_loss(self._judge_A(augment(fake_B, c.d_augment)), True)
            loss_G_B = self.gan_loss(self._judge_B(augment(fake_A, c.d_augment)), True)
            loss_cycle_A = cycle_loss(rec_A, real_A, w_cyc)
            loss_cycle_B = cycle_loss(rec_B, real_B, w_cyc)
            zero = real_A.new_zeros(())
            loss_idt_A = identity_loss(idt_A, real_B, w_idt) if use_idt else zero
            loss_idt_B = identity_loss(idt_B, real_A, w_idt) if use_idt else zero
            loss_G = loss_G_A + loss_G_B + loss_cycle_A + loss_cycle_B + loss_idt_A + loss_idt_B
        self.step_optimizer("G", loss_G)
        self.update_averages()

        # Discriminators: real vs. a mix of new and historical fakes, halved as in the paper.
        # The pool keeps fp32 images, so checkpoints do not depend on the precision used.
        set_requires_grad([self.D_A, self.D_B], True)
        pooled_B = self.pool_B.query(fake_B.detach().float())
        pooled_A = self.pool_A.query(fake_A.detach().float())
        with self.speed.autocast(self.device):
            real_b, fake_b, real_a, fake_a = self._train_D(*(augment(x, c.d_augment)
                                                             for x in (real_A, real_B, pooled_A, pooled_B)))
            loss_D_A = 0.5 * (self.gan_loss(real_b, True) + self.gan_loss(fake_b, False))
            loss_D_B = 0.5 * (self.gan_loss(real_a, True) + self.gan_loss(fake_a, False))
        self.step_optimizer("D", loss_D_A + loss_D_B)

        self.watch(loss_G, loss_D_A, loss_D_B)
        losses = {"D_A": loss_D_A, "G_A": loss_G_A, "cycle_A": loss_cycle_A, "idt_A": loss_idt_A,
                  "D_B": loss_D_B, "G_B": loss_G_B, "cycle_B": loss_cycle_B, "idt_B": loss_idt_B}
        return {k: v.detach() for k, v in losses.items()}

    def translate_samples(self, preview: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        G_A, G_B = self.generator("G_A"), self.generator("G_B")
        real_A, real_B = preview["A"], preview["B"]
        fake_B, fake_A = G_A(real_A), G_B(real_B)
        return {"real_A": real_A, "fake_B": fake_B, "rec_A": G_B(fake_B),
                "real_B": real_B, "fake_A": fake_A, "rec_B": G_A(fake_A)}

    def state_dict(self) -> dict:
        return {**super().state_dict(), "pool_A": self.pool_A.state_dict(), "pool_B": self.pool_B.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.pool_A.load_state_dict(state["pool_A"], self.device)
        self.pool_B.load_state_dict(state["pool_B"], self.device)
