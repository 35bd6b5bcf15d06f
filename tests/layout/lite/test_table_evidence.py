"""Text becomes a table only on evidence of one: columns of numbered exercises stay text, a ruleless
grid with a column of marks that the detector missed becomes a table, prose beside it stays out."""

from pathlib import Path

import numpy as np

from ocrvl.layout.lite.refine import refine_layout
from ocrvl.types import Page, Region, Word


def _page() -> Page:
    return Page(source=Path("x.png"), index=0, page_count=1, image=np.zeros((1600, 1200, 3), np.uint8), dpi=144)


def _piece(text: str, x: float, y: float) -> Word:
    """One OCR line: its text in a box 10 px per character wide."""
    return Word(text, (x, y, x + 10 * len(text), y + 20))


def _labels(pairs: list[tuple[Region, list[Word]]]) -> list[str]:
    return [region.label for region, _ in pairs]


def test_two_columns_of_numbered_exercises_on_a_scan_stay_text():
    words = []
    for row in range(8):
        y = 100 + 40 * row
        words.append(_piece(f"{2 * row + 1}. 3x + {row} = 12", 100, y))
        words.append(_piece(f"{2 * row + 2}. {row}y - 4 = 9", 650, y))
    detected = [Region((90, 90, 400, 430), "text", 0.6), Region((640, 90, 950, 430), "text", 0.6)]
    pairs = refine_layout(detected, words, _page(), ocr_words=True)
    assert "table" not in _labels(pairs)
    assert sum(len(ws) for _, ws in pairs) == len(words)


def _checkbox_table(top: float) -> list[Word]:
    """A header row, then six rows: a name and two columns of check marks, no rules."""
    words = [_piece("Legal aid", 600, top), _piece("NGOs", 800, top)]
    for row, name in enumerate(("Children", "Women", "The elderly", "Migrants", "Refugees", "Displaced persons")):
        y = top + 40 * (row + 1)
        words += [_piece(name, 200, y), _piece("*", 640, y), _piece("*", 820, y)]
    return words


def test_ruleless_grid_with_a_column_of_marks_missed_by_the_detector_becomes_one_table():
    prose = [_piece("28. Are specialised services offered to these groups of people?", 200, 100)]
    grid = _checkbox_table(200)
    pairs = refine_layout([], prose + grid, _page())
    tables = [ws for region, ws in pairs if region.label == "table"]
    assert len(tables) == 1
    assert sorted(w.text for w in tables[0]) == sorted(w.text for w in grid)


def test_prose_beside_the_grid_stays_out_of_the_table():
    beside = [_piece(f"A long line of running text in the next column, {n}.", 200, 200 + 30 * n) for n in range(9)]
    grid = [Word(w.text, (w.bbox[0] + 500, w.bbox[1], w.bbox[2] + 500, w.bbox[3])) for w in _checkbox_table(200)]
    pairs = refine_layout([], beside + grid, _page())
    tables = [ws for region, ws in pairs if region.label == "table"]
    assert len(tables) == 1 and not {id(w) for w in beside} & {id(w) for w in tables[0]}


def test_grid_of_names_without_marks_or_figures_stays_text():
    words = []
    for row in range(5):
        y = 200 + 40 * row
        words += [_piece(f"Alice {row}", 200, y), _piece(f"Bob {row}", 500, y), _piece(f"Carol {row}", 800, y)]
    assert "table" not in _labels(refine_layout([], words, _page()))


def test_table_crop_of_decimal_figures_is_still_one_table():
    words = []
    for row in range(5):
        y = 100 + 40 * row
        words += [
            _piece(f"Strain {row}", 100, y),
            _piece(f"0.{row}2 ± 0.016", 400, y),
            _piece(f"1.{row}0 ± 0.02", 700, y),
        ]
    pairs = refine_layout([Region((90, 90, 900, 300), "text", 0.4)], words, _page(), ocr_words=True)
    assert _labels(pairs) == ["table"]


def _picture_page(draw) -> Page:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 1600), "white")
    draw(ImageDraw.Draw(image))
    return Page(source=Path("x.png"), index=0, page_count=1, image=np.asarray(image), dpi=144)


