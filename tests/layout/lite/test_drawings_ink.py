"""The drawing finder's ink mask is the mean-grey threshold it always was, made fast."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocrvl.layout.lite.drawings import _INK, _ink_mask, _stroke_groups
from ocrvl.types import Word


def test_the_ink_mask_matches_the_mean_grey_threshold_on_colour_and_grey_pages():
    rng = np.random.default_rng(7)
    colour = rng.integers(0, 256, size=(64, 48, 3), dtype=np.uint8)
    colour[0, :3] = [[160, 160, 159], [160, 160, 160], [255, 255, 0]]  # sums 479, 480, 510: the threshold's edge
    expected = (colour.mean(axis=2) < _INK).astype(np.uint8)
    assert np.array_equal(_ink_mask(colour), expected)
    assert _ink_mask(colour)[0, :3].tolist() == [1, 0, 0]
    grey = colour[:, :, 0]
    assert np.array_equal(_ink_mask(grey), (grey < _INK).astype(np.uint8))


def strokes_over_the_whole_page(image: np.ndarray, words: list[Word], line_height: float) -> list[tuple]:
    """The stroke groups found by dilating and labelling the whole page, not the window around the ink."""
    ink = _ink_mask(image)
    pad = max(1, round(0.2 * line_height))
    for w in words:
        x0, y0, x1, y1 = (round(v) for v in w.bbox)
        ink[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad] = 0
    join = max(3, round(0.5 * line_height)) | 1
    count, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(ink, np.ones((join, join), np.uint8)), 8)
    height, width = ink.shape
    boxes = []
    for x, y, w, h, _ in stats[1:count]:
        if w < 3 * line_height or h < 3 * line_height or x == 0 or y == 0 or x + w >= width or y + h >= height:
            continue
        if 0.005 <= float(ink[y : y + h, x : x + w].mean()) <= 0.35:
            margin = join // 2
            boxes.append((float(x + margin), float(y + margin), float(x + w - margin), float(y + h - margin)))
    return boxes


@pytest.mark.parametrize("edge_strokes", [False, True])
def test_strokes_are_found_in_the_window_around_the_ink_as_over_the_whole_page(edge_strokes):
    page = np.full((900, 700, 3), 255, np.uint8)
    words = [Word("text", (50.0, 40.0, 650.0, 70.0))]
    page[45:65, 55:645] = 30  # the line of text, masked out as a word
    cv2.rectangle(page, (300, 300), (420, 430), (0, 0, 0), 2)  # a drawing inside the page
    cv2.circle(page, (640, 840), 45, (0, 0, 0), 2)  # a drawing a few pixels from the bottom right corner
    if edge_strokes:
        cv2.line(page, (0, 700), (150, 890), (0, 0, 0), 2)  # strokes touching the page's edge: a scan border
    expected = strokes_over_the_whole_page(page, words, 30.0)
    assert _stroke_groups(page, words, 30.0) == expected
    assert len(expected) == 2, "the rectangle and the circle"


def test_a_page_whose_ink_is_all_words_has_no_strokes():
    page = np.full((200, 300, 3), 255, np.uint8)
    page[45:65, 55:245] = 30
    assert _stroke_groups(page, [Word("text", (50.0, 40.0, 250.0, 70.0))], 30.0) == []
