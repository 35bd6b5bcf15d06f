"""Finding PaddleOCR-VL weights on this machine and loading them, never over the network.

Resolution order: an explicit directory, then ``$OCRVL_MODEL_DIR``, then the Hugging Face cache (read
offline). Safetensors files are memory-mapped: tensors stay backed by the file unless a dtype change
forces a copy.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import safe_open

from ocrvl.errors import OcrvlError

from .config import ModelConfig
from .model import PaddleOCRVL
from .weights import detect_layout, to_ocrvl

ENV_VAR = "OCRVL_MODEL_DIR"
HUB_REPOS = ("PaddlePaddle/PaddleOCR-VL-1.5", "PaddlePaddle/PaddleOCR-VL")
DOWNLOAD_COMMAND = f"hf download {HUB_REPOS[0]}"
# The release keeps the recognizer at the top of the repository; some mirrors put it in a subfolder.
_SUBFOLDERS = ("", "PaddleOCR-VL-0.9B", "PaddleOCR-VL-1.5-0.9B")


class CheckpointError(OcrvlError):
    """Weights are missing, unreadable, or do not fit the model."""


class WeightsNotFoundError(CheckpointError):
    def __init__(self, searched: list[str]):
        lines = "\n".join(f"  - {place}" for place in searched)
        super().__init__(
            "No PaddleOCR-VL weights found. Looked in:\n"
            f"{lines}\n"
            f"Download them once into the Hugging Face cache, where ocrvl finds them (the only step that needs "
            f"the network):\n  {DOWNLOAD_COMMAND}\n"
            f"or set {ENV_VAR} to a directory that holds config.json and *.safetensors."
        )
        self.searched = searched


@dataclass(frozen=True)
class Candidate:
    """One place weights may be: where it came from, the directory, and what was found there."""

    source: str
    path: Path
    problem: str | None = None

    @property
    def usable(self) -> bool:
        return self.problem is None


def hub_cache_dir() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "huggingface")
    return Path(home).expanduser() / "hub"


def candidates(explicit: str | Path | None = None) -> list[Candidate]:
    """Every place looked at, in resolution order, each checked."""
    found = []
    if explicit is not None:
        found.append(_check("--model-dir", Path(explicit).expanduser()))
    if os.environ.get(ENV_VAR):
        found.append(_check(f"${ENV_VAR}", Path(os.environ[ENV_VAR]).expanduser()))
    for repo in HUB_REPOS:
        found.append(_check(f"Hugging Face cache ({repo})", _hub_snapshot(repo)))
    return found


def resolve_model_dir(explicit: str | Path | None = None) -> Path:
    """The directory to load weights from. An explicit directory that is unusable is an error, not skipped."""
    checked = candidates(explicit)
    if explicit is not None and not checked[0].usable:
        raise CheckpointError(f"--model-dir {checked[0].path}: {checked[0].problem}")
    for candidate in checked:
        if candidate.usable:
            return candidate.path
    raise WeightsNotFoundError([f"{c.source}: {c.path} ({c.problem})" for c in checked])


def _hub_snapshot(repo: str) -> Path:
    root = hub_cache_dir() / ("models--" + repo.replace("/", "--"))
    ref = root / "refs" / "main"
    if ref.is_file():
        return root / "snapshots" / ref.read_text().strip()
    snapshots = sorted((root / "snapshots").glob("*"), key=lambda p: p.stat().st_mtime) if root.is_dir() else []
    return snapshots[-1] if snapshots else root


def _check(source: str, path: Path) -> Candidate:
    if not path.is_dir():
        return Candidate(source, path, "no such directory")
    for sub in _SUBFOLDERS:
        directory = path / sub if sub else path
        config = directory / "config.json"
        if not config.is_file():
            continue
        try:
            model_type = json.loads(config.read_text()).get("model_type")
        except (OSError, ValueError) as exc:
            return Candidate(source, directory, f"unreadable config.json: {exc}")
        if model_type != "paddleocr_vl":
            continue
        if not _weight_files(directory):
            return Candidate(source, directory, "config.json but no .safetensors weights")
        return Candidate(source, directory)
    return Candidate(source, path, "no PaddleOCR-VL config.json")


def _weight_files(directory: Path) -> list[Path]:
    index = directory / "model.safetensors.index.json"
    if index.is_file():
        names = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        return [directory / name for name in names]
    return sorted(directory.glob("*.safetensors"))


def describe(directory: Path) -> dict[str, object]:
    """Layout, dtype, size and parameter count of the checkpoint in ``directory``, read from headers only."""
    files = _weight_files(directory)
    keys, dtypes, count = [], set(), 0
    for path in files:
        with safe_open(path, framework="pt") as f:
            for key in f.keys():
                keys.append(key)
                piece = f.get_slice(key)
                dtypes.add(piece.get_dtype())
                count += _numel(piece.get_shape())
    return {
        "layout": detect_layout(keys),
        "dtype": ",".join(sorted(dtypes)),
        "parameters": count,
        "bytes": sum(p.stat().st_size for p in files),
    }


def _numel(shape: list[int]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


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
    files = _weight_files(directory)
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
    with torch.device("meta"):
        model = PaddleOCRVL(config)
    expected = dict(model.state_dict())
    if config.text.tie_word_embeddings:
        expected.pop("lm_head.weight", None)
        state.pop("lm_head.weight", None)
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
    model.vision.rotary.reset()
    model.text.rotary.reset()
    return model.eval()


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
