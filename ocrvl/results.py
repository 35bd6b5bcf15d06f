"""The document output: result objects that print, give their JSON and Markdown, and save themselves.

Every writer goes through them: API users, the CLI batch (`ocrvl.batch`, page files as pages finish, the
document's files at its end) and ``ocrvl serve``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path

from ocrvl.errors import OptionsError
from ocrvl.naming import document_name, layout_picture_name, page_stem
from ocrvl.outputs import write_block_pictures, write_image, write_json, write_text
from ocrvl.postprocess.cross_page import (
    DEFAULT_RESTRUCTURING,
    RestructureOptions,
    restructure_pages,
)
from ocrvl.postprocess.json_output import document_json, page_json
from ocrvl.postprocess.markdown import DEFAULT_MARKDOWN_IGNORE_LABELS, document_markdown, page_markdown
from ocrvl.postprocess.visualize import layout_picture
from ocrvl.types import PageResult

# What a document folder can hold: the document's Markdown (with its pictures) and JSON, each page's layout
# picture, and each page's own JSON and Markdown.
OUTPUT_FORMATS = ("md", "json", "img", "pages")
DEFAULT_FORMATS = ("md", "json", "img")
_FORMAT_ALIASES = {"markdown": "md"}


def output_formats(names: str | Iterable[str], allowed: Sequence[str] = OUTPUT_FORMATS) -> tuple[str, ...]:
    """The formats `names` asks for (a comma-separated text or names; ``markdown`` is ``md``), in order, once
    each. Raises OptionsError naming what is not one of `allowed`."""
    parts = names.split(",") if isinstance(names, str) else names
    chosen = tuple(dict.fromkeys(_FORMAT_ALIASES.get(n, n) for n in (p.strip().lower() for p in parts) if n))
    unknown = [name for name in chosen if name not in allowed]
    if unknown or not chosen:
        raise OptionsError(f"unknown output format(s) {', '.join(unknown) or '(none given)'}: use a comma-separated "
                           f"subset of {','.join(allowed)}")  # fmt: skip
    return chosen


def _target(save_path: Path | str, default_name: str) -> Path:
    """A folder gets `default_name` inside it; a path with a suffix is used as the file name."""
    path = Path(save_path)
    return path if path.suffix and not path.is_dir() else path / default_name


class PageOutput:
    """One page's result, PaddleOCR-VL style. `restructure` says what the document joining it will restructure
    across pages (the page itself is never restructured); `document` is the stem of its document's outputs
    (default: the input's file name)."""

    def __init__(
        self,
        page: PageResult,
        markdown_ignore_labels: Sequence[str] = DEFAULT_MARKDOWN_IGNORE_LABELS,
        restructure: RestructureOptions = DEFAULT_RESTRUCTURING,
        document: str | None = None,
    ):
        self.page = page
        self.markdown_ignore_labels = tuple(markdown_ignore_labels)
        self.restructure = restructure
        self.document = document or document_name(page.input_path)

    @property
    def name(self) -> str:
        return page_stem(self.document, self.page.page_index)

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
        target = _target(save_path, layout_picture_name(self.document, self.page.page_index))
        write_image(target, layout_picture(self.page))
        return target

    def save_page_files(self, folder: Path, formats: Sequence[str]) -> list[Path]:
        """The page's share of its document's folder: its layout picture (``img``), its own JSON and Markdown
        (``pages``) and its cropped pictures (``md`` or ``pages``, whose Markdown shows them)."""
        folder = Path(folder)
        written = []
        if "img" in formats:
            written.append(self.save_to_img(folder / layout_picture_name(self.document, self.page.page_index)))
        if "pages" in formats:
            written += [
                self.save_to_json(folder / f"{self.name}_res.json"),
                self.save_to_markdown(folder / f"{self.name}.md"),
            ]
        elif "md" in formats:
            write_block_pictures(self.page.blocks, folder)
        return written

    def __repr__(self) -> str:
        page = self.page
        where = f"page {page.page_index + 1}/{page.page_count}"
        return f"PageOutput({page.input_path.name!r}, {where}, {len(page.blocks)} blocks)"


class DocumentOutput:
    """All pages of one input joined: one Markdown text and one JSON, restructured across pages (a table
    continued on the next page merged, heading levels over the whole document, a paragraph cut by a page break
    joined) as `restructure` says; by default as the pages' own options say."""

    def __init__(
        self, pages: Sequence[PageOutput], restructure: RestructureOptions | None = None, name: str | None = None
    ):
        if not pages:
            raise ValueError("a document needs at least one page")
        self.pages = list(pages)
        self.restructure = restructure if restructure is not None else self.pages[0].restructure
        self._name = name

    @cached_property
    def restructured(self) -> list[PageResult]:
        """The pages as the document outputs show them (copies; `pages` keep the engine's per-page results)."""
        return restructure_pages([p.page for p in self.pages], self.restructure)

    @property
    def input_path(self) -> Path:
        return self.pages[0].page.input_path

    @property
    def name(self) -> str:
        """The stem of the document's files: as given, else its pages' document name."""
        return self._name or self.pages[0].document

    @property
    def markdown(self) -> str:
        return document_markdown(self.restructured, self.pages[0].markdown_ignore_labels)

    @property
    def json(self) -> dict:
        return document_json(self.restructured, self.input_path)

    def print(self) -> None:
        print(self.markdown)

    def save_to_markdown(self, save_path: Path | str) -> Path:
        """The document's Markdown, with its pictures under ``imgs/`` beside it."""
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

    def save_document_files(self, folder: Path, formats: Sequence[str]) -> list[Path]:
        """The whole document's own files in `folder`: its JSON (``json``) and its Markdown (``md``), written
        once all its pages are (a batch writes each page's share as the page finishes)."""
        written = []
        if "json" in formats:
            written.append(self.save_to_json(Path(folder) / f"{self.name}.json"))
        if "md" in formats:  # its pictures are its pages' share (`PageOutput.save_page_files`)
            target = Path(folder) / f"{self.name}.md"
            write_text(target, self.markdown)
            written.append(target)
        return written

    def save_all(self, folder: Path | str, formats: Sequence[str] = DEFAULT_FORMATS) -> list[Path]:
        """Everything `formats` asks for in `folder`, laid out as ``ocrvl parse`` lays out a document folder."""
        folder = Path(folder)
        written = [path for page in self.pages for path in page.save_page_files(folder, formats)]
        return written + self.save_document_files(folder, formats)


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
