"""PP-OCR text detection + recognition on ocrvl's own ONNX Runtime sessions, with model files from installed wheels."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from ocrvl.cjk import is_cjk_writing, tidy_spacing
from ocrvl.geometry import box_quad
from ocrvl.recognition.lite.cascade import DEFAULT_REREAD_BELOW, CascadeRecognizer, LineRecognizer
from ocrvl.recognition.lite.line_ink import PageInk
from ocrvl.recognition.lite.line_orientation import LineOrientation
from ocrvl.recognition.lite.ocr_models import DEFAULT_OCR_MODEL, OCR_CASCADES, OcrModel, find_ocr_model
from ocrvl.recognition.lite.onnx_sessions import SessionPool, open_session
from ocrvl.recognition.lite.show_through import mirrored_lines, without_show_through
from ocrvl.recognition.lite.text_detection import DetectionOptions, TextDetector
from ocrvl.recognition.lite.text_recognition import (
    TextRecognizer,
    crop_line,
    is_upright_line,
    quad_size,
    read_dictionary,
)
from ocrvl.types import BBox, Word


@dataclass(frozen=True)
class OcrOptions:
    """Options of the PP-OCR line reader.

    `model`: which OCR model reads (see `ocr_models.OCR_MODELS`), or a cascade of two (`ocr_models.OCR_CASCADES`).
    `reread_below`: a cascade's accurate model reads again the lines its fast model read with a lower confidence.
    `det_limit_side_len`: the longer image side is scaled down to at most this many pixels for
    detection (recognition always reads from the full-resolution image).
    `det_probe_side`: lines are first found at this longer side to measure the text, and found again
    only as finely as the text's size needs (0: always at `det_limit_side_len`).
    `text_score`: lines recognized with a lower confidence are dropped.
    `use_angle_cls`: run the 0/180 degree line classifier (upside-down text lines).
    `threads`: ONNX Runtime intra-op threads of the detector, and single-thread recognizer sessions reading lines
    side by side (0: every core).
    `upscale_to`: images whose longer side is shorter than this are enlarged to it before
    reading (small text in 72-dpi pages and table crops is otherwise missed by the detector).
    """

    model: str = DEFAULT_OCR_MODEL
    reread_below: float = DEFAULT_REREAD_BELOW
    det_limit_side_len: int = 1600
    det_probe_side: int = 800
    text_score: float = 0.5
    use_angle_cls: bool = False
    threads: int = 0
    upscale_to: int = 1600


@dataclass(frozen=True)
class FoundLines:
    """The text lines `LineReader.find_lines` found in an image: `quads` in `bgr` (the image as the models see it:
    enlarged `scale` times, with bands `top` pixels high above and below a flat strip), its print (`ink`, None for
    an image too small to hold any), the image's own height, and the readings of lines the first (a cascade's fast)
    model has already made."""

    bgr: np.ndarray
    ink: PageInk | None
    quads: list[np.ndarray]
    scale: float
    top: int
    height: int
    first_readings: dict[int, tuple[str, float]] = field(default_factory=dict)  # by the first model, per quad

    def run_across(self) -> bool:
        """Whether the lines run across the image, as on a page upright or upside down, rather than up or down it
        (a page turned a quarter, a page written in columns): at least `_FEWEST_LINES` of them, more than half of
        their length in lines wider than tall."""
        if len(self.quads) < _FEWEST_LINES:
            return False
        sizes = [quad_size(quad) for quad in self.quads]
        across = sum(width for width, height in sizes if width >= height)
        return across > _ACROSS * sum(max(size) for size in sizes)

    def run_down(self) -> bool:
        """Whether there are enough lines to tell, and they run up or down the image rather than across it."""
        return len(self.quads) >= _FEWEST_LINES and not self.run_across()


# Too few lines to tell which way they run: a photograph, a title page.
_FEWEST_LINES = 3
_ACROSS = 0.5


_MAX_UPSCALE = 3.0
# Which way up a page reads, from its longest lines: right-way-up print reads at a mean character confidence of
# 0.93-1.0, upside-down print at 0.3-0.75 (PP-OCRv6 tiny and small on the repository's samples and the dev split's
# scanned pages, at 72 to 150 dpi). A page read below _DOUBTFUL_SCORE is checked; a half turn must raise the
# confidence by _HALF_TURN_GAIN.
_CHECKED_LINES = 12
_DOUBTFUL_SCORE = 0.85
_HALF_TURN_GAIN = 0.15
# A strip of text (a single line, a table row) is detected with black bands above and below it, which give the
# detector the context of a page: at least this tall, and no flatter than 1 : _STRIP_RATIO.
_STRIP_MIN_HEIGHT = 30
_STRIP_RATIO = 8


class OcrSessions:
    """The detector, recognizer and (when asked for) line classifier of one OCR model, on their own sessions; for
    a cascade, the fast model's detector and both models' recognizers."""

    def __init__(self, options: OcrOptions):
        cascade = OCR_CASCADES.get(options.model)
        model = find_ocr_model(cascade.fast if cascade else options.model)
        detection = DetectionOptions(max_side=options.det_limit_side_len, probe_side=options.det_probe_side)
        self.detector = TextDetector(open_session(model.detector, options.threads), detection)
        self.recognizer: LineRecognizer = _recognizer(model, options)
        self.first_recognizer = self.recognizer  # the one model that reads every line (a cascade's fast one)
        if cascade is not None:
            accurate = _recognizer(find_ocr_model(cascade.accurate), options)
            self.recognizer = CascadeRecognizer(self.recognizer, accurate, options.reread_below)
        self.orientation = (
            LineOrientation(open_session(model.line_classifier, options.threads)) if options.use_angle_cls else None
        )


def _recognizer(model: OcrModel, options: OcrOptions) -> TextRecognizer:
    sessions = SessionPool(model.recognizer, options.threads)
    return TextRecognizer(sessions, read_dictionary(sessions.sessions[0], model.dictionary))


class LineReader:
    """Reads text lines off an image: one `Word` per detected line, in image pixels."""

    def __init__(self, options: OcrOptions | None = None):
        self.options = options or OcrOptions()
        self._models: OcrSessions | None = None
        self._lock = threading.Lock()

    def models(self) -> OcrSessions:
        """The model's sessions, opened on first use."""
        with self._lock:
            if self._models is None:
                self._models = OcrSessions(self.options)
            return self._models

    def read(self, image: np.ndarray) -> list[Word]:
        """OCR an RGB image; returns lines top-to-bottom as Words with axis-aligned boxes."""
        return self.read_lines(self.find_lines(image))

    def find_lines(self, image: np.ndarray, show_through_removed: bool = False) -> FoundLines:
        """Where the text lines of the RGB `image` are, for `read_lines` to read (see `read`). `show_through_removed`:
        the caller has already set the print showing through from the other side to the paper's tone."""
        if image.size == 0 or min(image.shape[:2]) < 4:
            return FoundLines(image[:0, :0], None, [], 1.0, 0, 0)
        h, w = image.shape[:2]
        scale = max(1.0, min(_MAX_UPSCALE, self.options.upscale_to / max(h, w)))
        scale = max(scale, _STRIP_MIN_HEIGHT / min(h, w))  # the detector needs a few pixels of height
        # the models expect BGR; show-through is found at the scan's own resolution, where print's edges are sharp
        bgr = _bgr(image)
        if not show_through_removed:
            bgr = without_show_through(bgr, self.read_images)
        if scale > 1.0:
            bgr = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        bgr, top = _with_bands(bgr)
        models = self.models()
        with self._lock:  # one page at a time through the sessions: they already use every thread given
            # An image enlarged to be read holds small print (that is why it was enlarged): all of its resolution.
            ink = PageInk(bgr, enlarged=scale > 1.0)
            quads = ink.with_stray_print(ink.part_at_gutters(models.detector.detect(bgr, probe=scale == 1.0)))
        return FoundLines(bgr, ink, quads, scale, top, h)

    def read_lines(self, found: FoundLines) -> list[Word]:
        """The lines `find_lines` found, read: Words top-to-bottom with axis-aligned boxes in its image's pixels."""
        if not found.quads:
            return []
        bgr, quads, scale, top, ink = found.bgr, found.quads, found.scale, found.top, found.ink
        models = self.models()
        with self._lock:
            lines = [crop_line(bgr, quad) for quad in quads]
            if models.orientation is not None:
                lines = models.orientation.upright(lines)
            # readings made before (see `reads_upside_down`) are of the lines as cut out, not as classified
            read = models.recognizer.read(lines, found.first_readings if models.orientation is None else None)
            read = _read_upright_lines_every_way(models.recognizer, bgr, quads, lines, read)
            seen_through = mirrored_lines(lines, read, models.recognizer)
        read = [("", 0.0) if i in seen_through else reading for i, reading in enumerate(read)]
        words = []
        for quad, (text, score) in zip(quads, read):
            text = tidy_spacing(text.strip())
            if not text or score < self.options.text_score:
                continue
            left, right = ink.print_span(quad)
            ys = (quad[:, 1] - top) / scale
            bbox = (left / scale, float(max(ys.min(), 0.0)), right / scale, float(min(ys.max(), found.height)))
            words.append(Word(text=text, bbox=bbox, score=score))
        words.sort(key=lambda word: (word.bbox[1], word.bbox[0]))
        return _latin_forms_on_latin_pages(words)

    def read_images(self, images: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        """Each BGR image read as one line of text by the first (a cascade's fast) model: (text, confidence)."""
        models = self.models()
        with self._lock:
            return models.first_recognizer.read(images)

    def reads_upside_down(self, found: FoundLines) -> bool:
        """Whether the widest of the lines `found` read doubtfully as they stand and clearly more surely turned a
        half turn (upside-down print reads far less surely than upright). Their readings as they stand are kept in
        `found`, and `read_lines` does not read them again."""
        widest = sorted(range(len(found.quads)), key=lambda i: -quad_size(found.quads[i])[0])[:_CHECKED_LINES]
        if not widest:
            return False
        models = self.models()
        with self._lock:
            lines = [crop_line(found.bgr, found.quads[i]) for i in widest]
            as_is = models.first_recognizer.read(lines)
            found.first_readings.update(zip(widest, as_is))
            if _mean_score(as_is) >= _DOUBTFUL_SCORE:
                return False
            turned = models.first_recognizer.read([np.ascontiguousarray(line[::-1, ::-1]) for line in lines])
        return _mean_score(turned) > _mean_score(as_is) + _HALF_TURN_GAIN

    def read_boxes(
        self, image: np.ndarray, boxes: Sequence[BBox], min_score: float = 0.0, page_words: Sequence[Word] = ()
    ) -> list[Word]:
        """Each box of the RGB `image` read as one line of text, where no detector found it; lines read with a
        confidence under `text_score` or `min_score` are left out. `page_words`, the page's other words, tell
        whether it is written in Latin script (see `_latin_forms_on_latin_pages`)."""
        bgr = _bgr(image)
        height, width = bgr.shape[:2]
        quads, kept = [], []
        for x0, y0, x1, y1 in boxes:
            x0, y0, x1, y1 = max(0.0, x0), max(0.0, y0), min(float(width), x1), min(float(height), y1)
            if x1 - x0 >= 2 and y1 - y0 >= 2:
                quads.append(box_quad((x0, y0, x1, y1)))
                kept.append((x0, y0, x1, y1))
        if not quads:
            return []
        models = self.models()
        with self._lock:
            read = models.recognizer.read([crop_line(bgr, quad, turn=False) for quad in quads])
        words = [
            Word(text=tidy_spacing(text.strip()), bbox=box, score=score)
            for box, (text, score) in zip(kept, read)
            if text.strip() and score >= max(self.options.text_score, min_score)
        ]
        return _latin_forms_on_latin_pages(words, page_words)

    def read_region(self, image: np.ndarray, bbox: BBox) -> list[Word]:
        """OCR the part of `image` inside `bbox`; boxes come back in `image` coordinates."""
        x0, y0 = max(0, int(bbox[0])), max(0, int(bbox[1]))
        x1, y1 = min(image.shape[1], int(np.ceil(bbox[2]))), min(image.shape[0], int(np.ceil(bbox[3])))
        if x1 - x0 < 4 or y1 - y0 < 4:
            return []
        return [
            Word(w.text, (w.bbox[0] + x0, w.bbox[1] + y0, w.bbox[2] + x0, w.bbox[3] + y0), w.score)
            for w in self.read(image[y0:y1, x0:x1])
        ]


# What one upright stroke (a bracket, "1", "|") reads as once turned on its side.
_LYING_STROKES = frozenset("一-—–_－")
_ONE = "一"


def _read_upright_lines_every_way(
    recognizer: LineRecognizer,
    bgr: np.ndarray,
    quads: Sequence[np.ndarray],
    lines: list[np.ndarray],
    read: list[tuple[str, float]],
) -> list[tuple[str, float]]:
    """`read` corrected for the lines that run up or down the page (a spine, an arXiv stamp, a Chinese column),
    which way shows only in how they read: each is read again turned the other way and the more confident
    reading is kept, unless that is one lying stroke ("一"): an upright glyph, read as it stands."""
    running = [i for i, quad in enumerate(quads) if is_upright_line(quad)]
    if not running:
        return read
    best = list(read)
    turned = recognizer.read([np.ascontiguousarray(lines[i][::-1, ::-1]) for i in running])
    for i, other_way in zip(running, turned):
        best[i] = max(best[i], other_way, key=lambda reading: reading[1])
    strokes = [i for i in running if best[i][0].strip() in _LYING_STROKES]
    if strokes:
        unturned = recognizer.read([crop_line(bgr, quads[i], turn=False) for i in strokes])
        for i, as_it_stands in zip(strokes, unturned):
            if as_it_stands[0].strip():
                best[i] = as_it_stands
    return best


def _latin_forms_on_latin_pages(words: list[Word], others: Sequence[Word] = ()) -> list[Word]:
    """On a page with no ideograph or kana (in `words` or the page's `others`), the marks the recognizer (trained
    on Chinese as well) gives in their Chinese forms, in their Latin ones: full-width punctuation and letters ("（",
    "，", "：") as ASCII, and a dash set alone (a table's "—" for no entry), which reads as the ideograph "一" that
    looks the same, as the dash."""
    if any(is_cjk_writing(char) and char != _ONE for word in [*others, *words] for char in word.text):
        return words
    return [replace(word, text="—" if word.text == _ONE else _FULL_WIDTH.sub(_ascii, word.text)) for word in words]


_FULL_WIDTH = re.compile("[\uff01-\uff5e]")


def _ascii(match: re.Match[str]) -> str:
    return chr(ord(match.group()) - 0xFEE0)  # the full-width forms block mirrors ASCII 0x21-0x7E


def _bgr(rgb: np.ndarray) -> np.ndarray:
    """The models' BGR copy of an RGB image (OpenCV swaps the channels many times faster than a numpy copy)."""
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def _mean_score(read: list[tuple[str, float]]) -> float:
    return float(np.mean([score for _, score in read]))


def _with_bands(bgr: np.ndarray) -> tuple[np.ndarray, int]:
    """A flat strip with black bands added above and below (see _STRIP_RATIO), and the top band's height."""
    h, w = bgr.shape[:2]
    if h > _STRIP_MIN_HEIGHT and w / h <= _STRIP_RATIO:
        return bgr, 0
    band = abs(max(int(w / _STRIP_RATIO), _STRIP_MIN_HEIGHT) * 2 - h) // 2
    return cv2.copyMakeBorder(bgr, band, band, 0, 0, cv2.BORDER_CONSTANT, value=(0, 0, 0)), band
