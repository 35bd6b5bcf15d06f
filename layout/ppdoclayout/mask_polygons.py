"""Region outlines from PP-DocLayoutV3's instance masks, as PaddleX's layout post-processing draws them.

Each detection comes with a binary mask over the network input at a quarter of its resolution (200 x 200 for the
800 x 800 input). For a box (corners rounded to whole pixels) the outline is found like this:

- the mask is cut to the box (box corners scaled to mask cells, rounded half to even, clipped to the mask) and
  blown up to the box's size in page pixels, nearest neighbour;
- the largest outer contour of that crop (OpenCV, simple chain) is simplified by Douglas-Peucker with a tolerance
  of 0.4 % of its perimeter;
- of its vertices, convex ones stay, concave ones only inside a run of at least two concave vertices and where
  their angle is at least 120 degrees; where two kept vertices lie more than 0.3 x `reach` apart, dropped vertices
  between them are put back, evenly spaced, as many as needed to bridge the gap; a convex vertex with an angle of
  45 +- 1 degrees is moved along its bisector, into its angle, by the mean length of its two edges;
- `reach` is the box's width when it is wider than 0.6 x the widest box, otherwise the widest box's width, where
  "width" of the widest box is measured as PaddleX measures it: its right edge minus its *top* edge (column 4 minus
  column 3 of its ``[cls, score, x0, y0, x1, y1]`` rows), kept here so that outlines are the same;
- a box with no mask pixels, an empty box or an outline of fewer than four vertices gets its rectangle.

The outline is PaddleX's ``layout_shape_mode="poly"`` shape; ``rect``, ``quad`` and ``auto`` are derived from it by
the pipeline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

MASK_STRIDE = 4  # network input pixels per mask cell
SIMPLIFY_TOLERANCE = 0.004  # Douglas-Peucker tolerance, share of the contour's perimeter
GAP_SHARE = 0.3  # largest gap between kept vertices, share of the reach
WIDE_BOX_SHARE = 0.6  # a box wider than this share of the widest box uses its own width as reach
CONCAVE_KEEP_ANGLE = 120.0  # degrees: a concave vertex in a concave run stays when at least this open
SHARP_ANGLE = 45.0  # degrees: a convex vertex this sharp (within 1 degree) is moved along its bisector

Point = tuple[float, float]


def rectangle(box: Sequence[float]) -> np.ndarray:
    """The four corners of `box` (x0, y0, x1, y1), truncated to whole pixels, clockwise from top left."""
    x0, y0, x1, y1 = np.asarray(box).astype(np.int32)
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def polygons_from_masks(
    boxes: np.ndarray, masks: np.ndarray, page_size: tuple[int, int], input_size: tuple[int, int]
) -> list[np.ndarray]:
    """The outline (k x 2 float32, page pixels) of each box from its mask.

    `boxes` n x 4 corners already rounded to whole pixels, `masks` n x h x w (nonzero = inside), `page_size` and
    `input_size` (width, height) of the page and of the network input. The reach of each outline depends on all
    `boxes`, so pass exactly the boxes whose outlines are wanted.
    """
    if len(boxes) == 0:
        return []
    width, height = page_size
    cells_per_pixel = (input_size[0] / width / MASK_STRIDE, input_size[1] / height / MASK_STRIDE)
    widest = float(np.max(boxes[:, 2] - boxes[:, 1]))  # PaddleX's "width": x1 - y0 (see the module docstring)
    return [_outline(box, mask, cells_per_pixel, widest) for box, mask in zip(boxes, masks, strict=True)]


def _outline(box: np.ndarray, mask: np.ndarray, cells_per_pixel: tuple[float, float], widest: float) -> np.ndarray:
    rect = rectangle(box)
    x0, y0, x1, y1 = (int(v) for v in np.asarray(box).astype(np.int32))
    box_w, box_h = x1 - x0, y1 - y0
    if box_w <= 0 or box_h <= 0:
        return rect
    rows, cols = mask.shape
    col0, col1 = np.clip([round(x0 * cells_per_pixel[0]), round(x1 * cells_per_pixel[0])], 0, cols)
    row0, row1 = np.clip([round(y0 * cells_per_pixel[1]), round(y1 * cells_per_pixel[1])], 0, rows)
    crop = mask[row0:row1, col0:col1]
    if crop.size == 0 or not crop.any():
        return rect
    inside = cv2.resize(crop.astype(np.uint8), (box_w, box_h), interpolation=cv2.INTER_NEAREST)
    reach = box_w if box_w > widest * WIDE_BOX_SHARE else widest
    vertices = mask_outline(inside, reach)
    if vertices is None or len(vertices) < 4:
        return rect
    return (np.asarray(vertices, dtype=np.float64) + np.array([x0, y0])).astype(np.float32)


def mask_outline(mask: np.ndarray, reach: float) -> list[Point] | None:
    """Vertices of the largest outer contour of a uint8 `mask`, simplified; None when the mask is empty."""
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    largest = max(contours, key=cv2.contourArea)  # the first of equally large ones, as Python's max gives it
    tolerance = SIMPLIFY_TOLERANCE * cv2.arcLength(largest, True)
    simplified = np.atleast_2d(cv2.approxPolyDP(largest, tolerance, True).squeeze())
    return outline_vertices(simplified, reach)


def outline_vertices(points: np.ndarray, reach: float) -> list[Point]:
    """The vertices of a closed polygon (k x 2) worth keeping, see the module docstring."""
    count = len(points)
    corners = [_corner(points, i) for i in range(count)]
    keep_concave = _concave_runs(corners)
    kept = [i for i, c in enumerate(corners) if c.convex or (i in keep_concave and c.angle >= CONCAVE_KEEP_ANGLE)]
    chosen = _bridge_gaps(points, kept, GAP_SHARE * reach)
    result: list[Point] = []
    for i in chosen:
        corner = corners[i]
        point = points[i]
        if corner.convex and abs(corner.angle - SHARP_ANGLE) < 1:
            point = point + corner.bisector * corner.mean_edge
        result.append((point[0], point[1]))
    return result


class _Corner:
    """A polygon vertex: convex or not, its angle in degrees, and its edges to the neighbours."""

    __slots__ = ("convex", "angle", "to_previous", "to_next")

    def __init__(self, previous: np.ndarray, point: np.ndarray, following: np.ndarray):
        self.to_previous = previous - point
        self.to_next = following - point
        incoming, outgoing = point - previous, following - point
        # A clockwise turn in image coordinates (y down) is convex for the contours OpenCV gives.
        self.convex = bool(incoming[0] * outgoing[1] - incoming[1] * outgoing[0] < 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            cosine = np.dot(_unit(self.to_previous), _unit(self.to_next))
            self.angle = float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))

    @property
    def bisector(self) -> np.ndarray:
        direction = _unit(self.to_previous) + _unit(self.to_next)
        return direction / np.linalg.norm(direction)

    @property
    def mean_edge(self) -> float:
        return float((np.linalg.norm(self.to_previous) + np.linalg.norm(self.to_next)) / 2)


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)


def _corner(points: np.ndarray, i: int) -> _Corner:
    count = len(points)
    return _Corner(points[(i - 1) % count], points[i], points[(i + 1) % count])


def _concave_runs(corners: list[_Corner]) -> set[int]:
    """Concave vertices that sit in runs of two or more consecutive concave vertices.

    As PaddleX counts runs: by index, without joining a run at the end of the list to one at its start; and when
    both the first and the last vertex are concave, no vertex is kept unless both lie in such runs.
    """
    concave = [i for i, c in enumerate(corners) if not c.convex]
    if not concave:
        return set()
    in_runs: set[int] = set()
    run = [concave[0]]
    for index in concave[1:]:
        if index - run[-1] == 1:
            run.append(index)
            continue
        if len(run) >= 2:
            in_runs.update(run)
        run = [index]
    if len(run) >= 2:
        in_runs.update(run)
    last = len(corners) - 1
    if len(concave) >= 2 and concave[0] == 0 and concave[-1] == last:
        return in_runs if {0, last} <= in_runs else set()
    return in_runs


def _bridge_gaps(points: np.ndarray, kept: list[int], max_gap: float) -> list[int]:
    """`kept` plus, between consecutive kept vertices farther apart than `max_gap`, evenly spaced dropped vertices
    (enough to split the gap into pieces of at most `max_gap`, if there are that many), in polygon order."""
    count = len(points)
    chosen = set(kept)
    for position, current in enumerate(kept):
        following = kept[(position + 1) % len(kept)]
        distance = float(np.linalg.norm(points[current] - points[following]))
        if max_gap <= 0 or distance <= max_gap:
            # PaddleX's arithmetic adds nothing for a negative reach (and fails for a zero one).
            continue
        if following > current:
            between = list(range(current + 1, following))
        else:
            between = list(range(current + 1, count)) + list(range(0, following))
        if not between:
            continue
        needed = math.ceil(distance / max_gap) - 1
        if len(between) <= needed:
            chosen.update(between)
        else:
            step = len(between) / needed
            chosen.update(between[int(k * step)] for k in range(needed))
    return sorted(chosen)
