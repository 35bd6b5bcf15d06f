"""Pages read whole, as PaddleOCR-VL does without layout detection (``prompt_label``): text spotting (lines with
their outlines, 1.5 and 1.6) and seal recognition over the whole page, and what their JSON and Markdown say."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest

from ocrvl.engines.vl import VlEngine
from ocrvl.errors import OptionsError
from ocrvl.inference import RecognitionResult
from ocrvl.options import PipelineOptions
from ocrvl.postprocess.json_output import page_json
from ocrvl.postprocess.markdown import page_markdown
from ocrvl.releases import RELEASES
from ocrvl.types import Page

SPOTTING_ANSWER = (
    "<|TEXT_START|>Invoice 2024<|TEXT_END|><|LOC_BEGIN|><|LOC_100|><|LOC_100|><|LOC_500|><|LOC_100|>"
    "<|LOC_500|><|LOC_200|><|LOC_100|><|LOC_200|><|LOC_END|>"
    "<|TEXT_START|>Total: 42<|TEXT_END|><|LOC_BEGIN|><|LOC_100|><|LOC_500|><|LOC_400|><|LOC_500|>"
    "<|LOC_400|><|LOC_600|><|LOC_100|><|LOC_600|><|LOC_END|>"
)
ANSWERS = {"Spotting:": SPOTTING_ANSWER, "Seal Recognition:": "Acme Ltd. Seal", "OCR:": "all the text"}


class NoLayout:
    name = "PP-DocLayoutV3"

    def detect(self, image, threshold=0.0):
        raise AssertionError("a page read whole is not laid out")


class Answers:
    def __init__(self):
        self.requests = []

    def submit(self, request) -> Future:
        self.requests.append(request)
        future: Future = Future()
        future.set_result(RecognitionResult(request.id, ANSWERS[request.prompt], [], "stop"))
        return future

    def close(self) -> None:
        pass


def read_whole(label: str, release=RELEASES["v1.5"], **options):
    recognizer = Answers()
    engine = VlEngine(PipelineOptions(use_layout_detection=False, prompt_label=label, **options), NoLayout(),
                      recognizer, "PaddleOCR-VL-1.5", release=release)  # fmt: skip
    page = Page(Path("receipt.png"), 0, 1, np.full((400, 600, 3), 230, dtype=np.uint8), 72.0)
    return engine.recognize(engine.analyze(page)).result(timeout=10), recognizer.requests


def test_spotting_reads_the_enlarged_page_and_writes_lines_with_their_outlines():
    result, requests = read_whole("spotting")
    (request,) = requests
    assert request.prompt == "Spotting:"
    assert request.image.shape[:2] == (800, 1200)  # both sides under 1500: read at twice the size
    assert (request.min_pixels, request.max_pixels) == (112_896, 1_605_632)
    data = page_json(result)
    assert data["model_settings"]["use_layout_detection"] is False
    assert data["parsing_res_list"][0]["block_label"] == "spotting"
    assert data["parsing_res_list"][0]["block_content"] == "Invoice 2024\n\nTotal: 42"
    assert data["spotting_res"]["rec_texts"] == ["Invoice 2024", "Total: 42"]
    assert data["spotting_res"]["rec_polys"][0] == [[60.0, 40.0], [300.0, 40.0], [300.0, 80.0], [60.0, 80.0]]
    assert data["layout_det_res"]["boxes"] == [
        {"cls_id": 0, "label": "spotting", "score": 1.0, "coordinate": [0.0, 0.0, 600.0, 400.0]}
    ]
    assert page_markdown(result).strip() == "Invoice 2024\n\nTotal: 42"


def test_spotting_pixel_limits_the_user_sets_apply():
    _, (request,) = read_whole("spotting", max_pixels=500_000)
    assert request.max_pixels == 500_000


def test_a_seal_page_is_read_as_a_seal_whatever_use_seal_recognition_says():
    result, (request,) = read_whole("seal")
    assert request.prompt == "Seal Recognition:"
    data = page_json(result)
    assert data["model_settings"]["use_seal_recognition"] is True
    assert data["parsing_res_list"][0]["block_content"] == "Acme Ltd. Seal"
    assert "spotting_res" not in data
    assert "Acme Ltd. Seal" in page_markdown(result)


def test_without_a_prompt_label_the_page_is_read_as_text():
    result, (request,) = read_whole(None)
    assert request.prompt == "OCR:" and result.blocks[0].label == "ocr" and result.blocks[0].content == "all the text"


def test_spotting_needs_a_release_that_has_it():
    with pytest.raises(OptionsError, match="prompt_label 'spotting' is a task of PaddleOCR-VL 1.5 and 1.6"):
        read_whole("spotting", release=RELEASES["v1"])


def test_a_prompt_label_with_layout_detection_on_is_refused():
    with pytest.raises(OptionsError, match="add use_layout_detection=False"):
        PipelineOptions(prompt_label="spotting")
