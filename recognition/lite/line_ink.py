"""Detected text lines fitted to the print on the page: parted at column gutters, their boxes trimmed to the ink.

Where columns stand close (magazines, newspapers, two-column books) the DB detector often joins a line of one
column with the line beside it in the next, and the joined string can then be held apart by no layout region.
A gap inside a line is taken for a gutter only when a strip of it stays blank up and down the page between
the print of lines on both sides: the white between columns runs down the page, while the wide space between
two words of a justified line has print in the lines over and under it.

The detector grows every line by about half its height on each side. Two columns' boxes then meet or overlap
in a gutter narrower than a line height or so, and the reading order can no longer see the columns; a line's
box is therefore reported from its first to its last inked column (the recognizer still reads the padded crop
it was trained on).
"""

from __future__ import annotations

import cv2
import numpy as np

from ocrvl.geometry import box_quad, runs
from ocrvl.recognition.lite.text_detection import Quad

# A gap this many line heights wide may hold a gutter (about an em: a range's en dash, too faint for the threshold
# in a small table image, leaves a narrower one)...
_MIN_GUTTER_GAP = 0.6
# ...or, in an image read at its own resolution, one this wide (a newspaper's gutter, under an em of its small
# print, is about half the detector's padded box; in an image enlarged to be read, thin strokes such as that dash
# blur below the threshold)...
_NARROW_GUTTER_GAP = 0.45
# ...a strip of it at least this wide that stays blank _MIN_BLANK_RUN line heights in all, counting the line...
_MIN_GUTTER = 0.3
_MIN_BLANK_RUN = 5.0
# ...with print on both sides of it, within _BESIDE_REACH line heights (a ragged column's lines end short), in
# rows adding up to at least this many line heights (the print of a line is about half its box: three lines or
# so of each column). The loose lines of narrow justified columns leave rivers of aligned word spaces two or
# three lines deep; a river under a blank margin runs blank upwards, but beside nothing.
_PRINT_BESIDE = 1.6
_BESIDE_REACH = 4.0
# Lines slanting more than this (rise over run) are left as detected: the page was not deskewed.
_MAX_SLANT = 0.05
# A box trimmed to its ink keeps this fraction of a line height on either side.
_PRINT_MARGIN = 0.1
# Print the detector left out beside a line it found: looked for this many line heights either side of the line,
# on the line's middle rows; within _ADJACENT of the line's box it belongs to the line's last (or first) word, and
# the box grows over it, further out it is read as a line of its own. A mark that reaches this far above or below
# the line's box is no glyph of it (a rule, a figure), and one under _MIN_GLYPH of a line height tall is a speck.
_STRAY_REACH = 8.0
_ADJACENT = 0.5
_OVERHANG = 0.15
_MIN_GLYPH = 0.25
_MIN_DASH = 0.18  # ...unless it is this wide and _DASH_SHAPE times as wide as tall: a dash (a table's "-")
_DASH_SHAPE = 2.0
_RULE_WIDTH = 0.2  # print no wider than this crossing the line's rows and beyond is a rule, looked past
_STRAY_PADDING = 0.3
# A drop cap: print left of a line, level with its top, running down to at most _CAP_LINES line heights below it
# beside the paragraph's next line, and no wider than _CAP_WIDTH line heights (nor narrower than a glyph: a rule).
_CAP_LINES = 4.5
_CAP_WIDTH = 2.0
# A fill: dark area solid over at least _FILL_SOLID of its box, whose sides are at least these fractions of the
# image's longer side (a shaded table row, not a bold glyph or a rule); print on it is at least _FILL_CONTRAST grey
# levels darker than the fill.
_FILL_MIN_SIDE = 0.015
_FILL_LONG_SIDE = 0.2
_FILL_SOLID = 0.5
_FILL_CONTRAST = 40
# Light print on a fill that is the page's background (covering at least _DARK_BACKGROUND of it: a dark slide):
# pieces no longer than _LIGHT_GLYPH of the image's longer side (a letter of the title, not a light panel or band;
# on a dark table's fill, its light rows are such bands).
_DARK_BACKGROUND = 0.5
_LIGHT_GLYPH = 0.1


