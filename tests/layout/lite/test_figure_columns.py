"""A text box that is a column of labels beside a column of figures is a table; prose, a list of
names and numbered lines are not."""

from pathlib import Path

import numpy as np

from ocrvl.layout.lite.refine import refine_layout
from ocrvl.types import Page, Region
from tests.recognition.lite.test_table_cell_lists import text_line


def _page() -> Page:
    image = np.zeros((1600, 1200, 3), np.uint8)
    return Page(source=Path("x.pdf"), index=0, page_count=1, image=image, dpi=144, text_layer_ok=True)


def _labels(rows: list[tuple[str, str]]) -> list[str]:
    words = []
    for k, (label, value) in enumerate(rows):
        words += text_line(label, 150, 100 + 26 * k, 2 * k)
        words += text_line(value, 430 - 9 * len(value), 100 + 26 * k, 2 * k + 1)  # right-aligned figures
    detected = [Region((140, 90, 440, 110 + 26 * len(rows)), "text", 0.8)]
    return [region.label for region, _ in refine_layout(detected, words, _page())]


def test_labels_beside_right_aligned_figures_are_a_table():
    assert _labels([("20-29", "0.2650"), ("30-39", "0.2046"), ("40-49", "0.1477"), ("80 and over", "0.0336")]) == [
        "table"
    ]


def test_labels_beside_words_stay_text():
    assert _labels([("Chair", "Ann Lee"), ("Deputy", "Bo Chan"), ("Treasurer", "Cy Park"), ("Clerk", "Di Roe")]) == [
        "text"
    ]


def test_three_figure_rows_are_too_few_to_tell():
    assert _labels([("20-29", "0.2650"), ("30-39", "0.2046"), ("40-49", "0.1477")]) == ["text"]
