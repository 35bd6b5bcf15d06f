"""Words the layout detector left outside every box, on pages of narrow columns: a column gutter keeps them apart,
a wide word space does not."""

from pathlib import Path

import numpy as np

from ocrvl.layout.lite.gutters import WordRows, is_gutter
from ocrvl.layout.lite.refine import refine_layout
from ocrvl.types import Page, Region, Word

H = 24  # an OCR line's box height
PITCH = 30


def _page() -> Page:
    return Page(source=Path("x.png"), index=0, page_count=1, image=np.full((1600, 1200, 3), 255, np.uint8), dpi=300)


def _column(name: str, x0: float, x1: float, top: float, rows: int = 12) -> list[Word]:
    """One OCR line per row of a column of print."""
    return [Word(f"{name} line {i}", (x0, top + PITCH * i, x1, top + PITCH * i + H)) for i in range(rows)]


def _texts(pairs) -> list[list[str]]:
    return [[w.text for w in words] for _, words in pairs]


def test_a_column_the_detector_boxed_nowhere_is_not_swallowed_by_the_box_beside_it():
    """A newspaper's gutter (20 pixels, under a line height) between a column with no box and a boxed one."""
    left, right = _column("left", 100, 480, 200), _column("right", 500, 880, 200)
    detected = [Region((498, 195, 882, 560), "text", 0.9)]

    pairs = refine_layout(detected, left + right, _page(), ocr_words=True)

    assert _texts(pairs) == [[w.text for w in left], [w.text for w in right]]


def test_two_headlines_side_by_side_over_their_columns_stay_apart():
    """Headlines the detector missed, a line height apart, over the gutter of the columns below them."""
    first = Word("Council backs the bridge plan", (100, 100, 460, 140))
    second = Word("Harbour reopens after storm", (500, 100, 860, 140))
    left, right = _column("left", 100, 480, 170), _column("right", 500, 880, 170)
    detected = [Region((98, 165, 482, 530), "text", 0.9), Region((498, 165, 882, 530), "text", 0.9)]

    pairs = refine_layout(detected, [first, second] + left + right, _page(), ocr_words=True)

    texts = _texts(pairs)
    assert [first.text] in texts and [second.text] in texts
    order = [words[0] for words in texts]
    assert order.index(first.text) < order.index("left line 0") < order.index(second.text) < order.index("right line 0")


def test_a_justified_line_read_in_pieces_stays_in_its_column():
    """A column with no box at all, one of its lines read in three pieces at spaces wider than a line height."""
    column = _column("body", 100, 480, 200)
    y = 200 + PITCH * 5
    pieces = [Word("a", (100, y, 200, y + H)), Word("loose", (232, y, 330, y + H)), Word("line", (362, y, 480, y + H))]
    words = column[:5] + pieces + column[6:]
    other = _column("other", 600, 980, 213, rows=9)  # baselines out of step with the first column's: no table
    detected = [Region((598, 208, 982, 480), "text", 0.9)]

    pairs = refine_layout(detected, words + other, _page(), ocr_words=True)

    assert _texts(pairs) == [[w.text for w in words], [w.text for w in other]]


def test_a_list_s_numbers_hung_left_of_its_box_join_their_items():
    items = _column("item", 140, 480, 200, rows=6)
    numbers = [Word(f"{i + 1}.", (100, 200 + PITCH * i, 118, 200 + PITCH * i + H)) for i in range(6)]
    detected = [Region((138, 195, 482, 380), "text", 0.9)]

    pairs = refine_layout(detected, items + numbers, _page(), ocr_words=True)

    assert len(pairs) == 1 and sorted(w.text for w in pairs[0][1]) == sorted(w.text for w in items + numbers)


def test_a_word_space_in_a_headline_is_no_gutter_even_over_the_columns_gutter():
    headline = (100, 100, 860, 160)  # print three times the body's height
    below = _column("left", 100, 480, 190) + _column("right", 500, 880, 190)
    rows = WordRows(below)
    assert not is_gutter((470, 490), headline, rows)
    assert is_gutter((470, 510), (100, 100, 470, 124), rows)


def test_the_last_word_of_a_long_line_in_a_ragged_column_stays_in_its_column():
    """Text-layer words, no layout box: the left column is set ragged right, and one line's last word reaches
    into the gutter, with the lines above and below it ending short."""
    left = []
    for i in range(12):
        y = 200 + PITCH * i
        split = 220 + 37 * (i % 4)
        left += [Word(f"l{i}a", (100, y, split, y + H)), Word(f"l{i}b", (split + 6, y, 430 if i != 6 else 470, y + H))]
    left.append(Word("reaching", (478, 200 + PITCH * 6, 520, 200 + PITCH * 6 + H)))
    right = [Word(f"r{i}", (560, 213 + PITCH * i, 900, 213 + PITCH * i + H)) for i in range(10)]

    pairs = refine_layout([], left + right, _page(), ocr_words=True)

    assert sorted(len(words) for _, words in pairs) == [len(right), len(left)]


def test_rows_of_answer_choices_spread_over_the_page_stay_rows():
    """No layout box: questions, each with its four choices set far apart, their letters lined up down the page
    like four columns."""
    words, y = [], 100
    for q in range(5):
        words.append(Word(f"{q + 1}. Which of these numbers is the smallest one here?", (100, y, 760, y + H)))
        for k, letter in enumerate("ABCD"):
            words.append(Word(f"{letter}. {q * 4 + k}", (140 + 250 * k, y + PITCH, 220 + 250 * k, y + PITCH + H)))
        y += 3 * PITCH

    pairs = refine_layout([], words, _page(), ocr_words=True)

    assert [w.text for _, held in pairs for w in held] == [w.text for w in words]


def test_a_closing_bracket_read_apart_stays_with_its_question():
    """No layout box: each question ends in a blank between brackets, its closing bracket read as a line of its
    own two line heights further on."""
    words, y = [], 100
    for q in range(4):
        words.append(Word(f"{q + 1}. Which of these steps is no part of parsing? (", (100, y, 760, y + H)))
        words.append(Word(")", (810, y, 822, y + H)))
        words.append(Word(f"A. {q}  B. {q + 1}  C. {q + 2}  D. {q + 3}", (140, y + PITCH, 700, y + PITCH + H)))
        y += 3 * PITCH

    pairs = refine_layout([], words, _page(), ocr_words=True)

    assert [w.text for _, held in pairs for w in held] == [w.text for w in words]
