"""Hand-built pages and blocks for the cross-page tests."""

from __future__ import annotations

from pathlib import Path

from ocrvl.types import BBox, Block, PageResult, Region

FULL_WIDTH: BBox = (100, 100, 1000, 700)


def block(label: str, content: str, bbox: BBox = FULL_WIDTH) -> Block:
    return Block(region=Region(bbox, label, 1.0), content=content)


def page(index: int, *blocks: Block, count: int = 2) -> PageResult:
    for i, b in enumerate(blocks):
        b.block_id = b.group_id = i
    return PageResult(
        input_path=Path("doc.pdf"),
        page_index=index,
        page_count=count,
        width=1200,
        height=1600,
        regions=[b.region for b in blocks],
        blocks=list(blocks),
        model_settings={},
    )


def table(*rows: str) -> str:
    """``table("a|b", "c|d")``: one row per argument, cells split at ``|``; a cell may carry attributes as
    ``colspan=2:text``."""
    out = []
    for row in rows:
        cells = []
        for cell in row.split("|"):
            spec, _, text = cell.partition(":") if "=" in cell.split(":")[0] else ("", "", cell)
            attrs = "".join(f' {name}="{value}"' for name, value in (a.split("=") for a in spec.split(",") if a))
            cells.append(f"<td{attrs}>{text}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    return "<table>" + "".join(out) + "</table>"
