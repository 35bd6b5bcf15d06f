"""Restructuring across pages in the document outputs: on by default, switchable, never in per-page outputs."""

import os
from dataclasses import replace
from pathlib import Path

import pytest

from ocrvl import PaddleOCRVL
from ocrvl.options import PipelineOptions
from ocrvl.postprocess.cross_page import (
    NO_RESTRUCTURING,
    RestructureOptions,
    restructure_pages,
)
from ocrvl.postprocess.json_output import document_json
from ocrvl.postprocess.markdown import document_markdown
from ocrvl.results import DocumentOutput, PageOutput
from tests.conftest import tables_in
from tests.postprocess.pages import block, page, table

HEADER = "City|Rainfall"


def _pages():
    return [
        page(0, block("doc_title", "Rain"), block("paragraph_title", "Results", bbox=(100, 100, 300, 124)),
             block("text", "We measured the"), block("table", table(HEADER, "Graz|845")),
             block("footer", "1")),
        page(1, block("table", table(HEADER, "Lima|9")),
             block("paragraph_title", "2.1 Notes", bbox=(100, 100, 250, 118)), block("text", "Values are yearly.")),
    ]  # fmt: skip


def test_switches_off_give_the_plain_concatenation():
    pages = _pages()
    doc = restructure_pages(pages, NO_RESTRUCTURING)
    assert document_markdown(doc) == document_markdown(pages)
    assert document_json(doc) == document_json(pages)
    assert len(tables_in(document_markdown(doc))) == 2


def test_each_switch_does_only_its_part():
    only_tables = restructure_pages(_pages(), RestructureOptions(True, False, False))
    markdown = document_markdown(only_tables)
    assert len(tables_in(markdown)) == 1 and "## Results" in markdown
    only_titles = restructure_pages(_pages(), RestructureOptions(False, True, False))
    assert [b.heading_level for b in only_titles[0].blocks[:2]] == [1, 2]
    assert len(tables_in(document_markdown(only_titles))) == 2


def test_the_json_names_merged_blocks_and_title_levels():
    doc = document_json(restructure_pages(_pages()))
    first, second = (p["parsing_res_list"] for p in doc["pages"])
    assert [b.get("title_level") for b in first[:2]] == [0, 1], "PaddleX numbering: document title 0"
    assert second[0]["block_content"] == "" and second[0]["merged_into"] == {"page_index": 0, "block_id": 3}
    assert second[1]["title_level"] == 2


def test_document_output_restructures_but_page_outputs_do_not():
    pages = [PageOutput(p) for p in _pages()]
    doc = DocumentOutput(pages)
    assert len(tables_in(doc.markdown)) == 1
    assert all(len(tables_in(p.page_markdown)) == 1 for p in pages), "each page keeps its own part"
    assert doc.pages[1].page_json["parsing_res_list"][0]["block_content"].startswith("<table>")
    off = PipelineOptions(merge_tables=False).restructure_options()
    assert off == RestructureOptions(merge_tables=False)
    assert len(tables_in(DocumentOutput([PageOutput(p, restructure=off) for p in _pages()]).markdown)) == 2
    assert len(tables_in(DocumentOutput(pages, restructure=replace(off)).markdown)) == 2


def test_lite_engine_merges_the_two_page_sample_table(parsed, sources):
    expected = sources["table_two_pages.pdf"]["tables"][0]
    doc = parsed("table_two_pages.pdf")
    assert tables_in(doc.markdown) == [[expected["header"], *expected["rows"]]]
    continuation = doc.json["pages"][1]["parsing_res_list"][0]
    assert continuation["block_label"] == "table" and continuation["block_content"] == ""
    assert continuation["merged_into"]["page_index"] == 0


# The shared evaluation corpus: $OCRVL_EVAL_DIR, else ../shared/eval beside the checkout.
EVAL_DIR = os.environ.get("OCRVL_EVAL_DIR") or Path(__file__).resolve().parents[3] / "shared" / "eval"
EVAL_DEV = Path(EVAL_DIR) / "dev" / "icdar2013"


@pytest.mark.skipif(not EVAL_DEV.is_dir(), reason="the shared evaluation corpus is not on this machine")
def test_lite_engine_merges_icdar_us_017_table_continued_with_more_columns():
    parser = PaddleOCRVL(engine="lite", pages="3-4")
    doc = parser.join(parser.predict(EVAL_DEV / "us-017.pdf"))[0]
    merged_truth = tables_in((EVAL_DEV / "gt" / "us-017.tables_merged.html").read_text(encoding="utf-8"))
    assert tables_in(doc.markdown) == [merged_truth[0]]
    unmerged = DocumentOutput(doc.pages, restructure=NO_RESTRUCTURING)
    assert len(tables_in(unmerged.markdown)) == 2
