"""The plain reference decoder the batched inference core is checked against: a growing key/value cache and
greedy decoding of one (left-padded) batch, token by token. For tests, benchmarks and the parity suite."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ocrvl.models.model import Grid, PaddleOCRVL


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


@torch.inference_mode()
def generate_greedy(
    model: PaddleOCRVL,
    input_ids: torch.Tensor,
    patches: torch.Tensor | None,
    grids: Sequence[Grid],
    max_new_tokens: int,
    stop_ids: Sequence[int],
    key_mask: torch.Tensor | None = None,
) -> list[list[int]]:
    """Greedy decoding of a (left-padded) batch; returns each row's new tokens without the stop token."""
    image_tokens = torch.cat(model.encode_images(patches, grids)) if grids else None
    embeddings = model.embed(input_ids, image_tokens)
    positions, next_positions = model.rope_positions(input_ids, grids, key_mask)
    cache = KVCache(len(model.text.layers))
    logits = model(embeddings, positions, cache, key_mask, last_only=True)
    batch = input_ids.shape[0]
    outputs: list[list[int]] = [[] for _ in range(batch)]
    done = [False] * batch
    stop = set(stop_ids)
    for _ in range(max_new_tokens):
        tokens = logits[:, -1].argmax(-1)
        for row, token in enumerate(tokens.tolist()):
            if not done[row]:
                if token in stop:
                    done[row] = True
                else:
                    outputs[row].append(token)
        if all(done):
            break
        if key_mask is not None:
            key_mask = torch.cat([key_mask, key_mask.new_ones(batch, 1)], dim=1)
        step_positions = next_positions.view(1, batch, 1).expand(3, batch, 1)
        logits = model(model.text.embed_tokens(tokens[:, None]), step_positions, cache, key_mask)
        next_positions = next_positions + 1
    return outputs
