"""The lite engine: CDLA layout + XY-cut order, text layer or PP-OCRv6 text, tables from words and rulings."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

from ocrvl.deskew import deskew
from ocrvl.layout.lite.cdla import CdlaLayoutDetector, CdlaOptions
from ocrvl.layout.lite.refine import refine_layout
from ocrvl.options import LITE_LAYOUT_NMS_IOU, PipelineOptions
from ocrvl.orientation import NOT_CLASSIFIED, PageOrientationClassifier, doc_preprocessor_res, turned_page
from ocrvl.recognition.lite.ocr import OcrOptions, read_doubtfully
from ocrvl.recognition.lite.ocr_models import ocr_family
from ocrvl.recognition.lite.recognizer import LiteOptions, LiteRecognizer
from ocrvl.recognition.lite.show_through import page_without_show_through
from ocrvl.sideways import upright_sideways_page
from ocrvl.types import Page, PageResult, Word


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
        skew = 0.0
        angle = NOT_CLASSIFIED  # a page read from its text layer is upright as the PDF shows it
        if ocr_words and self.orientation is not None:
            page, angle = self.orientation.upright(page)
        elif self.orientation is not None:  # a text layer tells which way its text runs
            page, turn = upright_sideways_page(page)
            angle = turn or angle
        if ocr_words and self.options.deskew:
            upright, skew = deskew(page.image)
            page = replace(page, image=upright)
        # A scan is laid out and read with the print showing through from its other side taken out, so that
        # neither the layout model nor the checks on a region's ink see it; the page picture and the crops written
        # out keep the scan as it is.
        seen = replace(page, image=page_without_show_through(page.image)) if ocr_words else page
        layout = self._layout_worker.submit(self.detector.detect, seen.image)
        words = self.recognizer.page_words(seen, show_through_removed=True)
        if ocr_words and self.orientation is not None and self._read_upside_down(seen, words):
            page, seen, angle = turned_page(page, 180), turned_page(seen, 180), (angle + 180) % 360
            layout.cancel()
            layout = self._layout_worker.submit(self.detector.detect, seen.image)
            words = self.recognizer.page_words(seen, show_through_removed=True)
        pairs = refine_layout(layout.result(), words, seen, ocr_words=ocr_words)
        regions = [region for region, _ in pairs]
        blocks = self.recognizer.recognize(page, regions, [region_words for _, region_words in pairs])
        settings = {
            "engine": self.name,
            "layout_model": self.detector.name,
            "text_source": ocr_family(self.options.ocr_model) if ocr_words else "pdf_text_layer",
            **({"ocr_model": self.options.ocr_model} if ocr_words else {}),
            "dpi": round(page.dpi, 2),
            "deskew_angle": skew,
            "layout_threshold": self.options.lite_layout_threshold,
        }
        result = PageResult.of_page(page, regions, blocks, settings)
        if self.orientation is not None and (ocr_words or self.options.use_doc_orientation_classify):
            result.doc_preprocessor_res = doc_preprocessor_res(angle)
        return result

    def _read_upside_down(self, page: Page, words: list[Word]) -> bool:
        """Whether OCR read the page upside down. A page of table rules and figures can leave the orientation
        classifier wrong (a weak majority for upright); the OCR model reads upside-down print with far lower
        confidence, so a page whose longest lines read poorly has them read again turned a half turn."""
        return read_doubtfully(words) and self.recognizer.reader.reads_better_half_turned(page.image, words)

    def recognize(self, analysis: PageResult) -> Future[PageResult]:
        done: Future[PageResult] = Future()
        done.set_result(analysis)
        return done
