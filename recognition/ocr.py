"""PP-OCRv6 text detection + recognition, with the ONNX weights bundled in the `rapidocr` wheel."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np

from ocrvl.types import Word


@dataclass(frozen=True)
class OcrOptions:
    """Options of the PP-OCR line reader.

    `det_limit_side_len`: the longer image side is scaled down to this many pixels for
    detection (recognition always reads from the full-resolution image).
    `text_score`: lines recognized with a lower confidence are dropped.
    `use_angle_cls`: run the 0/180 degree line classifier (upside-down text lines).
    `threads`: ONNX Runtime intra-op threads (0 lets ONNX Runtime decide).
    """

    det_limit_side_len: int = 1600
    text_score: float = 0.5
    use_angle_cls: bool = False
    threads: int = 0


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
        engine = RapidOCR(params=params)
        # rapidocr installs its own colored handler at INFO; keep our logs clean.
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        return engine

    def read(self, image: np.ndarray) -> list[Word]:
        """OCR an RGB image; returns lines top-to-bottom as Words with axis-aligned boxes."""
        if image.size == 0 or min(image.shape[:2]) < 4:
            return []
        with self._lock:
            if self._engine is None:
                self._engine = self._load()
            result = self._engine(np.ascontiguousarray(image[:, :, ::-1]))  # the models expect BGR
        if result.boxes is None or result.txts is None:
            return []
        words = []
        for quad, text, score in zip(result.boxes, result.txts, result.scores):
            text = text.strip()
            if not text:
                continue
            xs, ys = quad[:, 0], quad[:, 1]
            bbox = (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
            words.append(Word(text=text, bbox=bbox, score=float(score)))
        words.sort(key=lambda w: (w.bbox[1], w.bbox[0]))
        return words
