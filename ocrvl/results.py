"""The document output: result objects that print, give their JSON and Markdown, and save themselves.

Every writer goes through them: API users, the CLI batch (`ocrvl.batch`, page files as pages finish, the
document's files at its end) and ``ocrvl serve``.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path

import numpy as np
from PIL import Image

from ocrvl.errors import OptionsError
from ocrvl.naming import document_name, layout_picture_name, paddle_picture_path, paddle_result_stem, page_stem
from ocrvl.outputs import write_block_pictures, write_bytes, write_image, write_json, write_text
from ocrvl.postprocess.cross_page import (
    DEFAULT_RESTRUCTURING,
    RestructureOptions,
    restructure_pages,
)
from ocrvl.postprocess.json_output import document_json, page_json
from ocrvl.postprocess.markdown import DEFAULT_MARKDOWN_IGNORE_LABELS, document_markdown, page_markdown
from ocrvl.postprocess.paddle_json import PaddleSource, paddle_model_settings, paddle_page_json
from ocrvl.postprocess.paddle_markdown import MarkdownStyle, PaddleMarkdown, is_picture, markdown_images
from ocrvl.postprocess.tables import page_tables, table_workbook
from ocrvl.postprocess.visualize import layout_picture
from ocrvl.types import Block, PageResult

# What a document folder can hold: the document's Markdown (with its pictures) and JSON, each page's layout
# picture, each page's own JSON and Markdown, and the document's HTML viewer.
OUTPUT_FORMATS = ("md", "json", "img", "pages", "html")
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


def _paddle_target(save_path: Path | str, default_name: str, suffixes: tuple[str, ...]) -> Path:
    """Where a PaddleOCR-VL save method writes: `save_path` itself when it names a file of one of `suffixes`, else
    `default_name` inside it (as PaddleX decides)."""
    path = Path(save_path)
    return path if path.suffix.lower() in suffixes else path / default_name


_MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
# Inputs whose pages PaddleOCR-VL numbers (page_index, page_count); a single image has neither.
_PAGED_SUFFIXES = (".pdf", ".tif", ".tiff")


class ParsingBlock(dict):
    """One entry of ``res["parsing_res_list"]``: a dict with PaddleOCR-VL's JSON keys, also readable as PaddleX's
    block object (``block.label``, ``block.bbox``, ``block.content``, ``block.image``)."""

    def __init__(self, entry: dict, picture: dict | None = None):
        super().__init__(entry)
        self.image = picture  # {"path": "imgs/...", "img": PIL image} for a picture block, as PaddleX keeps it

    @property
    def label(self) -> str:
        return self["block_label"]

    @property
    def bbox(self) -> list[int]:
        return self["block_bbox"]

    @property
    def content(self) -> str:
        return self["block_content"]


class PageOutput(Mapping[str, object]):
    """One page's result, shaped as PaddleOCR-VL's: a read-only dict (``res["parsing_res_list"]``), ``res.json``
    (``{"res": {...}}``), ``res.markdown`` (``markdown_texts``, ``markdown_images``), ``res.img``, ``print`` and
    ``save_to_json`` / ``save_to_markdown`` / ``save_to_img`` / ``save_to_html`` / ``save_to_xlsx`` / ``save_all``
    with PaddleOCR-VL's arguments and file names.

    ocrvl's own page outputs, as ``ocrvl parse`` writes them, are `page_json`, `page_markdown` and
    `save_page_files`. `restructure` says what the document joining the page will restructure across pages;
    `document` is the stem of ocrvl's outputs (default: the input's file name); `source` where PaddleOCR-VL says
    the page came from (default: from the page); `paddle_settings` PaddleOCR-VL settings the run was given
    (``format_block_content``, ...), shown in ``model_settings``; `global_ids` the blocks' ids across a document
    restructured by ``restructure_pages``.
    """

    def __init__(
        self,
        page: PageResult,
        markdown_ignore_labels: Sequence[str] = DEFAULT_MARKDOWN_IGNORE_LABELS,
        restructure: RestructureOptions = DEFAULT_RESTRUCTURING,
        document: str | None = None,
        *,
        source: PaddleSource | None = None,
        paddle_settings: Mapping[str, object] | None = None,
        global_ids: Sequence[int] | None = None,
    ):
        self.page = page
        self.markdown_ignore_labels = tuple(markdown_ignore_labels)
        self.restructure = restructure
        self.document = document or document_name(page.input_path)
        self.source = source or _page_source(page)
        self.paddle_settings = dict(paddle_settings or {})
        self.global_ids = list(global_ids) if global_ids is not None else None

    # ocrvl's own outputs

    @property
    def name(self) -> str:
        """The stem of the page's files in ocrvl's document folder (``report_0``)."""
        return page_stem(self.document, self.page.page_index)

    @property
    def page_json(self) -> dict:
        """The page in ocrvl's JSON (what ``ocrvl parse --format pages`` writes)."""
        return page_json(self.page)

    @property
    def page_markdown(self) -> str:
        """The page in ocrvl's Markdown (what ``ocrvl parse --format pages`` writes)."""
        return page_markdown(self.page, self.markdown_ignore_labels)

    def save_page_files(self, folder: Path, formats: Sequence[str]) -> list[Path]:
        """The page's share of its document's folder: its layout picture (``img``), its own JSON and Markdown
        (``pages``) and its cropped pictures (``md`` or ``pages``, whose Markdown shows them)."""
        folder = Path(folder)
        written = []
        if "img" in formats:
            written.append(self.save_layout_picture(folder))
        if "pages" in formats:
            json_file, markdown_file = folder / f"{self.name}_res.json", folder / f"{self.name}.md"
            write_json(json_file, self.page_json)
            write_block_pictures(self.page.blocks, folder)
            write_text(markdown_file, self.page_markdown)
            written += [json_file, markdown_file]
        elif "md" in formats:
            write_block_pictures(self.page.blocks, folder)
        if "html" in formats:  # kept for the document's viewer, written at its end (`save_document_files`)
            from ocrvl.viewer import store_page_pictures

            store_page_pictures(self.page, folder)
        return written

    def save_layout_picture(self, folder: Path | str) -> Path:
        """ocrvl's layout picture (boxes, labels and reading order on the page) as ``{document}_{page}_layout.png``."""
        target = Path(folder) / layout_picture_name(self.document, self.page.page_index)
        write_image(target, layout_picture(self.page))
        return target

    # PaddleOCR-VL's result

    @cached_property
    def _paddle(self) -> dict:
        data = paddle_page_json(self.page, self.source, self.markdown_ignore_labels, self.global_ids,
                                self._block_formatter())  # fmt: skip
        data["model_settings"].update(self.paddle_settings)
        data["parsing_res_list"] = [
            ParsingBlock(entry, _picture(block)) for entry, block in zip(data["parsing_res_list"], self.page.blocks)
        ]
        return data

    def _settings(self) -> dict:
        return {**paddle_model_settings(self.page, self.markdown_ignore_labels), **self.paddle_settings}

    def _block_formatter(self):
        if not self.paddle_settings.get("format_block_content"):
            return None
        return PaddleMarkdown(MarkdownStyle.of(self.page, self._settings()), picture_of).block_content

    def __getitem__(self, key: str) -> object:
        return self._paddle[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paddle)

    def __len__(self) -> int:
        return len(self._paddle)

    @property
    def paddle_name(self) -> str:
        """The stem of the PaddleOCR-VL-style files: the input's name, ``_{page_index}`` for a page of a PDF or TIFF;
        for an image given as an array, a time stamp and a random number, as PaddleX names it."""
        if self.source.input_path is None:
            if not hasattr(self, "_array_name"):
                self._array_name = f"{int(time.time())}_{random.randint(1000, 9999)}"
            return self._array_name
        return paddle_result_stem(Path(self.source.input_path).name, self.source.page_index)

    @property
    def json(self) -> dict:
        """``{"res": page}``: the page in PaddleOCR-VL's JSON."""
        return {"res": json.loads(json.dumps(self._paddle, ensure_ascii=False))}

    @property
    def markdown(self) -> dict:
        """The page's Markdown as PaddleOCR-VL gives it (pretty): ``markdown_texts``, ``markdown_images`` (path ->
        PIL image), ``page_index`` and ``input_path``."""
        return self.to_markdown()

    def to_markdown(self, pretty: bool = True, show_formula_number: bool = False) -> dict:
        renderer = PaddleMarkdown(MarkdownStyle.of(self.page, self._settings(), pretty), picture_of)
        return {
            "markdown_texts": renderer.blocks(self.page.blocks, self._settings()["markdown_ignore_labels"],
                                              show_formula_number),  # fmt: skip
            "markdown_images": markdown_images(self.page.blocks, picture_of),
            "page_index": self.source.page_index,
            "input_path": self.source.input_path,
        }

    @property
    def img(self) -> dict[str, Image.Image]:
        """The page's pictures: ``layout_det_res``, the regions with their labels and reading order."""
        return {"layout_det_res": layout_picture(self.page)} if self._settings()["use_layout_detection"] else {}

    @property
    def html(self) -> dict[str, str]:
        """Each table of the page as an HTML page, keyed ``table_{block_id}``."""
        return page_tables(self.page)

    def print(self, json_format: bool = False, indent: int = 4, ensure_ascii: bool = False) -> None:
        """The page's result on stdout: as JSON with `json_format`, else as a Python dict."""
        if json_format:
            print(json.dumps(self.json, indent=indent, ensure_ascii=ensure_ascii))
        else:
            print(self.json)

    def save_to_json(self, save_path: Path | str, indent: int = 4, ensure_ascii: bool = False) -> Path:
        """``{stem}_res.json`` in the folder `save_path` (or the ``.json`` file it names)."""
        target = _paddle_target(save_path, f"{self.paddle_name}_res.json", (".json",))
        text = json.dumps(self.json["res"], indent=indent, ensure_ascii=ensure_ascii)
        write_text(target, text)
        return target

    def save_to_markdown(self, save_path: Path | str, pretty: bool = True, show_formula_number: bool = False) -> Path:
        """``{stem}.md`` in the folder `save_path` (or the Markdown file it names), its pictures under ``imgs/``
        beside it."""
        target = _paddle_target(save_path, f"{self.paddle_name}.md", _MARKDOWN_SUFFIXES)
        markdown = self.to_markdown(pretty, show_formula_number)
        for path, picture in markdown["markdown_images"].items():
            write_image(target.parent / path, picture)
        write_text(target, markdown["markdown_texts"])
        return target

    def save_to_img(self, save_path: Path | str) -> list[Path]:
        """``{stem}_layout_det_res.png`` in the folder `save_path` (or the image file it names)."""
        return self._save_each(save_path, self.img, ".png", _IMAGE_SUFFIXES, write_image)

    def save_to_html(self, save_path: Path | str) -> list[Path]:
        """Each table as ``{stem}_table_{block_id}.html`` in the folder `save_path`."""
        return self._save_each(save_path, self.html, ".html", (".html",), write_text)

    def save_to_xlsx(self, save_path: Path | str) -> list[Path]:
        """Each table as a spreadsheet, ``{stem}_table_{block_id}.xlsx`` in the folder `save_path` (merged cells
        kept)."""
        sheets = {key: table_workbook(html) for key, html in self.html.items()}
        return self._save_each(save_path, sheets, ".xlsx", (".xlsx",), write_bytes)

    def save_all(self, save_path: Path | str) -> list[Path]:
        """Every file PaddleOCR-VL writes for a page: JSON, layout picture, tables (HTML, XLSX), Markdown."""
        return [
            self.save_to_json(save_path),
            *self.save_to_img(save_path),
            *self.save_to_html(save_path),
            *self.save_to_xlsx(save_path),
            self.save_to_markdown(save_path),
        ]

    def _save_each(self, save_path, items: Mapping[str, object], suffix: str, suffixes: tuple[str, ...], write):
        path = Path(save_path)
        if path.suffix.lower() in suffixes:
            items = dict(list(items.items())[:1])  # one file named: the first (PaddleX warns and does the same)
            targets = {key: path for key in items}
        else:
            targets = {key: path / f"{self.paddle_name}_{key}{suffix}" for key in items}
        for key, value in items.items():
            write(targets[key], value)
        return list(targets.values())

    def __repr__(self) -> str:
        page = self.page
        where = f"page {page.page_index + 1}/{page.page_count}"
        return f"PageOutput({Path(page.input_path).name!r}, {where}, {len(page.blocks)} blocks)"


