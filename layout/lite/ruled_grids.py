"""Tables the layout detector missed but the page draws: text set in a grid of ruling lines.

A born-digital page's rulings are joined into connected frames. A frame is a table when rules run
across it between at least three rows of text, at least one rule runs down inside it between text,
and most of its rows hold text, or when it rules off two rows of text into three columns or more;
gridlines inside a larger picture box (a chart) and boxes around a paragraph (two rules across) are not.
Text and picture regions the frame holds give way to one table region.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocrvl.geometry import center, centred_in, covered_fraction, union_box
from ocrvl.labels import PICTURE_LABELS
from ocrvl.layout.lite.cdla import LABEL_IDS
from ocrvl.types import BBox, Region, Ruling, Word

_TOUCH = 8.0  # px: rules this close belong to one frame (shaded cells often stand a few px apart)
_SAME_LINE = 3.0  # px: horizontal rules this close are one line
_ACROSS = 0.6  # share of the frame's width a horizontal rule must cover to separate rows
_HELD = 0.8  # share of a text region's box inside the frame for the frame to take it over
_FILLED_ROWS = 0.5  # share of the frame's rows that must hold text


def tables_from_ruled_grids(regions: list[Region], words: Sequence[Word], rulings: Sequence[Ruling]) -> bool:
    """Add a table region for every ruled grid of text that no table or picture region covers, in place of
    the text regions inside it. Returns True when the regions changed."""
    changed = False
    for frame in _frames(rulings):
        box = union_box([_box(r) for r in frame])
        overlapping = [
            r for r in regions if covered_fraction(box, r.bbox) >= 0.5 or covered_fraction(r.bbox, box) >= 0.5
        ]
        if any(r.label == "table" or (r.label in PICTURE_LABELS and not _is_the_grid(r, box)) for r in overlapping):
            continue
        inside = centred_in(box, words)
        if not _holds_a_table(frame, box, inside):
            continue
        regions[:] = [r for r in regions if not (r.label != "table" and covered_fraction(r.bbox, box) >= _HELD)]
        regions.append(Region(box, "table", 0.0, cls_id=LABEL_IDS["table"]))
        changed = True
    return changed


def _is_the_grid(picture: Region, box: BBox) -> bool:
    """A picture box drawn around the grid itself (a table taken for a figure), not a figure holding it."""
    return covered_fraction(picture.bbox, box) >= _HELD


def _box(r: Ruling) -> BBox:
    return min(r.x0, r.x1), min(r.y0, r.y1), max(r.x0, r.x1), max(r.y0, r.y1)


def _touch(a: BBox, b: BBox) -> bool:
    return a[0] <= b[2] + _TOUCH and b[0] <= a[2] + _TOUCH and a[1] <= b[3] + _TOUCH and b[1] <= a[3] + _TOUCH


def _frames(rulings: Sequence[Ruling]) -> list[list[Ruling]]:
    """Rulings joined into groups of touching or crossing lines."""
    boxes = [_box(r) for r in rulings]
    parent = list(range(len(rulings)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(boxes)):
        for j in range(i):
            if _touch(boxes[i], boxes[j]):
                parent[root(i)] = root(j)
    groups: dict[int, list[Ruling]] = {}
    for i, r in enumerate(rulings):
        groups.setdefault(root(i), []).append(r)
    return list(groups.values())


def _holds_a_table(frame: list[Ruling], box: BBox, words: Sequence[Word]) -> bool:
    x0, y0, x1, y1 = box
    rows = _row_rules(frame, x0, x1)
    inner_columns = [
        r
        for r in frame
        if not r.horizontal and x0 + _SAME_LINE < r.x0 < x1 - _SAME_LINE and _crosses_text_rows(r, words)
    ]
    centres = [center(w.bbox)[1] for w in words]
    filled = sum(any(a < cy < b for cy in centres) for a, b in zip(rows, rows[1:]))
    if len(rows) == 3:  # two rows: a header and one row of figures, every cell ruled off
        return len({round(r.x0 / _SAME_LINE) for r in inner_columns}) >= 2 and filled == 2
    if len(rows) < 4 or not inner_columns:  # four rules across make three rows
        return False
    return filled >= 3 and filled >= _FILLED_ROWS * (len(rows) - 1)


def _row_rules(frame: list[Ruling], x0: float, x1: float) -> list[float]:
    """y of each horizontal line that runs across most of the frame (pieces at one height joined), top down."""
    by_height: dict[int, list[tuple[float, float]]] = {}
    for r in frame:
        if r.horizontal:
            by_height.setdefault(round(r.y0 / _SAME_LINE), []).append((min(r.x0, r.x1), max(r.x0, r.x1)))
    rows = []
    for key, spans in sorted(by_height.items()):
        covered, reach = 0.0, x0
        for a, b in sorted(spans):
            covered += max(0.0, b - max(a, reach))
            reach = max(reach, b)
        if covered >= _ACROSS * (x1 - x0):
            rows.append(key * _SAME_LINE)
    merged: list[float] = []
    for y in rows:
        if not merged or y - merged[-1] > _TOUCH:  # a cell's bottom and the next cell's top
            merged.append(y)
    return merged


def _crosses_text_rows(rule: Ruling, words: Sequence[Word]) -> bool:
    """Whether a vertical rule has text on both sides at the same height (it divides cells, not a margin)."""
    ya, yb = min(rule.y0, rule.y1), max(rule.y0, rule.y1)
    beside = [w for w in words if ya <= center(w.bbox)[1] <= yb]
    return any(w.bbox[2] <= rule.x0 for w in beside) and any(w.bbox[0] >= rule.x0 for w in beside)
