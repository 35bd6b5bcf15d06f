"""The vl engine's page flow with a scripted layout and recognizer: what is read with which prompt, and what
the page result holds once every crop has come back."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest

from ocrvl.engines.vl import VlEngine
from ocrvl.inference import RecognitionResult
from ocrvl.options import PipelineOptions
from ocrvl.postprocess.json_output import page_json
from ocrvl.postprocess.markdown import page_markdown
from ocrvl.types import Page, Region

ANSWERS = {
    "Table Recognition:": "<fcel>Year<fcel>Sales<nl><fcel>2023<fcel>14<nl>",
    "Formula Recognition:": r"\[E = mc^2\]",
}
# Text answers by block (the request id is (page index, block index)).
TEXT_ANSWERS = {0: "Quarterly Report", 1: "Results are shown below.", 4: "(1)", 6: "Page 1 of 9"}


class ScriptedDetector:
    """Returns the same boxes for every page (in the detector's own order)."""

    name = "scripted"

    def __init__(self, regions: list[Region]):
        self.regions = regions

    def detect(self, image: np.ndarray, threshold: float = 0.0) -> list[Region]:
        return [Region(r.bbox, r.label, r.score, r.order, r.cls_id) for r in self.regions]


class ScriptedRecognizer:
    """Answers each prompt with a fixed text, from another thread and out of order, as the core does."""

    def __init__(self, fail_prompt: str | None = None, raise_prompt: str | None = None):
        self.requests = []
        self.fail_prompt = fail_prompt
        self.raise_prompt = raise_prompt
        self._lock = threading.Lock()

    def submit(self, request) -> Future:
        with self._lock:
            self.requests.append(request)
        future: Future = Future()
        delay = 0.05 if request.prompt == "OCR:" else 0.0  # text finishes last

        def answer() -> None:
            if request.prompt == self.raise_prompt:
                future.set_exception(RuntimeError("worker died"))
            elif request.prompt == self.fail_prompt:
                future.set_result(RecognitionResult(request.id, "", [], "error", error="decode failed"))
            else:
                text = TEXT_ANSWERS[request.id[1]] if request.prompt == "OCR:" else ANSWERS[request.prompt]
                future.set_result(RecognitionResult(request.id, text, [], "stop"))

        threading.Timer(delay, answer).start()
        return future

    def close(self) -> None:
        pass


LAYOUT = [
    Region((40, 30, 560, 60), "doc_title", 0.95, order=1, cls_id=6),
    Region((40, 80, 560, 140), "text", 0.93, order=2, cls_id=22),
    Region((40, 160, 560, 300), "table", 0.97, order=3, cls_id=21),
    Region((150, 320, 450, 360), "display_formula", 0.9, order=4, cls_id=5),
    Region((470, 325, 540, 355), "formula_number", 0.9, order=5, cls_id=11),
    Region((40, 380, 300, 560), "image", 0.92, order=6, cls_id=14),
    Region((40, 760, 560, 790), "footer", 0.88, order=7, cls_id=8),
]


def _page() -> Page:
    image = np.full((800, 600, 3), 255, np.uint8)
    image[330:350, 200:400] = 0  # ink of the formula
    image[400:540, 60:280] = (200, 80, 40)  # the picture
    return Page(source=Path("report.pdf"), index=0, page_count=1, image=image, dpi=72.0)


def _engine(recognizer: ScriptedRecognizer, **options) -> VlEngine:
    options = PipelineOptions(engine="vl", **options)
    return VlEngine(options, ScriptedDetector(LAYOUT), recognizer)


def _run(engine: VlEngine):
    return engine.recognize(engine.analyze(_page())).result(timeout=10)


def test_each_block_is_read_with_its_prompt_and_pictures_are_cropped():
    recognizer = ScriptedRecognizer()
    result = _run(_engine(recognizer))
    prompts = sorted(r.prompt for r in recognizer.requests)
    assert prompts == ["Formula Recognition:", "OCR:", "OCR:", "OCR:", "OCR:", "Table Recognition:"]
    formula_request = next(r for r in recognizer.requests if r.prompt == "Formula Recognition:")
    assert formula_request.image.shape[:2] == (20, 200)  # trimmed to its ink
    labels = [b.label for b in result.blocks]
    assert labels == ["doc_title", "text", "table", "display_formula", "formula_number", "image", "footer"]
    picture = result.blocks[labels.index("image")]
    assert picture.image is not None and picture.content == ""


def test_page_result_holds_cleaned_content_in_paddleocr_vl_json():
    result = _run(_engine(ScriptedRecognizer()))
    blocks = {b.label: b for b in result.blocks}
    assert "<td>2023</td>" in blocks["table"].content and "<fcel>" not in blocks["table"].content
    assert "E = mc^2" in blocks["display_formula"].content and r"\[" not in blocks["display_formula"].content
    data = page_json(result)
    orders = {b["block_label"]: b["block_order"] for b in data["parsing_res_list"]}
    assert orders["doc_title"] == 1 and orders["text"] == 2 and orders["display_formula"] == 3
    assert orders["table"] is None and orders["image"] is None and orders["footer"] is None
    assert data["model_settings"]["engine"] == "vl"
    assert data["model_settings"]["use_chart_recognition"] is False


def test_vl_server_says_it_reads_through_a_server_and_keeps_the_vl_json():
    local = _engine(ScriptedRecognizer())
    remote = _engine(ScriptedRecognizer(), vl_rec_backend="sglang-server", vl_rec_server_url="http://127.0.0.1:9/v1")
    assert (local.name, remote.name) == ("vl", "vl-server")
    local_settings = page_json(_run(local))["model_settings"]
    remote_settings = page_json(_run(remote))["model_settings"]
    assert "vl_rec_backend" not in local_settings
    assert remote_settings.pop("vl_rec_backend") == "sglang-server"
    assert remote_settings == local_settings  # engine "vl": the same pipeline, its recognizer elsewhere


def test_block_order_numbers_formula_numbers_and_seals_as_paddlex_does():
    # PaddleX 3.4+ numbers every label but pictures, tables, captions, headers, footers, footnotes, aside text
    # and the run's markdown_ignore_labels.
    layout = [*LAYOUT, Region((400, 600, 560, 740), "seal", 0.9, order=8, cls_id=20)]

    def orders(**options) -> dict:
        engine = VlEngine(PipelineOptions(engine="vl", **options), ScriptedDetector(layout), ScriptedRecognizer())
        result = engine.recognize(engine.analyze(_page())).result(timeout=10)
        return {b["block_label"]: b["block_order"] for b in page_json(result)["parsing_res_list"]}

    assert orders() == {"doc_title": 1, "text": 2, "table": None, "display_formula": 3, "formula_number": 4,
                        "image": None, "footer": None, "seal": 5}  # fmt: skip
    ignoring = orders(markdown_ignore_labels=("formula_number",))
    assert ignoring["formula_number"] is None and ignoring["seal"] == 4


def test_markdown_has_the_formula_number_as_tag_and_leaves_the_footer_out():
    markdown = page_markdown(_run(_engine(ScriptedRecognizer())))
    assert markdown.startswith("# Quarterly Report")
    assert r"\tag*{(1)}" in markdown and "E = mc^2" in markdown
    assert markdown.index("Results are shown below.") < markdown.index("<table") < markdown.index("mc^2")
    assert "Page 1 of 9" not in markdown


def test_crops_get_paddleocr_vl_pipeline_pixel_limits_unless_the_user_sets_them():
    # PaddleX's pipeline passes 112 896 / 1 003 520 for every task, not the checkpoint's 147 384 / 2 822 400.
    recognizer = ScriptedRecognizer()
    _run(_engine(recognizer))
    assert {(r.min_pixels, r.max_pixels) for r in recognizer.requests} == {(112_896, 1_003_520)}
    recognizer = ScriptedRecognizer()
    _run(_engine(recognizer, max_pixels=500_000, pixel_limits={"table": (200_000, None)}))
    limits = {r.prompt: (r.min_pixels, r.max_pixels) for r in recognizer.requests}
    assert limits["Table Recognition:"] == (200_000, 500_000)
    assert limits["OCR:"] == limits["Formula Recognition:"] == (112_896, 500_000)


def test_a_crop_that_cannot_be_read_leaves_its_block_empty_and_is_counted():
    result = _run(_engine(ScriptedRecognizer(fail_prompt="Table Recognition:")))
    table = next(b for b in result.blocks if b.label == "table")
    assert table.content == ""
    assert result.model_settings["unread_blocks"] == 1
    assert next(b for b in result.blocks if b.label == "text").content == "Results are shown below."


def test_charts_are_read_only_when_switched_on():
    layout = [Region((40, 80, 560, 400), "chart", 0.9, order=1, cls_id=3)]
    for switch, expected in ((False, []), (True, ["Chart Recognition:"])):
        recognizer = ScriptedRecognizer()
        engine = VlEngine(
            PipelineOptions(engine="vl", use_chart_recognition=switch), ScriptedDetector(layout), recognizer
        )
        planned = engine.analyze(_page())
        assert [j.prompt for j in planned.jobs] == expected


def test_a_page_without_blocks_completes_at_once():
    engine = VlEngine(PipelineOptions(engine="vl"), ScriptedDetector([]), ScriptedRecognizer())
    result = engine.recognize(engine.analyze(_page())).result(timeout=1)
    assert result.blocks == [] and result.regions == []


def test_a_recognizer_exception_fails_the_page_with_its_message():
    engine = _engine(ScriptedRecognizer(raise_prompt="Formula Recognition:"))
    with pytest.raises(RuntimeError, match="worker died"):
        engine.recognize(engine.analyze(_page())).result(timeout=10)
