"""Where PaddleOCR-VL weights are on this machine, found without the network and without importing torch.

Resolution order: an explicit directory, then ``$OCRVL_MODEL_DIR``, then the Hugging Face cache (read
offline).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ocrvl.errors import OcrvlError

ENV_VAR = "OCRVL_MODEL_DIR"
# The official releases' repositories, newest first (the order ``pipeline_version=auto`` looks in).
HUB_REPOS = ("PaddlePaddle/PaddleOCR-VL-1.6", "PaddlePaddle/PaddleOCR-VL-1.5", "PaddlePaddle/PaddleOCR-VL")
DOWNLOAD_COMMAND = "hf download PaddlePaddle/PaddleOCR-VL-1.5"
# The releases keep the recognizer at the top of the repository; PaddleX's model folders and some mirrors put it in
# a subfolder named after the release or the model.
_SUBFOLDERS = ("", "PaddleOCR-VL-1.6", "PaddleOCR-VL-1.6-0.9B", "PaddleOCR-VL-1.5", "PaddleOCR-VL-1.5-0.9B",
               "PaddleOCR-VL-0.9B")  # fmt: skip


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
    """One place weights may be: where it came from, the directory, and what was found there (for a layout
    folder, which model: ``PP-DocLayoutV2`` or ``PP-DocLayoutV3``)."""

    source: str
    path: Path
    problem: str | None = None
    model: str | None = None

    @property
    def usable(self) -> bool:
        return self.problem is None


def hub_cache_dir() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "huggingface")
    return Path(home).expanduser() / "hub"


def candidates(explicit: str | Path | None = None, hub_repos: tuple[str, ...] = HUB_REPOS) -> list[Candidate]:
    """Every place looked at, in resolution order, each checked: the Hugging Face cache's `hub_repos` last."""
    found = []
    if explicit is not None:
        found.append(_check("--model-dir", Path(explicit).expanduser()))
    if os.environ.get(ENV_VAR):
        found.append(_check(f"${ENV_VAR}", Path(os.environ[ENV_VAR]).expanduser()))
    for repo in hub_repos:
        found.append(_check(f"Hugging Face cache ({repo})", _hub_snapshot(repo)))
    return found


def resolve_model_dir(explicit: str | Path | None = None, hub_repos: tuple[str, ...] = HUB_REPOS) -> Path:
    """The directory to load weights from. An explicit directory that is unusable is an error, not skipped."""
    checked = candidates(explicit, hub_repos)
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
LAYOUT_V2, LAYOUT_V3 = "PP-DocLayoutV2", "PP-DocLayoutV3"
LAYOUT_MODELS = (LAYOUT_V2, LAYOUT_V3)
# transformers' model_type of each layout model (config.json of a transformers-format folder).
_LAYOUT_MODEL_TYPES = {"pp_doclayout_v2": LAYOUT_V2, "pp_doclayout_v3": LAYOUT_V3}
# The folders a layout model goes by: the release's Paddle folder (inside the release repository, beside the
# recognizer) and the transformers-format release (its own repository, PaddlePaddle/<name>_safetensors).
LAYOUT_FOLDERS = {model: (model, f"{model}_safetensors") for model in LAYOUT_MODELS}
LAYOUT_SUBFOLDER = LAYOUT_V2  # the first release's
# The first release carries PP-DocLayoutV2 beside its recognizer, 1.5 and 1.6 carry PP-DocLayoutV3.
LAYOUT_DOWNLOAD_COMMAND = "hf download PaddlePaddle/PaddleOCR-VL"


def layout_candidates(
    explicit: str | Path | None = None,
    recognizer_dir: Path | None = None,
    models: tuple[str, ...] = LAYOUT_MODELS,
    hub_repos: tuple[str, ...] = HUB_REPOS,
) -> list[Candidate]:
    """Every place the layout weights are looked for, in resolution order, each checked.

    After an explicit directory and ``$OCRVL_LAYOUT_MODEL_DIR``, for each of `models` in turn: its folders
    (``PP-DocLayoutV3/``, ``PP-DocLayoutV3_safetensors/``, ...) inside or beside the recognizer's directory,
    inside each release of `hub_repos` in the Hugging Face cache, then its transformers-format repository there.
    """
    found = []
    if explicit is not None:
        found.append(_check_layout("--layout-model-dir", Path(explicit).expanduser()))
    if os.environ.get(LAYOUT_ENV_VAR):
        found.append(_check_layout(f"${LAYOUT_ENV_VAR}", Path(os.environ[LAYOUT_ENV_VAR]).expanduser()))
    for model in models:
        folders = LAYOUT_FOLDERS[model]
        if recognizer_dir is not None:
            for folder in folders:
                for place in (recognizer_dir / folder, recognizer_dir.parent / folder):
                    found.append(_check_layout("beside the recognizer", place))
        for repo in hub_repos:
            found += [_check_layout(f"Hugging Face cache ({repo})", _hub_snapshot(repo) / f) for f in folders]
        repo = f"PaddlePaddle/{folders[1]}"
        found.append(_check_layout(f"Hugging Face cache ({repo})", _hub_snapshot(repo)))
    unique: dict[Path, Candidate] = {}
    for candidate in found:
        unique.setdefault(candidate.path, candidate)
    return list(unique.values())


