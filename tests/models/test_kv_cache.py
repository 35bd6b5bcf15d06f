"""The reference key/value cache: decoding step by step equals one full pass; rows can be dropped; it and the
inference core's views are the cache the decoder is typed with."""

from __future__ import annotations

import torch

from ocrvl.testing.checkpoints import random_model, tiny_config
from ocrvl.testing.reference import KVCache


def text_positions(start, length, batch=1):
    return torch.arange(start, start + length).view(1, 1, -1).expand(3, batch, -1)


def test_step_by_step_decoding_equals_a_full_pass():
    """Long enough (70 tokens) for the cache buffers to grow past their first allocation."""
    model = random_model(tiny_config(), seed=1)
    ids = torch.tensor([[1] + [40 + i % 60 for i in range(69)]])
    with torch.inference_mode():
        full = model(model.text.embed_tokens(ids), text_positions(0, ids.shape[1]))
        cache = KVCache(len(model.text.layers))
        steps = [model(model.text.embed_tokens(ids[:, :4]), text_positions(0, 4), cache)]
        for i in range(4, ids.shape[1]):
            steps.append(model(model.text.embed_tokens(ids[:, i:i + 1]), text_positions(i, 1), cache))
    assert cache.length == ids.shape[1]
    assert (torch.cat(steps, dim=1) - full).abs().max() < 1e-4


def test_dropping_a_finished_row_leaves_the_others_unchanged():
    model = random_model(tiny_config(), seed=2)
    rows = torch.tensor([[1, 40, 41, 42], [1, 50, 51, 52]])
    with torch.inference_mode():
        cache = KVCache(len(model.text.layers))
        model(model.text.embed_tokens(rows), text_positions(0, 4, batch=2), cache)
        cache.keep_rows([1])
        kept = model(model.text.embed_tokens(torch.tensor([[60]])), text_positions(4, 1), cache)
        alone_cache = KVCache(len(model.text.layers))
        model(model.text.embed_tokens(rows[1:]), text_positions(0, 4), alone_cache)
        alone = model(model.text.embed_tokens(torch.tensor([[60]])), text_positions(4, 1), alone_cache)
    assert (kept - alone).abs().max() < 1e-5


def test_casting_to_bf16_keeps_rotary_frequencies_exact():
    """A bf16 model must rotate position 3000 as an fp32 one does, or long outputs drift."""
    model = random_model(tiny_config(), seed=3)
    exact = model.text.rotary(text_positions(3000, 4), torch.float32)
    model.to(torch.bfloat16)
    assert model.text.rotary.inv_freq.dtype == torch.float32
    assert model.vision.rotary.inv_freq.dtype == torch.float32
    cast = model.text.rotary(text_positions(3000, 4), torch.float32)
    assert all((a - b).abs().max() < 1e-6 for a, b in zip(exact, cast))
