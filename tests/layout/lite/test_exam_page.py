"""An exam page as an image (Chinese questions, a formula line, a small triangle the layout detector does not
box): the triangle's vertex letters stay out of the questions, and a question stating equalities stays text."""

from pathlib import Path

import pymupdf
import pytest

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
