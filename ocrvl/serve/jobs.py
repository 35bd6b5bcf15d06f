"""Parse jobs: a bounded queue in front of a few worker threads, results kept for a while, and a shutdown that
tells every job it cuts off why.

A job owns a temporary folder (the upload lives there); the folder goes when the job ends. The work itself is
a function handed in (``run(job, checkpoint)``): it calls ``checkpoint()`` between pages, which raises
`ShutdownInterrupt` once the shutdown's grace period is over.
"""

from __future__ import annotations

import queue
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ocrvl.errors import InputError, OcrvlError
from ocrvl.log import logger
from ocrvl.options import PipelineOptions

JobStatus = Literal["queued", "running", "done", "failed"]
# Why a job failed: its document (the client's to fix), a server shutdown, or anything else (the server's).
FailureKind = Literal["input", "shutdown", "internal"]
SHUTTING_DOWN = "server shutting down"


class QueueFullError(OcrvlError):
    """Every worker is busy and the queue is full."""


class ShuttingDownError(OcrvlError):
    """The server is shutting down and takes no new jobs."""


class ShutdownInterrupt(OcrvlError):
    """Raised by a job's checkpoint once the shutdown's grace period is over."""


@dataclass
class ParseJob:
    """One uploaded document to parse. ``done`` completes (with the job) when the job is done or failed."""

    filename: str
    path: Path
    workdir: Path
    options: PipelineOptions
    page_count: int
    formats: tuple[str, ...] = ("json", "md")
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    status: JobStatus = "queued"
    created: float = field(default_factory=time.time)
    finished: float | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    failure: FailureKind | None = None
    done: Future[ParseJob] = field(default_factory=Future, repr=False)
    pages_done: int = 0  # pages read so far, for progress
    archive: bytes | None = field(default=None, repr=False)  # the zip of every output, when the job asked for it

    @property
    def final(self) -> bool:
        return self.status in ("done", "failed")

    def describe(self) -> dict[str, Any]:
        """What a client sees: id, status, page count, and the result or the error when there is one."""
        view: dict[str, Any] = {"job_id": self.id, "status": self.status, "pages": self.page_count,
                                "pages_done": self.pages_done}  # fmt: skip
        if self.result is not None:
            view["result"] = self.result
        if self.error is not None:
            view["error"] = self.error
        return view


JobRunner = Callable[[ParseJob, Callable[[], None]], dict[str, Any]]


class JobManager:
    """At most ``max_concurrent`` jobs run at once and ``max_queued`` wait; finished jobs are kept for
    ``ttl_seconds``."""

    def __init__(self, run: JobRunner, max_concurrent: int, max_queued: int, ttl_seconds: float):
        self._run = run
        self.max_concurrent = max_concurrent
        self.max_queued = max_queued
        self.ttl_seconds = ttl_seconds
        self._jobs: dict[str, ParseJob] = {}
        self._queue: queue.Queue[ParseJob | None] = queue.Queue()
        self._lock = threading.Lock()
        self._stopping = False
        self._interrupting = False
        self._workers = [
            threading.Thread(target=self._work, name=f"ocrvl-parse-{k}", daemon=True) for k in range(max_concurrent)
        ]
        for worker in self._workers:
            worker.start()

    @property
    def stopping(self) -> bool:
        return self._stopping

    def submit(self, job: ParseJob) -> ParseJob:
        with self._lock:
            if self._stopping:
                raise ShuttingDownError(SHUTTING_DOWN)
            self._purge()
            active = sum(1 for j in self._jobs.values() if not j.final)
            if active >= self.max_concurrent + self.max_queued:
                raise QueueFullError(f"{self.max_concurrent} job(s) are running and {self.max_queued} waiting; "
                                     "try again later")  # fmt: skip
            self._jobs[job.id] = job
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> ParseJob | None:
        with self._lock:
            self._purge()
            return self._jobs.get(job_id)

    def counts(self) -> dict[str, int]:
        with self._lock:
            statuses = [job.status for job in self._jobs.values()]
        return {
            "running": statuses.count("running"),
            "queued": statuses.count("queued"),
            "max_concurrent_jobs": self.max_concurrent,
            "max_queued_jobs": self.max_queued,
        }

    def begin_shutdown(self) -> None:
        """Take no new jobs and fail the waiting ones; running ones go on (see `shutdown`)."""
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
            waiting = [job for job in self._jobs.values() if job.status == "queued"]
        for job in waiting:
            self._fail(job, SHUTTING_DOWN, "shutdown")
        for _ in self._workers:
            self._queue.put(None)

    def shutdown(self, grace_seconds: float) -> None:
        """Give running jobs ``grace_seconds`` to finish; those still running then fail with the reason."""
        self.begin_shutdown()
        deadline = time.monotonic() + grace_seconds
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        self._interrupting = True
        with self._lock:
            running = [job for job in self._jobs.values() if job.status == "running"]
        for job in running:
            self._fail(job, SHUTTING_DOWN, "shutdown")

    # ---------------------------------------------------------------------------------------- workers

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            with self._lock:
                if job.status != "queued":  # failed by a shutdown while it waited
                    continue
                job.status = "running"
            try:
                result = self._run(job, self._checkpoint)
            except ShutdownInterrupt:
                self._fail(job, SHUTTING_DOWN, "shutdown")
            except InputError as exc:
                self._fail(job, f"{job.filename}: {exc.problem}", "input")
            except OcrvlError as exc:
                self._fail(job, str(exc), "input")
            except Exception as exc:  # noqa: BLE001 - a job fails with its cause, the worker goes on
                logger.exception("parse job %s (%s) failed", job.id, job.filename)
                self._fail(job, f"parsing failed: {type(exc).__name__}: {exc}", "internal")
            else:
                self._settle(job, "done", result=result)

    def _checkpoint(self) -> None:
        if self._interrupting:
            raise ShutdownInterrupt(SHUTTING_DOWN)

    def _fail(self, job: ParseJob, message: str, failure: FailureKind) -> None:
        self._settle(job, "failed", error=message, failure=failure)

    def _settle(self, job: ParseJob, status: JobStatus, **outcome: Any) -> None:
        with self._lock:
            if job.final:
                return
            job.status = status
            for name, value in outcome.items():
                setattr(job, name, value)
            job.finished = time.time()
        shutil.rmtree(job.workdir, ignore_errors=True)
        job.done.set_result(job)

    def _purge(self) -> None:
        """Forget finished jobs older than the TTL (called with the lock held)."""
        horizon = time.time() - self.ttl_seconds
        expired = [job_id for job_id, job in self._jobs.items() if job.finished is not None and job.finished < horizon]
        for job_id in expired:
            del self._jobs[job_id]
