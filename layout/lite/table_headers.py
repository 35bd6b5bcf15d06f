"""Header rows the layout detector left outside a table's box.

The small CDLA detector often starts a table's box below its column headers, which then come out as
a title or a heading above the table ("Variable" as the document title, "Cases Controls OR" as a
section heading). A line right above a table is one of its rows when it is set like one: two or more
short pieces side by side, within the table's width, each standing over some of the table's text.
The table grows over it, a line at a time (multi-line headers), and stops at anything else (a caption
is one long piece; body text runs across).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from ocrvl.geometry import center, centred_in, contains_point, union_box
from ocrvl.types import BBox, Region, Word

_MAX_GAP = 1.0  # line heights between the header row and the table's box
_MAX_PIECE_CHARS = 25  # a header cell is short
_PIECE_GAP = 1.0  # line heights: words further apart stand in different cells
_MAX_ROWS = 3  # header lines taken in at most
_SIDE_TOLERANCE = 0.5  # line heights a header row may stick out past the table's sides


def grow_tables_over_header_rows(regions: list[Region], words: Sequence[Word]) -> bool:
    """Grow each table's box over the header rows just above it; regions those rows were boxed as give
    way. Returns True when a table grew."""
    tables = [r for r in regions if r.label == "table"]
    grown = False
    for table in tables:
        body = centred_in(table.bbox, words)
        others = [t for t in tables if t is not table]
        for _ in range(_MAX_ROWS if body else 0):
            row = _header_row_above(table.bbox, body, words)
            if row is None or any(contains_point(t.bbox, *center(w.bbox)) for t in others for w in row):
                break
            table.bbox = union_box([table.bbox, *(w.bbox for w in row)])
            body = body + row
            grown = True
    if grown:
        regions[:] = [r for r in regions if r.label == "table" or not _emptied(r, tables, words)]
    return grown


def _emptied(region: Region, tables: Sequence[Region], words: Sequence[Word]) -> bool:
    """Whether all of a region's words now lie in a table (a header cell the detector had boxed apart)."""
    held = centred_in(region.bbox, words)
    return bool(held) and all(any(contains_point(t.bbox, *center(w.bbox)) for t in tables) for w in held)


def _header_row_above(box: BBox, body: Sequence[Word], words: Sequence[Word]) -> list[Word] | None:
    """The words of the line right above `box` when they are set as a row of the table, else None."""
    height = statistics.median(w.bbox[3] - w.bbox[1] for w in body)
    above = [w for w in words if box[1] - (_MAX_GAP + 1.5) * height <= center(w.bbox)[1] < box[1]]
    if not above:
        return None
    lowest = max(above, key=lambda w: w.bbox[3])
    row = [w for w in above if min(w.bbox[3], lowest.bbox[3]) - max(w.bbox[1], lowest.bbox[1]) > 0.5 * height]
    if box[1] - max(w.bbox[3] for w in row) > _MAX_GAP * height:
        return None
    reach = _SIDE_TOLERANCE * height
    if min(w.bbox[0] for w in row) < box[0] - reach or max(w.bbox[2] for w in row) > box[2] + reach:
        return None  # text running past the table: a paragraph or a heading of the page
    pieces = _pieces(row, height)
    if len(pieces) < 2 or any(len(" ".join(w.text for w in piece)) > _MAX_PIECE_CHARS for piece in pieces):
        return None
    if not all(_over_some_of(piece, body) for piece in pieces):
        return None
    return row


def _pieces(row: Sequence[Word], height: float) -> list[list[Word]]:
    """The words of one line, left to right, cut where they stand further apart than a word gap."""
    pieces: list[list[Word]] = []
    for word in sorted(row, key=lambda w: w.bbox[0]):
        if pieces and word.bbox[0] - pieces[-1][-1].bbox[2] <= _PIECE_GAP * height:
            pieces[-1].append(word)
        else:
            pieces.append([word])
    return pieces


def _over_some_of(piece: Sequence[Word], body: Sequence[Word]) -> bool:
    """Whether a piece stands over some of the table's text (a column header over its column)."""
    x0, x1 = min(w.bbox[0] for w in piece), max(w.bbox[2] for w in piece)
    return any(w.bbox[0] < x1 and w.bbox[2] > x0 for w in body)
