"""Markdown as PaddleOCR-VL writes a page (``res.markdown``, ``save_to_markdown``): its rules per block label,
pictures under PaddleOCR-VL's names, and in pretty mode centred HTML for pictures, captions and tables.

ocrvl's own Markdown (``ocrvl parse``, `DocumentOutput`) is `ocrvl.postprocess.markdown`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from ocrvl.types import Block, PageResult

_TEXT_LABELS = frozenset({"text", "ocr", "vertical_text", "reference_content", "vision_footnote"})
_CAPTION_LABELS = frozenset({"table_title", "figure_title", "chart_title"})
_AS_IS_LABELS = frozenset({"spotting", "number", "footnote", "header", "footer", "aside_text"})
_FORMULA_LABELS = frozenset({"formula", "display_formula", "inline_formula"})
_PICTURE_LABELS = frozenset({"image", "header_image", "footer_image"})
_NUMBERED_TITLE_LABELS = frozenset({"abstract_title", "reference_title", "content_title"})
# A title's leading number ("2.1", "(3)", "IV ", "三、"), as PaddleX recognises it before levelling the title.
_TITLE_NUMBER = re.compile(
    r"^\s*((?:[1-9][0-9]*(?:\.[1-9][0-9]*)*[.、]?|[(（](?:[1-9][0-9]*|[一二三四五六七八九十百千万亿零壹贰叁肆伍陆柒捌玖拾]+)[)）]"
    r"|[一二三四五六七八九十百千万亿零壹贰叁肆伍陆柒捌玖拾]+[、.]?|(?:I|II|III|IV|V|VI|VII|VIII|IX|X)(?:\.|\s)))(\s*)(.*)$"
)


@dataclass(frozen=True)
class MarkdownStyle:
    """How a page's blocks are written: `pretty` centres pictures, captions and tables in HTML (PaddleOCR-VL's
    default); the switches are the page's ``model_settings``."""

    page_width: int
    pretty: bool = True
    use_chart_recognition: bool = False
    use_seal_recognition: bool = False
    use_ocr_for_image_block: bool = False
    use_layout_detection: bool = True

    @classmethod
    def of(cls, page: PageResult, settings: Mapping[str, object], pretty: bool = True) -> MarkdownStyle:
        return cls(
            page_width=max(page.width, 1),
            pretty=pretty,
            use_chart_recognition=bool(settings.get("use_chart_recognition", False)),
            use_seal_recognition=bool(settings.get("use_seal_recognition", False)),
            use_ocr_for_image_block=bool(settings.get("use_ocr_for_image_block", False)),
            use_layout_detection=bool(settings.get("use_layout_detection", True)),
        )


# Where a block's picture is, relative to the Markdown (None: the block has none); the caller names pictures.
PicturePath = Callable[[Block], "str | None"]


def is_picture(block: Block) -> bool:
    """A picture block that has its crop: PaddleOCR-VL shows it as a picture."""
    return block.image is not None and block.label in _PICTURE_LABELS | {"chart", "seal"}


def _one_line(text: str) -> str:
    return text.replace("-\n", "").replace("\n", " ")


def _centred(content: str, one_line: bool = True) -> str:
    return f'<div style="text-align: center;">{_one_line(content) if one_line else content}</div>\n'


def _numbered_title(content: str) -> str:
    """A title levelled by its own numbering: "2.1 Data" is ``### 2.1 Data``, an unnumbered one ``##``."""
    match = _TITLE_NUMBER.match(content)
    if match:
        content = f"{match.group(1).strip()} {match.group(3).lstrip()}"
    content = content.rstrip(".")
    depth = content.count(".") + 1
    return _one_line(f"#{'#' * depth} {content}")


def _first_line_as_heading(content: str, names: tuple[str, ...], splitter: str, heading: str) -> str:
    """`content` whose first non-empty piece, when it is one of `names` ("Abstract", "References"), becomes a
    heading."""
    pieces = content.split(splitter)
    for k, piece in enumerate(pieces):
        if not piece.strip():
            continue
        if piece.lower() in names:
            pieces[k] = heading.format(piece)
        break
    return splitter.join(pieces)


_RULE_ROW = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")


def _chart_table(content: str) -> str:
    """A chart read into rows of ``|``-separated cells (ocrvl keeps them as a Markdown pipe table), as the centred
    HTML table PaddleOCR-VL writes; a chart read into HTML stays as it is."""
    if content.lstrip().startswith("<"):
        return content
    lines = [line.strip() for line in content.split("\n") if not _RULE_ROW.match(line.strip())]
    rows = [line[1:-1] if line.startswith("|") and line.endswith("|") and len(line) > 1 else line for line in lines]
    header, *body_rows = rows or [""]
    cell = "<{0} style='text-align: center;'>{1}</{0}>"
    head = "".join(cell.format("th", c.strip()) for c in header.split("|"))
    cells = ("".join(cell.format("td", c.strip()) for c in row.split("|")) for row in body_rows)
    body = "".join(f"    <tr>{row}</tr>\n" for row in cells)
    return (f"<table border=1 style='margin: auto; width: max-content;'>\n  <thead><tr>{head}</tr></thead>\n"
            f"  <tbody>\n{body}  </tbody>\n</table>")  # fmt: skip


