"""Reading a batch's pages on a Ray cluster: documents cut into page ranges that the page workers read, results
handed back in page order to the batch writer (`ocrvl.batch.run_batch`), which writes them as a local run does.

While the writer waits for one document, the workers already read the next ones (documents with nothing on disk
yet, so nothing they read is wasted unless the run stops), a bounded number of pages ahead.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ocrvl.batch import DocumentJob, remaining_pages
from ocrvl.documents import count_pages
from ocrvl.errors import OcrvlError
from ocrvl.outputs import staging_path
from ocrvl.pipeline import Pipeline, unless_no_page_loads
from ocrvl.types import PageResult

# Calls sent to a worker at a time. One: a call queued behind another would die with it when a document kills its
# worker process, and use up its own retries for a fault that was not its own.
CALLS_PER_WORKER = 1
# Pages read ahead of the writer, per worker.
PAGES_AHEAD_PER_WORKER = 16


class WorkerLostError(OcrvlError):
    """The worker process reading a document's pages died on every try (killed, out of memory, a crash)."""


@dataclass(eq=False)  # told apart by identity: a document's queue entries
class _Part:
    """A task: some pages of one document, and its Ray call once submitted."""

    source: Path
    indices: list[int]
    ref: Any = None  # ray.ObjectRef
    worker: int | None = None


@dataclass
class _Document:
    parts: list[_Part] = field(default_factory=list)


class ClusterReader:
    """A `ocrvl.batch.PageReader` whose pages are read by Ray actors (`ocrvl.cluster.worker.PageWorker`)."""

    def __init__(self, ray: Any, workers: Sequence[Any], pipeline: Pipeline, jobs: Sequence[DocumentJob],
                 pages_per_task: int, max_retries: int, origins: Mapping[Path, str] | None = None):  # fmt: skip
        self.ray = ray
        self.origins = dict(origins or {})  # inputs copied from URLs: local copy -> URL
        self.pipeline = pipeline  # the driver's: its options select the pages
        self.workers = list(workers)
        self.pages_per_task = pages_per_task
        self.max_retries = max_retries
        self.upcoming = deque(jobs)
        self.planned: dict[Path, _Document] = {}
        self.queue: deque[_Part] = deque()
        self.in_flight: dict[Any, _Part] = {}
        self.calls = [0] * len(self.workers)

    def __call__(self, pipeline: Pipeline, job: DocumentJob, finished: Sequence[PageResult]) -> Iterator[PageResult]:
        if finished:
            document = self._plan(job, remaining_pages(pipeline, finished))
            return self._results(document, job)
        document = self.planned.pop(job.folder, None)
        if document is None:
            document = self._plan(job, self._selected_pages(job))
        return unless_no_page_loads(self._results(document, job), job.source)

    # ------------------------------------------------------------------ planning

    def _selected_pages(self, job: DocumentJob) -> list[int]:
        """The pages of `job` the run selects. A file that cannot be opened, or has none of the pages asked for,
        raises the InputError a local run reports for it."""
        options = self.pipeline.load_options
        total = count_pages(job.source, replace(options, pages=None))
        if options.pages is None:
            return list(range(total))
        count_pages(job.source, options)  # refuses a selection of pages the document does not have
        return list(options.pages.indices(total))

    def _plan(self, job: DocumentJob, indices: list[int], ahead: bool = False) -> _Document:
        size = self.pages_per_task
        parts = [_Part(job.source, indices[i : i + size]) for i in range(0, len(indices), size)]
        if ahead:
            self.queue.extend(parts)
        else:  # the document the writer waits for goes first
            self.queue.extendleft(reversed(parts))
        return _Document(parts)

    def _plan_ahead(self) -> None:
        """Plan the next documents that have nothing on disk yet, while the pages planned ahead of the writer (read
        or not: read ones wait in Ray's object store) are within budget."""
        budget = PAGES_AHEAD_PER_WORKER * len(self.workers)
        while self.upcoming and self._pages_ahead() < budget:
            job = self.upcoming.popleft()
            if job.folder in self.planned or _on_disk(job):
                continue
            try:
                self.planned[job.folder] = self._plan(job, self._selected_pages(job), ahead=True)
            except OcrvlError:
                continue  # the writer reaches it and reports why

    def _pages_ahead(self) -> int:
        return sum(len(part.indices) for document in self.planned.values() for part in document.parts)

    # ------------------------------------------------------------------ running

    def _results(self, document: _Document, job: DocumentJob) -> Iterator[PageResult]:
        """The document's pages in order as their tasks end; its tasks not yet read are dropped if it stops."""
        try:
            for part in document.parts:
                pages = self._wait(part, job)
                part.ref = None  # its pages leave the object store; a long document is never held there whole
                yield from pages
        finally:
            self._drop(document)

    def _wait(self, part: _Part, job: DocumentJob) -> list[PageResult]:
        ray = self.ray
        while True:
            self._dispatch()
            if part.ref is not None and part.ref not in self.in_flight:
                break
            ready, _ = ray.wait(list(self.in_flight), num_returns=1)
            for ref in ready:
                done = self.in_flight.pop(ref)
                self.calls[done.worker] -= 1
        try:
            return ray.get(part.ref)
        except ray.exceptions.RayTaskError as exc:
            cause = exc.cause
            raise cause if isinstance(cause, Exception) else exc from None
        except ray.exceptions.RayActorError as exc:
            pages = f"{part.indices[0] + 1}-{part.indices[-1] + 1}"
            raise WorkerLostError(f"{job.source}: the Ray worker reading pages {pages} was lost "
                                  f"{self.max_retries + 1} time(s) ({type(exc).__name__}); the document is not "
                                  "written, the rest of the batch goes on") from None  # fmt: skip

    def _dispatch(self) -> None:
        self._plan_ahead()
        while self.queue:
            worker = min(range(len(self.workers)), key=self.calls.__getitem__)
            if self.calls[worker] >= CALLS_PER_WORKER:
                return
            part = self.queue.popleft()
            origin = self.origins.get(part.source)
            part.ref = self.workers[worker].read.remote(str(part.source), part.indices, origin)
            part.worker = worker
            self.calls[worker] += 1
            self.in_flight[part.ref] = part

    def _drop(self, document: _Document) -> None:
        for part in document.parts:
            if part.ref is None:
                if part in self.queue:  # not sent yet
                    self.queue.remove(part)
            elif part.ref in self.in_flight:
                self.ray.cancel(part.ref)
                del self.in_flight[part.ref]
                self.calls[part.worker] -= 1
            part.ref = None

    def prefetch(self) -> None:
        """Hand the workers the first documents before the writer asks for them."""
        self._dispatch()


def _on_disk(job: DocumentJob) -> bool:
    """Whether the document may be finished or resumable: then the writer decides what is left to read."""
    return job.folder.exists() or staging_path(job.folder).exists()

