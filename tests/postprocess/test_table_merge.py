"""A table continued on the next page merged into one, and refused when the parts do not belong together."""

from ocrvl.postprocess.cross_page import restructure_pages
from ocrvl.postprocess.markdown import document_markdown
from ocrvl.postprocess.table_merge import merge_table_html, parse_table
from tests.conftest import tables_in
from tests.postprocess.pages import block, page, table

HEADER = "Country|City|Rainfall"
PART_1 = table(HEADER, "Austria|Graz|845", "Brazil|Recife|2100")
PART_2 = table(HEADER, "Chile|Lima|9", "Denmark|Aarhus|690")


def _tables(pages) -> list[list[list[str]]]:
    return tables_in(document_markdown(restructure_pages(pages)))


def test_table_across_two_pages_becomes_one_with_the_repeated_header_dropped():
    pages = [
        page(0, block("text", "Rainfall by city."), block("table", PART_1), block("footer", "Page 1")),
        page(1, block("header", "Rainfall report"), block("table", PART_2), block("text", "That is all.")),
    ]
    doc = restructure_pages(pages)
    assert tables_in(document_markdown(doc)) == [
        [["Country", "City", "Rainfall"], ["Austria", "Graz", "845"], ["Brazil", "Recife", "2100"],
         ["Chile", "Lima", "9"], ["Denmark", "Aarhus", "690"]]
    ]  # fmt: skip
    continuation = doc[1].blocks[1]
    assert continuation.content == "" and continuation.merged_into == (0, 1)
    assert pages[1].blocks[1].content == PART_2, "the per-page result must stay as it was"


def test_spans_are_kept_and_a_two_row_header_is_dropped_whole():
    header = ("rowspan=2:Year|colspan=2:Sales", "Q1|Q2")
    first = table(*header, "2020|1|2", "colspan=3:Projected")
    second = table(*header, "2021|3|4")
    merged = merge_table_html(first, second)
    assert merged is not None
    assert merged.count('rowspan="2"') == 1 and merged.count('colspan="2"') == 1
    assert merged.count('colspan="3"') == 1, "a spanning body row stays"
    assert tables_in(merged)[0][-1] == ["2021", "3", "4"]
    assert len(tables_in(merged)[0]) == 5


def test_a_header_row_that_only_looks_alike_is_not_cut_through_its_rowspan():
    first = table("rowspan=2:Year|colspan=2:Sales", "Q1|Q2", "2020|1|2")
    second = table("rowspan=2:Year|colspan=2:Sales", "H1|H2", "2021|3|4")
    merged = parse_table(merge_table_html(first, second) or "")
    assert merged is not None and len(merged.rows) == 6, "the partly repeated header stays whole"


def test_continuation_without_repeated_header_appends_all_rows():
    merged = merge_table_html(PART_1, table("Chile|Lima|9"))
    assert tables_in(merged or "")[0][-1] == ["Chile", "Lima", "9"]


def test_different_column_counts_are_not_merged():
    pages = [page(0, block("table", PART_1)), page(1, block("table", table("Chile|9", "Denmark|690")))]
    assert len(_tables(pages)) == 2


def test_a_paragraph_between_the_parts_stops_the_merge():
    after = [page(0, block("table", PART_1), block("text", "Source: survey.")), page(1, block("table", PART_2))]
    before = [page(0, block("table", PART_1)), page(1, block("text", "Next we look at"), block("table", PART_2))]
    assert len(_tables(after)) == 2
    assert len(_tables(before)) == 2


def test_tables_away_from_the_page_break_are_not_merged():
    pages = [
        page(0, block("table", PART_1), block("text", "More text after the table.")),
        page(1, block("text", "Opening text."), block("table", PART_2)),
    ]
    assert len(_tables(pages)) == 2


def test_a_new_table_caption_stops_the_merge_but_a_continued_caption_does_not():
    new = [page(0, block("table", PART_1)), page(1, block("figure_title", "Table 3: Wind"), block("table", PART_2))]
    cont = [
        page(0, block("table", PART_1), block("reference", "See notes at end of table.")),
        page(1, block("figure_title", "Table 2. Rainfall—Continued"), block("table", PART_2)),
    ]
    assert len(_tables(new)) == 2
    assert len(_tables(cont)) == 1


def test_different_widths_are_not_merged():
    pages = [page(0, block("table", PART_1)), page(1, block("table", PART_2, bbox=(100, 100, 600, 700)))]
    assert len(_tables(pages)) == 2


def test_a_page_that_was_not_parsed_breaks_the_chain():
    pages = [page(0, block("table", PART_1), count=3), page(2, block("table", PART_2), count=3)]
    assert len(_tables(pages)) == 2


def test_table_over_three_pages_ends_whole_in_its_first_block():
    pages = [
        page(0, block("table", PART_1), count=3),
        page(1, block("table", PART_2), count=3),
        page(2, block("table", table(HEADER, "Egypt|Cairo|18")), count=3),
    ]
    doc = restructure_pages(pages)
    assert len(tables_in(doc[0].blocks[0].content)[0]) == 6
    assert doc[2].blocks[0].merged_into == (0, 0), "every continuation names the block holding the table"


def test_columns_continued_on_the_next_page_are_joined_row_by_row():
    left = table("rowspan=2:Year|colspan=2:Grade", "1|2", "1996|10|11", "1997|12|13", "1998|14|15")
    right = table("rowspan=2:Year|colspan=2:Grade|rowspan=2:Ungraded", "3|4", "1996|20|21|5", "1997|22|23|6",
                  "1998|24|25|7")  # fmt: skip
    pages = [page(0, block("table", left)), page(1, block("figure_title", "Table 2—Continued"), block("table", right))]
    assert _tables(pages) == [
        [["Year", "Grade", "Grade", "Ungraded"], ["1", "2", "3", "4"], ["1996", "10", "11", "20", "21", "5"],
         ["1997", "12", "13", "22", "23", "6"], ["1998", "14", "15", "24", "25", "7"]]
    ]  # fmt: skip


def test_column_count_counts_spans():
    parsed = parse_table(table("rowspan=2:Year|colspan=3:Sales", "a|b|c"))
    assert parsed is not None and parsed.column_count == 4