# A pie's labels: names outside the wedges, shares on them; by chance they fall into rows and three columns.
PIE_LABELS = [
    ("Scientific", 620, 300), ("Financial", 270, 380), ("17%", 560, 380), ("32%", 400, 460), ("Patents", 700, 460),
    ("8%", 600, 540), ("6%", 400, 620), ("21%", 580, 620), ("Tenders", 280, 700), ("16%", 470, 700),
    ("Manuals", 640, 700), ("Laws", 420, 780),
]  # fmt: skip


def test_a_pie_chart_whose_labels_fall_into_rows_stays_a_picture():
    def pie(draw):
        for k, colour in enumerate(("#4c9", "#f93", "#69f", "#c6c", "#e55", "#cb8")):
            draw.pieslice((300, 300, 800, 800), 60 * k, 60 * (k + 1), fill=colour)

    words = [_piece(text, x, y) for text, x, y in PIE_LABELS]
    pairs = refine_layout([Region((250, 280, 820, 820), "image", 0.9)], words, _picture_page(pie), ocr_words=True)
    assert _labels(pairs) == ["image"]


def test_a_striped_table_boxed_as_a_picture_becomes_a_table():
    def stripes(draw):
        draw.rectangle((250, 280, 950, 320), fill="#234")  # a dark header row behind white text
        for row in range(1, 8, 2):
            draw.rectangle((250, 280 + 40 * row, 950, 320 + 40 * row), fill="#e8e8ee")

    words = [_piece("Region", 270, 290), _piece("2019", 520, 290), _piece("2020", 720, 290)]
    for row in range(1, 8):
        y = 290 + 40 * row
        words += [_piece(f"District {row}", 270, y), _piece(f"{100 + row}", 520, y), _piece(f"{120 + row}", 720, y)]
    pairs = refine_layout([Region((250, 280, 950, 600), "image", 0.9)], words, _picture_page(stripes), ocr_words=True)
    assert _labels(pairs) == ["table"]


_ENTRIES_BOX = Region((110, 110, 1050, 460), "text", 0.6)  # the detector's box over the entries


def _leaderless_contents(pages: list[str]) -> list[Word]:
    """A table of contents read off a scan: OCR reads each entry and its page number, but not the dots between."""
    words = [_piece("Contents", 100, 60)]
    for row, page in enumerate(pages):
        y = 120 + 30 * row
        words += [_piece(f"{row + 1}.{row % 3} Section title number {row}", 120, y), _piece(page, 1000, y)]
    return words


def test_a_table_of_contents_whose_leaders_ocr_missed_is_contents_not_a_table():
    pages = ["vii", "ix", "xi", "xiii", "1", "2", "2", "5", "8", "13", "21"]
    pairs = refine_layout([_ENTRIES_BOX], _leaderless_contents(pages), _page(), ocr_words=True)
    assert "table" not in _labels(pairs) and "content" in _labels(pairs)


def test_two_columns_of_names_and_counts_out_of_order_still_become_a_table():
    pages = ["120", "85", "301", "12", "96", "250", "7", "148"]
    pairs = refine_layout([_ENTRIES_BOX], _leaderless_contents(pages), _page(), ocr_words=True)
    assert "table" in _labels(pairs)


def test_a_bulleted_list_the_detector_boxed_as_a_table_is_text():
    lines = ["Figure 5 shows the values when an adopted authority is used:",
             "▶ A user connects to the server using the profile ALICE.", "▶ USER and CURRENT USER have the same value.",
             "▶ ALICE calls a procedure named proc1, which is owned by", "user profile JOE and adopts his authority.",
             "• While the procedure runs, USER holds ALICE.", "- When proc1 ends, the session reverts."]  # fmt: skip
    words = [_piece(line, 120, 100 + 30 * row) for row, line in enumerate(lines)]
    pairs = refine_layout([Region((110, 90, 800, 320), "table", 0.5)], words, _page(), ocr_words=True)
    assert _labels(pairs) == ["text"]
