"""What the decoder needs from a key/value cache. The inference core's slot cache hands the model views that are
one (``ocrvl.inference.cache``); so is the plain reference cache of the tests (``ocrvl.testing.reference``)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch


@runtime_checkable
class DecoderCache(Protocol):
    """Keys and values of the tokens already decoded, per layer, (batch, kv_heads, length, head_dim).

    ``length`` is how many positions are cached before this forward pass. Each attention layer hands ``update``
    its new entries and attends to what it returns (past and new); the model calls ``advance`` once every layer
    is written, so all layers see the same past.
    """

    length: int

    def update(self, layer: int, keys: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]: ...

    def advance(self, steps: int) -> None: ...