class PagesOutput(PageOutput):
    """Several pages of one document as one PaddleOCR-VL result (``restructure_pages(..., concatenate_pages=True)``):
    every page's blocks in one ``parsing_res_list``, ``page_index`` None, ``layout_det_res`` a list with each
    page's. Like PaddleOCR-VL's, it has no pictures, HTML or XLSX of its own (those save methods write nothing)."""

    def __init__(self, pages: Sequence[PageOutput]):
        first = pages[0]
        blocks, regions, ids, offset = [], [], [], 0
        for page in pages:
            # block and group ids count across the pages, so a stitched group keeps pointing at its first member
            blocks += [replace(b, block_id=b.block_id + offset, group_id=b.group_id + offset) for b in page.page.blocks]
            regions += page.page.regions
            ids += page.global_ids or range(offset, offset + len(page.page.blocks))
            offset += len(page.page.blocks)
        whole = replace(first.page, blocks=blocks, regions=regions, page_count=len(pages), image=None)
        source = PaddleSource(first.source.input_path, None, len(pages))
        super().__init__(whole, first.markdown_ignore_labels, first.restructure, first.document, source=source,
                         paddle_settings=first.paddle_settings, global_ids=ids)  # fmt: skip
        self.pages = list(pages)

    @cached_property
    def _paddle(self) -> dict:
        data = super()._paddle
        if "layout_det_res" in data:
            data["layout_det_res"] = [page["layout_det_res"] for page in self.pages]
        return data

    @property
    def img(self) -> dict[str, Image.Image]:
        return {}

    @property
    def html(self) -> dict[str, str]:
        return {}

    def save_to_xlsx(self, save_path: Path | str) -> list[Path]:
        return []

    def __repr__(self) -> str:
        name = Path(self.page.input_path).name
        return f"PagesOutput({name!r}, {len(self.pages)} pages, {len(self.page.blocks)} blocks)"


