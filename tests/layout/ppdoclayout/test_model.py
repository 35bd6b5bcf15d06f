"""The PP-DocLayoutV2 detector: the release's pre- and post-processing around the transformers network, and the
same detections whichever way the weights arrive."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from ocrvl.layout.ppdoclayout.convert import PP_DOCLAYOUT_V2_LABELS
from ocrvl.layout.ppdoclayout.model import (
    Detections,
    PPDocLayoutDetector,
    decode_page,
    preprocess,
    reading_order,
    regions_from,
)
from ocrvl.testing.ppdoclayout import (
    TINY_NUM_QUERIES,
    random_layout_model,
    write_tiny_layout_checkpoint,
    write_tiny_paddle_layout,
)


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    rng = np.random.default_rng(1)
    image = np.full((1100, 850, 3), 250, dtype=np.uint8)
    for _ in range(30):  # dark "text lines"
        y, x = rng.integers(40, 1050), rng.integers(40, 400)
        image[y : y + 12, x : x + rng.integers(100, 400)] = 20
    return image


@pytest.fixture(scope="module")
def detector() -> PPDocLayoutDetector:
    return PPDocLayoutDetector(random_layout_model())


# ----------------------------------------------------------------------------- pre-processing


def test_preprocess_gives_800_square_chw_in_unit_range():
    image = np.zeros((300, 500, 3), dtype=np.uint8)
    image[..., 0] = 255
    tensor = preprocess(image)
    assert tensor.shape == (3, 800, 800) and tensor.dtype == torch.float32
    assert float(tensor[0].min()) == 1.0 and float(tensor[1:].max()) == 0.0  # RGB kept, scaled by 1/255


def test_preprocess_resizes_bicubic_like_cv2():
    image = np.zeros((64, 48, 3), dtype=np.uint8)
    image[::2, ::2] = 255  # a fine checkerboard: interpolation methods disagree on it
    expected = cv2.resize(image, (800, 800), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255.0
    bilinear = cv2.resize(image, (800, 800), interpolation=cv2.INTER_LINEAR).astype(np.float32) / 255.0
    got = preprocess(image).numpy().transpose(1, 2, 0)
    np.testing.assert_allclose(got, expected, atol=1e-7)
    assert np.abs(got - bilinear).max() > 0.05


def test_preprocess_refuses_non_rgb():
    with pytest.raises(ValueError):
        preprocess(np.zeros((10, 10), dtype=np.uint8))


# ----------------------------------------------------------------------------- post-processing


def _order_logits(sequence: list[int], size: int) -> torch.Tensor:
    """Order logits saying query sequence[0] comes first, then sequence[1], ... (as the head would)."""
    position = {query: rank for rank, query in enumerate(sequence)}
    logits = torch.full((size, size), -1e4)
    for i in range(size):
        for j in range(i + 1, size):
            before = position.get(i, size + i) < position.get(j, size + j)
            logits[i, j] = 8.0 if before else -8.0
    return logits


def test_reading_order_ranks_follow_the_logits():
    sequence = [3, 0, 4, 1, 2]  # reading order of the five valid queries
    ranks, votes = reading_order(_order_logits(sequence, 8), num_valid=5)
    assert sorted(ranks.tolist()) == list(range(8))
    valid_ranks = ranks[:5]
    assert [int(torch.argsort(valid_ranks)[k]) for k in range(5)] == sequence
    # queries below their class threshold are masked out of the valid ones' comparisons
    assert set(ranks[5:].tolist()) == {0, 1, 2}
    assert votes.shape == (8,)


def test_regions_keep_the_program_row_order_with_reading_ranks_one_to_n():
    detections = Detections(
        class_ids=np.array([22, 17, 22, 14, 22]),
        scores=np.array([0.9, 0.8, 0.7, 0.6, 0.2]),
        boxes=np.array([[0, 0, 1, 1], [0, 1, 1, 2], [0, 2, 1, 3], [0, 3, 1, 4], [0, 4, 1, 5]], dtype=np.float32),
        orders=np.array([5, 3, 3, 7, 0]),
        votes=np.array([5.0, 3.1, 3.2, 7.0, 0.0]),
    )
    regions = regions_from(detections, PP_DOCLAYOUT_V2_LABELS, threshold=0.3)
    assert [r.score for r in regions] == [0.9, 0.8, 0.7, 0.6]  # rows as the program wrote them (NMS ties)
    assert [r.order for r in regions] == [3, 2, 1, 4]  # same order value: the higher vote reads first
    assert [r.label for r in sorted(regions, key=lambda r: r.order)] == ["text", "paragraph_title", "text", "image"]


def test_boxes_are_scaled_to_a_non_square_page():
    logits = torch.full((3, 25), -9.0)
    logits[0, 22] = 4.0
    boxes = torch.tensor([[0.5, 0.5, 0.5, 0.5], [0.1, 0.2, 0.1, 0.2], [0.9, 0.9, 0.1, 0.1]])
    thresholds = torch.full((25,), 0.5)
    detections = decode_page(logits, boxes, torch.zeros(3, 3), thresholds, page_size=(1000, 500))
    assert detections.class_ids[0] == 22 and detections.scores[0] == pytest.approx(torch.sigmoid(torch.tensor(4.0)))
    np.testing.assert_allclose(detections.boxes[0], [250, 125, 750, 375])


def test_top_k_runs_over_queries_times_classes():
    logits = torch.full((2, 25), -9.0)
    logits[0, 22] = 3.0
    logits[0, 17] = 2.0  # the same query again, as a title
    logits[1, 14] = 1.0
    detections = decode_page(logits, torch.rand(2, 4), torch.zeros(2, 2), torch.full((25,), 0.5), (100, 100))
    # k = number of queries: query 0 comes back twice, query 1's best class (0.73) is left out
    assert detections.class_ids.tolist() == [22, 17]
    np.testing.assert_array_equal(detections.boxes[0], detections.boxes[1])


# ----------------------------------------------------------------------------- the detector


def test_tiny_detector_finds_confident_text_on_any_page(detector, page):
    regions = detector.detect(page)
    assert len(regions) == TINY_NUM_QUERIES
    assert all(r.label == "text" and r.score > 0.9 and r.cls_id == 22 for r in regions)
    assert sorted(r.order for r in regions) == list(range(1, len(regions) + 1))
    blank = detector.detect(np.full((400, 900, 3), 255, dtype=np.uint8))
    assert len(blank) == TINY_NUM_QUERIES
    assert detector.name == "PP-DocLayoutV2" and detector.label_names == list(PP_DOCLAYOUT_V2_LABELS)


def test_threshold_drops_what_scores_below_it(detector, page):
    assert detector.detect(page, threshold=0.99) == []


def test_batch_equals_one_by_one(detector, page):
    other = np.ascontiguousarray(page[::-1])
    batch = detector.detect_batch([page, other])
    assert len(batch) == 2
    for got, image in zip(batch, [page, other]):
        single = detector.detect(image)
        assert [r.label for r in got] == [r.label for r in single]
        np.testing.assert_allclose([r.bbox for r in got], [r.bbox for r in single], atol=1e-3)
        assert [r.order for r in got] == [r.order for r in single]


def _order_head_at_full_strength(model):
    """The tiny model with its reading-order weights at the usual 1/sqrt(fan-in) scale instead of the 0.02 init,
    so sub-pixel box differences move its ranks as they move the released model's."""
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, weight in model.reading_order.named_parameters():
            if weight.dim() >= 2 and "embeddings" not in name:
                weight.copy_(torch.randn(weight.shape, generator=generator) / weight.shape[-1] ** 0.5)
    return model


