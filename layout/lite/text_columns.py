"""A text box the detector drew over two or more columns of print, split into one box per column.

On dense pages (newspapers, magazines) the layout model often draws one text box across several columns. Its
lines are then read row by row across the columns, a sentence of one column interleaved with the next. A box
is split where no word of it crosses a blank strip from top to bottom and the print on both sides is prose of
about one width: a few lines each, lines long against their height and filling their column (a column of labels
beside its values, bullets beside their items, a table taken for text keep their rows). A line or two of a
neighbouring column that the box took in is split off on its own.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from ocrvl.geometry import union_box
from ocrvl.layout.lite.regions import line_boxes, split_text_regions
from ocrvl.types import Region, Word

# The blank between two columns, in line heights (OCR and text-layer word boxes hug the print; the union of many
# lines covers the spaces between words). The line height is the lower quartile of the box's word heights: an
# OCR line the detector drew across columns and that was parted again keeps the joined box's taller height.
_MIN_GUTTER = 0.3
# Lines each side must hold...
_MIN_LINES = 3
# ...their median line this many line heights long (a newspaper column is some seven)...
_MIN_LINE_WIDTH = 5.0
# ...and filling this much of the column's width: prose runs to the column's edge, labels are short and long.
_FULL_LINE = 0.75
# The columns of one box are set to about one width (a table the layout took for text has wide and narrow ones).
_SIMILAR_WIDTH = 0.6


def split_text_columns(regions: list[Region], per_region: list[list[Word]]) -> bool:
    """Split every text region whose words stand in separate columns into one region per column, appended to
    `regions`; True when any was split (the words must then be assigned again)."""
    return split_text_regions(regions, per_region, _columns, min_words=2 * _MIN_LINES)


def _columns(words: Sequence[Word]) -> list[list[Word]]:
    """The words in columns left to right: groups between blank vertical strips, a group that is no column
    of prose joined to a neighbour, except a stray line or two of a neighbouring box's column."""
    height = statistics.quantiles([word.bbox[3] - word.bbox[1] for word in words], n=4)[0]
    groups: list[list[Word]] = []
    reach = float("-inf")
    for word in sorted(words, key=lambda word: word.bbox[0]):
        if not groups or word.bbox[0] - reach >= _MIN_GUTTER * height:
            groups.append([])
        groups[-1].append(word)
        reach = max(reach, word.bbox[2])
    while len(groups) > 1:
        prose = [_is_prose_column(group, height) for group in groups]
        weak = next((i for i in range(len(groups)) if not prose[i] and not _stray(groups, prose, height, i)), None)
        if weak is None:
            break
        neighbour = weak - 1 if weak == len(groups) - 1 or (weak > 0 and _narrower(groups, weak)) else weak + 1
        low, high = sorted((weak, neighbour))
        groups[low : high + 1] = [groups[low] + groups[high]]
    widths = [_width(group) for group in groups if _is_prose_column(group, height)]
    return groups if widths and min(widths) >= _SIMILAR_WIDTH * max(widths) else [list(words)]


def _width(words: Sequence[Word]) -> float:
    box = union_box([word.bbox for word in words])
    return box[2] - box[0]


def _stray(groups: list[list[Word]], prose: list[bool], height: float, index: int) -> bool:
    """A line or two as long as a column's, beside prose columns: the end of a neighbouring box's column (a
    bullet or a list number beside its item is short)."""
    beside = [prose[i] for i in (index - 1, index + 1) if 0 <= i < len(groups)]
    lines = line_boxes(groups[index])
    return len(lines) < _MIN_LINES and min(b[2] - b[0] for b in lines) >= _MIN_LINE_WIDTH * height and all(beside)


def _narrower(groups: list[list[Word]], weak: int) -> bool:
    """Whether the gap to the left of group `weak` is narrower than the one to its right."""
    left_gap = min(w.bbox[0] for w in groups[weak]) - max(w.bbox[2] for w in groups[weak - 1])
    right_gap = min(w.bbox[0] for w in groups[weak + 1]) - max(w.bbox[2] for w in groups[weak])
    return left_gap <= right_gap


def _is_prose_column(words: list[Word], height: float) -> bool:
    lines = line_boxes(words)
    if len(lines) < _MIN_LINES:
        return False
    return statistics.median(b[2] - b[0] for b in lines) >= max(_MIN_LINE_WIDTH * height, _FULL_LINE * _width(words))
