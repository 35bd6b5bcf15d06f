"""Where the recognizer runs and in which precision; one code path for every device."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from ocrvl.errors import EngineUnavailableError

from .options import InferenceOptions

# CPU features with native bf16 matrix arithmetic; without them bf16 matmuls are emulated and slow.
NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


@dataclass(frozen=True)
class Placement:
    device: torch.device
    dtype: torch.dtype

    @property
    def precision(self) -> str:
        return next(name for name, dtype in DTYPES.items() if dtype == self.dtype)

    def describe(self) -> str:
        threads = f", {torch.get_num_threads()} threads" if self.device.type == "cpu" else ""
        return f"{self.device} {self.precision}{threads}"


def cpu_flags() -> set[str]:
    """Feature flags of this CPU (Linux); empty where they cannot be read."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def cpu_has_native_bf16(flags: set[str] | None = None) -> bool:
    flags = cpu_flags() if flags is None else flags
    return any(flag in flags for flag in NATIVE_BF16_FLAGS)


def resolve_placement(options: InferenceOptions, flags: set[str] | None = None) -> Placement:
    """The device and dtype the options ask for; applies the CPU thread count."""
    if options.device == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(options.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise EngineUnavailableError(f"device {options.device!r} was asked for, but torch sees no CUDA device")
    if options.precision == "auto":
        native = device.type == "cuda" or cpu_has_native_bf16(flags)
        dtype = torch.bfloat16 if native else torch.float32
    else:
        dtype = DTYPES[options.precision]
    if device.type == "cpu" and options.threads:
        torch.set_num_threads(options.threads)
    return Placement(device, dtype)
