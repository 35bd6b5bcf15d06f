"""The lite engine: CDLA layout + XY-cut order, text layer or PP-OCRv6 text, tables from words and rulings."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

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
        """The scanned `page` read, turned upright. Most scans come upright, and their text says so: lines
        running across the page that read surely. The orientation classifier is asked only when the text
        does not settle it (lines running up or down the page, or too few lines), and a page whose longest
        lines read poorly has them read again turned a half turn."""
        reading = self._read_turned(page, 0)
        if self.orientation is None:
            return replace(reading, angle=NOT_CLASSIFIED)
        if not _lines_run_across(reading.words):
            angle = self.orientation.upright_angle(page.image)
            if angle:
                reading.layout.cancel()
                reading = self._read_turned(page, angle)
        if self._read_upside_down(reading.seen, reading.words):
            reading.layout.cancel()
            seen = turned_page(reading.seen, 180)
            reading = _PageReading(
                page=turned_page(reading.page, 180),
                seen=seen,
                angle=(reading.angle + 180) % 360,
                skew=reading.skew,
                layout=self._layout_worker.submit(self.detector.detect, seen.image),
                words=self.recognizer.page_words(seen, show_through_removed=True),
            )
        return reading

    def _read_turned(self, page: Page, angle: int) -> _PageReading:
        """The scanned `page` turned `angle` degrees, deskewed, its layout asked for and its words read."""
        page = turned_page(page, angle)
        skew = 0.0
        if self.options.deskew:
            upright, skew = deskew(page.image)
            page = replace(page, image=upright)
        # A scan is laid out and read with the print showing through from its other side taken out, so that
        # neither the layout model nor the checks on a region's ink see it; the page picture and the crops written
        # out keep the scan as it is.
        seen = replace(page, image=page_without_show_through(page.image))
        layout = self._layout_worker.submit(self.detector.detect, seen.image)
        words = self.recognizer.page_words(seen, show_through_removed=True)
        return _PageReading(page, seen, angle, skew, layout, words)

    def _read_upside_down(self, page: Page, words: list[Word]) -> bool:
        """Whether OCR read the page upside down. The OCR model reads upside-down print with far lower
        confidence, so a page whose longest lines read poorly has them read again turned a half turn (on a page
        of table rules and figures the orientation classifier, too, can take upside down for upright)."""
        return read_doubtfully(words) and self.recognizer.reader.reads_better_half_turned(page.image, words)

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


# Which way a scan's lines run: at least _FEWEST_LINES lines, more than _ACROSS of their characters in lines wider
# than tall. Fewer lines (a photograph, a title page) leave it to the orientation classifier.
_FEWEST_LINES = 3
_ACROSS = 0.5


def _lines_run_across(words: list[Word]) -> bool:
    """Whether the lines OCR read run across the page, as on an upright or upside-down page, rather than up or
    down it (a page turned a quarter, or written in columns)."""
    if len(words) < _FEWEST_LINES:
        return False
    across = sum(len(w.text) for w in words if w.bbox[2] - w.bbox[0] >= w.bbox[3] - w.bbox[1])
    return across > _ACROSS * sum(len(w.text) for w in words)
