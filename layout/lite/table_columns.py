"""Columns of figures the layout detector left outside a table's box.

A borderless table's last column often stands far to the right of the others, and the small CDLA detector
then ends the table's box short of it and boxes the column as text of its own ("Change 44.6 88.4 43.7 ..."
read after the table). A text box beside a table is one of its columns when it is set like one: nothing but
figures and marks, a header word at most, on lines that line up with the table's rows.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from ocrvl.geometry import union_box
from ocrvl.labels import FIGURE, NO_FIGURE
from ocrvl.layout.lite.regions import group_lines
from ocrvl.types import BBox, Region, Word

_MIN_LINES = 3
_FIGURE_LINES = 0.7  # of the column's lines: the rest may be its header
_ALIGNED_LINES = 0.8  # of the column's lines on a row of the table
_ROW_TOLERANCE = 0.5  # line heights between a line's middle and its row's
_BESIDE = 0.8  # of the column's height within the table's


def grow_tables_over_figure_columns(regions: list[Region], words_per_region: Sequence[Sequence[Word]]) -> bool:
    """Grow each table's box over the columns of figures boxed as text beside it; those text regions give way.
    Returns True when a table grew."""
    taken: set[int] = set()
    for t, table in enumerate(regions):
        if table.label != "table" or not words_per_region[t]:
            continue
        rows = [_middle(union_box([w.bbox for w in line])) for line in group_lines(words_per_region[t])]
        for c, column in enumerate(regions):
            if c in taken or column.label != "text" or not words_per_region[c]:
                continue
            printed = union_box([w.bbox for w in words_per_region[c]])  # the detector's box may hold the table
            if _beside(printed, table.bbox) and _figure_column(words_per_region[c], rows):
                if not _between(regions, table.bbox, printed, (t, c)):
                    table.bbox = union_box([table.bbox, printed])
                    taken.add(c)
    regions[:] = [region for i, region in enumerate(regions) if i not in taken]
    return bool(taken)


def _middle(b: BBox) -> float:
    return (b[1] + b[3]) / 2


def _beside(column: BBox, table: BBox) -> bool:
    """Whether `column` stands left or right of `table`, nearly all of its height within the table's."""
    overlap = min(column[3], table[3]) - max(column[1], table[1])
    return overlap >= _BESIDE * (column[3] - column[1]) and (column[0] >= table[2] or column[2] <= table[0])


def _figure_column(words: Sequence[Word], rows: Sequence[float]) -> bool:
    lines = [(" ".join(w.text for w in line), union_box([w.bbox for w in line])) for line in group_lines(words)]
    if len(lines) < _MIN_LINES:
        return False
    height = statistics.median(box[3] - box[1] for _, box in lines)
    figures = sum(bool(FIGURE.match(text) or NO_FIGURE.match(text)) for text, _ in lines)
    aligned = sum(any(abs(_middle(box) - row) <= _ROW_TOLERANCE * height for row in rows) for _, box in lines)
    return figures >= _FIGURE_LINES * len(lines) and aligned >= _ALIGNED_LINES * len(lines)


def _between(regions: Sequence[Region], a: BBox, b: BBox, pair: tuple[int, int]) -> bool:
    """Whether a region other than the `pair` stands in the space between boxes `a` and `b`, on their common rows."""
    left, right = (a[2], b[0]) if a[2] <= b[0] else (b[2], a[0])
    top, bottom = max(a[1], b[1]), min(a[3], b[3])
    return any(
        i not in pair and r.bbox[0] < right and r.bbox[2] > left and r.bbox[1] < bottom and r.bbox[3] > top
        for i, r in enumerate(regions)
    )
