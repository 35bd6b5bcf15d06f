import time

import pytest

from ocrvl.errors import OptionsError
from ocrvl.latex import strip_math_delimiters
from ocrvl.postprocess.markdown import formula_with_number
from ocrvl.recognition.vl.content import (
    ContentOptions,
    chart_to_table,
    clean_block_content,
    normalize_formula,
    normalize_math_delimiters,
    parse_spotting,
    spotting_text,
    truncate_repetitions,
)


def loc(*values: int) -> str:
    return "".join(f"<|LOC_{v}|>" for v in values)


# --- repetition -------------------------------------------------------------------------------------------------


def test_repeated_suffix_of_a_line_is_dropped():
    head = "The results are summarised in the next section and discussed afterwards. "
    text = head + "and so on and so forth " * 12
    assert truncate_repetitions(text).strip() == head.strip()


def test_repeated_suffix_cut_mid_unit_is_dropped_too():
    head = "Revenue grew strongly in every region during the reporting period. "
    text = head + "Q1 2024 Q2 2024 " * 10 + "Q1 2"  # generation stopped inside a repeat
    result = truncate_repetitions(text)
    assert result.startswith(head)
    assert "Q2 2024 Q1 2024 Q2" not in result


def test_single_line_of_one_repeated_unit_becomes_one_unit():
    assert truncate_repetitions("ab" * 40) == "ab"
    assert truncate_repetitions("-" * 80) == "-"


def test_one_line_repeated_over_most_lines_becomes_that_line():
    text = "Intro\n" + "\n".join(["Lorem ipsum dolor"] * 12)
    assert truncate_repetitions(text) == "Lorem ipsum dolor"


def test_repeated_lines_below_the_share_are_kept():
    lines = ["same line"] * 10 + [f"row {i}" for i in range(4)]  # 10 of 14 lines: 71% < 80%
    text = "\n".join(lines)
    assert truncate_repetitions(text) == text


def test_table_of_numbers_is_left_alone():
    text = "\n".join(f"{year} | 1.00 | 2.00 | 3.00" for year in range(1990, 2030))
    assert truncate_repetitions(text) == text


def test_dot_leaders_are_left_alone():
    toc = "\n".join(f"Chapter {i} {'.' * 60} {i * 7}" for i in range(1, 15))
    assert truncate_repetitions(toc) == toc
    one_line = "Introduction " + "." * 90 + " 12"
    assert truncate_repetitions(one_line) == one_line
    assert truncate_repetitions("." * 40) == "." * 40  # shorter than 50 characters


def test_short_answers_are_never_checked():
    assert truncate_repetitions("ha" * 20) == "ha" * 20
    assert truncate_repetitions("ha" * 20, min_length=10) == "ha"


def test_long_answer_without_repetition_is_checked_quickly():
    text = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(20000))
    start = time.perf_counter()
    assert truncate_repetitions(text) == text
    assert time.perf_counter() - start < 1.0


# --- math delimiters ------------------------------------------------------------------------------------------


def test_inline_math_delimiters_become_dollars():
    assert normalize_math_delimiters(r"where \( x_1 \) is the input") == "where $x_1$ is the input"


def test_display_math_delimiters_become_double_dollars():
    assert normalize_math_delimiters(r"Hence \[ E = mc^2 \] holds.") == "Hence $$E = mc^2$$ holds."
    assert normalize_math_delimiters(r"\[\[ a+b \]\]") == "$$a+b$$"


def test_math_touching_words_is_spaced_but_not_punctuation():
    assert (
        normalize_math_delimiters(r"the\(x\)-axis and (\(y\)) and \(a\)\(b\)") == "the $x$-axis and ($y$) and $a$ $b$"
    )


def test_stray_dollars_are_dropped_only_when_converting():
    assert normalize_math_delimiters(r"mixed $a$ and \(b\)") == "mixed a and $b$"
    assert normalize_math_delimiters("costs $5 and $6") == "costs $5 and $6"


def test_escaped_dollar_and_latex_line_break_survive():
    text = r"price \$5 and \( \begin{matrix} a \\[2pt] b \end{matrix} \)"
    assert normalize_math_delimiters(text) == r"price \$5 and $\begin{matrix} a \\[2pt] b \end{matrix}$"


