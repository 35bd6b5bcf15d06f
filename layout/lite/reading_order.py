"""Reading order by recursive XY-cut: columns first, then top to bottom.

At each level the regions are split at the empty vertical gutters (columns, read
left to right); when no gutter runs through the whole group, the group is cut into
sections at empty horizontal gaps, neighbouring bands staying together while they share
a gutter, so a full-width title or figure that interrupts the columns ends a section but a
gap that happens to cross both columns does not make them be read band by band.
A group that neither cut separates is read by its top edges.

A band that spans some columns in mid-page (a photograph and its caption) leaves two readings: the columns
above it, the band, the columns below; or down each column through it. Where the regions' text says how
it runs on (a paragraph broken off mid-sentence, the next one starting in lower case), the reading whose
joins agree with it more often is taken. Where it does not, a photograph with another column running beside
it is read through (magazines flow text around it within the columns); a heading, or a band across the page,
is read across (it mostly ends what is above it).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from ocrvl.sentences import ends_sentence
from ocrvl.types import BBox

# Boxes that overlap by less than this along an axis still count as separated: detectors pad
# their boxes, and a stray mark can stretch a paragraph's box a little into the gutter.
_MIN_TOLERANCE = 4.0  # pixels
_COLUMN_TOLERANCE = 0.012  # of the group's width, for cuts between columns
# Text blocks side by side narrower than this share of the columns below them are no part of those columns.
_FILLS_COLUMN = 0.6
# Where no cut parts a group, boxes may reach this share of their width over a gutter (see `_inner_parts`).
_REACH_OVER = 0.15


@dataclass(frozen=True)
class TextEnds:
    """How a paragraph's text meets its neighbours: whether it breaks off mid-sentence, and whether it starts
    mid-sentence (in lower case)."""

    open_end: bool
    continues: bool

    @classmethod
    def of(cls, first_word: str, last_word: str) -> TextEnds:
        return cls(not ends_sentence(last_word), first_word[:1].islower())


def xy_cut_order(
    boxes: Sequence[BBox], ends: Sequence[TextEnds | None] | None = None, pictures: frozenset[int] = frozenset()
) -> list[int]:
    """Indices of `boxes` in reading order. `ends`, where given, tells for each box holding running text how
    its text meets its neighbours (None for a box of anything else); `pictures` are the indices of pictures
    and their captions."""
    return _Reader(boxes, ends or [None] * len(boxes), pictures).order(list(range(len(boxes))))


@dataclass
class _Reader:
    boxes: Sequence[BBox]
    ends: Sequence[TextEnds | None]
    pictures: frozenset[int]

    def order(self, indices: list[int], beside_columns: bool = False) -> list[int]:
        """`indices` in reading order; `beside_columns`: they are a column group with other columns beside it."""
        if len(indices) <= 1:
            return indices
        columns = _split(indices, self.boxes, axis=0)
        if len(columns) > 1:
            return [i for column in columns for i in self.order(column, beside_columns=True)]
        sections = _sections(_split(indices, self.boxes, axis=1), self.boxes, self.pictures)
        if len(sections) > 1:
            return self._read_sections(sections, beside_columns)
        columns = _split(indices, _inner_parts(self.boxes, indices), axis=0)
        if len(columns) > 1:
            return [i for column in columns for i in self.order(column, beside_columns=True)]
        return sorted(indices, key=lambda i: (self.boxes[i][1], self.boxes[i][0]))

    def _read_sections(self, sections: list[list[int]], beside_columns: bool) -> list[int]:
        """Sections top to bottom; where bands that cross the gutters stand between two sets of the same columns
        and the text reads better with each column read down through them, that way. Where the text says
        nothing either way, bands of pictures and captions with other columns running beside them (a photograph
        over two of three columns) are read through; other bands, and bands across the page, are read across."""
        read: list[int] = []
        k = 0
        while k < len(sections):
            below = next((j for j in range(k + 1, len(sections)) if self._in_columns(sections[j])), None)
            down = None
            if self._in_columns(sections[k]) and below is not None and below > k + 1:
                bands = sections[k + 1 : below]
                pictures = all(i in self.pictures for band in bands for i in band)
                down = self._down_columns(sections[k], bands, sections[below], beside_columns and pictures)
            if down is not None:
                read += down
                k = below + 1
            else:
                read += self.order(sections[k])
                k += 1
        return read

    def _in_columns(self, section: list[int]) -> bool:
        return len(_split(section, self.boxes, axis=0)) > 1

    def _down_columns(
        self, above: list[int], bands: list[list[int]], below: list[int], by_default: bool
    ) -> list[int] | None:
        """The columns above and below the bands read one after the other, each down through them (the bands
        after the first column's part above them), when that agrees with the text better than reading across
        (or as well, `by_default`)."""
        tops, bottoms = _split(above, self.boxes, axis=0), _split(below, self.boxes, axis=0)
        if len(tops) != len(bottoms) or not all(map(self._overlap, tops, bottoms)):
            return None
        band = [i for section in bands for i in self.order(section)]
        across = self.order(above) + band + self.order(below)
        down = self.order(tops[0]) + band + self.order(bottoms[0])
        for top, bottom in zip(tops[1:], bottoms[1:], strict=True):
            down += self.order(top) + self.order(bottom)
        margin = self._agreement(down) - self._agreement(across)
        return down if margin > 0 or (by_default and margin == 0) else None

    def _overlap(self, a: list[int], b: list[int]) -> bool:
        """Whether two groups of boxes share some x range (a column continued)."""
        left = max(min(self.boxes[i][0] for i in a), min(self.boxes[i][0] for i in b))
        right = min(max(self.boxes[i][2] for i in a), max(self.boxes[i][2] for i in b))
        return left < right

    def _agreement(self, order: list[int]) -> int:
        """Joins between consecutive paragraphs that agree with their text (one broken off mid-sentence followed
        by one starting in lower case, or one ending a sentence followed by one starting afresh), less those that
        do not."""
        ends = [self.ends[i] for i in order if self.ends[i] is not None]
        return sum(1 if a.open_end == b.continues else -1 for a, b in itertools.pairwise(ends))


def _sections(bands: list[list[int]], boxes: Sequence[BBox], pictures: frozenset[int]) -> list[list[int]]:
    """Consecutive horizontal bands joined while they still share a column gutter.

    A gap that happens to run across both columns at once is no section break: the bands on either
    side of it are read as one set of columns. A band that crosses the gutter (a full-width title or
    figure) ends the section above it and starts its own.
    """
    right = max(boxes[i][2] for band in bands for i in band)
    sections: list[list[int]] = []
    for band in bands:
        if sections and _share_columns(sections[-1], band, boxes, pictures, right):
            sections[-1] = sections[-1] + band
        else:
            sections.append(list(band))
    return sections


def _share_columns(
    section: list[int], band: list[int], boxes: Sequence[BBox], pictures: frozenset[int], right: float
) -> bool:
    """Whether the band continues the section's columns: one of them is set in columns itself and
    together they still split into columns (two single boxes side by side, a centred subtitle and a
    heading at the left margin below it, are no columns). A section of text blocks side by side that fill
    none of those columns (a row of author blocks over a paper's two columns) is no part of them."""
    section_in_columns = len(_split(section, boxes, axis=0)) > 1
    band_in_columns = len(_split(band, boxes, axis=0)) > 1
    columns = _split(section + band, boxes, axis=0)
    if not (section_in_columns or band_in_columns) or len(columns) < 2:
        return False
    both_in_columns = section_in_columns and band_in_columns
    return not (both_in_columns and _blocks_beside_columns(section, columns, boxes, pictures, right))


def _blocks_beside_columns(
    section: list[int], columns: list[list[int]], boxes: Sequence[BBox], pictures: frozenset[int], right: float
) -> bool:
    """Whether the `section` of boxes side by side is text blocks, none across most of the width of its column in
    `columns` (the last reaching to `right`, the right edge of the group of boxes being read), and some standing
    in from where its column starts."""
    if any(i in pictures for i in section):
        return False
    starts = [min(boxes[i][0] for i in column) for column in columns]
    ends = [*starts[1:], right]  # a column reaches to where the next begins, the last to the group's right edge
    spans = {i: (start, end) for column, start, end in zip(columns, starts, ends, strict=True) for i in column}
    if any(boxes[i][2] - boxes[i][0] >= _FILLS_COLUMN * (spans[i][1] - spans[i][0]) for i in section):
        return False
    # headings and short lines start where their column starts; a centred or offset block stands in from it
    tolerance = max(_MIN_TOLERANCE, _COLUMN_TOLERANCE * (right - starts[0]))
    return any(boxes[i][0] - spans[i][0] > tolerance for i in section)


def _inner_parts(boxes: Sequence[BBox], indices: list[int]) -> dict[int, BBox]:
    """The boxes of `indices` without the outer _REACH_OVER of their width on each side, for a last try at
    columns in a group that no cut parts: a running head or a title may reach a little over the gutter into the
    next column, and a box of one column's lines may take in a word or two of the next."""
    inner = {}
    for i in indices:
        x0, y0, x1, y1 = boxes[i]
        trim = _REACH_OVER * (x1 - x0)
        inner[i] = (x0 + trim, y0, x1 - trim, y1)
    return inner


def _split(indices: list[int], boxes: Sequence[BBox] | dict[int, BBox], axis: int) -> list[list[int]]:
    """Group indices whose extents along `axis` overlap; groups come out in axis order."""
    lo, hi = (0, 2) if axis == 0 else (1, 3)
    tolerance = _MIN_TOLERANCE
    if axis == 0:
        width = max(boxes[i][2] for i in indices) - min(boxes[i][0] for i in indices)
        tolerance = max(tolerance, _COLUMN_TOLERANCE * width)
    ordered = sorted(indices, key=lambda i: boxes[i][lo])
    groups: list[list[int]] = [[ordered[0]]]
    reach = boxes[ordered[0]][hi]
    for i in ordered[1:]:
        if boxes[i][lo] >= reach - tolerance:
            groups.append([i])
        else:
            groups[-1].append(i)
        reach = max(reach, boxes[i][hi])
    return groups
