"""Rule lines in raster images: horizontal and vertical segments found by OpenCV morphology.

The image is binarized with a local (adaptive) threshold, so thin light-gray rules and the
edges of shaded bands both come out as ink. An opening with a long, one-pixel-thin kernel then
keeps only ink runs longer than any glyph stroke; each remaining blob is one segment, kept if it
is thin and has blank pixels alongside it (a run through touching glyphs has not). Blobs may
slope a little (scans are rarely perfectly straight); collinear pieces are joined.

Tables set in shaded cells (the table styles of office suites and slide decks, report tables with
banded rows) draw no dark rules at all: their cells are fills, banded in two shades or parted by thin
strips of paper. Inside a table, the steps between two shades and those strips are rules too.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ocrvl.types import BBox, Ruling

_MAX_THICKNESS = 6  # px: thicker ink runs are solid areas (pictures, bars), not rules
_MAX_SLOPE = 0.05  # drift across a rule per unit of length (about 3 degrees)
_JOIN_GAP = 4  # px: collinear pieces closer than this are one line
_MAX_SIDE_INK = 0.4  # fraction of inked pixels allowed right beside a rule
_FILL_CONTRAST = 12  # grey levels between two shades, or between a strip and the shade it parts
_SAME_RULE = 3  # px: a fill's edge this close to a dark rule is that rule


def detect_rulings(image: np.ndarray, shaded_in: Sequence[BBox] | None = None) -> list[Ruling]:
    """Horizontal and vertical rule lines in an RGB image (OpenCV morphology), in that image's pixels.

    The edges of shaded fills are looked for inside the boxes `shaded_in` (the tables), or over the whole
    image when None: they cost more than dark rules to find."""
    if image.size == 0 or min(image.shape[:2]) < 8:
        return []
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    ink = _ink_mask(gray)
    min_len, glyph = _min_rule_length(ink)
    horizontal = _segments(ink, min_len)
    across = _segments(np.ascontiguousarray(ink.T), min_len)  # the vertical rules, in the transposed image
    height, width = gray.shape
    for x0, y0, x1, y1 in [(0, 0, width, height)] if shaded_in is None else shaded_in:
        reach = 2 * glyph  # a layout box may stop short of its fill's edge
        x0, y0 = max(0, int(x0 - reach)), max(0, int(y0 - reach))
        x1, y1 = min(width, int(x1 + reach)), min(height, int(y1 + reach))
        if x1 - x0 < 8 or y1 - y0 < 8:
            continue
        crop = gray[y0:y1, x0:x1]
        found = [_shift(r, x0, y0) for r in _segments(_fill_bounds(crop, glyph), min_len)]
        horizontal += _new(found, horizontal)
        found = [_shift(r, y0, x0) for r in _segments(_fill_bounds(np.ascontiguousarray(crop.T), glyph), min_len)]
        across += _new(found, across)
    vertical = [_transpose(r) for r in across]
    return _join(horizontal, horizontal=True) + _join(vertical, horizontal=False)


def _ink_mask(gray: np.ndarray) -> np.ndarray:
    """Dark-on-light ink as 255, from a local threshold (robust to shading and light rules)."""
    return cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10)


def _fill_bounds(gray: np.ndarray, glyph: float) -> np.ndarray:
    """Where rules lie along shaded fills, as ink: steps between two flat shades (a fill's edge against the
    paper or against a fill of another shade) and light strips parting fills. The shades are read
    off a median over two glyph heights, in which print of either colour is lost among the fill or
    paper around it; so is a strip, which is therefore found on the page itself: lighter than the shade
    there and as light as the paper (a seam between two fills of one shade, drawn a little lighter where
    their edges meet, is no strip)."""
    size = min(255, 2 * int(glyph) + 1)
    shade = cv2.medianBlur(gray, size).astype(np.int16)
    steps = np.zeros(gray.shape, dtype=bool)
    steps[1:-1] = np.abs(shade[2:] - shade[:-2]) >= _FILL_CONTRAST
    paper = int(np.percentile(gray, 99))
    strips = (gray >= shade + _FILL_CONTRAST) & (gray >= paper - _FILL_CONTRAST)
    return (steps | strips).astype(np.uint8) * 255


def _new(found: list[Ruling], known: list[Ruling]) -> list[Ruling]:
    """The segments of `found` that no segment of `known` already draws (a dark rule along a fill's edge)."""

    def drawn(r: Ruling) -> bool:
        return any(
            abs((k.y0 + k.y1) - (r.y0 + r.y1)) <= 2 * _SAME_RULE
            and min(k.x1, r.x1) - max(k.x0, r.x0) > (r.x1 - r.x0) / 2
            for k in known
        )

    return [r for r in found if not drawn(r)]


def _min_rule_length(ink: np.ndarray) -> tuple[int, float]:
    """Shortest run accepted as a rule: a few glyph heights, so letters and digits never pass; and the
    glyph height."""
    half = np.ascontiguousarray(ink[::2, ::2])  # glyph sizes need no full resolution
    _, _, stats, _ = cv2.connectedComponentsWithStats(half, connectivity=8)
    heights = 2 * stats[1:, cv2.CC_STAT_HEIGHT]
    heights = heights[(heights >= 4) & (heights <= ink.shape[0] / 4)]
    glyph = float(np.median(heights)) if heights.size else 10.0
    return int(max(12, round(2.5 * glyph))), glyph


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


def _shift(r: Ruling, dx: float, dy: float) -> Ruling:
    return Ruling(r.x0 + dx, r.y0 + dy, r.x1 + dx, r.y1 + dy)


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
