"""A line of Chinese prose that states equalities (an exam question) stays text; a short line of symbols
around an equals sign is still a display formula."""

from pathlib import Path

import numpy as np

from ocrvl.layout.lite.refine import refine_layout
from ocrvl.types import Page, Region, Word

PAGE = Page(source=Path("exam.png"), index=0, page_count=1, image=np.full((800, 1200, 3), 255, np.uint8), dpi=150)


def _label_of(lines: list[str]) -> str:
    words = [Word(text, (100, 100 + 40 * k, 100 + 24 * len(text), 130 + 40 * k)) for k, text in enumerate(lines)]
    body = [Word("An ordinary line of body text for the page height", (100, 400 + 40 * k, 1000, 430 + 40 * k))
            for k in range(3)]  # fmt: skip
    detected = [Region((95, 95, 1150, 100 + 40 * len(lines)), "text", 0.8), Region((95, 395, 1010, 515), "text", 0.8)]
    pairs = refine_layout(detected, words + body, PAGE, ocr_words=True)
    return next(region.label for region, held in pairs if held and held[0].text == lines[0])


def test_a_chinese_question_with_equalities_stays_text():
    assert _label_of(["2.如图，在三角形ABC中，AB=AC，∠A=40°，", "求∠B的度数。"]) == "text"


def test_a_line_of_symbols_around_an_equals_sign_is_a_formula():
    assert _label_of(["f(x) = x² + 2x − 3"]) == "display_formula"
