"""Picture boxes that hold nothing but lines of words.

On a scan with show-through (the other side's print faintly mirrored through the paper) or a stain, the small
CDLA detector sometimes boxes a stretch of ordinary text together with the faint marks beside it as an image, and
the text would then be left out of the Markdown. A picture whose box, outside its words, holds next to no ink and
next to no paint (no strokes, bars, wedges, fills or photo) and which holds two or more rows of words is text: the
box goes and its words form text regions. The page's image is the one the OCR read, with the show-through that
could be told from print already set to the paper's tone; a chart keeps its box by its axes and its fills, pale
or not, a photo or a drawing by its ink.
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
    if not outside_words.any():
        return True
    ink, paint = _ink_and_paint(crop)
    outside = outside_words.sum()
    drawn = ink[outside_words].sum() >= _MAX_INK_SHARE * outside
    return not drawn and paint[outside_words].sum() < _MAX_PAINT_SHARE * outside


def _ink_and_paint(crop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the crop is dark, and where it is away from the paper (its median colour, so that aged paper's tint
    is not paint); a 3x3 median first, so that a scan's grain is neither."""
    smooth = cv2.medianBlur(np.ascontiguousarray(crop), 3)
    channels = smooth.reshape(*smooth.shape[:2], -1).astype(np.int16)
    paper = np.median(channels.reshape(-1, channels.shape[2]), axis=0).astype(np.int16)
    ink = channels.mean(axis=2) < _DARK
    paint = np.abs(channels - paper).max(axis=2) > _AWAY
    return ink, paint
