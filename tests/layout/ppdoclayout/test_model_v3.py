"""The PP-DocLayoutV3 detector: PaddleX's pre- and post-processing around the transformers network, checked
against transformers' own post-processing on the same outputs, and loading from the safetensors release."""

from __future__ import annotations

import importlib
import importlib.machinery
import json
import sys
import types

import cv2
import numpy as np
import pytest
import torch

from ocrvl.errors import OcrvlError
from ocrvl.layout.ppdoclayout.convert import PP_DOCLAYOUT_V2_LABELS
from ocrvl.layout.ppdoclayout.model import PPDocLayoutDetector, preprocess
from ocrvl.layout.ppdoclayout.model_v3 import (
    MaskedDetections,
    PPDocLayoutV3Detector,
    decode_page_v3,
    draw_last_layer_masks_only,
    regions_from_v3,
)
from ocrvl.testing.ppdoclayout import TINY_NUM_QUERIES, random_layout_v3_model, write_tiny_ppdoclayout_v3

LABELS = list(PP_DOCLAYOUT_V2_LABELS)


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    """A photographed-looking page: dark text lines in a block turned by 6 degrees."""
    image = np.full((1100, 850, 3), 245, dtype=np.uint8)
    for line, length in enumerate(np.random.default_rng(1).integers(250, 600, size=28)):
        top = 120 + 30 * line
        image[top : top + 14, 120 : 120 + length] = 25
    turn = cv2.getRotationMatrix2D((425, 550), 6.0, 1.0)
    return cv2.warpAffine(image, turn, (850, 1100), borderValue=(245, 245, 245))


@pytest.fixture(scope="module")
def model():
    return random_layout_v3_model()


@pytest.fixture(scope="module")
def detector(model) -> PPDocLayoutV3Detector:
    return PPDocLayoutV3Detector(model, LABELS)


@pytest.fixture(scope="module")
def output(model, page):
    """The network's outputs on `page`, computed once for the tests that post-process them."""
    with torch.inference_mode():
        return model(pixel_values=preprocess(page)[None])


@pytest.fixture(scope="module")
def regions(detector, page):
    return detector.detect(page)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_tiny_ppdoclayout_v3(tmp_path_factory.mktemp("PP-DocLayoutV3_safetensors"))


# ----------------------------------------------------------------------------- decoding


def test_rows_are_top_k_over_queries_and_classes_with_the_query_mask():
    logits = torch.full((2, 25), -9.0)
    logits[0, 22] = 3.0
    logits[0, 17] = 2.0  # the same query again, as a title
    logits[1, 14] = 1.0
    boxes = torch.tensor([[0.5, 0.5, 0.5, 0.5], [0.1, 0.2, 0.1, 0.2]])
    masks = torch.full((2, 4, 4), -1.0)
    masks[0, :2] = 1.0
    detections = decode_page_v3(logits, boxes, torch.zeros(2, 2), masks, page_size=(1000, 500))
    assert detections.class_ids.tolist() == [22, 17]  # k = 2 queries: query 1's best class is left out
    np.testing.assert_allclose(detections.boxes[0], [250, 125, 750, 375])
    np.testing.assert_array_equal(detections.boxes[0], detections.boxes[1])
    assert detections.masks.dtype == bool and detections.masks[0, :2].all() and not detections.masks[0, 2:].any()
    np.testing.assert_array_equal(detections.masks[0], detections.masks[1])


def test_reading_order_comes_from_the_order_logits():
    sequence = [2, 0, 1]  # the order head says: query 2 first, then 0, then 1
    order_logits = torch.full((3, 3), -1e4)
    position = {query: rank for rank, query in enumerate(sequence)}
    for i in range(3):
        for j in range(i + 1, 3):
            order_logits[i, j] = 8.0 if position[i] < position[j] else -8.0
    logits = torch.full((3, 25), -9.0)
    logits[:, 22] = torch.tensor([3.0, 2.0, 1.0])
    detections = decode_page_v3(logits, torch.rand(3, 4), order_logits, torch.zeros(3, 8, 8), (100, 100))
    regions = regions_from_v3(detections, LABELS, threshold=0.3, page_size=(100, 100))
    assert [r.score for r in regions] == sorted((r.score for r in regions), reverse=True)  # program row order
    assert [r.order for r in regions] == [2, 3, 1]


