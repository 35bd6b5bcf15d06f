"""A text box the detector drew over two or more columns of print, split into one box per column.

On dense pages (newspapers, magazines) the layout model often draws one text box across several columns. Its
lines are then read row by row across the columns, a sentence of one column interleaved with the next. A box
is split where no word of it crosses a blank strip from top to bottom and the print on both sides is prose of
about one width: a few lines each, lines long against their height and filling their column (a column of labels
beside its values, bullets beside their items, a table taken for text keep their rows). A line or two of a
neighbouring column that the box took in is split off on its own. A heading set larger than the columns and
running across them (the next story's, which the box also took in) is split off too, and the columns are cut at
it: their print above it is read before it, their print below after it. A heading box over two headlines side
by side, each over columns of its own (two stories' headlines on one line), is split at the gutter between them.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from ocrvl.geometry import union_box
from ocrvl.layout.lite.regions import line_boxes, split_text_regions, word_rows
from ocrvl.types import BBox, Region, Word

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
# A heading running across the columns is set this many times as tall as their print, on at most this many lines.
_HEADING_PRINT = 1.3
_MAX_HEADING_LINES = 3
# Two headlines on one line stand this many of their heights apart at least (more than a word space)...
_HEADLINE_GAP = 0.5
# ...and their columns start within this many of their heights below them.
_COLUMNS_BELOW = 3.0
_HEADINGS = ("paragraph_title", "doc_title")
# The columns of one box are set to about one width (a table the layout took for text has wide and narrow ones).
_SIMILAR_WIDTH = 0.6


def split_text_columns(regions: list[Region], per_region: list[list[Word]]) -> bool:
    """Split every text region whose words stand in separate columns into one region per column, appended to
    `regions`; True when any was split (the words must then be assigned again)."""
    return split_text_regions(regions, per_region, _parts, min_words=2 * _MIN_LINES)


def split_headlines_at_gutters(regions: list[Region], per_region: list[list[Word]]) -> bool:
    """Split every one-line heading box over two headlines side by side (see the module's docstring) at the gutter
    between the columns below them, the right part appended to `regions`; True when any was split (the words must
    then be assigned again)."""
    split = False
    for index in range(len(regions)):
        region, words = regions[index], per_region[index]
        if region.label not in _HEADINGS or len(words) < 2 or len(word_rows(words)) != 1:
            continue
        gutter = _gutter_below(region.bbox, words, regions)
        if gutter is None:
            continue
        left = [word.bbox for word in words if (word.bbox[0] + word.bbox[2]) / 2 < gutter]
        right = [word.bbox for word in words if (word.bbox[0] + word.bbox[2]) / 2 >= gutter]
        region.bbox = union_box(left)
        regions.append(Region(union_box(right), region.label, region.score, cls_id=region.cls_id))
        split = True
    return split


def _gutter_below(box: BBox, words: Sequence[Word], regions: Sequence[Region]) -> float | None:
    """The middle of a blank between the heading's words, wider than a word space, that runs on down between two
    columns of text right below the heading: one ending at it, one starting at it, none running across it."""
    height = statistics.median(word.bbox[3] - word.bbox[1] for word in words)
    below = [
        region.bbox
        for region in regions
        if region.label == "text"
        and 0 <= region.bbox[1] - box[3] <= _COLUMNS_BELOW * height
        and region.bbox[0] < box[2]
        and region.bbox[2] > box[0]
    ]
    reach = height * _HEADLINE_GAP  # word boxes and layout boxes hug the print unevenly
    ordered = sorted(words, key=lambda word: word.bbox[0])
    for before, after in zip(ordered, ordered[1:]):
        start, end = before.bbox[2], after.bbox[0]
        if end - start < _HEADLINE_GAP * height:
            continue
        ending = any(b[2] <= end + reach for b in below)
        starting = any(b[0] >= start - reach for b in below)
        across = any(b[0] < start - reach and b[2] > end + reach for b in below)
        if ending and starting and not across:
            return (start + end) / 2
    return None


def _parts(words: Sequence[Word]) -> list[list[Word]]:
    """The words in columns (see `_columns`); where a heading set larger runs across them, the heading's lines
    and each column's print above and below them."""
    height = print_height(words)
    larger = [word for word in words if word.bbox[3] - word.bbox[1] >= _HEADING_PRINT * height]
    if not larger:
        return _columns(words)
    # a heading's lines hold nothing set smaller (a tall symbol or bold word inside a line of prose is no heading)
    headings = [word for row in word_rows(words) if all(word in larger for word in row) for word in row]
    if not headings or len(line_boxes(headings)) > _MAX_HEADING_LINES:
        return _columns(words)
    columns = _columns([word for word in words if word not in headings])
    if not _across_a_gutter(headings, columns):
        return _columns(words)
    cuts = sorted((word.bbox[1] + word.bbox[3]) / 2 for word in headings)
    parts = [headings]
    for column in columns:
        bands: dict[int, list[Word]] = {}
        for word in column:
            centre = (word.bbox[1] + word.bbox[3]) / 2
            bands.setdefault(sum(cut < centre for cut in cuts), []).append(word)
        parts += bands.values()
    return parts


def _across_a_gutter(headings: Sequence[Word], columns: Sequence[Sequence[Word]]) -> bool:
    """Whether the headings reach from one of the columns over the gutter into the next."""
    left, _, right, _ = union_box([word.bbox for word in headings])
    boxes = [union_box([word.bbox for word in column]) for column in columns]
    return any(left < a[2] and right > b[0] for a, b in zip(boxes, boxes[1:]))


def _columns(words: Sequence[Word]) -> list[list[Word]]:
    """The words in columns left to right: groups between blank vertical strips, a group that is no column
    of prose joined to a neighbour, except a stray line or two of a neighbouring box's column."""
    height = print_height(words)
    groups = side_by_side(words, height)
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


def print_height(words: Sequence[Word]) -> float:
    """The height of a line of the words' print: the lower quartile of their boxes' heights."""
    return statistics.quantiles([word.bbox[3] - word.bbox[1] for word in words], n=4)[0]


def side_by_side(words: Sequence[Word], height: float) -> list[list[Word]]:
    """The words in groups left to right, parted wherever no word crosses a blank strip from top to bottom
    `_MIN_GUTTER` times `height` wide."""
    groups: list[list[Word]] = []
    reach = float("-inf")
    for word in sorted(words, key=lambda word: word.bbox[0]):
        if not groups or word.bbox[0] - reach >= _MIN_GUTTER * height:
            groups.append([])
        groups[-1].append(word)
        reach = max(reach, word.bbox[2])
    return groups


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
