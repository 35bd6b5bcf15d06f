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


def _table_labels(header: list[str], rows: list[list[str]]) -> list[str]:
    """A label column at x=150 and figure columns right-aligned at 430, 560, 690, ..., a header row on top."""
    words = []
    for k, cells in enumerate([header, *rows]):
        label, *entries = cells
        words += text_line(label, 150, 100 + 26 * k, 10 * k)
        for c, entry in enumerate(entries):
            words += text_line(entry, 430 + 130 * c - 9 * len(entry), 100 + 26 * k, 10 * k + 1 + c)
    width = 430 + 130 * (len(header) - 2)
    detected = [Region((140, 90, width + 10, 110 + 26 * (len(rows) + 1)), "text", 0.8)]
    return [region.label for region, _ in refine_layout(detected, words, _page())]


def test_a_header_row_over_labels_beside_several_columns_of_figures_is_a_table():
    rows = [
        ["Households", "1,204", "18.2", "(X)"],
        ["Public services", "87", "3.1", "12.5"],
        ["Agency grants", "45,910", "—", "0.4"],
        ["Housing", "2,318", "40.0", "7.7"],
        ["Other", "16", "0.9", "1.0"],
    ]
    assert _table_labels(["Item", "Total", "Percent", "Change"], rows) == ["table"]


def test_prose_under_a_short_heading_row_stays_text():
    rows = [[f"line {k} of running text that goes on", "and on"] for k in range(5)]
    assert _table_labels(["Notes", "2020"], rows) == ["text"]
