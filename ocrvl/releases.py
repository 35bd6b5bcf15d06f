"""The official PaddleOCR-VL releases and the defaults each one runs with: the one table ``pipeline_version``
reads.

Values are those of PaddleX 3.7.2's pipeline configs (``configs/pipelines/PaddleOCR-VL.yaml``,
``PaddleOCR-VL-1.5.yaml``, ``PaddleOCR-VL-1.6.yaml``) and, where a YAML names none, of its pipeline code
(``paddleocr_vl/pipeline.py``: the crops' pixel limits, the spotting limits, ``layout_shape_mode``). 1.5 and 1.6
differ only in the recognizer's weights. ``tests/engines/test_releases.py`` compares this table with the YAMLs
where PaddleX is installed (the parity venv).

``auto`` follows the weights found: a PP-DocLayoutV2 layout model is the first release (whatever the recognizer);
PP-DocLayoutV3 is 1.6 when the recognizer's folder or config names 1.6, otherwise 1.5 (whose defaults 1.6 shares).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ocrvl.layout.ppdoclayout.box_rules import DEFAULT_MERGE_BBOXES_MODES, DEFAULT_THRESHOLDS
from ocrvl.layout.ppdoclayout.polygons import DEFAULT_SHAPE_MODE
from ocrvl.models.locate import HUB_REPOS, LAYOUT_V2, LAYOUT_V3
from ocrvl.models.pixel_limits import PIPELINE_MAX_PIXELS, PIPELINE_MIN_PIXELS
from ocrvl.postprocess.markdown import DEFAULT_MARKDOWN_IGNORE_LABELS

PIPELINE_VERSIONS = ("auto", "v1", "v1.5", "v1.6")
# PaddleX hard-codes these for the spotting prompt, whatever the user sets.
SPOTTING_PIXEL_LIMITS = (112_896, 1_605_632)


@dataclass(frozen=True)
class Release:
    """One official release: its models and the pipeline defaults it runs with (options the user leaves unset)."""

    version: str  # pipeline_version: v1, v1.5, v1.6
    pipeline_name: str  # PaddleX's pipeline name
    repository: str  # the Hugging Face repository of the release (recognizer at the top, layout model in a folder)
    layout_model: str  # PP-DocLayoutV2 or PP-DocLayoutV3
    recognizer_model: str  # PaddleX's model name of the recognizer
    layout_threshold: float | Mapping[str, float]
    layout_nms: bool
    layout_unclip_ratio: tuple[float, float]
    layout_merge_bboxes_mode: Mapping[str, str]
    layout_shape_mode: str  # the outlines' shape; a box model (PP-DocLayoutV2) has none, so its regions stay boxes
    use_chart_recognition: bool
    use_seal_recognition: bool
    merge_layout_blocks: bool
    markdown_ignore_labels: tuple[str, ...]
    min_pixels: int  # every task's crops, unless the user sets limits
    max_pixels: int
    tasks: tuple[str, ...]  # the recognizer's prompts (ocrvl.models.prompting.TASK_PROMPTS keys)
    spotting_pixel_limits: tuple[int, int] | None  # None: the release has no spotting task

    @property
    def polygon_layout(self) -> bool:
        return self.layout_model == LAYOUT_V3


_COMMON = {
    "layout_nms": True,
    "layout_unclip_ratio": (1.0, 1.0),
    "layout_merge_bboxes_mode": DEFAULT_MERGE_BBOXES_MODES,  # the same per-class modes in all three YAMLs
    "layout_shape_mode": DEFAULT_SHAPE_MODE,
    "use_chart_recognition": False,
    "use_seal_recognition": False,
    "merge_layout_blocks": True,
    "markdown_ignore_labels": DEFAULT_MARKDOWN_IGNORE_LABELS,
    "min_pixels": PIPELINE_MIN_PIXELS,
    "max_pixels": PIPELINE_MAX_PIXELS,
}
_TASKS_V1 = ("ocr", "table", "formula", "chart", "seal")

RELEASES: Mapping[str, Release] = {
    "v1": Release(
        version="v1", pipeline_name="PaddleOCR-VL", repository="PaddlePaddle/PaddleOCR-VL",
        layout_model=LAYOUT_V2, recognizer_model="PaddleOCR-VL-0.9B", layout_threshold=DEFAULT_THRESHOLDS,
        tasks=_TASKS_V1, spotting_pixel_limits=None, **_COMMON,
    ),
    "v1.5": Release(
        version="v1.5", pipeline_name="PaddleOCR-VL-1.5", repository="PaddlePaddle/PaddleOCR-VL-1.5",
        layout_model=LAYOUT_V3, recognizer_model="PaddleOCR-VL-1.5-0.9B", layout_threshold=0.3,
        tasks=(*_TASKS_V1, "spotting"), spotting_pixel_limits=SPOTTING_PIXEL_LIMITS, **_COMMON,
    ),
    "v1.6": Release(
        version="v1.6", pipeline_name="PaddleOCR-VL-1.6", repository="PaddlePaddle/PaddleOCR-VL-1.6",
        layout_model=LAYOUT_V3, recognizer_model="PaddleOCR-VL-1.6-0.9B", layout_threshold=0.3,
        tasks=(*_TASKS_V1, "spotting"), spotting_pixel_limits=SPOTTING_PIXEL_LIMITS, **_COMMON,
    ),
}  # fmt: skip
DEFAULT_RELEASE = RELEASES["v1"]  # what runs when nothing says otherwise: today's (first release's) pipeline


def download_commands(version: str) -> tuple[str, ...]:
    """What fetches a release's two models (once, where there is network): the first release's repository holds
    both; PP-DocLayoutV3 is also published on its own in transformers format."""
    release = RELEASES[version]
    if not release.polygon_layout:
        return (f"hf download {release.repository}",)
    return (f"hf download {release.repository}", "hf download PaddlePaddle/PP-DocLayoutV3_safetensors")


def recognizer_repos(pipeline_version: str) -> tuple[str, ...]:
    """The release repositories the recognizer is looked for in (Hugging Face cache): the asked release's, or for
    ``auto`` every release's, newest first."""
    return HUB_REPOS if pipeline_version == "auto" else (RELEASES[pipeline_version].repository,)


