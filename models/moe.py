"""ERNIE-4.5 mixture-of-experts MLP: softmax router, biased top-k selection, shared experts beside the routed ones."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import MoEConfig
from .layers import Linear, activation


class GatedMLP(nn.Module):
    def __init__(self, hidden: int, intermediate: int, act: str, bias: bool = False):
        super().__init__()
        self.gate_proj = Linear(hidden, intermediate, bias=bias)
        self.up_proj = Linear(hidden, intermediate, bias=bias)
        self.down_proj = Linear(intermediate, hidden, bias=bias)
        self.act = activation(act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(self.act(self.gate_proj(x)) * self.up_proj(x))


class RouterStatics(nn.Module):
    def __init__(self, num_experts: int):
        super().__init__()
        self.e_score_correction_bias = nn.Parameter(torch.zeros(1, num_experts), requires_grad=False)


class Router(nn.Module):
    """Chooses ``top_k`` experts per token; the correction bias moves the choice, not the weights."""

    def __init__(self, hidden: int, moe: MoEConfig):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(moe.num_experts, hidden))
        self.moe_statics = RouterStatics(moe.num_experts)
        self.top_k = moe.top_k
        self.norm_min = moe.norm_min

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        probs = F.softmax(F.linear(x.float(), self.weight.float()), dim=-1)
        biased = probs + self.moe_statics.e_score_correction_bias.float().squeeze(0)
        chosen = biased.topk(self.top_k, dim=-1).indices
        weights = probs.gather(-1, chosen)
        weights = weights / weights.sum(-1, keepdim=True).clamp(min=self.norm_min)
        return chosen, weights.to(x.dtype)


class Experts(nn.Module):
    """All routed experts' weights as stacked tensors: gate and up fused, then down."""

    def __init__(self, hidden: int, moe: MoEConfig, act: str):
        super().__init__()
        self.gate_up_proj = nn.Parameter(torch.empty(moe.num_experts, 2 * moe.intermediate_size, hidden))
        self.down_proj = nn.Parameter(torch.empty(moe.num_experts, hidden, moe.intermediate_size))
        self.act = activation(act)

    def forward(self, x: torch.Tensor, chosen: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        out = torch.zeros_like(x)
        for expert in chosen.unique().tolist():
            token, slot = (chosen == expert).nonzero(as_tuple=True)
            gate, up = F.linear(x[token], self.gate_up_proj[expert]).chunk(2, dim=-1)
            y = F.linear(self.act(gate) * up, self.down_proj[expert]) * weights[token, slot, None]
            out.index_add_(0, token, y.to(out.dtype))
        return out


class SparseMoE(nn.Module):
    def __init__(self, hidden: int, moe: MoEConfig, act: str):
        super().__init__()
        self.gate = Router(hidden, moe)
        self.experts = Experts(hidden, moe, act)
        self.shared_experts = (
            GatedMLP(hidden, moe.intermediate_size * moe.num_shared_experts, act) if moe.num_shared_experts else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        flat = x.reshape(-1, shape[-1])
        chosen, weights = self.gate(flat)
        out = self.experts(flat, chosen, weights)
        if self.shared_experts is not None:
            out = out + self.shared_experts(flat)
        return out.reshape(shape).to(x.dtype)
