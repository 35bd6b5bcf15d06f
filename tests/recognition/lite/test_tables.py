"""Table structure recovery and rule detection on hand-made words, rules and drawn images."""

from __future__ import annotations

import re

import cv2
import numpy as np

from ocrvl.recognition.lite.rulings import detect_rulings
from ocrvl.recognition.lite.tables import table_html
from ocrvl.types import Ruling, Word

Cell = tuple[str, int, int]  # text, colspan, rowspan


def grid(table: str) -> list[list[Cell]]:
    """The rows of an HTML table produced by `table_html`, as (text, colspan, rowspan) cells."""
    assert table.startswith("<table>") and table.endswith("</table>")
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table):
        cells = []
        for attrs, text in re.findall(r"<td([^>]*)>(.*?)</td>", row):
            colspan = re.search(r'colspan="(\d+)"', attrs)
            rowspan = re.search(r'rowspan="(\d+)"', attrs)
            cells.append((text, int(colspan.group(1)) if colspan else 1, int(rowspan.group(1)) if rowspan else 1))
        rows.append(cells)
    return rows


def texts(table: str) -> list[list[str]]:
    return [[c[0] for c in row] for row in grid(table)]


def pdf_line(words: list[tuple[str, float, float]], y: float, line: int, height: float = 14.0) -> list[Word]:
    """Text-layer words (text, x0, x1) sharing one line id, on a line whose top is `y`."""
    return [Word(t, (x0, y, x1, y + height), line=line) for t, x0, x1 in words]


def hline(y: float, x0: float, x1: float) -> Ruling:
    return Ruling(x0, y, x1, y)


def vline(x: float, y0: float, y1: float) -> Ruling:
    return Ruling(x, y0, x, y1)


def test_full_grid_gives_one_cell_per_ruled_box() -> None:
    rulings = [hline(y, 0, 300) for y in (0, 30, 60, 90)] + [vline(x, 0, 90) for x in (0, 100, 200, 300)]
    words = []
    for r in range(3):
        # a whole table row as one text-layer line: only the rules separate the cells
        words += pdf_line([(f"r{r}c{c}", 100 * c + 10, 100 * c + 50) for c in range(3)], 30 * r + 8, line=r)
    html = table_html(words, rulings, (0, 0, 300, 90))
    assert texts(html) == [[f"r{r}c{c}" for c in range(3)] for r in range(3)]


def test_wrapped_text_in_a_ruled_cell_stays_one_cell() -> None:
    rulings = [hline(y, 0, 200) for y in (0, 50, 100, 150)] + [vline(x, 0, 150) for x in (0, 100, 200)]
    words = []
    for r in range(3):
        words += pdf_line([(f"name{r}", 10, 60)], 50 * r + 6, line=10 * r)
        words += pdf_line([("more", 10, 45)], 50 * r + 24, line=10 * r + 1)
        words += pdf_line([(str(r), 150, 158)], 50 * r + 6, line=10 * r + 2)
    html = table_html(words, rulings, (0, 0, 200, 150))
    assert texts(html) == [[f"name{r} more", str(r)] for r in range(3)]


def test_missing_inner_rule_gives_colspan() -> None:
    rulings = [hline(y, 0, 300) for y in (0, 30, 60, 90)]
    rulings += [vline(x, 0, 90) for x in (0, 100, 300)] + [vline(200, 30, 90)]  # no rule at x=200 in row 0
    words = pdf_line([("Name", 10, 50)], 8, line=0) + pdf_line([("Group", 175, 225)], 8, line=1)
    for r in (1, 2):
        words += pdf_line([(f"n{r}", 10, 30), (f"a{r}", 110, 130), (f"b{r}", 210, 230)], 30 * r + 8, line=10 + r)
    rows = grid(table_html(words, rulings, (0, 0, 300, 90)))
    assert rows == [
        [("Name", 1, 1), ("Group", 2, 1)],
        [("n1", 1, 1), ("a1", 1, 1), ("b1", 1, 1)],
        [("n2", 1, 1), ("a2", 1, 1), ("b2", 1, 1)],
    ]


