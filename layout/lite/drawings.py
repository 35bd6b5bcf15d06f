"""Line drawings the layout detector missed on a scanned or photographed page.

Exam papers and textbooks set small drawings (a triangle, a circuit, a graph) beside the text, and the
small CDLA detector often boxes none of them: the drawing's labels (vertex letters, axis names) then land
in the neighbouring paragraphs as stray words. Ink that no word accounts for and no region holds, spread
over several line heights both ways and holding at most a few short labels, is taken for a picture; the
labels go with it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import cv2
import numpy as np

from ocrvl.geometry import center, centred_in, contains_point, covered_fraction, union_box
from ocrvl.labels import PICTURE_LABELS
from ocrvl.layout.lite.cdla import LABEL_IDS
from ocrvl.types import BBox, Region, Word

_INK = 160  # grey level below which a pixel is ink
_MIN_SIZE = 3.0  # line heights a drawing spans at least, across and down
_JOIN = 0.5  # line heights: strokes closer than this are one drawing
_LABEL_REACH = 1.0  # line heights around the strokes where its labels sit
_MAX_LABELS = 8  # a drawing holds a few labels; more words make it a frame around text, or a table
_LABEL_CHARS = 4  # a label is short: "A", "30°", "x", "R1"
_MIN_STROKE_SHARE = 0.005  # share of the drawing's box that its strokes must ink (not a speck field)
_MAX_STROKE_SHARE = 0.35  # more ink is a photo, a logo or a shaded block the detector's concern


def pictures_from_drawings(regions: list[Region], words: Sequence[Word], image: np.ndarray) -> bool:
    """Add an image region for every line drawing no region covers. Text regions that held only its
    labels give way to it. Returns True when the regions changed."""
    if not words:
        return False
    line_height = statistics.median(w.bbox[3] - w.bbox[1] for w in words)
    drawings = []
    for box in _stroke_groups(image, words, line_height):
        if any(covered_fraction(box, r.bbox) >= 0.5 for r in regions if r.label in PICTURE_LABELS | {"table"}):
            continue
        reach = _LABEL_REACH * line_height
        grown = (box[0] - reach, box[1] - reach, box[2] + reach, box[3] + reach)
        labels = centred_in(grown, words)
        if len(labels) > _MAX_LABELS or any(len(w.text.replace(" ", "")) > _LABEL_CHARS for w in labels):
            continue
        drawings.append(union_box([box, *(w.bbox for w in labels)]))
    if not drawings:
        return False
    regions[:] = [r for r in regions if not any(_only_labels(r, d, words) for d in drawings)]
    regions += [Region(d, "image", 0.0, cls_id=LABEL_IDS["image"]) for d in drawings]
    return True


def _stroke_groups(image: np.ndarray, words: Sequence[Word], line_height: float) -> list[BBox]:
    """Boxes of ink that no word covers, strokes joined across small gaps, at least `_MIN_SIZE` line
    heights across and down, not touching the page edge (a scan's dark border), and inked like a drawing."""
    ink = _ink_mask(image)
    height, width = ink.shape
    pad = max(1, round(0.2 * line_height))
    for w in words:
        x0, y0, x1, y1 = (round(v) for v in w.bbox)
        ink[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad] = 0
    join = max(3, round(_JOIN * line_height)) | 1
    left, top, right, bottom = _window_around(ink, join // 2)
    if right == left:
        return []
    # the dilation and the components need only the ink left over and the dilation's reach around it
    joined = cv2.dilate(ink[top:bottom, left:right], np.ones((join, join), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    stats[:, 0] += left
    stats[:, 1] += top
    boxes = []
    min_size = _MIN_SIZE * line_height
    for x, y, w, h, _ in stats[1:count]:
        if w < min_size or h < min_size or x == 0 or y == 0 or x + w >= width or y + h >= height:
            continue
        share = float(ink[y : y + h, x : x + w].mean())
        if _MIN_STROKE_SHARE <= share <= _MAX_STROKE_SHARE:
            margin = join // 2  # the dilation grew the box by this much
            boxes.append((float(x + margin), float(y + margin), float(x + w - margin), float(y + h - margin)))
    return boxes


def _window_around(ink: np.ndarray, reach: int) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the box around the nonzero pixels of `ink`, grown by `reach` within the
    page; an empty box (right == left) when there are none."""
    x, y, w, h = cv2.boundingRect(ink)
    if w == 0 or h == 0:
        return 0, 0, 0, 0
    height, width = ink.shape
    return max(0, x - reach), max(0, y - reach), min(width, x + w + reach), min(height, y + h + reach)


def _ink_mask(image: np.ndarray) -> np.ndarray:
    """1 where the pixel's mean grey level is below `_INK`: the channels summed in 16 bits, which is exact and
    many times faster than a float mean over a large scan."""
    if image.ndim == 2:
        return (image < _INK).view(np.uint8)
    total = image[..., 0].astype(np.uint16)
    for channel in range(1, image.shape[2]):
        total += image[..., channel]
    return (total < _INK * image.shape[2]).view(np.uint8)


def _only_labels(region: Region, drawing: BBox, words: Sequence[Word]) -> bool:
    """A text region whose words all lie in the drawing (a vertex letter the detector boxed alone)."""
    if region.label in PICTURE_LABELS or region.label == "table":
        return False
    held = centred_in(region.bbox, words)
    return bool(held) and all(contains_point(drawing, *center(w.bbox)) for w in held)
