"""What the inference core is asked (a crop and a task prompt) and what it answers."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from PIL import Image

from ocrvl.errors import OptionsError
from ocrvl.models.prompting import TASK_PROMPTS

FinishReason = Literal["stop", "length", "repetition", "error"]


@dataclass(frozen=True)
class RecognitionRequest:
    """One crop to read: a PIL image or an RGB uint8 array (as pages hold them).

    prompt: the task prompt itself (``"OCR:"``, ``"Table Recognition:"``, ...; ``TASK_PROMPTS`` by task).
    max_new_tokens: this request's generation limit; None takes the engine's default.
    min_pixels / max_pixels: the resize limits of this crop; None takes the checkpoint's.
    """

    image: Image.Image | np.ndarray
    prompt: str = TASK_PROMPTS["ocr"]
    id: Hashable = None
    max_new_tokens: int | None = None
    min_pixels: int | None = None
    max_pixels: int | None = None

    def __post_init__(self) -> None:
        for name in ("max_new_tokens", "min_pixels", "max_pixels"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise OptionsError(f"request {self.id!r}: {name} must be at least 1, not {value}")


@dataclass(frozen=True)
class RecognitionResult:
    """The answer to one request.

    finish_reason: ``stop`` (end of sequence), ``length`` (max_new_tokens reached), ``repetition`` (a loop
    was cut; the text keeps the repeated unit once) or ``error`` (``error`` says what went wrong; nothing
    was generated).
    """

    id: Hashable
    text: str
    token_ids: list[int] = field(repr=False)
    finish_reason: FinishReason
    prompt_tokens: int = 0
    image_patches: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.finish_reason != "error"
