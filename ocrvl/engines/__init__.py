"""Page engines turn a `Page` into a `PageResult`: the protocol, and `create_engine`, which picks one
from the options (the engines themselves: `lite`, `vl`)."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Protocol

from ocrvl.engines.lite import LiteEngine
from ocrvl.log import logger
from ocrvl.models.locate import candidates, layout_candidates
from ocrvl.options import PipelineOptions
from ocrvl.types import Page, PageResult


class Engine(Protocol):
    """Two stages, which the pipeline runs concurrently on consecutive pages.

    ``analyze`` (layout) runs in the pipeline's layout thread. ``submit`` hands the analysis to recognition
    and returns at once; its future completes when the page is read. An engine with an asynchronous
    recognizer (the inference core) reads regions of several pages together while the next page's layout
    runs; the lite engine does all its work in ``analyze``.
    """

    name: str

    def analyze(self, page: Page) -> object: ...

    def submit(self, analysis: object) -> Future[PageResult]: ...


def create_engine(options: PipelineOptions) -> Engine:
    """The engine the options ask for; ``auto`` says which one it chose and why."""
    if options.engine in ("vl", "vl-server"):
        from ocrvl.engines.vl import VlEngine

        return VlEngine.from_options(options)
    if options.engine == "auto":
        missing = _missing_vl_weights(options)
        if missing is None:
            from ocrvl.engines.vl import VlEngine

            logger.info("engine: vl (auto; PaddleOCR-VL and PP-DocLayoutV2 weights found)")
            return VlEngine.from_options(options)
        logger.info("engine: lite (auto; %s, `ocrvl models list` shows where ocrvl looks)", missing)
    return LiteEngine(options)


def recognizer_if_found(options: PipelineOptions):
    """The PaddleOCR-VL recognizer for a server whose documents go through the lite engine: loaded when its
    weights are found (a folder named in the options must load), None when there are none (one log line)."""
    from ocrvl.engines.vl import load_local_recognizer

    if options.vl_rec_model_dir is None and not any(c.usable for c in candidates(None)):
        logger.info("no PaddleOCR-VL weights found: documents are parsed with the lite engine and chat completions "
                    "are refused (`ocrvl models list` shows where ocrvl looks)")  # fmt: skip
        return None
    return load_local_recognizer(options)[0]


def _missing_vl_weights(options: PipelineOptions) -> str | None:
    """What keeps the vl engine from running here, or None when both models are found."""
    recognizer = next((c for c in candidates(options.vl_rec_model_dir) if c.usable), None)
    if recognizer is None:
        return "no PaddleOCR-VL weights found"
    layout = next((c for c in layout_candidates(options.layout_detection_model_dir, recognizer.path) if c.usable), None)
    if layout is None:
        return f"PaddleOCR-VL weights are at {recognizer.path}, but no PP-DocLayoutV2 layout weights were found"
    return None
