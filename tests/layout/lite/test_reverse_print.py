"""A page printed light on dark (a dark slide) is laid out and read as its light twin is, its tables ruled by its
light rules; print dark on a dark ground, a cover half dark band and half white paper, a dark photograph inside white
margins and a page in a scanner's black frame are left as they are."""

from __future__ import annotations

import io

import numpy as np
import pymupdf
import pytest
from PIL import Image

from ocrvl.layout.lite.cdla import CdlaLayoutDetector
from ocrvl.layout.lite.reverse_print import dark_on_light, printed_light_on_dark

TITLE = "Quarterly Review of Operations"
POINTS = [
    "Revenue grew in every region this quarter",
    "Costs fell after the new supplier contracts",
    "Hiring continues in the engineering teams",
    "Next steps: expand support hours in Asia",
]


def _slide(ground: tuple[float, float, float], print_colour: tuple[float, float, float], dpi: int = 100) -> np.ndarray:
    """A 16:9 slide: a title and four bullet points, rendered as an RGB image."""
    doc = pymupdf.open()
    page = doc.new_page(width=960, height=540)
    page.draw_rect(page.rect, color=None, fill=ground)
    page.insert_text((60, 90), TITLE, fontsize=36, color=print_colour, fontname="hebo")
    for k, point in enumerate(POINTS):
        page.insert_text((80, 170 + 50 * k), "\u2022  " + point, fontsize=22, color=print_colour, fontname="helv")
    png = page.get_pixmap(dpi=dpi).tobytes("png")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _blocks_of_print(ground: int, ink: int) -> np.ndarray:
    """A grey page of ground `ground` holding twelve lines of 'print' of tone `ink`: words of upright strokes three
    pixels wide, as a letter's at 150 dpi."""
    page = np.full((1100, 850), ground, np.uint8)
    for k in range(12):
        for x in range(100, 700, 60):
            for stroke in range(x, x + 40, 8):
                page[150 + 60 * k : 170 + 60 * k, stroke : stroke + 3] = ink
    return page


def test_light_print_on_a_dark_ground_is_told_and_turned_over():
    dark_slide = _slide((0.05, 0.1, 0.4), (1, 1, 1))
    assert printed_light_on_dark(dark_slide)
    assert printed_light_on_dark(_blocks_of_print(ground=40, ink=230))
    turned = dark_on_light(dark_slide)
    assert np.array_equal(turned, 255 - dark_slide)
    assert not printed_light_on_dark(turned)


@pytest.mark.parametrize(
    "page",
    [
        _blocks_of_print(ground=90, ink=10),  # dark print on a dark ground
        _blocks_of_print(ground=250, ink=20),  # an ordinary page
        np.pad(_blocks_of_print(ground=245, ink=20), 120),  # an ordinary page in a scanner's black frame
    ],
)
def test_pages_not_printed_light_on_dark_are_left_as_they_are(page):
    assert not printed_light_on_dark(page)
    assert dark_on_light(page) is page


def test_a_cover_half_dark_band_half_white_paper_is_left_as_it_is():
    """The band's light title and the paper's dark text: a light page with a dark part, read as it is."""
    page = _blocks_of_print(ground=250, ink=20)
    page[:600] = 30
    page[200:230, 100:700:6] = 240  # the title's strokes
    assert not printed_light_on_dark(page)


def test_a_dark_photograph_inside_white_margins_is_left_as_it_is():
    page = np.full((1100, 850, 3), 255, np.uint8)
    rng = np.random.default_rng(0)
    page[80:1020, 60:790] = rng.integers(0, 80, (940, 730, 1), np.uint8)
    page[300:320, 200:600] = 250  # a light caption over it
    assert not printed_light_on_dark(page)


def test_the_layout_model_finds_a_dark_slides_title_and_text():
    labels = {region.label for region in CdlaLayoutDetector().detect(_slide((0.08, 0.09, 0.12), (1, 1, 1)))}
    assert {"paragraph_title", "text"} <= labels


def test_a_dark_slide_reads_as_its_light_twin(parser, tmp_path):
    markdown = {}
    for name, ground, print_colour in (("dark", (0.08, 0.09, 0.12), (0.9, 0.9, 0.9)), ("light", (1, 1, 1), (0, 0, 0))):
        Image.fromarray(_slide(ground, print_colour)).save(tmp_path / f"{name}.png")
        markdown[name] = parser.predict(tmp_path / f"{name}.png")[0].page_markdown
    paragraphs = markdown["dark"].strip().split("\n\n")
    assert paragraphs[0] == f"# {TITLE}"
    assert [paragraph.lstrip("·•- ") for paragraph in paragraphs[1:5]] == POINTS
    assert markdown["dark"] == markdown["light"]


@pytest.mark.parametrize("shape", [(1, 3000), (3000, 1), (1, 1), (0, 0)])
def test_a_page_a_pixel_thin_or_empty_is_looked_at_whole(shape):
    assert not printed_light_on_dark(np.full(shape, 255, np.uint8))
    assert not printed_light_on_dark(np.full(shape, 20, np.uint8))  # a dark ground with no print on it


def test_a_table_on_a_dark_slide_keeps_the_rule_under_its_header(parser, tmp_path):
    """Light rules between the rows of a table set light on a dark slide: the first of them, under the header,
    keeps the header apart from the first row of figures."""
    rows = [["Region", "Sales 2022", "Sales 2023", "Change"], ["North", "1,204", "1,388", "15.3%"],
            ["South", "980", "1,020", "4.1%"], ["East", "1,530", "1,470", "-3.9%"]]  # fmt: skip
    doc = pymupdf.open()
    page = doc.new_page(width=960, height=540)
    page.draw_rect(page.rect, color=None, fill=(0.1, 0.12, 0.16))
    for r, row in enumerate(rows):
        page.draw_line((100, 130 + 40 * r), (860, 130 + 40 * r), color=(0.7, 0.7, 0.7), width=1)
        for x, cell in zip((108, 328, 508, 688), row):
            face = "hebo" if r == 0 else "helv"  # the header in bold
            page.insert_text((x, 157 + 40 * r), cell, fontsize=18, fontname=face, color=(1, 1, 1))
    page.draw_line((100, 130 + 40 * len(rows)), (860, 130 + 40 * len(rows)), color=(0.7, 0.7, 0.7), width=1)
    Image.open(io.BytesIO(page.get_pixmap(dpi=100).tobytes("png"))).save(tmp_path / "table.png")
    markdown = parser.predict(tmp_path / "table.png")[0].page_markdown
    table = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    assert f"<table>{table}</table>" in markdown
