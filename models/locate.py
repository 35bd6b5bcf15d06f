"""Where PaddleOCR-VL weights are on this machine, found without the network and without importing torch.

Resolution order: an explicit directory, then ``$OCRVL_MODEL_DIR``, then the Hugging Face cache (read
offline).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ocrvl.errors import OcrvlError

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
        if not weight_files(directory):
            return Candidate(source, directory, "config.json but no .safetensors weights")
        return Candidate(source, directory)
    return Candidate(source, path, "no PaddleOCR-VL config.json")


def weight_files(directory: Path) -> list[Path]:
    index = directory / "model.safetensors.index.json"
    if index.is_file():
        names = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        return [directory / name for name in names]
    return sorted(directory.glob("*.safetensors"))


# ----------------------------------------------------------------------------- the layout model

LAYOUT_ENV_VAR = "OCRVL_LAYOUT_MODEL_DIR"
LAYOUT_HUB_REPOS = ("PaddlePaddle/PP-DocLayoutV2_safetensors",)
# The official release keeps the layout model in this subfolder, beside the recognizer.
LAYOUT_SUBFOLDER = "PP-DocLayoutV2"
# The first release carries PP-DocLayoutV2 beside its recognizer (1.5 ships PP-DocLayoutV3 instead).
LAYOUT_DOWNLOAD_COMMAND = f"hf download {HUB_REPOS[1]}"


def layout_candidates(explicit: str | Path | None = None, recognizer_dir: Path | None = None) -> list[Candidate]:
    """Every place the PP-DocLayoutV2 weights are looked for, in resolution order, each checked.

    After an explicit directory and ``$OCRVL_LAYOUT_MODEL_DIR``: the release folder's ``PP-DocLayoutV2/``
    inside or beside the recognizer's directory and inside each known release in the Hugging Face cache,
    then transformers-format copies in the cache.
    """
    found = []
    if explicit is not None:
        found.append(_check_layout("--layout-model-dir", Path(explicit).expanduser()))
    if os.environ.get(LAYOUT_ENV_VAR):
        found.append(_check_layout(f"${LAYOUT_ENV_VAR}", Path(os.environ[LAYOUT_ENV_VAR]).expanduser()))
    if recognizer_dir is not None:
        for folder in (recognizer_dir / LAYOUT_SUBFOLDER, recognizer_dir.parent / LAYOUT_SUBFOLDER):
            found.append(_check_layout("beside the recognizer", folder))
    for repo in HUB_REPOS:
        found.append(_check_layout(f"Hugging Face cache ({repo})", _hub_snapshot(repo) / LAYOUT_SUBFOLDER))
    for repo in LAYOUT_HUB_REPOS:
        found.append(_check_layout(f"Hugging Face cache ({repo})", _hub_snapshot(repo)))
    unique: dict[Path, Candidate] = {}
    for candidate in found:
        unique.setdefault(candidate.path, candidate)
    return list(unique.values())


def resolve_layout_dir(explicit: str | Path | None = None, recognizer_dir: Path | None = None) -> Path:
    """The PP-DocLayoutV2 directory to load; an explicit directory that is unusable is an error, not skipped."""
    checked = layout_candidates(explicit, recognizer_dir)
    if explicit is not None and not checked[0].usable:
        raise CheckpointError(f"--layout-model-dir {checked[0].path}: {checked[0].problem}")
    for candidate in checked:
        if candidate.usable:
            return candidate.path
    places = "\n".join(f"  - {c.source}: {c.path} ({c.problem})" for c in checked)
    raise CheckpointError(
        "No PP-DocLayoutV2 layout weights found. Looked in:\n"
        f"{places}\n"
        f"They come with the first official release ({LAYOUT_DOWNLOAD_COMMAND}, folder {LAYOUT_SUBFOLDER}/), or set "
        f"{LAYOUT_ENV_VAR} to a folder holding inference.json + inference.pdiparams (Paddle format) or "
        "config.json + model.safetensors (transformers format)."
    )


def _check_layout(source: str, path: Path) -> Candidate:
    if not path.is_dir():
        return Candidate(source, path, "no such directory")
    if (path / "inference.json").is_file() or (path / "inference.pdiparams").is_file():
        missing = [n for n in ("inference.json", "inference.pdiparams") if not (path / n).is_file()]
        return Candidate(source, path, f"Paddle-format folder without {', '.join(missing)}" if missing else None)
    config = path / "config.json"
    if not config.is_file():
        return Candidate(source, path, "neither inference.json nor config.json")
    try:
        model_type = json.loads(config.read_text()).get("model_type")
    except (OSError, ValueError) as exc:
        return Candidate(source, path, f"unreadable config.json: {exc}")
    if model_type != "pp_doclayout_v2":
        return Candidate(source, path, f"config.json is for {model_type!r}, not pp_doclayout_v2")
    if not weight_files(path):
        return Candidate(source, path, "config.json but no .safetensors weights")
    return Candidate(source, path)
