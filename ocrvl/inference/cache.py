"""The decoder's key/value cache for continuous batching: one row ("slot") per running sequence.

Rows live in one buffer per layer, (slots, kv_heads, capacity, head_dim), each with its own length, so a
decode step writes one entry per row in place and attends over a view: nothing is copied per step.
Running sequences occupy rows 0..n-1; when one finishes, the last row moves into its place (one row
copied per finished sequence). The time axis grows by half when a row outgrows it.
"""

from __future__ import annotations

import torch

GROWTH_QUANTUM = 128


class SlotCache:
    def __init__(self, num_layers: int, slots: int, kv_heads: int, head_dim: int, dtype: torch.dtype,
                 device: torch.device):  # fmt: skip
        self.slots = slots
        self.lengths = [0] * slots
        self._shape = (slots, kv_heads, 0, head_dim)
        self._dtype, self._device = dtype, device
        self.keys = [self._empty(0) for _ in range(num_layers)]
        self.values = [self._empty(0) for _ in range(num_layers)]

    @property
    def capacity(self) -> int:
        return self.keys[0].shape[2]

    def _empty(self, capacity: int) -> torch.Tensor:
        slots, heads, _, dim = self._shape
        return torch.zeros(slots, heads, capacity, dim, dtype=self._dtype, device=self._device)

    def reserve(self, length: int) -> None:
        """Make room for ``length`` entries per row."""
        if length <= self.capacity:
            return
        capacity = max(length, self.capacity * 3 // 2)
        capacity = -(-capacity // GROWTH_QUANTUM) * GROWTH_QUANTUM
        used = max(self.lengths)
        for buffers in (self.keys, self.values):
            for layer, old in enumerate(buffers):
                grown = self._empty(capacity)
                grown[:, :, :used] = old[:, :, :used]
                buffers[layer] = grown

    def move(self, source: int, target: int) -> None:
        """Copy row ``source`` into row ``target`` (compaction after ``target`` finished)."""
        length = self.lengths[source]
        for buffers in (self.keys, self.values):
            for buffer in buffers:
                buffer[target, :, :length] = buffer[source, :, :length]
        self.lengths[target] = length
        self.lengths[source] = 0

    def release(self, row: int) -> None:
        self.lengths[row] = 0

    def clear(self) -> None:
        """Free every row (after a failed step dropped all running sequences)."""
        self.lengths = [0] * self.slots

    def prefill_view(self, row: int, length: int) -> PrefillView:
        self.reserve(length)
        return PrefillView(self, row)

    def decode_view(self, rows: int) -> DecodeView:
        """A view for one new token in each of rows 0..rows-1."""
        self.reserve(max(self.lengths[:rows]) + 1)
        return DecodeView(self, rows)


class PrefillView:
    """The cache as the model sees it while a prompt fills one row from position 0."""

    length = 0

    def __init__(self, cache: SlotCache, row: int):
        self.cache, self.row = cache, row

    def update(self, layer: int, keys: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        steps = keys.shape[2]
        self.cache.keys[layer][self.row, :, :steps] = keys[0]
        self.cache.values[layer][self.row, :, :steps] = values[0]
        return keys, values

    def advance(self, steps: int) -> None:
        self.cache.lengths[self.row] = steps


class DecodeView:
    """The cache as the model sees it during one decode step of rows 0..n-1.

    Row r writes its new entry at its own length; keys are read up to the longest row, and the caller's
    key mask hides each shorter row's unused tail.
    """

    def __init__(self, cache: SlotCache, rows: int):
        self.cache, self.rows = cache, rows
        lengths = cache.lengths[:rows]
        self.length = max(lengths)
        device = cache.keys[0].device
        self._row_index = torch.arange(rows, device=device)
        self._write_index = torch.tensor(lengths, device=device)

    def key_mask(self) -> torch.Tensor:
        """(rows, length + 1): True where a row has a real key, its new one included."""
        positions = torch.arange(self.length + 1, device=self._write_index.device)
        return positions[None, :] <= self._write_index[:, None]

    def update(self, layer: int, keys: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        key_buffer, value_buffer = self.cache.keys[layer], self.cache.values[layer]
        key_buffer[self._row_index, :, self._write_index] = keys[:, :, 0]
        value_buffer[self._row_index, :, self._write_index] = values[:, :, 0]
        end = self.length + 1
        return key_buffer[: self.rows, :, :end], value_buffer[: self.rows, :, :end]

    def advance(self, steps: int) -> None:
        for row in range(self.rows):
            self.cache.lengths[row] += steps
