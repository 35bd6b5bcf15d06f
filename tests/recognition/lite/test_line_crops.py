"""A line is cut out of the page exactly as the perspective warp cuts it, whether the box is upright on whole
pixels (copied) or not (warped)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocrvl.recognition.lite.text_recognition import crop_line, quad_size


def _warped(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    width, height = quad_size(quad)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    transform = cv2.getPerspectiveTransform(quad, target)
    return cv2.warpPerspective(
        image, transform, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
    )


@pytest.mark.parametrize(
    "corners",
    [
        [[10, 20], [310, 20], [310, 60], [10, 60]],  # upright, whole pixels
        [[10.5, 20], [310.5, 20], [310.5, 60], [10.5, 60]],  # upright, between pixels
        [[10, 20], [310, 26], [309, 66], [9, 60]],  # tilted
        [[300, 70], [420, 70], [420, 110], [300, 110]],  # upright, whole pixels, past the page's corner
        [[-2, 0], [50, 0], [50, 30], [-2, 30]],  # upright, whole pixels, left of the page
    ],
)
def test_a_line_is_cut_out_as_the_warp_cuts_it(corners):
    page = np.random.default_rng(0).integers(0, 256, (100, 400, 3), dtype=np.uint8)
    quad = np.array(corners, dtype=np.float32)
    line = crop_line(page, quad)
    assert not np.shares_memory(line, page)  # a copy: the page is not changed through it
    assert np.array_equal(line, _warped(page, quad))
