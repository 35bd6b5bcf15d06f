"""The vl engine with a polygon layout model (PP-DocLayoutV3, scripted here) and a release's defaults: what the
recognizer is shown, what the JSON says, and that a box model's pages stay as they were."""

from __future__ import annotations

import json
from concurrent.futures import Future
from pathlib import Path

import numpy as np

from ocrvl.engines.vl import VlEngine
from ocrvl.inference import RecognitionResult
from ocrvl.options import PipelineOptions
from ocrvl.postprocess.json_output import page_json
from ocrvl.releases import RELEASES
from ocrvl.resume import decode, encode
from ocrvl.types import Page, Region

# A text line photographed askew (a parallelogram) and an upright title; outlines as the model gives them.
SLANTED = ((100.0, 300.0), (500.0, 220.0), (500.0, 300.0), (100.0, 380.0))
TITLE = ((100.0, 50.0), (500.0, 50.0), (500.0, 100.0), (100.0, 100.0))


class PolygonDetector:
    name = "PP-DocLayoutV3"

    def __init__(self, regions: list[Region]):
        self.regions = regions

    def detect(self, image: np.ndarray, threshold: float = 0.0) -> list[Region]:
        return [Region(r.bbox, r.label, r.score, r.order, r.cls_id, r.polygon)
                for r in self.regions if r.score > threshold]  # fmt: skip


class EchoRecognizer:
    """Answers every crop at once with its block index, keeping the crops it was shown."""

    def __init__(self):
        self.requests = []

    def submit(self, request) -> Future:
        self.requests.append(request)
        future: Future = Future()
        future.set_result(RecognitionResult(request.id, f"block {request.id[1]}", [], "stop"))
        return future

    def close(self) -> None:
        pass


def v3_regions(polygons: bool = True) -> list[Region]:
    return [
        Region((100.0, 50.0, 500.0, 100.0), "doc_title", 0.9, order=1, cls_id=6, polygon=TITLE if polygons else None),
        Region((100.0, 220.0, 500.0, 380.0), "text", 0.35, order=2, cls_id=22, polygon=SLANTED if polygons else None),
    ]


def run(options: PipelineOptions, regions: list[Region], release=RELEASES["v1.5"]):
    recognizer = EchoRecognizer()
    engine = VlEngine(options, PolygonDetector(regions), recognizer, "PaddleOCR-VL-1.5", release=release)
    image = np.full((600, 600, 3), 40, dtype=np.uint8)  # a dark page: white in a crop can only be the mask
    page = Page(Path("photo.png"), 0, 1, image, 72.0)
    result = engine.recognize(engine.analyze(page)).result(timeout=10)
    return result, recognizer


def test_a_slanted_region_is_read_white_outside_its_outline_and_written_with_it():
    result, recognizer = run(PipelineOptions(layout_shape_mode="poly"), v3_regions())
    slanted = next(r for r in recognizer.requests if r.id[1] == 1).image
    assert slanted.shape[:2] == (160, 400)
    assert (slanted[5, 5] == 255).all() and (slanted[-5, -5] == 255).all()  # the corners outside the parallelogram
    assert (slanted[80, 200] == 40).all()  # its middle: the page
    data = json.loads(json.dumps(page_json(result)))
    blocks = data["parsing_res_list"]
    assert blocks[1]["block_content"] == "block 1"
    assert blocks[1]["block_polygon_points"] == [list(p) for p in SLANTED]
    assert blocks[0]["block_polygon_points"] == [list(p) for p in TITLE]
    assert [b["polygon_points"] for b in data["layout_det_res"]["boxes"]] == [[list(p) for p in TITLE],
                                                                              [list(p) for p in SLANTED]]  # fmt: skip
    assert data["model_settings"]["pipeline_version"] == "v1.5"
    assert data["model_settings"]["return_layout_polygon_points"] is True


def test_auto_mode_reads_a_parallelogram_as_its_rotated_rectangle():
    result, recognizer = run(PipelineOptions(), v3_regions())
    outline = result.blocks[1].region.polygon
    assert len(outline) == 4 and outline != SLANTED and min(x for x, _ in outline) < 100  # tilted, past the box
    assert result.blocks[0].region.polygon == TITLE  # upright: the box's corners


def test_rect_mode_reads_and_writes_plain_boxes():
    result, recognizer = run(PipelineOptions(layout_shape_mode="rect"), v3_regions())
    slanted = next(r for r in recognizer.requests if r.id[1] == 1).image
    assert not (slanted == 255).any()
    data = page_json(result)
    assert all("block_polygon_points" not in b for b in data["parsing_res_list"])
    assert all("polygon_points" not in b for b in data["layout_det_res"]["boxes"])
    assert data["model_settings"]["return_layout_polygon_points"] is False


def test_the_release_threshold_decides_what_is_kept():
    result, _ = run(PipelineOptions(), v3_regions(), release=RELEASES["v1.5"])  # 0.3 for every class
    assert [b.label for b in result.blocks] == ["doc_title", "text"]
    result, _ = run(PipelineOptions(layout_threshold=0.5), v3_regions(), release=RELEASES["v1.5"])  # the user's
    assert [b.label for b in result.blocks] == ["doc_title"]


def test_a_box_model_on_the_first_release_writes_what_it_wrote_before():
    result, _ = run(PipelineOptions(), v3_regions(polygons=False) + [], release=RELEASES["v1"])
    data = page_json(result)
    assert [b["block_label"] for b in data["parsing_res_list"]] == ["doc_title"]  # text needs 0.4 in v1
    assert all("block_polygon_points" not in b for b in data["parsing_res_list"])
    assert "pipeline_version" not in data["model_settings"]
    assert "return_layout_polygon_points" not in data["model_settings"]


def test_a_stored_page_keeps_its_outlines_for_resuming():
    result, _ = run(PipelineOptions(layout_shape_mode="poly"), v3_regions())
    result.image = None
    for block in result.blocks:
        block.image = None
    restored = decode(json.loads(json.dumps(encode(result))))
    assert restored == result
    assert restored.blocks[1].region.polygon == SLANTED
