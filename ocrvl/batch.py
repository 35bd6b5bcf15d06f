"""Parsing many files into an output folder: resumable, one bad file never stops the run.

Each document gets its own folder (mirroring the input folder structure), built in a staging folder and swapped
in only when complete, with a manifest (`ocrvl.resume.Manifest`) saying which input and which options produced
it. A later run skips a document only when its folder holds the result of the same input content and the same
output options, with at least the formats asked for; it resumes an interrupted document from its last finished
page. Two inputs never share a folder. ``errors.json`` in the output folder lists the inputs, and the pages,
that could not be parsed, and keeps each entry until a later run parses that input again.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ocrvl import __version__
from ocrvl.documents import load_pages
from ocrvl.errors import InputError, OcrvlError
from ocrvl.log import logger
from ocrvl.naming import output_stem, safe_name
from ocrvl.outputs import (
    StagedFolder,
    discard_staging,
    ensure_output_dir,
    read_json,
    staging_path,
    sweep_staging,
    write_json,
)
from ocrvl.pipeline import Pipeline, discover_inputs
from ocrvl.results import DEFAULT_FORMATS, DocumentOutput, PageOutput
from ocrvl.resume import Manifest, OutputRecipe, PageStore, Provenance
from ocrvl.types import PageFailure, PageResult

ERRORS_FILE = "errors.json"


@dataclass(frozen=True)
class BatchOptions:
    """formats: the outputs to write (see `ocrvl.results.OUTPUT_FORMATS`). overwrite: parse documents again even
    when finished."""

    formats: tuple[str, ...] = DEFAULT_FORMATS
    overwrite: bool = False


@dataclass(frozen=True)
class DocumentJob:
    """One input document of a batch run, and where its outputs go."""

    source: Path
    folder: Path  # the document's output folder
    name: str  # file-name stem of its outputs
    page_count: int | None = None  # pages the run will process, when counted (0: the file cannot be opened)
    given: str | None = None  # the URL the user gave, when `source` is this node's copy of it

    @property
    def input_name(self) -> str:
        """The input as the user named it (errors.json)."""
        return self.given or str(self.source)


@dataclass(frozen=True)
class Batch:
    out_dir: Path
    jobs: list[DocumentJob]


@dataclass
class BatchReport:
    written: list[Path] = field(default_factory=list)  # document folders produced by this run
    skipped: list[Path] = field(default_factory=list)  # already finished, left as they were
    failed: list[dict] = field(default_factory=list)  # {"input", "error"}: documents not written
    failed_pages: list[dict] = field(default_factory=list)  # {"input", "page", "error"}: pages of written documents
    interrupted: DocumentJob | None = None  # the document being parsed when the run was interrupted
    interrupted_pages: int = 0  # its pages finished (kept in its staging folder for the next run)
    settled: list[str] = field(default_factory=list)  # inputs written, skipped or failed by this run (as named)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.failed_pages


def plan_batch(
    inputs: Iterable[Path | str], out_dir: Path | str, count_pages: Callable[[Path], int] | None = None
) -> Batch:
    """One job per input document (a file reached twice is one document), its pages counted by `count_pages`
    when given (for progress). The output folder is never read as input. A document's folder is the first of
    ``name``, ``name_2``, ... that no other document of this run takes and that does not hold another input's
    results."""
    out_dir = ensure_output_dir(Path(out_dir))
    jobs: list[DocumentJob] = []
    used: set[Path] = set()
    for file, root in discover_inputs(inputs, exclude=[out_dir]):
        rel = output_stem(file, root)
        rel = rel.with_name(safe_name(rel.name))
        source = str(file.resolve())
        candidate, n = rel, 1
        while out_dir / candidate in used or not _may_hold(out_dir / candidate, source):
            n += 1
            candidate = rel.with_name(f"{rel.name}_{n}")
        used.add(out_dir / candidate)
        count = count_pages(file) if count_pages is not None else None
        jobs.append(DocumentJob(file, out_dir / candidate, candidate.name, count))
    return Batch(out_dir, jobs)


def _may_hold(folder: Path, source: str) -> bool:
    """Whether the document `source` may write `folder`: it is free, or holds that document's results (or
    results of an ocrvl version without manifests, which are taken over)."""
    if not folder.exists() and not folder.is_symlink():
        return True
    if not folder.is_dir():
        return False
    manifest = Manifest.read(folder)
    if manifest is not None:
        return manifest.provenance.input == source
    return not any(folder.iterdir()) or any(
        (folder / f"{folder.name}{suffix}").is_file() for suffix in (".md", ".json", "_0_layout.png")
    )


def run_batch(
    pipeline: Pipeline,
    batch: Batch,
    options: BatchOptions | None = None,
    on_page: Callable[[], None] | None = None,
    on_document: Callable[[DocumentJob, int], None] | None = None,
    reader: PageReader | None = None,
) -> BatchReport:
    """Parse every job of `batch`. `on_page` is called per finished page; `on_document(job, pages_left)` when a
    document ends, with the number of its counted pages that were not processed (skips and failures). `reader`
    reads the pages (default: `read_here`, in this process); whoever reads them, this function writes them.

    Staging folders left in the output folder by killed runs are removed first, except those of this batch's
    documents, which are resumed. An interruption (KeyboardInterrupt) ends the run early with the report so
    far; the interrupted document's finished pages stay staged for the next run. ``errors.json`` is updated in
    every case."""
    options = options or BatchOptions()
    reader = reader or read_here
    report = BatchReport()
    recipe = OutputRecipe.of(pipeline.options, pipeline.engine)
    sweep_staging(batch.out_dir, keep={staging_path(job.folder) for job in batch.jobs})
    job, done = None, 0
    try:
        for job in batch.jobs:
            done = 0
            provenance = Provenance.of(job.source, recipe, options.formats)
            manifest = None if options.overwrite else _finished(job, provenance, options.formats)
            if manifest is not None:
                _skip(job, manifest, report)
            else:
                for _ in _parse_document(pipeline, job, options.formats, provenance, recipe, report, reader):
                    done += 1
                    if on_page:
                        on_page()
            report.settled.append(job.input_name)
            if on_document:
                on_document(job, max(0, (job.page_count or 0) - done))
    except KeyboardInterrupt:
        report.interrupted, report.interrupted_pages = job, done
    finally:
        update_errors(batch.out_dir, report)
    return report


def _skip(job: DocumentJob, manifest: Manifest, report: BatchReport) -> None:
    report.skipped.append(job.folder)
    report.failed_pages += [{"input": job.input_name, **error} for error in manifest.page_errors]
    discard_staging(job.folder)


def _parse_document(
    pipeline: Pipeline,
    job: DocumentJob,
    formats: Sequence[str],
    provenance: Provenance | None,
    recipe: OutputRecipe,
    report: BatchReport,
    reader: PageReader,
) -> Iterator[PageResult]:
    """Write one document, yielding after each page, and record its outcome in `report`: written (with its
    unreadable pages) or failed. Only an interruption goes through."""
    page_errors: list[dict] = []
    try:
        for page in _write_document(pipeline, job, formats, provenance, recipe, reader):
            if page.error is not None:
                page_errors.append({"input": job.input_name, **_page_error(page)})
            yield page
    except OcrvlError as exc:
        report.failed.append({"input": job.input_name, "error": str(exc)})
        logger.error("%s", exc)
    except Exception as exc:  # a bug or a model failure on one file must not end the batch
        message = f"{job.source}: internal error ({type(exc).__name__}: {exc})"
        report.failed.append({"input": job.input_name, "error": message})
        logger.error("%s", message, exc_info=logger.isEnabledFor(logging.DEBUG))
    else:
        report.written.append(job.folder)
        report.failed_pages += page_errors


def _finished(job: DocumentJob, provenance: Provenance | None, formats: Sequence[str]) -> Manifest | None:
    """The manifest of the job's folder when it is the finished result of this input and these options."""
    if provenance is None:
        return None
    manifest = Manifest.read(job.folder)
    if manifest is None or not manifest.provenance.same_result(provenance):
        return None
    if not set(formats) <= set(manifest.provenance.formats):
        return None
    needed = [f"{job.name}.{fmt}" for fmt in ("md", "json", "html") if fmt in formats]
    return manifest if all((job.folder / name).is_file() for name in needed) else None


