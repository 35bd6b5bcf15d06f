"""ERNIE-4.5 decoder: RMSNorm, grouped-query attention with 3-D rotary positions, gated MLP or MoE per layer."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import TextConfig
from .kv_cache import DecoderCache
from .layers import Linear, RMSNorm, RotaryFrequencies, rotate_half
from .moe import GatedMLP, SparseMoE


class MultimodalRotary(RotaryFrequencies):
    """Rotary angles from three position axes (time, row, column).

    The frequency bands are split into ``mrope_section`` groups; group i takes its angle from axis i.
    For text all three axes carry the same position, which reduces to ordinary 1-D rotary.
    """

    def __init__(self, config: TextConfig):
        super().__init__(config.head_dim, config.rope_theta)
        self.sections = list(config.mrope_section)

    def forward(self, positions: torch.Tensor, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
        """``positions``: (3, batch, length) -> cos, sin of shape (batch, length, head_dim)."""
        angles = positions[..., None].float() * self.inv_freq
        bands = [chunk[axis % 3] for axis, chunk in enumerate(angles.split(self.sections, dim=-1))]
        angles = torch.cat(bands, dim=-1)
        angles = torch.cat([angles, angles], dim=-1)
        return angles.cos().to(dtype), angles.sin().to(dtype)


class TextAttention(nn.Module):
    def __init__(self, config: TextConfig, layer: int):
        super().__init__()
        self.layer = layer
        self.num_heads = config.num_attention_heads
        self.num_kv_heads = config.num_key_value_heads
        self.head_dim = config.head_dim
        hidden, bias = config.hidden_size, config.use_bias
        self.q_proj = Linear(hidden, self.num_heads * self.head_dim, bias=bias)
        self.k_proj = Linear(hidden, self.num_kv_heads * self.head_dim, bias=bias)
        self.v_proj = Linear(hidden, self.num_kv_heads * self.head_dim, bias=bias)
        self.o_proj = Linear(self.num_heads * self.head_dim, hidden, bias=bias)

    def forward(
        self,
        x: torch.Tensor,
        rotary: tuple[torch.Tensor, torch.Tensor],
        mask: torch.Tensor | None,
        cache: DecoderCache | None,
    ) -> torch.Tensor:
        batch, length, _ = x.shape
        q = self.q_proj(x).view(batch, length, self.num_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(batch, length, self.num_kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(batch, length, self.num_kv_heads, self.head_dim).transpose(1, 2)
        cos, sin = (t[:, None] for t in rotary)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            k, v = cache.update(self.layer, k, v)
        causal = mask is None and length > 1
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal, enable_gqa=True)
        return self.o_proj(out.transpose(1, 2).reshape(batch, length, -1))


class DecoderLayer(nn.Module):
    def __init__(self, config: TextConfig, layer: int):
        super().__init__()
        self.input_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.self_attn = TextAttention(config, layer)
        self.post_attention_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        if config.is_moe_layer(layer):
            self.mlp = SparseMoE(config.hidden_size, config.moe, config.hidden_act)
        else:
            self.mlp = GatedMLP(config.hidden_size, config.intermediate_size, config.hidden_act, config.use_bias)

    def forward(self, x, rotary, mask, cache):
        x = x + self.self_attn(self.input_layernorm(x), rotary, mask, cache)
        return x + self.mlp(self.post_attention_layernorm(x))


class TextModel(nn.Module):
    def __init__(self, config: TextConfig, pad_token_id: int = 0):
        super().__init__()
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=pad_token_id)
        self.layers = nn.ModuleList(DecoderLayer(config, i) for i in range(config.num_hidden_layers))
        self.norm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.rotary = MultimodalRotary(config)

    def forward(
        self,
        embeddings: torch.Tensor,
        positions: torch.Tensor,
        cache: DecoderCache | None = None,
        key_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Hidden states after the final norm.

        ``positions``: (3, batch, length). ``key_mask``: (batch, past + length), True where a key is a real
        token; None when no row is padded.
        """
        past = cache.length if cache is not None else 0
        mask = attention_mask(key_mask, embeddings.shape[1], past, embeddings.dtype)
        rotary = self.rotary(positions, embeddings.dtype)
        x = embeddings
        for layer in self.layers:
            x = layer(x, rotary, mask, cache)
        if cache is not None:
            cache.advance(embeddings.shape[1])
        return self.norm(x)


def attention_mask(key_mask: torch.Tensor | None, length: int, past: int, dtype: torch.dtype) -> torch.Tensor | None:
    """Additive (batch, 1, length, past + length) mask: causal, and blind to padded keys.

    Returns None when plain causal attention (or none at all, for one new token) is exact. A large finite
    negative keeps rows made only of padding from turning into NaN.
    """
    if key_mask is None and (past == 0 or length == 1):
        return None
    total = past + length
    device = key_mask.device if key_mask is not None else None
    allowed = torch.ones(length, total, dtype=torch.bool, device=device).tril(diagonal=past)[None, None]
    if key_mask is not None:
        allowed = allowed & key_mask[:, None, None, :].bool()
    blocked = torch.tensor(torch.finfo(dtype).min, dtype=dtype, device=device)
    return torch.where(allowed, torch.zeros((), dtype=dtype, device=device), blocked)
