"""Parsing many files into an output folder: resumable, one bad file never stops the run.

Each document gets its own folder (mirroring the input folder structure), built in a staging
folder and swapped in only when complete, so a folder that exists is a finished document.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ocrvl.errors import OcrvlError
from ocrvl.log import logger
from ocrvl.outputs import StagedFolder, ensure_output_dir, write_block_pictures, write_image, write_json, write_text
from ocrvl.pipeline import Pipeline, discover_inputs, output_stem, safe_name
from ocrvl.postprocess.cross_page import RestructureOptions, restructure_pages
from ocrvl.postprocess.json_output import document_json, page_json
from ocrvl.postprocess.markdown import document_markdown, page_markdown
from ocrvl.postprocess.visualize import layout_picture
from ocrvl.types import PageResult

FORMATS = ("md", "json", "img", "pages")
DEFAULT_FORMATS = ("md", "json", "img")
ERRORS_FILE = "errors.json"


@dataclass
class BatchReport:
    written: list[Path] = field(default_factory=list)  # document folders produced by this run
    skipped: list[Path] = field(default_factory=list)  # already finished, left as they were
    failed: list[dict[str, str]] = field(default_factory=list)  # {"input": ..., "error": ...}

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class Job:
    source: Path
    folder: Path  # the document's output folder
    name: str  # file-name stem of its outputs


def plan_jobs(inputs: Iterable[Path | str], out_dir: Path) -> list[Job]:
    """One job per input document; documents whose names collide get ``_2``, ``_3`` folders."""
    jobs, used = [], set()
    for file, root in discover_inputs(inputs):
        rel = output_stem(file, root)
        rel = rel.with_name(safe_name(rel.name))
        candidate, n = rel, 1
        while candidate in used:
            n += 1
            candidate = rel.with_name(f"{rel.name}_{n}")
        used.add(candidate)
        jobs.append(Job(source=file, folder=out_dir / candidate, name=candidate.name))
    return jobs


def is_finished(job: Job, formats: Sequence[str]) -> bool:
    folder = job.folder
    needed = [folder / f"{job.name}.md"] if "md" in formats else []
    needed += [folder / f"{job.name}.json"] if "json" in formats else []
    return folder.is_dir() and all(p.exists() for p in needed)


def run_batch(
    pipeline: Pipeline,
    inputs: Sequence[Path | str],
    out_dir: Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    overwrite: bool = False,
    on_page: Callable[[], None] | None = None,
    on_document: Callable[[Job, int], None] | None = None,
) -> BatchReport:
    """Parse every input into `out_dir`. `on_page` is called per finished page; `on_document(job, pages_left)`
    when a document ends, with the number of its counted pages that were not processed (skips and failures)."""
    out_dir = ensure_output_dir(Path(out_dir))
    report = BatchReport()
    for job in plan_jobs(inputs, out_dir):
        expected = pipeline.count_pages(job.source)
        if not overwrite and is_finished(job, formats):
            report.skipped.append(job.folder)
            if on_document:
                on_document(job, expected)
            continue
        done = 0
        try:
            for _ in _write_document(pipeline, job, formats):
                done += 1
                if on_page:
                    on_page()
            report.written.append(job.folder)
        except OcrvlError as exc:
            report.failed.append({"input": str(job.source), "error": str(exc)})
            logger.error("%s", exc)
        except Exception as exc:  # a bug or a model failure on one file must not end the batch
            message = f"{job.source}: internal error ({type(exc).__name__}: {exc})"
            report.failed.append({"input": str(job.source), "error": message})
            logger.error("%s", message, exc_info=logger.isEnabledFor(logging.DEBUG))
        if on_document:
            on_document(job, max(0, expected - done))
    _write_errors(out_dir, report)
    return report


def _write_document(pipeline: Pipeline, job: Job, formats: Sequence[str]):
    """Yields after each page; the folder appears only once the whole document is written."""
    with StagedFolder(job.folder) as staged:
        folder = staged.path
        assert folder is not None
        pages: list[PageResult] = []
        for page in pipeline.iter_document(job.source):
            if "img" in formats:
                write_image(folder / f"{job.name}_{page.page_index}_layout.png", layout_picture(page))
            if "pages" in formats:
                stem = f"{job.name}_{page.page_index}"
                write_json(folder / f"{stem}_res.json", page_json(page))
                write_text(folder / f"{stem}.md", page_markdown(page, pipeline.options.markdown_ignore_labels))
            if "md" in formats or "pages" in formats:
                write_block_pictures(page.blocks, folder)
            for block in page.blocks:
                block.image = None  # pictures are on disk; keep memory flat on long documents
            page.image = None
            pages.append(page)
            yield page
        document = restructure_pages(pages, RestructureOptions.from_options(pipeline.options))
        if "json" in formats:
            write_json(folder / f"{job.name}.json", document_json(document, job.source))
        if "md" in formats:
            write_text(folder / f"{job.name}.md", document_markdown(document, pipeline.options.markdown_ignore_labels))
        staged.commit()


def _write_errors(out_dir: Path, report: BatchReport) -> None:
    path = out_dir / ERRORS_FILE
    if report.failed:
        write_json(path, report.failed)
    elif path.exists():
        path.unlink()
