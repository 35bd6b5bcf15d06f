"""Heading levels over the whole document: numbering, section names, and type size."""

from ocrvl.postprocess.headings import assign_heading_levels, line_height, numbering_level
from ocrvl.types import Block
from tests.postprocess.pages import block


def title(text: str, line_px: float = 20.0, lines: int = 1, label: str = "paragraph_title") -> Block:
    """A title box sized like real type: glyphs half as wide as the line is high."""
    width = max(1.0, len(text) * line_px * 0.5 / lines)
    return block(label, text, bbox=(100, 100, 100 + width, 100 + line_px * 1.2 * lines))


def levels(*titles: Block) -> list[int | None]:
    assign_heading_levels(titles)
    return [t.heading_level for t in titles]


def test_numbering_sets_the_level():
    assert numbering_level("2 Method") == 2
    assert numbering_level("2. Method") == 2
    assert numbering_level("2.1 Data") == 3
    assert numbering_level("2.1.4 Cleaning") == 4
    assert numbering_level("IV. Results") == 2
    assert numbering_level("A.1 Lemmas") == 3
    assert numbering_level("Chapter 3 Methods") == 2
    assert numbering_level("第一章 总则") == 2
    assert numbering_level("第二节 方法") == 3
    assert numbering_level("一、背景") == 2
    assert numbering_level("（一）数据") == 3


def test_things_that_only_look_numbered_are_not():
    assert numbering_level("2019 Annual Report") is None
    assert numbering_level("3D Printing at Home") is None
    assert numbering_level("A Study of Rain") is None
    assert numbering_level("Introduction") is None


def test_letters_sit_below_roman_sections_and_brackets_below_their_parent():
    doc = [title("I. Introduction"), title("A. Scope"), title("II. Method"), title("C. Limits")]
    assert levels(*doc) == [2, 3, 2, 3]
    assert levels(title("A. Proofs"), title("B. Tables")) == [2, 2], "without Roman sections letters are top"
    assert levels(title("2.1 Data"), title("(1) Sources"), title("(2) Cleaning")) == [3, 4, 4]


def test_document_title_is_level_one_and_section_names_are_top_sections():
    doc = [
        title("Rain in Europe", 40, label="doc_title"),
        title("Abstract", 14),
        title("1 Introduction", 24),
        title("1.1 Scope", 18),
        title("References", 18),
        title("Appendix B: Extra tables", 18),
    ]
    assert levels(*doc) == [1, 2, 2, 3, 2, 2]


def test_unnumbered_titles_take_the_level_of_numbered_titles_of_their_size():
    doc = [
        title("1 Introduction", 24),
        title("Related Work", 24),
        title("1.1 Scope", 18),
        title("Datasets we used", 18),
        title("A small remark", 14),
    ]
    assert levels(*doc) == [2, 2, 3, 3, 4]


def test_unnumbered_titles_are_ranked_by_size_over_the_whole_document():
    doc = [title("Overview", 30), title("Background", 20), title("Details", 20), title("Summary of it", 30)]
    assert levels(*doc) == [2, 3, 3, 2]
    assert levels(title("Overview", 20), title("Background", 20)) == [2, 2], "one size: all top sections"


def test_a_title_on_two_lines_has_the_size_of_its_type_not_of_its_box():
    one_line = title("Background", 20)
    two_lines = title("A rather long title that wraps onto two lines", 20, lines=2)
    assert abs(line_height(two_lines) - line_height(one_line)) < 0.15 * line_height(one_line)
    assert levels(title("Overview", 30), one_line, two_lines) == [2, 3, 3]
