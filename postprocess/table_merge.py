"""A table continued on the next page merged into one (PaddleOCR-VL's ``merge_tables``).

Two continuations are recognized:

* rows continued: the same columns (after spans); the continuation's rows are appended and a header
  row it repeats is dropped;
* columns continued (a wide table printed in two halves, as in statistical reports): the same rows, keyed
  by the same first column; the continuation's other columns are appended to each row.

Work is done on the HTML text itself, so the first part's markup (``<thead>``, attributes) is kept as it is.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ocrvl.postprocess.page_breaks import join_across_page_breaks
from ocrvl.types import Block

MAX_HEADER_ROWS = 5  # as PaddleX's detect_table_headers
MAX_WIDTH_DIFFERENCE = 0.1  # relative to the narrower table, as PaddleX's can_merge_tables
MIN_KEYED_ROWS = 3  # a column continuation needs at least this many row labels that agree
MIN_KEY_AGREEMENT = 0.9

_TAG = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9]*)\b([^>]*)>", re.S)
_SPAN = {name: re.compile(rf"\b{name}\s*=\s*[\"']?\s*(\d+)", re.I) for name in ("colspan", "rowspan")}
_ANY_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Cell:
    start: int  # offsets of the whole ``<td ...>...</td>`` in the table HTML
    end: int
    colspan: int
    rowspan: int
    key: str  # visible text, normalized for comparison


@dataclass(frozen=True)
class Row:
    start: int  # offset of ``<tr``
    end: int  # offset after ``</tr>`` (or where the row stops when it is not closed)
    append_at: int  # where more cells can be inserted (before ``</tr>``)
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class HtmlTable:
    html: str
    rows: tuple[Row, ...]

    def start_columns(self) -> list[list[int]]:
        """Grid column where each cell starts, per row, honouring rowspan and colspan."""
        occupied: dict[int, set[int]] = {}
        columns: list[list[int]] = []
        for r, row in enumerate(self.rows):
            taken = occupied.setdefault(r, set())
            col, starts = 0, []
            for cell in row.cells:
                while col in taken:
                    col += 1
                starts.append(col)
                for rr in range(r, r + cell.rowspan):
                    occupied.setdefault(rr, set()).update(range(col, col + cell.colspan))
                col += cell.colspan
            columns.append(starts)
        return columns

    @property
    def column_count(self) -> int:
        starts = self.start_columns()
        return max(
            (c + cell.colspan for row, cols in zip(self.rows, starts) for cell, c in zip(row.cells, cols)),
            default=0,
        )


def normalize_cell_text(fragment: str) -> str:
    """Cell text for comparison: tags, entities, width variants, case and white space ignored."""
    text = html.unescape(_ANY_TAG.sub(" ", fragment))
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _span(attrs: str, name: str) -> int:
    match = _SPAN[name].search(attrs)
    return max(1, min(int(match.group(1)), 1000)) if match else 1


def parse_table(markup: str) -> HtmlTable | None:
    """Rows and cells of the outermost table in `markup`; None when it has no rows."""
    rows: list[Row] = []
    depth = 0
    row_start: int | None = None
    cells: list[Cell] = []
    cell: tuple[int, int, str] | None = None  # (start, content start, attrs) of the open cell

    def close_cell(at: int, end: int) -> None:
        nonlocal cell
        if cell is not None:
            start, content_start, attrs = cell
            key = normalize_cell_text(markup[content_start:at])
            cells.append(Cell(start, end, _span(attrs, "colspan"), _span(attrs, "rowspan"), key))
            cell = None

    def close_row(append_at: int, end: int) -> None:
        nonlocal row_start, cells
        close_cell(append_at, append_at)
        if row_start is not None:
            rows.append(Row(row_start, end, append_at, tuple(cells)))
        row_start, cells = None, []

    for match in _TAG.finditer(markup):
        closing, name = match.group(1), (match.group(2) or "").lower()
        if not name:  # a comment
            continue
        if name == "table":
            if closing:
                depth -= 1
                if depth == 0:
                    close_row(match.start(), match.start())
                    break
            else:
                depth += 1
            continue
        if depth != 1:  # a table nested in a cell belongs to that cell
            continue
        if name == "tr":
            if closing:
                close_row(match.start(), match.end())
            else:
                close_row(match.start(), match.start())
                row_start = match.start()
        elif name in ("td", "th") and row_start is not None:
            if closing:
                close_cell(match.start(), match.end())
            else:
                close_cell(match.start(), match.start())
                cell = (match.start(), match.end(), match.group(3))
        elif name in ("thead", "tbody", "tfoot") and closing:
            close_row(match.start(), match.start())
    else:
        close_row(len(markup), len(markup))
    return HtmlTable(markup, tuple(rows)) if rows else None


def repeated_header_rows(first: HtmlTable, second: HtmlTable) -> int:
    """How many leading rows of `second` repeat the leading rows of `first` (a header printed again)."""
    count = 0
    for a, b in zip(first.rows[:MAX_HEADER_ROWS], second.rows[:MAX_HEADER_ROWS]):
        same = len(a.cells) == len(b.cells) and all(
            (x.key, x.colspan, x.rowspan) == (y.key, y.colspan, y.rowspan) for x, y in zip(a.cells, b.cells)
        )
        if not same:
            break
        count += 1
    # Never cut through a cell that spans from the dropped rows into the kept ones.
    while count and any(r + c.rowspan > count for r, row in enumerate(second.rows[:count]) for c in row.cells):
        count -= 1
    return count


def merge_rows(first: HtmlTable, second: HtmlTable) -> str | None:
    """`first` with the rows of `second` appended (its repeated header dropped); None if columns differ."""
    if first.column_count != second.column_count:
        return None
    dropped = repeated_header_rows(first, second)
    tail = "".join(second.html[row.start : row.end] for row in second.rows[dropped:])
    at = first.rows[-1].end
    return first.html[:at] + tail + first.html[at:]


def _row_keys(table: HtmlTable) -> list[Cell | None]:
    """Per row, the cell starting in the first grid column (None where a rowspan from above covers it)."""
    return [
        row.cells[0] if row.cells and cols and cols[0] == 0 else None
        for row, cols in zip(table.rows, table.start_columns())
    ]


def merge_columns(first: HtmlTable, second: HtmlTable) -> str | None:
    """`first` with the columns of `second` appended row by row, when both tables list the same rows (same
    first-column labels and spans); the repeated label column is dropped. None when the rows differ."""
    if len(first.rows) != len(second.rows) or len(first.rows) < MIN_KEYED_ROWS:
        return None
    keys_a, keys_b = _row_keys(first), _row_keys(second)
    labels = agree = non_empty = 0
    for a, b in zip(keys_a, keys_b):
        if (a is None) != (b is None):
            return None
        if a is None or b is None:
            continue
        if (a.rowspan, a.colspan) != (b.rowspan, b.colspan) or b.colspan != 1:
            return None
        labels += 1
        agree += a.key == b.key
        non_empty += bool(a.key) and a.key == b.key
    if labels == 0 or agree / labels < MIN_KEY_AGREEMENT or non_empty < MIN_KEYED_ROWS:
        return None
    out, last = [], 0
    for row_a, row_b, key_b in zip(first.rows, second.rows, keys_b):
        kept = row_b.cells[1:] if key_b is not None else row_b.cells
        out.append(first.html[last : row_a.append_at])
        out.extend(second.html[c.start : c.end] for c in kept)
        last = row_a.append_at
    out.append(first.html[last:])
    return "".join(out)


def merge_table_html(first: str, second: str) -> str | None:
    """The two parts of one table as one HTML table, or None when they do not fit together."""
    a, b = parse_table(first), parse_table(second)
    if a is None or b is None:
        return None
    return merge_columns(a, b) or merge_rows(a, b)


# --- where the parts sit on their pages -------------------------------------------------------------------

# Blocks that may follow the first part at the end of its page, or precede the second part at the top.
PAGE_FURNITURE = frozenset({
    "header", "header_image", "footer", "footer_image", "number", "aside_text", "footnote", "vision_footnote",
})  # fmt: skip
CAPTION_LABELS = frozenset({"figure_title", "table_title", "chart_title", "paragraph_title", "doc_title"})
# A caption saying the table goes on ("Table 2—Continued", "续表") or a pointer to notes at its end.
_CONTINUATION = re.compile(
    r"\bcontinued\b|\bcontinues\b|\bcont(?:'|’|‘)?d\b|\(cont\.\)|see notes? at (?:the )?end of (?:the )?table"
    r"|续表|續表|续上?页|接上页|（续）|\(续\)",
    re.I,
)
MAX_NOTE_CHARS = 80  # a short line of other labels ("See notes at end of table.")
MAX_CAPTION_CHARS = 300


def is_continuation_marker(block: Block) -> bool:
    text = block.content.strip()
    limit = MAX_CAPTION_CHARS if block.label in CAPTION_LABELS else MAX_NOTE_CHARS
    return bool(text) and len(text) <= limit and bool(_CONTINUATION.search(text))


def _may_stand_between(block: Block) -> bool:
    return block.label in PAGE_FURNITURE or is_continuation_marker(block)


def last_table_index(blocks: Sequence[Block]) -> int | None:
    """Index of a table that ends its page's body (only page furniture or a continuation note after it)."""
    for i in range(len(blocks) - 1, -1, -1):
        if blocks[i].label == "table":
            return i
        if not _may_stand_between(blocks[i]):
            return None
    return None


