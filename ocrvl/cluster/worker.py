"""The page workers: Ray actors holding the run's engine (models loaded once). A `PageWorker` reads whole page
ranges; for the vl engines, a `LayoutWorker` loads pages and runs their layout on a CPU and hands each page's crops
to a recognizer actor (`ocrvl.cluster.recognizer`), the rest of the page to the driver, which assembles it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ocrvl.batch import read_page_range
from ocrvl.cluster.storage import fetch_file
from ocrvl.documents import PageSelection, load_pages
from ocrvl.engines import Engine, create_engine
from ocrvl.errors import OcrvlError
from ocrvl.log import configure
from ocrvl.options import PipelineOptions
from ocrvl.pipeline import Pipeline
from ocrvl.types import Page, PageFailure, PageResult

if TYPE_CHECKING:
    from ocrvl.recognition.vl.routing import CropJob

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
    release: str | None = None  # the vl engines' pipeline_version, as the release resolved it

    @classmethod
    def of(cls, engine: object) -> EngineIdentity:
        detector = getattr(engine, "detector", None)
        release = getattr(engine, "release", None)
        return cls(getattr(engine, "name", "?"), getattr(engine, "recognizer_name", None),
                   ModelName(getattr(detector, "name", None)) if detector is not None else None,
                   getattr(release, "version", None))  # fmt: skip

    def analyze(self, page: Page) -> object:
        raise RuntimeError(_DRIVER_READS_NOTHING)

    def recognize(self, analysis: object) -> Future[PageResult]:
        raise RuntimeError(_DRIVER_READS_NOTHING)


@dataclass(frozen=True)
class PageCrops:
    """What a recognizer actor gets of a page: the crops layout cut from it, never the page itself."""

    source: str
    page_index: int
    jobs: list[CropJob]


def node_copy(source: str, origin: str | None) -> Path:
    """`source` on this node: a copy of the URL `origin` made on the driver's node, made here too when this node
    does not see it."""
    path = Path(source)
    if origin is not None and not path.exists():
        fetch_file(origin, path)
    return path


class _EngineHolder:
    """An actor holding one engine for the whole run (made a Ray actor by `ocrvl.cluster.session`)."""

    def __init__(self, options: PipelineOptions, verbosity: int, on_task: TaskHook | None = None):
        configure(verbosity)
        self.on_task = on_task
        self.pipeline: Pipeline | None = None
        # Kept for `identity` to raise: an actor whose __init__ raises dies, and Ray keeps only the text of why.
        self.problem: OcrvlError | None = None
        try:
            self.pipeline = Pipeline(options, engine=self.engine_for(options))
        except OcrvlError as exc:
            self.problem = exc

    @staticmethod
    def engine_for(options: PipelineOptions) -> Engine:
        return create_engine(options)

    def identity(self) -> EngineIdentity:
        """The engine's identity; raises why the worker has none (weights not found, ...)."""
        return EngineIdentity.of(self._pipeline().engine)

    def _started(self, source: str, indices: Sequence[int], origin: str | None) -> Path:
        if self.on_task is not None:
            self.on_task(Path(source), indices)
        return node_copy(source, origin)

    def _pipeline(self) -> Pipeline:
        if self.pipeline is None:
            raise self.problem or RuntimeError("the page worker has no engine")
        return self.pipeline


class PageWorker(_EngineHolder):
    """Holds the whole engine and reads the page ranges it is given."""

    def read(self, source: str, indices: Sequence[int], origin: str | None = None) -> list[PageResult]:
        """The results of pages `indices` of `source` (a part of the document, see `ocrvl.batch.read_page_range`).
        `source` is a copy of the URL `origin` on the driver's node: a node that does not see it makes its own."""
        return list(read_page_range(self._pipeline(), self._started(source, indices, origin), indices))


class LayoutWorker(_EngineHolder):
    """Holds the vl engine's layout side on this node's CPU (the layout model, the orientation classifier; never
    the recognizer) and plans the page ranges it is given."""

    @staticmethod
    def engine_for(options: PipelineOptions) -> Engine:
        from ocrvl.cluster.assembly import layout_engine

        return layout_engine(options)

    def plan(
        self, source: str, indices: Sequence[int], origin: str | None = None
    ) -> tuple[list[object], list[PageCrops]]:
        """Pages `indices` of `source` after layout, as two lists in page order: for the driver, each page's
        `ocrvl.engines.vl.PlannedPage` without its crops (or the failed result of a page that cannot be loaded);
        for a recognizer actor, each page's crops. A file that cannot be opened raises InputError."""
        pipeline = self._pipeline()
        path = self._started(source, indices, origin)
        load_options = replace(pipeline.load_options, pages=PageSelection.of(indices))
        plans: list[object] = []
        crops: list[PageCrops] = []
        for loaded in load_pages(path, load_options):
            if isinstance(loaded, PageFailure):
                plans.append(PageResult.failed(loaded))
                crops.append(PageCrops(source, loaded.index, []))
                continue
            planned = pipeline.engine.analyze(loaded)
            # the driver keeps the page image (pictures, the layout picture), not the PDF's words and rulings
            plans.append(replace(planned, page=replace(planned.page, words=[], rulings=[]), jobs=[]))
            crops.append(PageCrops(source, loaded.index, planned.jobs))
        return plans, crops
