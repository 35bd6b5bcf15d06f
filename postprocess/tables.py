"""A page's tables as files of their own: an HTML page and a spreadsheet (XLSX) per table, what PaddleOCR-VL's
``save_to_html`` and ``save_to_xlsx`` write. The spreadsheet is written here (Office Open XML, inline strings,
merged cells for spans), so it needs no spreadsheet library."""

from __future__ import annotations

import html
import io
import re
import zipfile

from ocrvl.postprocess.table_merge import parse_table
from ocrvl.types import PageResult

_ANY_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>", re.I)


def page_tables(page: PageResult) -> dict[str, str]:
    """Each table block that holds a table, as an HTML page keyed ``table_{block_id}`` (its index on the page)."""
    return {
        f"table_{index}": f"<html><body>{block.content.strip()}</body></html>"
        for index, block in enumerate(page.blocks)
        if block.label == "table" and "<table" in block.content
    }


def table_grid(markup: str) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, int, int]]]:
    """The table's cells as (row, column, text) at their grid positions, and its merged ranges as (first row,
    first column, last row, last column), all 0-based."""
    table = parse_table(markup)
    if table is None:
        return [], []
    cells, merged = [], []
    for r, (row, columns) in enumerate(zip(table.rows, table.start_columns())):
        for cell, c in zip(row.cells, columns):
            inner = markup[cell.start : cell.end]
            inner = inner[inner.find(">") + 1 : inner.rfind("</")] if "</" in inner else inner[inner.find(">") + 1 :]
            text = " ".join(html.unescape(_ANY_TAG.sub(" ", _BREAK.sub("\n", inner))).split())
            cells.append((r, c, text))
            if cell.rowspan > 1 or cell.colspan > 1:
                merged.append((r, c, r + cell.rowspan - 1, c + cell.colspan - 1))
    return cells, merged


def _column_name(column: int) -> str:
    name = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        name = chr(65 + rest) + name
    return name


def _sheet_xml(cells: list[tuple[int, int, str]], merged: list[tuple[int, int, int, int]]) -> str:
    rows: dict[int, list[str]] = {}
    for r, c, text in sorted(cells):
        value = html.escape(text, quote=False)
        rows.setdefault(r, []).append(f'<c r="{_column_name(c)}{r + 1}" t="inlineStr"><is><t xml:space="preserve">'
                                      f"{value}</t></is></c>")  # fmt: skip
    body = "".join(f'<row r="{r + 1}">{"".join(row)}</row>' for r, row in sorted(rows.items()))
    merges = "".join(f'<mergeCell ref="{_column_name(c0)}{r0 + 1}:{_column_name(c1)}{r1 + 1}"/>'
                     for r0, c0, r1, c1 in merged)  # fmt: skip
    merge_xml = f'<mergeCells count="{len(merged)}">{merges}</mergeCells>' if merged else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<sheetData>{body}</sheetData>{merge_xml}</worksheet>")  # fmt: skip


_PACKAGE = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def table_workbook(markup: str) -> bytes:
    """An XLSX file with one sheet holding the HTML table `markup`, spans as merged cells."""
    cells, merged = table_grid(markup)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in _PACKAGE.items():
            package.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), text)
        package.writestr(zipfile.ZipInfo("xl/worksheets/sheet1.xml", (1980, 1, 1, 0, 0, 0)), _sheet_xml(cells, merged))
    return buffer.getvalue()
