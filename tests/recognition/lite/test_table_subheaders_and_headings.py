"""Header and heading lines of tables without rules between their rows.

- A sub-header wider than the column of figures under it ("Unadjusted OR" over "1.1"), under a group header,
  reaching towards its neighbour's column, stays a cell of its own beside the neighbour's header ("(%)").
- A heading line in the label column set out to the left of the rows above it ("Sex, by race" after an
  indented row label that wrapped) starts a row of its own, even when it follows the wrapped line as
  closely as a wrapped line follows its first line.
- A row label broken off at a comma goes on in the next line, even where that line stands as far below as the
  rows stand apart and starts with a capital.
- A row label wrapped onto a line that carries the row's figures (its first line bearing none) is one row when
  the next line goes on in lower case; a heading ending in a colon above such a line stays a row of its own.
"""

from ocrvl.recognition.lite.tables import table_html
from ocrvl.types import Word
from tests.recognition.lite.test_tables import grid, pdf_line, texts


def _cell(text: str, x: float, y: float, line: int, right: bool = False) -> list[Word]:
    """One text-layer cell, 8 px per character, 15 px high, starting at x (or ending there with `right`)."""
    x0 = x - 8 * len(text) if right else x
    return pdf_line([(text, x0, x0 + 8 * len(text))], y, line=line, height=15)


def test_a_wide_sub_header_does_not_merge_with_the_header_beside_it() -> None:
    # a group header over three columns; under it "(%)" over right-aligned shares and "Unadjusted OR", wider than
    # the odds ratios centred under it, reaching left towards the shares
    words = pdf_line([("Inadequate housing units", 444, 621)], 0, line=0, height=15)
    header = [("Characteristic", 73, 168), ("no.", 388, 411), ("(%)", 443, 466)]
    header += [("Unadjusted OR", 484, 588), ("(95% CI)", 615, 673)]
    words += [w for k, (text, a, b) in enumerate(header) for w in pdf_line([(text, a, b)], 28, line=1 + k, height=15)]
    rows = []
    for k in range(12):
        ratio, interval = ("Ref.", "-") if k % 4 == 0 else (f"1.{k}", f"(1.{k}-2.{k})")
        row = [f"Group {k}", f"{1000 + 37 * k:,}", f"({4 + k % 5}.{k})", ratio, interval]
        ratio_at = (524, 548) if k % 4 == 0 else (526, 546)
        interval_at = (636, 652) if k % 4 == 0 else (616, 672)
        cells = [(row[0], 85, 85 + 8 * len(row[0])), (row[1], 379, 419), (row[2], 440, 469)]
        cells += [(row[3], *ratio_at), (row[4], *interval_at)]
        words += pdf_line(cells[:1], 52 + 24 * k, line=10 + 5 * k, height=15)
        words += [w for j, cell in enumerate(cells[1:]) for w in pdf_line([cell], 52 + 24 * k, 11 + 5 * k + j, 15)]
        rows.append(row)
    html = table_html(words, [], (60, -5, 700, 340))
    cells = grid(html)
    assert cells[0][:2] == [("Characteristic", 1, 2), ("no.", 1, 2)]  # heads under no group header span both rows
    assert [c[0] for c in cells[1]] == ["(%)", "Unadjusted OR", "(95% CI)"]
    assert texts(html)[2:] == rows


def test_a_heading_set_out_to_the_left_after_a_wrapped_label_starts_a_row() -> None:
    words = _cell("Characteristic", 10, 10, 0) + _cell("Cases", 300, 10, 1, right=True)
    lines = [
        ("Hispanic", "966", 40),
        ("Black, non-Hispanic", "1,292", 64),
        ("American Indian/", "51", 88),
        ("Alaska Native", "", 106),  # the label wrapped: its next line follows closely
        ("Sex, by race", "", 124),  # a heading, set out to the left as closely after
        ("White", "1,638", 148),
        ("Hispanic", "508", 172),
    ]
    for k, (label, figure, y) in enumerate(lines):
        x = 10 if label == "Sex, by race" else 22
        words += _cell(label, x, y, 10 + 2 * k)
        if figure:
            words += _cell(figure, 300, y, 11 + 2 * k, right=True)
    assert [row[0] for row in texts(table_html(words, [], (0, 0, 320, 200)))] == [
        "Characteristic",
        "Hispanic",
        "Black, non-Hispanic",
        "American Indian/ Alaska Native",
        "Sex, by race",
        "White",
        "Hispanic",
    ]


def test_a_label_broken_off_at_a_comma_goes_on_in_the_next_line() -> None:
    years = ["1990", "1992", "1993"]
    words = _cell("Years", 10, 10, 0) + [w for k, y in enumerate(years) for w in _cell(y, 260 + 70 * k, 10, 1 + k)]
    figures = ["0.323", "0.272", "0.265"]
    words += _cell("Budget share for Coffee,", 10, 34, 10)
    words += [w for k, v in enumerate(figures) for w in _cell(v, 260 + 70 * k, 34, 11 + k)]
    words += _cell("Tea, Herb Tea", 10, 58, 20)  # as far below as the rows stand apart: only the comma tells
    assert texts(table_html(words, [], (0, 0, 480, 80))) == [
        ["Years", *years],
        ["Budget share for Coffee, Tea, Herb Tea", *figures],
    ]


def test_a_label_wrapped_onto_the_line_of_its_figures_is_one_row() -> None:
    # figures set on a wrapped label's last line, as statistical releases do; the heading ends in a colon
    words = _cell("Area", 10, 10, 0) + _cell("2019", 300, 10, 1, right=True) + _cell("2020", 380, 10, 2, right=True)
    lines = [
        ("Persons:", (), 10),
        ("under 18 years", ("310", "2.2"), 22),
        ("Energy regional manufacturing annual", (), 22),
        ("county public program", ("854", "12.5"), 28),
        ("Education other", ("1,093", "9.1"), 22),
    ]
    for k, (label, figures, x) in enumerate(lines):
        y = 34 + 20 * k
        words += _cell(label, x, y, 10 + 3 * k)
        words += [w for j, figure in enumerate(figures) for w in _cell(figure, 300 + 80 * j, y, 11 + 3 * k + j, True)]
    assert texts(table_html(words, [], (0, 0, 400, 140))) == [
        ["Area", "2019", "2020"],
        ["Persons:", "", ""],
        ["under 18 years", "310", "2.2"],
        ["Energy regional manufacturing annual county public program", "854", "12.5"],
        ["Education other", "1,093", "9.1"],
    ]
