"""A two-page document built in code for the viewer's tests: a title, a paragraph with inline math, a table with
spans continued (and merged) on page 2, a numbered display formula, a picture and a footer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from ocrvl.postprocess.cross_page import NO_RESTRUCTURING
from ocrvl.results import DocumentOutput, PageOutput
from ocrvl.types import Block, PageResult, Region

WIDTH, HEIGHT = 1000, 1300
TABLE = ('<table><tr><td rowspan="2">Region</td><td colspan="2">Rainfall</td></tr>'
         "<tr><td>2023</td><td>2024</td></tr><tr><td>North</td><td>812</td><td>$x^2$</td></tr>"
         "<tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>733</td><td>740</td></tr>"
         "<tr><td>South</td><td>845</td><td>851</td></tr></table>")  # fmt: skip
# The table's rows as a reader sees them (the last row came from page 2).
TABLE_ROWS = [["Region", "Rainfall"], ["2023", "2024"], ["North", "812", "x2"],
              ["<script>alert(1)</script>", "733", "740"], ["South", "845", "851"]]  # fmt: skip
FORMULA = r"$$\frac{a+b}{c}=\sqrt{d}$$"


def _block(label: str, content: str, bbox, order: int | None, block_id: int, score: float = 0.9) -> Block:
    return Block(Region(bbox, label, score, order), content, block_id=block_id, group_id=block_id)


def _picture(page_number: int, blocks: list[Block]) -> np.ndarray:
    """The page as a scan would show it: each block's box outlined and named, so a screenshot is legible."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    for block in blocks:
        x0, y0, x1, y1 = block.region.bbox
        draw.rectangle((x0, y0, x1, y1), outline=(120, 120, 120))
        draw.text((x0 + 8, y0 + 8), f"{block.label}: {block.content[:60]}", fill="black")
    draw.text((WIDTH - 120, HEIGHT - 40), f"page {page_number}", fill="black")
    return np.asarray(image)


def sample_pages(input_path: Path = Path("sample.pdf")) -> list[PageResult]:
    crop = np.full((80, 120, 3), 200, dtype=np.uint8)
    crop[20:60, 30:90] = (30, 90, 200)
    first = [
        _block("doc_title", "Rainfall in Two Regions", (80, 60, 920, 130), 1, 0, 0.97),
        _block("text", "The wet season brings $x^2$ more rain, as the table shows.", (80, 150, 920, 240), 2, 1),
        _block("table", TABLE, (80, 260, 920, 640), 3, 2, 0.88),
        _block("display_formula", FORMULA, (200, 680, 760, 800), 4, 3, 0.93),
        _block("formula_number", "(1)", (800, 710, 900, 770), 5, 4),
        _block("image", "", (300, 840, 700, 1160), 6, 5, 0.81),
        _block("footer", "Page 1", (450, 1220, 550, 1260), None, 6),
    ]
    first[5].image, first[5].image_path = crop, "imgs/sample_p1_image_1.jpg"
    second = [
        _block("table", "", (80, 60, 920, 300), 1, 0, 0.86),
        _block("text", "A second paragraph on the second page.", (80, 340, 920, 420), 2, 1),
    ]
    second[0].merged_into = (0, 2)
    pages = []
    for index, blocks in enumerate((first, second)):
        pages.append(PageResult(input_path, index, 2, WIDTH, HEIGHT, [b.region for b in blocks], blocks,
                                {"engine": "lite"}, image=_picture(index + 1, blocks)))  # fmt: skip
    return pages


def sample_document(input_path: Path = Path("sample.pdf")) -> DocumentOutput:
    """The sample as its document output (restructuring off: the merge above is the one shown)."""
    pages = [PageOutput(page, restructure=NO_RESTRUCTURING) for page in sample_pages(input_path)]
    return DocumentOutput(pages)
