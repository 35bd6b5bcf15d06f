"""The viewer's HTML as a parser reads it: what each page shows, how blocks are linked, that the content is
rendered (tables with their spans, math as MathML) and that nothing in it can run or fetch."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from ocrvl.postprocess.json_output import document_json
from ocrvl.viewer import document_viewer
from ocrvl.viewer.content import markdown_html
from tests.viewer.sample import TABLE_ROWS, sample_document


@pytest.fixture(scope="module")
def sample_tree():
    return lxml_html.fromstring(document_viewer(sample_document()))


def cells(table) -> list[list[str]]:
    return [[" ".join(cell.text_content().split()) for cell in row.xpath("./td|./th")] for row in table.iter("tr")]


def test_every_block_has_its_box_where_the_json_says_and_a_linked_content(sample_tree):
    data = document_json(sample_document().restructured)
    for page in data["pages"]:
        for position, block in enumerate(page["parsing_res_list"]):
            key = f"p{page['page_index']}-{position}"
            (box,) = sample_tree.xpath(f'//*[@data-block="{key}"]')
            (rect,) = box.xpath("./rect[not(@class)]")
            x0, y0, x1, y1 = block["block_bbox"]
            assert [float(rect.get(a)) for a in ("x", "y", "width", "height")] == [x0, y0, x1 - x0, y1 - y0]
            assert box.get("data-label") == block["block_label"]
            assert sample_tree.xpath(f'//*[contains(concat(" ", @data-blocks, " "), " {key} ")]'), key
        (svg,) = sample_tree.xpath(f'//section[@data-page="{page["page_index"]}"]//svg')
        assert svg.get("viewbox") == f"0 0 {page['width']} {page['height']}"


def test_the_table_keeps_its_cells_and_spans_and_its_text_stays_text(sample_tree):
    (table,) = sample_tree.xpath("//article//table")
    assert cells(table) == TABLE_ROWS
    assert table.xpath(".//td[@rowspan='2']")[0].text_content() == "Region"
    assert table.xpath(".//td[@colspan='2']")[0].text_content() == "Rainfall"
    assert len(sample_tree.xpath("//script")) == 1, "the viewer's own script only; the cell's is text"


def test_formulas_are_mathml_with_their_number(sample_tree):
    (block,) = sample_tree.xpath('//div[@data-label="display_formula"]')
    assert block.get("data-blocks") == "p0-3 p0-4", "the formula and its number are one content block"
    (math,) = block.xpath(".//math")
    assert math.get("display") == "block" and math.xpath(".//mfrac") and math.xpath(".//msqrt")
    assert block.xpath('.//*[@class="formula-number"]')[0].text_content() == "(1)"
    inline = sample_tree.xpath('//div[@data-label="text"]//math[@display="inline"]//msup')
    assert inline, "the $x^2$ in the paragraph"


def test_the_table_continued_on_page_two_is_marked_on_both_pages(sample_tree):
    (merged,) = sample_tree.xpath('//div[contains(@class, "merged")]')
    assert merged.get("data-blocks") == "p0-2 p1-0" and "continues on page 2" in merged.text_content()
    (continuation,) = sample_tree.xpath('//div[contains(@class, "continuation")]')
    assert continuation.get("data-blocks") == "p1-0"
    assert continuation.xpath(".//a")[0].get("href") == "#p0-2" and "page 1" in continuation.text_content()


def test_labels_left_out_of_the_markdown_are_shown_marked(sample_tree):
    (footer,) = sample_tree.xpath('//div[@data-label="footer"]')
    assert "ignored" in footer.get("class") and "not in the Markdown" in footer.text_content()


def test_nothing_is_fetched_from_outside_the_file(sample_tree):
    urls = [v for attr in ("src", "href") for v in sample_tree.xpath(f"//@{attr}")]
    assert urls and all(url.startswith(("data:image/jpeg;base64,", "#")) for url in urls), urls
    assert len(sample_tree.xpath("//img[@class='page-image']")) == 2
    (policy,) = sample_tree.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')
    assert "default-src 'none'" in policy and "img-src data:" in policy


def test_markdown_from_a_page_cannot_inject_markup_or_fetch_images():
    rendered = markdown_html('Hello <img src="http://example.org/x.png"> ![a](http://example.org/y.png) $a<b$')
    tree = lxml_html.fromstring(f"<div>{rendered}</div>")
    assert not tree.xpath("//img") and "<img" in tree.text_content()
    assert tree.xpath("//math//mo")[0].text == "<"


def test_latex_cannot_smuggle_markup_and_latex_the_converter_cannot_read_is_shown_as_source():
    rendered = markdown_html(r"$\text{<script>x</script>}$ and $\left( a$")
    tree = lxml_html.fromstring(f"<div>{rendered}</div>")
    assert not tree.xpath("//script") and "<script>x</script>" in tree.xpath("//mtext")[0].text_content()
    assert tree.xpath("//code[@class='latex']")[0].text == r"\left( a"


def test_a_real_two_page_table_is_merged_and_linked(parsed):
    document = parsed("table_two_pages.pdf")
    tree = lxml_html.fromstring(document_viewer(document))
    (merged,) = tree.xpath('//div[contains(@class, "merged")]')
    (continuation,) = tree.xpath('//div[contains(@class, "continuation")]')
    assert continuation.get("data-blocks") in merged.get("data-blocks").split()
    assert len(cells(merged.xpath(".//table")[0])) > 20, "both pages' rows in the merged table"


def test_a_page_that_could_not_be_loaded_says_why(parsed):
    from dataclasses import replace

    from ocrvl.results import DocumentOutput, PageOutput

    document = parsed("born_digital.pdf")
    broken = replace(document.pages[0].page, error="born_digital.pdf: page 1 cannot be rendered (bad stream)",
                     image=None, blocks=[], regions=[])  # fmt: skip
    tree = lxml_html.fromstring(document_viewer(DocumentOutput([PageOutput(broken)])))
    assert "cannot be rendered (bad stream)" in tree.xpath("//p[@class='page-error']")[0].text_content()


def test_a_region_with_an_outline_is_drawn_as_its_polygon():
    document = sample_document()
    document.pages[0].page.blocks[1].region.polygon = ((80, 150), (920, 150), (900, 240), (100, 240))
    tree = lxml_html.fromstring(document_viewer(document))
    (box,) = tree.xpath('//*[@data-block="p0-1"]')
    assert box.xpath("./polygon/@points") == ["80,150 920,150 900,240 100,240"] and not box.xpath("./rect[not(@class)]")
