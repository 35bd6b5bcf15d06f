"""From raw detections and the page's words to final regions in reading order, each with its words."""

from __future__ import annotations

from collections.abc import Sequence

from ocrvl.layout.lite.drawings import pictures_from_drawings
from ocrvl.layout.lite.drop_caps import join_drop_caps
from ocrvl.layout.lite.gutters import WordRows
from ocrvl.layout.lite.numbered_grids import read_numbered_grids_across
from ocrvl.layout.lite.pictures_of_words import drop_pictures_of_words
from ocrvl.layout.lite.regions import (
    absorb_orphans,
    assign_words,
    captions_keep_their_lines,
    clean_regions,
    grow_tables_to_rulings,
    hang_bullets,
    merge_same_line_pieces,
    order_regions,
    regions_for_orphans,
    tighten_to_words,
)
from ocrvl.layout.lite.relabel import (
    demote_listed_tables,
    drop_prose_pictures,
    drop_worded_formulas,
    mark_doc_title,
    mark_formula_numbers,
    mark_page_furniture,
    mark_picture_captions,
    promote_tables,
    relabel_by_content,
    tables_from_figure_columns,
    tables_from_orphan_grids,
)
from ocrvl.layout.lite.ruled_grids import tables_from_ruled_grids
from ocrvl.layout.lite.side_text import split_side_text
from ocrvl.layout.lite.stacked_blocks import split_stacked_blocks
from ocrvl.layout.lite.table_columns import grow_tables_over_figure_columns
from ocrvl.layout.lite.table_headers import grow_tables_over_header_rows
from ocrvl.layout.lite.text_columns import split_headlines_at_gutters, split_text_columns
from ocrvl.layout.lite.typefaces import relabel_by_typeface
from ocrvl.types import Page, Region, Word


def refine_layout(
    detected: Sequence[Region], words: Sequence[Word], page: Page, ocr_words: bool = False
) -> list[tuple[Region, list[Word]]]:
    """All regions of the page, body regions first in reading order, then headers and footers,
    each paired with the words whose centre it holds. Every word lands in exactly one region.

    `ocr_words`: the words were read off the image (a scan, photo or screenshot), not a text layer;
    only then may a page of grid-like text with no detected table become one table (a table crop)."""
    words, side_text = split_side_text(join_drop_caps(words))
    # tables grow to their rulings first, so that a head the detector boxed apart inside the grown table (a group
    # header boxed as a figure title) is dropped as nested in it and read as the table's
    grow_tables_to_rulings(detected, page.rulings)
    regions = merge_same_line_pieces(clean_regions(detected, page.width, page.height))
    tables_from_ruled_grids(regions, words, page.rulings)
    per_region, orphans = assign_words(regions, words)
    if drop_prose_pictures(regions, per_region):
        per_region, orphans = assign_words(regions, words)
    if drop_pictures_of_words(regions, per_region, page.image):
        per_region, orphans = assign_words(regions, words)
    if drop_worded_formulas(regions, per_region):
        per_region, orphans = assign_words(regions, words)
    if ocr_words and pictures_from_drawings(regions, words, page.image):
        per_region, orphans = assign_words(regions, words)
    if orphans:
        found = len(regions)
        gutters = WordRows(words) if ocr_words else None
        left = absorb_orphans(regions, orphans, gutters)
        regions += regions_for_orphans(left, page.width, page.height, gutters)
        per_region, _ = assign_words(regions, words)
        if tables_from_orphan_grids(regions, per_region, found):
            per_region, _ = assign_words(regions, words)
    if hang_bullets(regions, per_region):
        per_region, _ = assign_words(regions, words)
    if captions_keep_their_lines(regions, per_region):
        per_region, _ = assign_words(regions, words)
    if promote_tables(regions, per_region, page.image, whole_page=ocr_words):
        per_region, _ = assign_words(regions, words)
    if demote_listed_tables(regions, per_region, page.rulings):
        per_region, _ = assign_words(regions, words)  # a word in two boxes goes to the smaller, once both are text
    tables_from_figure_columns(regions, per_region)
    if grow_tables_over_header_rows(regions, words):
        per_region, _ = assign_words(regions, words)
    if grow_tables_over_figure_columns(regions, per_region):
        per_region, _ = assign_words(regions, words)
    if split_text_columns(regions, per_region):
        per_region, _ = assign_words(regions, words)
    if split_stacked_blocks(regions, per_region):
        per_region, _ = assign_words(regions, words)
    tighten_to_words(regions, per_region)
    relabel_by_content(regions, per_region)
    if relabel_by_typeface(regions, per_region, [] if ocr_words else page.spans):
        per_region, _ = assign_words(regions, words)
    if split_headlines_at_gutters(regions, per_region):
        per_region, _ = assign_words(regions, words)
    mark_formula_numbers(regions, per_region)
    mark_page_furniture(regions, per_region, page.height)
    mark_picture_captions(regions, per_region)
    order_regions(regions, per_region)
    if read_numbered_grids_across(regions, per_region):
        per_region, _ = assign_words(regions, words)
    mark_doc_title(regions, per_region, page.index)
    pairs = list(zip(regions, per_region)) + side_text
    pairs.sort(key=lambda pair: (pair[0].order is None, pair[0].order or 0))
    return pairs
