"""Numbered items set out in side-by-side columns but numbered across the rows (a textbook's exercises, a test's
questions): 1, 2, 3 on the first row, 4, 5, 6 on the next. The layout model boxes each column as one text region,
and column by column they would read 1, 4, 7, ..., 2, 5, 8; or it boxes the whole grid as one, whose rows read as
one paragraph each ("1. ... 2. ... 3. ..."). Their numbers say how they are meant to be read: one by one, in order."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ocrvl.geometry import row_overlap, union_box
from ocrvl.layout.lite.regions import word_rows
from ocrvl.types import Region, Word

# An item's number opening its first line: "12." "12)" "(12)" (an OCR line may run it into its first word).
_ITEM_NUMBER = re.compile(r"^\(?(\d{1,3})[.)](?!\d)")
_SIDE_BY_SIDE = 0.5  # columns share at least this share of the shorter one's height
_OVERHANG = 0.05  # of its width: how far a column's box may reach over the next one's left edge
_ITEM_GAP = 1.5  # line heights between one item's last word and the next one's number, beside it on its row


def read_numbered_grids_across(regions: list[Region], words_per_region: Sequence[Sequence[Word]]) -> bool:
    """Where text regions next to each other in reading order stand side by side, or one text region holds items
    side by side, and the items are numbered across the columns row by row, each item becomes a region of its own,
    and the items take the place of what held them in the reading order, in their numbers' order, after the lines
    boxed above them (an instruction). `regions` is changed in place (later regions move down the order); True
    when a grid was found."""
    words_of = {id(region): words for region, words in zip(regions, words_per_region)}
    grids = []  # (the regions holding a grid, the lines before its first item, its items column by column)
    for columns in _side_by_side_runs(regions):
        lead, rest = _lead(words_of[id(columns[0])])
        items = [_items(rest)] + [_items(words_of[id(column)]) for column in columns[1:]]
        if _numbered_across(items):
            grids.append((columns, lead, items))
    held = {id(region) for columns, _, _ in grids for region in columns}
    for region in regions:
        if region.label == "text" and region.order is not None and id(region) not in held:
            lead, rest = _lead(words_of[id(region)])
            items = [_items(words) for words in _columns_within(rest)]
            if len(items) >= 2 and _numbered_across(items):
                grids.append(([region], lead, items))
    for holders, lead, items in grids:
        _replace_by_items(regions, holders, lead, items)
    return bool(grids)


def _replace_by_items(
    regions: list[Region], holders: list[Region], lead: list[Word], items: list[list[list[Word]]]
) -> None:
    """`holders` (consecutive in the reading order) replaced in `regions` by a text region of the `lead` lines (if
    any), then one per item in their numbers' order; the regions after them move down the order."""
    first, last = holders[0].order, holders[-1].order
    assert first is not None and last is not None  # grids are found among regions in the reading order
    parts = ([lead] if lead else []) + sorted((item for column in items for item in column), key=_number)
    for region in regions:
        if region.order is not None and region.order > last:
            region.order += len(parts) - len(holders)
    score = holders[0].score
    regions[:] = [region for region in regions if not any(region is holder for holder in holders)]
    regions += [
        Region(union_box([w.bbox for w in part]), "text", score, first + rank) for rank, part in enumerate(parts)
    ]


def _lead(words: Sequence[Word]) -> tuple[list[Word], list[Word]]:
    """A region's words split before its first row that opens with an item's number (an instruction set above
    the items, boxed with them): (the rows before it, the rest)."""
    rows = word_rows(words)
    start = next((k for k, row in enumerate(rows) if _ITEM_NUMBER.match(row[0].text)), len(rows))
    return [w for row in rows[:start] for w in row], [w for row in rows[start:] for w in row]


def _columns_within(words: Sequence[Word]) -> list[list[Word]]:
    """A region's words parted into the columns its items stand in, at the left edges of the numbers that open
    items on its first row (a number set apart from the words before it by more than _ITEM_GAP line heights); all
    of them as one column when that row opens fewer than two."""
    rows = word_rows(words)
    if not rows or not _ITEM_NUMBER.match(rows[0][0].text):
        return [list(words)]
    line = float(np.median([word.bbox[3] - word.bbox[1] for word in words]))
    first_row = rows[0]
    anchors = [first_row[0].bbox[0]] + [
        word.bbox[0]
        for before, word in zip(first_row, first_row[1:])
        if _ITEM_NUMBER.match(word.text) and word.bbox[0] - before.bbox[2] > _ITEM_GAP * line
    ]
    if len(anchors) < 2:
        return [list(words)]
    reach = line  # a number set a little out of line with the one above it
    columns: list[list[Word]] = [[] for _ in anchors]
    for word in words:
        columns[max(0, sum(anchor <= word.bbox[0] + reach for anchor in anchors) - 1)].append(word)
    return columns


def _side_by_side_runs(regions: Sequence[Region]) -> list[list[Region]]:
    """Runs of two or more text regions, consecutive in the reading order, each to the right of the one before
    and level with it."""
    ordered = sorted((r for r in regions if r.order is not None), key=lambda r: r.order)
    runs: list[list[Region]] = []
    run: list[Region] = []
    for region in ordered:
        if region.label == "text" and run and _beside(run[-1], region):
            run.append(region)
            continue
        if len(run) >= 2:
            runs.append(run)
        run = [region] if region.label == "text" else []
    if len(run) >= 2:
        runs.append(run)
    return runs


def _beside(left: Region, right: Region) -> bool:
    return (
        right.bbox[0] >= left.bbox[2] - _OVERHANG * left.width and row_overlap(left.bbox, right.bbox) >= _SIDE_BY_SIDE
    )


def _items(words: Sequence[Word]) -> list[list[Word]]:
    """The region's words as numbered items (a numbered line and the lines after it up to the next numbered one);
    none when its first line is not numbered."""
    items: list[list[Word]] = []
    for row in word_rows(words):
        if _ITEM_NUMBER.match(row[0].text):
            items.append(list(row))
        elif items:
            items[-1] += row
        else:
            return []
    return items


def _number(item: Sequence[Word]) -> int:
    match = _ITEM_NUMBER.match(item[0].text)
    assert match is not None  # an item opens with its number
    return int(match.group(1))


def _numbered_across(columns: list[list[list[Word]]]) -> bool:
    """Whether item i of column c (of k) is numbered first + i * k + c, each column holding two items or more,
    none more than the first and at most one fewer, and each item level with the first column's item of its row."""
    k = len(columns)
    if any(len(items) < 2 or not len(columns[0]) - 1 <= len(items) <= len(columns[0]) for items in columns):
        return False
    first = _number(columns[0][0])
    for c, items in enumerate(columns):
        for i, item in enumerate(items):
            if _number(item) != first + i * k + c or row_overlap(item[0].bbox, columns[0][i][0].bbox) < 0.5:
                return False
    return True
