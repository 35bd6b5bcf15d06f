"""Skew estimation and straightening of scanned pages."""

import cv2
import numpy as np
import pymupdf
import pytest

from ocrvl.deskew import deskew, lines_run_down, page_marks, skew_angle
from ocrvl.documents import iter_pages
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def page_image():
    return next(iter_pages(SAMPLES / "born_digital.pdf")).image


def _rotated(image, degrees):
    h, w = image.shape[:2]
    rotation = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, rotation, (w, h), borderValue=(255, 255, 255))


@pytest.mark.parametrize("degrees", [-3.0, -1.2, 0.0, 0.7, 2.5])
def test_skew_angle_is_found_within_a_fifth_of_a_degree(page_image, degrees):
    assert abs(skew_angle(_rotated(page_image, degrees)) - degrees) <= 0.2


def test_deskew_makes_the_page_upright_and_leaves_straight_pages_alone(page_image):
    upright, removed = deskew(_rotated(page_image, 2.0))
    assert abs(removed - 2.0) <= 0.2 and abs(skew_angle(upright)) <= 0.2
    same, none = deskew(page_image)
    assert none == 0.0 and same is page_image


def test_blank_page_has_no_skew():
    assert skew_angle(np.full((400, 300, 3), 255, np.uint8)) == 0.0


def test_a_page_lying_turned_a_quarter_is_told_by_its_ink(page_image):
    assert not lines_run_down(page_marks(page_image)) and not lines_run_down(page_marks(_rotated(page_image, 2.0)))
    for turns in (1, 3):
        assert lines_run_down(page_marks(np.ascontiguousarray(np.rot90(page_image, turns))))
    assert not lines_run_down(page_marks(np.full((400, 300, 3), 255, np.uint8)))


def _two_columns_half_a_line_apart() -> np.ndarray:
    """A page of two columns of the same print, the right one set half a line lower than the left (two stories,
    or a column that starts under a heading)."""
    words = "the council met on tuesday to hear the plans for a new bridge over the river and its road".split()
    prose = " ".join(words[i % len(words)] + ("s" if i % 7 == 0 else "") for i in range(420))
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_textbox(pymupdf.Rect(50, 60, 290, 800), prose, fontsize=10, fontname="tiro")
    page.insert_textbox(pymupdf.Rect(305, 67, 545, 800), prose[400:], fontsize=10, fontname="tiro")
    pix = page.get_pixmap(dpi=100)
    return np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)[:, :, :3].copy()


@pytest.mark.parametrize("degrees", [-1.3, -0.7, 0.6, 1.2])
def test_columns_whose_lines_are_not_level_with_each_other_s_do_not_mislead_the_skew(degrees):
    """In one profile across the page the two columns' lines fill each other's gaps, and a wrong angle that lines
    some of them up scores higher than the right one; each half of the page has a profile of its own."""
    assert abs(skew_angle(_rotated(_two_columns_half_a_line_apart(), degrees)) - degrees) <= 0.2


def test_a_page_skewed_by_more_than_half_a_degree_is_straightened(page_image):
    upright, removed = deskew(_rotated(page_image, 0.7))
    assert abs(removed - 0.7) <= 0.2 and abs(skew_angle(upright)) <= 0.2
