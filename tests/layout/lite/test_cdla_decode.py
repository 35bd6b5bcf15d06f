"""The lite layout detector's decoding and input, made cheaper, give what the plain computation gives."""

from __future__ import annotations

import cv2
import numpy as np

from ocrvl.layout.lite import cdla

CELLS = [(-(-cdla._INPUT_HW[0] // s)) * (-(-cdla._INPUT_HW[1] // s)) for s in cdla._STRIDES]


def decoded_over_every_cell(outputs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """PicoDet's decoding done on every cell of every stride, the best candidates picked afterwards."""
    half = len(outputs) // 2
    all_boxes, all_scores = [], []
    for stride, scores, dist in zip(cdla._STRIDES, outputs[:half], outputs[half:]):
        scores, dist = scores[0], dist[0]
        bins = dist.shape[-1] // 4
        fm_w = -(-cdla._INPUT_HW[1] // stride)
        idx = np.arange(scores.shape[0])
        centers = np.stack(((idx % fm_w + 0.5) * stride, (idx // fm_w + 0.5) * stride), axis=1)
        logits = dist.reshape(-1, 4, bins)
        probs = np.exp(logits - logits.max(axis=2, keepdims=True))
        probs /= probs.sum(axis=2, keepdims=True)
        distances = (probs * np.arange(bins)).sum(axis=2) * stride
        top = np.argsort(-scores.max(axis=1))[: cdla._CANDIDATES_PER_STRIDE]
        c, d = centers[top], distances[top]
        all_boxes.append(np.concatenate([c - d[:, :2], c + d[:, 2:]], axis=1))
        all_scores.append(scores[top])
    return np.concatenate(all_boxes), np.concatenate(all_scores)


def test_decoding_only_the_best_cells_gives_the_boxes_of_decoding_every_cell():
    rng = np.random.default_rng(3)
    scores = [rng.random((1, n, 10), dtype=np.float32) for n in CELLS]
    dists = [rng.normal(size=(1, n, 32)).astype(np.float32) for n in CELLS]
    boxes, kept_scores = cdla._decode([*scores, *dists])
    expected_boxes, expected_scores = decoded_over_every_cell([*scores, *dists])
    assert np.array_equal(boxes, expected_boxes) and np.array_equal(kept_scores, expected_scores)


def test_the_model_input_is_the_bgr_page_resized(monkeypatch):
    """Channels swapped after resizing give the model the array it got when they were swapped first."""
    rng = np.random.default_rng(5)
    page = rng.integers(0, 256, size=(1130, 801, 3), dtype=np.uint8)
    seen = []

    class Session:
        def get_inputs(self):
            return [type("Input", (), {"name": "image"})()]

        def run(self, _names, feeds):
            seen.append(feeds["image"])
            return [np.zeros((1, n, 10), np.float32) for n in CELLS] + [np.zeros((1, n, 32), np.float32) for n in CELLS]

    detector = cdla.CdlaLayoutDetector()
    detector._session = Session()
    detector._classes = ["text"] * 10
    assert detector.detect(page) == []
    bgr = cv2.resize(np.ascontiguousarray(page[:, :, ::-1]), (cdla._INPUT_HW[1], cdla._INPUT_HW[0]))
    expected = ((bgr.astype(np.float32) / 255.0 - cdla._MEAN) / cdla._STD).transpose(2, 0, 1)[None]
    assert np.array_equal(seen[0], expected)
