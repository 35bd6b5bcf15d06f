"""Key/value cache the decoder writes into; the inference core owns its lifetime and batch rows."""

from __future__ import annotations

import torch


class KVCache:
    """Per-layer keys and values, (batch, kv_heads, length, head_dim), in buffers that grow by doubling.

    A forward pass writes each layer's new entries after the committed ``length`` and the model calls
    ``advance`` once all layers are written, so every layer sees the same past.
    """

    def __init__(self, num_layers: int):
        self._keys: list[torch.Tensor | None] = [None] * num_layers
        self._values: list[torch.Tensor | None] = [None] * num_layers
        self.length = 0

    def update(self, layer: int, keys: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        end = self.length + keys.shape[2]
        self._keys[layer] = _write(self._keys[layer], keys, self.length, end)
        self._values[layer] = _write(self._values[layer], values, self.length, end)
        return self._keys[layer][:, :, :end], self._values[layer][:, :, :end]

    def advance(self, steps: int) -> None:
        self.length += steps

    def keep_rows(self, rows: torch.Tensor | list[int]) -> None:
        """Drop every batch row not in ``rows`` (finished sequences), keeping the order given."""
        index = torch.as_tensor(rows, dtype=torch.long)
        self._keys = [None if k is None else k.index_select(0, index.to(k.device)) for k in self._keys]
        self._values = [None if v is None else v.index_select(0, index.to(v.device)) for v in self._values]


def _write(buffer: torch.Tensor | None, new: torch.Tensor, start: int, end: int) -> torch.Tensor:
    if buffer is None or buffer.shape[2] < end:
        capacity = max(end, 2 * (0 if buffer is None else buffer.shape[2]), 64)
        grown = new.new_empty(*new.shape[:2], capacity, new.shape[3])
        if buffer is not None:
            grown[:, :, :start] = buffer[:, :, :start]
        buffer = grown
    buffer[:, :, start:end] = new
    return buffer
