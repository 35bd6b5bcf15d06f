"""The vl engines cut in two for a Ray run: the layout side a page worker holds (no recognizer), and the pages
the driver assembles from the page workers' plans and the recognizer actors' texts (no model at all)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ocrvl.cluster.worker import EngineIdentity
from ocrvl.engines.vl import LocalRecognizer, PlannedPage, VlEngine
from ocrvl.inference import Placement, RecognitionRequest, RecognitionResult
from ocrvl.naming import document_name, name_pictures
from ocrvl.options import PipelineOptions
from ocrvl.releases import RELEASES, recognizer_repos
from ocrvl.types import PageResult


class NoRecognizer:
    """The recognizer of a vl engine that only runs layout (a page worker) or only assembles pages (the driver):
    the recognizer actors read the crops."""

    def __init__(self, placement: Placement | None = None):
        self.placement = placement  # where the layout model runs when the engine is built around this

    def submit(self, request: RecognitionRequest) -> None:
        raise RuntimeError("this vl engine reads no crops on a Ray run: the recognizer actors do")

    def close(self) -> None:
        pass


def layout_engine(options: PipelineOptions) -> VlEngine:
    """The vl engine of a page worker: the layout model of the run on this node's CPU (page workers reserve no
    GPU), with the release and names the full engine would have; it plans pages, it does not read them."""
    from ocrvl.inference import resolve_placement
    from ocrvl.models.locate import resolve_model_dir

    on_cpu = replace(options, inference=replace(options.inference, device="cpu"))
    if options.vl_rec_backend != "local":
        return VlEngine.from_options(on_cpu)  # the server's client is made, never used
    directory = resolve_model_dir(options.vl_rec_model_dir, recognizer_repos(options.pipeline_version))
    stand_in = NoRecognizer(resolve_placement(on_cpu.inference))
    return VlEngine.from_options(on_cpu, LocalRecognizer(stand_in, directory))  # type: ignore[arg-type]


def page_assembler(options: PipelineOptions, identity: EngineIdentity) -> VlEngine:
    """The vl engine the driver assembles pages with: the run's options, the names and the release of the models
    the page workers loaded (`identity`), and no model."""
    release = RELEASES[identity.release or "v1"]
    return VlEngine(options, identity.detector, NoRecognizer(), identity.recognizer_name or "", release)


def assemble_pages(
    engine: VlEngine,
    source: Path,
    plans: Sequence[PlannedPage | PageResult],
    texts: Sequence[dict[int, RecognitionResult]],
) -> list[PageResult]:
    """The results of a task's pages: each plan with its crops' texts by block index (a page that could not be
    loaded comes as its failed result), pictures named as a local run names them."""
    stem = document_name(source)
    return [
        plan if isinstance(plan, PageResult) else name_pictures(engine.assemble(plan, read), stem)
        for plan, read in zip(plans, texts, strict=True)
    ]
