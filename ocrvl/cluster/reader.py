"""Reading a batch's pages on a Ray cluster: documents cut into page ranges (tasks) that the page workers read,
results handed back in page order to the batch writer (`ocrvl.batch.run_batch`), which writes them as a local run
does. A task is read whole by a page worker (`WholePages`), or for the vl engines planned by a page worker (loading
and layout) whose crops a recognizer actor reads, the driver assembling the pages (`SplitPages`).

While the writer waits for one document, the workers already read the next ones (documents with nothing on disk
yet, so nothing they read is wasted unless the run stops), a bounded number of pages ahead.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocrvl.batch import DocumentJob, remaining_pages
from ocrvl.documents import count_pages
from ocrvl.errors import OcrvlError
from ocrvl.outputs import staging_path
from ocrvl.pipeline import Pipeline, unless_no_page_loads
from ocrvl.types import PageResult

if TYPE_CHECKING:
    from ocrvl.engines.vl import VlEngine

# Calls sent to a worker at a time. One: a call queued behind another would die with it when a document kills its
# worker process, and use up its own retries for a fault that was not its own.
CALLS_PER_WORKER = 1
# Pages read ahead of the writer, per worker.
PAGES_AHEAD_PER_WORKER = 16


class WorkerLostError(OcrvlError):
    """The page worker or recognizer process reading a document's pages died on every try (killed, out of memory,
    a crash)."""


@dataclass(eq=False)  # told apart by identity: a document's queue entries
class _Part:
    """A task: some pages of one document, and its Ray calls once sent."""

    source: Path
    indices: list[int]
    origin: str | None = None  # the URL `source` is a copy of
    held: Any = None  # ray.ObjectRef of the page worker's call: the worker is free again when it is ready
    ref: Any = None  # ray.ObjectRef that is ready when the pages are (the page worker's, or the recognizer's call)
    plans: Any = None  # SplitPages: the page worker's plans of the pages
    worker: int | None = None
    recognizer: int | None = None  # SplitPages: the recognizer actor reading its crops


class WholePages:
    """Tasks read whole by page workers (`ocrvl.cluster.worker.PageWorker`): the lite engine, or a vl engine with
    its recognizer in every worker."""

    def send(self, part: _Part, worker: Any) -> None:
        part.held = part.ref = worker.read.remote(str(part.source), part.indices, part.origin)

    def collect(self, part: _Part, get: Callable[[Any, str], Any], job: DocumentJob) -> list[PageResult]:
        return get(part.ref, "worker")

    def release(self, part: _Part) -> None:
        pass


class SplitPages:
    """Tasks of the vl engines cut in two: a page worker (`ocrvl.cluster.worker.LayoutWorker`) loads the pages and
    runs layout; their crops go straight from it to the least busy recognizer actor
    (`ocrvl.cluster.recognizer.RecognizerWorker`), which reads the crops of all the tasks it has together; the
    driver assembles each page from its plan and its crops' texts (`ocrvl.cluster.assembly`)."""

    def __init__(self, recognizers: Sequence[Any], engine: VlEngine):
        self.recognizers = list(recognizers)
        self.engine = engine  # the driver's assembler
        self.calls = [0] * len(self.recognizers)

    def send(self, part: _Part, worker: Any) -> None:
        plans, crops = worker.plan.options(num_returns=2).remote(str(part.source), part.indices, part.origin)
        part.recognizer = min(range(len(self.recognizers)), key=self.calls.__getitem__)
        self.calls[part.recognizer] += 1
        part.held = part.plans = plans
        part.ref = self.recognizers[part.recognizer].read.remote(crops)

    def collect(self, part: _Part, get: Callable[[Any, str], Any], job: DocumentJob) -> list[PageResult]:
        from ocrvl.cluster.assembly import assemble_pages

        plans = get(part.plans, "worker")  # first: a page worker's failure is the cause of the recognizer's
        return assemble_pages(self.engine, job.source, plans, get(part.ref, "recognizer"))

    def release(self, part: _Part) -> None:
        if part.recognizer is not None:
            self.calls[part.recognizer] -= 1
            part.recognizer = None


Route = WholePages | SplitPages


@dataclass
class _Document:
    parts: list[_Part] = field(default_factory=list)


