"""A line drawing the layout detector boxed nowhere on a scanned page (a triangle beside an exam question)
becomes a picture, its vertex letters going with it instead of landing in the questions' text; a frame
around a paragraph, a rule under a heading and a scan's dark border do not."""

from pathlib import Path

import cv2
import numpy as np

from ocrvl.layout.lite.refine import refine_layout
from ocrvl.types import Page, Region, Word

QUESTION = "2. In triangle ABC, AB = AC and angle A is 40 degrees. Find angle B."
SUBQUESTIONS = ["(1) How are angle B and angle C related?", "(2) Find the size of angle B."]
NEXT_QUESTION = "3. Solve the system of equations below."


def _page(image: np.ndarray) -> Page:
    return Page(source=Path("exam.png"), index=0, page_count=1, image=image, dpi=150)


def _line(text: str, x: float, y: float) -> Word:
    """An OCR line: 12 px per character, 30 px high."""
    return Word(text, (x, y, x + 12 * len(text), y + 30))


def _exam_page() -> tuple[np.ndarray, list[Word]]:
    """Question 2 with its sub-questions on the left, a triangle to their right with its vertices lettered
    (A just below the question's line, B and C level with nothing), question 3 below."""
    image = np.full((1400, 1200, 3), 255, np.uint8)
    triangle = np.array([[900, 330], [820, 520], [980, 520]], np.int32)
    cv2.polylines(image, [triangle], True, (0, 0, 0), 2)
    words = [_line(QUESTION, 100, 250), _line("A", 893, 296), _line(SUBQUESTIONS[0], 100, 340)]
    words += [_line(SUBQUESTIONS[1], 100, 400), _line("B", 796, 524), _line("C", 984, 524)]
    words.append(_line(NEXT_QUESTION, 100, 600))
    for word in words:  # ink where the text is, as OCR saw it
        x0, y0, x1, y1 = (round(v) for v in word.bbox)
        image[y0 + 8 : y1 - 8, x0 + 2 : x1 - 2] = 40
    return image, words


def texts_by_label(pairs: list[tuple[Region, list[Word]]]) -> dict[str, list[str]]:
    """The words of each label's regions, in the regions' order."""
    out: dict[str, list[str]] = {}
    for region, words in pairs:
        out.setdefault(region.label, []).extend(w.text for w in words)
    return out


def test_a_drawing_the_detector_missed_becomes_a_picture_holding_its_labels():
    image, words = _exam_page()
    detected = [Region((95, 245, 910, 330), "text", 0.7), Region((95, 335, 700, 435), "text", 0.7),
                Region((95, 520, 1000, 635), "text", 0.6)]  # fmt: skip
    pairs = refine_layout(detected, words, _page(image), ocr_words=True)
    texts = texts_by_label(pairs)
    assert sorted(texts["image"]) == ["A", "B", "C"]
    assert texts["text"] == [QUESTION, *SUBQUESTIONS, NEXT_QUESTION]
    [picture] = [region for region, _ in pairs if region.label == "image"]
    assert picture.bbox[0] <= 820 and picture.bbox[2] >= 980 and picture.bbox[1] <= 330 and picture.bbox[3] >= 520


def test_a_frame_around_a_paragraph_a_rule_and_a_scan_border_stay_what_they_were():
    image = np.full((1400, 1200, 3), 255, np.uint8)
    cv2.rectangle(image, (80, 200), (1000, 420), (0, 0, 0), 2)  # a boxed note
    cv2.line(image, (100, 520), (900, 520), (0, 0, 0), 3)  # a rule under a heading
    image[:, :25] = 0  # the scanner's dark edge
    words = [_line(f"A boxed note that runs on over line {k} of several", 100, 220 + 45 * k) for k in range(4)]
    words.append(_line("Heading above a rule", 100, 480))
    detected = [Region((95, 215, 800, 400), "text", 0.8), Region((95, 475, 400, 512), "paragraph_title", 0.8)]
    pairs = refine_layout(detected, words, _page(image), ocr_words=True)
    assert "image" not in texts_by_label(pairs)
