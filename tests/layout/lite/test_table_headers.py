"""A table whose box the detector started below its column headers takes the header row back (the headers
had come out as a document title and a heading); a caption or a paragraph above a table stays outside it."""

from pathlib import Path

import numpy as np

from ocrvl.layout.lite.refine import refine_layout
from ocrvl.types import Page, Region, Ruling, Word

PAGE = Page(source=Path("table.png"), index=0, page_count=1, image=np.full((600, 900, 3), 255, np.uint8), dpi=96)
BODY = [("Age > 60 years", "112", "98", "1.34"), ("Male sex", "87", "91", "0.92"), ("Hypertension", "64", "41", "1.88"),
        ("Diabetes", "33", "25", "1.45")]  # fmt: skip
COLUMNS = (40, 300, 420, 540)


def _line(text: str, x: float, y: float) -> Word:
    """An OCR line: 10 px per character, 20 px high."""
    return Word(text, (x, y, x + 10 * len(text), y + 20))


def _table_words(top: float) -> list[Word]:
    return [_line(cell, x, top + 30 * r) for r, row in enumerate(BODY) for cell, x in zip(row, COLUMNS, strict=True)]


def _labels(pairs) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for region, words in pairs:
        out.setdefault(region.label, []).extend(w.text for w in words)
    return out


def test_header_row_left_outside_the_table_box_joins_the_table():
    header = [_line("Variable", 40, 100), _line("Cases", 300, 100), _line("Controls", 420, 100), _line("OR", 540, 100)]
    detected = [Region((35, 98, 125, 122), "doc_title", 0.5), Region((295, 98, 600, 122), "paragraph_title", 0.4),
                Region((30, 128, 620, 250), "table", 0.8)]  # fmt: skip
    labels = _labels(refine_layout(detected, header + _table_words(130), PAGE, ocr_words=True))
    assert set(labels) == {"table"}
    assert {"Variable", "Cases", "Controls", "OR"} <= set(labels["table"])


def test_a_caption_or_a_paragraph_above_a_table_stays_outside_it():
    caption = _line("Table 2. Risk factors in cases and controls", 40, 70)
    paragraph = [_line("Cases were matched to controls by age and sex; the", 20, 100),
                 _line("odds ratios below are adjusted.", 560, 100)]  # fmt: skip
    detected = [Region((35, 68, 480, 92), "figure_title", 0.6), Region((15, 98, 880, 122), "text", 0.7),
                Region((30, 128, 620, 250), "table", 0.8)]  # fmt: skip
    labels = _labels(refine_layout(detected, [caption, *paragraph, *_table_words(130)], PAGE, ocr_words=True))
    assert caption.text not in labels["table"] and paragraph[0].text not in labels["table"]
    assert paragraph[0].text in labels["text"]


def test_a_title_right_above_a_table_stays_outside_it_whatever_its_words_heights():
    """Text-layer words of one title line, one of them (no ascender) a little lower: still one piece of text."""
    title, x, words = "Frequency of illnesses by gender", 200, []
    for token in title.split():
        top = 102 if token == "illnesses" else 100
        words.append(Word(token, (x, top, x + 10 * len(token), 122), line=900))
        x += 10 * len(token) + 6
    detected = [Region((195, 98, 540, 124), "figure_title", 0.6), Region((30, 128, 620, 250), "table", 0.8)]
    labels = _labels(refine_layout(detected, words + _table_words(130), PAGE))
    assert "illnesses" not in labels["table"] and "illnesses" in labels["figure_title"]


def test_a_header_boxed_apart_inside_the_ruled_grid_the_table_box_stopped_short_of_is_the_tables():
    """The detector's table box starts below the header row of a ruled grid and boxes two of its heads as a
    figure title; the table grows to its rules, and the heads are read as its cells."""
    header = [_line("Variable", 40, 100), _line("Cases", 300, 100), _line("Controls", 420, 100), _line("OR", 540, 100)]
    rulings = [Ruling(30, y, 620, y) for y in (90, 126, 250)]
    rulings += [Ruling(x, 90, x, 250) for x in (30, 290, 410, 530, 620)]
    page = Page(source=PAGE.source, index=0, page_count=1, image=PAGE.image, dpi=96, rulings=rulings)
    detected = [Region((295, 98, 505, 122), "figure_title", 0.5), Region((30, 128, 620, 250), "table", 0.8)]
    labels = _labels(refine_layout(detected, header + _table_words(130), page, ocr_words=True))
    assert set(labels) == {"table"}
    assert {"Variable", "Cases", "Controls", "OR"} <= set(labels["table"])
