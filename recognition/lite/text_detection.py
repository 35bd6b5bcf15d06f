"""Text-line detection with a PP-OCR DB model: where the lines are, as four-corner boxes.

The model maps an image to a per-pixel text probability (differentiable binarization). A line is a connected
region of the thresholded map, kept when the mean probability under its rotated bounding rectangle is high
enough, then grown outwards (the model is trained on shrunken lines) by a margin proportional to
area / perimeter.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

Quad = np.ndarray  # (4, 2) float32 corners: top-left, top-right, bottom-right, bottom-left


@dataclass(frozen=True)
class DetectionOptions:
    """`max_side`: the longer image side is brought down to this for the model (never up).
    `pixel_threshold`: text probability above which a pixel belongs to a line.
    `box_threshold`: mean probability a line must reach to be kept.
    `unclip_ratio`: how far a line is grown, in units of its area / perimeter.
    `max_lines`: the most line candidates looked at.
    `mean`, `std`: the model's input is (pixel / 255 - mean) / std (rapidocr's values, which the dev numbers
    were measured with).
    `probe_side`, `line_height`: the resolution follows the page's text size: lines are first found with the
    longer side at `probe_side`; when their median height there is below `line_height` pixels, they are found
    again at the resolution that brings it to `line_height` (at most `max_side`). A page of large print is
    read at low resolution, a page of small print at full. 0 turns the probe off (always `max_side`)."""

    max_side: int = 1600
    probe_side: int = 800
    line_height: float = 24.0
    pixel_threshold: float = 0.3
    box_threshold: float = 0.5
    unclip_ratio: float = 1.6
    max_lines: int = 1000
    mean: float = 0.5
    std: float = 0.5


_MIN_SHORT_SIDE = 3  # a candidate thinner than this (model pixels) is noise
_WORTH_PROBING = 1.5  # below this many times the probe's side, a probe costs more than it can save
_CLOSE_ENOUGH = 1.15  # the probe's lines are kept when the side asked for is within this factor of the probe's


class TextDetector:
    """Finds text lines in BGR images with a DB model's session."""

    def __init__(self, session: ort.InferenceSession, options: DetectionOptions | None = None):
        self.session = session
        self.options = options or DetectionOptions()
        self._input = session.get_inputs()[0].name

    def detect(self, bgr: np.ndarray, probe: bool = True) -> list[Quad]:
        """Line boxes in `bgr`'s pixels, top to bottom and left to right within a line of text. `probe`: let the
        size of the print choose the resolution (else `max_side`)."""
        opts = self.options
        longer = max(bgr.shape[:2])
        if not probe or not opts.probe_side or min(longer, opts.max_side) <= opts.probe_side * _WORTH_PROBING:
            return reading_sorted(self._detect(bgr, opts.max_side))
        probed = self._detect(bgr, opts.probe_side)
        side = self.side_for(probed, opts.probe_side / longer)
        return reading_sorted(probed if side <= opts.probe_side * _CLOSE_ENOUGH else self._detect(bgr, side))

    def side_for(self, probed: list[Quad], probe_scale: float) -> int:
        """The longer side that brings the median height of the lines `probed` (found at `probe_scale` times the
        image's size) to `line_height`, within `probe_side` and `max_side`."""
        opts = self.options
        if not probed or _mostly_blocks(probed, opts.line_height / probe_scale):
            return opts.max_side
        height = float(np.median([_short_side(quad) for quad in probed])) * probe_scale
        return int(min(opts.max_side, max(opts.probe_side, opts.probe_side * opts.line_height / height)))

    def _detect(self, bgr: np.ndarray, side: int) -> list[Quad]:
        h, w = bgr.shape[:2]
        resized = _resize_for_model(bgr, side)
        if resized is None:
            return []
        x = np.ascontiguousarray(resized.transpose(2, 0, 1), dtype=np.float32)  # channels first, as the model takes
        x /= 255.0
        x -= self.options.mean
        x /= self.options.std
        probability = self.session.run(None, {self._input: x[None]})[0][0, 0]
        return self.lines_from_map(probability, w, h)

    def lines_from_map(self, probability: np.ndarray, width: int, height: int) -> list[Quad]:
        """Line boxes from the model's probability map, scaled to a `width` x `height` image."""
        opts = self.options
        mask = cv2.dilate((probability > opts.pixel_threshold).astype(np.uint8), np.ones((2, 2), np.uint8))
        contours, _ = cv2.findContours(mask * 255, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        map_h, map_w = probability.shape
        scale = np.array([width / map_w, height / map_h], dtype=np.float32)
        quads = []
        for contour in contours[: opts.max_lines]:
            rect = cv2.minAreaRect(contour)
            if min(rect[1]) < _MIN_SHORT_SIDE:
                continue
            if _mean_inside(probability, cv2.boxPoints(rect)) < opts.box_threshold:
                continue
            grown = _grow(rect, opts.unclip_ratio)
            if min(grown[1]) < _MIN_SHORT_SIDE + 2:
                continue
            corners = np.round(_corners(cv2.boxPoints(grown)) * scale)
            corners = np.clip(corners, 0, [width - 1, height - 1]).astype(np.float32)
            if np.linalg.norm(corners[0] - corners[1]) < 4 or np.linalg.norm(corners[0] - corners[3]) < 4:
                continue
            quads.append(corners)
        return quads


def _short_side(quad: Quad) -> float:
    return float(min(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[0] - quad[3])))


