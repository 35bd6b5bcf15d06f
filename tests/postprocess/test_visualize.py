"""The layout picture draws what was read: a box, or a polygon layout model's outline."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ocrvl.postprocess.visualize import layout_picture
from ocrvl.types import Block, PageResult, Region

SLANTED = ((100.0, 60.0), (300.0, 100.0), (280.0, 200.0), (80.0, 160.0))


def picture_of(polygon):
    region = Region((80.0, 60.0, 300.0, 200.0), "text", 0.9, order=1, cls_id=22, polygon=polygon)
    page = PageResult(Path("p.png"), 0, 1, 400, 300, [region], [Block(region, "x")], {},
                      image=np.full((300, 400, 3), 255, dtype=np.uint8))  # fmt: skip
    return np.asarray(layout_picture(page))


def tinted(pixel) -> bool:
    return tuple(int(v) for v in pixel) != (255, 255, 255)


def test_an_outline_is_drawn_as_the_outline_not_its_box():
    outlined, boxed = picture_of(SLANTED), picture_of(None)
    corner = (195, 85)  # (row, column) inside the box, outside the slanted outline
    centre = (130, 190)
    assert tinted(boxed[corner]) and not tinted(outlined[corner])
    assert tinted(outlined[centre]) and tinted(boxed[centre])
    assert tuple(outlined[centre]) == tuple(boxed[centre]), "the same label colour and tint as a box"
