"""Markdown rendering of page and document results."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ocrvl.labels import PICTURE_LABELS
from ocrvl.types import Block, PageResult

# PaddleOCR-VL leaves these out of Markdown by default (they stay in the JSON).
DEFAULT_MARKDOWN_IGNORE_LABELS = (
    "number", "footnote", "header", "header_image", "footer", "footer_image", "aside_text",
)  # fmt: skip

_SECTION_NUMBER = re.compile(r"^\s*((?:\d+|[IVXLC]+|[A-Z])(?:\.\d+)*)\.?\s+\S")


def heading_level(text: str) -> int:
    """Markdown level of a section title: "2 Method" -> 2, "2.1 Data" -> 3, unnumbered -> 2."""
    match = _SECTION_NUMBER.match(text)
    if not match:
        return 2
    return min(6, 2 + match.group(1).count("."))


_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def escape_tags(text: str) -> str:
    """Keep literal text such as ``<table name>`` from being read as HTML by Markdown renderers."""
    return _TAG_START.sub("&lt;", text)


def block_markdown(block: Block) -> str:
    label, content = block.label, block.content.strip()
    if label == "table":
        return content
    content = escape_tags(content)
    if label == "doc_title":
        return f"# {_one_line(content)}" if content else ""
    if label == "paragraph_title":
        return f"{'#' * heading_level(content)} {_one_line(content)}" if content else ""
    if label in PICTURE_LABELS:
        return f"![{label}]({block.image_path})" if block.image_path else ""
    if label == "display_formula":
        if block.image_path:  # no formula model: the picture, and the text read off it
            return "\n\n".join(p for p in (f"![formula]({block.image_path})", content) if p)
        return f"$$\n{content}\n$$" if content else ""
    return content


def page_markdown(page: PageResult, ignore_labels: Iterable[str] = DEFAULT_MARKDOWN_IGNORE_LABELS) -> str:
    return blocks_markdown(page.blocks, ignore_labels)


def blocks_markdown(blocks: Sequence[Block], ignore_labels: Iterable[str] = DEFAULT_MARKDOWN_IGNORE_LABELS) -> str:
    ignored = set(ignore_labels)
    parts = [block_markdown(b) for b in blocks if b.label not in ignored]
    return "\n\n".join(p for p in parts if p) + "\n"


def document_markdown(
    pages: Sequence[PageResult], ignore_labels: Iterable[str] = DEFAULT_MARKDOWN_IGNORE_LABELS
) -> str:
    """All pages in order, one Markdown text."""
    texts = [page_markdown(p, ignore_labels).strip() for p in pages]
    return "\n\n".join(t for t in texts if t) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())