def test_booktabs_group_header_spans_the_columns_of_its_cmidrule() -> None:
    rulings = [hline(0, 0, 300), hline(22, 140, 290), hline(44, 0, 300), hline(110, 0, 300)]
    words = pdf_line([("Group", 150, 190)], 4, line=0)  # left-aligned: only the cmidrule shows its span
    words += pdf_line([("Name", 10, 50), ("A", 150, 160), ("B", 250, 260)], 26, line=1)
    for r in range(3):
        words += pdf_line([(f"n{r}", 10, 30), (f"{r}.5", 150, 175), (f"{r}.7", 250, 275)], 50 + 20 * r, line=2 + r)
    rows = grid(table_html(words, rulings, (0, 0, 300, 110)))
    assert rows[:2] == [[("Name", 1, 2), ("Group", 2, 1)], [("A", 1, 1), ("B", 1, 1)]]
    assert [c[0] for c in rows[2]] == ["n0", "0.5", "0.7"] and len(rows) == 5


def test_caption_above_the_top_rule_is_left_out() -> None:
    rulings = [hline(y, 0, 300) for y in (20, 42, 110)]
    words = pdf_line([("Table", 0, 40), ("3.", 44, 56), ("Results", 70, 130)], 0, line=0)
    words += pdf_line([("Name", 10, 50), ("Value", 200, 240)], 24, line=1)
    for r in range(3):
        words += pdf_line([(f"n{r}", 10, 30), (str(r), 200, 210)], 50 + 20 * r, line=2 + r)
    assert texts(table_html(words, rulings, (0, 0, 300, 110))) == [["Name", "Value"]] + [
        [f"n{r}", str(r)] for r in range(3)
    ]


def test_total_row_below_the_last_rule_is_kept_but_a_note_is_not() -> None:
    rulings = [hline(y, 0, 300) for y in (0, 22, 110)]
    words = pdf_line([("Name", 10, 50), ("Value", 200, 240)], 4, line=0)
    for r in range(4):
        words += pdf_line([(f"n{r}", 10, 30), (str(r), 200, 210)], 26 + 20 * r, line=1 + r)
    total = pdf_line([("Total", 10, 45), ("6", 200, 210)], 114, line=9)
    note = pdf_line([("*", 0, 5), ("Estimated", 8, 70), ("values", 74, 110)], 114, line=9)
    assert texts(table_html(words + total, rulings, (0, 0, 300, 130)))[-1] == ["Total", "6"]
    assert texts(table_html(words + note, rulings, (0, 0, 300, 130)))[-1] == ["n3", "3"]


def test_borderless_table_columns_come_from_alignment() -> None:
    rows = [
        [("Type", 10, 45), ("of", 49, 63), ("delay", 67, 105)],
        [("Patient", 10, 62), ("delay", 66, 104)],
        [("Healthcare", 10, 88), ("services", 92, 150), ("delay", 154, 192)],
        [("Total", 10, 45), ("delay", 49, 87)],
    ]
    values = [["Mean", "SD"], ["55.3", "40.0"], ["76.5", "91.2"], ["131.4", "94.3"]]
    words = []
    for r, (label, (mean, sd)) in enumerate(zip(rows, values, strict=True)):
        words += pdf_line([*label, (mean, 240, 280), (sd, 330, 362)], 20 * r, line=r)
    html = table_html(words, [], (0, 0, 400, 80))
    assert texts(html) == [
        ["Type of delay", "Mean", "SD"],
        ["Patient delay", "55.3", "40.0"],
        ["Healthcare services delay", "76.5", "91.2"],
        ["Total delay", "131.4", "94.3"],
    ]


def test_ocr_line_across_two_columns_is_split() -> None:
    def ocr(text: str, x0: float, x1: float, y: float) -> Word:
        return Word(text, (x0, y, x1, y + 16))  # one OCR line: line id unknown

    words = [ocr("Gene", 10, 48, 0), ocr("Count", 120, 166, 0)]
    words += [ocr("alpha", 10, 50, 20), ocr("12", 120, 136, 20)]
    words += [ocr("beta gamma 7", 10, 130, 40)]  # the detector merged two cells into one line
    words += [ocr("delta", 10, 50, 60), ocr("345", 120, 144, 60)]
    html = table_html(words, [], (0, 0, 200, 80))
    assert texts(html) == [["Gene", "Count"], ["alpha", "12"], ["beta gamma", "7"], ["delta", "345"]]