def layout_models(pipeline_version: str, recognizer_dir: Path | None) -> tuple[str, ...]:
    """The layout models to look for, in order: the asked release's; for ``auto`` both, the one of the recognizer's
    release (by its name) first and PP-DocLayoutV2 first when the name says nothing."""
    if pipeline_version != "auto":
        return (RELEASES[pipeline_version].layout_model,)
    named = recognizer_release(recognizer_dir)
    return (LAYOUT_V3, LAYOUT_V2) if named is not None and named.polygon_layout else (LAYOUT_V2, LAYOUT_V3)


def recognizer_release(recognizer_dir: Path | None) -> Release | None:
    """The release a recognizer folder belongs to by its name, its repository's name (Hugging Face cache) or its
    config's ``_name_or_path``; None when nothing names one."""
    if recognizer_dir is None:
        return None
    names = list(Path(recognizer_dir).parts[-4:])
    config = Path(recognizer_dir) / "config.json"
    try:
        data = json.loads(config.read_text(encoding="utf-8")) if config.is_file() else {}
    except (OSError, ValueError):
        data = {}
    if isinstance(data, dict):
        names += [str(data[key]) for key in ("_name_or_path", "name_or_path") if isinstance(data.get(key), str)]
    for name in names:
        match = re.search(r"PaddleOCR-VL-(1\.[56])(?![0-9])", name, flags=re.IGNORECASE)
        if match:
            return RELEASES[f"v{match.group(1)}"]
    return None


def release_without_layout(pipeline_version: str, recognizer_dir: Path | None) -> Release:
    """The release of a run that reads pages whole (no layout model loaded): the one asked for, or for ``auto`` the
    one the recognizer's folder names (the first release when nothing names one)."""
    if pipeline_version != "auto":
        return RELEASES[pipeline_version]
    return recognizer_release(recognizer_dir) or RELEASES["v1"]


def resolve_release(pipeline_version: str, layout_model: str | None, recognizer_dir: Path | None) -> Release:
    """The release a run follows: the one asked for, or for ``auto`` the one the found weights are (see the
    module docstring); ``auto`` without a known layout model is the first release."""
    if pipeline_version != "auto":
        return RELEASES[pipeline_version]
    if layout_model != LAYOUT_V3:
        return RELEASES["v1"]
    named = recognizer_release(recognizer_dir)
    return named if named is not None and named.polygon_layout else RELEASES["v1.5"]
