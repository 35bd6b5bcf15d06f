"""Pages printed light on dark (a dark slide, a cover in reverse print), turned over to dark on light.

The lite engine's models learnt pages printed dark on light. On a dark slide the layout model finds few regions or
none and the text detector cuts bullets off their lines; turned over, the same page is laid out and read as its light
twin is. Print dark on a dark ground reads worse turned over, so the print has to be the light side of the ground.
The ground is the page's median grey level, and also that of a strip round its edge: a dark photograph filling the
middle of a page leaves the white margins its ground. Print is strokes: a page half dark band, half white paper is a
light page with a dark part, and is left as it is.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocrvl.image_sample import gray_sample, rim, sample_step

_DARK_GROUND = 128  # grey level under which a ground is dark
_EDGE = 0.02  # of the page's shorter side: the strip round its edge
_PRINT_CONTRAST = 40  # grey levels between print and its ground
_LIGHT_OVER_DARK = 2.0  # light marks outnumber dark ones this many times on a page printed light
_LOOK_SIDE = 800  # pixels, the longest side of the sample looked at
_LIGHT_AREA = 9  # pixels of the sample: light wider than this both ways is an area, not a stroke
_MOST_PAPER = 0.15  # of the page: light areas beyond this make it a light page with dark parts


def printed_light_on_dark(image: np.ndarray) -> bool:
    """Whether the RGB, BGR or grey page `image` is printed light on a dark ground."""
    if image.size == 0:
        return False
    # every step-th pixel each way: counts and medians, not shapes
    gray = gray_sample(image, sample_step(image, _LOOK_SIDE))
    ground = float(np.median(gray))
    border = rim(gray, max(1, round(_EDGE * min(gray.shape[:2]))))
    if ground >= _DARK_GROUND or float(np.median(border)) >= _DARK_GROUND:
        return False
    light = (gray > ground + _PRINT_CONTRAST).astype(np.uint8)
    # strokes of print are thin at this scale; light areas wider than _LIGHT_AREA pixels are paper (a page half dark
    # band, half white paper, is not printed light on dark)
    areas = cv2.morphologyEx(light, cv2.MORPH_OPEN, np.ones((_LIGHT_AREA, _LIGHT_AREA), np.uint8))
    if np.count_nonzero(areas) > _MOST_PAPER * gray.size:
        return False
    dark = np.count_nonzero(gray < ground - _PRINT_CONTRAST)
    return bool(np.count_nonzero(light & ~areas.astype(bool)) > _LIGHT_OVER_DARK * dark)


def dark_on_light(image: np.ndarray) -> np.ndarray:
    """`image` with its tones turned over where it is printed light on dark; else `image` itself."""
    return 255 - image if printed_light_on_dark(image) else image