def _write_document(
    pipeline: Pipeline,
    job: DocumentJob,
    formats: Sequence[str],
    provenance: Provenance | None,
    recipe: OutputRecipe,
    reader: PageReader,
) -> Iterator[PageResult]:
    """Yields after each page; the folder appears only once the whole document is written."""
    with StagedFolder(job.folder) as staged:
        folder = staged.path
        store = PageStore(folder)
        pages = _resumable_pages(staged, store, provenance, job)
        yield from pages
        for page in reader(pipeline, job, pages):
            _output(page, pipeline, job).save_page_files(folder, formats)
            for block in page.blocks:
                block.image = None  # pictures are on disk; keep memory flat on long documents
            page.image = None
            if provenance is not None:
                store.save(page)
            pages.append(page)
            yield page
        outputs = [_output(page, pipeline, job) for page in pages]
        DocumentOutput(outputs, pipeline.options.restructure_options(), job.name).save_document_files(folder, formats)
        store.finish()
        if provenance is not None:
            page_errors = tuple(_page_error(p) for p in pages if p.error is not None)
            Manifest(provenance, len(pages), page_errors, recipe.options, __version__).write(folder)
        staged.commit()


def _page_error(page: PageResult) -> dict:
    """A page that could not be read, as errors.json and the manifest list it (page counted from 1)."""
    return {"page": page.page_index + 1, "error": page.error}


