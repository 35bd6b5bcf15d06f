"""PaddleOCR-VL's layout box rules: from PP-DocLayoutV2's raw detections to the blocks it reads.

Two stages, as in PaddleX (``LayoutAnalysisProcess.apply`` of ``models/layout_analysis/processors.py``, then
``filter_overlap_boxes`` / ``merge_blocks`` of ``pipelines/paddleocr_vl/uilts.py``):

1. `postprocess_layout` gives the boxes PaddleOCR-VL reports as ``layout_det_res``: coordinates rounded to
   whole pixels, per-class score thresholds, NMS (IoU 0.6 within a class, 0.98 across classes), an ``image``
   box covering nearly the whole page dropped, nested boxes resolved per class (``large`` / ``small`` /
   ``union``), reading order of the model, outlines of a polygon detector shaped by ``layout_shape_mode``
   (`ocrvl.layout.ppdoclayout.polygons`), boxes grown or shrunk around their centre (``unclip_ratio``) and
   clipped to the page. NMS and nesting look at the boxes only, as in PaddleX.
2. `parsing_blocks` gives the blocks PaddleOCR-VL crops and reads (``parsing_res_list``): `parsing_regions`
   (no ``reference`` container boxes, no boxes under 6 px, the smaller of two heavily overlapping boxes
   dropped, unless their outlines overlap less) then, when ``merge_layout_blocks`` is on, adjacent text blocks
   stitched into one crop (`ocrvl.layout.ppdoclayout.block_merge`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TypeVar

import numpy as np

from ocrvl.errors import OptionsError
from ocrvl.layout.ppdoclayout.block_merge import MergedBlock, merge_layout_blocks, non_merge_labels
from ocrvl.layout.ppdoclayout.polygons import (
    DEFAULT_SHAPE_MODE,
    SHAPE_MODES,
    box_corners,
    overlap_of_smaller,
    shape_outlines,
)
from ocrvl.types import BBox, Region

__all__ = [
    "LAYOUT_LABELS",
    "DEFAULT_THRESHOLDS",
    "DEFAULT_MERGE_BBOXES_MODES",
    "LayoutBoxOptions",
    "MergedBlock",
    "postprocess_layout",
    "parsing_regions",
    "parsing_blocks",
    "merge_layout_blocks",
]

# PP-DocLayoutV2's classes in class-id order (the release's inference.yml ``label_list``).
LAYOUT_LABELS = (
    "abstract", "algorithm", "aside_text", "chart", "content", "display_formula", "doc_title", "figure_title",
    "footer", "footer_image", "footnote", "formula_number", "header", "header_image", "image", "inline_formula",
    "number", "paragraph_title", "reference", "reference_content", "seal", "table", "text", "vertical_text",
    "vision_footnote",
)  # fmt: skip

# PaddleOCR-VL's per-class ``threshold`` (configs/pipelines/PaddleOCR-VL.yaml); classes left out get 0.5.
_LOWER_THRESHOLDS = {"display_formula": 0.4, "doc_title": 0.4, "inline_formula": 0.4, "paragraph_title": 0.4,
                     "text": 0.4, "vertical_text": 0.4, "seal": 0.45}  # fmt: skip
DEFAULT_THRESHOLDS = MappingProxyType({label: _LOWER_THRESHOLDS.get(label, 0.5) for label in LAYOUT_LABELS})
MISSING_CLASS_THRESHOLD = 0.5

# PaddleOCR-VL's ``layout_merge_bboxes_mode`` (same YAML): a box of these classes swallows what lies inside it.
_LARGE_MODE_LABELS = ("chart", "display_formula", "doc_title", "inline_formula", "paragraph_title")
DEFAULT_MERGE_BBOXES_MODES = MappingProxyType(
    {label: "large" if label in _LARGE_MODE_LABELS else "union" for label in LAYOUT_LABELS}
)
MERGE_BBOXES_MODES = ("large", "small", "union")
DEFAULT_UNCLIP_RATIO = (1.0, 1.0)

SAME_CLASS_NMS_IOU = 0.6
CROSS_CLASS_NMS_IOU = 0.98
# An ``image`` box larger than this share of the page is the detector framing the page, not a figure.
PAGE_IMAGE_SHARE_LANDSCAPE = 0.82
PAGE_IMAGE_SHARE_PORTRAIT = 0.93
CONTAINED_SHARE = 0.9  # box A lies in box B when this share of A's area is inside B
MIN_BLOCK_SIDE = 6  # blocks narrower or lower than this many pixels are not read
OVERLAP_SHARE = 0.7  # two blocks overlapping by more than this share of the smaller are one block
INLINE_FORMULA_OVERLAP_SHARE = 0.5
_PICTURE_LIKE = frozenset({"image", "table", "seal", "chart"})

Ratio = tuple[float, float]
T = TypeVar("T")


@dataclass(frozen=True)
class LayoutBoxOptions:
    """PaddleOCR-VL's layout box settings, under its names, with its defaults.

    threshold: minimum score (strictly above): one number for every class, or per class by label or class id;
        classes missing from a mapping need 0.5, as in PaddleX.
    layout_nms: drop duplicates: same-class boxes with IoU >= 0.6, boxes of different classes with IoU >= 0.98.
    unclip_ratio: scale boxes around their centre: one factor, (width, height), or per class (a factor or a
        pair; classes missing from the mapping are left alone).
    merge_bboxes_mode: what happens to nested boxes: ``large`` keeps the outer box of that class and drops
        boxes >= 90 % inside it, ``small`` keeps the inner boxes of that class and drops boxes containing
        them, ``union`` keeps both; one mode for all classes or per class (missing classes: ``union``).
    merge_layout_blocks: stitch adjacent text blocks into one crop for the recognizer.
    use_chart_recognition / use_seal_recognition: when off, charts / seals are pictures, which text blocks
        are never merged with.
    layout_shape_mode: what a polygon detector's outlines become (``rect``, ``quad``, ``poly`` or ``auto``; see
        `ocrvl.layout.ppdoclayout.polygons`); a box detector's regions stay boxes whatever it says.
    labels: class names in class-id order, to read class-id keys.
    """

    threshold: float | Mapping[int | str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    layout_nms: bool = True
    unclip_ratio: float | Ratio | Mapping[int | str, float | Ratio] = DEFAULT_UNCLIP_RATIO
    merge_bboxes_mode: str | Mapping[int | str, str] = field(default_factory=lambda: dict(DEFAULT_MERGE_BBOXES_MODES))
    merge_layout_blocks: bool = True
    use_chart_recognition: bool = False
    use_seal_recognition: bool = False
    layout_shape_mode: str = DEFAULT_SHAPE_MODE
    labels: tuple[str, ...] = LAYOUT_LABELS

    def __post_init__(self) -> None:
        set_field = object.__setattr__
        set_field(self, "labels", tuple(self.labels))
        set_field(self, "threshold", _checked_threshold(self.threshold, self.labels))
        set_field(self, "unclip_ratio", _checked_unclip_ratio(self.unclip_ratio, self.labels))
        set_field(self, "merge_bboxes_mode", _checked_merge_mode(self.merge_bboxes_mode, self.labels))
        for name in ("layout_nms", "merge_layout_blocks", "use_chart_recognition", "use_seal_recognition"):
            if not isinstance(getattr(self, name), bool):
                raise OptionsError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.layout_shape_mode not in SHAPE_MODES:
            raise OptionsError(f"layout_shape_mode {self.layout_shape_mode!r} must be one of {', '.join(SHAPE_MODES)}")

    def threshold_for(self, label: str) -> float:
        if isinstance(self.threshold, Mapping):
            return self.threshold.get(label, MISSING_CLASS_THRESHOLD)
        return self.threshold

    @property
    def min_threshold(self) -> float:
        """The lowest score any class can pass with: what the detector must at least return."""
        if not isinstance(self.threshold, Mapping):
            return self.threshold
        values = list(self.threshold.values())
        if set(self.labels) - set(self.threshold):
            values.append(MISSING_CLASS_THRESHOLD)
        return min(values)

    @property
    def non_merge_labels(self) -> frozenset[str]:
        """Blocks never stitched with text: pictures (charts and seals too when not read) and tables."""
        return non_merge_labels(self.use_chart_recognition, self.use_seal_recognition)


# ---------------------------------------------------------------------------------------------- validation


def _label_key(key: object, labels: tuple[str, ...], option: str) -> str:
    if isinstance(key, str) and key in labels:
        return key
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(labels):
        return labels[key]
    raise OptionsError(f"{option}: unknown layout class {key!r}; use a label ({', '.join(labels)}) or a class id "
                       f"0-{len(labels) - 1}")  # fmt: skip


def _per_class(value: Mapping, labels: tuple[str, ...], option: str, check: Callable[[object], T]) -> Mapping[str, T]:
    return MappingProxyType({_label_key(k, labels, option): check(v) for k, v in value.items()})


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _checked_threshold(value: object, labels: tuple[str, ...]) -> float | Mapping[str, float]:
    def checked(v: object) -> float:
        if not _is_number(v) or not 0.0 <= float(v) <= 1.0:  # type: ignore[arg-type]
            raise OptionsError(f"layout threshold {v!r} must be a number from 0 to 1")
        return float(v)  # type: ignore[arg-type]

    if isinstance(value, Mapping):
        return _per_class(value, labels, "layout threshold", checked)
    return checked(value)


def _checked_ratio(value: object) -> Ratio:
    pair = (value, value) if _is_number(value) else value
    if (
        not isinstance(pair, tuple | list) or len(pair) != 2 or not all(_is_number(v) and v > 0 for v in pair)  # type: ignore[operator]
    ):
        raise OptionsError(f"layout unclip ratio {value!r} must be a positive number or a (width, height) pair of them")
    return (float(pair[0]), float(pair[1]))


def _checked_unclip_ratio(value: object, labels: tuple[str, ...]) -> Ratio | Mapping[str, Ratio]:
    if isinstance(value, Mapping):
        return _per_class(value, labels, "layout unclip ratio", _checked_ratio)
    return _checked_ratio(value)


def _checked_merge_mode(value: object, labels: tuple[str, ...]) -> str | Mapping[str, str]:
    def checked(mode: object) -> str:
        if mode not in MERGE_BBOXES_MODES:
            raise OptionsError(f"layout merge bboxes mode {mode!r} must be one of {', '.join(MERGE_BBOXES_MODES)}")
        return mode  # type: ignore[return-value]

    if isinstance(value, Mapping):
        return _per_class(value, labels, "layout merge bboxes mode", checked)
    return checked(value)


# ---------------------------------------------------------------------------------------------- stage 1


def postprocess_layout(
    regions: Sequence[Region], page_width: int, page_height: int, options: LayoutBoxOptions | None = None
) -> list[Region]:
    """PaddleOCR-VL's ``layout_det_res`` from the detector's raw regions (``order`` = the model's rank).

    Returns new regions in the model's reading order with ``order`` renumbered 1, 2, ... Outlines (``polygon``) go
    with their boxes and take the shape ``layout_shape_mode`` gives them; they are neither unclipped nor clipped.
    """
    options = options or LayoutBoxOptions()
    kept = snap_to_pixels(regions)
    kept = apply_thresholds(kept, options)
    if options.layout_nms:
        kept = class_aware_nms(kept)
    kept = drop_page_covering_images(kept, page_width, page_height)
    kept = resolve_nested_boxes(kept, options.merge_bboxes_mode)
    kept = sort_by_reading_order(kept)
    kept = shape_outlines(kept, options.layout_shape_mode)
    kept = unclip(kept, options.unclip_ratio)
    kept = clip_to_page(kept, page_width, page_height)
    return renumber(kept)


def snap_to_pixels(regions: Sequence[Region]) -> list[Region]:
    """Box corners rounded to whole pixels (half to even), as PaddleX does before anything else."""
    return [replace(r, bbox=tuple(float(round(v)) for v in r.bbox)) for r in regions]  # type: ignore[arg-type]


def apply_thresholds(regions: Sequence[Region], options: LayoutBoxOptions) -> list[Region]:
    """Regions scoring strictly above their class's threshold, in the order PaddleX hands them to NMS (which
    decides ties): as given for one threshold; grouped by class id, ascending, for per-class thresholds."""
    kept = [r for r in regions if r.score > options.threshold_for(r.label)]
    if isinstance(options.threshold, Mapping):
        kept.sort(key=lambda r: r.cls_id)
    return kept


def _boxes(regions: Sequence[Region]) -> np.ndarray:
    return np.array([r.bbox for r in regions], dtype=np.float64).reshape(-1, 4)


def _nms_iou_matrix(boxes: np.ndarray) -> np.ndarray:
    """Pairwise IoU in PaddleX's NMS convention: corners inclusive, so every side counts one pixel more."""
    x0, y0, x1, y1 = boxes.T
    iw = np.maximum(0.0, np.minimum(x1[:, None], x1[None]) - np.maximum(x0[:, None], x0[None]) + 1)
    ih = np.maximum(0.0, np.minimum(y1[:, None], y1[None]) - np.maximum(y0[:, None], y0[None]) + 1)
    inter = iw * ih
    areas = (x1 - x0 + 1) * (y1 - y0 + 1)
    union = areas[:, None] + areas[None] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def class_aware_nms(
    regions: Sequence[Region], same_class_iou: float = SAME_CLASS_NMS_IOU, cross_class_iou: float = CROSS_CLASS_NMS_IOU
) -> list[Region]:
    """Greedy NMS from the highest score: a box goes when its IoU with a kept box reaches the threshold for
    its pair (same class or not). Survivors keep their input order.

    The walk is PaddleX's, ``np.argsort`` of the float32 scores reversed, so between equal scores the later
    region comes first."""
    if not regions:
        return []
    iou = _nms_iou_matrix(_boxes(regions))
    labels = [r.label for r in regions]
    remaining = [int(i) for i in np.argsort(np.array([r.score for r in regions], dtype=np.float32))[::-1]]
    kept: list[int] = []
    while remaining:
        best, *rest = remaining
        kept.append(best)
        remaining = [
            i for i in rest if iou[best, i] < (same_class_iou if labels[i] == labels[best] else cross_class_iou)
        ]
    return [regions[i] for i in sorted(kept)]


