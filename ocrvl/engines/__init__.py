"""Page engines turn a `Page` into a `PageResult`: the protocol, and `create_engine`, which picks one
from the options (the engines themselves: `lite`, `vl`)."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ocrvl.engines.lite import LiteEngine
from ocrvl.log import logger
from ocrvl.models.locate import candidates, layout_candidates
from ocrvl.options import PipelineOptions
from ocrvl.releases import layout_models, recognizer_repos
from ocrvl.types import Page, PageResult

if TYPE_CHECKING:
    from ocrvl.engines.vl import LocalRecognizer


class Engine(Protocol):
    """Two stages, which the pipeline runs concurrently on consecutive pages.

    ``analyze`` (layout) runs in the pipeline's layout thread. ``recognize`` hands the analysis to recognition
    and returns at once; its future completes when the page is read. An engine with an asynchronous
    recognizer (the inference core) reads regions of several pages together while the next page's layout
    runs; the lite engine does all its work in ``analyze``.
    """

    name: str

    def analyze(self, page: Page) -> object: ...

    def recognize(self, analysis: object) -> Future[PageResult]: ...


@dataclass(frozen=True)
class EngineChoice:
    """The engine the options ask for, and why it is the one (``ocrvl serve`` shows the reason at ``/health``)."""

    engine: Engine
    reason: str


def create_engine(options: PipelineOptions) -> Engine:
    """The engine the options ask for; ``auto`` says which one it chose and why."""
    return choose_engine(options).engine


def choose_engine(options: PipelineOptions, local: LocalRecognizer | None = None) -> EngineChoice:
    """The engine the options ask for and why; ``auto`` (the vl engine when its weights are found, else lite) logs
    its choice. ``local`` is a recognizer already loaded in this process (``ocrvl serve`` shares its own with the
    chat API): a vl engine reads with it, and ``auto`` then looks only for the layout weights."""
    if options.engine == "lite":
        return EngineChoice(LiteEngine(options), "lite asked for")
    if options.engine == "auto":
        name, reason = resolve_auto(options, local.directory if local is not None else None)
        logger.info("engine: %s (%s)", name, reason)
        if name == "lite":
            return EngineChoice(LiteEngine(options), reason)
    else:
        reason = f"{options.engine} asked for"
    from ocrvl.engines.vl import VlEngine

    return EngineChoice(VlEngine.from_options(options, local), reason)


def resolve_auto(options: PipelineOptions, recognizer_dir: Path | None = None) -> tuple[str, str]:
    """The engine ``auto`` runs here, ``vl`` when the PaddleOCR-VL weights it needs are found (its recognizer
    already loaded from `recognizer_dir`, or to be looked for) and ``lite`` otherwise, and why; loads nothing."""
    layout_model, missing = _vl_weights(options, recognizer_dir)
    if missing is not None:
        return "lite", f"auto; {missing}, `ocrvl models list` shows where ocrvl looks"
    if layout_model is None:
        return "vl", "auto; PaddleOCR-VL weights found (pages are read whole: no layout model needed)"
    return "vl", f"auto; PaddleOCR-VL and {layout_model} weights found"


def recognizer_if_found(options: PipelineOptions) -> LocalRecognizer | None:
    """The PaddleOCR-VL recognizer for a server whose documents go through the lite engine: loaded when its
    weights are found (a folder named in the options must load), None when there are none (one log line)."""
    from ocrvl.engines.vl import load_local_recognizer

    repos = recognizer_repos(options.pipeline_version)
    if options.vl_rec_model_dir is None and not any(c.usable for c in candidates(None, repos)):
        logger.info("no PaddleOCR-VL weights found: documents are parsed with the lite engine and chat completions "
                    "are refused (`ocrvl models list` shows where ocrvl looks)")  # fmt: skip
        return None
    return load_local_recognizer(options)


def _vl_weights(options: PipelineOptions, recognizer_dir: Path | None) -> tuple[str | None, str | None]:
    """The layout model found for the vl engine (its recognizer already loaded from `recognizer_dir`, or to be
    looked for; None when pages are read whole), and what keeps the engine from running here (None when the models
    it needs are found)."""
    if recognizer_dir is None:
        repos = recognizer_repos(options.pipeline_version)
        recognizer = next((c for c in candidates(options.vl_rec_model_dir, repos) if c.usable), None)
        if recognizer is None:
            return None, "no PaddleOCR-VL weights found"
        recognizer_dir = recognizer.path
    if options.page_label is not None:
        return None, None
    models = layout_models(options.pipeline_version, recognizer_dir)
    places = layout_candidates(options.layout_detection_model_dir, recognizer_dir, models,
                               recognizer_repos(options.pipeline_version))  # fmt: skip
    layout = next((c for c in places if c.usable), None)
    if layout is None:
        wanted = " or ".join(models)
        return None, f"PaddleOCR-VL weights are at {recognizer_dir}, but no {wanted} layout weights were found"
    return layout.model, None
