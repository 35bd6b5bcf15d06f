"""Bulleted items in a table cell (slides put lists in cells) come out as an HTML list, not as bullet glyphs."""

from ocrvl.recognition.lite.tables import table_html
from ocrvl.types import Word


def text_line(text: str, x: float, y: float, line: int) -> list[Word]:
    """Text-layer words of one line, 9 px per character, 14 px high, starting at (x, y)."""
    words, cursor = [], x
    for token in text.split():
        words.append(Word(token, (cursor, y, cursor + 9 * len(token), y + 14), line=line))
        cursor += 9 * len(token) + 5
    return words


def _table(rows: list[list[str]]) -> str:
    words, line = [], 0
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            words += text_line(text, 20 + 200 * c, 20 + 30 * r, line)
            line += 1
    return table_html(words, [], (0, 0, 200 * len(rows[0]) + 20, 30 * len(rows) + 30))


def test_bulleted_cells_are_lists_and_plain_cells_stay_text():
    html = _table([["Name", "● Class1"], ["R1", "● True"], ["R2", "• False"], ["R3", "● Yes"]])
    assert "<td><ul><li>Class1</li></ul></td>" in html
    assert "<td><ul><li>False</li></ul></td>" in html
    assert "<td>R2</td>" in html and "●" not in html and "•" not in html


def test_a_lone_mark_in_a_cell_is_kept_as_printed():
    html = _table([["Item", "Done"], ["Paper", "●"], ["Ink", "•"], ["Pens", "●"]])
    assert "<td>●</td>" in html and "<td>•</td>" in html


def test_a_hyphen_inside_a_line_of_a_cell_stays():
    html = _table([["Measure", "Change"], ["Pre- and post-test", "4.1"], ["Follow-up", "2.0"], ["Total", "6.1"]])
    assert "<td>Pre- and post-test</td>" in html
