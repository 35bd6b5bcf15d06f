"""A born-digital page whose text runs sideways without /Rotate (a landscape table printed turned on a
portrait page) is read in its own upright frame: the table keeps its rows and columns, the caption its words."""

from pathlib import Path

import pymupdf
import pytest

from ocrvl import PaddleOCRVL
from ocrvl.postprocess.json_output import page_json
from tests.conftest import tables_in

ROWS = [
    ["Region", "Households", "Adults", "Children"],
    ["North Coast", "1,204", "2,310", "1,118"],
    ["Inland Valley", "986", "1,875", "1,042"],
    ["Southern Hills", "1,532", "2,904", "1,677"],
    ["Eastern Plain", "744", "1,390", "802"],
    ["All regions", "4,466", "8,479", "4,639"],
]
CAPTION = "Table 3: Households and people counted in each region"


def _sideways_pdf(path: Path, upward: bool) -> Path:
    """A portrait page holding a landscape table (caption, ruled header) turned a quarter: text running up
    the page (turned anticlockwise) or down it (turned clockwise)."""
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)

    def place(ux: float, uy: float) -> pymupdf.Point:  # a point of the upright 792 x 612 table on the page
        return pymupdf.Point(uy, 792 - ux) if upward else pymupdf.Point(612 - uy, ux)

    page.insert_text(place(80, 80), CAPTION, fontsize=12, rotate=90 if upward else 270)
    for r, row in enumerate(ROWS):
        for c, text in enumerate(row):
            page.insert_text(place(80 + 160 * c, 130 + 30 * r), text, fontsize=11, rotate=90 if upward else 270)
    page.draw_line(place(70, 137), place(720, 137))
    doc.save(path)
    return path


@pytest.mark.parametrize("upward", [True, False], ids=["turned anticlockwise", "turned clockwise"])
def test_a_sideways_table_page_is_read_upright(parser, tmp_path, upward):
    (result,) = parser.predict(_sideways_pdf(tmp_path / "sideways.pdf", upward))
    assert tables_in(result.page_markdown) == [ROWS]
    own = page_json(result.page)
    assert CAPTION in [block["block_content"] for block in own["parsing_res_list"]]
    assert own["width"] > own["height"], "the boxes refer to the page turned upright"


def test_kept_as_it_is_when_the_user_turns_upright_pages_off(tmp_path):
    (result,) = PaddleOCRVL(engine="lite", deskew=False).predict(_sideways_pdf(tmp_path / "sideways.pdf", True))
    assert tables_in(result.page_markdown) != [ROWS]
