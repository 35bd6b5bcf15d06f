"""A page's JSON exactly as PaddleOCR-VL (PaddleX's ``PaddleOCRVLResult``) writes it: what ``res.json["res"]`` and
``save_to_json`` give a PaddleOCR-VL user. ocrvl's own page JSON (``ocrvl parse``) is `json_output.page_json`."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ocrvl.postprocess.json_output import block_orders, page_json
from ocrvl.types import Block, PageResult, Region

# The settings every PaddleOCR-VL page names, with the values ocrvl's engines run by unless a page says otherwise.
PADDLE_MODEL_SETTINGS: dict[str, object] = {
    "use_doc_preprocessor": False,
    "use_layout_detection": True,
    "use_chart_recognition": False,
    "use_seal_recognition": False,
    "use_ocr_for_image_block": False,
    "format_block_content": False,
    "merge_layout_blocks": False,
}


@dataclass(frozen=True)
class PaddleSource:
    """Where PaddleOCR-VL says a page came from: the input's path (None for an image given as an array), and the
    page's index and count within a PDF or TIFF (None for a single image)."""

    input_path: str | None
    page_index: int | None
    page_count: int | None


def paddle_model_settings(page: PageResult, markdown_ignore_labels: Sequence[str]) -> dict[str, object]:
    """PaddleOCR-VL's ``model_settings`` keys for any engine, then ocrvl's own (``engine``, ``dpi``, ...)."""
    settings: dict[str, object] = {
        **PADDLE_MODEL_SETTINGS,
        "merge_layout_blocks": page.model_settings.get("engine") in ("vl", "vl-server"),
        "markdown_ignore_labels": list(markdown_ignore_labels),
        "return_layout_polygon_points": any(r.polygon is not None for r in page.regions),
        "use_doc_preprocessor": page.doc_preprocessor_res is not None,
    }
    settings.update(page.model_settings)
    return settings


def paddle_group_ids(page: PageResult) -> list[int]:
    """``group_id`` as PaddleX numbers it: a stitched group's members share the first one's, every other block has
    its own index. Only the vl engine stitches blocks (and its ids are list indexes); lite blocks stand alone."""
    if page.model_settings.get("engine") in ("vl", "vl-server"):
        return [block.group_id for block in page.blocks]
    return list(range(len(page.blocks)))


def paddle_page_json(
    page: PageResult,
    source: PaddleSource,
    markdown_ignore_labels: Sequence[str],
    global_ids: Sequence[int] | None = None,
    format_content: Callable[[Block], str] | None = None,
) -> dict:
    """The page as PaddleOCR-VL's JSON: `global_ids` are the blocks' ids across a restructured document
    (``global_block_id`` / ``global_group_id``), `format_content` what ``format_block_content`` puts in
    ``block_content`` (the block's Markdown)."""
    settings = paddle_model_settings(page, markdown_ignore_labels)
    blocks = []
    orders = block_orders(page.blocks, settings["markdown_ignore_labels"])  # type: ignore[arg-type]
    own_json = page_json(page)
    for index, (block, order, group_id, own) in enumerate(
        zip(page.blocks, orders, paddle_group_ids(page), own_json["parsing_res_list"])
    ):
        entry: dict[str, object] = {
            "block_label": block.label,
            "block_content": format_content(block) if format_content else block.content,
            "block_bbox": [int(v) for v in block.region.bbox],  # PaddleX truncates; ocrvl's own JSON rounds
            "block_id": index,
            "block_order": order,
            "group_id": group_id,
        }
        if global_ids is not None:
            entry["global_block_id"] = entry["global_group_id"] = global_ids[index]
        if "block_polygon_points" in own:
            entry["block_polygon_points"] = own["block_polygon_points"]
        blocks.append(entry)
    result: dict[str, object] = {
        "input_path": source.input_path,
        "page_index": source.page_index,
        "page_count": source.page_count,
        "width": page.width,
        "height": page.height,
        **({"error": page.error} if page.error is not None else {}),  # the page could not be loaded
        "model_settings": settings,
        **({"doc_preprocessor_res": {"input_path": None, "page_index": None, **page.doc_preprocessor_res}}
           if page.doc_preprocessor_res else {}),  # fmt: skip
        "parsing_res_list": blocks,
    }
    if settings["use_layout_detection"]:
        result["layout_det_res"] = {"input_path": None, "page_index": None, **own_json["layout_det_res"]}
    return result


def page_from_paddle_json(data: dict) -> tuple[PageResult, PaddleSource]:
    """A page back from PaddleOCR-VL's JSON (``res.json`` or a saved ``{stem}_res.json``, with or without its
    ``{"res": ...}`` wrapper), and where it came from: what ``restructure_pages`` needs of a result saved earlier.
    Pictures are not in the JSON, so the page has none; a heading mark a formatted block carries is dropped, as
    PaddleX drops it."""
    res = data.get("res", data)
    layout = res.get("layout_det_res") or {}
    boxes = layout.get("boxes", []) if isinstance(layout, dict) else []
    regions = [_region(box["coordinate"], box["label"], box.get("score", 1.0), box.get("cls_id", -1),
                       box.get("polygon_points")) for box in boxes]  # fmt: skip
    blocks = [
        Block(_region(entry["block_bbox"], entry["block_label"], 1.0, -1, entry.get("block_polygon_points")),
              _HEADING_MARK.sub("", entry["block_content"]), block_id=index, group_id=entry.get("group_id", index))
        for index, entry in enumerate(res.get("parsing_res_list", []))
    ]  # fmt: skip
    source = PaddleSource(res.get("input_path"), res.get("page_index"), res.get("page_count"))
    page = PageResult(Path(source.input_path or "result"), source.page_index or 0, source.page_count or 1,
                      int(res.get("width", 0)), int(res.get("height", 0)), regions, blocks,
                      dict(res.get("model_settings", {})))  # fmt: skip
    if isinstance(res.get("doc_preprocessor_res"), dict):
        page.doc_preprocessor_res = {key: value for key, value in res["doc_preprocessor_res"].items()
                                     if key not in ("input_path", "page_index")}  # fmt: skip
    return page, source


_HEADING_MARK = re.compile(r"^#+\s")


def _region(bbox, label: str, score: float, cls_id: int, polygon) -> Region:
    outline = tuple((float(x), float(y)) for x, y in polygon) if polygon else None
    return Region(tuple(float(v) for v in bbox[:4]), label, float(score), cls_id=cls_id, polygon=outline)  # type: ignore[arg-type]
