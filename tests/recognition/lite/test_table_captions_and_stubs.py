"""Lines around a table that are not its rows, and row labels that head more than one row.

- A caption that names itself ("Table 2: ...") and runs on for a few lines of description above the table's
  top rule is no part of the table.
- Lines whose first column holds a number (0, 1, 2, ...) and whose other columns hold figures are rows of
  their own even where the table rules off only its header and its total.
- In a ruled grid, a label set at the top of a cell whose lower border is not drawn heads the data row below
  it too (one cell, rowspan 2), while the figures beside it keep their own rows.
"""

from pathlib import Path

import numpy as np

from ocrvl.recognition.lite.recognizer import LiteRecognizer
from ocrvl.recognition.lite.tables import table_html
from ocrvl.types import Page, Region, Word
from tests.recognition.lite.test_tables import grid, hline, pdf_line, texts, vline

_COLUMNS = (20, 200, 300, 400)  # left edges of four columns


def _row(cells: list[str], y: float, line: int) -> list[Word]:
    """One table line: each cell a text-layer line of its own, 8 px per character, starting at its column."""
    words = []
    for k, (text, x) in enumerate(zip(cells, _COLUMNS)):
        if text:
            words += pdf_line([(text, x, x + 8 * len(text))], y, line=100 * line + k)
    return words


_BODY = [["0", "138", "6.9", "6.9"], ["1", "178", "8.8", "15.7"], ["2", "626", "31.1", "46.8"]]


def test_a_caption_of_several_lines_that_names_itself_is_left_out() -> None:
    caption = [
        "Table 2: Financial Literacy 2007",
        "This table contains the frequency and the proportion of respondents who",
        "were able to answer zero to three questions on the literacy task.",
    ]
    words = [Word(line, (20, 10 + 20 * k, 20 + 7 * len(line), 24 + 20 * k), line=k) for k, line in enumerate(caption)]
    header = ["no. of correct answers", "Freq.", "Percent", "Cum."]
    words += _row(header, 80, 10)
    for k, row in enumerate(_BODY):
        words += _row(row, 110 + 24 * k, 11 + k)
    rulings = [hline(y, 15, 460) for y in (75, 100, 104, 182)]
    assert texts(table_html(words, rulings, (10, 5, 470, 190))) == [header, *_BODY]


def test_the_caption_and_notes_a_table_box_took_in_are_read_as_text_beside_the_table() -> None:
    """The caption above the top rule and a source note below the bottom rule stay out of the table, and come out
    as a caption block before it and a note block after it: their text is not lost."""
    caption = ["Table 2: Financial Literacy 2007", "Share of respondents by correct answers."]
    words = [Word(line, (20, 10 + 20 * k, 20 + 7 * len(line), 24 + 20 * k), line=k) for k, line in enumerate(caption)]
    header = ["no. of correct answers", "Freq.", "Percent", "Cum."]
    words += _row(header, 80, 10)
    for k, row in enumerate(_BODY):
        words += _row(row, 110 + 24 * k, 11 + k)
    words.append(Word("Source: DNB Household Survey.", (20, 190, 223, 204), line=30))
    rulings = [hline(y, 15, 460) for y in (75, 100, 104, 182)]
    page = Page(source=Path("t.pdf"), index=0, page_count=1, image=np.full((220, 480, 3), 255, np.uint8), dpi=144,
                words=words, rulings=rulings, text_layer_ok=True)  # fmt: skip
    table = Region((10, 5, 470, 210), "table", 0.9, order=1)
    blocks = LiteRecognizer().recognize(page, [table], [words])
    assert [b.label for b in blocks] == ["figure_title", "table", "vision_footnote"]
    assert blocks[0].content == " ".join(caption) and blocks[2].content == "Source: DNB Household Survey."
    assert texts(blocks[1].content) == [header, *_BODY]
    assert blocks[0].region.bbox[3] < 75 < 182 < blocks[2].region.bbox[1]


def test_rows_labelled_by_numbers_are_rows_of_their_own_between_sparse_rules() -> None:
    header = ["Answers", "Freq.", "Percent", "Cum."]
    words = _row(header, 10, 0)
    for k, row in enumerate(_BODY):
        words += _row(row, 40 + 24 * k, 1 + k)
    total = ["Total", "942", "100.0", "100.0"]
    words += _row(total, 120, 9)
    # a double rule under the header and a rule over the total: rules decide the rows here
    rulings = [hline(y, 15, 460) for y in (5, 30, 34, 115, 140)]
    assert texts(table_html(words, rulings, (10, 0, 470, 145))) == [header, *_BODY, total]


def test_a_label_at_the_top_of_a_ruled_cell_spans_the_data_rows_beside_it() -> None:
    rows = [["Condition", "", "Suffered", "Treated"]]
    rows += [["Allergy", "Count", "93", "77"], ["", "Percent", "18.8%", "15.6%"]]
    rows += [["Asthma", "Count", "31", "22"], ["", "Percent", "6.3%", "4.4%"]]
    words = []
    for k, row in enumerate(rows):
        words += _row(row, 8 + 30 * k, k)
    x_left, x_right = 10, 470
    rulings = [vline(x, 0, 150) for x in (x_left, 190, 290, 390, x_right)]
    # every row ruled off, but the first column's cells are drawn two rows high
    rulings += [hline(y, x_left, x_right) for y in (0, 30, 90, 150)]
    rulings += [hline(y, 190, x_right) for y in (60, 120)]
    cells = grid(table_html(words, rulings, (x_left, 0, x_right, 150)))
    assert cells[1][0] == ("Allergy", 1, 2) and cells[3][0] == ("Asthma", 1, 2)
    assert [c[0] for c in cells[2]] == ["Percent", "18.8%", "15.6%"]


def test_column_heads_wrapped_over_five_lines_above_the_header_rule_make_one_row() -> None:
    heads = [
        ["", "Percentage of", "National", "Weighted"],
        ["", "international", "desired", "school"],
        ["", "desired", "population", "participation"],
        ["", "population", "overall", "rate before"],
        ["Education system", "coverage", "exclusion rate", "substitution"],
    ]
    words = []
    for k, line in enumerate(heads):
        words += _row(line, 8 + 18 * k, k)
    body = [[f"Country {k}", str(90 + k), str(k + 2), str(70 + 2 * k)] for k in range(8)]
    for k, row in enumerate(body):
        words += _row(row, 110 + 22 * k, 10 + k)
    rulings = [hline(y, 15, 520) for y in (4, 102, 290)]
    header = ["Education system", *(" ".join(line[c] for line in heads).strip() for c in range(1, 4))]
    assert texts(table_html(words, rulings, (10, 0, 530, 295))) == [header, *body]


def test_a_named_caption_leaves_the_column_heads_above_a_rule_under_the_header_in_the_table() -> None:
    """The first rule runs under the header, not over it: the caption ("Table: 5 ...") is left out, the two lines
    of column heads between it and that rule are the table's first rows."""
    words = [Word("Table: 5 Financial Literacy 2007", (20, 10, 244, 24), line=0)]
    heads = [["no. of", "Freq.", "Percent", "Cum."], ["answers", "", "", "share"]]
    words += _row(heads[0], 40, 10) + _row(heads[1], 60, 11)
    for k, row in enumerate(_BODY):
        words += _row(row, 110 + 24 * k, 12 + k)
    rulings = [hline(y, 15, 460) for y in (100, 104, 182)]
    assert texts(table_html(words, rulings, (10, 5, 470, 190))) == [
        ["no. of answers", "Freq.", "Percent", "Cum. share"],
        *_BODY,
    ]
