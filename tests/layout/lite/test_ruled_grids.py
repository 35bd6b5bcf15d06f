"""Tables the detector missed but the page draws: text in a grid of rules becomes a table, a box around
a paragraph and a chart's gridlines do not."""

from pathlib import Path

import numpy as np

from ocrvl.layout.lite.refine import refine_layout
from ocrvl.types import Page, Region, Ruling, Word
from tests.recognition.lite.test_table_cell_lists import text_line as _words


def _page(rulings: list[Ruling]) -> Page:
    """A born-digital page whose image shows its `rulings`, dark on white."""
    image = np.full((1600, 1200, 3), 255, np.uint8)
    for ruling in rulings:
        x0, y0, x1, y1 = (round(v) for v in (ruling.x0, ruling.y0, ruling.x1, ruling.y1))
        image[min(y0, y1) : max(y0, y1) + 2, min(x0, x1) : max(x0, x1) + 2] = 0
    return Page(source=Path("x.pdf"), index=0, page_count=1, image=image, dpi=144, rulings=rulings, text_layer_ok=True)


def _rect(x0: float, y0: float, x1: float, y1: float) -> list[Ruling]:
    return [Ruling(x0, y0, x1, y0), Ruling(x0, y1, x1, y1), Ruling(x0, y0, x0, y1), Ruling(x1, y0, x1, y1)]


ROWS = [
    ("Program name", "What the program pays for", "Budget"),
    ("Contact Center Services", "Telephone and e-mail answers", "$8.6M"),
    ("Printed Publications Services", "Leaflets sent out on request", "$3.9M"),
    ("Web Management and Content", "The two national web portals", "$6.1M"),
    ("Total of the programs above", "All services of the office", "$34M"),
]


def _shaded_cell_table() -> tuple[list[Word], list[Ruling]]:
    """Each cell its own rectangle, the cells a few px apart (shaded cells on white)."""
    words, rulings = [], []
    for r, (name, purpose, amount) in enumerate(ROWS):
        y = 400 + 56 * r
        rulings += _rect(60, y, 480, y + 50) + _rect(484, y, 925, y + 50) + _rect(929, y, 1060, y + 50)
        words += _words(name, 70, y + 17, 3 * r) + _words(purpose, 494, y + 17, 3 * r + 1)
        words += _words(amount, 940, y + 17, 3 * r + 2)
    return words, rulings


def test_text_in_a_grid_of_shaded_cells_boxed_as_a_picture_becomes_one_table():
    words, rulings = _shaded_cell_table()
    pairs = refine_layout([Region((50, 390, 1070, 690), "image", 0.6)], words, _page(rulings))
    assert [r.label for r, _ in pairs] == ["table"]
    assert len(pairs[0][1]) == len(words)


def test_text_in_a_grid_of_shaded_cells_boxed_as_text_becomes_one_table():
    words, rulings = _shaded_cell_table()
    detected = [Region((60, 400, 900, 680), "text", 0.6), Region((935, 400, 1050, 680), "text", 0.5)]
    pairs = refine_layout(detected, words, _page(rulings))
    assert [r.label for r, _ in pairs] == ["table"]


def test_paragraph_in_a_box_stays_text():
    words = [
        w for k in range(4) for w in _words(f"A framed note that runs on for line {k} of it", 172, 420 + 24 * k, k)
    ]
    pairs = refine_layout([Region((165, 410, 800, 520), "text", 0.7)], words, _page(_rect(160, 400, 900, 530)))
    assert [r.label for r, _ in pairs] == ["text"]


def test_gridlines_of_a_chart_inside_its_picture_box_stay_a_picture():
    rulings = [Ruling(200, y, 1000, y) for y in range(400, 801, 80)] + [Ruling(600, 400, 600, 800)]
    words = []
    for k, y in enumerate(range(420, 800, 80)):  # value labels on both sides of the middle gridline, every other row
        words += _words(f"{k}0", 300, y, 2 * k) + (_words(f"{k}5", 700, y, 2 * k + 1) if k % 2 == 0 else [])
    words += _words("Share of answers by year", 300, 900, 99)
    pairs = refine_layout([Region((150, 350, 1050, 950), "chart", 0.8)], words, _page(rulings))
    assert [r.label for r, _ in pairs] == ["chart"]


def _ruled_two_rows(header: list[str], figures: list[str]) -> tuple[list[Word], list[Ruling]]:
    """A header row and one row of figures, every cell ruled off (a turnover table of one year)."""
    edges = [200, 420, 560, 720, 960][: len(header) + 1]
    rulings = [Ruling(edges[0], y, edges[-1], y) for y in (500, 540, 580)]
    rulings += [Ruling(x, 500, x, 580) for x in edges]
    words = []
    for k, (top, bottom) in enumerate(zip(header, figures)):
        words += _words(top, edges[k] + 10, 512, 2 * k) + _words(bottom, edges[k] + 10, 552, 2 * k + 1)
    return words, rulings


def test_two_rows_ruled_off_into_columns_the_detector_missed_become_a_table():
    words, rulings = _ruled_two_rows(
        ["Products", "Butter", "Margarine", "Low fat"], ["Turnover", "6028", "1385", "836"]
    )
    pairs = refine_layout([Region((200, 500, 960, 580), "text", 0.6)], words, _page(rulings))
    assert [r.label for r, _ in pairs] == ["table"]


def test_a_framed_note_under_a_ruled_title_stays_text():
    words = _words("Note on the figures", 172, 420, 0)
    words += [
        w for k in range(2) for w in _words(f"A framed note that runs on for line {k} of it", 172, 470 + 24 * k, k + 1)
    ]
    rulings = _rect(160, 400, 900, 530) + [Ruling(160, 450, 900, 450)]
    pairs = refine_layout([Region((165, 410, 800, 520), "text", 0.7)], words, _page(rulings))
    assert [r.label for r, _ in pairs] == ["text"]
