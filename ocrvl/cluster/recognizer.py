"""The recognizer actor of a Ray run of the vl engines: the recognizer held once, reading the crops of many pages
together."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from ocrvl.cluster.worker import PageCrops, TaskHook
from ocrvl.errors import OcrvlError
from ocrvl.inference import RecognitionRequest, RecognitionResult, Recognizer
from ocrvl.log import configure
from ocrvl.options import PipelineOptions

if TYPE_CHECKING:
    from ocrvl.recognition.vl.routing import CropJob


class RecognizerWorker:
    """Holds the vl engines' recognizer for the whole run: the inference core on this node's device (``vl``), or
    the client of the recognizer server (``vl-server``: one client, so ``vl_rec_max_concurrency`` bounds the whole
    run's requests). Its calls run concurrently (an async actor): every crop of every page in flight goes to the
    recognizer at once, so the inference core reads crops of several pages and documents in one batch."""

    def __init__(self, options: PipelineOptions, verbosity: int, on_task: TaskHook | None = None):
        configure(verbosity)
        self.on_task = on_task
        self.recognizer: Recognizer | None = None
        self.problem: OcrvlError | None = None  # raised by `ready`, as `ocrvl.cluster.worker.PageWorker` does
        try:
            self.recognizer = _load(options)
        except OcrvlError as exc:
            self.problem = exc

    def ready(self) -> None:
        """Returns once the recognizer is loaded; raises why it is not (weights not found, ...)."""
        self._recognizer()

    async def read(self, pages: list[PageCrops]) -> list[dict[int, RecognitionResult]]:
        """The texts of the pages' crops, by block index, a dict per page in the order given. A recognizer that
        cannot read at all (a server that is down) raises, and the pages fail as they do in a local run."""
        if self.on_task is not None and pages:
            self.on_task(Path(pages[0].source), [page.page_index for page in pages])
        recognizer = self._recognizer()
        submitted = [[(job.block_index, recognizer.submit(_request(page, job))) for job in page.jobs] for page in pages]
        return [{index: await asyncio.wrap_future(future) for index, future in page} for page in submitted]

    def _recognizer(self) -> Recognizer:
        if self.recognizer is None:
            raise self.problem or RuntimeError("the recognizer actor has no recognizer")
        return self.recognizer


def _load(options: PipelineOptions) -> Recognizer:
    from ocrvl.engines.vl import load_local_recognizer, remote_recognizer

    return load_local_recognizer(options).core if options.vl_rec_backend == "local" else remote_recognizer(options)


def _request(page: PageCrops, job: CropJob) -> RecognitionRequest:
    """The request of one of the page's crops, as the vl engine asks it."""
    from ocrvl.engines.vl import crop_request

    return crop_request(job, (page.source, page.page_index, job.block_index))
