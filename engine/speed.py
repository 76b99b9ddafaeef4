"""Which speed paths a training run uses, decided once from the config and the device.

Each path is switchable (TrainConfig.channels_last / amp / compile) and on by default only
where it helps and keeps the numerics (docs/performance.md): on CUDA, channels_last, bf16
autocast, torch.compile and fused Adam; on a CPU with native bf16 instructions (AVX512-BF16
or AMX), bf16 autocast in the NCHW layout (measured 0.59x the fp32 step time on a 2-core
EPYC; with channels_last it gains nothing). Elsewhere on the CPU none of them: channels_last
measured 2 % slower, compile 4 % faster but minutes to compile, and bf16 without native
instructions is emulated. The plain path (all off, losses read back every step) is what
benchmarks compare against.
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass
from pathlib import Path

import torch

from .config import can_compile


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


@functools.cache
def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes bf16 in hardware (x86 AVX512-BF16 or AMX), read from Linux's
    /proc/cpuinfo; elsewhere (or without oneDNN bf16) False, which keeps fp32."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return bool({"avx512_bf16", "amx_bf16"} & set(flags)) and torch.ops.mkldnn._is_mkldnn_bf16_supported()


def plan_speed(channels_last: str, amp: str, compile: str, device: torch.device) -> SpeedPlan:
    cuda = device.type == "cuda"
    if amp == "auto":
        if cuda:
            dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else None
        else:
            dtype = torch.bfloat16 if device.type == "cpu" and cpu_has_native_bf16() else None
    else:
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "off": None}[amp]
    return SpeedPlan(channels_last=channels_last == "on" or (channels_last == "auto" and cuda), amp_dtype=dtype,
                     compile=can_compile() and (compile == "on" or (compile == "auto" and cuda)), fused_adam=cuda)
