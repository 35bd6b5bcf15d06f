"""Options as a user passes them: flat keyword arguments, PaddleOCR-VL's names, clear refusals."""

from __future__ import annotations

import pytest

from ocrvl.errors import OptionsError
from ocrvl.inference import InferenceOptions
from ocrvl.options import PipelineOptions


def test_recognizer_options_can_be_given_flat():
    options = PipelineOptions.from_kwargs(engine="vl", device="cpu", max_new_tokens=512, use_chart_recognition=True)
    assert options.inference == InferenceOptions(device="cpu", max_new_tokens=512)
    assert options.use_chart_recognition


def test_unknown_and_invalid_options_are_named():
    with pytest.raises(OptionsError, match="layout_treshold"):
        PipelineOptions.from_kwargs(layout_treshold=0.5)
    with pytest.raises(OptionsError, match="precision"):
        PipelineOptions.from_kwargs(precision="fp8")
    with pytest.raises(OptionsError, match="layout threshold"):
        PipelineOptions(layout_threshold={"table": 1.5})


def test_lite_engine_takes_a_single_threshold_and_its_own_default():
    assert PipelineOptions().lite_layout_threshold == 0.4
    assert PipelineOptions(layout_threshold=0.6).lite_layout_threshold == 0.6
    assert PipelineOptions(layout_threshold={"table": 0.6}).lite_layout_threshold == 0.4


def test_bad_vl_box_and_pixel_options_are_refused_when_made():
    with pytest.raises(OptionsError, match="merge"):
        PipelineOptions(layout_merge_bboxes_mode={"table": "biggest"})
    with pytest.raises(OptionsError):
        PipelineOptions(layout_unclip_ratio=-1.0)
    with pytest.raises(OptionsError, match="min_pixels"):
        PipelineOptions(min_pixels=5000, max_pixels=10)
