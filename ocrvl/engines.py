"""Engines turn a `Page` into a `PageResult`; `create_engine` picks one from the options."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import replace
from typing import Protocol

from ocrvl.deskew import deskew
from ocrvl.errors import EngineUnavailableError
from ocrvl.layout.cdla import CdlaLayoutDetector, CdlaOptions
from ocrvl.layout.refine import refine_layout
from ocrvl.log import logger
from ocrvl.models.locate import candidates
from ocrvl.options import PipelineOptions
from ocrvl.recognition.lite import LiteOptions, LiteRecognizer
from ocrvl.recognition.ocr import OcrOptions
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


class LiteEngine:
    """CDLA layout + XY-cut order, text layer or PP-OCRv6 text, tables from words and rulings."""

    name = "lite"

    def __init__(self, options: PipelineOptions):
        self.options = options
        self.detector = CdlaLayoutDetector(CdlaOptions(options.layout_threshold, options.layout_nms, options.threads))
        self.recognizer = LiteRecognizer(
            LiteOptions(ocr=OcrOptions(threads=options.threads), force_ocr=not options.use_text_layer)
        )

    def analyze(self, page: Page) -> PageResult:
        ocr_words = not self.recognizer.uses_text_layer(page)
        skew = 0.0
        if ocr_words and self.options.deskew:
            upright, skew = deskew(page.image)
            page = replace(page, image=upright)
        words = self.recognizer.page_words(page)
        pairs = refine_layout(self.detector.detect(page.image), words, page, ocr_words=ocr_words)
        regions = [region for region, _ in pairs]
        blocks = self.recognizer.recognize(page, regions, [region_words for _, region_words in pairs])
        return PageResult(
            input_path=page.source,
            page_index=page.index,
            page_count=page.page_count,
            width=page.width,
            height=page.height,
            regions=regions,
            blocks=blocks,
            model_settings={
                "engine": self.name,
                "layout_model": self.detector.name,
                "text_source": "PP-OCRv6" if ocr_words else "pdf_text_layer",
                "dpi": round(page.dpi, 2),
                "deskew_angle": skew,
                "layout_threshold": self.options.layout_threshold,
            },
            image=page.image,
        )

    def submit(self, analysis: PageResult) -> Future[PageResult]:
        done: Future[PageResult] = Future()
        done.set_result(analysis)
        return done


def create_engine(options: PipelineOptions) -> Engine:
    """The engine the options ask for; ``auto`` says which one it chose."""
    if options.engine in ("vl", "vl-server"):
        raise EngineUnavailableError(
            f"engine {options.engine!r} is not part of this ocrvl build yet: the PaddleOCR-VL recognizer model "
            "is (ocrvl.models), the page pipeline around it is not; use --engine lite or auto"
        )
    if options.engine == "auto":
        found = next((c for c in candidates() if c.usable), None)
        if found is None:
            logger.info("engine: lite (auto; no PaddleOCR-VL weights found, `ocrvl models list` shows where)")
        else:
            logger.info("engine: lite (auto; PaddleOCR-VL weights are at %s, but this build's page pipeline "
                        "does not use them yet)", found.path)  # fmt: skip
    return LiteEngine(options)
