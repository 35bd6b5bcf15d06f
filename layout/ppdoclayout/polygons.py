"""Region outlines of a polygon layout model (PP-DocLayoutV3) as PaddleOCR-VL treats them.

The detector gives each region a box and an outline (``Region.polygon``, page pixels). PaddleOCR-VL's
``layout_shape_mode`` decides what becomes of the outline once the boxes have passed the box rules (`shape_outlines`):

- ``rect``: outlines are dropped; every region is its box.
- ``poly``: the detector's outline is kept.
- ``quad``: the outline's minimum-area rotated rectangle.
- ``auto``: the box itself when that rectangle is within IoU 0.95 of the box; the rectangle when it is within IoU
  0.8 of the outline and the previous region's outline covers less than 1 % of this box; else the outline.

An outline of fewer than 4 points, and a region without one on a page that has outlines, become the box's corners.
A region with an outline is cut out as PaddleX's ``CropByBoxes`` does (`crop_region`): its box, with the pixels
outside the outline painted white. Overlaps of outlines (`overlap_of_smaller`) are shapely's, invalid (self-crossing)
outlines repaired first, as PaddleX does. Plain boxes (no outline) never reach shapely.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ocrvl.geometry import crop_bounds
from ocrvl.types import BBox, Region

SHAPE_MODES = ("rect", "quad", "poly", "auto")
DEFAULT_SHAPE_MODE = "auto"  # PaddleOCR-VL's default ``layout_shape_mode``
AUTO_BOX_IOU = 0.95  # auto: a rotated rectangle this close to the box is the box
AUTO_QUAD_IOU = 0.8  # auto: an outline this close to its rotated rectangle is that rectangle...
AUTO_PREVIOUS_OVERLAP = 0.01  # ...unless the previous region's outline covers this share of the box
MIN_OUTLINE_POINTS = 4

Outline = tuple[tuple[float, float], ...]

if TYPE_CHECKING:
    from shapely.geometry import Polygon


def box_corners(bbox: BBox) -> Outline:
    """The box's corners clockwise from the top left, each coordinate cut to a whole pixel."""
    x0, y0, x1, y1 = (float(int(v)) for v in bbox)
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def _as_outline(points: np.ndarray) -> Outline:
    """Points as float32 values, the precision PaddleX writes them with."""
    return tuple((float(x), float(y)) for x, y in np.asarray(points, dtype=np.float32).reshape(-1, 2))


def rotated_rectangle(outline: Outline) -> Outline:
    """The outline's minimum-area rotated rectangle: corners in angular order around its centre, starting at the
    corner nearest the page's top left (smallest x + y)."""
    corners = cv2.boxPoints(cv2.minAreaRect(np.asarray(outline, dtype=np.float32)))
    centre = corners.mean(axis=0)
    corners = corners[np.argsort(np.arctan2(corners[:, 1] - centre[1], corners[:, 0] - centre[0]))]
    first = int(np.argmin(corners[:, 0] + corners[:, 1]))
    return _as_outline(np.roll(corners, -first, axis=0))


def _shape(outline: Outline) -> Polygon:
    from shapely.geometry import Polygon  # imported on the first outline: box-only runs never load it

    polygon = Polygon(outline)
    return polygon if polygon.is_valid else polygon.buffer(0)


def overlap_of_union(a: Outline, b: Outline) -> float:
    """Intersection over union of two outlines (0 when both are empty)."""
    first, second = _shape(a), _shape(b)
    union = first.union(second).area
    return first.intersection(second).area / union if union > 0 else 0.0


def overlap_of_smaller(a: Outline, b: Outline) -> float:
    """Shared area as a share of the smaller outline's area (0 when either is empty)."""
    first, second = _shape(a), _shape(b)
    smaller = min(first.area, second.area)
    return first.intersection(second).area / smaller if smaller > 0 else 0.0


def shaped_outline(bbox: BBox, outline: Outline | None, mode: str, previous: Outline | None = None) -> Outline:
    """The outline a region keeps under `mode` (see the module docstring); `previous` is the outline kept by the
    region before it in reading order (``auto`` looks at it)."""
    if mode not in SHAPE_MODES:
        raise ValueError(f"layout_shape_mode must be one of {', '.join(SHAPE_MODES)}, got {mode!r}")
    corners = box_corners(bbox)
    if outline is None or len(outline) < MIN_OUTLINE_POINTS or mode == "rect":
        return corners
    outline = _as_outline(np.asarray(outline))
    if mode == "poly":
        return outline
    quad = rotated_rectangle(outline)
    if mode == "quad":
        return quad
    if overlap_of_union(corners, quad) >= AUTO_BOX_IOU:
        return corners
    covered_by_previous = overlap_of_smaller(previous, corners) if previous is not None else 0.0
    if overlap_of_union(outline, quad) >= AUTO_QUAD_IOU and covered_by_previous < AUTO_PREVIOUS_OVERLAP:
        return quad
    return outline


def shape_outlines(regions: Sequence[Region], mode: str) -> list[Region]:
    """Regions (in reading order, boxes snapped to pixels) with the outline `mode` gives them; a page whose
    regions have no outline (a box detector) is returned as it is, and ``rect`` drops every outline."""
    if not any(r.polygon is not None for r in regions):
        return list(regions)
    if mode == "rect":
        return [replace(r, polygon=None) for r in regions]
    shaped: list[Region] = []
    for region in regions:
        previous = shaped[-1].polygon if shaped else None
        shaped.append(replace(region, polygon=shaped_outline(region.bbox, region.polygon, mode, previous)))
    return shaped


def crop_region(page_image: np.ndarray, bbox: BBox, outline: Outline | None = None) -> np.ndarray | None:
    """The pixels of a region: its box (rounded outwards, clipped to the page) and, when it has an outline, white
    outside the outline (points cut to whole pixels, as PaddleX fills them); None if the box holds no pixels."""
    height, width = page_image.shape[:2]
    x0, y0, x1, y1 = crop_bounds(bbox, width, height)
    if x1 <= x0 or y1 <= y0:
        return None
    crop = np.ascontiguousarray(page_image[y0:y1, x0:x1])
    if outline is None:
        return crop
    inside = np.zeros(crop.shape[:2], dtype=np.uint8)
    points = np.asarray(outline, dtype=np.float64).astype(np.int32) - np.array([x0, y0], dtype=np.int32)
    cv2.fillPoly(inside, [points.reshape(-1, 1, 2)], 1)
    crop = crop.copy()
    crop[inside == 0] = 255
    return crop
