"""ocrvl's outline rules (PP-DocLayoutV3's polygons) against PaddleX's functions on seeded random outlines:
``layout_shape_mode`` (rect / quad / poly / auto), the overlap filter of the parsing blocks looking at outlines,
and the crops cut along outlines."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from tests.parity.official import image_digest, page_pixels
from tests.parity.report import Row, read_json, share, write_json

OUTLINES = 4000
PAGES = 1500
PAGE_SIZE = 1000
LABELS = ("text", "table", "image", "inline_formula", "paragraph_title", "seal", "chart", "reference")


def _random_outline(rng: np.random.Generator) -> list[list[float]]:
    """Rectangles, L shapes and jagged rings, upright, slightly or strongly turned, and degenerate ones of one to
    four loose points; half of them on whole pixels, as the exported program's masks give them."""
    kind = int(rng.integers(4))
    cx, cy = rng.uniform(50, PAGE_SIZE - 50, 2)
    w, h = rng.uniform(10, 400), rng.uniform(10, 300)
    angle = math.radians(float(rng.choice([0.0, rng.uniform(-3, 3), rng.uniform(-40, 40)])))
    if kind == 0:
        points = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    elif kind == 1:
        points = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, 0), (0, 0), (0, h / 2), (-w / 2, h / 2)]
    elif kind == 2:
        turns = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(4, 12))))
        points = [(w / 2 * np.cos(t) * rng.uniform(0.7, 1), h / 2 * np.sin(t) * rng.uniform(0.7, 1)) for t in turns]
    else:
        points = [(rng.uniform(-w / 2, w / 2), rng.uniform(-h / 2, h / 2)) for _ in range(int(rng.integers(1, 5)))]
    cos, sin = math.cos(angle), math.sin(angle)
    turned = [(cx + x * cos - y * sin, cy + x * sin + y * cos) for x, y in points]
    if rng.random() < 0.5:
        turned = [(float(round(x)), float(round(y))) for x, y in turned]
    return np.asarray(turned, dtype=np.float32).tolist()


def box_of(outline) -> list[int]:
    """The box around an outline, on whole pixels and inside the page (both sides use this one)."""
    points = np.asarray(outline, dtype=np.float32)
    box = np.round([points[:, 0].min(), points[:, 1].min(), points[:, 0].max(), points[:, 1].max()])
    return [int(v) for v in np.clip(box, 0, PAGE_SIZE)]


def prepare_polygons(folder: Path) -> None:
    rng = np.random.default_rng(7)
    shapes = []
    for _ in range(OUTLINES):
        outline = _random_outline(rng)
        previous = _random_outline(rng) if rng.random() < 0.5 else None
        shapes.append({"mode": str(rng.choice(["rect", "quad", "poly", "auto"])), "outline": outline,
                       "previous": previous})  # fmt: skip
    pages = []
    for _ in range(PAGES):
        regions: list[dict] = []
        for _ in range(int(rng.integers(1, 14))):
            if regions and rng.random() < 0.4:  # near or over an earlier region
                base = np.asarray(regions[int(rng.integers(len(regions)))]["outline"], dtype=np.float32)
                outline = (base + rng.normal(0, float(rng.choice([2, 15, 60])), base.shape)).astype(np.float32).tolist()
            else:
                outline = _random_outline(rng)
                if len(outline) < 4:
                    outline = _random_outline(rng)
            box = box_of(outline)
            if box[2] > box[0] and box[3] > box[1]:
                regions.append({"label": str(rng.choice(LABELS)), "outline": outline, "box": box})
        pages.append(regions)
    write_json(folder / "inputs.json", {"shapes": shapes, "pages": pages})


def check_polygons(folder: Path) -> list[Row]:
    from ocrvl.layout.ppdoclayout.box_rules import parsing_regions
    from ocrvl.layout.ppdoclayout.polygons import crop_region, shaped_outline
    from ocrvl.types import Region

    spec = read_json(folder / "inputs.json")
    official = read_json(folder / "official.json")

    def outline_of(points) -> tuple[tuple[float, float], ...]:
        return tuple((float(x), float(y)) for x, y in points)

    shapes_same = shapes_total = 0
    first_shape = ""
    for index, (case, theirs) in enumerate(zip(spec["shapes"], official["shapes"])):
        if theirs is None:  # PaddleX divides by an empty outline's area there; ocrvl takes the overlap as 0
            continue
        previous = case["previous"]
        if previous is not None:
            previous = shaped_outline(tuple(box_of(previous)), outline_of(previous), "auto")
        ours = shaped_outline(tuple(box_of(case["outline"])), outline_of(case["outline"]), case["mode"], previous)
        shapes_total += 1
        if np.array_equal(np.asarray(ours, dtype=np.float32), np.asarray(theirs, dtype=np.float32)):
            shapes_same += 1
        elif not first_shape:
            first_shape = f"outline {index} ({case['mode']}): ocrvl {ours} vs PaddleX {theirs}"

    pages_same = pages_total = crops_same = crops_total = 0
    first_page = first_crop = ""
    for index, (page, theirs) in enumerate(zip(spec["pages"], official["pages"])):
        if theirs is None:
            continue
        regions, previous = [], None
        for k, region in enumerate(page):
            previous = shaped_outline(tuple(region["box"]), outline_of(region["outline"]), "auto", previous)
            regions.append(Region(tuple(float(v) for v in region["box"]), region["label"], 0.9, order=k + 1,
                                  polygon=previous))  # fmt: skip
        kept = parsing_regions(regions)
        pages_total += 1
        ours = [[int(v) for v in r.bbox] for r in kept]
        if ours != theirs["kept"]:
            first_page = first_page or f"page {index}: ocrvl keeps {ours} vs PaddleX {theirs['kept']}"
            continue
        pages_same += 1
        image = page_pixels(PAGE_SIZE, PAGE_SIZE, index)
        for region, digest in zip(kept, theirs["crops"]):
            crop = crop_region(image, region.bbox, region.polygon)
            crops_total += 1
            if crop is not None and image_digest(crop) == digest:
                crops_same += 1
            elif not first_crop:
                first_crop = f"page {index}, region {[int(v) for v in region.bbox]}: crops differ"
    return [
        Row("layout_shape_mode outlines (rect/quad/poly/auto)", f"{shapes_total} random outlines",
            share(shapes_same, shapes_total, "identical"), "all", shapes_same == shapes_total > 0, first_shape),
        Row("overlap filter on outlines (parsing blocks)", f"{pages_total} random pages",
            share(pages_same, pages_total, "pages identical"), "all", pages_same == pages_total > 0, first_page),
        Row("crops along outlines", f"{crops_total} crops", share(crops_same, crops_total, "identical"), "all",
            crops_same == crops_total > 0, first_crop),
    ]  # fmt: skip
