"""Markdown rendering of page and document results."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ocrvl.labels import PICTURE_LABELS
from ocrvl.latex import strip_math_delimiters
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


def title_depth(block: Block) -> int:
    """Markdown heading depth of a title: the document-wide level when one was assigned, else the document
    title 1 and a section title what its own numbering says."""
    if block.heading_level is not None:
        return max(1, min(6, block.heading_level))
    return 1 if block.label == "doc_title" else heading_level(block.content)


_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def escape_tags(text: str) -> str:
    """Keep literal text such as ``<table name>`` from being read as HTML by Markdown renderers."""
    return _TAG_START.sub("&lt;", text)


def block_markdown(block: Block, formula_number: str = "") -> str:
    """`block` as Markdown; a display formula carries `formula_number`, the number printed beside it."""
    label = block.label
    raw = block.content.strip()
    if label == "table":
        return raw
    if label == "algorithm":  # code and pseudo-code, kept as set: lines, indents and all
        return code_block(block.content.strip("\n")) if raw else ""
    content = escape_tags(raw)
    if label in ("doc_title", "paragraph_title"):
        return f"{'#' * title_depth(block)} {_one_line(content)}" if content else ""
    if label in PICTURE_LABELS:
        if block.image_path:
            return f"![{label}]({block.image_path})"
        return content  # a chart or seal that was read (a table, or the seal's text)
    if label in FORMULA_LABELS:
        return _formula_markdown(block, raw, formula_number)
    if label == "content":  # a table of contents: an entry a line
        return content.replace("\n", "  \n")
    return content


def code_block(code: str) -> str:
    """A fenced code block, its fence longer than any run of backticks in the code."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{code}\n{fence}"


FORMULA_LABELS = frozenset({"display_formula", "inline_formula", "formula"})


def _formula_markdown(block: Block, content: str, number: str) -> str:
    """Formulas stay unescaped LaTeX: their content is already delimited (vl, and lite's formulas read off an
    image) or gets ``$$`` here (lite's from a text layer). A formula read off an image has its picture first:
    the LaTeX of its text alone loses where scripts and fractions stood."""
    latex = content
    if content and not content.startswith("$"):
        latex = f"${content}$" if block.label == "inline_formula" else f"$$\n{content}\n$$"
    if number and latex.startswith("$$"):
        latex = formula_with_number(latex, number)
    if block.image_path:
        return "\n\n".join(p for p in (f"![formula]({block.image_path})", latex) if p)
    return latex


def page_markdown(page: PageResult, ignore_labels: Iterable[str] = DEFAULT_MARKDOWN_IGNORE_LABELS) -> str:
    return blocks_markdown(page.blocks, ignore_labels)


def blocks_markdown(blocks: Sequence[Block], ignore_labels: Iterable[str] = DEFAULT_MARKDOWN_IGNORE_LABELS) -> str:
    ignored = set(ignore_labels)
    parts = []
    for i, block in enumerate(blocks):
        if block.label in ignored or block.label == "formula_number":  # a number goes into its formula's \tag
            continue
        number = strip_math_delimiters(blocks[i + 1].content) if _numbers_formula(blocks, i) else ""
        parts.append(block_markdown(block, number))
    return "\n\n".join(p for p in parts if p) + "\n"


def _numbers_formula(blocks: Sequence[Block], i: int) -> bool:
    """Block i is a display formula whose number follows it (written as ``\\tag*{...}``)."""
    return (
        0 <= i < len(blocks) - 1
        and blocks[i].label in ("display_formula", "formula")
        and blocks[i + 1].label == "formula_number"
        and bool(blocks[i + 1].content.strip())
    )


def document_markdown(
    pages: Sequence[PageResult], ignore_labels: Iterable[str] = DEFAULT_MARKDOWN_IGNORE_LABELS
) -> str:
    """All pages in order, one Markdown text."""
    texts = [page_markdown(p, ignore_labels).strip() for p in pages]
    return "\n\n".join(t for t in texts if t) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def formula_with_number(formula: str, number: str) -> str:
    """A display formula carrying its number, ``$$latex \\tag*{(1)}$$``, as PaddleX's Markdown writes it
    when ``show_formula_number`` is on (``\\tag*`` prints the number as written, parentheses included)."""
    body = formula.replace("$$", "").strip()
    number = strip_math_delimiters(number)
    if not number:
        return f"$${body}$$" if body else ""
    return f"$${body} \\tag*{{{number}}}$$"
