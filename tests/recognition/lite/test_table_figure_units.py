"""Figures with a unit (a currency amount in millions, billions) count as figures when a ruleless table
is cut into rows and columns, as they do when the layout finds tables: one pattern for both."""

from ocrvl.recognition.lite.tables import table_html
from ocrvl.types import Ruling, Word
from tests.recognition.lite.test_tables import texts


def _row(cells: list[tuple[str, float]], y: float, line: int) -> list[Word]:
    """Text-layer words of one line: (text, x0) each, 9 px per character, 14 px high."""
    return [Word(text, (x, y, x + 9 * len(text), y + 14), line=line) for text, x in cells]


def test_rows_of_amounts_in_millions_between_the_header_rule_and_the_total_rule_stay_separate_rows():
    body = [("Contact centre", "$8.6M", "$9.1M"), ("Printed leaflets", "$3.9M", "$2.7M"),
            ("Web portals", "$6.1M", "$6.4M")]  # fmt: skip
    words = _row([("2019", 200), ("2020", 280)], 10, 0)
    for k, (label, before, after) in enumerate(body):
        words += _row([(label, 20), (before, 200), (after, 280)], 44 + 22 * k, k + 1)
    words += _row([("Total", 20), ("$18.6M", 200), ("$18.2M", 280)], 124, 9)
    rules = [Ruling(0, y, 360, y) for y in (4, 34, 118, 146)]  # booktabs: top, under the header, above total, bottom
    assert texts(table_html(words, rules, (0, 0, 360, 150))) == [
        ["", "2019", "2020"],
        *[list(row) for row in body],
        ["Total", "$18.6M", "$18.2M"],
    ]
