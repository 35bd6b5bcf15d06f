"""PP-DocLayoutV3's post-processing against PaddleX's: the same raw network outputs (class logits, boxes, order
logits, mask logits) through ocrvl's `decode_page_v3` + `regions_from_v3` and through PaddleX 3.7's
``PPDocLayoutV3PostProcess`` (rows and reading order) + ``LayoutAnalysisProcess`` (threshold, order, outlines in
``poly`` shape, with its box rules switched off). The official side is ``official.layout_v3``.

Cases: the tiny random V3's outputs on pages (12 queries, text only) and synthetic outputs of 120 queries over
every class but ``image`` (PaddleX drops page-sized images, a box rule), with blob-shaped masks around each box so
that outlines have concave runs, long edges and sharp corners.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from tests.parity.report import Row, max_abs, read_json, share, write_json

PAGE_SIZES = [(612, 792), (1240, 1754), (1000, 700)]
SYNTHETIC_QUERIES = 120
THRESHOLD = 0.3
MASK_CELLS = 200
SCORE_TOLERANCE = 1e-5
POLYGON_TOLERANCE = 1e-3  # page pixels: both sides compute the same float32 vertices


def prepare_layout_v3(folder) -> None:
    from ocrvl.layout.ppdoclayout.convert import PP_DOCLAYOUT_V2_LABELS
    from ocrvl.layout.ppdoclayout.model import preprocess
    from ocrvl.testing.ppdoclayout import random_layout_v3_model

    model = random_layout_v3_model(seed=4)
    rng = np.random.default_rng(9)
    arrays, cases = {}, []
    image_class = PP_DOCLAYOUT_V2_LABELS.index("image")
    for width, height in PAGE_SIZES:
        page = _text_page(width, height, rng)
        with torch.inference_mode():
            output = model(pixel_values=preprocess(page)[None])
        network = (output.logits[0], output.pred_boxes[0], output.order_logits[0], output.out_masks[0])
        _add_case(arrays, cases, f"tiny model, {width}x{height}", (width, height), *network)
        synthetic = _synthetic_outputs(rng, len(PP_DOCLAYOUT_V2_LABELS), image_class)
        _add_case(arrays, cases, f"synthetic, {width}x{height}", (width, height), *synthetic)
    np.savez(folder / "inputs.npz", **arrays)
    write_json(folder / "inputs.json", {"cases": cases, "labels": list(PP_DOCLAYOUT_V2_LABELS),
                                        "threshold": THRESHOLD})  # fmt: skip


def _add_case(arrays: dict, cases: list, name: str, page_size, logits, boxes, order_logits, mask_logits) -> None:
    key = f"case{len(cases)}"
    arrays.update({f"{key}_logits": np.asarray(logits, np.float32), f"{key}_boxes": np.asarray(boxes, np.float32),
                   f"{key}_order": np.asarray(order_logits, np.float32),
                   f"{key}_masks": np.asarray(mask_logits, np.float32)})  # fmt: skip
    cases.append({"key": key, "name": name, "page_size": list(page_size)})


def _text_page(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    page = np.full((height, width, 3), 245, dtype=np.uint8)
    for _ in range(25):
        top, left = int(rng.integers(0, height - 20)), int(rng.integers(0, width // 2))
        page[top : top + 12, left : left + int(rng.integers(width // 8, width // 2))] = 30
    return page


def _synthetic_outputs(rng: np.random.Generator, num_classes: int, image_class: int):
    queries = SYNTHETIC_QUERIES
    logits = rng.normal(-3.0, 2.0, (queries, num_classes)).astype(np.float32)
    logits[:, image_class] = -20.0
    sizes = rng.uniform(0.03, 0.5, (queries, 2))
    centres = rng.uniform(sizes / 2, 1 - sizes / 2)
    boxes = np.concatenate([centres, sizes], axis=1).astype(np.float32)
    order = rng.normal(0.0, 3.0, (queries, queries)).astype(np.float32)
    order[np.tril_indices(queries)] = -1e4  # as the GlobalPointer gives them
    masks = np.empty((queries, MASK_CELLS, MASK_CELLS), dtype=np.float32)
    cells = np.arange(MASK_CELLS) + 0.5
    for q, (cx, cy, w, h) in enumerate(boxes * MASK_CELLS):
        # a blob around the box: inside its ellipse, with ragged edges from smoothed noise
        ellipse = ((cells[None, :] - cx) / (w / 2)) ** 2 + ((cells[:, None] - cy) / (h / 2)) ** 2
        noise = cv2.GaussianBlur(rng.normal(0, 1, (MASK_CELLS, MASK_CELLS)).astype(np.float32), (0, 0), 4.0)
        masks[q] = (1.2 - ellipse) * 4.0 + noise * 12.0
    return logits, boxes, order, masks


@dataclass
class _Agreement:
    regions: int = 0
    missing: int = 0
    same_class: int = 0
    same_box: int = 0
    same_order: int = 0
    same_outline: int = 0
    score_diff: float = 0.0
    outline_diff: float = 0.0
    vertices: int = 0
    worst: str = ""


def check_layout_v3(folder) -> list[Row]:
    from ocrvl.layout.ppdoclayout.model_v3 import decode_page_v3, regions_from_v3

    spec = read_json(folder / "inputs.json")
    inputs = np.load(folder / "inputs.npz")
    official = read_json(folder / "official.json")
    agreement = _Agreement()
    for case in spec["cases"]:
        key, page_size = case["key"], tuple(case["page_size"])
        detections = decode_page_v3(*(torch.from_numpy(inputs[f"{key}_{part}"])
                                      for part in ("logits", "boxes", "order", "masks")), page_size)  # fmt: skip
        regions = regions_from_v3(detections, spec["labels"], spec["threshold"], page_size)
        ours = [_as_paddlex_reports(r, page_size) for r in sorted(regions, key=lambda r: r.order)]
        ours = [r for r in ours if r is not None]
        _compare(ours, official[key], case["name"], agreement)
    a = agreement
    ok = a.missing == 0 and a.regions > 0 and a.same_class == a.same_box == a.same_order == a.same_outline == a.regions
    ok = ok and a.score_diff <= SCORE_TOLERANCE
    return [Row(
        "PP-DocLayoutV3 post-processing (rows, order, outlines)",
        f"{len(spec['cases'])} pages, {a.regions} regions, {a.vertices} outline vertices",
        f"regions {share(a.regions - a.missing, a.regions)}, classes {share(a.same_class, a.regions)}, boxes "
        f"{share(a.same_box, a.regions)}, order {share(a.same_order, a.regions)}, outlines "
        f"{share(a.same_outline, a.regions)} (max {a.outline_diff:.1e} px), scores {a.score_diff:.1e}",
        f"all equal, outline vertices <= {POLYGON_TOLERANCE:g} px, scores <= {SCORE_TOLERANCE:g}", ok,
        a.worst or f"scores {a.score_diff:.2e}, outlines {a.outline_diff:.2e} px",
    )]  # fmt: skip


def _as_paddlex_reports(region, page_size) -> dict | None:
    """A region as PaddleX's ``restructured_boxes`` reports it: corners rounded, clipped to the page, cut to whole
    pixels; None where nothing of it is left on the page."""
    width, height = page_size
    x0, y0, x1, y1 = (float(np.round(np.float32(v))) for v in region.bbox)
    box = [int(max(0, x0)), int(max(0, y0)), int(min(width, x1)), int(min(height, y1))]
    if box[2] <= box[0] or box[3] <= box[1]:
        return None
    return {"cls_id": region.cls_id, "score": region.score, "coordinate": box, "polygon": region.polygon}


def _compare(ours: list[dict], theirs: list[dict], case: str, a: _Agreement) -> None:
    a.regions += len(theirs)
    a.missing += abs(len(theirs) - len(ours))
    for position, (mine, official) in enumerate(zip(ours, theirs, strict=False)):
        a.same_class += mine["cls_id"] == official["cls_id"]
        a.same_box += mine["coordinate"] == official["coordinate"]
        a.same_order += position + 1 == official["order"]
        a.score_diff = max(a.score_diff, abs(mine["score"] - official["score"]))
        difference = max_abs(np.asarray(mine["polygon"]), np.asarray(official["polygon_points"]))
        a.vertices += len(official["polygon_points"])
        if difference <= POLYGON_TOLERANCE:
            a.same_outline += 1
            a.outline_diff = max(a.outline_diff, difference)
        elif not a.worst:
            a.worst = (f"{case}, region {position + 1}: outline {np.asarray(mine['polygon']).tolist()} vs PaddleX "
                       f"{official['polygon_points']}")  # fmt: skip


# ------------------------------------------------------------------------------------------ the network

NETWORK_VARIANTS = {
    "model": "tiny V3, boxes from the encoder's box head",
    "model_mask_enhanced": "tiny V3, boxes from the encoder's masks (the release's mask_enhanced)",
}
NETWORK_TOLERANCE = 1e-4  # relative: float32 through two frameworks' kernels gives ~1e-6 here


def _scale(values: np.ndarray) -> float:
    """The largest magnitude among `values`, leaving out the order head's -1e4 fill below the diagonal."""
    finite = np.abs(values[np.abs(values) < 1e3])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def prepare_layout_v3_network(folder) -> None:
    """The tiny safetensors release in two variants, and pre-processed pages for both networks."""
    import shutil

    from ocrvl.layout.ppdoclayout.model import preprocess
    from ocrvl.testing.ppdoclayout import write_tiny_ppdoclayout_v3

    base = write_tiny_ppdoclayout_v3(folder / "model", seed=5)
    enhanced = folder / "model_mask_enhanced"
    shutil.copytree(base, enhanced, dirs_exist_ok=True)
    config = read_json(enhanced / "config.json")
    write_json(enhanced / "config.json", {**config, "mask_enhanced": True})
    rng = np.random.default_rng(13)
    pages = [preprocess(_text_page(width, height, rng)).numpy() for width, height in PAGE_SIZES]
    np.savez(folder / "inputs.npz", pixels=np.stack(pages))
    write_json(folder / "inputs.json", {"variants": list(NETWORK_VARIANTS)})


def check_layout_v3_network(folder) -> list[Row]:
    """transformers' network as ocrvl loads it against PaddleX's own PP-DocLayoutV3 network (``convert_from_hf``)
    on the same weights and pixels: the last decoder layer's class logits, boxes, order logits and mask logits."""
    from ocrvl.layout.ppdoclayout.model_v3 import PPDocLayoutV3Detector

    pixels = torch.from_numpy(np.load(folder / "inputs.npz")["pixels"])
    official = np.load(folder / "official.npz")
    rows = []
    for variant, description in NETWORK_VARIANTS.items():
        detector = PPDocLayoutV3Detector.from_dir(folder / variant)
        with torch.inference_mode():
            output = detector.model(pixel_values=pixels)
        ours = {"logits": output.logits, "boxes": output.pred_boxes, "order": output.order_logits,
                "masks": output.out_masks}  # fmt: skip
        diffs = {name: max_abs(value.numpy(), official[f"{variant}_{name}"]) / _scale(official[f"{variant}_{name}"])
                 for name, value in ours.items()}  # fmt: skip
        ok = all(d <= NETWORK_TOLERANCE for d in diffs.values())
        agreement = ", ".join(f"{name} {d:.1e}" for name, d in diffs.items())
        rows.append(Row(f"PP-DocLayoutV3 network, {description}", f"{len(pixels)} pages",
                        f"largest difference / largest value: {agreement}", f"<= {NETWORK_TOLERANCE:g}", ok,
                        agreement))  # fmt: skip
    return rows
