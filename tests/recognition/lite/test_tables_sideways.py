"""A table printed sideways (its text-layer lines run up or down the page) is built in its own upright frame:
rows come out as the table's rows, not its columns, and each cell's words in reading order."""

import pytest

from ocrvl.recognition.lite.tables import table_html
from ocrvl.types import Ruling, Word
from tests.conftest import tables_in

ROWS = [
    ["Region", "Households", "Adults"],
    ["North Coast", "1,204", "2,310"],
    ["Inland Valley", "986", "1,875"],
    ["Southern Hills", "1,532", "2,904"],
    ["All regions", "4,466", "8,479"],
]
PAGE_HEIGHT = 1000


def _vertical_line(text: str, across: float, start: float, line: int, upward: bool) -> list[Word]:
    """Text-layer words of one line running up (from `start` towards the top) or down the page,
    9 px per character along the line, 14 px across it."""
    words, cursor = [], start
    for token in text.split():
        length = 9 * len(token)
        span = (cursor - length, cursor) if upward else (cursor, cursor + length)
        words.append(Word(token, (across, span[0], across + 14, span[1]), line=line))
        cursor += -(length + 5) if upward else length + 5
    return words


def _sideways_table(upward: bool) -> tuple[list[Word], list[Ruling]]:
    """The table turned a quarter: its first row at the left edge (text running up) or the right edge
    (running down), its first column at the bottom or the top; a rule under the header row."""
    words, line = [], 0
    for r, row in enumerate(ROWS):
        across = 100 + 30 * r if upward else 600 - 30 * r
        for c, text in enumerate(row):
            start = PAGE_HEIGHT - 100 - 160 * c if upward else 100 + 160 * c
            words += _vertical_line(text, across, start, line, upward)
            line += 1
    rule_x = 122 if upward else 578
    return words, [Ruling(rule_x, 80, rule_x, PAGE_HEIGHT - 80)]


@pytest.mark.parametrize("upward", [True, False], ids=["text running up", "text running down"])
def test_a_table_printed_sideways_keeps_its_rows_and_columns(upward):
    words, rulings = _sideways_table(upward)
    [table] = tables_in(table_html(words, rulings, (80, 80, 640, PAGE_HEIGHT - 80)))
    assert table == ROWS


def test_an_upright_table_is_built_as_it_stands():
    words = []
    for r, row in enumerate(ROWS):
        for c, text in enumerate(row):
            cursor = 20 + 200 * c
            for token in text.split():
                words.append(Word(token, (cursor, 20 + 30 * r, cursor + 9 * len(token), 34 + 30 * r), line=10 * r + c))
                cursor += 9 * len(token) + 5
    [table] = tables_in(table_html(words, [], (0, 0, 620, 180)))
    assert table == ROWS
