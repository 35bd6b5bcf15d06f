"""Numbered items set out in side-by-side columns but numbered across the rows (a textbook's exercises, a test's
questions): 1, 2, 3 on the first row, 4, 5, 6 on the next. The layout model boxes each column as one text region,
and column by column they would read 1, 4, 7, ..., 2, 5, 8; their numbers say how they are meant to be read."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ocrvl.geometry import row_overlap, union_box
from ocrvl.layout.lite.regions import word_rows
from ocrvl.types import Region, Word

# An item's number opening its first line: "12." "12)" "(12)" (an OCR line may run it into its first word).
_ITEM_NUMBER = re.compile(r"^\(?(\d{1,3})[.)]")
_SIDE_BY_SIDE = 0.5  # columns share at least this share of the shorter one's height


def read_numbered_grids_across(regions: list[Region], words_per_region: Sequence[Sequence[Word]]) -> bool:
    """Where text regions next to each other in reading order stand side by side and hold numbered items whose
    numbers run across them row by row, each item becomes a region of its own, and the items take the columns'
    places in the reading order in their numbers' order. `regions` is changed in place (the columns replaced by
    their items, later regions moved down the order); True when a grid was found."""
    words_of = {id(region): words for region, words in zip(regions, words_per_region)}
    found = False
    for columns in _side_by_side_runs(regions):
        items = [_items(words_of[id(column)]) for column in columns]
        if not _numbered_across(items):
            continue
        first, count = columns[0].order, sum(len(column_items) for column_items in items)
        assert first is not None  # runs are taken from regions in the reading order
        for region in regions:
            if region.order is not None and region.order > columns[-1].order:
                region.order += count - len(columns)
        numbered = sorted(
            ((_number(item), Region(union_box([w.bbox for w in item]), "text", column.score))
             for column, column_items in zip(columns, items) for item in column_items),
            key=lambda pair: pair[0],
        )  # fmt: skip
        for rank, (_, item_region) in enumerate(numbered):
            item_region.order = first + rank
        regions[:] = [r for r in regions if not any(r is column for column in columns)]
        regions += [item_region for _, item_region in numbered]
        found = True
    return found


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
    return right.bbox[0] >= left.bbox[2] - 0.05 * left.width and row_overlap(left.bbox, right.bbox) >= _SIDE_BY_SIDE


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
