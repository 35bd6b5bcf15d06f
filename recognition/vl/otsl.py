"""OTSL, the cell-token language PaddleOCR-VL answers table prompts in, turned into an HTML table.

A table is written row by row; every grid position is one token, rows end with ``<nl>``:

- ``<fcel>`` a cell with text (the text follows the token), ``<ecel>`` an empty cell,
- ``<lcel>`` merged with the cell to its left, ``<ucel>`` with the cell above,
  ``<xcel>`` with both (inside a cell spanning rows and columns).

Wherever PaddleX's converter (PaddleOCR-VL's own) writes a sound table, this writes the same HTML; the parity
suite checks it. Model output is not always well formed, so the reader repairs instead of refusing: rows of
unequal length are cut or padded to the width that changes the fewest positions (never dropping an ``<fcel>``
or text), a span stops before another cell's own position and before positions an earlier cell (in reading
order) already covers, text found where no cell starts is kept, an empty ``<fcel>`` is an empty cell, and
merge tokens with nothing to merge into become empty cells. Nothing here raises on any input string.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

FCEL, ECEL, LCEL, UCEL, XCEL, NL = "fcel", "ecel", "lcel", "ucel", "xcel", "nl"
# Only PaddleOCR-VL's six tags: anything else (Docling's <ched>, <rhed>, <srow> too) is cell text, as in PaddleX.
_TOKEN = re.compile(r"<(fcel|ecel|lcel|ucel|xcel|nl)>")
_MERGE_LEFT = (LCEL, XCEL)
_MERGE_UP = (UCEL, XCEL)


@dataclass(frozen=True)
class OtslCell:
    """One cell of the repaired grid: its top-left position, its span and its text."""

    row: int
    col: int
    rowspan: int
    colspan: int
    text: str


@dataclass
class _Slot:
    """One grid position as the model wrote it."""

    kind: str
    text: str = ""


def has_otsl(text: str) -> bool:
    """Whether `text` contains any OTSL cell token."""
    return bool(_TOKEN.search(text or ""))


def parse_otsl(otsl: str) -> tuple[list[OtslCell], int, int]:
    """The cells of an OTSL table, with the number of rows and columns; ([], 0, 0) when there is no table."""
    if not has_otsl(otsl):
        return [], 0, 0
    rows = _repair_width(_read_rows(otsl))
    if not rows:
        return [], 0, 0
    n_rows, n_cols = len(rows), len(rows[0])
    owner: list[list[int | None]] = [[None] * n_cols for _ in range(n_rows)]
    cells: list[OtslCell] = []
    for r in range(n_rows):
        for c in range(n_cols):
            slot = rows[r][c]
            if owner[r][c] is not None or slot.kind not in (FCEL, ECEL):
                continue
            rowspan, colspan = _span(rows, owner, r, c)
            for rr in range(r, r + rowspan):
                for cc in range(c, c + colspan):
                    owner[rr][cc] = len(cells)
            cells.append(OtslCell(r, c, rowspan, colspan, slot.text))
    # Merge tokens nobody claimed become empty cells; text written on a merge token joins its cell.
    for r in range(n_rows):
        for c in range(n_cols):
            slot = rows[r][c]
            index = owner[r][c]
            if index is None:
                owner[r][c] = len(cells)
                cells.append(OtslCell(r, c, 1, 1, slot.text))
            elif slot.text and (cells[index].row, cells[index].col) != (r, c):
                cell = cells[index]
                cells[index] = OtslCell(cell.row, cell.col, cell.rowspan, cell.colspan, _join(cell.text, slot.text))
    cells.sort(key=lambda cell: (cell.row, cell.col))
    return cells, n_rows, n_cols


def otsl_to_html(otsl: str) -> str:
    """``<table><tr><td ...>...</td></tr></table>`` for an OTSL answer; "" when it holds no table."""
    cells, n_rows, _ = parse_otsl(otsl)
    if not cells:
        return ""
    by_row: list[list[OtslCell]] = [[] for _ in range(n_rows)]
    for cell in cells:
        by_row[cell.row].append(cell)
    parts = ["<table>"]
    for row_cells in by_row:
        parts.append("<tr>")
        for cell in row_cells:
            attrs = ""
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            parts.append(f"<td{attrs}>{html.escape(cell.text)}</td>")  # quotes too, as PaddleX escapes cells
        parts.append("</tr>")
    parts.append("</table>")
    return "".join(parts)


def _read_rows(otsl: str) -> list[list[_Slot]]:
    """Rows of slots; text before the first token, or between <nl> and the next token, is a cell of its own."""
    rows: list[list[_Slot]] = []
    row: list[_Slot] = []
    pieces = _TOKEN.split(otsl)  # text, kind, text, kind, ..., text
    leading = pieces[0].strip()
    if leading:
        row.append(_Slot(FCEL, leading))
    for i in range(1, len(pieces), 2):
        kind = pieces[i]
        text = pieces[i + 1].strip()
        if kind == NL:
            if row:
                rows.append(row)
            row = [_Slot(FCEL, text)] if text else []
            continue
        if kind == ECEL and text:  # the model said "empty" and then wrote text: keep the text
            kind = FCEL
        row.append(_Slot(kind, text))
    if row:
        rows.append(row)
    return rows


def _repair_width(rows: list[list[_Slot]]) -> list[list[_Slot]]:
    """Rows cut or padded with empty cells to one width: the one needing the fewest changes that keeps every
    ``<fcel>``, even an empty one, and every text (the smallest such width on ties), as PaddleX's
    ``otsl_pad_to_sqr_v2`` chooses it."""
    if not rows:
        return rows
    lengths = [len(row) for row in rows]
    needed = max(_kept_length(row) for row in rows)
    candidates = range(max(needed, 1), max(max(lengths), needed) + 1)
    width = min(candidates, key=lambda w: (sum(abs(n - w) for n in lengths), w))
    return [row[:width] + [_Slot(ECEL) for _ in range(width - len(row))] for row in rows]


def _kept_length(row: list[_Slot]) -> int:
    """How many leading positions of a row cutting must keep: up to its last ``<fcel>`` or text."""
    return max((i + 1 for i, slot in enumerate(row) if slot.kind == FCEL or slot.text), default=0)


def _span(rows: list[list[_Slot]], owner: list[list[int | None]], r: int, c: int) -> tuple[int, int]:
    """Rows and columns covered by the cell starting at (r, c), stopping at anything already claimed."""
    n_rows, n_cols = len(rows), len(rows[0])
    colspan = 1
    while c + colspan < n_cols and rows[r][c + colspan].kind in _MERGE_LEFT and owner[r][c + colspan] is None:
        colspan += 1
    rowspan = 1
    while r + rowspan < n_rows:
        below = rows[r + rowspan]
        if below[c].kind not in _MERGE_UP:
            break
        block = range(c, c + colspan)
        if any(below[cc].kind in (FCEL, ECEL) or owner[r + rowspan][cc] is not None for cc in block):
            break
        rowspan += 1
    return rowspan, colspan


def _join(first: str, second: str) -> str:
    return f"{first} {second}" if first else second
