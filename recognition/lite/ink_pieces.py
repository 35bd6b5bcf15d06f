"""The pieces of ink inside a box of a page image (connected print, Otsu's threshold: the minority side of it, so
light print on a dark box counts too), told apart by shape: glyphs, and the thin horizontal strokes a fraction is
drawn with."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ocrvl.types import BBox

_MIN_SIDE = 3  # pixels: a smaller piece is a speck
# A piece this many times as long as it is thick, and longer than _RULE_LENGTH times the pieces' median height, is
# a rule (a table's, a long fraction bar); shorter ones are a minus, an equals sign's bars, a dash.
_RULE_SHAPE = 8.0
_RULE_LENGTH = 3.0
# A stroke is this many times as wide as it is tall, and no taller than _STROKE of the pieces' median height.
_STROKE_SHAPE = 4.0
_STROKE = 0.25


def ink_pieces(image: np.ndarray, bbox: BBox) -> list[BBox]:
    """The boxes of the pieces of ink inside `bbox` of the RGB `image`, in image coordinates; specks left out."""
    x0, y0 = max(0, int(bbox[0])), max(0, int(bbox[1]))
    x1, y1 = min(image.shape[1], int(np.ceil(bbox[2]))), min(image.shape[0], int(np.ceil(bbox[3])))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return []
    crop = image[y0:y1, x0:x1]
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.ndim == 3 else crop
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    if ink.mean() > 0.5:
        ink = 1 - ink
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    return [
        (float(left + x0), float(top + y0), float(left + w + x0), float(top + h + y0))
        for left, top, w, h, _ in stats[1:].tolist()
        if max(w, h) >= _MIN_SIDE
    ]


def _median_height(pieces: Sequence[BBox]) -> float:
    return float(np.median([box[3] - box[1] for box in pieces])) if pieces else 0.0


def glyphs(pieces: Sequence[BBox]) -> list[BBox]:
    """The pieces that are print, not rules: long thin pieces (see `_RULE_SHAPE`) are left out."""
    glyph = _median_height(pieces)
    return [
        box
        for box in pieces
        if not (_long(box) > _RULE_SHAPE * max(1.0, _thick(box)) and _long(box) > _RULE_LENGTH * glyph)
    ]


def strokes(pieces: Sequence[BBox]) -> list[BBox]:
    """The thin horizontal pieces: fraction bars, and minus signs."""
    glyph = _median_height(pieces)
    return [
        box
        for box in pieces
        if box[2] - box[0] >= _STROKE_SHAPE * (box[3] - box[1]) and box[3] - box[1] <= max(3.0, _STROKE * glyph)
    ]


def _long(box: BBox) -> float:
    return max(box[2] - box[0], box[3] - box[1])


def _thick(box: BBox) -> float:
    return min(box[2] - box[0], box[3] - box[1])
