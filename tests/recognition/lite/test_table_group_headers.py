"""Group headers over columns of figures.

- A column gap that two stacked group headers cover (a year over a group, a wider header under it) is still a
  column gap: the body's cells on either side stay apart.
- A year centred over two columns spans both, even where it stops a pixel short of the second one's widest figure,
  or inside the gap between them; a line of such years is a header row of its own, over a stub head spanning it.
- In a ruled table, a group header centred between the rules at its group's sides spans the group, a head set
  down level with the heads under the years included; a row of years over a row of words is header, not data.
"""

from ocrvl.recognition.lite.tables import _drop_empty_columns, _Frag, _Token, table_html
from ocrvl.types import Ruling, Word
from tests.recognition.lite.test_tables import grid, hline, texts, vline


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


def test_a_year_centred_over_two_columns_spans_them_though_it_ends_where_the_second_begins():
    # "2012" centred over a column of short figures and one of wide figures: it runs past the first column's
    # right edge (x 250) and stops one pixel short of the widest figure of the second (x 277)
    words = [_cell("2012", 240, 10, 0), _cell("Percent", 250, 30, 1, right=True), _cell("Rate", 367, 30, 2, right=True)]
    body = [("Households", "0", "854,049.13"), ("Education", "12", "74,993.18"), ("Retail", "30", "8,011.85")]
    for k, (label, share, rate) in enumerate(body):
        y = 52 + 22 * k
        words += [_cell(label, 20, y, 10 + 3 * k), _cell(share, 250, y, 11 + 3 * k, right=True)]
        words.append(_cell(rate, 367, y, 12 + 3 * k, right=True))
    table = table_html(words, [], (0, 0, 400, 130))
    assert grid(table)[0][-1] == ("2012", 2, 1)
    assert texts(table)[-3:] == [list(row) for row in body]


def test_years_centred_over_column_pairs_head_a_row_of_their_own_over_the_stub_head():
    # each year centred over a pair of columns, ending inside the gap between them; a rule under the heads only
    words = [_cell("2016", 245, 10, 0), _cell("2020", 445, 10, 1), _cell("Item", 20, 30, 2)]
    for k, right in enumerate((250, 340, 450, 540)):
        words.append(_cell(("Percent", "Share")[k % 2], right, 30, 3 + k, right=True))
    body = [("Households", "4.2", "12.5", "31.0", "7.1"), ("Education", "31.0", "9.4", "7.5", "10.2")]
    body += [("Retail", "7.5", "88.0", "4.2", "3.3")]
    for k, row in enumerate(body):
        y = 56 + 22 * k
        words.append(_cell(row[0], 20, y, 10 + 5 * k))
        words += [_cell(figure, right, y, 11 + 5 * k + j, right=True) for j, (figure, right) in
                  enumerate(zip(row[1:], (250, 340, 450, 540), strict=True))]  # fmt: skip
    table = table_html(words, [hline(48, 10, 550)], (0, 0, 560, 130))
    assert grid(table)[0] == [("Item", 1, 2), ("2016", 2, 1), ("2020", 2, 1)]
    assert texts(table)[1:] == [["Percent", "Share", "Percent", "Share"], *map(list, body)]


def test_a_section_name_alone_on_its_row_spans_the_row_where_no_rule_divides_it():
    """A ruled table whose column rules stop above and start again below each section's name (the rules run
    beside the data rows only): the name spans every column, the data rows keep their cells."""
    columns = (0, 320, 420, 520, 620)
    words = [
        _cell(text, x + 10, 8, k) for k, (text, x) in enumerate(zip(("Measure", "Age 4", "K", "Grade 1"), columns))
    ]
    rulings, y, line = [hline(0, 0, 620), hline(28, 0, 620)], 30, 4
    for section in ("Language, Literacy, and Pre-Writing", "Mathematics"):
        words.append(_cell(section, 10, y + 6, line))
        rulings.append(hline(y + 26, 0, 620))
        top, line, y = y + 26, line + 1, y + 26
        for k in range(3):
            row = [f"Measure {k}", "0.16", "NA", "NA"]
            words += [_cell(text, columns[c] + 10, y + 6, line + c) for c, text in enumerate(row)]
            rulings.append(hline(y + 26, 0, 620))
            line, y = line + 4, y + 26
        rulings += [vline(x, top, y) for x in columns]
    rows = grid(table_html(words, rulings, (0, 0, 620, y)))
    assert rows[1] == [("Language, Literacy, and Pre-Writing", 4, 1)]
    assert rows[5] == [("Mathematics", 4, 1)]
    assert [cell[0] for cell in rows[2]] == ["Measure 0", "0.16", "NA", "NA"]