class PageInk:
    """The print of one BGR page image (see `_print_on_fills`), and the text lines' fit to it."""

    def __init__(self, bgr: np.ndarray, enlarged: bool = False):
        """`enlarged`: the image was scaled up to be read (a small one), and its faint strokes may be lost."""
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
        self.dark = _print_on_fills(gray)
        self._min_gap = _MIN_GUTTER_GAP if enlarged else _NARROW_GUTTER_GAP

    def part_at_gutters(self, quads: list[Quad]) -> list[Quad]:
        """The detected `quads`, every line that crosses a column gutter cut into its pieces on either side."""
        if not quads:
            return []
        # A box joined across columns is taller than a line of print (the columns' baselines differ a little):
        # gaps are measured against the page's typical line.
        typical = float(np.median([_height(quad) for quad in quads]))
        return [line for quad in quads for line in self._at_gutters(quad, min(typical, _height(quad)))]

    def with_stray_print(self, quads: list[Quad]) -> list[Quad]:
        """The `quads` grown over print the detector left out at their ends, and new lines for print it left out
        a little further along their rows: a closing bracket set apart ("（      ）"), a lone figure after an
        answer letter ("B.  0"), a bullet. A line added is looked beside in turn: the detector can miss the last
        of a row of answer choices set far apart ("C. 2      D.  -1") whole."""
        lines = [quad.copy() for quad in quads]
        extents = np.array([[*self._rows(q), np.floor(q[:, 0].min()), np.ceil(q[:, 0].max())] for q in quads])
        k = 0
        while k < len(lines):
            quad = lines[k]
            for side in (-1, 1):
                blob = self._stray_beside(quad, side, extents)
                if blob is None:
                    continue
                start, top, end, bottom = blob
                height = _height(quad)
                gap = start - quad[:, 0].max() if side > 0 else quad[:, 0].min() - end
                line_rows = bottom - top <= height
                if line_rows and gap <= _ADJACENT * height:
                    corners = [1, 2] if side > 0 else [0, 3]
                    lines[k][corners, 0] = (end if side > 0 else start) + side * _STRAY_PADDING * height
                else:  # further out, or a drop cap: boxed as the detector would, padded all round
                    pad = _STRAY_PADDING * height
                    x0, y0, x1, y1 = (
                        start - pad,
                        top if line_rows else top - pad,
                        end + pad,
                        bottom if line_rows else bottom + pad,
                    )
                    lines.append(box_quad((x0, y0, x1, y1)))
                    extents = np.vstack([extents, [y0, y1, np.floor(x0), np.ceil(x1)]])
            k += 1
        return lines

    def _stray_beside(self, quad: Quad, side: int, lines: np.ndarray) -> tuple[float, float, float, float] | None:
        """The box of the first print within reach beyond one end of a level line (side -1: left, 1: right) that
        no line covers (`lines`: top, bottom, left and right of each line), when it is a glyph of the line's size
        or, left of the line, a drop cap; else None."""
        if self._inked_columns(quad) is None:  # a slanted or tiny box
            return None
        top, bottom = self._rows(quad)
        height = bottom - top
        width = self.dark.shape[1]
        reach = int(_STRAY_REACH * height)
        if side > 0:
            a = int(np.ceil(quad[:, 0].max()))
            b = min(width, a + reach)
        else:
            b = int(np.floor(quad[:, 0].min()))
            a = max(0, b - reach)
        if b - a < 2:
            return None
        band = (top + height // 5, bottom - height // 5)
        inked = self.dark[band[0] : band[1], a:b].any(axis=0)
        # any line reaching into the band covers its columns (a neighbouring column's line, set a little higher)
        crossing = (lines[:, 0] < band[1]) & (lines[:, 1] > band[0]) & (lines[:, 3] > a) & (lines[:, 2] < b)
        for lo, hi in lines[crossing, 2:4].astype(int) - a:
            inked[max(lo, 0) : max(hi, 0)] = False
        if side < 0:
            inked = inked[::-1]  # nearest the line first
        for start, end in _clusters(runs(inked), _ADJACENT * height):  # a glyph's parts, the letters of a word
            x0, x1 = (a + start, a + end) if side > 0 else (b - end, b - start)
            ink = self._print_rows(max(0, x0 - 1), x1 + 1, top, bottom)  # a rule resampled wanders a pixel
            if ink is None:
                return None
            overhangs = ink[0] < top - _OVERHANG * height, ink[1] > bottom + _OVERHANG * height
            if all(overhangs) and x1 - x0 <= _RULE_WIDTH * height:
                continue  # a rule down the page (a table's column rule): the row goes on past it
            if overhangs[0]:
                return None
            return self._stray_glyph(x0, x1, ink, top, bottom, side, lines)
        return None

    def _stray_glyph(
        self, x0: int, x1: int, ink: tuple[int, int], top: int, bottom: int, side: int, lines: np.ndarray
    ) -> tuple[float, float, float, float] | None:
        """The box of print found beside a line when it is a glyph of the line's size or a drop cap, else None."""
        height = bottom - top
        within = ink[1] <= bottom + _OVERHANG * height
        tall, wide = ink[1] - ink[0], x1 - x0
        dash = wide >= max(_MIN_DASH * height, _DASH_SHAPE * tall) and self._unbroken(x0, x1, ink)  # no dot leader
        glyph = within and (tall >= _MIN_GLYPH * height or dash)
        drop_cap = (
            side < 0
            and ink[1] >= bottom + _OVERHANG * height
            and _MIN_GLYPH * height <= x1 - x0 <= _CAP_WIDTH * height
            and self._lines_beside(lines, x1, bottom, ink[1])
        )
        if glyph:
            return float(x0), float(top), float(x1), float(bottom)
        return (float(x0), float(ink[0]), float(x1), float(ink[1])) if drop_cap else None

    def _unbroken(self, x0: int, x1: int, rows: tuple[int, int]) -> bool:
        """Whether every column from x0 to x1 holds print between the two rows: one stroke, not a row of dots."""
        return bool(self.dark[rows[0] : rows[1] + 1, x0:x1].any(axis=0).all())

    @staticmethod
    def _lines_beside(lines: np.ndarray, x: float, below: float, down_to: float) -> bool:
        """Whether a line starts right of `x` with its top between `below` and `down_to` (the next line of a
        paragraph, set beside its drop cap)."""
        return bool(np.any((lines[:, 2] >= x) & (lines[:, 0] >= below - 1) & (lines[:, 0] < down_to)))

    def _print_rows(self, x0: int, x1: int, top: int, bottom: int) -> tuple[int, int] | None:
        """The first and last row of the print in columns x0 .. x1 that runs unbroken through the middle of the
        line between `top` and `bottom`, looked for down to `_CAP_LINES` line heights below it; None if none."""
        height = bottom - top
        above = max(0, top - height)
        rows = self.dark[above : min(self.dark.shape[0], top + int(_CAP_LINES * height)), x0:x1].any(axis=1)
        middle = top + height // 2 - above
        around = [(s, e) for s, e in runs(rows) if s <= middle + height // 5 and e >= middle - height // 5]
        if not around:
            return None
        return min(s for s, _ in around) + above, max(e for _, e in around) + above

    def print_span(self, quad: Quad) -> tuple[float, float]:
        """The left and right x of the print inside a level line (a small margin kept), else of the quad."""
        left, right = float(quad[:, 0].min()), float(quad[:, 0].max())
        fit = self._inked_columns(quad)
        if fit is None or not fit[1].any():
            return left, right
        start, inked = fit
        columns = np.flatnonzero(inked)
        margin = _PRINT_MARGIN * _height(quad)
        return max(left, start + columns[0] - margin), min(right, start + columns[-1] + 1 + margin)

    def _at_gutters(self, quad: Quad, height: float) -> list[Quad]:
        fit = self._inked_columns(quad)
        if fit is None or fit[1].size < 3 * height:
            return [quad]
        left, inked = fit
        top, bottom = self._rows(quad)
        cuts = []
        for start, end in _interior_runs(~inked):
            if end - start >= self._min_gap * height:
                gutter = self._gutter_in(left + start, left + end, top, bottom, height)
                if gutter is not None:
                    cuts.append(gutter)
        return _cut(quad, cuts)

    def _inked_columns(self, quad: Quad) -> tuple[int, np.ndarray] | None:
        """The first pixel column of a level line's box, and which of its columns hold print, looking at the
        middle of the line only (the boxes overlap the ascenders and descenders of the lines around them); None
        for a slanted or tiny box."""
        run = quad[1, 0] - quad[0, 0]
        if run <= 0 or abs(quad[1, 1] - quad[0, 1]) > _MAX_SLANT * run:
            return None
        top, bottom = self._rows(quad)
        height = bottom - top
        left = int(max(0, np.floor(quad[:, 0].min())))
        right = int(min(self.dark.shape[1], np.ceil(quad[:, 0].max())))
        if height < 4 or right - left < 2:
            return None
        return left, self.dark[top + height // 5 : bottom - height // 5, left:right].any(axis=0)

    def _rows(self, quad: Quad) -> tuple[int, int]:
        return int(max(0, np.floor(quad[:, 1].min()))), int(min(self.dark.shape[0], np.ceil(quad[:, 1].max())))

    def _gutter_in(self, start: int, end: int, top: int, bottom: int, height: float) -> float | None:
        """The middle of the widest strip of columns between `start` and `end` that runs blank from the line up
        and down the page between print on both sides (a gutter between two columns of lines), or None.
        (A ragged column's short line leaves a gap wider than its gutter; the wide spaces of the first line
        under a blank top margin run blank upwards too, but beside nothing.) Where the widest such strip has no
        print beside it, the widest that runs blank far enough downwards alone is tried, then upwards alone: the
        gap between two headlines side by side under a blank margin runs blank upwards all its width, but on down
        only where the gutter between their columns is."""
        own = bottom - top
        strip = self.dark[:, start:end]
        up = _blank_rows_from(strip[:top][::-1])
        down = _blank_rows_from(strip[bottom:])
        blank_here = ~strip[top:bottom].any(axis=0)
        enough = _MIN_BLANK_RUN * height - own
        for long_enough in (up + down >= enough, down >= enough, up >= enough):
            strips = runs(long_enough & blank_here)
            if not strips:
                continue
            a, b = max(strips, key=lambda run: run[1] - run[0])
            if b - a >= _MIN_GUTTER * height and self._print_beside(start, a, b, top, bottom, up, down, height):
                return start + (a + b) / 2
        return None

    def _print_beside(
        self, start: int, a: int, b: int, top: int, bottom: int, up: np.ndarray, down: np.ndarray, height: float
    ) -> bool:
        """Whether print stands on both sides of the strip of columns `a` to `b` (from `start`) along its blank."""
        middle = (a + b) // 2
        rows = np.r_[top - int(up[middle]) : top, bottom : bottom + int(down[middle])]
        reach = int(_BESIDE_REACH * height)
        left_side = self.dark[rows, max(0, start + a - reach) : start + a].any(axis=1)
        right_side = self.dark[rows, start + b : start + b + reach].any(axis=1)
        return np.count_nonzero(left_side & right_side) >= _PRINT_BESIDE * height


def _print_on_fills(gray: np.ndarray) -> np.ndarray:
    """The pixels darker than Otsu's threshold, where a solid dark area (a slide's coloured band, a table's dark
    header row, a scanner's black margin) counts as paper and only what is printed darker on it as print: else a
    line on such a band grows over the whole band, and its gutters close."""
    _, dark = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    side = max(gray.shape)
    ink = dark.astype(bool)
    if not _may_hold_fills(dark, side):
        return ink
    _, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    widths, heights, areas = (stats[:, field] for field in (cv2.CC_STAT_WIDTH, cv2.CC_STAT_HEIGHT, cv2.CC_STAT_AREA))
    fills = (
        (np.minimum(widths, heights) >= _FILL_MIN_SIDE * side)
        & (np.maximum(widths, heights) >= _FILL_LONG_SIDE * side)
        & (areas >= _FILL_SOLID * widths * heights)
    )
    fills[0] = False  # the background
    for label in np.flatnonzero(fills):
        x, y, w, h, area = (int(v) for v in stats[label])
        levels = gray[y : y + h, x : x + w]
        area_of_fill = labels[y : y + h, x : x + w] == label
        fill = float(np.median(levels[area_of_fill]))
        # over the fill's whole box: the counters of light letters printed on it are bits of the fill cut off
        ink[y : y + h, x : x + w] &= levels <= fill - _FILL_CONTRAST
        if area >= _DARK_BACKGROUND * gray.size:
            ink[y : y + h, x : x + w] |= _light_print(
                area_of_fill, levels >= fill + _FILL_CONTRAST, _LIGHT_GLYPH * side
            )
    return ink


_POOL = 4  # pixels a side pooled into one to look for fills


def _may_hold_fills(dark: np.ndarray, side: int) -> bool:
    """Whether the dark pixels `dark` of a page whose longer side is `side` may hold a fill, told from the page
    pooled `_POOL` x `_POOL` into one pixel (dark where any of them is): a piece of ink lies inside one piece of
    the pooled page, no more than `_POOL` times as wide or tall, so where no pooled piece is large enough, no
    piece of ink is. Labelling the pooled page's pieces takes a sixteenth of the time."""
    pooled = cv2.dilate(dark, np.ones((_POOL, _POOL), np.uint8), anchor=(0, 0))[::_POOL, ::_POOL]
    _, _, stats, _ = cv2.connectedComponentsWithStats(np.ascontiguousarray(pooled), connectivity=8)
    widths, heights = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    short, long = np.minimum(widths, heights) * _POOL, np.maximum(widths, heights) * _POOL
    return bool(((short >= _FILL_MIN_SIDE * side) & (long >= _FILL_LONG_SIDE * side)).any())


def _light_print(fill: np.ndarray, light: np.ndarray, max_side: float) -> np.ndarray:
    """Print set light on a dark `fill` (white letters on a dark slide): the `light` pixels enclosed by the fill,
    in pieces no longer than `max_side` (a letter, a bullet; not a light panel or the page inside a scanner's
    black frame, which hold print of their own)."""
    outside = np.pad(~fill, 1).astype(np.uint8)
    cv2.floodFill(outside, None, (0, 0), 2)
    enclosed = (outside[1:-1, 1:-1] == 1) & light
    count, labels, stats, _ = cv2.connectedComponentsWithStats(enclosed.astype(np.uint8), connectivity=8)
    small = np.zeros(count, dtype=bool)
    small[1:] = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]) <= max_side
    return small[labels]


def _clusters(pieces: list[tuple[int, int]], gap: float) -> list[tuple[int, int]]:
    """Runs of inked columns joined where they stand less than `gap` apart, nearest first."""
    clusters: list[list[int]] = []
    for start, end in pieces:
        if clusters and start - clusters[-1][1] <= gap:
            clusters[-1][1] = end
        else:
            clusters.append([start, end])
    return [(start, end) for start, end in clusters]


def _height(quad: Quad) -> float:
    return float(quad[:, 1].max() - quad[:, 1].min())


def _interior_runs(blank: np.ndarray) -> list[tuple[int, int]]:
    """Runs of blank columns with print on both sides, as (start, end) indices."""
    return [(start, end) for start, end in runs(blank) if start > 0 and end < blank.size]


def _blank_rows_from(rows: np.ndarray) -> np.ndarray:
    """For each column of `rows` (dark pixels, nearest row first), how many rows it stays blank from the start."""
    if rows.shape[0] == 0:
        return np.zeros(rows.shape[1], dtype=int)
    return np.where(rows.any(axis=0), np.argmax(rows, axis=0), rows.shape[0])


def _cut(quad: Quad, cuts: list[float]) -> list[Quad]:
    if not cuts:
        return [quad]
    edges = [float(quad[0, 0]), *cuts, float(quad[1, 0])]
    return [_slice(quad, a, b) for a, b in zip(edges, edges[1:])]


def _slice(quad: Quad, x_from: float, x_to: float) -> Quad:
    """The part of a level quad between two x positions, its top and bottom edges kept on their lines."""

    def at(a: np.ndarray, b: np.ndarray, x: float) -> np.ndarray:
        t = (x - a[0]) / (b[0] - a[0]) if b[0] != a[0] else 0.0
        return a + (b - a) * t

    tl, tr, br, bl = quad
    return np.array([at(tl, tr, x_from), at(tl, tr, x_to), at(bl, br, x_to), at(bl, br, x_from)], dtype=np.float32)
