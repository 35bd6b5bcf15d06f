"""What the text layer's faces tell about a born-digital page: a line of mathematics is a display formula (also
where the detector called it a heading), lines in a fixed-pitch face are a code listing that keeps its lines and
indents, and a page typed all in Courier has no listing to tell apart."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from ocrvl import PaddleOCRVL

BODY = (
    "The body of this page is set in a proportional face, wrapped over several lines so that the page has an "
    "ordinary paragraph of prose. "
) * 3


def _wrapped(page, top: float, text: str, font: str = "tiro", size: float = 10) -> float:
    """Writes `text` wrapped to 450 pt from `top`; returns the y under it."""
    line, y = "", top
    for word in text.split():
        if pymupdf.get_text_length(f"{line} {word}", fontname=font, fontsize=size) > 450 and line:
            page.insert_text((72, y), line, fontname=font, fontsize=size)
            line, y = word, y + 1.4 * size
        else:
            line = f"{line} {word}".strip()
    page.insert_text((72, y), line, fontname=font, fontsize=size)
    return y + 1.4 * size


def _markdown(path: Path) -> str:
    document = PaddleOCRVL(engine="lite").join(PaddleOCRVL(engine="lite").predict(path))[0]
    return document.markdown


@pytest.fixture(scope="module")
def paper(tmp_path_factory) -> str:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    y = _wrapped(page, 80, BODY)
    # a display formula set large, as a detector may take for a heading: E = mc^2
    page.insert_text((250, y + 30), "E", fontname="tiit", fontsize=16)
    page.insert_text((262, y + 30), "=", fontname="tiro", fontsize=16)
    page.insert_text((276, y + 30), "mc", fontname="tiit", fontsize=16)
    page.insert_text((296, y + 22), "2", fontname="tiro", fontsize=10)
    y = _wrapped(page, y + 70, BODY)
    code = ["def area(width, height):", "    if width < 0:", "        raise ValueError(width)",
            "    return width * height"]  # fmt: skip
    for k, line in enumerate(code):
        page.insert_text((90, y + 20 + 12 * k), line, fontname="cour", fontsize=9)
    _wrapped(page, y + 40 + 12 * len(code), BODY)
    path = tmp_path_factory.mktemp("paper") / "paper.pdf"
    doc.save(path)
    return _markdown(path)


def test_a_line_of_mathematics_is_a_latex_formula(paper):
    assert "$$E=mc^{2}$$" in paper
    assert "# E" not in paper


def test_a_listing_in_a_fixed_pitch_face_is_a_code_block_with_its_indents(paper):
    assert (
        "```\ndef area(width, height):\n    if width < 0:\n        raise ValueError(width)\n"
        "    return width * height\n```"
    ) in paper


def test_a_page_typed_in_courier_has_no_code_blocks(tmp_path):
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    y = _wrapped(page, 80, BODY, font="cour")
    _wrapped(page, y + 20, BODY, font="cour")
    doc.save(tmp_path / "typed.pdf")
    markdown = _markdown(tmp_path / "typed.pdf")
    assert "```" not in markdown and "proportional face" in markdown


def _formula_page(tmp_path: Path):
    """A page with one line of prose and the formula x^2 + y^2 = r^2 (1) under it, loaded as the pipeline loads
    it."""
    from ocrvl.documents import iter_pages

    doc = pymupdf.open()
    page = doc.new_page(width=400, height=300)
    page.insert_text((40, 60), "Some prose above the formula, in the body face.", fontname="tiro", fontsize=10)
    x = 150.0
    for text, font, size, rise in (("x", "tiit", 12, 0), ("2", "tiro", 8, 5), ("+", "tiro", 12, 0),
                                   ("y", "tiit", 12, 0), ("2", "tiro", 8, 5), ("=", "tiro", 12, 0),
                                   ("r", "tiit", 12, 0), ("2", "tiro", 8, 5)):  # fmt: skip
        page.insert_text((x, 120 - rise), text, fontname=font, fontsize=size)
        x += pymupdf.get_text_length(text, fontname=font, fontsize=size) + (3 if size == 12 else 1)
    page.insert_text((340, 120), "(1)", fontname="tiro", fontsize=12)
    doc.save(tmp_path / "formula.pdf")
    return next(iter_pages(tmp_path / "formula.pdf"))


def _formula_words_label(page, detected) -> list[tuple[str, str]]:
    from ocrvl.layout.lite.refine import refine_layout

    pairs = refine_layout(detected, page.words, page)
    return [(region.label, " ".join(w.text for w in words)) for region, words in pairs if words]


def test_a_formula_boxed_as_a_picture_or_in_two_pieces_is_one_formula(tmp_path):
    from ocrvl.types import Region

    page = _formula_page(tmp_path)
    s = page.dpi / 72
    prose = Region((35 * s, 48 * s, 300 * s, 64 * s), "text", 0.9)
    as_picture = [prose, Region((147 * s, 106 * s, 215 * s, 124 * s), "image", 0.6)]
    assert [label for label, _ in _formula_words_label(page, as_picture)] == [
        "text",
        "display_formula",
        "formula_number",
    ]
    in_pieces = [prose, Region((145 * s, 105 * s, 180 * s, 125 * s), "text", 0.6),
                 Region((182 * s, 105 * s, 230 * s, 125 * s), "display_formula", 0.6)]  # fmt: skip
    assert [label for label, _ in _formula_words_label(page, in_pieces)] == [
        "text",
        "display_formula",
        "formula_number",
    ]


def test_an_equation_number_boxed_apart_is_the_formulas_number(tmp_path):
    from ocrvl.types import Region

    page = _formula_page(tmp_path)
    s = page.dpi / 72
    detected = [Region((35 * s, 48 * s, 300 * s, 64 * s), "text", 0.9),
                Region((147 * s, 106 * s, 215 * s, 124 * s), "display_formula", 0.6),
                Region((336 * s, 108 * s, 360 * s, 124 * s), "text", 0.6)]  # fmt: skip
    labels = _formula_words_label(page, detected)
    assert labels[1:] == [("display_formula", "x 2+ y 2= r 2"), ("formula_number", "(1)")]


def test_a_listing_boxed_in_two_parts_is_one_listing(tmp_path):
    from ocrvl.documents import iter_pages
    from ocrvl.types import Region

    doc = pymupdf.open()
    page = doc.new_page(width=400, height=300)
    for y in (16, 28, 40):
        page.insert_text(
            (40, y), "Prose in the body face runs along this line of the page.", fontname="tiro", fontsize=10
        )
    code = {60: "function add(a, b) {", 72: "    return a + b;", 84: "}", 108: "console.log(add(3, 5));"}
    for y, line in code.items():
        page.insert_text((40, y), line, fontname="cour", fontsize=9)
    doc.save(tmp_path / "listing.pdf")
    loaded = next(iter_pages(tmp_path / "listing.pdf"))
    s = loaded.dpi / 72
    detected = [Region((35 * s, 6 * s, 330 * s, 44 * s), "text", 0.9),
                Region((35 * s, 52 * s, 160 * s, 88 * s), "text", 0.9),
                Region((35 * s, 100 * s, 170 * s, 112 * s), "text", 0.9)]  # fmt: skip
    labels = _formula_words_label(loaded, detected)
    assert labels[1:] == [("algorithm", "function add(a, b) { return a + b; } console.log(add(3, 5));")]