def first_table_index(blocks: Sequence[Block]) -> int | None:
    """Index of a table that starts its page's body (only page furniture or a 'continued' caption before it)."""
    for i, block in enumerate(blocks):
        if block.label == "table":
            return i
        if not _may_stand_between(block):
            return None
    return None


def similar_width(a: Block, b: Block) -> bool:
    wa, wb = a.region.width, b.region.width
    return min(wa, wb) > 0 and abs(wa - wb) / min(wa, wb) < MAX_WIDTH_DIFFERENCE


def merge_tables_across_pages(pages: Sequence[Sequence[Block]], page_indexes: Sequence[int]) -> int:
    """Merge, in place, each table continued on the next page into the block where it starts.

    That block gets the whole table; the continuation keeps its place with empty content and
    ``merged_into`` naming the block that took it (PaddleX empties it the same way). A table running over
    several pages ends up whole in its first block. Returns the number of merges.
    """
    return join_across_page_breaks(pages, page_indexes, _table_edges, merge_table_html)


def _table_edges(page: Sequence[Block], next_page: Sequence[Block]) -> tuple[Block, Block] | None:
    end, start = last_table_index(page), first_table_index(next_page)
    if end is None or start is None:
        return None
    tail_part, head_part = page[end], next_page[start]
    if not similar_width(tail_part, head_part) or not head_part.content.strip():
        return None
    return tail_part, head_part
