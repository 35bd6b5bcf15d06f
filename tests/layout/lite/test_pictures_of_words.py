"""A picture box around nothing but lines of words (the detector boxed text and the faint show-through beside
it as an image on a scan, or a panel printed in reverse) gives its words back to the text; a chart (pale fills or a
dark ground too), a photo (a dark one too) and a seal keep theirs."""

from pathlib import Path

import cv2
import numpy as np

from ocrvl.layout.lite.refine import refine_layout
from ocrvl.types import Page, Region, Word
from tests.layout.lite.test_drawings import texts_by_label

LINES = ["Results of the survey", "Members who answered: 412", "Share of them in favour: 61%"]


def _page(image: np.ndarray) -> Page:
    return Page(source=Path("scan.png"), index=0, page_count=1, image=image, dpi=150)


def _line(text: str, x: float, y: float) -> Word:
    """An OCR line: 12 px per character, 30 px high."""
    return Word(text, (x, y, x + 12 * len(text), y + 30))


def _print(image: np.ndarray, words: list[Word], tone: int = 30) -> None:
    for word in words:  # ink where the text is, as OCR saw it
        x0, y0, x1, y1 = (round(v) for v in word.bbox)
        image[y0 + 8 : y1 - 8, x0 + 2 : x1 - 2] = tone


def _assert_read_as_text(image: np.ndarray, words: list[Word], picture: Region) -> None:
    """The page's only box, `picture`, goes, and its words `LINES` are read as text."""
    labels = texts_by_label(refine_layout([picture], words, _page(image), ocr_words=True))
    assert "image" not in labels
    assert labels["text"] == LINES


def test_text_boxed_as_a_picture_beside_what_was_shown_through_is_read_as_text():
    """The page as the OCR read it: the other side's print set to the paper's tone, a faint trace left."""
    image = np.full((1200, 1000, 3), 255, np.uint8)
    words = [_line(text, 120, 300 + 50 * k) for k, text in enumerate(LINES)]
    _print(image, words)
    for k in range(6):
        image[470 + 40 * k : 490 + 40 * k, 140:620] = 240
    image[500:502, 300:330] = 90  # a speck
    _assert_read_as_text(image, words, Region((100, 280, 700, 720), "image", 0.5))


def test_a_chart_a_photo_and_a_seal_keep_their_words():
    image = np.full((1400, 1200, 3), 255, np.uint8)
    # a pie chart: pale wedges, no outline, a legend of two rows beside it
    cv2.ellipse(image, (330, 300), (160, 160), 0, 0, 230, (230, 216, 173), -1)
    cv2.ellipse(image, (330, 300), (160, 160), 0, 230, 360, (195, 195, 195), -1)  # as scanned grey
    legend = [_line("Agree", 540, 240), _line("Disagree", 540, 300)]
    # a photo: mid-grey texture, a sign in it with two lines of words
    rng = np.random.default_rng(0)
    image[700:1100, 100:600] = rng.integers(60, 200, (400, 500, 1), np.uint8)
    sign = [_line("MAIN STREET", 200, 800), _line("NO PARKING", 200, 850)]
    # a seal: red ring and red words
    cv2.circle(image, (950, 900), 150, (0, 0, 200), 4)
    seal = [_line("CITY COUNCIL", 880, 860), _line("APPROVED", 900, 910)]
    words = legend + sign + seal
    _print(image, words)
    detected = [Region((100, 90, 720, 520), "chart", 0.8), Region((100, 700, 600, 1100), "image", 0.8),
                Region((790, 740, 1110, 1060), "seal", 0.8)]  # fmt: skip
    labels = texts_by_label(refine_layout(detected, words, _page(image), ocr_words=True))
    assert sorted(labels) == ["chart", "image", "seal"]
    assert labels["chart"] == ["Agree", "Disagree"]


def test_a_panel_printed_in_reverse_boxed_as_a_picture_is_read_as_text():
    """Light letters on a dark fill (a sidebar, a callout), most of the fill empty below them; the detector's box
    takes in a strip of the white page around the panel."""
    image = np.full((1200, 1000, 3), 255, np.uint8)
    image[300:900, 120:760] = (70, 30, 20)  # a dark blue panel
    words = [_line(text, 150, 330 + 50 * k) for k, text in enumerate(LINES)]
    _print(image, words, tone=235)
    _assert_read_as_text(image, words, Region((95, 285, 790, 915), "image", 0.8))


def test_a_dark_photo_and_a_chart_on_a_dark_ground_keep_their_words():
    image = np.full((1400, 1200, 3), 255, np.uint8)
    rng = np.random.default_rng(0)
    image[100:600, 100:700] = rng.integers(0, 90, (500, 600, 1), np.uint8)  # a photo at night, a lit sign in it
    sign = [_line("HOTEL", 250, 200), _line("OPEN ALL NIGHT", 250, 250)]
    image[700:1200, 100:900] = 25  # a line chart drawn light on a dark ground, its axis labels in two rows
    cv2.line(image, (160, 1120), (860, 1120), (200, 200, 200), 3)
    cv2.line(image, (160, 1120), (160, 740), (200, 200, 200), 3)
    sales = np.array([[160, 1100], [400, 900], [600, 980], [860, 760]], np.int32)
    cv2.polylines(image, [sales], False, (0, 200, 255), 4)
    axis = [_line("2019 2020 2021", 300, 1140), _line("Sales by year", 300, 700)]
    _print(image, sign, tone=240)
    _print(image, axis, tone=240)
    detected = [Region((90, 90, 710, 610), "image", 0.8), Region((90, 690, 910, 1210), "chart", 0.8)]
    labels = texts_by_label(refine_layout(detected, sign + axis, _page(image), ocr_words=True))
    assert sorted(labels) == ["chart", "image"]