def _styled_table(content: str) -> str:
    return (
        content.replace("<table>", "<table border=1 style='margin: auto; word-wrap: break-word;'>")
        .replace("<th>", "<th style='text-align: center; word-wrap: break-word;'>")
        .replace("<td>", "<td style='text-align: center; word-wrap: break-word;'>")
    )


def _bare_table(content: str) -> str:
    for tag in ("<html>", "</html>", "<body>", "</body>"):
        content = content.replace(tag, "")
    return content


class PaddleMarkdown:
    """PaddleOCR-VL's Markdown of one page's blocks, in the given style."""

    def __init__(self, style: MarkdownStyle, picture_path: PicturePath):
        self.style = style
        self.picture_path = picture_path
        self.handlers: dict[str, Callable[[Block], str]] = self._handlers()

    def _picture(self, block: Block, show_text: bool) -> str:
        path = self.picture_path(block)
        if self.style.pretty:
            tag = ""
            if path is not None:
                scale = int((block.region.bbox[2] - block.region.bbox[0]) / self.style.page_width * 100)
                tag = f'<img src="{_one_line(path)}" alt="Image" width="{scale}%" />'
            text = f"{tag}\n\n{block.content}\n\n" if show_text else tag
            return _centred(text, one_line=not show_text)
        if path is None:
            return ""
        text = f"![]({_one_line(path)})"
        return f"{text}\n\n{block.content}\n\n" if show_text else text

    def _caption(self, block: Block) -> str:
        return _centred(block.content) if self.style.pretty else block.content

    def _table(self, block: Block) -> str:
        return "\n" + _styled_table(block.content) if self.style.pretty else "\n\n" + _bare_table(block.content)

    def _title(self, block: Block) -> str:
        if block.heading_level is None:
            return _numbered_title(block.content)
        return _one_line(f"{'#' * max(1, block.heading_level)} {block.content}")  # levelled across the document

    def _handlers(self) -> dict[str, Callable[[Block], str]]:
        style = self.style
        image = lambda b: self._picture(b, style.use_ocr_for_image_block)  # noqa: E731
        seal = (lambda b: self._picture(b, style.use_seal_recognition)) if style.use_layout_detection else self._caption
        handlers: dict[str, Callable[[Block], str]] = {
            "paragraph_title": self._title,
            "doc_title": lambda b: _one_line(f"# {b.content}"),
            "abstract": lambda b: _first_line_as_heading(b.content, ("摘要", "abstract"), " ", "## {}\n"),
            "reference": lambda b: _first_line_as_heading(b.content, ("参考文献", "references"), "\n", "## {}"),
            "content": lambda b: b.content.replace("-\n", "  \n").replace("\n", "  \n"),
            "algorithm": lambda b: b.content.strip("\n"),
            "chart": (lambda b: _chart_table(b.content)) if style.use_chart_recognition else image,
            "table": self._table,
            "seal": seal,
        }
        handlers.update(dict.fromkeys(_NUMBERED_TITLE_LABELS, lambda b: _numbered_title(b.content)))
        handlers.update(dict.fromkeys(_CAPTION_LABELS, self._caption))
        handlers.update(dict.fromkeys(_TEXT_LABELS, lambda b: b.content.replace("\n\n", "\n").replace("\n", "\n\n")))
        handlers.update(dict.fromkeys(_AS_IS_LABELS | _FORMULA_LABELS, lambda b: b.content))
        handlers.update(dict.fromkeys(_PICTURE_LABELS, image))
        return handlers

    def block(self, block: Block) -> str | None:
        """The block's Markdown; None for a label PaddleOCR-VL leaves out (formula numbers, unknown labels)."""
        handler = self.handlers.get(block.label)
        return handler(block) if handler else None

    def block_content(self, block: Block) -> str:
        """What ``format_block_content`` puts in a block's JSON: its Markdown, or its content as is."""
        written = self.block(block)
        return block.content if written is None else written

    def blocks(
        self, blocks: Sequence[Block], ignore_labels: Sequence[str] = (), show_formula_number: bool = False
    ) -> str:
        """The blocks' Markdown, joined by blank lines; `ignore_labels` left out; with `show_formula_number` a
        display formula followed by its number carries it as ``\\tag*{...}``."""
        ignored = set(ignore_labels)
        text = ""
        for k, block in enumerate(blocks):
            if block.label in ignored:
                continue
            if show_formula_number and _numbered(blocks, k):
                formula = block.content.replace("$$", "")
                numbered = f"$${formula} \\tag*{{{blocks[k + 1].content}}}$$"
                block = Block(block.region, numbered, block.block_id, block.group_id, block.image_path, block.image)
            written = self.block(block)
            if written is None:
                continue
            text = f"{text}\n\n{written}" if text else written
        return text


def _numbered(blocks: Sequence[Block], k: int) -> bool:
    return (
        blocks[k].label in ("display_formula", "formula")
        and k + 1 < len(blocks)
        and blocks[k + 1].label == "formula_number"
    )


def markdown_images(blocks: Sequence[Block], picture_path: PicturePath) -> dict[str, Image.Image]:
    """Every picture the page's Markdown can show, under the names `picture_path` gives them."""
    pictures = {}
    for block in blocks:
        path = picture_path(block)
        if path is not None and block.image is not None:
            pictures[path] = Image.fromarray(np.asarray(block.image, dtype=np.uint8))
    return pictures