def _page_source(page: PageResult) -> PaddleSource:
    if Path(page.input_path).suffix.lower() in _PAGED_SUFFIXES:
        return PaddleSource(str(page.input_path), page.page_index, page.page_count)
    return PaddleSource(str(page.input_path), None, None)


def picture_of(block: Block) -> str | None:
    """The PaddleOCR-VL name of a picture block's crop (``imgs/img_in_image_box_...jpg``); None for other blocks."""
    return paddle_picture_path(block.label, block.region.bbox) if is_picture(block) else None


def _picture(block: Block) -> dict | None:
    path = picture_of(block)
    if path is None:
        return None
    return {"path": path, "img": Image.fromarray(np.asarray(block.image, dtype=np.uint8))}


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
    def input_path(self) -> Path | str:
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
        """Each page's layout picture, ``{name}_{page}_layout.png``, in the folder `save_path`."""
        return [p.save_layout_picture(save_path) for p in self.pages]

    def save_document_files(self, folder: Path, formats: Sequence[str]) -> list[Path]:
        """The whole document's own files in `folder`: its JSON (``json``), its Markdown (``md``) and its
        viewer (``html``), written once all its pages are (a batch writes each page's share as the page finishes)."""
        written = []
        if "json" in formats:
            written.append(self.save_to_json(Path(folder) / f"{self.name}.json"))
        if "md" in formats:  # its pictures are its pages' share (`PageOutput.save_page_files`)
            target = Path(folder) / f"{self.name}.md"
            write_text(target, self.markdown)
            written.append(target)
        if "html" in formats:
            from ocrvl.viewer import save_viewer

            written.append(save_viewer(self, Path(folder) / f"{self.name}.html", Path(folder)))
        return written

    def save_to_viewer(self, save_path: Path | str) -> Path:
        """The document's HTML viewer (pages with their blocks' boxes beside the content), one self-contained file;
        PaddleOCR-VL's ``save_to_html`` writes tables."""
        from ocrvl.viewer import save_viewer  # markdown-it and latex2mathml load only when a viewer is written

        return save_viewer(self, _target(save_path, f"{self.name}.html"))

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
