"""A paragraph cut by a page break joined into one.

Conservative on purpose: only a text block that ends a page's body without sentence-final punctuation
(or with a word broken by a hyphen) and a text block that starts the next page's body with a lower-case
letter (or, for Chinese and Japanese, an ideograph after an unfinished sentence) are joined.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ocrvl.postprocess.page_breaks import join_across_page_breaks
from ocrvl.postprocess.table_merge import PAGE_FURNITURE
from ocrvl.sentences import SENTENCE_END, last_mark
from ocrvl.types import Block

# Running text: paragraphs, an abstract, reference entries (and what the lite layout boxes as a reference list,
# which is now and then a paragraph).
PARAGRAPH_LABELS = frozenset({"text", "abstract", "reference", "reference_content"})

_BROKEN_WORD = re.compile(r"[^\W\d_][-\u2010\u00ad]$")
_IDEOGRAPH = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_PAUSE = set("，、")


def _body_edge(blocks: Sequence[Block], from_end: bool) -> Block | None:
    """The first (or last) block of the page's body text flow, skipping headers, footers and the like."""
    for block in reversed(blocks) if from_end else blocks:
        if block.label not in PAGE_FURNITURE:
            return block
    return None


def joined_text(before: str, after: str) -> str | None:
    """`before` and `after` as one paragraph when `after` continues the sentence `before` leaves open."""
    head, tail = before.rstrip(), after.lstrip()
    if not head or not tail:
        return None
    first = tail[0]
    if _BROKEN_WORD.search(head) and first.islower():
        return head[:-1] + tail  # "docu-" + "ment"
    last = last_mark(head)
    if last in SENTENCE_END or head.endswith(("-", "\u2010", "\u00ad")):
        return None
    if first.isalpha() and first.islower() and (last.isalnum() or last in ",–—"):
        return f"{head} {tail}"
    if _IDEOGRAPH.match(first) and (_IDEOGRAPH.match(last) or last in _CJK_PAUSE):
        return head + tail
    return None


def join_paragraphs_across_pages(pages: Sequence[Sequence[Block]], page_indexes: Sequence[int]) -> int:
    """Join, in place, paragraphs continued on the next page into the block where they start.

    The continuation keeps its place with empty content and ``merged_into`` naming the block that took
    its text. Returns the number of joins.
    """
    return join_across_page_breaks(pages, page_indexes, _paragraph_edges, joined_text)


def _paragraph_edges(page: Sequence[Block], next_page: Sequence[Block]) -> tuple[Block, Block] | None:
    end, start = _body_edge(page, from_end=True), _body_edge(next_page, from_end=False)
    if end is None or start is None or end.label not in PARAGRAPH_LABELS or start.label not in PARAGRAPH_LABELS:
        return None
    return end, start
