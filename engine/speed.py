"""Which speed paths a training run uses, decided once from the config and the device.

Each path is switchable (TrainConfig.channels_last / amp / compile) and on by default only
where it helps and keeps the numerics (docs/performance.md): on CUDA, channels_last, bf16
autocast, torch.compile and fused Adam; on the CPU none of them (channels_last measured 2 %
slower, bf16 slower in the backward, compile 4 % faster but minutes to compile).
The plain path (all off, losses read back every step) is what benchmarks compare against.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class SpeedPlan:
    channels_last: bool
    amp_dtype: torch.dtype | None
    compile: bool
    fused_adam: bool

    @property
    def memory_format(self) -> torch.memory_format:
        return torch.channels_last if self.channels_last else torch.contiguous_format

    def autocast(self, device: torch.device):
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device.type, dtype=self.amp_dtype)

    def describe(self) -> str:
        amp = {torch.bfloat16: "bf16", torch.float16: "fp16"}.get(self.amp_dtype, "fp32")
        parts = [amp, "channels_last" if self.channels_last else "NCHW"]
        if self.compile:
            parts.append("compiled")
        if self.fused_adam:
            parts.append("fused Adam")
        return ", ".join(parts)


def plan_speed(channels_last: str, amp: str, compile: str, device: torch.device) -> SpeedPlan:
    cuda = device.type == "cuda"
    if amp == "auto":
        dtype = torch.bfloat16 if cuda and torch.cuda.is_bf16_supported() else None
    else:
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "off": None}[amp]
    return SpeedPlan(channels_last=channels_last == "on" or (channels_last == "auto" and cuda), amp_dtype=dtype,
                     compile=compile == "on" or (compile == "auto" and cuda), fused_adam=cuda)
