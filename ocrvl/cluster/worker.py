"""The page worker: a Ray actor holding the run's engine (models loaded once) that reads page ranges."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from ocrvl.batch import read_page_range
from ocrvl.cluster.storage import fetch_file
from ocrvl.errors import OcrvlError
from ocrvl.log import configure
from ocrvl.options import PipelineOptions
from ocrvl.pipeline import Pipeline
from ocrvl.types import Page, PageResult

# Called in the worker with a task's document and page indices as the task starts (monitoring, fault drills).
TaskHook = Callable[[Path, Sequence[int]], None]
_DRIVER_READS_NOTHING = "the engine of a cluster run lives on its workers; the driver only writes"


@dataclass(frozen=True)
class ModelName:
    name: str | None


@dataclass(frozen=True)
class EngineIdentity:
    """What a run's recipe records of the engine the workers hold (`ocrvl.resume.OutputRecipe`): the driver writes
    with this stand-in, so a cluster run's manifests match a local run's; it reads nothing itself."""

    name: str
    recognizer_name: str | None = None
    detector: ModelName | None = None

    @classmethod
    def of(cls, engine: object) -> EngineIdentity:
        detector = getattr(engine, "detector", None)
        return cls(getattr(engine, "name", "?"), getattr(engine, "recognizer_name", None),
                   ModelName(getattr(detector, "name", None)) if detector is not None else None)  # fmt: skip

    def analyze(self, page: Page) -> object:
        raise RuntimeError(_DRIVER_READS_NOTHING)

    def recognize(self, analysis: object) -> Future[PageResult]:
        raise RuntimeError(_DRIVER_READS_NOTHING)


class PageWorker:
    """Holds one engine for the whole run and reads the pages it is given (made a Ray actor by `ocrvl.cluster`)."""

    def __init__(self, options: PipelineOptions, verbosity: int, on_task: TaskHook | None = None):
        configure(verbosity)
        self.on_task = on_task
        self.pipeline: Pipeline | None = None
        # Kept for `identity` to raise: an actor whose __init__ raises dies, and Ray keeps only the text of why.
        self.problem: OcrvlError | None = None
        try:
            self.pipeline = Pipeline(options)
        except OcrvlError as exc:
            self.problem = exc

    def identity(self) -> EngineIdentity:
        """The engine's identity; raises why the worker has none (weights not found, ...)."""
        return EngineIdentity.of(self._pipeline().engine)

    def read(self, source: str, indices: Sequence[int], origin: str | None = None) -> list[PageResult]:
        """The results of pages `indices` of `source` (a part of the document, see `ocrvl.batch.read_page_range`).
        `source` is a copy of the URL `origin` on the driver's node: a node that does not see it makes its own."""
        if self.on_task is not None:
            self.on_task(Path(source), indices)
        if origin is not None and not Path(source).exists():
            fetch_file(origin, Path(source))
        return list(read_page_range(self._pipeline(), Path(source), indices))

    def _pipeline(self) -> Pipeline:
        if self.pipeline is None:
            raise self.problem or RuntimeError("the page worker has no engine")
        return self.pipeline