def test_two_classes_of_one_query_read_in_score_order():
    detections = MaskedDetections(
        class_ids=np.array([22, 17, 14]),
        scores=np.array([0.9, 0.8, 0.7]),
        boxes=np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 20, 10, 30]], dtype=np.float32),
        orders=np.array([1, 1, 0]),
        masks=np.zeros((3, 200, 200), dtype=bool),
    )
    regions = regions_from_v3(detections, LABELS, threshold=0.3, page_size=(100, 100))
    assert [(r.label, r.order) for r in regions] == [("text", 2), ("paragraph_title", 3), ("image", 1)]


# ----------------------------------------------------------------------------- the detector


def test_tiny_detector_finds_text_regions_with_outlines_and_reading_order(detector, regions):
    assert len(regions) == TINY_NUM_QUERIES
    assert all(r.label == "text" and r.cls_id == 22 and r.score > 0.8 for r in regions)
    assert sorted(r.order for r in regions) == list(range(1, len(regions) + 1))
    assert all(r.polygon is not None and len(r.polygon) >= 4 for r in regions)
    assert any(len(r.polygon) > 4 for r in regions)  # the masks follow the ink: not all rectangles
    assert detector.name == "PP-DocLayoutV3" and detector.label_names == LABELS


def test_threshold_drops_what_scores_below_it(output, page, regions):
    height, width = page.shape[:2]
    detections = decode_page_v3(output.logits[0], output.pred_boxes[0], output.order_logits[0],
                                output.out_masks[0], (width, height))  # fmt: skip
    assert regions_from_v3(detections, LABELS, 0.3, (width, height)) == regions
    cut = sorted(r.score for r in regions)[len(regions) // 2]
    assert [r.score for r in regions_from_v3(detections, LABELS, cut, (width, height))] == [
        r.score for r in regions if r.score > cut
    ]
    assert regions_from_v3(detections, LABELS, 0.99, (width, height)) == []


def test_batch_equals_one_by_one(detector, page, regions):
    other = np.ascontiguousarray(page[::-1])
    singles = [regions, detector.detect(other)]
    for got, single in zip(detector.detect_batch([page, other]), singles, strict=True):
        assert [(r.label, r.order, r.polygon) for r in got] == [(r.label, r.order, r.polygon) for r in single]
        np.testing.assert_allclose([r.bbox for r in got], [r.bbox for r in single], atol=1e-3)


# ----------------------------------------------------------------------------- against transformers


def test_drawing_the_last_layers_masks_only_changes_no_output(page):
    plain, hooked = random_layout_v3_model(), random_layout_v3_model()
    draw_last_layer_masks_only(hooked)
    pixels = torch.stack([preprocess(page), preprocess(np.ascontiguousarray(page[::-1]))])
    with torch.inference_mode():
        expected, got = plain(pixel_values=pixels), hooked(pixel_values=pixels)
    for name in ("logits", "pred_boxes", "order_logits", "out_masks"):
        assert torch.equal(getattr(got, name), getattr(expected, name)), name


def _transformers_image_processor():
    """transformers' ``PPDocLayoutV3ImageProcessor`` without torchvision: its module imports torchvision's
    functional transforms for pre-processing only, which a stand-in satisfies; post-processing needs torch + cv2."""
    import transformers.image_processing_backends  # noqa: F401  (decides "no torchvision" before the stand-in)

    names = ["torchvision", "torchvision.transforms", "torchvision.transforms.v2"]
    names.append("torchvision.transforms.v2.functional")
    stand_ins = {}
    for name in names:
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__spec__ = importlib.machinery.ModuleSpec(name, None)
            stand_ins[name] = sys.modules[name] = module
    if stand_ins:
        sys.modules["torchvision.transforms.v2"].functional = sys.modules["torchvision.transforms.v2.functional"]
    try:
        module = importlib.import_module("transformers.models.pp_doclayout_v3.image_processing_pp_doclayout_v3")
    finally:
        for name in stand_ins:
            del sys.modules[name]
    processor = object.__new__(module.PPDocLayoutV3ImageProcessor)  # class defaults: 800 x 800
    return processor


def test_rows_and_reading_order_equal_transformers_post_processing(output, page):
    # Same pre-processing, same network outputs; at a score threshold of 0.5 transformers binarizes its masks
    # where PaddleX does, so only the outline rule differs (compared below).
    processor = _transformers_image_processor()
    height, width = page.shape[:2]
    (expected,) = processor.post_process_object_detection(output, threshold=0.5, target_sizes=[(height, width)])
    detections = decode_page_v3(output.logits[0], output.pred_boxes[0], output.order_logits[0],
                                output.out_masks[0], (width, height))  # fmt: skip
    ours = sorted(regions_from_v3(detections, LABELS, 0.5, (width, height)), key=lambda r: r.order)
    assert len(ours) == len(expected["scores"]) > 0
    np.testing.assert_allclose([r.score for r in ours], expected["scores"].numpy(), rtol=1e-6)
    assert [r.cls_id for r in ours] == expected["labels"].tolist()
    np.testing.assert_allclose([r.bbox for r in ours], expected["boxes"].numpy(), atol=1e-3)
    assert expected["order_seq"].tolist() == sorted(expected["order_seq"].tolist())


def test_outlines_equal_transformers_where_its_rule_is_the_same(output, page):
    # transformers keeps only convex vertices and never bridges gaps; PaddleX also keeps runs of open concave
    # vertices. On the same rounded boxes and masks, an outline without concave vertices is the same in both.
    processor = _transformers_image_processor()
    height, width = page.shape[:2]
    detections = decode_page_v3(output.logits[0], output.pred_boxes[0], output.order_logits[0],
                                output.out_masks[0], (width, height))  # fmt: skip
    regions = regions_from_v3(detections, LABELS, 0.5, (width, height))
    keep = np.flatnonzero(detections.scores > 0.5)
    theirs = processor._extract_polygon_points_by_masks(
        np.round(detections.boxes[keep]), detections.masks[keep].astype(np.int32), [800 / width, 800 / height]
    )
    compared = 0
    for region, expected in zip(regions, theirs, strict=True):
        expected = np.asarray(expected, dtype=np.float32)
        if _all_convex(expected):
            np.testing.assert_allclose(np.array(region.polygon), expected, atol=1e-3)
            compared += 1
    assert compared > 0


def _all_convex(polygon: np.ndarray) -> bool:
    previous, following = np.roll(polygon, 1, axis=0), np.roll(polygon, -1, axis=0)
    incoming, outgoing = polygon - previous, following - polygon
    return bool(np.all(incoming[:, 0] * outgoing[:, 1] - incoming[:, 1] * outgoing[:, 0] < 0))


# ----------------------------------------------------------------------------- loading


def test_safetensors_release_folder_gives_exactly_the_same_detections(folder, page, regions):
    assert PPDocLayoutV3Detector.from_dir(folder).detect(page) == regions


def test_the_v2_loader_hands_a_v3_folder_to_the_v3_detector(folder, page, regions):
    loaded = PPDocLayoutDetector.from_dir(folder)
    assert isinstance(loaded, PPDocLayoutV3Detector) and loaded.name == "PP-DocLayoutV3"
    assert loaded.detect(page) == regions


def test_class_names_come_from_inference_yml_not_the_merged_id2label(tmp_path):
    folder = write_tiny_ppdoclayout_v3(tmp_path / "release")
    config = json.loads((folder / "config.json").read_text())
    merged = {"5": "formula", "9": "footer", "13": "header", "15": "formula", "23": "text"}  # as the release has it
    config["id2label"] = {**config["id2label"], **merged}
    (folder / "config.json").write_text(json.dumps(config))
    labels = PPDocLayoutV3Detector.from_dir(folder).label_names
    assert labels == LABELS and {"display_formula", "inline_formula", "footer_image", "vertical_text"} <= set(labels)


def test_a_paddle_form_v3_folder_is_a_clear_error(tmp_path):
    folder = tmp_path / "PP-DocLayoutV3"
    folder.mkdir()
    (folder / "inference.json").write_text("{}")
    (folder / "inference.pdiparams").write_bytes(b"")
    (folder / "inference.yml").write_text("Global:\n  model_name: PP-DocLayoutV3\n")
    (folder / "config.json").write_text('{"mode": "paddle", "Global": {"model_name": "PP-DocLayoutV3"}}')  # PaddleX's
    with pytest.raises(OcrvlError, match="PP-DocLayoutV3_safetensors") as error:
        PPDocLayoutDetector.from_dir(folder)
    assert str(folder) in str(error.value)