def test_detect_rulings_finds_drawn_lines() -> None:
    image = np.full((200, 300, 3), 255, np.uint8)
    cv2.line(image, (20, 30), (280, 30), (0, 0, 0), 1)
    cv2.line(image, (20, 170), (280, 170), (90, 90, 90), 2)
    cv2.line(image, (150, 30), (150, 170), (0, 0, 0), 1)
    rulings = detect_rulings(image)
    horizontal = sorted((r for r in rulings if r.horizontal), key=lambda r: r.y0)
    vertical = [r for r in rulings if not r.horizontal]
    assert len(horizontal) == 2 and len(vertical) == 1
    assert abs(horizontal[0].y0 - 30) <= 1 and abs(horizontal[1].y0 - 170.5) <= 1.5
    assert abs(horizontal[0].x0 - 20) <= 2 and abs(horizontal[0].x1 - 280) <= 2
    assert abs(vertical[0].x0 - 150) <= 1 and abs(vertical[0].y0 - 30) <= 2 and abs(vertical[0].y1 - 170) <= 2


def test_detect_rulings_tolerates_a_slightly_skewed_scan() -> None:
    image = np.full((400, 500, 3), 255, np.uint8)
    for y in (50, 150, 250, 350):
        cv2.line(image, (50, y), (450, y), (0, 0, 0), 2)
    for x in (50, 250, 450):
        cv2.line(image, (x, 50), (x, 350), (0, 0, 0), 2)
    rotation = cv2.getRotationMatrix2D((250, 200), 1.5, 1.0)
    skewed = cv2.warpAffine(image, rotation, (500, 400), borderValue=(255, 255, 255))
    rulings = detect_rulings(skewed)
    assert sum(r.horizontal for r in rulings) == 4 and sum(not r.horizontal for r in rulings) == 3
    assert all(max(abs(r.x1 - r.x0), abs(r.y1 - r.y0)) > 280 for r in rulings)


def test_detect_rulings_ignores_text() -> None:
    image = np.full((120, 400, 3), 255, np.uint8)
    for i, line in enumerate(("Antipsychotic drug treatment", "mmmmmmmmm wwwwwwww ______", "1111 llll IIII")):
        cv2.putText(image, line, (10, 30 + 35 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 0), 2)
    assert [r for r in detect_rulings(image) if not r.horizontal] == []


def test_drawn_table_image_end_to_end() -> None:
    image = np.full((130, 340, 3), 255, np.uint8)
    for y in (10, 50, 90, 120):
        cv2.line(image, (10, y), (330, y), (0, 0, 0), 1)
    for x in (10, 130, 230, 330):
        cv2.line(image, (x, 10), (x, 120), (0, 0, 0), 1)
    cells = [["Name", "Mean", "SD"], ["alpha", "1.5", "0.2"], ["beta", "2.25", "0.4"]]
    row_tops, col_lefts = (10, 50, 90), (10, 130, 230)
    words = []
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            x, y = col_lefts[c] + 8, row_tops[r] + 26 if r < 2 else 114
            cv2.putText(image, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1)
            (w, h), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.6, 1)
            words.append(Word(text, (x, y - h, x + w, y + 2)))
    rulings = detect_rulings(image)
    assert sum(r.horizontal for r in rulings) == 4 and sum(not r.horizontal for r in rulings) == 4
    assert texts(table_html(words, rulings, (0, 0, 340, 130))) == cells


def test_arabic_cell_words_read_right_to_left() -> None:
    rulings = [hline(y, 0, 400) for y in (0, 40)] + [vline(x, 0, 40) for x in (0, 200, 400)]
    words = [Word("شماره", (300, 10, 380, 30), line=1), Word("استاندارد", (210, 10, 290, 30), line=1)]
    words.append(Word("20300", (20, 10, 80, 30), line=2))
    assert texts(table_html(words, rulings, (0, 0, 400, 40))) == [["20300", "شماره استاندارد"]]