def test_reading_order_sees_boxes_cast_to_integers_as_in_the_exported_program(page):
    # The program scales the boxes by 1000, clips them to [0, 1000] and casts them to int64 before the order head;
    # transformers hands the head floats. The detector must give the program's ranks.
    model = _order_head_at_full_strength(random_layout_model(0))
    seen: dict = {}
    grab = model.reading_order.register_forward_pre_hook(lambda _m, _a, kwargs: seen.update(kwargs), with_kwargs=True)
    with torch.inference_mode():
        output = model(pixel_values=preprocess(page)[None])
    grab.remove()

    def regions_with(boxes: torch.Tensor):
        with torch.inference_mode():
            logits = model.reading_order(boxes=boxes, labels=seen["labels"], mask=seen["mask"])[0, :, :TINY_NUM_QUERIES]
        thresholds = torch.tensor(model.config.class_thresholds)
        detections = decode_page(
            output.logits[0], output.pred_boxes[0], logits, thresholds, (page.shape[1], page.shape[0])
        )
        return regions_from(detections, PP_DOCLAYOUT_V2_LABELS, threshold=0.3)

    as_floats = regions_with(seen["boxes"])
    as_program = regions_with(seen["boxes"].to(torch.int64).to(torch.float32))
    assert [r.order for r in as_floats] != [r.order for r in as_program]  # the two really read differently here
    assert PPDocLayoutDetector(model).detect(page) == as_program


def test_paddle_folder_gives_exactly_the_same_detections(tmp_path, detector, page):
    folder = write_tiny_paddle_layout(tmp_path / "PP-DocLayoutV2")
    loaded = PPDocLayoutDetector.from_dir(folder)
    assert loaded.detect(page) == detector.detect(page)


def test_transformers_folder_gives_exactly_the_same_detections(tmp_path, detector, page):
    folder = write_tiny_layout_checkpoint(tmp_path / "hf")
    assert PPDocLayoutDetector.from_dir(folder).detect(page) == detector.detect(page)


def test_converted_release_gives_the_same_detections(tmp_path, detector, page):
    from ocrvl.layout.ppdoclayout.convert import convert_layout_model

    converted = convert_layout_model(write_tiny_paddle_layout(tmp_path / "paddle"), tmp_path / "hf")
    assert PPDocLayoutDetector.from_dir(converted).detect(page) == detector.detect(page)


def test_from_dir_of_an_unrelated_folder_is_a_clear_error(tmp_path):
    from ocrvl.errors import OcrvlError

    with pytest.raises(OcrvlError, match="neither a Paddle inference folder"):
        PPDocLayoutDetector.from_dir(tmp_path)
