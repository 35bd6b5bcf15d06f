"""Orchestration: input paths -> documents -> pages -> engine -> page results."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from pathlib import Path

from ocrvl.allocator import give_back_free_memory, reuse_freed_memory
from ocrvl.documents import SUPPORTED_SUFFIXES, LoadOptions, count_pages, load_pages, parse_page_range
from ocrvl.engines import Engine, create_engine
from ocrvl.errors import InputError
from ocrvl.log import logger
from ocrvl.naming import document_name, name_pictures
from ocrvl.options import PipelineOptions
from ocrvl.prefetch import prefetch
from ocrvl.types import Page, PageFailure, PageResult

# Pages rendered ahead of layout, and analysed ahead of recognition: enough to keep every stage busy,
# few enough that a long document is never held in memory at once.
LOAD_AHEAD = 2
LAYOUT_AHEAD = 2
# Pages whose regions may be in recognition together (the inference core batches across them).
RECOGNITION_WINDOW = 4


def discover_inputs(paths: Iterable[Path | str], exclude: Iterable[Path | str] = ()) -> list[tuple[Path, Path]]:
    """(file, root) pairs: files as given, folders searched recursively for supported documents.

    `root` is the folder a file was found under (its own parent for files given directly), so
    outputs can mirror the folder structure. Missing paths are kept: loading them reports the error.
    Inside folders, named pipes, devices and sockets are skipped with a warning (reading one could wait forever).
    Folder searches skip hidden entries and ocrvl's result folders (finished documents, staging folders, and the
    folders in `exclude`: a run's output folder). A file reached twice (named twice, through a folder and by
    name, or through a link) is listed once, where it is first reached.
    """
    from ocrvl.outputs import input_files

    found: list[tuple[Path, Path]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(input_files(path, exclude)):
                if child.suffix.lower() not in SUPPORTED_SUFFIXES or child.name.startswith("."):
                    continue
                if child.is_file():
                    found.append((child, path))
                elif child.exists() and not child.is_dir():
                    logger.warning("%s: skipped, not a regular file (a named pipe, device or socket)", child)
        else:
            found.append((path, path.parent))
    unique: dict[object, tuple[Path, Path]] = {}
    for file, root in found:
        try:
            stat = file.stat()
            key: object = (stat.st_dev, stat.st_ino)
        except OSError:
            key = str(file.resolve())
        unique.setdefault(key, (file, root))
    return list(unique.values())


class Pipeline:
    """Runs documents through the chosen engine; models load once and serve every document."""

    def __init__(self, options: PipelineOptions | None = None, engine: Engine | None = None):
        reuse_freed_memory()
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

        A page that cannot be loaded comes as a result with `error` set, and the other pages are still read;
        a document none of whose pages can be loaded raises InputError.

        Loading, layout and recognition overlap: page k+2 renders and page k+1's layout runs while page k
        is being recognized, each stage in its own thread with a bounded queue in between.
        """
        path = Path(path)
        yield from unless_no_page_loads(self._results(path), path)

    def _results(self, path: Path) -> Iterator[PageResult]:
        stem = document_name(path)
        pages = prefetch(load_pages(path, self.load_options), LOAD_AHEAD, "load")
        analyses = prefetch(map(self._analyze, pages), LAYOUT_AHEAD, "layout")
        in_flight: deque[Future[PageResult]] = deque()
        try:
            for analysis in analyses:
                in_flight.append(self._recognize(analysis))
                while len(in_flight) > RECOGNITION_WINDOW or (in_flight and in_flight[0].done()):
                    yield name_pictures(in_flight.popleft().result(), stem)
                    give_back_free_memory()
            while in_flight:
                yield name_pictures(in_flight.popleft().result(), stem)
                give_back_free_memory()
        finally:
            analyses.close()
            pages.close()

    def _analyze(self, loaded: Page | PageFailure) -> object:
        """The layout stage of a page; a page that could not be loaded goes on as its failed result."""
        return PageResult.failed(loaded) if isinstance(loaded, PageFailure) else self.engine.analyze(loaded)

    def _recognize(self, analysis: object) -> Future[PageResult]:
        if isinstance(analysis, PageResult) and analysis.error is not None:
            failed: Future[PageResult] = Future()
            failed.set_result(analysis)
            return failed
        return self.engine.recognize(analysis)


def unless_no_page_loads(results: Iterator[PageResult], path: Path) -> Iterator[PageResult]:
    """`results`, with failed pages held back until one page loads: when none does, the document fails as a
    whole (InputError with the first page's reason) instead of producing an empty result."""
    held: list[PageResult] | None = []
    try:
        for result in results:
            if held is None:
                yield _reported(result)
            elif result.error is not None:
                held.append(result)
            else:
                yield from map(_reported, held)
                held = None
                yield result
    finally:
        close = getattr(results, "close", None)  # stop the stages now if the consumer stops early
        if close is not None:
            close()
    if held:
        reason = str(held[0].error).removeprefix(f"{path}: ")
        raise InputError(path, reason if len(held) == 1 else f"none of its {len(held)} pages can be read: {reason}")


def _reported(result: PageResult) -> PageResult:
    if result.error is not None:
        logger.warning("%s (the other pages are parsed)", result.error)
    return result
