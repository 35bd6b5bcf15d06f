"""Options of the inference core: device, precision, threads, batch limits, generation limits."""

from __future__ import annotations

from dataclasses import dataclass

from ocrvl.errors import OptionsError
from ocrvl.flags import flag

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
    """How the recognizer runs; each field's help is in its ``metadata`` (``ocrvl.flags``)."""

    device: str = flag(
        "auto",
        f"Where the recognizer runs: {', '.join(DEVICES)} or cuda:N.",
        api="auto: CUDA when available, else CPU.",
    )
    precision: str = flag(
        "auto",
        "auto: bf16 on CUDA and on CPUs with native bf16 (AVX512-BF16/AMX), fp32 elsewhere.",
        choices=PRECISIONS,
        api="On AVX2-only CPUs bf16 is several times slower.",
    )
    threads: int = flag(0, "CPU threads (0: one per core).")
    max_batch_size: int = flag(
        16,
        "Sequences decoded together (continuous batching).",
        name="--batch-size",
        api="A finished one leaves and a waiting one joins at once.",
    )
    max_batch_patches: int = flag(16384, "Vision patches encoded in one packed call.", api="A larger crop goes alone.")
    max_new_tokens: int = flag(
        DEFAULT_MAX_NEW_TOKENS, "Generation limit per crop.", api="The default of a request; a request may set its own."
    )
    repetition: RepetitionLimits | None = flag(
        help="Do not stop sequences caught in a loop (they run to --max-new-tokens).",
        name="--no-repetition-guard",
        switch_off=True,
        default_factory=RepetitionLimits,
        api="When a sequence counts as caught in a loop (RepetitionLimits); None never stops one.",
    )

    def __post_init__(self) -> None:
        if self.device.split(":")[0] not in DEVICES:
            raise OptionsError(f"unknown device {self.device!r}: use auto, cpu, cuda or cuda:N")
        if self.precision not in PRECISIONS:
            raise OptionsError(f"unknown precision {self.precision!r}: use {', '.join(PRECISIONS)}")
        if self.threads < 0:
            raise OptionsError("threads must be 0 (torch's default) or more")
        if self.max_batch_size < 1 or self.max_batch_patches < 1 or self.max_new_tokens < 1:
            raise OptionsError("max_batch_size, max_batch_patches and max_new_tokens must be at least 1")
