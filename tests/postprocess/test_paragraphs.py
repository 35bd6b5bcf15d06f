"""A paragraph cut by a page break joined, and left alone when it is not clearly cut."""

from ocrvl.postprocess.cross_page import restructure_pages
from ocrvl.postprocess.paragraphs import joined_text
from tests.postprocess.pages import block, page


def _join(first: str, second: str, *, between: tuple = (), count: int = 2) -> list:
    pages = [page(0, block("text", first), *between, count=count), page(1, block("text", second), count=count)]
    return restructure_pages(pages)


def test_sentence_cut_by_the_page_break_is_joined():
    doc = _join("Rain was measured in the", "morning and again at night.", between=(block("footer", "Page 1"),))
    assert doc[0].blocks[0].content == "Rain was measured in the morning and again at night."
    assert doc[1].blocks[0].content == "" and doc[1].blocks[0].merged_into == (0, 0)


def test_a_word_broken_by_a_hyphen_is_mended():
    assert joined_text("the docu-", "ment was long.") == "the document was long."


def test_finished_sentences_and_capitalized_starts_are_left_alone():
    assert joined_text("It rained all day.", "then it stopped.") is None
    assert joined_text("It rained all day", "The next day was dry.") is None
    assert joined_text('He said "stop."', "then left.") is None
    assert joined_text("Items:", "apples and pears") is None


def test_chinese_text_joins_without_a_space():
    assert joined_text("今天下雨，", "明天天晴。") == "今天下雨，明天天晴。"
    assert joined_text("今天下雨。", "明天天晴。") is None


def test_only_text_at_the_page_break_is_joined():
    title_next = [page(0, block("text", "Rain was measured in the")), page(1, block("paragraph_title", "methods"))]
    text_after = [
        page(0, block("text", "Rain was measured in the"), block("table", "<table><tr><td>1</td></tr></table>")),
        page(1, block("text", "morning and again at night.")),
    ]
    assert restructure_pages(title_next)[0].blocks[0].content == "Rain was measured in the"
    assert restructure_pages(text_after)[0].blocks[0].content == "Rain was measured in the"


def test_paragraph_over_three_pages_ends_whole_in_its_first_block():
    pages = [
        page(0, block("text", "One long"), count=3),
        page(1, block("text", "sentence runs over"), count=3),
        page(2, block("text", "three pages."), count=3),
    ]
    doc = restructure_pages(pages)
    assert doc[0].blocks[0].content == "One long sentence runs over three pages."
    assert doc[2].blocks[0].merged_into == (0, 0)


def test_a_reference_entry_or_a_paragraph_boxed_as_one_is_joined_too():
    pages = [page(0, block("reference", "[4] A. Author. Reading documents. In Proceedings of the")),
             page(1, block("text", "conference on layout, 2019."))]  # fmt: skip
    assert restructure_pages(pages)[0].blocks[0].content.endswith("Proceedings of the conference on layout, 2019.")
