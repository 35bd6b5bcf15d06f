import random
import re

import pytest

from ocrvl.recognition.vl.otsl import has_otsl, otsl_to_html, parse_otsl

_ROW = re.compile(r"<tr>(.*?)</tr>")
_CELL = re.compile(r'<td(?: rowspan="(\d+)")?(?: colspan="(\d+)")?>(.*?)</td>')


def grid(table_html: str) -> list[list[str]]:
    """The table as a full grid: every position holds the text of the cell covering it."""
    rows = _ROW.findall(table_html)
    taken: dict[tuple[int, int], str] = {}
    for r, row in enumerate(rows):
        c = 0
        for rowspan, colspan, text in _CELL.findall(row):
            while (r, c) in taken:
                c += 1
            for dr in range(int(rowspan or 1)):
                for dc in range(int(colspan or 1)):
                    assert (r + dr, c + dc) not in taken, "cells overlap"
                    taken[r + dr, c + dc] = text
            c += int(colspan or 1)
    n_rows = len(rows)
    n_cols = max((c for _, c in taken), default=-1) + 1
    assert all((r, c) in taken for r in range(n_rows) for c in range(n_cols)), "table is not rectangular"
    assert max((r for r, _ in taken), default=-1) < n_rows, "a rowspan runs past the last row"
    return [[taken[r, c] for c in range(n_cols)] for r in range(n_rows)]


def test_plain_table():
    html = otsl_to_html("<fcel>Name<fcel>Age<nl><fcel>Bob<fcel>3<nl>")
    assert html == "<table><tr><td>Name</td><td>Age</td></tr><tr><td>Bob</td><td>3</td></tr></table>"


def test_row_span_from_ucel():
    html = otsl_to_html("<fcel>Group<fcel>x<nl><ucel><fcel>y<nl><fcel>Other<fcel>z<nl>")
    assert '<td rowspan="2">Group</td>' in html
    assert grid(html) == [["Group", "x"], ["Group", "y"], ["Other", "z"]]


def test_column_span_from_lcel():
    html = otsl_to_html("<fcel>Header<lcel><lcel><nl><fcel>a<fcel>b<fcel>c<nl>")
    assert '<td colspan="3">Header</td>' in html
    assert grid(html) == [["Header"] * 3, ["a", "b", "c"]]


def test_row_and_column_span_from_xcel():
    otsl = "<fcel>Big<lcel><fcel>r<nl><ucel><xcel><fcel>s<nl><fcel>1<fcel>2<fcel>3<nl>"
    html = otsl_to_html(otsl)
    assert '<td rowspan="2" colspan="2">Big</td>' in html
    assert grid(html) == [["Big", "Big", "r"], ["Big", "Big", "s"], ["1", "2", "3"]]


def test_empty_cells_stay_empty():
    assert grid(otsl_to_html("<fcel>a<ecel><nl><ecel><fcel>b<nl>")) == [["a", ""], ["", "b"]]


def test_ragged_rows_are_padded_and_no_text_is_lost():
    html = otsl_to_html("<fcel>A<fcel>B<nl><fcel>1<nl><fcel>x<fcel>y<fcel>z<ecel><nl>")
    assert grid(html) == [["A", "B", ""], ["1", "", ""], ["x", "y", "z"]]


def test_width_follows_the_majority_of_rows():
    # One row with two stray empty cells at its end: they are cut rather than widening every row.
    html = otsl_to_html("<fcel>a<fcel>b<nl><fcel>c<fcel>d<nl><fcel>e<fcel>f<ecel><ecel><nl>")
    assert grid(html) == [["a", "b"], ["c", "d"], ["e", "f"]]


def test_overlapping_spans_are_cut_back():
    # "A" spans two columns and its ucel row asks it to go down, but "D" sits under its second column.
    html = otsl_to_html("<fcel>A<lcel><fcel>C<nl><ucel><fcel>D<ucel><nl>")
    table = grid(html)
    assert table[0] == ["A", "A", "C"]
    assert "D" in table[1]


def test_orphan_merge_tokens_become_empty_cells():
    html = otsl_to_html("<ucel><fcel>a<nl><lcel><fcel>b<nl>")
    assert grid(html) == [["", "a"], ["", "b"]]


def test_text_written_outside_a_cell_is_kept():
    html = otsl_to_html("Total<fcel>5<nl><fcel>x<lcel>y<nl>tail")
    flat = [text for row in grid(html) for text in row]
    assert {"Total", "5", "x y", "tail"} <= set(flat)


def test_an_empty_cell_spans_like_a_text_cell():
    # As PaddleX reads it: <ecel> followed by <lcel> is one empty cell over both columns, <ucel> under it a rowspan.
    html = otsl_to_html("<ecel><lcel><fcel>a<nl><ucel><ucel><fcel>b<nl>")
    assert html == '<table><tr><td rowspan="2" colspan="2"></td><td>a</td></tr><tr><td>b</td></tr></table>'


def test_a_span_claimed_first_wins_over_a_later_one():
    # "c" is pulled down by the <xcel>, and "d" reaches right over the same position: "d" is cut
    # (PaddleX writes both, so its second row is one cell too wide).
    html = otsl_to_html("<fcel>a<fcel>b<fcel>c<nl><fcel>d<lcel><xcel><nl>")
    assert html == '<table><tr><td>a</td><td>b</td><td rowspan="2">c</td></tr><tr><td colspan="2">d</td></tr></table>'
    assert grid(html) == [["a", "b", "c"], ["d", "d", "c"]]


def test_an_empty_fcel_at_a_row_end_keeps_its_column():
    # PaddleX never cuts an <fcel> when it evens out the rows, even an empty one; the cell stays, empty.
    html = otsl_to_html("<fcel>a<nl><fcel>b<nl><fcel>c<fcel><nl>")
    assert grid(html) == [["a", ""], ["b", ""], ["c", ""]]


def test_tags_other_than_the_six_otsl_tags_are_cell_text():
    # PaddleOCR-VL writes only <fcel> <ecel> <lcel> <ucel> <xcel> <nl>; Docling's <ched> is text, as in PaddleX.
    html = otsl_to_html("<fcel>H<ched>x<fcel>b<nl>")
    assert html == "<table><tr><td>H&lt;ched&gt;x</td><td>b</td></tr></table>"


def test_cell_text_is_escaped_as_paddlex_escapes_it():
    html = otsl_to_html('<fcel>a < b & c<fcel>$x$<fcel>"quoted" it\'s<nl>')
    assert "<td>a &lt; b &amp; c</td>" in html
    assert "<td>$x$</td>" in html
    assert "<td>&quot;quoted&quot; it&#x27;s</td>" in html  # html.escape with quotes, as export_to_html does


def test_missing_final_newline_and_blank_rows():
    assert grid(otsl_to_html("<fcel>a<fcel>b<nl><nl><fcel>c<fcel>d")) == [["a", "b"], ["c", "d"]]


@pytest.mark.parametrize("text", ["", "   ", "just some words", "<table><tr><td>x</td></tr></table>"])
def test_text_without_cell_tokens_is_not_a_table(text):
    assert not has_otsl(text)
    assert parse_otsl(text) == ([], 0, 0)
    assert otsl_to_html(text) == ""


def test_random_token_soup_never_raises_and_is_always_rectangular():
    rng = random.Random(7)
    pieces = ["<fcel>", "<ecel>", "<lcel>", "<ucel>", "<xcel>", "<nl>", "w", " ", "<b>", "<|x|>", "<nl><nl>"]
    for _ in range(300):
        soup = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        html = otsl_to_html(soup)
        if html:
            grid(html)
