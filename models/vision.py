"""NaViT-style vision encoder and the projector that turns its patches into language-model tokens.

Images of any size are packed into one sequence of patches with no padding. Each image keeps its own
learned position embeddings (the square table resized to its grid) and its own 2-D rotary positions,
and attention never crosses from one image into another.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import ModelConfig, VisionConfig
from .layers import RotaryFrequencies, activation, rotate_half


class VisionEmbeddings(nn.Module):
    def __init__(self, config: VisionConfig):
        super().__init__()
        self.patch_embedding = nn.Conv2d(
            config.num_channels, config.hidden_size, kernel_size=config.patch_size, stride=config.patch_size
        )
        self.grid_side = config.image_size // config.patch_size
        self.position_embedding = nn.Embedding(self.grid_side**2, config.hidden_size)

    def forward(self, patches: torch.Tensor, grids: list[tuple[int, int, int]]) -> torch.Tensor:
        """``patches``: (num_patches, channels, patch, patch), images one after another in raster order."""
        weight = self.patch_embedding.weight
        embeddings = self.patch_embedding(patches.to(weight.dtype)).flatten(1)
        positions = torch.cat([self.resized_positions(h, w).repeat(t, 1) for t, h, w in grids])
        return embeddings + positions.to(embeddings.dtype)

    def resized_positions(self, height: int, width: int) -> torch.Tensor:
        """The position table bilinearly resized (half-pixel centres, edges clamped) to a height x width grid."""
        table = self.position_embedding.weight
        square = table.float().reshape(self.grid_side, self.grid_side, -1).permute(2, 0, 1)[None]
        resized = F.interpolate(square, size=(height, width), mode="bilinear", align_corners=False)
        return resized[0].permute(1, 2, 0).reshape(height * width, -1)


class VisionRotary(RotaryFrequencies):
    """2-D rotary positions: a quarter of the head rotates with the row, a quarter with the column, mirrored."""

    def __init__(self, config: VisionConfig):
        super().__init__(config.head_dim // 2, config.rope_theta)

    def forward(self, grids: list[tuple[int, int, int]]) -> tuple[torch.Tensor, torch.Tensor]:
        device = self.inv_freq.device
        rows, cols = [], []
        for t, h, w in grids:
            rows.append(torch.arange(h, device=device).repeat_interleave(w).repeat(t))
            cols.append(torch.arange(w, device=device).repeat(h * t))
        row_angles = torch.cat(rows)[:, None].float() * self.inv_freq
        col_angles = torch.cat(cols)[:, None].float() * self.inv_freq
        angles = torch.cat([row_angles, col_angles], dim=-1)
        angles = torch.cat([angles, angles], dim=-1)
        return angles.cos(), angles.sin()


class VisionAttention(nn.Module):
    def __init__(self, config: VisionConfig):
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.head_dim = config.head_dim
        size = config.hidden_size
        self.q_proj = nn.Linear(size, size)
        self.k_proj = nn.Linear(size, size)
        self.v_proj = nn.Linear(size, size)
        self.out_proj = nn.Linear(size, size)

    def forward(self, x: torch.Tensor, rotary: tuple[torch.Tensor, torch.Tensor], lengths: list[int]) -> torch.Tensor:
        n = x.shape[0]
        q = self.q_proj(x).view(n, self.num_heads, self.head_dim)
        k = self.k_proj(x).view(n, self.num_heads, self.head_dim)
        v = self.v_proj(x).view(n, self.num_heads, self.head_dim)
        q, k = _rotate_vision(q, k, *rotary)
        # (1, heads, patches, head_dim): CPU SDPA takes its fused kernel only for 4-D inputs.
        q, k, v = (t.transpose(0, 1)[None] for t in (q, k, v))
        pieces = [
            F.scaled_dot_product_attention(qi, ki, vi)
            for qi, ki, vi in zip(q.split(lengths, 2), k.split(lengths, 2), v.split(lengths, 2))
        ]
        out = torch.cat(pieces, dim=2)[0].transpose(0, 1).reshape(n, -1)
        return self.out_proj(out)


def _rotate_vision(q: torch.Tensor, k: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor):
    # Rotation in fp32 whatever the model dtype, as the reference does.
    cos, sin = cos[:, None, :], sin[:, None, :]
    qf, kf = q.float(), k.float()
    q_rot = qf * cos + rotate_half(qf) * sin
    k_rot = kf * cos + rotate_half(kf) * sin
    return q_rot.to(q.dtype), k_rot.to(k.dtype)


class VisionMLP(nn.Module):
    def __init__(self, config: VisionConfig):
        super().__init__()
        self.fc1 = nn.Linear(config.hidden_size, config.intermediate_size)
        self.fc2 = nn.Linear(config.intermediate_size, config.hidden_size)
        self.act = activation(config.hidden_act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class VisionLayer(nn.Module):
    def __init__(self, config: VisionConfig):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.self_attn = VisionAttention(config)
        self.layer_norm2 = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.mlp = VisionMLP(config)

    def forward(self, x: torch.Tensor, rotary: tuple[torch.Tensor, torch.Tensor], lengths: list[int]) -> torch.Tensor:
        x = x + self.self_attn(self.layer_norm1(x), rotary, lengths)
        return x + self.mlp(self.layer_norm2(x))


class VisionEncoder(nn.Module):
    def __init__(self, config: VisionConfig):
        super().__init__()
        self.embeddings = VisionEmbeddings(config)
        self.layers = nn.ModuleList(VisionLayer(config) for _ in range(config.num_hidden_layers))
        self.rotary = VisionRotary(config)
        self.post_layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, patches: torch.Tensor, grids: list[tuple[int, int, int]]) -> torch.Tensor:
        """Patch features, (num_patches, hidden), for the images described by ``grids`` (t, h, w) in order."""
        x = self.embeddings(patches, grids)
        rotary = self.rotary(grids)
        lengths = [h * w for t, h, w in grids for _ in range(t)]
        for layer in self.layers:
            x = layer(x, rotary, lengths)
        return self.post_layernorm(x)


class Projector(nn.Module):
    """Merges each 2x2 block of patches into one token of the language model's width."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.merge = config.vision.spatial_merge_size
        width = config.vision.hidden_size * self.merge**2
        self.pre_norm = nn.LayerNorm(config.vision.hidden_size, eps=1e-5)
        self.linear_1 = nn.Linear(width, width)
        self.act = nn.GELU()
        self.linear_2 = nn.Linear(width, config.text.hidden_size)

    def forward(self, features: torch.Tensor, grids: list[tuple[int, int, int]]) -> torch.Tensor:
        m = self.merge
        merged = []
        for image, (t, h, w) in zip(features.split([t * h * w for t, h, w in grids]), grids):
            x = self.pre_norm(image).reshape(t, h // m, m, w // m, m, -1).transpose(2, 3)
            merged.append(x.reshape(t * (h // m) * (w // m), -1))
        return self.linear_2(self.act(self.linear_1(torch.cat(merged))))