_BLOCK_HEIGHT = 3.0  # times `line_height`: at the probe's resolution, no line of print is this tall...
_BLOCK_SHAPE = 3.0  # ... and this little wider than tall
_MOSTLY = 0.5


def _mostly_blocks(quads: list[Quad], line_height: float) -> bool:
    """Whether most of the area of the boxes `quads` is in blocks rather than lines: at low resolution the lines
    of soft (out-of-focus, low-dpi) print run together into one box per paragraph, whose height says nothing
    about the print's. `line_height` is the height, in the boxes' pixels, of a line of ordinary print."""
    sides = np.array([sorted((np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[0] - q[3]))) for q in quads])
    short, long = sides[:, 0], sides[:, 1]
    blocks = (short > _BLOCK_HEIGHT * line_height) & (long < _BLOCK_SHAPE * short)
    return float((short * long)[blocks].sum()) > _MOSTLY * float((short * long).sum())


def _resize_for_model(bgr: np.ndarray, max_side: int) -> np.ndarray | None:
    """`bgr` scaled so its longer side is at most `max_side`, each side a multiple of 32 (the network's stride)."""
    h, w = bgr.shape[:2]
    ratio = min(1.0, max_side / max(h, w))
    new_h, new_w = int(round(int(h * ratio) / 32) * 32), int(round(int(w * ratio) / 32) * 32)
    if new_h <= 0 or new_w <= 0:
        return None
    return cv2.resize(bgr, (new_w, new_h))


def _mean_inside(probability: np.ndarray, corners: np.ndarray) -> float:
    """Mean of `probability` inside the polygon `corners`."""
    h, w = probability.shape
    x0, y0 = np.clip(np.floor(corners.min(axis=0)).astype(int), 0, [w - 1, h - 1])
    x1, y1 = np.clip(np.ceil(corners.max(axis=0)).astype(int), 0, [w - 1, h - 1])
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), dtype=np.uint8)
    cv2.fillPoly(mask, [(corners - [x0, y0]).astype(np.int32)], 1)
    return cv2.mean(probability[y0 : y1 + 1, x0 : x1 + 1], mask)[0]


def _grow(rect: tuple, unclip_ratio: float) -> tuple:
    """The rotated rectangle `rect` grown on every side by unclip_ratio * area / perimeter. (Offsetting a
    rectangle with rounded corners and taking its tightest rectangle gives exactly this.)"""
    center, (w, h), angle = rect
    margin = w * h * unclip_ratio / (2 * (w + h))
    return center, (w + 2 * margin, h + 2 * margin), angle


def _corners(points: np.ndarray) -> np.ndarray:
    """Four points as top-left, top-right, bottom-right, bottom-left."""
    by_x = points[np.argsort(points[:, 0], kind="stable")]
    left = by_x[:2][np.argsort(by_x[:2, 1], kind="stable")]
    right = by_x[2:][np.argsort(by_x[2:, 1], kind="stable")]
    return np.array([left[0], right[0], right[1], left[1]], dtype=np.float32)


_SAME_LINE_PX = 10


def reading_sorted(quads: list[Quad]) -> list[Quad]:
    """Boxes top to bottom; boxes whose tops are within a few pixels of the previous one count as one
    line of text and go left to right."""
    if not quads:
        return []
    tops = np.array([q[0, 1] for q in quads])
    by_top = np.argsort(tops, kind="stable")
    line_ids = np.concatenate([[0], np.cumsum(np.diff(tops[by_top]) >= _SAME_LINE_PX)])
    lefts = np.array([quads[i][0, 0] for i in by_top])
    return [quads[by_top[i]] for i in np.lexsort((lefts, line_ids))]
