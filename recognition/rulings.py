"""Rule lines in raster images: horizontal and vertical segments found by OpenCV morphology.

The image is binarized with a local (adaptive) threshold, so thin light-gray rules and the
edges of shaded bands both come out as ink. An opening with a long, one-pixel-thin kernel then
keeps only ink runs longer than any glyph stroke; each remaining connected component is one
segment. Collinear pieces separated by small breaks (anti-aliasing, crossings) are joined.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocrvl.types import Ruling

_MAX_THICKNESS = 6  # px: thicker ink runs are solid areas (pictures, bars), not rules
_JOIN_GAP = 4  # px: collinear pieces closer than this are one line
_MAX_SIDE_INK = 0.4  # fraction of inked pixels allowed right beside a rule


def detect_rulings(image: np.ndarray) -> list[Ruling]:
    """Horizontal and vertical rule lines in an RGB image (OpenCV morphology), in that image's pixels."""
    if image.size == 0 or min(image.shape[:2]) < 8:
        return []
    ink = _ink_mask(image)
    min_len = _min_rule_length(ink)
    horizontal = _segments(ink, min_len, horizontal=True)
    vertical = _segments(ink, min_len, horizontal=False)
    return _join(horizontal, horizontal=True) + _join(vertical, horizontal=False)


def _ink_mask(image: np.ndarray) -> np.ndarray:
    """Dark-on-light ink as 255, from a local threshold (robust to shading and light rules)."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10)


def _min_rule_length(ink: np.ndarray) -> int:
    """Shortest run accepted as a rule: a few glyph heights, so letters and digits never pass."""
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    heights = heights[(heights >= 3) & (heights <= ink.shape[0] / 4)]
    glyph = float(np.median(heights)) if heights.size else 10.0
    return int(max(12, round(2.5 * glyph)))


def _segments(ink: np.ndarray, min_len: int, horizontal: bool) -> list[Ruling]:
    """Connected runs of ink at least `min_len` long in one direction, as thin segments."""
    shape = (min_len, 1) if horizontal else (1, min_len)
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, shape))
    n, _, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    out = []
    for x, y, w, h, _area in stats[1:]:
        if horizontal and h <= _MAX_THICKNESS and _isolated(ink, x, y, w, h, horizontal):
            out.append(Ruling(float(x), y + h / 2, float(x + w), y + h / 2))
        elif not horizontal and w <= _MAX_THICKNESS and _isolated(ink, x, y, w, h, horizontal):
            out.append(Ruling(x + w / 2, float(y), x + w / 2, float(y + h)))
    return out


def _isolated(ink: np.ndarray, x: int, y: int, w: int, h: int, horizontal: bool) -> bool:
    """A rule has (mostly) blank pixels alongside it; a run through touching glyphs does not.

    Looks at the pixel rows (columns) 2 and 3 px beyond each side of the run.
    """
    if horizontal:
        strips = [ink[yy, x : x + w] for yy in (y - 3, y - 2, y + h + 1, y + h + 2) if 0 <= yy < ink.shape[0]]
    else:
        strips = [ink[y : y + h, xx] for xx in (x - 3, x - 2, x + w + 1, x + w + 2) if 0 <= xx < ink.shape[1]]
    return all(float(np.count_nonzero(s)) <= _MAX_SIDE_INK * s.size for s in strips)


def _join(segments: list[Ruling], horizontal: bool) -> list[Ruling]:
    """Merge collinear segments (same position within 2 px) whose ends nearly touch."""

    def key(r: Ruling) -> tuple[float, float, float]:
        # (position across the line, start, end) along its direction
        return (r.y0, r.x0, r.x1) if horizontal else (r.x0, r.y0, r.y1)

    items = sorted((key(r) for r in segments), key=lambda k: (k[1], k[0]))
    merged: list[list[float]] = []
    for pos, a, b in items:
        for m in merged:
            if abs(m[0] - pos) <= 2 and a <= m[2] + _JOIN_GAP:
                m[2] = max(m[2], b)
                break
        else:
            merged.append([pos, a, b])
    if horizontal:
        return [Ruling(a, pos, b, pos) for pos, a, b in merged]
    return [Ruling(pos, a, pos, b) for pos, a, b in merged]