def page_image_share(page_width: int, page_height: int) -> float:
    return PAGE_IMAGE_SHARE_LANDSCAPE if page_width > page_height else PAGE_IMAGE_SHARE_PORTRAIT


def drop_page_covering_images(regions: Sequence[Region], page_width: int, page_height: int) -> list[Region]:
    """Without ``image`` boxes whose on-page area exceeds 82 % (landscape page) or 93 % (otherwise) of the
    page; applies only when there are at least two boxes, and never empties the page."""
    if len(regions) <= 1:
        return list(regions)
    limit = page_image_share(page_width, page_height) * page_width * page_height
    kept = [r for r in regions if r.label != "image" or _on_page_area(r.bbox, page_width, page_height) <= limit]
    return kept or list(regions)


def _on_page_area(b: BBox, page_width: int, page_height: int) -> float:
    x0, y0 = max(0.0, b[0]), max(0.0, b[1])
    x1, y1 = min(float(page_width), b[2]), min(float(page_height), b[3])
    return (x1 - x0) * (y1 - y0)


def containment_matrix(regions: Sequence[Region]) -> np.ndarray:
    """``m[i, j]``: at least 90 % of box i's area lies inside box j (i != j; empty boxes lie nowhere)."""
    boxes = _boxes(regions)
    x0, y0, x1, y1 = boxes.T
    iw = np.maximum(0.0, np.minimum(x1[:, None], x1[None]) - np.maximum(x0[:, None], x0[None]))
    ih = np.maximum(0.0, np.minimum(y1[:, None], y1[None]) - np.maximum(y0[:, None], y0[None]))
    areas = (x1 - x0) * (y1 - y0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(areas[:, None] > 0, iw * ih / areas[:, None], 0.0)
    inside = share >= CONTAINED_SHARE
    np.fill_diagonal(inside, False)
    return inside


def resolve_nested_boxes(regions: Sequence[Region], mode: str | Mapping[str, str]) -> list[Region]:
    """Apply ``merge_bboxes_mode``; every rule looks at the same input boxes, removals happen together.

    One mode for all: ``large`` drops every box inside another; ``small`` drops every box containing another
    unless it is itself inside one. Per class C: ``large`` drops boxes (of any class) inside a C box;
    ``small`` drops boxes containing a C box unless they are themselves inside one; ``union`` does nothing.
    """
    if not regions or mode == "union":
        return list(regions)
    inside = containment_matrix(regions)
    if isinstance(mode, str):
        contained, containing = inside.any(axis=1), inside.any(axis=0)
        keep = ~contained if mode == "large" else ~containing | contained
        return [r for r, k in zip(regions, keep, strict=True) if k]
    labels = np.array([r.label for r in regions])
    keep = np.ones(len(regions), dtype=bool)
    for label, label_mode in mode.items():
        of_class = labels == label
        if label_mode == "large":
            keep &= ~(inside & of_class[None, :]).any(axis=1)
        elif label_mode == "small":
            inner = inside & of_class[:, None]
            keep &= ~inner.any(axis=0) | inner.any(axis=1)
    return [r for r, k in zip(regions, keep, strict=True) if k]


def sort_by_reading_order(regions: Sequence[Region]) -> list[Region]:
    """Regions by the model's rank (regions without one keep their place after the ranked ones)."""
    indexed = sorted(enumerate(regions), key=lambda p: (p[1].order is None, p[1].order or 0, p[0]))
    return [r for _, r in indexed]


def unclip(regions: Sequence[Region], ratio: Ratio | Mapping[str, Ratio]) -> list[Region]:
    """Boxes scaled around their centre by (width, height) factors; per-class ratios leave other classes alone."""
    result = []
    for region in regions:
        factors = ratio.get(region.label) if isinstance(ratio, Mapping) else ratio
        if factors is None or factors == (1.0, 1.0):
            result.append(region)
            continue
        x0, y0, x1, y1 = region.bbox
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half_w, half_h = (x1 - x0) * factors[0] / 2, (y1 - y0) * factors[1] / 2
        result.append(replace(region, bbox=(cx - half_w, cy - half_h, cx + half_w, cy + half_h)))
    return result


def clip_to_page(regions: Sequence[Region], page_width: int, page_height: int) -> list[Region]:
    """Boxes clipped to the page and cut to whole pixels (truncated, as PaddleX does); empty ones dropped."""
    result = []
    for region in regions:
        x0, y0, x1, y1 = region.bbox
        box = (
            float(int(max(0.0, x0))),
            float(int(max(0.0, y0))),
            float(int(min(float(page_width), x1))),
            float(int(min(float(page_height), y1))),
        )
        if box[2] > box[0] and box[3] > box[1]:
            result.append(replace(region, bbox=box))
    return result


def renumber(regions: Sequence[Region]) -> list[Region]:
    """Regions with ``order`` 1, 2, ... in list order."""
    return [replace(r, order=rank) for rank, r in enumerate(regions, start=1)]


# ---------------------------------------------------------------------------------------------- stage 2


def parsing_regions(regions: Sequence[Region]) -> list[Region]:
    """The regions PaddleOCR-VL crops and reads, from its ``layout_det_res`` (in reading order).

    Left out: ``reference`` boxes (containers of the ``reference_content`` entries), boxes under 6 px wide or
    high, and, walking pairs in reading order, an ``inline_formula`` overlapping another box by more than half
    of the smaller one, then the smaller of two boxes overlapping by more than 70 % of the smaller (the earlier
    one on a tie) unless their outlines overlap by less than that. A picture-like box (image, table, seal, chart)
    and a box of another label both stay, except a table against a text-like box.
    """
    boxes = [r for r in regions if r.label != "reference"]
    if not boxes:
        return []
    coords = _boxes(boxes)
    widths, heights = coords[:, 2] - coords[:, 0], coords[:, 3] - coords[:, 1]
    areas = np.abs(widths * heights)
    overlap = _overlap_of_smaller(coords, areas)
    dropped: set[int] = set()
    for i in range(len(boxes)):
        if widths[i] < MIN_BLOCK_SIDE or heights[i] < MIN_BLOCK_SIDE:
            dropped.add(i)
        for j in range(i + 1, len(boxes)):
            if i in dropped or j in dropped:
                continue
            label_i, label_j = boxes[i].label, boxes[j].label
            if "inline_formula" in (label_i, label_j):
                if overlap[i, j] > INLINE_FORMULA_OVERLAP_SHARE:
                    dropped.update(k for k, label in ((i, label_i), (j, label_j)) if label == "inline_formula")
                    continue
            if overlap[i, j] <= OVERLAP_SHARE or _outlines_apart(boxes[i], boxes[j]) or _both_stay((label_i, label_j)):
                continue
            dropped.add(j if areas[i] >= areas[j] else i)
    return [r for k, r in enumerate(boxes) if k not in dropped]


def _overlap_of_smaller(coords: np.ndarray, areas: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = coords.T
    iw = np.maximum(0.0, np.minimum(x1[:, None], x1[None]) - np.maximum(x0[:, None], x0[None]))
    ih = np.maximum(0.0, np.minimum(y1[:, None], y1[None]) - np.maximum(y0[:, None], y0[None]))
    smaller = np.minimum(areas[:, None], areas[None])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(smaller > 0, iw * ih / smaller, 0.0)


def _outlines_apart(first: Region, second: Region) -> bool:
    """Boxes that overlap heavily may hold outlines that do not (two slanted columns): PaddleX then keeps both.
    It asks when the earlier region has an outline; a later one without is taken as its box."""
    if first.polygon is None:
        return False
    other = second.polygon if second.polygon is not None else box_corners(second.bbox)
    return overlap_of_smaller(first.polygon, other) < OVERLAP_SHARE


def _both_stay(pair: tuple[str, str]) -> bool:
    """A picture-like box overlapping a box of another label: both are kept, unless it is a table over text."""
    labels = set(pair)
    if len(labels) == 1 or not labels & _PICTURE_LIKE:
        return False
    return "table" not in labels or labels <= _PICTURE_LIKE


def parsing_blocks(regions: Sequence[Region], options: LayoutBoxOptions | None = None) -> list[Region | MergedBlock]:
    """The blocks to crop and read, in reading order: `parsing_regions`, then (with ``merge_layout_blocks``)
    adjacent text blocks stitched by `merge_layout_blocks`. Regions are copies."""
    options = options or LayoutBoxOptions()
    blocks = [replace(r) for r in parsing_regions(regions)]
    if not options.merge_layout_blocks:
        return list(blocks)
    return merge_layout_blocks(blocks, options.non_merge_labels)
