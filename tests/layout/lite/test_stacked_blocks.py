"""A text box the detector drew over a centred block and the prose below it is read as two paragraphs; a heading
over its paragraph, a paragraph's short last line and an indented list stay in their box."""

from pathlib import Path

import numpy as np

from ocrvl.layout.lite.refine import refine_layout
from ocrvl.recognition.lite.text_assembly import region_text
from ocrvl.types import Page, Region, Word

PROSE = "accurate document layout analysis is a key requirement for high quality document conversion".split()


def _page() -> Page:
    return Page(source=Path("x.png"), index=0, page_count=1, image=np.zeros((1200, 1000, 3), np.uint8), dpi=144)


def _line(text: str, x: float, top: float, h: float = 20) -> list[Word]:
    words, cursor = [], x
    for token in text.split():
        words.append(Word(token, (cursor, top, cursor + 10 * len(token), top + h)))
        cursor += 10 * len(token) + 8
    return words


def _prose(x: float, top: float, lines: int, first: str = "") -> list[Word]:
    words = []
    for i in range(lines):
        text = " ".join(PROSE[i:] + PROSE[:i])[:60]
        words += _line(f"{first} {text}" if i == 0 and first else text, x, top + 24 * i)
    return words


def _read(words: list[Word], box=(90, 90, 800, 400)) -> list[str]:
    return [
        region_text(region_words) for region, region_words in refine_layout([Region(box, "text", 0.9)], words, _page())
    ]


def test_a_centred_block_over_prose_in_one_box_is_its_own_paragraph():
    block = _line("Rueschlikon, Switzerland", 300, 100) + _line("ahn@zurich.ibm.com", 320, 124)
    texts = _read(block + _prose(100, 160, 5, first="ABSTRACT"))
    assert texts[0] == "Rueschlikon, Switzerland ahn@zurich.ibm.com"
    assert texts[1].startswith("ABSTRACT accurate document")
    assert len(texts) == 2


def test_a_heading_over_its_paragraph_stays_in_its_box():
    texts = _read(_line("KEYWORDS", 100, 100) + _prose(100, 136, 4))
    assert len(texts) == 1 and texts[0].startswith("KEYWORDS accurate")


def test_a_paragraph_and_an_indented_list_below_it_stay_in_their_box():
    items = _line("1. first item of the list", 140, 220) + _line("2. second item", 140, 244)
    texts = _read(_prose(100, 100, 4) + items)
    assert len(texts) == 1 and texts[0].endswith("2. second item")
