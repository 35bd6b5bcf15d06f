"""OCR boxes of neighbouring cells that touch or overlap by a pixel or two across a column gutter (a detector
that grows its boxes draws them so) leave the columns apart; boxes that meet inside a column's text do not
split it."""

from ocrvl.recognition.lite.tables import table_html
from ocrvl.types import Word
from tests.recognition.lite.test_tables import texts

_BOX = (0, 0, 500, 200)


def _ocr(text: str, x0: float, x1: float, y: float) -> Word:
    """One detected OCR line, 11 px high."""
    return Word(text, (x0, y, x1, y + 11))


def _body(first_y: float) -> tuple[list[Word], list[list[str]]]:
    """Eight rows: a label column, two columns of counts with shares, a total column; gutters near x 250 and 420."""
    words, rows = [], []
    for k in range(8):
        y = first_y + 13 * k
        row = [f"Samples of kind {k}", f"{100 + k} ({10 + k}.5%)", f"{200 + k} ({20 + k}.5%)", f"{300 + 2 * k}"]
        words += [_ocr(row[0], 0, 110, y), _ocr(row[1], 193, 240, y), _ocr(row[2], 329, 376, y)]
        words.append(_ocr(row[3], 464, 480, y))
        rows.append(row)
    return words, rows


def test_cells_whose_boxes_touch_across_the_gutters_stay_in_their_columns():
    header = [_ocr("Before", 193, 230, 3), _ocr("After", 329, 360, 3), _ocr("Total", 464, 486, 3)]
    # one row's long cells fill the gutters; their boxes meet at x 324 (1 px overlap) and 459 (2 px overlap) ...
    wide = [_ocr("Analysed", 0, 60, 16), _ocr("679 (54.5% of all samples)", 193, 325, 16)]
    wide += [_ocr("566 (45.5% of all samples)", 324, 460, 16), _ocr("1245", 458, 483, 16)]
    # and another's a few px to the left
    wide += [_ocr("Tested", 0, 50, 29), _ocr("600 (50.5% of all of them)", 193, 322, 29)]
    wide += [_ocr("500 (49.5% of all samples)", 321, 461, 29), _ocr("1100", 460, 483, 29)]
    body, rows = _body(42)
    table = texts(table_html(header + wide + body, [], _BOX))
    assert table[0] == ["", "Before", "After", "Total"]
    assert table[1] == ["Analysed", "679 (54.5% of all samples)", "566 (45.5% of all samples)", "1245"]
    assert table[2] == ["Tested", "600 (50.5% of all of them)", "500 (49.5% of all samples)", "1100"]
    assert table[3:] == rows


def test_boxes_that_meet_inside_a_column_keep_their_words_in_one_cell():
    # a header cell the detector drew as two touching boxes, over a column whose figures run under the join
    header = [_ocr("Share of", 193, 226, 3), _ocr("samples", 225, 252, 3), _ocr("Total", 464, 486, 3)]
    body, rows = _body(16)
    table = texts(table_html(header + body, [], _BOX))
    assert table[0] == ["", "Share of samples", "", "Total"]
    assert table[1:] == rows
