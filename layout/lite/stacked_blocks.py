"""A text box the detector drew over two blocks of print stacked one above the other, split at the blank between.

At low resolution the layout model can box the last lines of a centred block (an author's affiliation under a
title) together with the column of prose below it. The page's reading order then runs from that block straight
into the column, past whatever stands beside the block (the next author). A box is split where a blank of at least
half a line runs across it and the lines above are set apart from the ones below on both sides: indented from
their left edge and short of their right edge, as a centred or offset block is. A heading over its paragraph, a
paragraph's short last line or a list's indented items line up with the print below on the left, and stay.
"""

from __future__ import annotations

import itertools
import statistics

from ocrvl.geometry import union_box
from ocrvl.layout.lite.regions import split_text_regions, word_rows
from ocrvl.types import BBox, Region, Word

# The blank between the two blocks, in line heights (the median height of the box's rows).
_MIN_GAP = 0.5
# How far the upper block stands in from the lower one's edges, on both sides, in line heights.
_MIN_INSET = 1.0


def split_stacked_blocks(regions: list[Region], per_region: list[list[Word]]) -> bool:
    """Split every text region that holds a block set apart above the rest of its print (see the module's
    docstring), the lower part appended to `regions`; True when any was split (the words must then be assigned
    again)."""
    return split_text_regions(regions, per_region, _blocks)


def _blocks(words: list[Word]) -> list[list[Word]]:
    """The words in blocks top to bottom, parted under each block set apart from the print below it."""
    rows = word_rows(words)
    boxes = [union_box([word.bbox for word in row]) for row in rows]
    height = statistics.median(box[3] - box[1] for box in boxes)
    below = list(itertools.accumulate(reversed(boxes), lambda a, b: union_box([a, b])))[::-1]  # rows k and after
    blocks: list[list[Word]] = []
    start, above = 0, boxes[0]  # the rows of the block being gathered, and their box
    for k in range(1, len(rows)):
        if boxes[k][1] - above[3] >= _MIN_GAP * height and _set_apart(above, below[k], height):
            blocks.append([word for row in rows[start:k] for word in row])
            start, above = k, boxes[k]
        else:
            above = union_box([above, boxes[k]])
    blocks.append([word for row in rows[start:] for word in row])
    return blocks


def _set_apart(above: BBox, below: BBox, height: float) -> bool:
    return above[0] - below[0] >= _MIN_INSET * height and below[2] - above[2] >= _MIN_INSET * height
