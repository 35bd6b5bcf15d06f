"""A born-digital display formula comes out as LaTeX read off its text layer: exponents and indices from runs set
smaller off the baseline, fractions and roots from the rules drawn with them, limits from runs over and under a
big operator, symbols as commands, and the equation number as a tag."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pymupdf

from ocrvl.documents import iter_pages
from ocrvl.recognition.lite.ink_pieces import ink_pieces, strokes
from ocrvl.recognition.lite.recognizer import LiteRecognizer
from ocrvl.recognition.lite.text_math import (
    formula_latex,
    fractions_latex,
    plain_formula_latex,
    split_equation_number,
)
from ocrvl.types import Page, Region, Ruling, TextSpan, Word


def _page_formula(tmp_path: Path, draw) -> str:
    """LaTeX of everything drawn by `draw(text)` on a fresh PDF page, `text(x, y, s, font, size)` placing one run."""
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=200)
    draw(lambda x, y, s, font="tiro", size=12: page.insert_text((x, y), s, fontname=font, fontsize=size), page)
    doc.save(tmp_path / "formula.pdf")
    loaded = next(iter_pages(tmp_path / "formula.pdf"))
    return formula_latex(loaded.spans, loaded.rulings, (0, 0, loaded.width, loaded.height))


def test_scripts_a_fraction_and_the_number(tmp_path):
    def draw(text, page):
        text(60, 100, "x", "tiit"), text(66.5, 95, "2", size=8), text(74, 100, "+"), text(84, 100, "y", "tiit")
        text(90, 103, "i", "tiit", 8), text(97, 100, "="), text(112, 93, "a + b")
        page.draw_line((110, 96.5), (142, 96.5), width=0.5)
        text(122, 109, "c", "tiit"), text(300, 100, "(1)")

    assert _page_formula(tmp_path, draw) == r"x^{2}+y_{i}=\frac{a+b}{c} \tag{1}"


def test_a_number_close_after_the_formula_is_part_of_it(tmp_path):
    def draw(text, page):
        text(60, 100, "f"), text(66, 100, "(1)")

    assert _page_formula(tmp_path, draw) == "f(1)"


def _span(text, x0, baseline, size=20.0, font="STIXGeneral-Italic"):
    width = 0.5 * size * len(text)
    return TextSpan(text, (x0, baseline - 0.8 * size, x0 + width, baseline + 0.25 * size), size, baseline, font)


def test_limits_of_a_sum_and_an_exponent_of_several_runs():
    spans = [
        _span("n", 22, 60, 14),
        _span("∑", 15, 90, 28, "STIXGeneral-Regular"),
        _span("i", 12, 118, 14),
        _span("=1", 19, 118, 14, "STIXGeneral-Regular"),
        _span("e", 50, 90),
        _span("−", 61, 80, 14, "STIXGeneral-Regular"),
        _span("x", 68, 80, 14),
    ]
    assert formula_latex(spans, [], (0, 0, 200, 200)) == r"\sum_{i=1}^{n}e^{-x}"


def test_symbols_become_commands_and_upright_words_text():
    spans = [
        _span("α", 10, 50),
        _span("≤", 25, 50, font="STIXGeneral-Regular"),
        _span("β", 40, 50),
        _span(" if ", 55, 50, font="STIXGeneral-Regular"),
        _span("x", 100, 50),
        _span("∈", 112, 50, font="STIXGeneral-Regular"),
        _span("ℝ", 124, 50, font="STIXGeneral-Regular"),
    ]
    assert formula_latex(spans, [], (0, 0, 300, 100)) == r"\alpha\leq\beta\text{ if }x\in\mathbb{R}"


def test_two_lines_are_aligned_at_their_relations():
    spans = [_span("a", 10, 40), _span("=b+c", 20, 40, font="Times-Roman"),
             _span("=d", 20, 80, font="Times-Roman")]  # fmt: skip
    assert formula_latex(spans, [], (0, 0, 300, 100)) == r"\begin{aligned}a&=b+c \\ &=d\end{aligned}"


def test_accents_sit_on_their_letters_and_bold_letters_are_bold():
    spans = [
        _span("x", 10, 50),
        TextSpan("\u0302", (20, 30, 20, 48), 20.0, 49, "STIXGeneral-Regular"),  # a combining hat, no width
        _span("=", 30, 50, font="STIXGeneral-Regular"),
        _span("v", 45, 50, font="STIXGeneral-Bold"),
        _span("\u00af", 46, 50, font="STIXGeneral-Regular"),  # a spacing macron, drawn high over the v
    ]
    assert formula_latex(spans, [], (0, 0, 200, 100)) == r"\hat{x}=\bar{\mathbf{v}}"


def test_an_exponent_after_a_fraction_stays_with_what_it_raises():
    bar = Ruling(10, 50, 40, 50)
    spans = [_span("a", 15, 44, 14), _span("b", 15, 66, 14), _span("=", 45, 55), _span("c", 65, 55),
             _span("2", 76, 46, 14, "STIXGeneral-Regular")]  # fmt: skip
    assert formula_latex(spans, [bar], (0, 0, 200, 100)) == r"\frac{a}{b}=c^{2}"


def test_a_tall_bracket_built_of_pieces_is_one_bracket():
    spans = [
        _span("⎛", 10, 40, font="CMEX10"), _span("⎝", 10, 60, font="CMEX10"),
        _span("a", 25, 50), _span("+", 38, 50, font="CMR10"), _span("b", 50, 50),
        _span("⎞", 62, 40, font="CMEX10"), _span("⎠", 62, 60, font="CMEX10"),
    ]  # fmt: skip
    assert formula_latex(spans, [], (0, 0, 200, 100)) == "(a+b)"


def test_a_formula_read_off_an_image_is_written_with_latex_commands():
    """OCR gives a formula as a line of Unicode: its Greek letters, operators, digit scripts and named functions
    come out as the commands a LaTeX renderer shows as the same symbols."""
    assert plain_formula_latex("α1γ1 + … + αN γN = 0") == r"\alpha1\gamma1+\ldots+\alpha N\gamma N=0"
    assert plain_formula_latex("a² + b₁ ≤ ∑ x") == "a^{2}+b_{1}\\leq\\sum x"
    assert plain_formula_latex("ln x + sin(y) = cosine") == r"\ln x+\sin(y)=cosine"
    assert plain_formula_latex("50% of {a}") == r"50\%of\{a\}"


def test_an_equation_number_set_apart_from_a_formula_read_off_an_image_is_its_tag():
    formula = Word("E = mc²", (100, 10, 200, 40))
    assert split_equation_number([formula, Word("(3)", (400, 10, 430, 40))]) == ([formula], "3")
    lines = [Word("a + b", (100, 10, 300, 40)), Word("= c", (100, 50, 250, 80))]
    assert split_equation_number([*lines, Word("(2.1a)", (400, 30, 460, 60))]) == (lines, "2.1a")
    close = [formula, Word("(3)", (210, 10, 240, 40))]  # a bracket of the formula's own
    assert split_equation_number(close) == (close, "")
    lettered = [formula, Word("(a)", (400, 10, 430, 40))]
    assert split_equation_number(lettered) == (lettered, "")


def test_a_formula_read_off_a_scan_is_latex_beside_its_picture_with_its_number_as_a_tag():
    page = Page(Path("scan.png"), 0, 1, np.full((100, 500, 3), 255, dtype=np.uint8), 72)
    words = [Word("α² + β = ∑ x", (100, 10, 260, 40)), Word("(3)", (400, 10, 430, 40))]
    (block,) = LiteRecognizer().recognize(page, [Region((90, 5, 440, 45), "display_formula", 0.9)], [words])
    assert block.content == r"$$\alpha^{2}+\beta=\sum x \tag{3}$$"
    assert block.image is not None


def test_a_line_over_a_stroke_over_a_line_of_a_scanned_formula_is_a_fraction():
    left, numerator, denominator = (
        Word("x =", (100, 30, 140, 60)),
        Word("a + β", (160, 8, 220, 38)),
        Word("c", (180, 50, 200, 80)),
    )
    bar = (155.0, 43.0, 225.0, 45.0)
    assert fractions_latex([numerator, left, denominator], [bar]) == r"x=\frac{a+\beta}{c}"
    minus = (145.0, 43.0, 152.0, 45.0)  # a minus sign: nothing stands over it within its length
    assert fractions_latex([numerator, left, denominator], [minus]) is None


def test_strokes_are_the_thin_level_pieces_of_ink():
    image = np.full((100, 300, 3), 255, dtype=np.uint8)
    image[20:40, 20:30] = 0  # a glyph
    image[20:40, 40:52] = 0  # another
    image[50:52, 20:120] = 0  # a fraction bar
    image[60:80, 20:28] = 0
    found = strokes(ink_pieces(image, (0, 0, 300, 100)))
    assert found == [(20.0, 50.0, 120.0, 52.0)]
