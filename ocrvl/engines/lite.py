"""The lite engine: CDLA layout + XY-cut order, text layer or PP-OCRv6 text, tables from words and rulings."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace

from ocrvl.deskew import PageMarks, deskew, lines_run_down, page_marks
from ocrvl.layout.lite.cdla import CdlaLayoutDetector, CdlaOptions
from ocrvl.layout.lite.refine import refine_layout
from ocrvl.layout.lite.reverse_print import dark_on_light
from ocrvl.options import LITE_LAYOUT_NMS_IOU, PipelineOptions
from ocrvl.orientation import NOT_CLASSIFIED, PageOrientationClassifier, doc_preprocessor_res, turned_page
from ocrvl.recognition.lite.ocr import FoundLines, OcrOptions
from ocrvl.recognition.lite.ocr_models import ocr_family
from ocrvl.recognition.lite.recognizer import LiteOptions, LiteRecognizer
from ocrvl.recognition.lite.show_through import page_without_show_through
from ocrvl.sheet import flattened_sheet
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
        blocks = self.recognizer.recognize(page, regions, [region_words for _, region_words in pairs], reading.seen)
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
        """The scanned `page` read, turned upright (a photograph of a sheet on a darker ground first cut out and made
        rectangular). Most scans come upright, and their lines say so by running across
        the page: the orientation classifier is asked first where the page's ink profiles show its text running up
        or down it, else only where the lines found run up or down it or are too few to tell; a quarter turn that
        leaves the lines running down the page is undone. A page whose widest lines read poorly has them read again
        turned a half turn, and is turned when they read clearly better so (as an upside-down page of table rules
        and figures, which the classifier takes for upright). Either way the page is turned before the rest of its
        lines are read."""
        if self.options.deskew:
            page = _flattened(page)
        if self.orientation is None:
            return self._read(self._look(page, 0), NOT_CLASSIFIED)
        marks = page_marks(page.image)
        classified = lines_run_down(marks)
        angle = self.orientation.upright_angle(page.image) if classified else 0
        look = self._look(page, angle, marks if angle == 0 else None)
        if angle in (90, 270) and look.lines.run_down():  # the page came upright, its ink profiles misled
            look.layout.cancel()
            angle, look = 0, self._look(page, 0, marks)
        if not classified and not look.lines.run_across():
            angle = self.orientation.upright_angle(page.image)
            if angle:
                look.layout.cancel()
                look = self._look(page, angle)
        if self.recognizer.reader.reads_upside_down(look.lines):
            look.layout.cancel()
            angle = (angle + 180) % 360
            look = self._look_at(turned_page(look.upright, 180), turned_page(look.seen, 180), look.skew)
        return self._read(look, angle)

    def _read(self, look: _Look, angle: int) -> _PageReading:
        """The page `look`ed at, its lines read; `angle`, how far it was turned from the scan."""
        words = self.recognizer.reader.read_lines(look.lines)
        return _PageReading(look.upright, look.seen, angle, look.skew, look.layout, words)

    def _look(self, page: Page, angle: int, marks: PageMarks | None = None) -> _Look:
        """The scanned `page` turned `angle` degrees and deskewed, laid out and its lines found (see `_look_at`);
        `marks`: the `page_marks` of the page as turned, where already made."""
        page = turned_page(page, angle)
        skew = 0.0
        if self.options.deskew:
            straight, skew = deskew(page.image, marks)
            page = replace(page, image=straight)
        seen = page_without_show_through(dark_on_light(page.image), self.recognizer.reader.read_images)
        return self._look_at(page, replace(page, image=seen), skew)

    def _look_at(self, upright: Page, seen: Page, skew: float) -> _Look:
        """The layout model started on `seen` (the scan as the layout model and OCR see it: turned over where it is
        printed light on dark, with the print showing through from the other side of the sheet taken out; the page
        picture and the crops written out keep `upright`, the scan as it is) on its own thread, and its text lines
        found meanwhile."""
        layout = self._layout_worker.submit(self.detector.detect, seen.image)
        return _Look(
            upright, seen, skew, layout, self.recognizer.reader.find_lines(seen.image, show_through_removed=True)
        )

    def recognize(self, analysis: PageResult) -> Future[PageResult]:
        done: Future[PageResult] = Future()
        done.set_result(analysis)
        return done


def _flattened(page: Page) -> Page:
    """A scan that is a photograph of a sheet lying on a darker ground: the sheet, cut out and made rectangular
    (see `ocrvl.sheet`); any other scan as it is."""
    sheet = flattened_sheet(page.image)
    return page if sheet is None else replace(page, image=sheet)


@dataclass(frozen=True)
class _Look:
    """A scan turned one way and deskewed by `skew`: `upright`, and `seen` as the layout model and OCR see it; the
    layout model's pending answer on it, and its text lines found."""

    upright: Page
    seen: Page
    skew: float
    layout: Future[list[Region]]
    lines: FoundLines


@dataclass(frozen=True)
class _PageReading:
    """A page as read: `page` turned `angle` degrees and deskewed by `skew`; `seen`, which the layout model and OCR
    see (a scan's turned over where printed light on dark, the print showing through taken out); the layout model's
    pending answer; the words."""

    page: Page
    seen: Page
    angle: int
    skew: float
    layout: Future[list[Region]]
    words: list[Word]
