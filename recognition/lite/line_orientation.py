"""The 0/180 degree text-line classifier: lines printed upside down are turned before they are read."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import onnxruntime as ort

from ocrvl.recognition.lite.text_recognition import normalized_line

_INPUT_H, _INPUT_W = 48, 192
_UPSIDE_DOWN = 1  # the model's classes: 0 and 180 degrees
_BATCH = 8


class LineOrientation:
    """Turns the lines the model finds upside down with at least `min_confidence`."""

    def __init__(self, session: ort.InferenceSession, min_confidence: float = 0.9):
        self.session = session
        self.min_confidence = min_confidence
        self._input = session.get_inputs()[0].name

    def upright(self, lines: Sequence[np.ndarray]) -> list[np.ndarray]:
        """The lines, each turned by 180 degrees where the model says it is upside down."""
        out = list(lines)
        for start in range(0, len(lines), _BATCH):
            batch = np.stack([normalized_line(line, _INPUT_W, _INPUT_H) for line in lines[start : start + _BATCH]])
            probabilities = self.session.run(None, {self._input: batch})[0]
            for offset, row in enumerate(probabilities):
                if row.argmax() == _UPSIDE_DOWN and row[_UPSIDE_DOWN] > self.min_confidence:
                    out[start + offset] = cv2.rotate(lines[start + offset], cv2.ROTATE_180)
        return out