def test_unclosed_formula_is_closed():
    assert normalize_math_delimiters(r"\(a\) then \(b + c") == "$a$ then $b + c$"


def test_formula_blocks_are_wrapped_by_kind():
    assert normalize_formula(r"\[ \frac{a}{b} \]", display=True) == r"$$\frac{a}{b}$$"
    assert normalize_formula(r"\frac{a}{b}", display=True) == r"$$\frac{a}{b}$$"
    assert normalize_formula("$$ x^2 $$", display=True) == "$$x^2$$"
    assert normalize_formula(r"\( x^2 \)", display=False) == "$x^2$"
    assert normalize_formula("x^2", display=False) == "$x^2$"
    assert normalize_formula("   ", display=True) == ""


def test_formula_with_text_is_only_normalized():
    assert normalize_formula(r"where \(x\) and \(y\)", display=True) == "where $x$ and $y$"


def test_formula_number_loses_math_delimiters():
    assert strip_math_delimiters(r"\((3.1)\)") == "(3.1)"
    assert strip_math_delimiters("$(2)$") == "(2)"


def test_formula_with_number_uses_tag_star():
    assert formula_with_number("$$E=mc^2$$", "(1)") == r"$$E=mc^2 \tag*{(1)}$$"
    assert formula_with_number("$$E=mc^2$$", "") == "$$E=mc^2$$"


# --- charts ---------------------------------------------------------------------------------------------------


def test_chart_to_markdown_table():
    text = "Month | Sales | Cost\nJan | 10 | 3\nFeb | 12 | 4"
    assert chart_to_table(text) == ("| Month | Sales | Cost |\n| --- | --- | --- |\n| Jan | 10 | 3 |\n| Feb | 12 | 4 |")


def test_chart_to_html_table():
    html = chart_to_table("Year | A&B\n2020 | <5", style="html")
    assert html == (
        "<table><thead><tr><th>Year</th><th>A&amp;B</th></tr></thead>"
        "<tbody><tr><td>2020</td><td>&lt;5</td></tr></tbody></table>"
    )


def test_chart_with_outer_pipes_rule_line_and_ragged_rows():
    text = "| x | y |\n|---|---|\n| 1 | 2 |\n| 3 |\n"
    assert chart_to_table(text) == "| x | y |\n| --- | --- |\n| 1 | 2 |\n| 3 |  |"


def test_tab_separated_chart():
    assert chart_to_table("a\tb\n1\t2") == "| a | b |\n| --- | --- |\n| 1 | 2 |"


def test_chart_that_is_not_a_table_is_unchanged():
    assert chart_to_table("  A pie chart of market share  ") == "A pie chart of market share"


def test_chart_in_otsl_becomes_html():
    assert chart_to_table("<fcel>a<fcel>b<nl><fcel>1<fcel>2<nl>").startswith("<table><tr><td>a</td>")


# --- spotting -------------------------------------------------------------------------------------------------


def test_spotting_locations_map_to_page_pixels():
    answer = (
        "<|TEXT_START|>Hello<|TEXT_END|><|LOC_BEGIN|>" + loc(0, 0, 500, 0, 500, 1000, 0, 1000) + "<|LOC_END|>"
        "<|TEXT_START|>World<|TEXT_END|><|LOC_BEGIN|>" + loc(500, 250, 1000, 250, 1000, 750, 500, 750) + "<|LOC_END|>"
    )
    found = parse_spotting(answer, (100, 200, 300, 400))
    assert [item.text for item in found] == ["Hello", "World"]
    assert found[0].polygon == ((100, 200), (200, 200), (200, 400), (100, 400))
    text, polygon = found[1]
    assert polygon == ((200, 250), (300, 250), (300, 350), (200, 350))


