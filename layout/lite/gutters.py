"""Column gutters told from the OCR lines around a gap, for lines the layout detector left outside every box.

A gap in a line of print is a word space, however wide justification makes it, when the lines above and below
run across it; it is a gutter between two columns when a strip of it stays clear of print for a few lines above
or below, with print of a column on both sides. In narrow justified columns a word space can be wider than the
gutter, and two headlines side by side can stand closer than a line height, so the width of a gap alone tells
neither. The boxes are OCR lines trimmed to their print (see `line_ink.py`); a text layer's words are not judged
here, as their spaces can be as wide as the narrowest gutter accepted.
"""

from __future__ import annotations

import bisect
import re
import statistics
from collections.abc import Sequence

from ocrvl.geometry import row_overlap, uncovered
from ocrvl.types import BBox, Word

# A gutter's clear strip runs this many line heights above or below the line...
_GUTTER_RUN = 5.0
# ...and is at least this wide, in heights of the lines around it.
_GUTTER_WIDTH = 0.3
# Print of a column beside the strip: a word or line at least _COLUMN_PRINT line heights wide within
# _BESIDE_REACH of it (a ragged column's lines end short).
_COLUMN_PRINT = 2.5
_BESIDE_REACH = 4.0
# In a line of print this much larger than the lines around it (a headline), a gap narrower than _WORD_SPACE of
# its height is a word space even over the gutter of the columns below.
_LARGER_PRINT = 1.5
_WORD_SPACE = 0.35
# A word whose gap on one side is under this fraction of the gap on its other side belongs with that side.
_NEARER = 0.5
# The mark of a numbered item or of a test's answer choice: "3.", "(2)", "B．", "C、".
_ITEM_MARK = re.compile(r"\(?([A-H]|\d{1,3})[.．、)）]")
# A closing bracket read on its own: the end of a blank set in brackets for an answer ("（      ）").
_CLOSER = re.compile(r"[)）\]】」』》]+")


class WordRows:
    """The boxes of a page's words (OCR lines), found by the height of their centres."""

    def __init__(self, words: Sequence[Word]):
        self._boxes = sorted((w.bbox for w in words), key=lambda b: b[1] + b[3])
        self._middles = [(b[1] + b[3]) / 2 for b in self._boxes]

    def between(self, top: float, bottom: float) -> list[BBox]:
        """The boxes whose centres lie strictly between `top` and `bottom`."""
        return self._boxes[bisect.bisect_right(self._middles, top) : bisect.bisect_left(self._middles, bottom)]

    def on_line(self, line: BBox) -> list[BBox]:
        """The boxes sharing most of their height with the `line` box."""
        return [b for b in self.between(line[1], line[3]) if row_overlap(b, line) > 0.5]


def is_gutter(gap: tuple[float, float], line: BBox, rows: WordRows) -> bool:
    """Whether the horizontal `gap` beside the `line` box is a column gutter, going by the page's words."""
    height = line[3] - line[1]
    reach = _GUTTER_RUN * height
    for top, bottom in ((line[1] - reach, line[1]), (line[3], line[3] + reach)):
        around = rows.between(top, bottom)
        if not around:
            continue
        body = statistics.median(b[3] - b[1] for b in around)
        if height > _LARGER_PRINT * body and gap[1] - gap[0] < _WORD_SPACE * height:
            return False
        if _clear_strip(gap, around, min(height, body)):
            return True
    return False


def split_at_gutters(row: Sequence[Word], rows: WordRows, max_gap: float) -> list[list[Word]]:
    """The words of one row of the page, left to right, cut into lines: at every gap wider than `max_gap` line
    heights, and at every column gutter. A word clearly nearer the word before it than the print after it stays
    with it (the last word of a long line in a ragged column reaches into the gutter); so do the answer choices of
    a test set in a row however far apart ("A. 1  B. 2  C. 6  D. 9", whose letters line up down the page like
    columns), a choice read apart from its letter, and a closing bracket read apart from the words it closes."""
    pieces: list[list[Word]] = []
    for word in sorted(row, key=lambda w: w.bbox[0]):
        if pieces:
            b, gap = word.bbox, (pieces[-1][-1].bbox[2], word.bbox[0])
            near = gap[1] - gap[0] < max_gap * (b[3] - b[1]) or _CLOSER.fullmatch(word.text.strip()) is not None
            if _in_sequence(pieces, word.text) or (near and not _parts(b, gap, rows)):
                pieces[-1].append(word)
                continue
        pieces.append([word])
    return pieces


def _parts(b: BBox, gap: tuple[float, float], rows: WordRows) -> bool:
    """Whether the `gap` before the word box `b` is a column gutter that the word does not clearly stand across."""
    half = (b[3] - b[1]) / 2
    after = [other[0] - b[2] for other in rows.between(b[1] - half, b[3] + half) if other[0] >= b[2]]
    if after and gap[1] - gap[0] < _NEARER * min(after):
        return False
    return is_gutter(gap, b, rows)


def _in_sequence(pieces: Sequence[Sequence[Word]], text: str) -> bool:
    """Whether `text` goes on a row of numbered or lettered items begun in `pieces`: the piece before it is an
    item's mark alone, or it starts with the mark after one printed before it on the row ("D." after "C.")."""
    if _ITEM_MARK.fullmatch(pieces[-1][-1].text.strip()):
        return True
    mark = _ITEM_MARK.match(text)
    if mark is None:
        return False
    number = mark.group(1)
    before = str(int(number) - 1) if number.isdigit() else chr(ord(number) - 1)
    printed = " ".join(w.text for piece in pieces for w in piece)
    return re.search(rf"(?:^|\s)\(?{before}[.．、)）]", printed) is not None


def _clear_strip(gap: tuple[float, float], around: Sequence[BBox], height: float) -> bool:
    """Whether a strip of `gap` at least a gutter wide is crossed by none of the boxes `around`, with print of a
    column on either side of it (the numbers of a list hung left of its items are no column)."""
    reach = _BESIDE_REACH * height
    column = [b for b in around if b[2] - b[0] >= _COLUMN_PRINT * height]
    return any(
        end - start >= _GUTTER_WIDTH * height
        and any(start - reach <= b[2] <= start for b in column)
        and any(end <= b[0] <= end + reach for b in column)
        for start, end in uncovered(gap, [(b[0], b[2]) for b in around])
    )
