"""The drawing finder's ink mask is the mean-grey threshold it always was, made fast."""

from __future__ import annotations

import numpy as np

from ocrvl.layout.lite.drawings import _INK, _ink_mask


def test_the_ink_mask_matches_the_mean_grey_threshold_on_colour_and_grey_pages():
    rng = np.random.default_rng(7)
    colour = rng.integers(0, 256, size=(64, 48, 3), dtype=np.uint8)
    colour[0, :3] = [[160, 160, 159], [160, 160, 160], [255, 255, 0]]  # sums 479, 480, 510: the threshold's edge
    expected = (colour.mean(axis=2) < _INK).astype(np.uint8)
    assert np.array_equal(_ink_mask(colour), expected)
    assert _ink_mask(colour)[0, :3].tolist() == [1, 0, 0]
    grey = colour[:, :, 0]
    assert np.array_equal(_ink_mask(grey), (grey < _INK).astype(np.uint8))
