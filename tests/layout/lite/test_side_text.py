"""Text printed up the side of a page (an arXiv stamp) is `aside_text`, as PaddleOCR-VL labels it: read the right
way round, kept in the JSON, left out of the Markdown; upright text inside the body stays where it is."""

from pathlib import Path

import pymupdf
import pytest

from ocrvl.layout.lite.side_text import split_side_text
from ocrvl.postprocess.json_output import page_json
from ocrvl.types import Word

STAMP = "arXiv:2206.01062v1 [cs.CV] 2 Jun 2022"
PARAGRAPH = (
    "Accurate document layout analysis is a key requirement for high quality document conversion. "
    "Public datasets of annotated pages have made deep learning models very effective at this task. "
) * 4


def _page(path: Path, scanned: bool) -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_textbox(pymupdf.Rect(72, 100, 540, 300), PARAGRAPH, fontsize=11)
    page.insert_textbox(pymupdf.Rect(72, 340, 540, 560), PARAGRAPH.replace("Accurate", "Second"), fontsize=11)
    page.insert_text((32, 520), STAMP, fontsize=16, rotate=90, color=(0.4, 0.4, 0.4))  # runs up the margin
    if scanned:
        page.get_pixmap(dpi=150).save(path.with_suffix(".png"))
        return path.with_suffix(".png")
    doc.save(path)
    return path


@pytest.mark.parametrize("scanned", [False, True], ids=["text layer", "scan"])
def test_a_stamp_up_the_margin_is_aside_text_left_out_of_the_markdown(parser, tmp_path, scanned):
    (result,) = parser.predict(_page(tmp_path / "paper.pdf", scanned))
    markdown = result.page_markdown
    assert markdown.startswith("Accurate document layout analysis")
    assert "arXiv" not in markdown and "Jun" not in markdown
    blocks = page_json(result.page)["parsing_res_list"]
    (aside,) = [block for block in blocks if block["block_label"] == "aside_text"]
    assert aside["block_content"].replace(" ", "") == STAMP.replace(" ", "")  # read up the page, the right way round


def _word(text: str, box: tuple[float, float, float, float]) -> Word:
    return Word(text, box)


def test_upright_words_inside_the_body_stay_body_words():
    body = [
        _word("Results of the survey by district", (100.0, 100.0 + 20 * k, 500.0, 114.0 + 20 * k)) for k in range(20)
    ]
    axis_label = _word("Households (thousands)", (110.0, 200.0, 124.0, 380.0))  # a turned label inside a chart
    kept, side = split_side_text([*body, axis_label])
    assert side == [] and axis_label in kept


def test_a_page_of_vertical_columns_has_no_side_text():
    across = [_word("目录", (500.0, 40.0, 540.0, 60.0))]
    columns = [_word("竖排的文字一列一列地排下去", (60.0 + 40 * k, 80.0, 80.0 + 40 * k, 700.0)) for k in range(10)]
    kept, side = split_side_text([*across, *columns])
    assert side == [] and len(kept) == 11
