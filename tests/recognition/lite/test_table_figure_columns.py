"""A ruleless born-digital table whose sub-columns of figures stand closer than a word gap still gets
one cell per figure, while words of one cell stay together."""

from ocrvl.recognition.lite.tables import table_html
from ocrvl.types import Word
from tests.recognition.lite.test_tables import texts


def _row(cells: list[tuple[str, float]], y: float, line: int) -> list[Word]:
    """Text-layer words of one line: (text, x0) each, 9 px per character, 14 px high."""
    return [Word(text, (x, y, x + 9 * len(text), y + 14), line=line) for text, x in cells]


def test_close_sub_columns_of_figures_are_separate_cells():
    rows = [("20-29", "13,340", "14,032"), ("30-39", "15,492", "15,745"), ("40-49", "12,895", "12,644"),
            ("50-59", "8,551", "9,112"), ("All", "90,057", "94,823")]  # fmt: skip
    words = _row([("Age", 20), ("Male", 150), ("Female", 210)], 20, 0)
    for k, (age, male, female) in enumerate(rows):
        # the figures end 4 px apart from the next column's: closer than the gap that joins words
        words += _row([(age, 20), (male, 204 - 9 * len(male)), (female, 208)], 44 + 24 * k, k + 1)
    assert texts(table_html(words, [], (0, 0, 300, 200))) == [["Age", "Male", "Female"]] + [list(r) for r in rows]


def test_words_of_one_cell_at_the_same_place_in_every_row_stay_together():
    names = ["New York", "New Jersey", "New Mexico", "New Hampshire"]
    words = []
    for k, name in enumerate(names):
        first, second = name.split()
        words += _row([(first, 20), (second, 20 + 9 * len(first) + 4), (str(100 + k), 200)], 20 + 24 * k, k)
    assert [row[0] for row in texts(table_html(words, [], (0, 0, 300, 120)))] == names


def test_date_ranges_that_line_up_stay_one_cell():
    periods = ["Q2 2006 – Q1 2010", "Q1 2009 – Q4 2009", "Q4 2008 – Q2 2009", "Q3 2007 – Q1 2008"]
    words = []
    for k, period in enumerate(periods):
        cells, x = [], 20.0
        for token in period.split():
            cells.append((token, x))
            x += 9 * len(token) + 4
        words += _row([*cells, (f"0.{k}5", 260)], 20 + 24 * k, k)
    assert [row[0] for row in texts(table_html(words, [], (0, 0, 320, 120)))] == periods