class ClusterReader:
    """A `ocrvl.batch.PageReader` whose pages are read by Ray actors, the tasks sent as `route` says (default:
    `WholePages`)."""

    def __init__(self, ray: Any, workers: Sequence[Any], pipeline: Pipeline, jobs: Sequence[DocumentJob],
                 pages_per_task: int, max_retries: int, origins: Mapping[Path, str] | None = None,
                 route: Route | None = None):  # fmt: skip
        self.ray = ray
        self.route = route or WholePages()
        self.origins = dict(origins or {})  # inputs copied from URLs: local copy -> URL
        self.pipeline = pipeline  # the driver's: its options select the pages
        self.workers = list(workers)
        self.pages_per_task = pages_per_task
        self.max_retries = max_retries
        self.upcoming = deque(jobs)
        self.planned: dict[Path, _Document] = {}
        self.queue: deque[_Part] = deque()
        self.in_flight: dict[Any, _Part] = {}  # page workers' calls, by the ref that frees the worker
        self.arrived: set[Any] = set()  # refs `ray.wait` found ready, of parts not collected yet
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
        origin = self.origins.get(job.source)
        parts = [_Part(job.source, indices[i : i + size], origin) for i in range(0, len(indices), size)]
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
                self._wait(part)
                try:
                    pages = self.route.collect(part, partial(self._get, part=part, job=job), job)
                finally:
                    self.route.release(part)
                    # its pages leave the object store; a long document is never held there whole
                    part.held = part.ref = part.plans = None
                yield from pages
        finally:
            self._drop(document)

    def _wait(self, part: _Part) -> None:
        """Until `part`'s pages are ready, sending tasks to the workers as they become free.

        A ref `ray.wait` found ready is never waited for again: a small result (a recognizer's texts) is ready at
        once, and waiting for it with a large one still being fetched (its plans) would return it again and again
        instead of the large one."""
        while True:
            self._dispatch()
            if part.ref is not None and part.held not in self.in_flight and part.ref in self.arrived:
                self.arrived -= {part.held, part.ref}
                return
            waiting = [*self.in_flight, *([part.ref] if part.ref is not None else [])]
            ready, _ = self.ray.wait([ref for ref in dict.fromkeys(waiting) if ref not in self.arrived], num_returns=1)
            for ref in ready:
                self.arrived.add(ref)
                done = self.in_flight.pop(ref, None)
                if done is not None:
                    self.calls[done.worker] -= 1

    def _get(self, ref: Any, actor: str, *, part: _Part, job: DocumentJob) -> Any:
        """The value of a call of `part` to a page worker or a recognizer (`actor`), or the error it raised."""
        ray = self.ray
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as exc:
            cause = exc.cause
            raise cause if isinstance(cause, Exception) else exc from None
        except ray.exceptions.RayActorError as exc:
            pages = f"{part.indices[0] + 1}-{part.indices[-1] + 1}"
            raise WorkerLostError(f"{job.source}: the Ray {actor} reading pages {pages} was lost "
                                  f"{self.max_retries + 1} time(s) ({type(exc).__name__}); the document is not "
                                  "written, the rest of the batch goes on") from None  # fmt: skip

    def _dispatch(self) -> None:
        self._plan_ahead()
        while self.queue:
            worker = min(range(len(self.workers)), key=self.calls.__getitem__)
            if self.calls[worker] >= CALLS_PER_WORKER:
                return
            part = self.queue.popleft()
            self.route.send(part, self.workers[worker])
            part.worker = worker
            self.calls[worker] += 1
            self.in_flight[part.held] = part

    def _drop(self, document: _Document) -> None:
        for part in document.parts:
            if part.ref is None:
                if part in self.queue:  # not sent yet
                    self.queue.remove(part)
                continue
            if part.held in self.in_flight:
                self.ray.cancel(part.held)
                del self.in_flight[part.held]
                self.calls[part.worker] -= 1
            if part.ref is not part.held:
                self.ray.cancel(part.ref)
            self.arrived -= {part.held, part.ref}
            self.route.release(part)
            part.held = part.ref = part.plans = None

    def prefetch(self) -> None:
        """Hand the workers the first documents before the writer asks for them."""
        self._dispatch()


def _on_disk(job: DocumentJob) -> bool:
    """Whether the document may be finished or resumable: then the writer decides what is left to read."""
    return job.folder.exists() or staging_path(job.folder).exists()
