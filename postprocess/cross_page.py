"""Document-level restructuring across pages, after PaddleX's ``restructure_pages``: a table continued on the
next page merged into one, heading levels assigned over the whole document, a paragraph cut by a page break
joined. It works on copies: per-page results stay exactly as the engine produced them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

from ocrvl.postprocess.headings import assign_heading_levels
from ocrvl.postprocess.json_output import document_json
from ocrvl.postprocess.paragraphs import join_paragraphs_across_pages
from ocrvl.postprocess.table_merge import merge_tables_across_pages
from ocrvl.types import PageResult


@dataclass(frozen=True)
class RestructureOptions:
    """Which restructurings the document-level outputs get (PaddleX's parameter names where they exist)."""

    merge_tables: bool = True
    relevel_titles: bool = True
    join_paragraphs: bool = True

    @classmethod
    def from_options(cls, options: object) -> RestructureOptions:
        """Read the switches off a `PipelineOptions` (or any object with these attributes; missing ones: on)."""
        return cls(**{f.name: bool(getattr(options, f.name, True)) for f in fields(cls)})


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


def restructured_document_json(pages: Sequence[PageResult], input_path: Path | None = None) -> dict:
    """`document_json` of restructured pages, with what restructuring found: ``title_level`` on titles
    (PaddleX's numbering: document title 0, top sections 1) and, on a block whose content went into an
    earlier one, ``merged_into``: ``{"page_index", "block_id"}`` of that block (its own content is empty)."""
    doc = document_json(pages, input_path)
    for page_json, page in zip(doc["pages"], pages):
        for entry, block in zip(page_json["parsing_res_list"], page.blocks):
            if block.heading_level is not None:
                entry["title_level"] = block.heading_level - 1
            if block.merged_into is not None:
                page_index, block_id = block.merged_into
                entry["merged_into"] = {"page_index": page_index, "block_id": block_id}
    return doc
