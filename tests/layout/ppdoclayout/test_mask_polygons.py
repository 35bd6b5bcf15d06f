"""Region outlines from PP-DocLayoutV3's masks: the shapes a user sees in ``block_polygon_points``."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ocrvl.layout.ppdoclayout.mask_polygons import (
    mask_outline,
    outline_vertices,
    polygons_from_masks,
    rectangle,
)

PAGE = (800, 800)  # page pixels = network input pixels: one mask cell is 4 x 4 page pixels
INPUT = (800, 800)


def _mask_with(polygon_in_page_pixels: np.ndarray) -> np.ndarray:
    """A 200 x 200 mask filled inside `polygon` (page pixels of an 800 x 800 page)."""
    mask = np.zeros((200, 200), dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(np.asarray(polygon_in_page_pixels) / 4).astype(np.int32)], 1)
    return mask


def test_a_box_filled_by_its_mask_is_its_rectangle():
    box = np.array([[100.0, 200.0, 500.0, 300.0]])
    mask = _mask_with(np.array([[100, 200], [500, 200], [500, 300], [100, 300]]))
    (outline,) = polygons_from_masks(box, mask[None], PAGE, INPUT)
    assert len(outline) == 4
    assert {tuple(p) for p in outline.tolist()} == {(100, 200), (499, 200), (499, 299), (100, 299)}


def test_a_skewed_block_gets_its_slanted_outline_not_its_bounding_box():
    # A text block photographed at an angle: a parallelogram, as on a skewed page.
    corners = np.array([[100, 260], [600, 200], [620, 360], [120, 420]])
    box = np.array([[100.0, 200.0, 620.0, 420.0]])
    (outline,) = polygons_from_masks(box, _mask_with(corners)[None], PAGE, INPUT)
    assert len(outline) == 4
    for corner in corners:  # each true corner within a few pixels of an outline vertex
        assert np.min(np.linalg.norm(outline - corner, axis=1)) < 8
    assert not np.any(np.all(np.isclose(outline, [100, 200], atol=8), axis=1))  # the box's corner is not in it


def test_an_empty_mask_or_an_empty_box_gives_the_rectangle():
    boxes = np.array([[10.0, 20.0, 110.0, 220.0], [50.0, 50.0, 50.0, 90.0]])
    masks = np.zeros((2, 200, 200), dtype=bool)
    masks[1] = True
    empty_mask, empty_box = polygons_from_masks(boxes, masks, PAGE, INPUT)
    np.testing.assert_array_equal(empty_mask, rectangle(boxes[0]))
    np.testing.assert_array_equal(empty_box, rectangle(boxes[1]))


def test_mask_cells_map_to_a_non_square_page():
    # On a 1600 x 400 page a mask cell covers 8 x 2 page pixels: the block's outline lands on the page's pixels.
    mask = np.zeros((200, 200), dtype=np.uint8)
    mask[50:150, 25:100] = 1  # cells: x 25..100 -> page x 200..800, y 50..150 -> page y 100..300
    box = np.array([[0.0, 0.0, 1600.0, 400.0]])
    (outline,) = polygons_from_masks(box, mask[None], (1600, 400), INPUT)
    xs, ys = outline[:, 0], outline[:, 1]
    assert (xs.min(), xs.max(), ys.min(), ys.max()) == (200, 799, 100, 299)


def test_a_lone_concave_corner_is_cut_off_as_paddlex_does():
    # An L shape: PaddleX keeps a concave vertex only in a run of two or more, so the notch's corner goes.
    l_shape = np.array([[0, 0], [0, 100], [100, 100], [100, 50], [50, 50], [50, 0]])
    kept = outline_vertices(l_shape, reach=1000.0)
    assert (50, 50) not in [tuple(map(int, p)) for p in kept]
    assert len(kept) == 5


def test_a_45_degree_corner_is_moved_along_its_bisector_as_paddlex_does():
    triangle = np.array([[0, 0], [0, 100], [100, 100]])  # right isosceles: two 45-degree corners
    kept = np.array(outline_vertices(triangle, reach=1000.0))
    assert kept.shape == (3, 2)
    assert tuple(kept[1]) == (0, 100)  # the right angle stays
    # (0, 0) moves into its angle by the mean length of its edges (100 and 141.4 px), past the opposite side
    moved = kept[0]
    assert np.linalg.norm(moved - [0, 0]) == pytest.approx((100 + np.hypot(100, 100)) / 2)
    assert moved[0] > 0 and moved[1] > 100


def test_long_gaps_between_kept_vertices_get_dropped_vertices_back():
    # A comb: the concave vertices between teeth are dropped, then some come back to bridge long gaps.
    teeth = [[x, 0] for x in range(0, 400, 40)]
    outline = []
    for x, _ in teeth:
        outline += [[x, 100], [x, 0], [x + 20, 0], [x + 20, 100]]  # tooth up, across, down (y grows down)
    outline += [[400, 100], [400, 200], [0, 200]]
    points = np.array(outline[::-1])
    short = outline_vertices(points, reach=10_000.0)
    bridged = outline_vertices(points, reach=100.0)
    assert len(bridged) > len(short)


def test_mask_outline_of_an_empty_mask_is_none():
    assert mask_outline(np.zeros((20, 20), dtype=np.uint8), reach=10.0) is None
