"""Page numbers are labelled `number`, as PaddleOCR-VL labels them: kept in the JSON, left out of the Markdown,
while a short figure inside the body stays text, also where the detector boxed it as a footer; a running head the
detector boxed in pieces is a header in all its pieces."""

from pathlib import Path

import pymupdf
import pytest

from ocrvl.labels import MARGINAL_LABELS
from ocrvl.layout.lite.relabel import mark_page_furniture
from ocrvl.postprocess.json_output import page_json
from ocrvl.types import Region, Word

PAGE_HEIGHT = 1000.0

PARAGRAPH = (
    "The survey counted households in every district of the region during the spring of the year. "
    "Each district reported its totals to the regional office, which checked them against the registers."
)


def _pdf(path: Path, numbers: list[tuple[str, float]], body_number: str | None = None) -> Path:
    """One page of three paragraphs, with page-number lines at the given heights (points from the top)
    and, when given, a short figure alone on a line between the paragraphs."""
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    y = 110.0
    for k in range(3):
        page.insert_textbox(pymupdf.Rect(72, y, 540, y + 90), PARAGRAPH, fontsize=11)
        y += 110
        if k == 0 and body_number:
            page.insert_text((300, y - 5), body_number, fontsize=11)
            y += 25
    for text, top in numbers:
        page.insert_text((300, top), text, fontsize=10)
    doc.save(path)
    return path


@pytest.mark.parametrize("number", ["7", "- 12 -", "Page 3 of 10", "xiv"])
def test_a_page_number_at_the_foot_is_left_out_of_the_markdown(parser, tmp_path, number):
    (result,) = parser.predict(_pdf(tmp_path / "page.pdf", [(number, 740)]))
    assert "survey counted households" in result.page_markdown
    assert number not in result.page_markdown
    blocks = page_json(result.page)["parsing_res_list"]
    (label,) = [block["block_label"] for block in blocks if block["block_content"] == number]
    assert label in MARGINAL_LABELS


def test_a_page_number_at_the_head_is_left_out_too(parser, tmp_path):
    (result,) = parser.predict(_pdf(tmp_path / "page.pdf", [("42", 60)]))
    assert "42" not in result.page_markdown
    assert "survey counted households" in result.page_markdown


def test_a_short_figure_inside_the_body_stays(parser, tmp_path):
    (result,) = parser.predict(_pdf(tmp_path / "page.pdf", [], body_number="12"))
    assert "12" in result.page_markdown.split()


def _region(text: str, top: float, lines: int = 1, label: str = "text") -> tuple[Region, list[Word]]:
    words = [Word(text, (100.0, top + 20 * k, 300.0, top + 20 * k + 14)) for k in range(lines)]
    return Region((100.0, top, 300.0, top + 20 * lines - 6), label, 0.9), words


def _labels(*pairs: tuple[Region, list[Word]]) -> list[str]:
    regions, words = [pair[0] for pair in pairs], [pair[1] for pair in pairs]
    mark_page_furniture(regions, words, PAGE_HEIGHT)
    return [region.label for region in regions]


@pytest.mark.parametrize("number", ["7", "- 12 -", "Page 3 of 10", "xiv", "第 3 页"])
def test_a_page_number_boxed_as_text_in_the_foot_or_head_becomes_number(number):
    body = _region(PARAGRAPH, 200, lines=20)
    assert _labels(body, _region(number, 950)) == ["text", "number"]
    assert _labels(_region(number, 40), body) == ["number", "text"]


@pytest.mark.parametrize("text", ["2024", "Table 3", "12.5", "civil", "Results follow below"])
def test_lines_that_do_not_read_as_a_page_number_stay_text(text):
    assert _labels(_region(PARAGRAPH, 200, lines=20), _region(text, 950))[1] == "text"


def test_a_number_with_body_text_beyond_it_or_in_mid_page_stays_text():
    assert _labels(_region("7", 900), _region(PARAGRAPH, 930, lines=2))[0] == "text", "text below it"
    assert _labels(_region(PARAGRAPH, 100, lines=10), _region("7", 500))[1] == "text", "mid page"
    assert _labels(_region(PARAGRAPH, 200, lines=20), _region("7", 950, lines=2))[1] == "text", "two lines"


@pytest.mark.parametrize("label", ["header", "footer"])
def test_a_header_or_footer_boxed_in_mid_page_is_text_one_at_an_edge_stays(label):
    top, bottom = _region(PARAGRAPH, 100, lines=10), _region(PARAGRAPH, 600, lines=10)
    assert _labels(top, _region("12", 450, label=label), bottom)[1] == "text"
    assert _labels(_region("Annual report", 950, label=label), top, bottom)[0] == label
    assert _labels(_region("Annual report", 20, label=label), top, bottom)[0] == label


def _piece(text: str, left: float, top: float, label: str) -> tuple[Region, list[Word]]:
    box = (left, top, left + 8.0 * len(text), top + 14)
    return Region(box, label, 0.9), [Word(text, box)]


def test_pieces_of_a_running_head_boxed_as_text_or_title_join_the_header():
    body = _region(PARAGRAPH, 200, lines=20)
    head = _piece("'22, August 14-18, 2022, Washington, DC, USA", 500, 40, "header")
    assert _labels(_piece("KDD", 460, 40, "text"), head, _piece("A Dataset for Layout", 100, 41, "paragraph_title"),
                   body) == ["header", "header", "header", "text"]  # fmt: skip


def test_a_title_on_its_own_line_below_the_running_head_stays():
    head = _piece("Journal of Examples 12 (2024)", 100, 20, "header")
    title = _piece("A Dataset for Layout", 100, 60, "paragraph_title")
    assert _labels(head, title, _region(PARAGRAPH, 200, lines=20))[1] == "paragraph_title"


@pytest.mark.parametrize("caption", ["Table 3. Revenue by county, 2013", "Figure 2: Households", "TABLE IV Results"])
def test_a_caption_at_the_top_of_the_page_boxed_as_a_header_is_a_caption(caption):
    body = _region(PARAGRAPH, 200, lines=20)
    assert _labels(_region(caption, 40, label="header"), body)[0] == "figure_title"
    assert _labels(_region("Table of contents", 40, label="header"), body)[0] == "header"
