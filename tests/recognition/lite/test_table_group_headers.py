"""A column gap that two stacked group headers cover (a year over a group, a wider header under it) is still a
column gap: the body's cells on either side stay apart."""

from ocrvl.recognition.lite.tables import table_html
from ocrvl.types import Word
from tests.recognition.lite.test_tables import texts


def _cell(text: str, x: float, y: float, line: int, right: bool = False) -> Word:
    """One text-layer cell, 9 px per character, 14 px high, starting at x (or ending there with `right`)."""
    width = 9 * len(text)
    x0 = x - width if right else x
    return Word(text, (x0, y, x0 + width, y + 14), line=line)


def test_a_gap_under_a_year_and_a_wider_group_header_still_separates_the_columns():
    words = [_cell("2007", 456, 10, 0), _cell("Inadequate housing units", 390, 30, 1)]
    words += [_cell("no.", 440, 50, 2), _cell("Unadjusted", 484, 50, 3)]
    rows = []
    for k in range(20):  # a column of figures ending at x 466, a column of words starting at x 530
        row = [f"Group {k}", f"({1 + k % 9}.{k % 10})", ("Ref.", "low", "high")[k % 3]]
        y = 72 + 22 * k
        words += [_cell(row[0], 20, y, 10 + 3 * k), _cell(row[1], 466, y, 11 + 3 * k, right=True)]
        words.append(_cell(row[2], 530, y, 12 + 3 * k))
        rows.append(row)
    assert texts(table_html(words, [], (0, 0, 620, 520)))[3:] == rows
