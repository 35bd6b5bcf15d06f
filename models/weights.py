"""Parameter names: the two checkpoint layouts on disk and ocrvl's own module tree.

- ``native``: transformers' ``PaddleOCRVLForConditionalGeneration.save_pretrained`` (``model.visual...``,
  ``model.projector...``, ``model.language_model...``), routed experts stacked into 3-D tensors.
- ``original``: the PaddleOCR-VL release (``visual...``, ``mlp_AR...``, ``model...``), routed experts one
  module each. It also carries tensors inference never reads (a packing position table, a pooling head).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import torch

NATIVE = "native"
ORIGINAL = "original"

_PREFIXES = {
    NATIVE: (
        ("model.visual.vision_model.encoder.layers.", "vision.layers."),
        ("model.visual.vision_model.", "vision."),
        ("model.projector.", "projector."),
        ("model.language_model.", "text."),
        ("lm_head.", "lm_head."),
    ),
    ORIGINAL: (
        ("visual.vision_model.encoder.layers.", "vision.layers."),
        ("visual.vision_model.", "vision."),
        ("mlp_AR.", "projector."),
        ("model.", "text."),
        ("lm_head.", "lm_head."),
    ),
}
UNUSED = ("vision.embeddings.packing_position_embedding.", "vision.head.")
_EXPERT_KEY = re.compile(r"^(?P<mlp>.*\.mlp\.experts)\.(?P<index>\d+)\.(?P<proj>gate_proj|up_proj|down_proj)\.weight$")


def detect_layout(keys: list[str] | set[str]) -> str:
    if any(k.startswith(("model.language_model.", "model.visual.")) for k in keys):
        return NATIVE
    if any(k.startswith(("visual.", "mlp_AR.")) for k in keys):
        return ORIGINAL
    return NATIVE


def to_ocrvl(state: Mapping[str, torch.Tensor], layout: str) -> tuple[dict[str, torch.Tensor], list[str]]:
    """Rename a checkpoint's tensors to ocrvl's names; returns them and the names that matched no rule."""
    renamed: dict[str, torch.Tensor] = {}
    unknown: list[str] = []
    experts: dict[str, dict[str, dict[int, torch.Tensor]]] = {}
    for key, tensor in state.items():
        name = _rename(key, _PREFIXES[layout])
        if name is None:
            unknown.append(key)
            continue
        if name.startswith(UNUSED):
            continue
        name = name.replace(".mlp.moe_statics.", ".mlp.gate.moe_statics.")
        match = _EXPERT_KEY.match(name)
        if match:
            experts.setdefault(match["mlp"], {}).setdefault(match["proj"], {})[int(match["index"])] = tensor
            continue
        renamed[name] = tensor
    for prefix, projections in experts.items():
        renamed.update(_stack_experts(prefix, projections))
    return renamed, unknown


def from_ocrvl(state: Mapping[str, torch.Tensor], layout: str) -> dict[str, torch.Tensor]:
    """ocrvl's tensors under a checkpoint layout's names (used to write checkpoints)."""
    out: dict[str, torch.Tensor] = {}
    for name, tensor in state.items():
        key = _unrename(name, layout)
        if layout == ORIGINAL and name.endswith(("mlp.experts.gate_up_proj", "mlp.experts.down_proj")):
            out.update(_split_experts(key, tensor))
        else:
            out[key] = tensor
    return out


def _rename(key: str, rules: tuple[tuple[str, str], ...]) -> str | None:
    """Apply the first rule whose prefix matches; rules are ordered most specific first."""
    for source, target in rules:
        if key.startswith(source):
            return target + key[len(source):]
    return None


def _unrename(name: str, layout: str) -> str:
    original = _rename(name, tuple((target, source) for source, target in _PREFIXES[layout]))
    if original is None:
        raise KeyError(name)
    return original


def _stack_experts(prefix: str, projections: dict[str, dict[int, torch.Tensor]]) -> dict[str, torch.Tensor]:
    def stacked(proj: str) -> torch.Tensor:
        by_index = projections[proj]
        return torch.stack([by_index[i] for i in sorted(by_index)])

    return {
        f"{prefix}.gate_up_proj": torch.cat([stacked("gate_proj"), stacked("up_proj")], dim=1),
        f"{prefix}.down_proj": stacked("down_proj"),
    }


def _split_experts(key: str, tensor: torch.Tensor) -> dict[str, torch.Tensor]:
    base = key.rsplit(".", 1)[0]
    out = {}
    for index, expert in enumerate(tensor):
        if key.endswith("gate_up_proj"):
            gate, up = expert.chunk(2, dim=0)
            out[f"{base}.{index}.gate_proj.weight"] = gate.contiguous()
            out[f"{base}.{index}.up_proj.weight"] = up.contiguous()
        else:
            out[f"{base}.{index}.down_proj.weight"] = expert.contiguous()
    return out