def test_a_year_centred_over_four_columns_spans_all_four():
    """ "2005" centred over its group's four columns (number, margin, percent, margin), not only the two it sits
    between; the next group's year likewise."""
    columns = [(200, "Number"), (300, "Margin"), (400, "Percent"), (500, "Margin")]
    columns += [(x + 400, text) for x, text in columns]
    words = [_cell("2005", 359, 10, 0), _cell("2010", 759, 10, 1), _cell("Category", 10, 30, 2)]  # centred
    words += [_cell(text, x, 30, 3 + k) for k, (x, text) in enumerate(columns)]
    line = 20
    for r in range(4):
        y = 52 + 22 * r
        words.append(_cell(f"Group {r}", 10, y, line))
        words += [_cell(f"{10 * r + k}.5", x, y, line + 1 + k) for k, (x, _) in enumerate(columns)]
        line += 10
    rows = grid(table_html(words, [], (0, 0, 1000, 150)))
    assert [(text, span) for text, span, _ in rows[0] if text] == [("2005", 4), ("2010", 4)]
    assert [cell[0] for cell in rows[1]] == ["Category", *(text for _, text in columns)]


def test_a_header_line_whose_ocr_boxes_overhang_the_rule_under_it_stays_in_the_header() -> None:
    # OCR boxes of a two-line, bottom-aligned header; the rule under it is drawn at y=45, one pixel above the
    # bottom of the last header line's boxes (a detector pads its boxes)
    def ocr(text: str, x0: float, y0: float) -> Word:
        return Word(text, (x0, y0, x0 + 9 * len(text), y0 + 22))

    words = [ocr("Weighted school", 200, 4), ocr("Weighted student", 400, 4)]
    words += [ocr("Education system", 10, 24), ocr("participation", 200, 24), ocr("response rate", 400, 24)]
    rows = [["Austria", "100", "98"], ["Canada", "98", "96"], ["Denmark", "87", "97"], ["Finland", "97", "96"]]
    for k, row in enumerate(rows):
        words += [ocr(text, x, 48 + 22 * k) for text, x in zip(row, (10, 200, 400))]
    rulings = [hline(y, 0, 560) for y in (0, 45, 140)]
    assert texts(table_html(words, rulings, (0, 0, 560, 140))) == [
        ["Education system", "Weighted school participation", "Weighted student response rate"],
        *rows,
    ]


def test_a_two_word_group_header_and_a_head_wrapped_under_the_group_line():
    """The top line holds group headers ("Mexican American" a word space apart, each word over one of its
    columns) and "Total", wrapped onto the line of heads as "population"; the stub head is on the line of heads:
    the groups span their columns, the stub head and "Total population" span both header rows."""
    rights = (250, 340, 450, 540, 650)
    words = [_cell("Age (years)", 20, 30, 0), _cell("Non-Hispanic white", 194, 10, 1)]
    words += [_cell("Mexican", 405, 10, 2), _cell("American", 473, 10, 3), _cell("Total", 650, 10, 4, right=True)]
    heads = ("Male", "Female", "Male", "Female", "population")
    words += [_cell(head, right, 30, 5 + k, right=True) for k, (head, right) in enumerate(zip(heads, rights))]
    body = [("2-11 months", "1,087,948", "1,022,490", "188,980", "150,760", "3,350,188")]
    body += [("1-2", "2,586,688", "2,568,738", "409,038", "392,640", "8,002,463")]
    body += [("3-5", "3,867,692", "3,576,723", "563,286", "563,183", "11,654,990")]
    for k, row in enumerate(body):
        y = 56 + 22 * k
        words.append(_cell(row[0], 20, y, 10 + 6 * k))
        words += [_cell(figure, right, y, 11 + 6 * k + j, right=True) for j, (figure, right) in
                  enumerate(zip(row[1:], rights, strict=True))]  # fmt: skip
    table = table_html(words, [hline(48, 10, 660)], (0, 0, 670, 130))
    assert grid(table)[0] == [
        ("Age (years)", 1, 2),
        ("Non-Hispanic white", 2, 1),
        ("Mexican American", 2, 1),
        ("Total population", 1, 2),
    ]
    assert texts(table)[1:] == [["Male", "Female", "Male", "Female"], *map(list, body)]


