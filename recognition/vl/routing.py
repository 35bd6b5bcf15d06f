"""Which task prompt reads each layout block, and the crop the recognizer sees.

PaddleOCR-VL reads every block that is not a picture: tables with the table prompt, formulas (except
formula numbers) with the formula prompt after trimming their white margin, charts and seals with their own
prompts when those are switched on (otherwise they are cropped as pictures), everything else as text. A page read
whole without layout detection is one block labelled with its task (``prompt_label``): ``spotting`` finds its text
lines with their outlines, on the page enlarged twice when both its sides are under 1500 pixels, as PaddleX does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from ocrvl.errors import OptionsError
from ocrvl.geometry import crop_bounds
from ocrvl.labels import unread_labels
from ocrvl.models.pixel_limits import PIPELINE_MAX_PIXELS, PIPELINE_MIN_PIXELS
from ocrvl.models.prompting import TASK_PROMPTS
from ocrvl.types import BBox

TASKS = ("ocr", "table", "formula", "chart", "seal", "spotting")
# The labels of a page read whole (PaddleOCR-VL's ``prompt_label``): each is read with its own task.
PROMPT_LABELS = ("ocr", "formula", "table", "chart", "seal", "spotting")
# A spotting crop with both sides under this many pixels is enlarged twice (Lanczos) before it is read.
SPOTTING_UPSCALE_BELOW = 1500
# A formula crop's pixels at most this bright (after stretching to 0-255) are ink; the rest is margin.
_INK_LEVEL = 200
# A trimmed formula crop this thin or thinner (in either direction) is not used: the untrimmed one is read.
_MIN_TRIMMED_SIDE = 2


@dataclass(frozen=True)
class RoutingOptions:
    """use_chart_recognition / use_seal_recognition: read charts (into a table) and seals instead of
    keeping them as pictures. min_pixels / max_pixels: resize limits of every crop (None: the task's default,
    else PaddleOCR-VL's pipeline defaults, 112 896 and 1 003 520, which it passes for every task instead of the
    checkpoint's). pixel_limits: per-task overrides, e.g. ``{"table": (None, 2_000_000)}``. task_defaults: a
    task's limits when neither it nor the run sets any (the release's: spotting 112 896 / 1 605 632)."""

    use_chart_recognition: bool = False
    use_seal_recognition: bool = False
    min_pixels: int | None = None
    max_pixels: int | None = None
    pixel_limits: Mapping[str, tuple[int | None, int | None]] = field(default_factory=dict)
    task_defaults: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.pixel_limits) - set(TASKS))
        if unknown:
            raise OptionsError(f"pixel_limits: unknown task(s) {', '.join(unknown)}; tasks are {', '.join(TASKS)}")
        for task, limits in self.pixel_limits.items():
            if len(limits) != 2:
                raise OptionsError(f"pixel_limits[{task!r}] must be a (min_pixels, max_pixels) pair")
        for low, high in [(self.min_pixels, self.max_pixels), *self.pixel_limits.values()]:
            if any(v is not None and v < 1 for v in (low, high)):
                raise OptionsError("pixel limits must be at least 1")
            if low is not None and high is not None and low > high:
                raise OptionsError(f"min_pixels {low} is larger than max_pixels {high}")
        object.__setattr__(self, "pixel_limits", dict(self.pixel_limits))

    def limits(self, task: str) -> tuple[int, int]:
        """(min_pixels, max_pixels) of a task's crops: its own, else the run's, else the task's default, else the
        pipeline's defaults."""
        low, high = self.pixel_limits.get(task, (None, None))
        default_low, default_high = self.task_defaults.get(task, (PIPELINE_MIN_PIXELS, PIPELINE_MAX_PIXELS))
        return _first_given(low, self.min_pixels, default_low), _first_given(high, self.max_pixels, default_high)


def _first_given(*values: int | None) -> int:
    return next(v for v in values if v is not None)


def task_for_label(label: str, options: RoutingOptions) -> str | None:
    """The recognition task of a block label, or None for a block kept as a picture."""
    if label in unread_labels(options.use_chart_recognition, options.use_seal_recognition):
        return None
    if label in ("chart", "seal", "table", "spotting"):
        return label
    if "formula" in label and label != "formula_number":
        return "formula"
    return "ocr"


@dataclass(frozen=True)
class CropJob:
    """One crop to read: the block it belongs to, the task, and the pixels."""

    block_index: int
    task: str
    image: np.ndarray = field(repr=False)
    min_pixels: int = PIPELINE_MIN_PIXELS
    max_pixels: int = PIPELINE_MAX_PIXELS

    @property
    def prompt(self) -> str:
        return TASK_PROMPTS[self.task]


def crop_box(page_image: np.ndarray, bbox: BBox) -> np.ndarray | None:
    """The pixels of `bbox` (rounded outwards to whole pixels, clipped to the page); None if nothing is left."""
    height, width = page_image.shape[:2]
    x0, y0, x1, y1 = crop_bounds(bbox, width, height)
    if x1 <= x0 or y1 <= y0:
        return None
    return np.ascontiguousarray(page_image[y0:y1, x0:x1])


def trim_white_margin(crop: np.ndarray) -> np.ndarray:
    """The crop cut to the bounding box of its ink: a formula box padded with white reads worse.

    As PaddleX's ``crop_margin`` and the pipeline around it: grey levels are stretched to 0-255 through an
    integer lookup table (truncated), a level of at most 200 is ink, and a crop whose ink box would be 2 pixels
    or thinner on a side is kept whole, as is a blank one.
    """
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.ndim == 3 else crop
    low, high = int(gray.min()), int(gray.max())
    if low == high:
        return crop
    levels = np.arange(256, dtype=np.float64)
    stretch = np.clip((levels - low) / (high - low) * 255, 0, 255).astype(np.uint8)
    ys, xs = np.nonzero(stretch[gray] <= _INK_LEVEL)  # the darkest level maps to 0, so there is always ink
    trimmed = crop[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    if min(trimmed.shape[:2]) <= _MIN_TRIMMED_SIDE:
        return crop
    return np.ascontiguousarray(trimmed)


def enlarge_for_spotting(image: np.ndarray) -> np.ndarray:
    """A spotting crop with both sides under 1500 pixels, enlarged twice with Lanczos (PIL), as PaddleX reads it."""
    height, width = image.shape[:2]
    if width >= SPOTTING_UPSCALE_BELOW or height >= SPOTTING_UPSCALE_BELOW:
        return image
    return np.asarray(Image.fromarray(image).resize((width * 2, height * 2), Image.Resampling.LANCZOS))


def crop_job(
    block_index: int, label: str, bbox: BBox, page_image: np.ndarray, options: RoutingOptions
) -> CropJob | None:
    """The recognition job of one block, or None when the block is a picture or has no pixels."""
    crop = crop_box(page_image, bbox)
    return image_job(block_index, label, crop, options) if crop is not None else None


def image_job(block_index: int, label: str, image: np.ndarray, options: RoutingOptions) -> CropJob | None:
    """The recognition job of a block whose pixels are already cut (e.g. stitched), or None for a picture."""
    task = task_for_label(label, options)
    if task is None or image.size == 0:
        return None
    if task == "formula":
        image = trim_white_margin(image)
    elif task == "spotting":
        image = enlarge_for_spotting(image)
    low, high = options.limits(task)
    return CropJob(block_index, task, image, low, high)
