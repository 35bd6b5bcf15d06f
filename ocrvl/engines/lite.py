"""The lite engine: CDLA layout + XY-cut order, text layer or PP-OCRv6 text, tables from words and rulings."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

from ocrvl.deskew import deskew
from ocrvl.layout.lite.cdla import CdlaLayoutDetector, CdlaOptions
from ocrvl.layout.lite.refine import refine_layout
from ocrvl.options import LITE_LAYOUT_NMS_IOU, PipelineOptions
from ocrvl.orientation import NOT_CLASSIFIED, PageOrientationClassifier, doc_preprocessor_res, turned_page
from ocrvl.recognition.lite.ocr import FoundLines, OcrOptions
from ocrvl.recognition.lite.ocr_models import ocr_family
from ocrvl.recognition.lite.recognizer import LiteOptions, LiteRecognizer
from ocrvl.recognition.lite.show_through import page_without_show_through
from ocrvl.sideways import upright_sideways_page
from ocrvl.types import Page, PageResult, Region, Word


class LiteEngine:
    """CDLA layout + XY-cut order, text layer or PP-OCRv6 text, tables from words and rulings."""

    name = "lite"

    def __init__(self, options: PipelineOptions):
        self.options = options
        nms_iou = LITE_LAYOUT_NMS_IOU if options.layout_nms else 1.0
        threads = options.inference.threads
        self.detector = CdlaLayoutDetector(CdlaOptions(options.lite_layout_threshold, nms_iou, threads))
        # The layout model runs while the page's words are read: OCR leaves a core idle in its single-threaded
        # steps (cutting lines out, sorting them), which the layout model fills.
        self._layout_worker = ThreadPoolExecutor(1, thread_name_prefix="ocrvl-layout")
        self.recognizer = LiteRecognizer(
            LiteOptions(ocr=OcrOptions(model=options.ocr_model, threads=threads), force_ocr=not options.use_text_layer)
        )
        # Scans are turned upright unless the user keeps them as they are: deskew covers quarter turns here.
        upright = options.use_doc_orientation_classify or options.deskew
        self.orientation = PageOrientationClassifier(threads) if upright else None

    def analyze(self, page: Page) -> PageResult:
        ocr_words = not self.recognizer.uses_text_layer(page)
        reading = self._read_scan(page) if ocr_words else self._read_text_layer(page)
        page = reading.page
        pairs = refine_layout(reading.layout.result(), reading.words, reading.seen, ocr_words=ocr_words)
        regions = [region for region, _ in pairs]
        blocks = self.recognizer.recognize(page, regions, [region_words for _, region_words in pairs])
        settings = {
            "engine": self.name,
            "layout_model": self.detector.name,
            "text_source": ocr_family(self.options.ocr_model) if ocr_words else "pdf_text_layer",
            **({"ocr_model": self.options.ocr_model} if ocr_words else {}),
            "dpi": round(page.dpi, 2),
            "deskew_angle": reading.skew,
            "layout_threshold": self.options.lite_layout_threshold,
        }
        result = PageResult.of_page(page, regions, blocks, settings)
        if self.orientation is not None and (ocr_words or self.options.use_doc_orientation_classify):
            result.doc_preprocessor_res = doc_preprocessor_res(reading.angle)
        return result

    def _read_text_layer(self, page: Page) -> _PageReading:
        """A born-digital `page` read from its text layer, turned upright when its text runs up or down it."""
        angle = NOT_CLASSIFIED  # upright as the PDF shows it
        if self.orientation is not None:  # a text layer tells which way its text runs
            page, turn = upright_sideways_page(page)
            angle = turn or angle
        layout = self._layout_worker.submit(self.detector.detect, page.image)
        return _PageReading(page, page, angle, 0.0, layout, self.recognizer.page_words(page))

    def _read_scan(self, page: Page) -> _PageReading:
        """The scanned `page` read, turned upright. Most scans come upright, and their lines say so by running across
        the page: the orientation classifier is asked only where they run up or down it or are too few to tell. A
        page whose widest lines read poorly has them read again turned a half turn, and is turned when they read
        clearly better so (as an upside-down page of table rules and figures, which the classifier takes for
        upright). Either way the page is turned before the rest of its lines are read."""
        angle = 0 if self.orientation is not None else NOT_CLASSIFIED
        upright, seen, skew = self._prepared(page, 0)
        layout, lines = self._lay_out_and_find_lines(seen)
        if self.orientation is not None and not lines.run_across():
            angle = self.orientation.upright_angle(page.image)
            if angle:
                layout.cancel()
                upright, seen, skew = self._prepared(page, angle)
                layout, lines = self._lay_out_and_find_lines(seen)
        if self.orientation is not None and self.recognizer.reader.reads_upside_down(lines):
            layout.cancel()
            upright, seen, angle = turned_page(upright, 180), turned_page(seen, 180), (angle + 180) % 360
            layout, lines = self._lay_out_and_find_lines(seen)
        return _PageReading(upright, seen, angle, skew, layout, self.recognizer.reader.read_lines(lines))

    def _lay_out_and_find_lines(self, seen: Page) -> tuple[Future[list[Region]], FoundLines]:
        """The layout model started on the scan `seen` (on its own thread), and its text lines found meanwhile."""
        layout = self._layout_worker.submit(self.detector.detect, seen.image)
        return layout, self.recognizer.reader.find_lines(seen.image, show_through_removed=True)

    def _prepared(self, page: Page, angle: int) -> tuple[Page, Page, float]:
        """The scanned `page` turned `angle` degrees and deskewed; the same with the print showing through from
        the other side of the sheet taken out, which the layout model and OCR see (the page picture and the crops
        written out keep the scan as it is); and the skew taken out."""
        page = turned_page(page, angle)
        skew = 0.0
        if self.options.deskew:
            straight, skew = deskew(page.image)
            page = replace(page, image=straight)
        return page, replace(page, image=page_without_show_through(page.image)), skew

    def recognize(self, analysis: PageResult) -> Future[PageResult]:
        done: Future[PageResult] = Future()
        done.set_result(analysis)
        return done


@dataclass(frozen=True)
class _PageReading:
    """A page as read: `page` turned `angle` degrees and deskewed by `skew`; `seen`, which the layout model and OCR
    see (a scan's with the print showing through taken out); the layout model's pending answer; the words."""

    page: Page
    seen: Page
    angle: int
    skew: float
    layout: Future[list[Region]]
    words: list[Word]
