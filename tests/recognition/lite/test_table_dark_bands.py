"""Print on dark colour bands (a slide's table, a report's banded rows) read from an image: black print on a dark
band keeps its table cells apart, and a line of white print on a dark band is read whole."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocrvl.recognition.lite.ocr import LineReader, OcrOptions
from ocrvl.recognition.lite.rulings import detect_rulings
from ocrvl.recognition.lite.tables import table_html
from tests.recognition.lite.test_tables import texts

DARK_BAND = (23, 96, 126)  # grey 77: a slide theme's dark blue
LIGHT_BAND = (205, 209, 214)
ROWS = [
    ["Region", "North", "South", "West"],
    ["Wheat", "True", "False", "True"],
    ["Barley", "False", "True", "False"],
    ["Maize", "True", "True", "False"],
]
COLUMN_LEFTS = (40, 300, 520, 740)
ROW_HEIGHT = 44
TOP = 30


def banded_table() -> Image.Image:
    """ROWS drawn on bands alternating dark and light, with no rule between the cells."""
    font = ImageFont.load_default(size=30)
    page = Image.new("RGB", (980, TOP * 2 + ROW_HEIGHT * len(ROWS)), "white")
    draw = ImageDraw.Draw(page)
    for r, row in enumerate(ROWS):
        top = TOP + r * ROW_HEIGHT
        draw.rectangle((20, top, 960, top + ROW_HEIGHT - 1), fill=DARK_BAND if r % 2 == 0 else LIGHT_BAND)
        for text, left in zip(row, COLUMN_LEFTS):
            draw.text((left, top + 6), text, fill="black", font=font)
    return page


def read_table(page: Image.Image) -> list[list[str]]:
    image = np.asarray(page)
    box = (20.0, float(TOP), 960.0, float(TOP + ROW_HEIGHT * len(ROWS)))
    words = LineReader(OcrOptions(model="pp-ocrv6-small", threads=1)).read(image)
    return texts(table_html(words, detect_rulings(image, shaded_in=[box]), box))


def test_black_print_on_dark_bands_keeps_its_cells_apart():
    assert read_table(banded_table()) == ROWS


def test_lines_of_white_print_on_dark_bands_are_read_whole():
    lines = ["Federal Risk Authorization and Management", "Citizen Engagement Platform (Apps.gov)",
             "Small Business Dashboard for the Agency", "Subawards Reporting System Assistance"]  # fmt: skip
    font = ImageFont.load_default(size=30)
    page = Image.new("RGB", (980, 420), "white")
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        top = 40 + 80 * i
        draw.rectangle((20, top, 960, top + 76), fill=(79, 129, 189))  # grey 121, a report's table fill
        draw.text((40, top + 20), line, fill="white", font=font)
    words = LineReader(OcrOptions(model="pp-ocrv6-small", threads=1)).read(np.asarray(page))
    assert [word.text for word in words] == lines
