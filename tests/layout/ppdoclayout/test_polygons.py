"""Outlines of a polygon layout model (PP-DocLayoutV3) through PaddleOCR-VL's box rules: the shape each
``layout_shape_mode`` gives them, the overlap filter that looks at them, and the crops cut along them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ocrvl.errors import OptionsError
from ocrvl.layout.ppdoclayout.block_merge import MergedBlock, stitch_crops
from ocrvl.layout.ppdoclayout.box_rules import LayoutBoxOptions, parsing_regions, postprocess_layout
from ocrvl.layout.ppdoclayout.polygons import box_corners, crop_region, shape_outlines, shaped_outline
from ocrvl.recognition.vl.routing import crop_box
from ocrvl.types import Region


def rotated_rectangle_points(cx: float, cy: float, w: float, h: float, degrees: float):
    a = math.radians(degrees)
    corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    return tuple((cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a)) for x, y in corners)


def bounds(points) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (float(round(min(xs))), float(round(min(ys))), float(round(max(xs))), float(round(max(ys))))


TILTED = rotated_rectangle_points(300, 200, 400, 80, 12)  # a text line photographed at 12 degrees
L_SHAPE = ((100.0, 100.0), (400.0, 100.0), (400.0, 200.0), (200.0, 200.0), (200.0, 400.0), (100.0, 400.0))


def rotated(points, degrees: float, cx: float = 250.0, cy: float = 250.0):
    cos, sin = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    turned = [(cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos) for x, y in points]
    return tuple((float(np.float32(x)), float(np.float32(y))) for x, y in turned)


TILTED_L = rotated(L_SHAPE, 30)  # an L-shaped block on a page photographed askew: neither a box nor a rectangle


def test_rect_mode_gives_the_box_corners_and_poly_keeps_the_outline():
    box = bounds(TILTED)
    assert shaped_outline(box, TILTED, "rect") == box_corners(box)
    assert shaped_outline(box, L_SHAPE, "poly") == L_SHAPE


def test_quad_mode_gives_the_rotated_rectangle_from_its_top_left_corner():
    on_top_edge = tuple((a + b) / 2 for a, b in zip(TILTED[0], TILTED[1], strict=True))
    quad = shaped_outline(bounds(TILTED), (TILTED[0], on_top_edge, *TILTED[1:]), "quad")
    assert len(quad) == 4
    assert np.abs(np.array(sorted(quad)) - np.array(sorted(TILTED))).max() < 0.5
    assert quad[0] == min(quad, key=lambda p: p[0] + p[1])


def test_auto_mode_picks_box_rectangle_or_outline_by_fit():
    straight = ((10.0, 10.0), (200.0, 11.0), (200.0, 60.0), (10.0, 59.0))  # nearly the box itself
    box = bounds(straight)
    assert shaped_outline(box, straight, "auto") == box_corners(box)
    tilted = shaped_outline(bounds(TILTED), TILTED, "auto")
    assert len(tilted) == 4 and tilted != box_corners(bounds(TILTED))  # the tilted rectangle
    assert shaped_outline(bounds(L_SHAPE), L_SHAPE, "auto") == box_corners(bounds(L_SHAPE))  # upright: its box
    assert shaped_outline(bounds(TILTED_L), TILTED_L, "auto") == TILTED_L  # askew: no rectangle fits it
    # A tilted rectangle whose box the previous region's outline already covers keeps its own outline.
    assert shaped_outline(bounds(TILTED), TILTED, "auto", previous=box_corners(bounds(TILTED))) == tuple(
        (float(np.float32(x)), float(np.float32(y))) for x, y in TILTED
    )


def test_an_outline_of_under_four_points_or_none_is_the_box():
    box = (10.0, 10.0, 50.0, 40.0)
    assert shaped_outline(box, ((10.0, 10.0), (50.0, 10.0), (30.0, 40.0)), "poly") == box_corners(box)
    assert shape_outlines([Region(box, "text", 0.9, polygon=None), Region(box, "text", 0.9, polygon=L_SHAPE)],
                          "poly")[0].polygon == box_corners(box)  # fmt: skip


def test_box_only_regions_stay_boxes_in_every_mode():
    regions = [Region((10.0, 10.0, 200.0, 60.0), "text", 0.9, order=1, cls_id=22)]
    for mode in ("rect", "quad", "poly", "auto"):
        out = postprocess_layout(regions, 600, 800, LayoutBoxOptions(layout_shape_mode=mode))
        assert [r.polygon for r in out] == [None]
        assert out == postprocess_layout(regions, 600, 800)


def test_unknown_shape_mode_is_refused():
    with pytest.raises(OptionsError, match="layout_shape_mode 'oval'"):
        LayoutBoxOptions(layout_shape_mode="oval")


def v3_region(points, label="text", score=0.9, order=1, cls_id=22) -> Region:
    return Region(bounds(points), label, score, order=order, cls_id=cls_id, polygon=tuple(points))


def test_outlines_follow_their_boxes_through_nms_and_sorting():
    first = v3_region(TILTED_L, order=2)
    duplicate = v3_region(TILTED_L, score=0.8, order=3)  # same box: NMS drops it
    tilted = v3_region(TILTED, order=1)
    out = postprocess_layout([first, duplicate, tilted], 1000, 1000, LayoutBoxOptions(threshold=0.3))
    assert [r.order for r in out] == [1, 2]
    assert out[0].polygon != box_corners(out[0].bbox) and len(out[0].polygon) == 4  # the tilted line's rectangle
    assert out[1].polygon == TILTED_L
    rect = postprocess_layout([first, tilted], 1000, 1000, LayoutBoxOptions(threshold=0.3, layout_shape_mode="rect"))
    assert [r.polygon for r in rect] == [None, None]


# Two columns of a photographed page, slanted: their boxes overlap by far more than 70 %, their outlines not at all.
LEFT_COLUMN = ((100.0, 100.0), (150.0, 100.0), (650.0, 700.0), (600.0, 700.0))
RIGHT_COLUMN = ((200.0, 100.0), (250.0, 100.0), (750.0, 700.0), (700.0, 700.0))


def test_heavily_overlapping_boxes_whose_outlines_are_apart_both_stay():
    left = v3_region(LEFT_COLUMN, order=1)
    right = v3_region(RIGHT_COLUMN, order=2)
    assert [r.polygon for r in parsing_regions([left, right])] == [LEFT_COLUMN, RIGHT_COLUMN]
    as_boxes = [Region(r.bbox, r.label, r.score, r.order, r.cls_id) for r in (left, right)]
    assert len(parsing_regions(as_boxes)) == 1  # the same boxes without outlines: the smaller one goes


def test_overlapping_outlines_still_drop_the_smaller_block():
    big = v3_region(L_SHAPE, order=1)
    inner = v3_region(((110.0, 110.0), (390.0, 110.0), (390.0, 190.0), (210.0, 190.0), (210.0, 390.0),
                       (110.0, 390.0)), order=2)  # fmt: skip
    assert [r.polygon for r in parsing_regions([big, inner])] == [L_SHAPE]


def page_image(height=800, width=700) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 200, (height, width, 3), dtype=np.uint8)  # no pure white anywhere


def test_a_region_is_cut_white_outside_its_outline():
    image = page_image()
    box = bounds(LEFT_COLUMN)
    crop = crop_region(image, box, LEFT_COLUMN)
    x0, y0 = int(box[0]), int(box[1])
    assert crop.shape == (int(box[3]) - y0, int(box[2]) - x0, 3)
    assert (crop[5, -5] == 255).all()  # top right of the box, outside the slanted column
    assert (crop[-5, 5] == 255).all()  # bottom left
    assert (crop[300, 275] == image[y0 + 300, x0 + 275]).all()  # inside: the page's pixels
    assert (crop_region(image, box, None) == crop_box(image, box)).all()  # no outline: the plain box crop


def test_stitched_members_are_cut_along_their_outlines():
    image = page_image()
    top = v3_region(((100.0, 100.0), (300.0, 100.0), (320.0, 140.0), (120.0, 140.0)), order=1)
    below = v3_region(((100.0, 150.0), (300.0, 150.0), (320.0, 190.0), (120.0, 190.0)), order=2)
    stitched = stitch_crops(image, MergedBlock((top, below), ("left",)))
    assert stitched.shape[:2] == (80, 220)
    assert (stitched[35, 2] == 255).all() and (stitched[75, 2] == 255).all()  # left of each slanted edge
    assert (stitched[2, 110] == image[102, 210]).all()