def test_spotting_keeps_polygons_with_more_points_and_skips_short_ones():
    many = "<|TEXT_START|>curved<|TEXT_END|><|LOC_BEGIN|>" + loc(*range(0, 120, 10)) + "<|LOC_END|>"
    short = "<|TEXT_START|>cut<|TEXT_END|><|LOC_BEGIN|>" + loc(1, 2, 3, 4) + "<|LOC_END|>"
    found = parse_spotting(many + short, (0, 0, 1000, 1000))
    assert [item.text for item in found] == ["curved"]
    assert len(found[0].polygon) == 6


def test_spotting_without_text_markers_takes_the_text_before_each_location_run():
    answer = "first line" + loc(0, 0, 10, 0, 10, 10, 0, 10) + "second" + loc(0, 20, 10, 20, 10, 30, 0, 30)
    found = parse_spotting(answer, (0, 0, 1000, 1000))
    assert [item.text for item in found] == ["first line", "second"]
    assert found[1].polygon[2] == (10, 30)


def test_spotting_text_joins_lines_and_keeps_text_without_locations():
    answer = "<|TEXT_START|>a<|TEXT_END|><|LOC_BEGIN|>" + loc(*[1] * 8) + "<|LOC_END|>"
    answer += "<|TEXT_START|>b<|TEXT_END|><|LOC_BEGIN|>" + loc(*[2] * 8) + "<|LOC_END|>"
    assert spotting_text(answer) == "a\n\nb"
    assert spotting_text("<|TEXT_START|>only text<|TEXT_END|>") == "only text"


# --- entry point ------------------------------------------------------------------------------------------------


def test_text_blocks_are_normalized_and_stripped():
    assert clean_block_content("text", "  the map \\(f\\) is onto \n") == "the map $f$ is onto"
    assert clean_block_content("paragraph_title", "2.1 Data\n") == "2.1 Data"


def test_runaway_text_block_is_truncated():
    raw = "Heading\n" + "\n".join(["again and again"] * 20)
    assert clean_block_content("text", raw) == "again and again"
    assert clean_block_content("text", raw, ContentOptions(truncate_repetitions=False)) == raw


def test_table_block_becomes_html():
    html = clean_block_content("table", "<fcel>a<lcel><nl><fcel>1<fcel>2<nl>")
    assert html == '<table><tr><td colspan="2">a</td></tr><tr><td>1</td><td>2</td></tr></table>'


def test_table_block_keeps_math_in_cells_and_is_not_truncated_below_5000_chars():
    row = "<fcel>\\(x\\)<fcel>1<nl>"
    html = clean_block_content("table", row * 100)  # 2300 characters of identical rows: a legitimate table
    assert html.count("<tr>") == 100
    assert "<td>$x$</td>" in html


def test_table_block_without_otsl_keeps_the_answer():
    assert clean_block_content("table", " No table here ") == "No table here"


def test_chart_block_formats():
    answer = "x | y\n1 | 2"
    assert clean_block_content("chart", answer) == "| x | y |\n| --- | --- |\n| 1 | 2 |"
    assert clean_block_content("chart", answer, ContentOptions(chart_format="raw")) == answer
    assert clean_block_content("chart", answer, ContentOptions(chart_format="html")).startswith("<table><thead>")


def test_formula_blocks_by_label():
    assert clean_block_content("display_formula", r"\[ a^2+b^2=c^2 \]") == "$$a^2+b^2=c^2$$"
    assert clean_block_content("formula", r"a^2") == "$$a^2$$"
    assert clean_block_content("inline_formula", r"\( a^2 \)") == "$a^2$"
    assert clean_block_content("formula_number", r"\((4)\)") == "(4)"


def test_seal_and_spotting_blocks():
    assert clean_block_content("seal", " Company Seal \n") == "Company Seal"
    answer = "<|TEXT_START|>line<|TEXT_END|><|LOC_BEGIN|>" + loc(*[5] * 8) + "<|LOC_END|>"
    assert clean_block_content("spotting", answer) == "line"


def test_missing_answer_is_empty_content():
    assert clean_block_content("text", None) == ""
    assert clean_block_content("table", "") == ""


def test_bad_options_are_refused():
    with pytest.raises(OptionsError):
        ContentOptions(chart_format="csv")
    with pytest.raises(OptionsError):
        ContentOptions(min_length=-1)
