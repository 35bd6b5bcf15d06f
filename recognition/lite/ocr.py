"""PP-OCRv6 text detection + recognition, with the ONNX weights bundled in the `rapidocr` wheel."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import cv2
import numpy as np

from ocrvl.log import muted_third_party
from ocrvl.types import BBox, Word


@dataclass(frozen=True)
class OcrOptions:
    """Options of the PP-OCR line reader.

    `det_limit_side_len`: the longer image side is scaled down to this many pixels for
    detection (recognition always reads from the full-resolution image).
    `text_score`: lines recognized with a lower confidence are dropped.
    `use_angle_cls`: run the 0/180 degree line classifier (upside-down text lines).
    `threads`: ONNX Runtime intra-op threads (0 lets ONNX Runtime decide).
    `upscale_to`: images whose longer side is shorter than this are enlarged to it before
    reading (small text in 72-dpi pages and table crops is otherwise missed by the detector).
    """

    det_limit_side_len: int = 1600
    text_score: float = 0.5
    use_angle_cls: bool = False
    threads: int = 0
    upscale_to: int = 1600


class LineReader:
    """Reads text lines off an image: one `Word` per detected line, in image pixels."""

    def __init__(self, options: OcrOptions | None = None):
        self.options = options or OcrOptions()
        self._engine = None
        self._lock = threading.Lock()

    def _load(self):
        from rapidocr import RapidOCR

        opts = self.options
        params: dict[str, object] = {
            "Global.log_level": "error",
            "Global.text_score": opts.text_score,
            "Global.use_cls": opts.use_angle_cls,
            "Det.limit_type": "max",
            "Det.limit_side_len": opts.det_limit_side_len,
            "Rec.rec_batch_num": 8,
        }
        if opts.threads > 0:
            params["EngineConfig.onnxruntime.intra_op_num_threads"] = opts.threads
        with muted_third_party():
            return RapidOCR(params=params)

    def read(self, image: np.ndarray) -> list[Word]:
        """OCR an RGB image; returns lines top-to-bottom as Words with axis-aligned boxes."""
        if image.size == 0 or min(image.shape[:2]) < 4:
            return []
        scale = max(1.0, min(3.0, self.options.upscale_to / max(image.shape[:2])))
        bgr = np.ascontiguousarray(image[:, :, ::-1])  # the models expect BGR
        if scale > 1.0:
            bgr = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        with self._lock:
            if self._engine is None:
                self._engine = self._load()
            result = self._engine(bgr)
        if result.boxes is None or result.txts is None:
            return []
        words = []
        for quad, text, score in zip(result.boxes, result.txts, result.scores):
            text = text.strip()
            if not text:
                continue
            xs, ys = quad[:, 0] / scale, quad[:, 1] / scale
            bbox = (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
            words.append(Word(text=text, bbox=bbox, score=float(score)))
        words.sort(key=lambda w: (w.bbox[1], w.bbox[0]))
        return words

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
