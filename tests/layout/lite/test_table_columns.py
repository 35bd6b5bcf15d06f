"""A table whose box the detector ended short of its last column of figures takes the column back; a column of
words or text standing apart beside a table stays outside it."""

from pathlib import Path

import numpy as np

from ocrvl.layout.lite.refine import refine_layout
from ocrvl.types import Page, Region, Word

PAGE = Page(source=Path("table.pdf"), index=0, page_count=1, image=np.full((700, 1000, 3), 255, np.uint8), dpi=72)
ROWS = [("Total", "83.66", "44.6"), ("Private", "201.00", "—"), ("State", "928,810.21", "88.4"),
        ("Households", "28.84", "43.7"), ("Program", "(X)", "1.9"), ("Grants", "4,786.57", "61.8")]  # fmt: skip


def _word(text: str, x: float, y: float, line: int) -> Word:
    return Word(text, (x, y, x + 8 * len(text), y + 12), line=line)


def _page(last_column: list[str]) -> dict[str, list[str]]:
    """A header row and ROWS, label at x=60 and figures right-aligned at 400; `last_column` right-aligned at 800."""
    words = [
        _word("Item", 60, 100, 0),
        _word("Rate", 368, 100, 0),
        _word(last_column[0], 800 - 8 * len(last_column[0]), 100, 1),
    ]
    for k, ((label, figure, _), last) in enumerate(zip(ROWS, last_column[1:], strict=True)):
        y = 130 + 30 * k
        words += [_word(label, 60, y, 2 + 2 * k), _word(figure, 400 - 8 * len(figure), y, 2 + 2 * k)]
        words.append(_word(last, 800 - 8 * len(last), y, 3 + 2 * k))
    detected = [Region((55, 95, 405, 300), "table", 0.8), Region((50, 95, 810, 300), "text", 0.7)]
    out: dict[str, list[str]] = {}
    for region, held in refine_layout(detected, words, PAGE):
        out.setdefault(region.label, []).extend(w.text for w in held)
    return out


def test_a_column_of_figures_beside_a_table_s_box_is_one_of_its_columns():
    labels = _page(["Change"] + [last for _, _, last in ROWS])
    assert set(labels) == {"table"}
    assert {"Change", "44.6", "—", "61.8"} <= set(labels["table"])


def test_a_column_of_words_beside_a_table_stays_text():
    labels = _page(["Notes", "revised", "estimate", "final", "revised", "final", "estimate"])
    assert "revised" in labels.get("text", []) and "revised" not in labels["table"]
