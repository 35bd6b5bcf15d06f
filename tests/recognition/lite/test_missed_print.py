"""Print inside a region that the text detector found no line for is gathered into lines and read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocrvl.recognition.lite.ink_pieces import glyphs, ink_pieces
from ocrvl.recognition.lite.missed_print import missed_lines
from ocrvl.recognition.lite.ocr import LineReader, OcrOptions
from ocrvl.recognition.lite.recognizer import LiteOptions, LiteRecognizer
from ocrvl.types import Page, Region, Word

REGION = (40, 40, 760, 240)


def _page(lines: list[tuple[str, int]]) -> np.ndarray:
    page = Image.new("RGB", (800, 280), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=30)
    for text, y in lines:
        draw.text((60, y), text, fill="black", font=font)
    return np.asarray(page)


def test_a_line_no_word_covers_is_boxed_and_a_covered_page_gives_none():
    page = _page([("First line was found", 60), ("Second line 2 = x - 1", 150)])
    pieces = glyphs(ink_pieces(page, REGION))
    first = Word("First line was found", (50, 50, 380, 100))
    (line,) = missed_lines(pieces, [first])
    assert line[1] < 155 and line[3] > 180 and line[0] < 65 and line[2] > 300  # the whole second line
    second = Word("Second line 2 = x - 1", (50, 140, 400, 190))
    assert missed_lines(pieces, [first, second]) == []


def _column_page(lines: int) -> np.ndarray:
    page = Image.new("RGB", (800, 60 + 36 * lines), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=24)
    for i in range(lines):
        draw.text((60, 40 + 36 * i), f"line {i} of the council's report on the bridge", fill="black", font=font)
    return np.asarray(page)


def _found(i: int) -> Word:
    return Word(f"line {i}", (50, 34 + 36 * i, 700, 70 + 36 * i))


def test_a_whole_line_missed_in_a_long_column_is_boxed_but_a_stray_mark_is_not():
    """Dense print the detector ran together and dropped: one line of twelve is far below the share of print that
    makes a region worth looking at again, but a whole line is still read."""
    page = _column_page(12)
    region = (40, 30, 760, 40 + 36 * 12)
    pieces = glyphs(ink_pieces(page, region))
    (line,) = missed_lines(pieces, [_found(i) for i in range(12) if i != 5])
    assert line[1] < 40 + 36 * 5 + 5 < line[3] and line[2] - line[0] > 400

    marked = page.copy()
    marked[40 + 36 * 12 - 8 : 40 + 36 * 12 - 2, 600:606] = 0  # a speck under the last line
    assert missed_lines(glyphs(ink_pieces(marked, region)), [_found(i) for i in range(12)]) == []


def test_a_rule_under_a_line_is_no_print_but_a_minus_sign_is():
    page = _page([("a - b", 60)]).copy()
    page[200:203, 60:700] = 0  # a rule across the region
    pieces = glyphs(ink_pieces(page, REGION))
    assert all(box[2] - box[0] < 100 for box in pieces)  # the rule left out
    assert len(pieces) == 3  # a, the minus sign, b


def test_missed_lines_are_read():
    page = _page([("First line was found", 60), ("Second line was not", 150)])
    first = Word("First line was found", (50, 50, 380, 100))
    reader = LineReader(OcrOptions(model="pp-ocrv6-small", threads=1))
    words = reader.read_boxes(page, missed_lines(glyphs(ink_pieces(page, REGION)), [first]))
    assert [word.text for word in words] == ["Second line was not"]


def test_the_recognizer_reads_a_line_of_a_region_the_detector_missed():
    page = Page(Path("scan.png"), 0, 1, _page([("First line was found", 60), ("Second line was not", 150)]), 72)
    recognizer = LiteRecognizer(LiteOptions(ocr=OcrOptions(model="pp-ocrv6-small", threads=1)))
    first = Word("First line was found", (50, 50, 380, 100))
    (block,) = recognizer.recognize(page, [Region(REGION, "text", 0.9)], [[first]])
    assert block.content.split("\n\n") == ["First line was found", "Second line was not"]
