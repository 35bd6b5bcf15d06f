"""Box and interval arithmetic shared by the layout post-processing and the recognizers."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Protocol, TypeVar

import numpy as np

from ocrvl.types import BBox


def area(b: BBox) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def intersection(a: BBox, b: BBox) -> float:
    return area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def iou(a: BBox, b: BBox) -> float:
    inter = intersection(a, b)
    union = area(a) + area(b) - inter
    return inter / union if union > 0 else 0.0


def covered_fraction(inner: BBox, outer: BBox) -> float:
    """Share of `inner`'s area that lies inside `outer`."""
    a = area(inner)
    return intersection(inner, outer) / a if a > 0 else 0.0


def row_overlap(a: BBox, b: BBox) -> float:
    """How much two boxes share vertically, as a share of the shorter one's height (0 when apart)."""
    shorter = min(a[3] - a[1], b[3] - b[1])
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, overlap) / shorter if shorter > 0 else 0.0


def center(b: BBox) -> tuple[float, float]:
    return ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)


def contains_point(b: BBox, x: float, y: float) -> bool:
    return b[0] <= x <= b[2] and b[1] <= y <= b[3]


class Boxed(Protocol):
    @property
    def bbox(self) -> BBox: ...


BoxedT = TypeVar("BoxedT", bound=Boxed)


def centred_in(b: BBox, items: Iterable[BoxedT]) -> list[BoxedT]:
    """The items (words, spans, regions) whose box has its centre inside `b`: the ones `b` holds."""
    return [item for item in items if contains_point(b, *center(item.bbox))]


def box_quad(b: BBox) -> np.ndarray:
    """The corners of `b` as a (4, 2) float32 quad: top-left, top-right, bottom-right, bottom-left."""
    x0, y0, x1, y1 = b
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def union_box(boxes: list[BBox]) -> BBox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def crop_bounds(bbox: BBox, page_width: int | None = None, page_height: int | None = None) -> tuple[int, int, int, int]:
    """Whole-pixel bounds of a crop: rounded outwards, clipped to the page when its size is given."""
    x0, y0 = max(0, math.floor(bbox[0])), max(0, math.floor(bbox[1]))
    x1, y1 = math.ceil(bbox[2]), math.ceil(bbox[3])
    if page_width is not None:
        x1 = min(page_width, x1)
    if page_height is not None:
        y1 = min(page_height, y1)
    return x0, y0, max(x0, x1), max(y0, y1)


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True in a 1-D mask."""
    steps = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(steps == 1).tolist(), np.flatnonzero(steps == -1).tolist(), strict=True))


def uncovered(span: tuple[float, float], intervals: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """The parts of `span` that none of `intervals` covers, left to right."""
    parts, start = [], span[0]
    for lo, hi in sorted(intervals):
        if lo > start:
            parts.append((start, min(lo, span[1])))
        start = max(start, hi)
        if start >= span[1]:
            break
    if start < span[1]:
        parts.append((start, span[1]))
    return [(a, b) for a, b in parts if b > a]
