"""Loading PaddleOCR-VL checkpoints: memory-mapped safetensors, either key layout, strict key checks.

Tensors stay backed by the file unless a dtype change forces a copy.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import torch
from safetensors import safe_open

from .config import ModelConfig
from .locate import CheckpointError, weight_files
from .model import PaddleOCRVL
from .weights import detect_layout, to_ocrvl


def describe(directory: Path) -> dict[str, object]:
    """Layout, dtype, size and parameter count of the checkpoint in ``directory``, read from headers only."""
    files = weight_files(directory)
    keys, dtypes, count = [], set(), 0
    for path in files:
        try:
            with safe_open(path, framework="pt") as f:
                for key in f.keys():
                    keys.append(key)
                    piece = f.get_slice(key)
                    dtypes.add(piece.get_dtype())
                    count += math.prod(piece.get_shape())
        except Exception as exc:  # safetensors raises its own types for truncated or corrupt files
            raise CheckpointError(f"{path}: cannot read weights ({exc})") from exc
    return {
        "layout": detect_layout(keys),
        "dtype": ",".join(sorted(dtypes)),
        "parameters": count,
        "bytes": sum(p.stat().st_size for p in files),
    }


def read_config(directory: Path) -> ModelConfig:
    try:
        raw = json.loads((directory / "config.json").read_text())
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"{directory / 'config.json'}: {exc}") from exc
    return ModelConfig.from_dict(raw)


def load_model(directory: str | Path, dtype: torch.dtype = torch.bfloat16) -> PaddleOCRVL:
    """Build the model from ``directory`` with its weights memory-mapped; raises on any key mismatch."""
    directory = Path(directory)
    config = read_config(directory)
    files = weight_files(directory)
    if not files:
        raise CheckpointError(f"{directory}: no .safetensors weights")
    state: dict[str, torch.Tensor] = {}
    for path in files:
        try:
            with safe_open(path, framework="pt") as f:
                state.update({key: f.get_tensor(key) for key in f.keys()})
        except Exception as exc:  # safetensors raises its own types for truncated or corrupt files
            raise CheckpointError(f"{path}: cannot read weights ({exc})") from exc
    state, unknown = to_ocrvl(state, detect_layout(list(state)))
    config = _head_as_shipped(config, state)
    with torch.device("meta"):
        model = PaddleOCRVL(config)
    expected = dict(model.state_dict())
    if config.text.tie_word_embeddings:
        expected.pop("lm_head.weight", None)
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(unknown + [k for k in state if k not in expected])
    if missing or unexpected:
        raise CheckpointError(_mismatch_message(directory, missing, unexpected))
    for name, tensor in state.items():
        if tensor.shape != expected[name].shape:
            raise CheckpointError(
                f"{directory}: {name} has shape {tuple(tensor.shape)}, the config expects {tuple(expected[name].shape)}"
            )
    model.load_state_dict({k: v.to(dtype) for k, v in state.items()}, strict=False, assign=True)
    if config.text.tie_word_embeddings:
        model.lm_head.weight = model.text.embed_tokens.weight
    return model.eval()


def _head_as_shipped(config: ModelConfig, state: dict[str, torch.Tensor]) -> ModelConfig:
    """The config with the output head the checkpoint has: a shipped ``lm_head.weight`` is used even when
    ``tie_word_embeddings`` is true (PaddleX never ties at load, so that is what the official code computes with);
    the head is tied to the embeddings only when the checkpoint has none."""
    tie = config.text.tie_word_embeddings and "lm_head.weight" not in state
    if tie == config.text.tie_word_embeddings:
        return config
    return replace(config, text=replace(config.text, tie_word_embeddings=tie))


def _mismatch_message(directory: Path, missing: list[str], unexpected: list[str]) -> str:
    def listing(names: list[str]) -> str:
        shown = ", ".join(names[:10])
        return shown + (f" … and {len(names) - 10} more" if len(names) > 10 else "")

    parts = [f"{directory}: the weights do not fit a PaddleOCR-VL model with this config.json."]
    if missing:
        parts.append(f"Missing ({len(missing)}): {listing(missing)}.")
    if unexpected:
        parts.append(f"Unexpected ({len(unexpected)}): {listing(unexpected)}.")
    return " ".join(parts)
