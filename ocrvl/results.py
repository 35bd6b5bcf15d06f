"""Result objects handed to API users: print them, read them as JSON or Markdown, save them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from ocrvl.outputs import write_block_pictures, write_image, write_json, write_text
from ocrvl.pipeline import safe_name
from ocrvl.postprocess.cross_page import (
    DEFAULT_RESTRUCTURING,
    RestructureOptions,
    restructure_pages,
)
from ocrvl.postprocess.json_output import document_json, page_json
from ocrvl.postprocess.markdown import DEFAULT_MARKDOWN_IGNORE_LABELS, document_markdown, page_markdown
from ocrvl.postprocess.visualize import layout_picture
from ocrvl.types import PageResult


def _target(save_path: Path | str, default_name: str) -> Path:
    """A folder gets `default_name` inside it; a path with a suffix is used as the file name."""
    path = Path(save_path)
    return path if path.suffix and not path.is_dir() else path / default_name


class PageOutput:
    """One page's result, PaddleOCR-VL style. `restructure` says what the document joining it will restructure
    across pages (the page itself is never restructured)."""

    def __init__(
        self,
        page: PageResult,
        markdown_ignore_labels: Sequence[str] = DEFAULT_MARKDOWN_IGNORE_LABELS,
        restructure: RestructureOptions = DEFAULT_RESTRUCTURING,
    ):
        self.page = page
        self.markdown_ignore_labels = tuple(markdown_ignore_labels)
        self.restructure = restructure

    @property
    def name(self) -> str:
        return f"{safe_name(self.page.input_path.stem)}_{self.page.page_index}"

    @property
    def json(self) -> dict:
        return page_json(self.page)

    @property
    def markdown(self) -> str:
        return page_markdown(self.page, self.markdown_ignore_labels)

    def print(self) -> None:
        print(json.dumps(self.json, ensure_ascii=False, indent=2))

    def save_to_json(self, save_path: Path | str) -> Path:
        target = _target(save_path, f"{self.name}_res.json")
        write_json(target, self.json)
        return target

    def save_to_markdown(self, save_path: Path | str) -> Path:
        """The page's Markdown, with its pictures under ``imgs/`` beside it."""
        target = _target(save_path, f"{self.name}.md")
        write_block_pictures(self.page.blocks, target.parent)
        write_text(target, self.markdown)
        return target

    def save_to_img(self, save_path: Path | str) -> Path:
        """The layout picture: boxes, labels and reading order drawn on the page."""
        target = _target(save_path, f"{self.name}_layout.png")
        write_image(target, layout_picture(self.page))
        return target

    def __repr__(self) -> str:
        page = self.page
        where = f"page {page.page_index + 1}/{page.page_count}"
        return f"PageOutput({page.input_path.name!r}, {where}, {len(page.blocks)} blocks)"


class DocumentOutput:
    """All pages of one input joined: one Markdown text and one JSON, restructured across pages (a table
    continued on the next page merged, heading levels over the whole document, a paragraph cut by a page break
    joined) as `restructure` says; by default as the pages' own options say."""

    def __init__(self, pages: Sequence[PageOutput], restructure: RestructureOptions | None = None):
        if not pages:
            raise ValueError("a document needs at least one page")
        self.pages = list(pages)
        self.restructure = restructure if restructure is not None else self.pages[0].restructure

    @cached_property
    def restructured(self) -> list[PageResult]:
        """The pages as the document outputs show them (copies; `pages` keep the engine's per-page results)."""
        return restructure_pages([p.page for p in self.pages], self.restructure)

    @property
    def input_path(self) -> Path:
        return self.pages[0].page.input_path

    @property
    def name(self) -> str:
        return safe_name(self.input_path.stem)

    @property
    def markdown(self) -> str:
        return document_markdown(self.restructured, self.pages[0].markdown_ignore_labels)

    @property
    def json(self) -> dict:
        return document_json(self.restructured, self.input_path)

    def print(self) -> None:
        print(self.markdown)

    def save_to_markdown(self, save_path: Path | str) -> Path:
        target = _target(save_path, f"{self.name}.md")
        write_block_pictures((b for p in self.pages for b in p.page.blocks), target.parent)
        write_text(target, self.markdown)
        return target

    def save_to_json(self, save_path: Path | str) -> Path:
        target = _target(save_path, f"{self.name}.json")
        write_json(target, self.json)
        return target

    def save_to_img(self, save_path: Path | str) -> list[Path]:
        folder = Path(save_path)
        return [p.save_to_img(folder) for p in self.pages]


def join_pages(pages: Sequence[PageOutput]) -> list[DocumentOutput]:
    """Group page outputs (as `predict` returns them) into one DocumentOutput per input file."""
    docs: list[list[PageOutput]] = []
    for page in pages:
        if (
            docs
            and docs[-1][0].page.input_path == page.page.input_path
            and page.page.page_index > docs[-1][-1].page.page_index
        ):
            docs[-1].append(page)
        else:
            docs.append([page])
    return [DocumentOutput(d) for d in docs]
