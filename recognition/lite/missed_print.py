"""Print inside a layout region that no OCR line covers: where the layout detector boxed print that the text
detector found no line for (the denominators of a formula set alone on a page, a pale line, a lone figure), the
uncovered print is gathered into lines to be read as they are.

Print is the glyph-sized pieces of ink in the region (`ink_pieces.glyphs`). A piece is covered when its middle lies
in a line's box.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ocrvl.geometry import center, row_overlap, union_box
from ocrvl.types import BBox, Word

# Lines are looked for when at least this share of a region's print, and at least _MIN_MISSED pieces, lie in no line.
_MISSED_SHARE = 0.25
_MIN_MISSED = 3
# Below that share, only whole lines are looked for: this many pieces of print in a row, across at least this share
# of the region's print.
_WHOLE_LINE_PIECES = 12
_WHOLE_LINE_WIDTH = 0.6
# Pieces of one line overlap in height by at least this share of the shorter; a gap wider than _WORD_GAP times the
# line's height parts two lines; a line's box is padded by _PADDING of its height all round, as the detector's are.
_SAME_LINE = 0.5
_WORD_GAP = 2.0
_PADDING = 0.3


def _area(box: BBox) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def _uncovered(pieces: Sequence[BBox], words: Sequence[Word]) -> list[BBox]:
    """The pieces whose middles lie in no word's box (a page holds thousands of pieces: done in arrays)."""
    if not pieces or not words:
        return list(pieces)
    boxes = np.array([word.bbox for word in words], dtype=np.float64)
    middles = np.array([center(piece) for piece in pieces], dtype=np.float64)
    x, y = middles[:, :1], middles[:, 1:]
    inside = (boxes[:, 0] <= x) & (x <= boxes[:, 2]) & (boxes[:, 1] <= y) & (y <= boxes[:, 3])
    return [piece for piece, covered in zip(pieces, inside.any(axis=1)) if not covered]


def missed_lines(pieces: Sequence[BBox], words: Sequence[Word]) -> list[BBox]:
    """Boxes of the lines of print the `words` miss, padded as the detector pads a line; none when the words
    cover all but a little of the print (see `_MISSED_SHARE`), except whole lines the detector missed (dense print
    whose lines it ran together into a blob it then dropped)."""
    missed = _uncovered(pieces, words)
    if len(missed) < _MIN_MISSED:
        return []
    if sum(_area(piece) for piece in missed) >= _MISSED_SHARE * sum(_area(piece) for piece in pieces):
        return [_padded(union_box(line)) for line in _lines_of(missed)]
    if len(missed) < _WHOLE_LINE_PIECES:
        return []
    left, _, right, _ = union_box(pieces)
    return [
        _padded(union_box(line))
        for line in _lines_of(missed)
        if len(line) >= _WHOLE_LINE_PIECES and _width(union_box(line)) >= _WHOLE_LINE_WIDTH * (right - left)
    ]


def _lines_of(pieces: Sequence[BBox]) -> list[list[BBox]]:
    """The pieces gathered into rows, each row parted where its print leaves a gap of more than `_WORD_GAP`."""
    boxes: list[BBox] = []  # each row's box...
    rows: list[list[BBox]] = []  # ...and its pieces
    for piece in sorted(pieces, key=lambda box: box[1]):
        k = next((k for k in range(len(rows)) if row_overlap(boxes[k], piece) >= _SAME_LINE), None)
        if k is None:
            boxes.append(piece)
            rows.append([piece])
        else:
            boxes[k] = union_box([boxes[k], piece])
            rows[k].append(piece)
    lines = []
    for (_, top, _, bottom), row in zip(boxes, rows):
        group: list[BBox] = []
        end = 0.0  # where the group's print ends
        for piece in sorted(row):
            if group and piece[0] - end > _WORD_GAP * (bottom - top):
                lines.append(group)
                group = []
            end = max(end, piece[2]) if group else piece[2]
            group.append(piece)
        lines.append(group)
    return lines


def _width(box: BBox) -> float:
    return box[2] - box[0]


def _padded(box: BBox) -> BBox:
    pad = _PADDING * (box[3] - box[1])
    return box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad
