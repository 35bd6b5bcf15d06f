"""JSON in PaddleOCR-VL's per-page schema (``parsing_res_list`` and ``layout_det_res``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ocrvl.postprocess.markdown import DEFAULT_MARKDOWN_IGNORE_LABELS
from ocrvl.types import BBox, Block, DocumentResult, PageResult, Region

# PaddleX (3.4 on, PaddleOCR-VL's SKIP_ORDER_LABELS) numbers every block 1, 2, ... in list order except these and
# the run's markdown_ignore_labels, whose block_order is null; formula numbers and seals are numbered.
SKIP_ORDER_LABELS = frozenset({
    "figure_title", "vision_footnote", "image", "chart", "table", "header", "header_image", "footer",
    "footer_image", "footnote", "aside_text",
})  # fmt: skip


def block_orders(
    blocks: Sequence[Block], markdown_ignore_labels: Sequence[str] = DEFAULT_MARKDOWN_IGNORE_LABELS
) -> list[int | None]:
    """``block_order`` of each block as PaddleOCR-VL writes it (the list itself is in reading order)."""
    skipped = SKIP_ORDER_LABELS | set(markdown_ignore_labels)
    orders: list[int | None] = []
    next_order = 1
    for block in blocks:
        if block.label not in skipped:
            orders.append(next_order)
            next_order += 1
        else:
            orders.append(None)
    return orders


def _restructuring(block: Block) -> dict:
    """What document-level restructuring found: ``title_level`` on titles (PaddleX's numbering: document
    title 0, top sections 1) and, on a block whose content went into an earlier one, ``merged_into`` naming
    that block (its own content is then empty)."""
    found: dict = {}
    if block.heading_level is not None:
        found["title_level"] = block.heading_level - 1
    if block.merged_into is not None:
        page_index, block_id = block.merged_into
        found["merged_into"] = {"page_index": page_index, "block_id": block_id}
    return found


def _markdown_ignore_labels(page: PageResult) -> Sequence[str]:
    return page.model_settings.get("markdown_ignore_labels", DEFAULT_MARKDOWN_IGNORE_LABELS)


def _int_box(b: BBox) -> list[int]:
    return [int(round(v)) for v in b]


def _outline(key: str, region: Region) -> dict:
    """A polygon layout model's outline of the region under PaddleOCR-VL's `key`, as [x, y] points; nothing for a
    box."""
    return {key: [[x, y] for x, y in region.polygon]} if region.polygon is not None else {}


def page_json(page: PageResult) -> dict:
    return {
        "input_path": str(page.input_path),
        "page_index": page.page_index,
        "page_count": page.page_count,
        "width": page.width,
        "height": page.height,
        **({"error": page.error} if page.error is not None else {}),  # the page could not be loaded
        "model_settings": dict(page.model_settings),
        **({"doc_preprocessor_res": page.doc_preprocessor_res} if page.doc_preprocessor_res else {}),
        "parsing_res_list": [
            {
                "block_label": b.label,
                "block_content": b.content,
                "block_bbox": _int_box(b.region.bbox),
                "block_id": b.block_id,
                "block_order": order,
                "group_id": b.group_id,
                **_outline("block_polygon_points", b.region),
                **({"block_image": b.image_path} if b.image_path else {}),
                **_restructuring(b),
            }
            for b, order in zip(page.blocks, block_orders(page.blocks, _markdown_ignore_labels(page)))
        ],
        **({"spotting_res": page.spotting_res} if page.spotting_res else {}),
        "layout_det_res": {
            "boxes": [
                {
                    "cls_id": r.cls_id,
                    "label": r.label,
                    "score": round(float(r.score), 4),
                    "coordinate": [round(float(v), 2) for v in r.bbox],
                    **_outline("polygon_points", r),
                }
                for r in page.regions
            ]
        },
    }


def document_json(doc: DocumentResult | Sequence[PageResult], input_path: Path | None = None) -> dict:
    pages = doc.pages if isinstance(doc, DocumentResult) else list(doc)
    path = doc.input_path if isinstance(doc, DocumentResult) else input_path
    return {
        "input_path": str(path) if path is not None else None,
        "page_count": pages[0].page_count if pages else 0,
        "pages": [page_json(p) for p in pages],
    }
