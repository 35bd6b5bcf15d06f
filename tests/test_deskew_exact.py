"""The faster skew search (integer row sums, each angle scored once) finds the angle the plain search finds."""

import cv2
import numpy as np
import pytest

from ocrvl import deskew as deskew_module
from ocrvl.deskew import skew_angle
from ocrvl.documents import iter_pages
from tests.conftest import SAMPLES


def plain_skew_angle(image: np.ndarray) -> float:
    """The projection-profile search with float row sums, every angle rotated afresh."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    scale = min(1.0, deskew_module._WORK_WIDTH / gray.shape[1])
    if scale < 1:
        gray = cv2.resize(gray, (deskew_module._WORK_WIDTH, max(1, round(gray.shape[0] * scale))),
                          interpolation=cv2.INTER_AREA)  # fmt: skip
    ink = cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    h, w = ink.shape

    def score(angle: float) -> float:
        rotated = cv2.warpAffine(ink, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), (w, h),
                                 flags=cv2.INTER_NEAREST)  # fmt: skip
        return float(np.var(rotated.sum(axis=1, dtype=np.float64)))

    limit = deskew_module._MAX_ANGLE
    coarse = max(np.arange(-limit, limit + 1e-6, 0.5), key=score)
    return -round(float(max(np.arange(coarse - 0.5, coarse + 0.5 + 1e-6, 0.1), key=score)), 2)


@pytest.mark.parametrize("degrees", [-4.2, -0.3, 1.9, 3.6])
def test_the_fast_search_finds_the_plain_searchs_angle(degrees):
    page = next(iter_pages(SAMPLES / "born_digital.pdf")).image
    h, w = page.shape[:2]
    tilted = cv2.warpAffine(page, cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0), (w, h),
                            borderValue=(255, 255, 255))  # fmt: skip
    assert skew_angle(tilted) == plain_skew_angle(tilted)
    assert abs(skew_angle(tilted) - degrees) <= 0.2
