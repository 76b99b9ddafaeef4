"""What every method shares: declared names, optimisers with loss scaling, weight averaging, checkpoints.

A method (CycleGAN, pix2pix) is a :class:`TranslationModel` that declares, once, the names
that drive everything around it, as the reference implementation's BaseModel does with
``loss_names``/``visual_names``/``model_names``, but typed and without global options:

* ``loss_names``: what :meth:`train_step` returns, in the order logs and plots show them;
* ``sample_names`` and ``sample_columns``: the panels of a sample grid, row by row;
* ``net_names``: the networks a checkpoint holds;
* :meth:`export_name`: which generator translates a direction (what a model file holds).

The :class:`~engine.train.Trainer` owns the loop, the schedule, the speed plan, logging,
checkpoints and events, and reads these names; it never touches a network by name.
"""

from __future__ import annotations

import copy
from typing import Callable, Mapping

import torch
from torch import nn

from ..config import TrainConfig
from ..speed import SpeedPlan


def set_requires_grad(nets: list[nn.Module], flag: bool) -> None:
    for net in nets:
        for p in net.parameters():
            p.requires_grad_(flag)


LOSS_WEIGHTS = ("lambda_cycle", "lambda_identity", "lambda_l1")  # the settings losses_trained reads


class TranslationModel:
    paired: bool = False  # trains on pairs (the same picture in both domains) rather than two folders
    loss_names: tuple[str, ...] = ()
    # How the app's plot names the losses (D_A, G_A, cycle_A... said nothing to a new user): rows of a legend, each
    # headed by what its losses belong to, a short label for each loss within its row, and a sentence for each.
    # "{a}" and "{b}" stand for the names of the input and output sides.
    loss_rows: tuple[tuple[str, tuple[str, ...]], ...] = ()
    loss_labels: dict[str, str] = {}
    loss_meanings: dict[str, str] = {}
    sample_names: tuple[str, ...] = ()
    sample_columns: int = 3
    net_names: tuple[str, ...] = ()
    generator_names: tuple[str, ...] = ()  # the networks that translate (averaged with --ema)

    @classmethod
    def losses_trained(cls, weights: Mapping[str, float]) -> tuple[str, ...]:
        """The losses that train the model with these ``weights`` (LOSS_WEIGHTS, from a config or a form): one
        weighed 0 is logged as 0, a flat line that looks like a perfect score on a plot."""
        return cls.loss_names

    def __init__(self, config: TrainConfig, device: torch.device, speed: SpeedPlan):
        self.config, self.device, self.speed = config, device, speed
        with torch.random.fork_rng(devices=[]):  # initialisation from the seed, whatever ran before
            torch.manual_seed(config.seed)
            self.nets: dict[str, nn.Module] = self.build_nets()
        for net in self.nets.values():
            net.to(device, memory_format=speed.memory_format)
        # Weight averaging (Polyak/EMA) damps the oscillation of GAN training in what is shown
        # and exported; the training itself is unchanged.
        self.ema_nets: dict[str, nn.Module] = {}
        if config.ema:
            self.ema_nets = {f"{n}_ema": copy.deepcopy(self.nets[n]).requires_grad_(False)
                             for n in self.generator_names}
        fused = {"fused": True} if speed.fused_adam else {}
        self.optimizers = {name: torch.optim.Adam(params, lr=config.lr, betas=(config.beta1, config.beta2), **fused)
                           for name, params in self.parameter_groups().items()}
        fp16 = speed.amp_dtype == torch.float16  # bf16 has fp32's range and needs no loss scaling
        self.scalers = {name: torch.amp.GradScaler(device.type, enabled=fp16) for name in self.optimizers}
        self.nonfinite = torch.zeros((), dtype=torch.bool, device=device)

    # ---------------------------------------------------------- to declare
    def build_nets(self) -> dict[str, nn.Module]:
        raise NotImplementedError

    def parameter_groups(self) -> dict[str, list]:
        """Optimiser name -> the parameters it updates (one Adam each, one schedule each)."""
        raise NotImplementedError

    def train_step(self, real_A: torch.Tensor, real_B: torch.Tensor) -> dict[str, torch.Tensor]:
        """One optimisation step; returns ``loss_names`` as detached 0-d tensors (no host sync)."""
        raise NotImplementedError

    def fit_to_data(self, dataset) -> None:
        """Before the first step of a new run: set what is computed from the data rather than
        learned from scratch (nothing, unless a method says otherwise)."""

    def translate_samples(self, preview: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """``sample_names`` -> images in [-1, 1], for the fixed preview batch."""
        raise NotImplementedError

    @staticmethod
    def export_name(config: TrainConfig, direction: str) -> str | None:
        """The generator that translates ``direction``, or None if this run does not learn it."""
        raise NotImplementedError

    # ------------------------------------------------------------- shared
    def __getattr__(self, name: str):
        nets = self.__dict__.get("nets", {})
        if name in nets:  # model.G_A, model.D_B: the paper's names
            return nets[name]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def distribute(self, wrap: Callable[[nn.Module], nn.Module]) -> None:
        """Wrap the modules that run forward and backward in training (DistributedDataParallel)."""

    def compile(self) -> None:
        """torch.compile the modules the training step calls."""

    def step_optimizer(self, name: str, loss: torch.Tensor) -> None:
        """Backward and update of one optimiser, with fp16 loss scaling when the speed plan uses it."""
        optimizer, scaler = self.optimizers[name], self.scalers[name]
        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    def watch(self, *losses: torch.Tensor) -> None:
        """Remember, without waiting for the device, whether a loss went NaN or infinite."""
        self.nonfinite |= ~torch.isfinite(sum(loss.detach() for loss in losses))

    @torch.no_grad()
    def update_averages(self) -> None:
        for name in self.generator_names:
            if f"{name}_ema" in self.ema_nets:
                averaged = list(self.ema_nets[f"{name}_ema"].parameters())
                torch._foreach_lerp_(averaged, list(self.nets[name].parameters()), 1.0 - self.config.ema)

    def generator(self, name: str) -> nn.Module:
        """The generator to show or export: its weight average when ``ema`` is on."""
        return self.ema_nets.get(f"{name}_ema", self.nets[name])

    @torch.no_grad()
    def samples(self, preview: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The sample panels, with the generators in inference mode (as conversion runs them)."""
        generators = [self.generator(n) for n in self.generator_names]
        modes = [g.training for g in generators]
        for g in generators:
            g.eval()
        try:
            return self.translate_samples({k: v.to(self.device) for k, v in preview.items()})
        finally:
            for g, mode in zip(generators, modes):
                g.train(mode)

    # -------------------------------------------------------- checkpoints
    def state_dict(self) -> dict:
        """This model's part of a checkpoint (the trainer adds step, schedules and random state)."""
        return {"nets": {**{n: self.nets[n].state_dict() for n in self.net_names},
                         **{n: net.state_dict() for n, net in self.ema_nets.items()}},
                **{f"opt_{n}": opt.state_dict() for n, opt in self.optimizers.items()},
                **{f"scaler_{n}": s.state_dict() for n, s in self.scalers.items()}}

    def load_state_dict(self, state: dict) -> None:
        for name, sd in state["nets"].items():
            if name.endswith("_ema") and name not in self.ema_nets:
                continue  # averaged weights of a run now continued without averaging
            (self.ema_nets.get(name) or self.nets[name]).load_state_dict(sd)
        for name, opt in self.optimizers.items():
            opt.load_state_dict(state[f"opt_{name}"])
        for name, scaler in self.scalers.items():
            if state.get(f"scaler_{name}"):  # absent in older checkpoints; empty when loss scaling is off
                scaler.load_state_dict(state[f"scaler_{name}"])
