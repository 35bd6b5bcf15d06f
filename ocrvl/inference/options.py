"""Options of the inference core: device, precision, threads, batch limits, generation limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from ocrvl.errors import OptionsError

DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16")
# PaddleOCR-VL's own generation limit; a dense table needs well over 2 000 tokens.
DEFAULT_MAX_NEW_TOKENS = 4096


@dataclass(frozen=True)
class RepetitionLimits:
    """When a sequence counts as caught in a loop.

    The last tokens repeat one unit of at most ``max_period`` tokens at least ``min_repeats`` times and
    over at least ``min_span`` tokens. The defaults leave dot leaders, empty table rows and short
    repeated words alone and stop a runaway loop long before ``max_new_tokens``.
    """

    max_period: int = 64
    min_repeats: int = 12
    min_span: int = 128

    def __post_init__(self) -> None:
        if self.max_period < 1 or self.min_repeats < 2 or self.min_span < 2:
            raise OptionsError("repetition limits: max_period >= 1, min_repeats >= 2 and min_span >= 2")


@dataclass(frozen=True)
class InferenceOptions:
    """How the recognizer runs.

    device: ``auto`` (CUDA when available, else CPU), ``cpu`` or ``cuda`` (``cuda:N`` for one GPU).
    precision: ``auto`` (bf16 on CUDA and on CPUs with native bf16 matrix instructions, fp32 elsewhere:
        on AVX2-only CPUs bf16 is several times slower), ``fp32`` or ``bf16``.
    threads: CPU threads for torch (0: torch's default, one per physical core).
    max_batch_size: sequences decoded together; a finished one leaves and a waiting one joins at once.
    max_batch_patches: vision patches encoded in one packed call (a larger crop goes alone).
    max_new_tokens: default generation limit of a request.
    repetition: when to stop a sequence caught in a loop; None never stops one early.
    """

    device: str = "auto"
    precision: str = "auto"
    threads: int = 0
    max_batch_size: int = 16
    max_batch_patches: int = 16384
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS
    repetition: RepetitionLimits | None = field(default_factory=RepetitionLimits)

    def __post_init__(self) -> None:
        if self.device.split(":")[0] not in DEVICES:
            raise OptionsError(f"unknown device {self.device!r}: use auto, cpu, cuda or cuda:N")
        if self.precision not in PRECISIONS:
            raise OptionsError(f"unknown precision {self.precision!r}: use {', '.join(PRECISIONS)}")
        if self.threads < 0:
            raise OptionsError("threads must be 0 (torch's default) or more")
        if self.max_batch_size < 1 or self.max_batch_patches < 1 or self.max_new_tokens < 1:
            raise OptionsError("max_batch_size, max_batch_patches and max_new_tokens must be at least 1")
