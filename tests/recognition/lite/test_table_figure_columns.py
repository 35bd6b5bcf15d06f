"""A ruleless born-digital table whose sub-columns of figures stand closer than a word gap still gets
one cell per figure, while words of one cell stay together."""

from ocrvl.recognition.lite.tables import table_html
from ocrvl.types import Ruling, Word
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


def test_rows_of_figures_between_the_header_rule_and_the_total_rule_stay_separate_rows():
    body = [("kept the assets", "344", "75.2"), ("sold some of them", "53", "11.6"), ("sold all of them", "61", "13.2")]
    words = _row([("Freq.", 200), ("Percent", 280)], 10, 0)
    for k, (label, freq, percent) in enumerate(body):
        words += _row([(label, 20), (freq, 200), (percent, 280)], 44 + 22 * k, k + 1)
    words += _row([("Total", 20), ("458", 200), ("100.0", 280)], 124, 9)
    rules = [
        Ruling(0, y, 360, y) for y in (4, 34, 118, 146)
    ]  # booktabs: top, under the header, above the total, bottom
    assert texts(table_html(words, rules, (0, 0, 360, 150))) == [
        ["", "Freq.", "Percent"],
        *[list(row) for row in body],
        ["Total", "458", "100.0"],
    ]


def test_a_wrapped_label_between_rules_stays_in_its_row():
    words = _row([("Freq.", 200)], 10, 0)
    words += _row([("assets kept by the", 20), ("344", 200)], 44, 1) + _row([("household", 20)], 62, 2)
    words += _row([("assets sold", 20), ("53", 200)], 92, 3)
    rules = [Ruling(0, y, 300, y) for y in (4, 34, 84, 112)]
    assert texts(table_html(words, rules, (0, 0, 300, 116))) == [
        ["", "Freq."],
        ["assets kept by the household", "344"],
        ["assets sold", "53"],
    ]


def test_headers_wider_than_their_right_aligned_figures_get_a_cell_each():
    """Each header is right-aligned over its column like the figures, and wider than them: "Percent 2002" reaches
    left over most of the gap to the column before it, a word gap from "Rate"."""
    right_edges = (300, 420, 520)
    rows = [("Housing", "64.0", "0.9", "8,245"), ("Other", "2.1", "12.4", "915"), ("Grants", "17.5", "3.0", "47")]
    words = _row([("Item", 20), ("Rate", 264), ("Percent", 312), ("2002", 384), ("Total", 475)], 20, 0)
    for k, (label, *figures) in enumerate(rows):
        words += _row([(label, 20)] + [(f, x - 9 * len(f)) for f, x in zip(figures, right_edges)], 44 + 24 * k, k + 1)
    header = ["Item", "Rate", "Percent 2002", "Total"]
    assert texts(table_html(words, [], (0, 0, 540, 140))) == [header] + [list(r) for r in rows]
