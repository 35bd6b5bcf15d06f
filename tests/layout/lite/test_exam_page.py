"""An exam page as an image (Chinese questions, a formula line, a small triangle the layout detector does not
box): the triangle's vertex letters stay out of the questions, and a question stating equalities stays text."""

from pathlib import Path

import numpy as np
import pymupdf
import pytest

from ocrvl.layout.lite.refine import refine_layout
from ocrvl.types import Page, Region, Word

QUESTION_2 = "2. 如图，在三角形 ABC 中，AB = AC，∠A = 40°，求 ∠B 的度数。"


def _exam_image(path: Path) -> Path:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((180, 60), "高一数学期中考试", fontsize=15, fontname="china-s")
    page.insert_text((60, 100), "1. 已知函数 f(x) = x^2 + 2x - 3，求 f(x) 的最小值。", fontsize=11, fontname="china-s")
    page.insert_text((60, 152), QUESTION_2, fontsize=11, fontname="china-s")
    page.insert_text((60, 178), "（1）写出 ∠B 与 ∠C 的关系；", fontsize=11, fontname="china-s")
    page.insert_text((60, 204), "（2）求 ∠B 的大小。", fontsize=11, fontname="china-s")
    a, b, c = pymupdf.Point(430, 168), pymupdf.Point(390, 248), pymupdf.Point(470, 248)
    page.draw_polyline([a, b, c, a], color=(0, 0, 0), width=1)
    for letter, (x, y) in {"A": (426, 164), "B": (378, 260), "C": (472, 260)}.items():
        page.insert_text((x, y), letter, fontsize=10)
    page.insert_text((60, 290), "3. 解方程组：2x + y = 7，x - y = 1。", fontsize=11, fontname="china-s")
    page.get_pixmap(dpi=150).save(path)
    return path


@pytest.mark.slow
def test_an_exam_page_keeps_its_questions_clean_of_the_figure_labels(parser, tmp_path):
    (result,) = parser.predict(_exam_image(tmp_path / "exam.png"))
    lines = [line.strip() for line in result.page_markdown.splitlines() if line.strip()]
    assert any(line.startswith("![image]") for line in lines), "the triangle is a picture"
    assert not any(line.startswith("![formula]") for line in lines), "no question is taken for a formula"
    texts = [line for line in lines if not line.startswith("![")]
    assert not any(line in ("A", "B", "C") or line.startswith(("A ", "B ", "C ")) for line in texts)
    assert not any(line.endswith((" A", " B", " C")) for line in texts)


def _ocr_line(text: str, x: float, y: float) -> Word:
    return Word(text, (x, y, x + 30 * len(text), y + 40))


@pytest.mark.parametrize("detected_as", ["text", "table"])
def test_a_page_of_questions_with_their_answer_choices_side_by_side_is_no_table(detected_as):
    """Each question is followed by a row of four choices, "A. -3  B. 0  C. 2  D. -1", the OCR reading a
    question's closing bracket apart, and one choice's letter apart from its figure: rows of short pieces side by
    side, but lettered choices, not cells; also where the layout detector boxed the page as a table."""
    words, y = [_ocr_line("一、选择题（每小题3分，共30分）", 100, 60)], 120
    for k in range(6):
        words += [_ocr_line(f"{k + 1}. 下列各数中，最小的数是（", 100, y), _ocr_line(")", 900, y)]
        words += [_ocr_line(f"{letter}. {k - 2 + n}", 140 + 300 * n, y + 60) for n, letter in enumerate("ABC")]
        words += [_ocr_line("D.", 1040, y + 60), _ocr_line(str(k + 1), 1120, y + 60)]
        y += 130
    page = Page(source=Path("exam.png"), index=0, page_count=1, image=np.full((1700, 1300, 3), 255, np.uint8), dpi=200)
    pairs = refine_layout([Region((90, 50, 1250, y), detected_as, 0.9)], words, page, ocr_words=True)
    assert [region.label for region, _ in pairs] == ["text"]


@pytest.mark.parametrize(
    ("line", "boxed_as", "label"),
    [
        ("2023年七年级数学期末考试", "header", "doc_title"),  # the title, boxed as a running header
        ("注意：考试时间为九十分钟。", "text", "text"),  # a sentence set large is no heading
    ],
)
def test_a_line_of_large_chinese_print_at_the_top(line, boxed_as, label):
    """The OCR boxes of the 16-pt line and the 11-pt questions are equally tall; its characters are wider."""
    top = Word(line, (500, 128, 500 + 45 * len(line), 174))
    body = [Word("1. 下列各数中，最小的数是（ ）", (160, 250 + 60 * k, 700, 295 + 60 * k)) for k in range(8)]
    page = Page(source=Path("exam.png"), index=0, page_count=1, image=np.full((2300, 1650, 3), 255, np.uint8), dpi=200)
    detected = [
        Region((495, 125, 510 + 45 * len(line), 178), boxed_as, 0.8),
        Region((150, 240, 1500, 800), "text", 0.9),
    ]
    labels = {words[0].text: region.label for region, words in refine_layout(detected, [top, *body], page, True)}
    assert labels[line] == label


def test_a_choice_the_detector_boxed_as_a_formula_stays_in_its_row():
    """A choice ("B. 2") boxed as a display formula in the middle of its row would cut the row in two (the choices
    left of it read with the next question); it is text, and the row reads in order."""
    words, y = [], 120
    for k in range(3):
        words += [_ocr_line(f"{k + 1}. 下列各数中，最小的数是（ ）", 100, y)]
        words += [_ocr_line(f"{letter}. {k + n}", 140 + 300 * n, y + 60) for n, letter in enumerate("ABCD")]
        y += 130
    formula = Region((440, 300, 560, 340), "display_formula", 0.5)  # around "B. 2" of the second row
    page = Page(source=Path("exam.png"), index=0, page_count=1, image=np.full((1700, 1300, 3), 255, np.uint8), dpi=200)
    pairs = refine_layout([Region((90, 110, 1250, 230), "text", 0.9), formula], words, page, ocr_words=True)
    assert "display_formula" not in [region.label for region, _ in pairs]
    text = " ".join(w.text for _, ws in pairs for w in ws)
    assert "A. 1 B. 2 C. 3 D. 4 3." in text
