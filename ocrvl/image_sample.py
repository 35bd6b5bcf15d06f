"""A page image looked at coarsely: every n-th pixel of it in grey, and the strip round its edge.

Whole-page checks (is the page printed light on dark, is it a sheet photographed on a desk) need tones and rough
shapes, not the print: a copy some 800 pixels long is enough and costs a few milliseconds.
"""

from __future__ import annotations

import math

import cv2
import numpy as np


def sample_step(image: np.ndarray, longest: int) -> int:
    """Every how many pixels each way a copy of `image` no longer than `longest` pixels takes one."""
    return max(1, math.ceil(max(image.shape[:2]) / longest))


def gray_sample(image: np.ndarray, step: int) -> np.ndarray:
    """Every `step`-th pixel of the RGB (or BGR) or grey `image` each way, in grey."""
    sampled = np.ascontiguousarray(image[::step, ::step])
    return cv2.cvtColor(sampled, cv2.COLOR_RGB2GRAY) if sampled.ndim == 3 else sampled


def rim(gray: np.ndarray, width: int) -> np.ndarray:
    """The pixels of the strips `width` wide along the four edges of `gray`, as one flat array."""
    return np.concatenate(
        [gray[:width].ravel(), gray[-width:].ravel(), gray[:, :width].ravel(), gray[:, -width:].ravel()]
    )
