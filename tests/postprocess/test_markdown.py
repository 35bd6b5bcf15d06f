"""Markdown rendering rules."""

from ocrvl.postprocess.markdown import block_markdown, blocks_markdown, heading_level
from ocrvl.types import Block, Region


def _block(label: str, content: str, image_path: str | None = None) -> Block:
    return Block(region=Region((0, 0, 10, 10), label, 1.0), content=content, image_path=image_path)


def test_heading_levels_follow_section_numbers():
    assert heading_level("Introduction") == 2
    assert heading_level("2 Method") == 2
    assert heading_level("2.1 Data") == 3
    assert heading_level("2.1.4 Cleaning") == 4
    assert block_markdown(_block("doc_title", "A  Title\nsplit")) == "# A Title split"
    assert block_markdown(_block("paragraph_title", "3.2 Results")) == "### 3.2 Results"


def test_literal_angle_brackets_in_text_are_escaped_but_tables_stay_html():
    assert block_markdown(_block("text", "WHERE <logic to test> AND a < b")) == "WHERE &lt;logic to test> AND a < b"
    table = "<table><tr><td>1</td></tr></table>"
    assert block_markdown(_block("table", table)) == table


def test_pictures_and_formulas_link_their_crops():
    assert block_markdown(_block("image", "", "imgs/a.jpg")) == "![image](imgs/a.jpg)"
    formula = block_markdown(_block("display_formula", "$$a^{2}+b^{2}=c^{2}$$", "imgs/f.jpg"))
    assert formula == "![formula](imgs/f.jpg)\n\n$$a^{2}+b^{2}=c^{2}$$"
    assert block_markdown(_block("display_formula", "", "imgs/f.jpg")) == "![formula](imgs/f.jpg)"
    assert block_markdown(_block("display_formula", "E = mc^2")) == "$$\nE = mc^2\n$$"


def test_a_formula_read_off_its_picture_carries_its_number():
    blocks = [_block("display_formula", "$$E=mc^{2}$$", "imgs/f.jpg"), _block("formula_number", "(3)")]
    assert blocks_markdown(blocks) == "![formula](imgs/f.jpg)\n\n$$E=mc^{2} \\tag*{(3)}$$\n"


def test_a_table_of_contents_keeps_an_entry_a_line():
    contents = "2.1 Naming . . . . . 3\n2.2 Simple parsing . . . . . 4"
    assert block_markdown(_block("content", contents)) == "2.1 Naming . . . . . 3  \n2.2 Simple parsing . . . . . 4"


def test_code_is_fenced_as_set_and_its_tags_stay_literal():
    code = "if a < b:\n    print(`<b>`)"
    assert block_markdown(_block("algorithm", code)) == f"```\n{code}\n```"
    assert block_markdown(_block("algorithm", "run ```x```")) == "````\nrun ```x```\n````"
