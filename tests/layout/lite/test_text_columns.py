"""One text box drawn over several columns of print is read column after column; a form's rows stay rows."""

from pathlib import Path

import numpy as np

from ocrvl.layout.lite.refine import refine_layout
from ocrvl.layout.lite.text_columns import split_text_columns
from ocrvl.recognition.lite.text_assembly import region_text
from ocrvl.types import Page, Region, Word

PROSE = "the council met on tuesday to hear the plans for the new bridge over the river and the road".split()


def _page(width=1600, height=1600) -> Page:
    return Page(source=Path("x.png"), index=0, page_count=1, image=np.zeros((height, width, 3), np.uint8), dpi=144)


def _column(x: float, width: float, lines: int, tag: str, y: float = 100, h: float = 24) -> list[Word]:
    """Lines of prose words filling `width` from `x`; each line's first word is `tag` and its line number."""
    words = []
    for i in range(lines):
        # Spaces not aligned from line to line, as in set prose.
        cursor, top, tokens = x, y + 30 * i, [f"{tag}{i}" + "x" * (i % 3), *PROSE[i:], *PROSE[:i]]
        for token in tokens:
            w = 12 * len(token)
            if cursor + w > x + width:
                break
            words.append(Word(token, (cursor, top, cursor + w, top + h)))
            cursor += w + 8
    return words


def _read(detected: list[Region], words: list[Word]) -> list[str]:
    return [region_text(region_words) for region, region_words in refine_layout(detected, words, _page())]


def test_a_text_box_over_three_columns_is_read_column_by_column():
    words = _column(100, 400, 8, "L") + _column(540, 400, 8, "M") + _column(980, 400, 8, "R")
    texts = _read([Region((90, 90, 1390, 350), "text", 0.9)], words)

    assert len(texts) == 3
    assert [text.split()[0] for text in texts] == ["L0", "M0", "R0"]
    assert texts[0].split()[-1] != "M0" and "M7" in texts[1] and "L7" not in texts[1]


def test_a_column_of_labels_beside_their_values_keeps_its_rows():
    labels = [Word(f"Field{i}:", (100, 100 + 30 * i, 190, 124 + 30 * i)) for i in range(8)]
    values = _column(260, 600, 8, "v")
    (text,) = _read([Region((90, 90, 900, 350), "text", 0.9)], labels + values)
    assert text.startswith("Field0: v0 the council")


def test_a_short_side_by_side_pair_is_not_split():
    """Two lines side by side (a signature block) are no columns of prose."""
    words = _column(100, 400, 2, "L") + _column(540, 400, 2, "R")
    assert len(_read([Region((90, 90, 950, 160), "text", 0.9)], words)) == 1


def test_bullets_beside_their_items_stay_with_them():
    """Two list items of two lines each, hanging under their text: the bullets are no stray lines of a column."""
    bullets = [Word("•", (100, 100 + 60 * i, 110, 124 + 60 * i)) for i in range(2)]
    items = _column(140, 600, 4, "item")
    (text,) = _read([Region((90, 90, 760, 230), "text", 0.9)], bullets + items)
    assert text.startswith("• item0 the council")


def test_a_line_of_the_next_column_caught_in_a_box_is_split_off():
    """The layout box of a column also took the last line of the column beside it (whose own box stops short)."""
    words = _column(100, 400, 8, "L") + _column(540, 400, 1, "R", y=310)
    regions = [Region((90, 90, 950, 350), "text", 0.9)]

    assert split_text_columns(regions, [words])
    assert [region.bbox[0] for region in regions] == [100, 540]
    assert regions[1].bbox[1] == 310  # the stray line alone


def _heading(text: str, x: float, y: float, h: float = 40) -> list[Word]:
    """A heading set larger than `_column`'s print, its words from `x` along one line."""
    words, cursor = [], x
    for token in text.split():
        w = 20 * len(token)
        words.append(Word(token, (cursor, y, cursor + w, y + h)))
        cursor += w + 12
    return words


def test_a_larger_heading_across_the_columns_of_a_box_is_read_between_the_stories():
    """One box over two stories stacked in the same two columns: the second story's headline runs across the
    gutter. The first story's columns come before it, the second's after it."""
    first = _column(100, 400, 5, "A") + _column(540, 400, 5, "B")
    heading = _heading("Bridge plans approved at last", 100, 270)
    second = _column(100, 400, 5, "C", y=340) + _column(540, 400, 5, "D", y=340)
    texts = _read([Region((90, 90, 950, 500), "text", 0.9)], first + heading + second)

    assert [text.split()[0] for text in texts] == ["A0", "B0", "Bridge", "C0", "D0"]
    assert texts[2] == "Bridge plans approved at last"


def test_two_headlines_side_by_side_in_one_box_each_head_their_own_columns():
    """Two stories' headlines on one line, boxed as one heading: each is read before its own columns."""
    left_story = _column(100, 400, 6, "A", y=160) + _column(540, 400, 6, "B", y=160)
    right_story = _column(980, 400, 6, "C", y=160)
    headlines = _heading("Council backs the new bridge", 100, 100) + _heading("Storm closes port", 980, 100)
    detected = [
        Region((90, 95, 1350, 142), "paragraph_title", 0.9),
        Region((90, 155, 950, 340), "text", 0.9),
        Region((970, 155, 1390, 340), "text", 0.9),
    ]
    texts = _read(detected, left_story + right_story + headlines)

    assert [text.split()[0] for text in texts] == ["Council", "A0", "B0", "Storm", "C0"]


def test_a_headline_over_the_columns_of_its_own_story_stays_whole():
    """A headline running over both columns of its story: its word spaces are no gutter, wherever they fall."""
    story = _column(100, 400, 6, "A", y=160) + _column(540, 400, 6, "B", y=160)
    headline = _heading("Council backs bridge plan", 100, 100)  # a space falls over the gutter, 500 to 540
    detected = [Region((90, 95, 950, 142), "paragraph_title", 0.9), Region((90, 155, 950, 340), "text", 0.9)]
    texts = _read(detected, story + headline)

    assert texts[0] == "Council backs bridge plan" and [text.split()[0] for text in texts[1:]] == ["A0", "B0"]
