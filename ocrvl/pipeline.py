"""Orchestration: input paths -> documents -> pages -> engine -> page results."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from pathlib import Path

from ocrvl.documents import SUPPORTED_SUFFIXES, LoadOptions, count_pages, iter_pages, parse_page_range
from ocrvl.engines import Engine, create_engine
from ocrvl.errors import InputError
from ocrvl.options import PipelineOptions
from ocrvl.prefetch import prefetch
from ocrvl.types import DocumentResult, PageResult

# Pages rendered ahead of layout, and analysed ahead of recognition: enough to keep every stage busy,
# few enough that a long document is never held in memory at once.
LOAD_AHEAD = 2
LAYOUT_AHEAD = 2
# Pages whose regions may be in recognition together (the inference core batches across them).
RECOGNITION_WINDOW = 4


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
        """Page results of one file, in page order. Raises InputError for unreadable files.

        Loading, layout and recognition overlap: page k+2 renders and page k+1's layout runs while page k
        is being recognized, each stage in its own thread with a bounded queue in between.
        """
        path = Path(path)
        stem = safe_name(path.stem)
        pages = prefetch(iter_pages(path, self.load_options), LOAD_AHEAD, "load")
        analyses = prefetch(map(self.engine.analyze, pages), LAYOUT_AHEAD, "layout")
        in_flight: deque[Future[PageResult]] = deque()
        try:
            for analysis in analyses:
                in_flight.append(self.engine.submit(analysis))
                while len(in_flight) > RECOGNITION_WINDOW or (in_flight and in_flight[0].done()):
                    yield _name_pictures(in_flight.popleft().result(), stem)
            while in_flight:
                yield _name_pictures(in_flight.popleft().result(), stem)
        finally:
            analyses.close()
            pages.close()

    def run_document(self, path: Path | str) -> DocumentResult:
        path = Path(path)
        return DocumentResult(input_path=path, pages=list(self.iter_document(path)))


def _name_pictures(result: PageResult, stem: str) -> PageResult:
    picture_count = 0
    for block in result.blocks:
        if block.image is not None:
            picture_count += 1
            block.image_path = f"imgs/{stem}_p{result.page_index + 1}_{block.label}_{picture_count}.jpg"
    return result
