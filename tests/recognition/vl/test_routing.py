"""Which prompt reads each block, and what the recognizer is shown."""

from __future__ import annotations

import numpy as np
import pytest

from ocrvl.errors import OptionsError
from ocrvl.recognition.vl.routing import RoutingOptions, crop_box, crop_job, task_for_label, trim_white_margin

DEFAULT = RoutingOptions()


@pytest.mark.parametrize(
    ("label", "task"),
    [
        ("text", "ocr"),
        ("paragraph_title", "ocr"),
        ("doc_title", "ocr"),
        ("footnote", "ocr"),
        ("formula_number", "ocr"),
        ("table", "table"),
        ("display_formula", "formula"),
        ("inline_formula", "formula"),
        ("image", None),
        ("header_image", None),
        ("chart", None),
        ("seal", None),
    ],
)
def test_labels_are_routed_like_paddleocr_vl(label, task):
    assert task_for_label(label, DEFAULT) == task


def test_charts_and_seals_are_read_when_switched_on():
    options = RoutingOptions(use_chart_recognition=True, use_seal_recognition=True)
    assert task_for_label("chart", options) == "chart"
    assert task_for_label("seal", options) == "seal"
    assert task_for_label("image", options) is None


def _page_with_formula() -> np.ndarray:
    page = np.full((200, 300, 3), 255, np.uint8)
    page[80:100, 120:180] = 20  # the formula's ink
    return page


def test_formula_crop_loses_its_white_margin_but_text_keeps_it():
    page = _page_with_formula()
    formula = crop_job(0, "display_formula", (100, 60, 200, 120), page, DEFAULT)
    text = crop_job(1, "text", (100, 60, 200, 120), page, DEFAULT)
    assert formula.prompt == "Formula Recognition:" and formula.image.shape == (20, 60, 3)
    assert text.prompt == "OCR:" and text.image.shape == (60, 100, 3)


def test_margin_trim_stretches_contrast_first_and_keeps_blank_crops():
    grey_scan = np.full((40, 40, 3), 170, np.uint8)
    grey_scan[10:20, 15:25] = 90
    assert trim_white_margin(grey_scan).shape == (10, 10, 3)
    blank = np.full((40, 40, 3), 255, np.uint8)
    assert trim_white_margin(blank).shape == blank.shape


def test_margin_trim_counts_stretched_level_200_as_ink_as_paddlex_does():
    crop = np.full((40, 60, 3), 250, np.uint8)
    crop[15:25, 20:40] = 10  # the formula
    crop[15:25, 50] = 199  # faint ink: (199 - 10) / 240 * 255 = 200.8, truncated to 200 by PaddleX's lookup table
    assert trim_white_margin(crop).shape == (10, 31, 3)


def test_formula_trimmed_to_two_pixels_or_less_is_read_untrimmed():
    rule = np.full((30, 80, 3), 255, np.uint8)
    rule[14:16, 10:70] = 0  # a fraction bar alone: its ink box is 2 pixels tall
    assert trim_white_margin(rule).shape == rule.shape
    page = np.full((200, 300, 3), 255, np.uint8)
    page[100:102, 50:250] = 0
    job = crop_job(0, "display_formula", (40, 90, 260, 112), page, DEFAULT)
    assert job.image.shape == (22, 220, 3)


def test_pictures_and_empty_boxes_are_not_read():
    page = _page_with_formula()
    assert crop_job(0, "image", (0, 0, 100, 100), page, DEFAULT) is None
    assert crop_job(0, "text", (400, 10, 500, 50), page, DEFAULT) is None  # outside the page
    assert crop_box(page, (-5.5, -3, 10.2, 8.7)).shape == (9, 11, 3)  # clipped, rounded outwards


def test_pixel_limits_apply_per_task_over_the_global_ones():
    options = RoutingOptions(min_pixels=1000, max_pixels=50_000, pixel_limits={"table": (None, 200_000)})
    page = _page_with_formula()
    table = crop_job(0, "table", (0, 0, 300, 200), page, options)
    text = crop_job(1, "text", (0, 0, 300, 200), page, options)
    assert (table.min_pixels, table.max_pixels) == (1000, 200_000)
    assert (text.min_pixels, text.max_pixels) == (1000, 50_000)


@pytest.mark.parametrize(
    "bad",
    [
        {"pixel_limits": {"tables": (1, 2)}},
        {"min_pixels": 0},
        {"min_pixels": 5000, "max_pixels": 100},
        {"pixel_limits": {"table": (10,)}},
    ],
)
def test_bad_pixel_limits_are_refused(bad):
    with pytest.raises(OptionsError):
        RoutingOptions(**bad)
