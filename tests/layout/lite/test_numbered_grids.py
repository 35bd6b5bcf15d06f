"""Exercises set out in columns but numbered across the rows are read in their numbers' order."""

from pathlib import Path

import numpy as np
import pymupdf
import pytest

from ocrvl.layout.lite.refine import refine_layout
from ocrvl.types import Page, Region, Word


def _item(number: int, text: str, x: float, y: float) -> list[Word]:
    """An exercise's line as a text layer gives it: its number, then its words."""
    words, left = [], x
    for token in [f"{number}.", *text.split()]:
        words.append(Word(token, (left, y, left + 12 * len(token), y + 20)))
        left += 12 * len(token) + 8
    return words


def _page() -> Page:
    return Page(source=Path("ex.pdf"), index=0, page_count=1, image=np.full((1200, 1000, 3), 255, np.uint8), dpi=144)


def _columns(numbering) -> tuple[list[Region], list[Word]]:
    """Three columns of four exercises, each column boxed as one text region; `numbering(row, column)`."""
    words = []
    for row in range(4):
        for column in range(3):
            words += _item(numbering(row, column), "Solve for x", 60 + 300 * column, 200 + 60 * row)
    columns = [Region((50 + 300 * c, 190, 330 + 300 * c, 430), "text", 0.9) for c in range(3)]
    return columns, words


def _numbers_in_order(pairs) -> list[int]:
    """The exercises' numbers in reading order (regions in order, each one's lines top to bottom)."""
    return [
        int(word.text.rstrip("."))
        for region, words in pairs
        if region.order is not None
        for word in sorted(words, key=lambda w: (w.bbox[1], w.bbox[0]))
        if word.text.endswith(".")
    ]


def test_exercises_numbered_across_the_columns_are_read_across():
    columns, words = _columns(lambda row, column: 1 + 3 * row + column)
    pairs = refine_layout(columns, words, _page())
    assert _numbers_in_order(pairs) == list(range(1, 13))
    assert all(len(words) == 4 for _, words in pairs), "each exercise is a region of its own"


def test_exercises_numbered_down_the_columns_stay_column_by_column():
    columns, words = _columns(lambda row, column: 1 + 4 * column + row)
    pairs = refine_layout(columns, words, _page())
    assert _numbers_in_order(pairs) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert len(pairs) == 3, "the columns are left as they were boxed"


def test_columns_of_prose_that_happen_to_open_with_numbers_are_left_alone():
    """A column whose first line is numbered but whose items do not run across the columns is not re-read."""
    columns, words = _columns(lambda row, column: [7, 3, 12, 1][row] + column)
    pairs = refine_layout(columns, words, _page())
    assert len(pairs) == 3


@pytest.mark.parametrize("read_as", ["text layer", "OCR"])
def test_a_grid_of_exercises_boxed_as_one_region_under_its_instruction_is_read_item_by_item(read_as):
    """The layout model boxed the instruction and the grid as one text region: a text layer gives words (a row
    reads "1. Solve for x 2(x + 8) 2. Solve ..."; "8)" is no item's number), OCR gives each item as one line."""
    words = _item(0, "Answer each question.", 60, 150)[1:]
    for row in range(4):
        for column in range(3):
            number, x, y = 1 + 3 * row + column, 60 + 300 * column, 200 + 60 * row
            if read_as == "OCR":
                words.append(Word(f"{number}. Solve 2(x + 8)", (x, y, x + 220, y + 20)))
            else:
                words += _item(number, "Solve 2(x + 8)", x, y)
    pairs = refine_layout([Region((50, 140, 930, 430), "text", 0.9)], words, _page())
    texts = [" ".join(w.text for w in sorted(words, key=lambda w: w.bbox[0])) for _, words in pairs]
    assert texts[0] == "Answer each question."
    assert texts[1:] == [f"{n}. Solve 2(x + 8)" for n in range(1, 13)]


@pytest.mark.slow
def test_a_born_digital_page_of_exercises_reads_in_their_numbers_order(parser, tmp_path):
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((60, 70), "Exercises 2.5", fontsize=16, fontname="hebo")
    for n in range(30):
        row, column = divmod(n, 3)
        page.insert_text((60 + 158 * column, 130 + 26 * row), f"{n + 1}. Round {n}.{n % 7}5", fontsize=10.5)
    doc.save(tmp_path / "exercises.pdf")
    (result,) = parser.predict(tmp_path / "exercises.pdf")
    found = [result.page_markdown.find(f"{n + 1}. Round {n}.{n % 7}5") for n in range(30)]
    assert -1 not in found and found == sorted(found)