def _banded_table() -> tuple[np.ndarray, list[Word]]:
    """A table set in shaded bands with no rule drawn: a dark header row in white print, then rows shaded
    alternately light and lighter, the second row's date wrapped onto two lines."""
    image = np.full((260, 420, 3), 255, np.uint8)
    rows = [(20, 60, 70), (60, 100, 235), (100, 160, 215), (160, 200, 235)]
    for top, bottom, shade in rows:
        image[top:bottom, 20:400] = shade
    lines = [
        (0, [("State", 30), ("Date", 170), ("Halt", 320)], 45),
        (1, [("Delhi", 30), ("1.12.2009", 170), ("8", 320)], 85),
        (2, [("Rajasthan", 30), ("2.12.2009 to", 170), ("6", 320)], 122),
        (2, [("19.12.2009", 170)], 148),
        (3, [("Kerala", 30), ("23.2.2010", 170), ("9", 320)], 185),
    ]
    words = []
    for row, cells, baseline in lines:
        colour = (255, 255, 255) if row == 0 else (0, 0, 0)
        for text, x in cells:
            cv2.putText(image, text, (x, baseline), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1)
            (w, h), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1)
            words.append(Word(text, (x, baseline - h, x + w, baseline + 2)))
    return image, words


def test_detect_rulings_finds_the_edges_of_shaded_bands() -> None:
    image, _ = _banded_table()
    horizontal = sorted(r.y0 for r in detect_rulings(image) if r.horizontal and r.x1 - r.x0 > 300)
    assert len(horizontal) == 5 and all(abs(y - want) <= 2 for y, want in zip(horizontal, (20, 60, 100, 160, 200)))


def test_detect_rulings_finds_light_strips_between_fills() -> None:
    image = np.full((200, 400, 3), 255, np.uint8)
    image[20:180, 20:380] = 200
    for y in (60, 100, 140):
        image[y : y + 2, 20:380] = 255  # the paper between two cells' fills
    image[20:180, 199:201] = 255
    rulings = detect_rulings(image)
    inner = sorted(r.y0 for r in rulings if r.horizontal and 30 < r.y0 < 170)
    assert len(inner) == 3 and all(abs(y - want) <= 2 for y, want in zip(inner, (61, 101, 141)))
    assert any(not r.horizontal and abs(r.x0 - 200) <= 2 and r.y1 - r.y0 > 120 for r in rulings)


def test_banded_table_image_keeps_a_wrapped_cell_in_its_row() -> None:
    image, words = _banded_table()
    html = table_html(words, detect_rulings(image), (15, 15, 405, 205))
    assert texts(html) == [
        ["State", "Date", "Halt"],
        ["Delhi", "1.12.2009", "8"],
        ["Rajasthan", "2.12.2009 to 19.12.2009", "6"],
        ["Kerala", "23.2.2010", "9"],
    ]


def test_a_label_beside_an_empty_cell_spans_it_only_where_its_column_is_not_set_apart_above() -> None:
    """A ruled table whose rule between its two first columns stops short of the rows of a section heading and of
    the total: the heading, alone on its row, spans the row; "Total" beside an empty cell, under rows that fill
    both columns, stays in its own column."""
    rows = [("State", "Period", "Camps"), ("Southern states",), ("Kerala", "2.2 to 22.2", "9"),
            ("Goa", "4.1 to 1.2", "13"), ("Total", "", "22")]  # fmt: skip
    words = []
    for k, row in enumerate(rows):
        cells = [(t, x, x + 8 * len(t)) for t, x in zip(row, (16, 116, 256)) if t]
        words += pdf_line(cells, 14 + 30 * k, k)
    rulings = [hline(10 + 30 * k, 10, 330) for k in range(6)] + [vline(x, 10, 160) for x in (10, 330)]
    rulings += [vline(110, 10, 40), vline(110, 70, 130), vline(250, 10, 40), vline(250, 70, 160)]
    assert grid(table_html(words, rulings, (10, 10, 330, 160))) == [
        [("State", 1, 1), ("Period", 1, 1), ("Camps", 1, 1)],
        [("Southern states", 3, 1)],
        [("Kerala", 1, 1), ("2.2 to 22.2", 1, 1), ("9", 1, 1)],
        [("Goa", 1, 1), ("4.1 to 1.2", 1, 1), ("13", 1, 1)],
        [("Total", 1, 1), ("", 1, 1), ("22", 1, 1)],
    ]
