"""Straightening scanned pages: the skew angle from projection profiles, then a rotation.

Text lines make the horizontal ink profile of an upright page spiky (dense rows, blank gaps);
at the wrong angle the spikes smear. The angle whose profiles have the largest variance wins. Each half of the
page has a profile of its own: the lines of columns side by side are seldom level with each other's (two stories,
a column that starts lower), and in one profile across the page they fill each other's gaps, so that a wrong angle
lining up some of them can score higher than the right one. The same profiles tell a page turned a quarter: its
vertical profile is the spiky one.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_MAX_ANGLE = 5.0  # degrees searched either way
_WORK_WIDTH = 800  # the estimate runs on a copy this wide
_MIN_ANGLE = 0.5  # degrees: OCR copes with less, and resampling blurs the glyphs a little
_ACROSS_OVER_DOWN = 0.5


@dataclass(frozen=True)
class PageMarks:
    """The dark marks of a page image (1 on 0) on a copy `_WORK_WIDTH` wide, which its skew and the way its text
    runs are measured on (see `page_marks`)."""

    marks: np.ndarray

    @property
    def enough(self) -> bool:
        """Whether there are marks enough to make out lines."""
        return bool(self.marks.sum() >= 0.002 * self.marks.size)


def page_marks(image: np.ndarray) -> PageMarks:
    """The dark marks of the RGB or grey `image`."""
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) if image.ndim == 3 else image
    scale = min(1.0, _WORK_WIDTH / gray.shape[1])
    if scale < 1:  # at least one row: a page a few pixels high would otherwise shrink to nothing
        size = (_WORK_WIDTH, max(1, round(gray.shape[0] * scale)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    return PageMarks(cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15))


def _spikiness(profile: np.ndarray) -> float:
    """How unevenly the ink of a projection profile is spread: its variance over its squared mean."""
    profile = profile.astype(np.float64).ravel()
    return float(np.var(profile)) / max(float(np.mean(profile)) ** 2, 1e-12)


def lines_run_down(marks: PageMarks) -> bool:
    """Whether the page's text clearly runs up or down it (the page lies turned a quarter): its ink profile across
    the page is less than `_ACROSS_OVER_DOWN` times as spiky as the one down it. Measured on 78 pages of the dev
    split (its scans, and its born-digital pages rendered): upright pages 0.95 times and more, pages lying turned a
    quarter 0.03 to 0.55 times. Where it is not clear, the lines the OCR finds tell."""
    if not marks.enough:
        return False
    across = _spikiness(cv2.reduce(marks.marks, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S))
    down = _spikiness(cv2.reduce(marks.marks, 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S))
    return across < _ACROSS_OVER_DOWN * down


def skew_angle(image: np.ndarray, marks: PageMarks | None = None) -> float:
    """Counter-clockwise skew of the text in degrees (0.0 when no clear text lines are found); `marks`: the
    image's `page_marks`, where already made."""
    marks = marks if marks is not None else page_marks(image)
    if not marks.enough:
        return 0.0
    ink = marks.marks
    h, w = ink.shape
    centre = (w / 2, h / 2)

    scores: dict[float, float] = {}  # the fine search's ends and middle are coarse angles already scored

    def score(angle: float) -> float:
        if angle not in scores:
            rotation = cv2.getRotationMatrix2D(centre, angle, 1.0)
            rotated = cv2.warpAffine(ink, rotation, (w, h), flags=cv2.INTER_NEAREST)
            scores[angle] = sum(float(np.var(_row_sums(half))) for half in (rotated[:, : w // 2], rotated[:, w // 2 :]))
        return scores[angle]

    coarse = max(np.arange(-_MAX_ANGLE, _MAX_ANGLE + 1e-6, 0.5), key=score)
    fine = max(np.arange(coarse - 0.5, coarse + 0.5 + 1e-6, 0.1), key=score)
    # rotating by `fine` makes the page upright, so the text is skewed by -fine
    return -round(float(fine), 2)


def _row_sums(marks: np.ndarray) -> np.ndarray:
    # integer row sums are exact, and OpenCV's are many times faster than numpy's float ones
    return cv2.reduce(marks, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel().astype(np.float64)


def deskew(image: np.ndarray, marks: PageMarks | None = None) -> tuple[np.ndarray, float]:
    """The page rotated upright (white fill at the corners) and the skew that was removed, in degrees; `marks`:
    the image's `page_marks`, where already made."""
    angle = skew_angle(image, marks)
    if abs(angle) < _MIN_ANGLE:
        return image, 0.0
    h, w = image.shape[:2]
    rotation = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
    upright = cv2.warpAffine(
        image, rotation, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255)
    )
    return upright, angle