def _output(page: PageResult, pipeline: Pipeline, job: DocumentJob) -> PageOutput:
    options = pipeline.options
    return PageOutput(page, options.markdown_ignore_labels, options.restructure_options(), job.name)


def _resumable_pages(staged: StagedFolder, store: PageStore, provenance: Provenance | None, job: DocumentJob) -> list:
    """The finished pages an interrupted run left in the staging folder, when it parsed the same input with the
    same options and formats; otherwise the staging folder is emptied and nothing is resumed."""
    if provenance is not None and store.provenance() == provenance:
        pages = list(store.load())
        if pages:
            logger.info("%s: resuming after page %d (%d page(s) finished by an interrupted run)", job.source,
                        pages[-1].page_index + 1, len(pages))  # fmt: skip
        return pages
    staged.reset()
    if provenance is not None:
        store.start(provenance)
    return []


# Reads the pages of a document not finished yet (`finished`: those an interrupted run left), in page order.
PageReader = Callable[[Pipeline, DocumentJob, Sequence[PageResult]], Iterator[PageResult]]


def read_here(pipeline: Pipeline, job: DocumentJob, finished: Sequence[PageResult]) -> Iterator[PageResult]:
    """The reader of a local run: the pages of `job` the run selects, except the `finished` ones, in this process
    (`ocrvl.cluster` reads them on a Ray cluster instead)."""
    if not finished:
        return pipeline.iter_document(job.source)
    return read_page_range(pipeline, job.source, remaining_pages(pipeline, finished))


def remaining_pages(pipeline: Pipeline, finished: Sequence[PageResult]) -> list[int]:
    """The 0-based indices of the pages the run selects in a document of which `finished` (not empty) are done."""
    selection = pipeline.load_options.pages
    done = {page.page_index for page in finished}
    return [i for i in range(finished[0].page_count) if (selection is None or i in selection) and i not in done]


def read_page_range(pipeline: Pipeline, source: Path, indices: Sequence[int]) -> Iterator[PageResult]:
    """The results of pages `indices` of `source`, a part of the document. The pipeline fails a document none of
    whose pages can be loaded; a part is not the document, so its pages that cannot be loaded come out as failed
    pages (the whole document's rule is for whoever holds all of it: resuming, its earlier pages were loaded)."""
    if not indices:
        return iter(())
    part = Pipeline(replace(pipeline.options, pages=_page_spec(indices)), engine=pipeline.engine)
    return _part_results(part, source)


def _part_results(part: Pipeline, source: Path) -> Iterator[PageResult]:
    yielded = False
    try:
        for result in part.iter_document(source):
            yielded = True
            yield result
    except InputError:
        if yielded:
            raise
        failures = list(load_pages(source, part.load_options))
        if not all(isinstance(failure, PageFailure) for failure in failures):
            raise
        yield from (PageResult.failed(failure) for failure in failures)


def _page_spec(indices: Sequence[int]) -> str:
    """0-based page indices, ascending, as a 1-based page selection: ``[0, 1, 2, 6]`` -> ``"1-3,7"``."""
    ranges: list[list[int]] = []
    for index in indices:
        if ranges and index == ranges[-1][1] + 1:
            ranges[-1][1] = index
        else:
            ranges.append([index, index])
    return ",".join(f"{a + 1}-{b + 1}" if b > a else f"{a + 1}" for a, b in ranges)


def update_errors(out_dir: Path, report: BatchReport) -> None:
    """``errors.json``: the entries of earlier runs for inputs this run did not settle, then this run's."""
    path = Path(out_dir) / ERRORS_FILE
    settled = {_identity(source) for source in report.settled}
    earlier = read_json(path)
    kept = [
        entry
        for entry in (earlier if isinstance(earlier, list) else [])
        if isinstance(entry, dict) and "input" in entry and _identity(entry["input"]) not in settled
    ]
    entries = kept + report.failed + report.failed_pages
    if entries:
        write_json(path, entries)
    elif path.exists():
        path.unlink()


def _identity(name: Path | str) -> str:
    """An input as errors.json entries are matched: a URL as given, a path resolved."""
    return str(name) if "://" in str(name) else os.path.realpath(name)
