"""Orchestration: input paths -> documents -> pages -> engine -> page results."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from ocrvl.documents import SUPPORTED_SUFFIXES, LoadOptions, count_pages, iter_pages, parse_page_range
from ocrvl.engines import Engine, create_engine
from ocrvl.errors import InputError
from ocrvl.options import PipelineOptions
from ocrvl.types import DocumentResult, PageResult


def discover_inputs(paths: Iterable[Path | str]) -> list[tuple[Path, Path]]:
    """(file, root) pairs: files as given, folders searched recursively for supported documents.

    `root` is the folder a file was found under (its own parent for files given directly), so
    outputs can mirror the folder structure. Missing paths are kept: loading them reports the error.
    """
    found: list[tuple[Path, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES and not child.name.startswith("."):
                    found.append((child, path))
        else:
            found.append((path, path.parent))
    return found


def output_stem(file: Path, root: Path) -> Path:
    """Relative output location of a document, e.g. ``reports/2024/q1`` for ``reports/2024/q1.pdf``."""
    try:
        rel = file.relative_to(root)
    except ValueError:
        rel = Path(file.name)
    return rel.with_suffix("") if rel.suffix else rel


def safe_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("._") or "document"


class Pipeline:
    """Runs documents through the chosen engine; models load once and serve every document."""

    def __init__(self, options: PipelineOptions | None = None, engine: Engine | None = None):
        self.options = options or PipelineOptions()
        self.load_options = LoadOptions(
            dpi=self.options.dpi,
            max_image_pixels=self.options.max_image_pixels,
            password=self.options.password,
            pages=parse_page_range(self.options.pages),
        )
        self.engine = engine or create_engine(self.options)

    def count_pages(self, path: Path) -> int:
        """Pages this run will process in `path`; 0 if the file cannot be opened (the run reports it)."""
        try:
            return count_pages(Path(path), self.load_options)
        except InputError:
            return 0

    def iter_document(self, path: Path | str) -> Iterator[PageResult]:
        """Page results of one file as they are produced. Raises InputError for unreadable files."""
        path = Path(path)
        stem = safe_name(path.stem)
        for page in iter_pages(path, self.load_options):
            result = self.engine.process(page)
            picture_count = 0
            for block in result.blocks:
                if block.image is not None:
                    picture_count += 1
                    block.image_path = f"imgs/{stem}_p{page.index + 1}_{block.label}_{picture_count}.jpg"
            yield result

    def run_document(self, path: Path | str) -> DocumentResult:
        path = Path(path)
        return DocumentResult(input_path=path, pages=list(self.iter_document(path)))