def resolve_layout(
    explicit: str | Path | None = None,
    recognizer_dir: Path | None = None,
    models: tuple[str, ...] = LAYOUT_MODELS,
    hub_repos: tuple[str, ...] = HUB_REPOS,
) -> Candidate:
    """The layout folder to load and which model it holds; an explicit directory that is unusable is an error,
    not skipped."""
    checked = layout_candidates(explicit, recognizer_dir, models, hub_repos)
    if explicit is not None and not checked[0].usable:
        raise CheckpointError(f"--layout-model-dir {checked[0].path}: {checked[0].problem}")
    for candidate in checked:
        if candidate.usable:
            return candidate
    places = "\n".join(f"  - {c.source}: {c.path} ({c.problem})" for c in checked)
    wanted = " or ".join(models)
    raise CheckpointError(
        f"No {wanted} layout weights found. Looked in:\n"
        f"{places}\n"
        f"PP-DocLayoutV2 comes with the first official release ({LAYOUT_DOWNLOAD_COMMAND}, folder "
        f"{LAYOUT_SUBFOLDER}/), PP-DocLayoutV3 with PaddleOCR-VL-1.5 and 1.6 (folder PP-DocLayoutV3/); or set "
        f"{LAYOUT_ENV_VAR} to a folder holding inference.json + inference.pdiparams (Paddle format) or "
        "config.json + model.safetensors (transformers format)."
    )


def resolve_layout_dir(explicit: str | Path | None = None, recognizer_dir: Path | None = None) -> Path:
    """The layout directory to load (either model); see `resolve_layout`."""
    return resolve_layout(explicit, recognizer_dir).path


def layout_model_of(path: Path) -> str | None:
    """Which layout model a folder holds, ``PP-DocLayoutV2`` or ``PP-DocLayoutV3``: from a transformers config's
    ``model_type``, the Paddle release's ``inference.yml`` (``Global.model_name``), else the folder's name."""
    model = _transformers_model_type(path)
    if model is not None:
        return model
    try:
        listed = path / "inference.yml"
        if listed.is_file():
            match = re.search(r"^\s*model_name:\s*['\"]?(PP-DocLayoutV[23])\b", listed.read_text(), re.MULTILINE)
            if match:
                return match.group(1)
    except (OSError, ValueError, AttributeError):
        pass
    return next((m for m in reversed(LAYOUT_MODELS) if path.name.lower().startswith(m.lower())), None)


def _transformers_model_type(path: Path) -> str | None:
    """The layout model a folder's config.json describes in transformers' terms, if it does."""
    try:
        return _LAYOUT_MODEL_TYPES.get(json.loads((path / "config.json").read_text()).get("model_type"))
    except (OSError, ValueError, AttributeError):
        return None


def _check_layout(source: str, path: Path) -> Candidate:
    if not path.is_dir():
        return Candidate(source, path, "no such directory")
    model = layout_model_of(path)
    paddle_form = (path / "inference.json").is_file() or (path / "inference.pdiparams").is_file()
    if paddle_form and model == LAYOUT_V3 and not (_transformers_model_type(path) and weight_files(path)):
        return Candidate(source, path, "PP-DocLayoutV3 in Paddle format, which ocrvl does not read yet (the "
                                       "PP-DocLayoutV3_safetensors release is read)", model)  # fmt: skip
    if paddle_form and model != LAYOUT_V3:
        missing = [n for n in ("inference.json", "inference.pdiparams") if not (path / n).is_file()]
        problem = f"Paddle-format folder without {', '.join(missing)}" if missing else None
        return Candidate(source, path, problem, model or LAYOUT_V2)
    config = path / "config.json"
    if not config.is_file():
        return Candidate(source, path, "neither inference.json nor config.json")
    try:
        model_type = json.loads(config.read_text()).get("model_type")
    except (OSError, ValueError) as exc:
        return Candidate(source, path, f"unreadable config.json: {exc}")
    if model_type not in _LAYOUT_MODEL_TYPES:
        return Candidate(source, path, f"config.json is for {model_type!r}, not {' or '.join(_LAYOUT_MODEL_TYPES)}")
    if not weight_files(path):
        return Candidate(source, path, "config.json but no .safetensors weights")
    return Candidate(source, path, model=_LAYOUT_MODEL_TYPES[model_type])
