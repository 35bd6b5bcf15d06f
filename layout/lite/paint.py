"""How much of a box the page paints besides its text: a chart's bars and wedges, a photo, a map. A table is
text on a background, with at most rules and a shaded row or two."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ocrvl.geometry import crop_bounds
from ocrvl.types import BBox, Word

_AWAY = 48  # summed RGB distance from the background beyond which a pixel is paint
_QUANTUM = 32  # colours are counted in steps of this much per channel to find the background
_BAND = 0.9  # a row of pixels painted across this share of its width is a band,
_FLAT = 30  # which is shading when its colour varies this little (summed standard deviation of R, G and B)


def painted_share(image: np.ndarray, box: BBox, words: Sequence[Word]) -> float:
    """The share of `box` outside its words' boxes whose colour is away from the box's background (its
    commonest colour), flat bands across the box (a table's shaded rows) aside: 0 for text on a plain or
    striped ground, near 1 for a photo."""
    x0, y0, x1, y1 = crop_bounds(box, image.shape[1], image.shape[0])
    if x1 - x0 < 2 or y1 - y0 < 2:
        return 0.0
    crop = image[y0:y1, x0:x1].astype(np.int32)
    outside_text = np.ones(crop.shape[:2], bool)
    for word in words:
        wx0, wy0 = max(0, int(word.bbox[0]) - x0), max(0, int(word.bbox[1]) - y0)
        wx1, wy1 = int(np.ceil(word.bbox[2])) - x0, int(np.ceil(word.bbox[3])) - y0
        outside_text[wy0:wy1, wx0:wx1] = False
    pixels = crop[outside_text]
    if len(pixels) == 0:
        return 0.0
    codes = (pixels // _QUANTUM) @ np.array([64, 8, 1])
    commonest = np.bincount(codes).argmax()
    background = pixels[codes == commonest].mean(axis=0)
    away = (np.abs(crop - background).sum(axis=2) > _AWAY) & outside_text
    painted = away.sum()
    for row in np.flatnonzero(away.sum(axis=1) >= _BAND * outside_text.sum(axis=1).clip(min=1)):
        if crop[row][away[row]].std(axis=0).sum() < _FLAT:
            painted -= away[row].sum()  # a shaded row of a table (a header band, a stripe), not a picture's paint
    return float(painted / len(pixels))
