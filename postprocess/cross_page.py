"""Document-level restructuring across pages, after PaddleX's ``restructure_pages``: a table continued on the
next page merged into one, heading levels assigned over the whole document, a paragraph cut by a page break
joined. It works on copies: per-page results stay exactly as the engine produced them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ocrvl.postprocess.headings import assign_heading_levels
from ocrvl.postprocess.paragraphs import join_paragraphs_across_pages
from ocrvl.postprocess.table_merge import merge_tables_across_pages
from ocrvl.types import PageResult


@dataclass(frozen=True)
class RestructureOptions:
    """Which restructurings the document-level outputs get (PaddleX's parameter names where they exist)."""

    merge_tables: bool = True
    relevel_titles: bool = True
    join_paragraphs: bool = True


DEFAULT_RESTRUCTURING = RestructureOptions()
NO_RESTRUCTURING = RestructureOptions(merge_tables=False, relevel_titles=False, join_paragraphs=False)


def restructure_pages(
    pages: Sequence[PageResult], options: RestructureOptions = DEFAULT_RESTRUCTURING
) -> list[PageResult]:
    """The pages of one document, restructured as `options` ask; the given pages are left untouched."""
    copies = [replace(page, blocks=[replace(block) for block in page.blocks]) for page in pages]
    blocks = [page.blocks for page in copies]
    page_indexes = [page.page_index for page in copies]
    if options.merge_tables:
        merge_tables_across_pages(blocks, page_indexes)
    if options.join_paragraphs:
        join_paragraphs_across_pages(blocks, page_indexes)
    if options.relevel_titles:
        assign_heading_levels([block for page in blocks for block in page])
    return copies
