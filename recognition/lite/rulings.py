"""Rule lines in raster images: horizontal and vertical segments found by OpenCV morphology.

The image is binarized with a local (adaptive) threshold, so thin light-gray rules and the
edges of shaded bands both come out as ink. An opening with a long, one-pixel-thin kernel then
keeps only ink runs longer than any glyph stroke; each remaining blob is one segment, kept if it
is thin and has blank pixels alongside it (a run through touching glyphs has not). Blobs may
slope a little (scans are rarely perfectly straight); collinear pieces are joined.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocrvl.types import Ruling

_MAX_THICKNESS = 6  # px: thicker ink runs are solid areas (pictures, bars), not rules
_MAX_SLOPE = 0.05  # drift across a rule per unit of length (about 3 degrees)
_JOIN_GAP = 4  # px: collinear pieces closer than this are one line
_MAX_SIDE_INK = 0.4  # fraction of inked pixels allowed right beside a rule


def detect_rulings(image: np.ndarray) -> list[Ruling]:
    """Horizontal and vertical rule lines in an RGB image (OpenCV morphology), in that image's pixels."""
    if image.size == 0 or min(image.shape[:2]) < 8:
        return []
    ink = _ink_mask(image)
    min_len = _min_rule_length(ink)
    horizontal = _segments(ink, min_len)
    vertical = [_transpose(r) for r in _segments(np.ascontiguousarray(ink.T), min_len)]
    return _join(horizontal, horizontal=True) + _join(vertical, horizontal=False)


def _ink_mask(image: np.ndarray) -> np.ndarray:
    """Dark-on-light ink as 255, from a local threshold (robust to shading and light rules)."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10)


def _min_rule_length(ink: np.ndarray) -> int:
    """Shortest run accepted as a rule: a few glyph heights, so letters and digits never pass."""
    half = np.ascontiguousarray(ink[::2, ::2])  # glyph sizes need no full resolution
    _, _, stats, _ = cv2.connectedComponentsWithStats(half, connectivity=8)
    heights = 2 * stats[1:, cv2.CC_STAT_HEIGHT]
    heights = heights[(heights >= 4) & (heights <= ink.shape[0] / 4)]
    glyph = float(np.median(heights)) if heights.size else 10.0
    return int(max(12, round(2.5 * glyph)))


def _segments(ink: np.ndarray, min_len: int) -> list[Ruling]:
    """Horizontal runs of ink at least `min_len` long, as (possibly slightly sloped) segments."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (min_len, 1))
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, kernel)
    contours, _ = cv2.findContours(lines, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        blob = lines[y : y + h, x : x + w] > 0
        if h > _MAX_THICKNESS + _MAX_SLOPE * w or np.count_nonzero(blob) > _MAX_THICKNESS * w:
            continue
        if not _isolated(ink, x, y, w, h):
            continue
        end = max(1, min(w // 4, 20))
        out.append(Ruling(float(x), y + _mean_row(blob[:, :end]), float(x + w), y + _mean_row(blob[:, -end:])))
    return out


def _mean_row(blob: np.ndarray) -> float:
    rows = np.nonzero(blob)[0]
    return float(rows.mean()) + 0.5 if rows.size else blob.shape[0] / 2


def _isolated(ink: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    """A rule has (mostly) blank pixels alongside it; a run through touching glyphs does not.

    Looks at the pixel rows 2 and 3 px above and below the run's box.
    """
    strips = [ink[yy, x : x + w] for yy in (y - 3, y - 2, y + h + 1, y + h + 2) if 0 <= yy < ink.shape[0]]
    return all(np.count_nonzero(s) <= _MAX_SIDE_INK * s.size for s in strips)


def _transpose(r: Ruling) -> Ruling:
    return Ruling(r.y0, r.x0, r.y1, r.x1)


def _join(segments: list[Ruling], horizontal: bool) -> list[Ruling]:
    """Merge collinear segments (same position within 2 px) whose ends nearly touch."""

    def key(r: Ruling) -> tuple[float, float, float, float]:
        # (start, position at start, end, position at end) along the line's direction
        return (r.x0, r.y0, r.x1, r.y1) if horizontal else (r.y0, r.x0, r.y1, r.x1)

    merged: list[list[float]] = []
    for a, pa, b, pb in sorted(key(r) for r in segments):
        for m in merged:
            if abs(m[3] - pa) <= 2 and a <= m[2] + _JOIN_GAP:
                if b > m[2]:
                    m[2], m[3] = b, pb
                break
        else:
            merged.append([a, pa, b, pb])
    if horizontal:
        return [Ruling(a, pa, b, pb) for a, pa, b, pb in merged]
    return [Ruling(pa, a, pb, b) for a, pa, b, pb in merged]
