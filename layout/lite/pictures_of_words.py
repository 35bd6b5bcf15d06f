"""Picture boxes that hold nothing but lines of words.

On a scan with show-through (the other side's print faintly mirrored through the paper) or a stain, the small
CDLA detector sometimes boxes a stretch of ordinary text together with the faint marks beside it as an image, and
the text would then be left out of the Markdown. A picture whose box, outside its words, holds next to no ink and
next to no paint (no strokes, bars, wedges, fills or photo) and which holds two or more rows of words is text: the
box goes and its words form text regions. The page's image is the one the OCR read, with the show-through that
could be told from print already set to the paper's tone; a chart keeps its box by its axes and its fills, pale
or not, a photo or a drawing by its ink. A panel printed in reverse (a sidebar or callout of light letters on a dark
fill, most of it empty below them) is boxed as an image too: there the fill is the ground, and ink is whatever
stands away from it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import cv2
import numpy as np

from ocrvl.geometry import crop_bounds
from ocrvl.layout.lite.regions import remove_regions, word_rows
from ocrvl.types import Region, Word

_DARK = 160  # grey level below which a pixel is ink
_AWAY = 32  # grey levels (in any channel) between a pixel and the paper beyond which it is paint: a pale fill
_WORD_PAD = 0.2  # line heights around each word that belong to its glyphs
# Shares of the box outside the words that may be ink and paint: specks, not a drawing's strokes, a chart's fills
# or a photo.
_MAX_INK_SHARE = 0.002
_MAX_PAINT_SHARE = 0.01
_MIN_ROWS = 2  # rows of words; a single row is a label or a logo's name
_FIGURES = ("image", "chart")  # a logo in the header or a seal is kept as drawn


def drop_pictures_of_words(
    regions: list[Region], words_per_region: Sequence[Sequence[Word]], image: np.ndarray
) -> bool:
    """Remove picture boxes whose only ink is lines of words. Returns True when a box was removed."""
    return remove_regions(
        regions, words_per_region, lambda region, words: region.label in _FIGURES and _only_words(region, words, image)
    )


def _only_words(region: Region, words: Sequence[Word], image: np.ndarray) -> bool:
    if len(word_rows(words)) < _MIN_ROWS:
        return False
    x0, y0, x1, y1 = crop_bounds(region.bbox, image.shape[1], image.shape[0])
    if x1 - x0 < 2 or y1 - y0 < 2:
        return False
    crop = image[y0:y1, x0:x1]
    outside_words = np.ones(crop.shape[:2], bool)
    pad = _WORD_PAD * statistics.median(w.bbox[3] - w.bbox[1] for w in words)
    for word in words:
        wx0, wy0 = max(0, round(word.bbox[0] - pad) - x0), max(0, round(word.bbox[1] - pad) - y0)
        wx1, wy1 = max(0, round(word.bbox[2] + pad) - x0), max(0, round(word.bbox[3] + pad) - y0)
        outside_words[wy0:wy1, wx0:wx1] = False
    ink, paint, ground = _marks(crop)
    outside_words &= ground
    if not outside_words.any():
        return True
    outside = outside_words.sum()
    drawn = ink[outside_words].sum() >= _MAX_INK_SHARE * outside
    return not drawn and paint[outside_words].sum() < _MAX_PAINT_SHARE * outside


def _marks(crop: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the crop holds ink, where paint (away from its ground), and the part of it its ground covers. The
    ground is the crop's median colour: the paper, aged paper's tint and all, or the fill of a panel printed in
    reverse (light letters on a dark fill), with a strip of the page's margin around it. On a light ground ink is
    what is dark; on a dark one, whatever stands away from the fill, and the margin beyond the fill's extent is not
    looked at. A 3x3 median first, so that a scan's grain is neither ink nor paint."""
    smooth = cv2.medianBlur(np.ascontiguousarray(crop), 3)
    channels = smooth.reshape(*smooth.shape[:2], -1).astype(np.int16)
    ground = np.median(channels.reshape(-1, channels.shape[2]), axis=0).astype(np.int16)
    paint = np.abs(channels - ground).max(axis=2) > _AWAY
    if ground.mean() >= _DARK:
        return channels.mean(axis=2) < _DARK, paint, np.ones(paint.shape, bool)
    rows, cols = np.nonzero(~paint)
    if rows.size == 0:  # no pixel is near the median of every channel: no flat fill
        return paint, paint, np.ones(paint.shape, bool)
    fill = np.zeros(paint.shape, bool)
    fill[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1] = True
    return paint, paint, fill