def test_a_group_header_centred_over_the_gap_between_two_columns_makes_no_column_of_its_own():
    """Separators found on both edges of the gap between two columns of figures (one right-aligned, one of varied
    left edges) leave a narrow column there that only the group header over both columns has its centre in: the
    column goes, the figures keep their two columns."""

    def frag(text: str, x0: float, x1: float, y: float) -> _Frag:
        return _Frag([_Token(text, x0, x1)], y, y + 20)

    frags = [frag("States", 20, 90, 0), frag("Revenue", 392, 475, 0), frag("Medical", 329, 422, 30)]
    frags += [frag("Family", 463, 526, 30)]
    for k in range(4):
        frags += [frag("Assam", 20, 90, 60 + 30 * k), frag("14,874,821", 326, 426, 60 + 30 * k)]
        frags.append(frag("2,554,197", 452, 541, 60 + 30 * k))
    assert _drop_empty_columns([304, 426, 448], frags, (0, 560), exact=True) == [304, 448]


def _ruled_two_group_table() -> tuple[list[Word], list[Ruling], list[list[str]]]:
    """A ruled table with two groups of five columns: a group header over each, years over each group's first
    four columns, "Change" set down level with the heads under the years, a stub head centred down the header.
    Rules run as a government table's do: the group borders from the top, the year borders from under the group
    headers, the borders between each year's two columns from under the years."""
    borders = [200 + 80 * k for k in range(11)]  # 200 .. 1000
    words = [_cell("Region", 64, 46, 0)]
    for g, name in enumerate(("Urban areas", "Rural areas")):
        left = borders[5 * g]
        words.append(_cell(name, left + 200 - 9 * len(name) / 2, 10, 1 + g))
        for y, (year, x) in enumerate((("2005", left + 80), ("2010", left + 240))):
            words.append(_cell(year, x - 18, 36, 3 + 2 * g + y))
        words.append(_cell("Change", left + 333, 62, 7 + g))
        for k, head in enumerate(("Number", "Percent", "Number", "Percent")):
            words.append(_cell(head, left + 80 * k + 76, 62, 9 + 4 * g + k, right=True))
    body = []
    for k in range(4):
        y = 92 + 22 * k
        row = [f"Group {k}"] + [f"{10 + k}.{c}" for c in range(10)]
        words.append(_cell(row[0], 10, y, 20 + 11 * k))
        words += [_cell(text, borders[c + 1] - 4, y, 21 + 11 * k + c, right=True) for c, text in enumerate(row[1:])]
        body.append(row)
    bottom = 92 + 22 * 4
    rulings = [hline(0, 0, 1000), hline(30, 200, 1000), hline(84, 0, 1000), hline(bottom, 0, 1000)]
    rulings += [hline(56, left, left + 320) for left in (200, 600)]
    for k, x in enumerate(borders):
        top = 0 if k % 5 == 0 else 30 if k % 5 in (2, 4) else 56
        rulings.append(vline(x, top, bottom))
    return words, rulings, body


def test_ruled_group_headers_span_their_groups():
    words, rulings, body = _ruled_two_group_table()
    table = table_html(words, rulings, (0, 0, 1000, 200))
    assert grid(table)[0][1:] == [("Urban areas", 5, 1), ("Rural areas", 5, 1)]
    assert texts(table)[1] == ["2005", "2010", "Change", "2005", "2010", "Change"]
    assert texts(table)[-4:] == body
