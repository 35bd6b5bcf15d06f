"""ocrvl's rules against PaddleX's functions on seeded random inputs: layout box rules and block merging,
OTSL -> HTML, formula crop trimming, and per task the pixel limits and prompt ids of a crop."""

from __future__ import annotations

import html
import itertools
import re
from collections import Counter
from pathlib import Path

import numpy as np

from tests.parity.official import image_digest, page_pixels
from tests.parity.report import Row, read_json, share, write_json

PAGES = 3000
OTSL_CASES = 2000
FORMULA_CASES = 1000


# ------------------------------------------------------------------------------------------ box rules


def _random_rows(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """Program-like rows [cls, score, x0, y0, x1, y1, order, votes], highest score first: free boxes, boxes
    nested in others, near-duplicates, scores with ties (two decimals), some boxes past the page edge."""
    count = int(rng.integers(1, 40))
    boxes = []
    for _ in range(count):
        if boxes and rng.random() < 0.35:  # inside or around an earlier box
            x0, y0, x1, y1 = boxes[int(rng.integers(len(boxes)))]
            jitter = rng.normal(0, 8, 4) if rng.random() < 0.5 else rng.uniform(0, 0.4, 4) * [1, 1, -1, -1] * (x1 - x0)
            box = [x0 + jitter[0], y0 + jitter[1], x1 + jitter[2], y1 + jitter[3]]
        else:
            w, h = rng.uniform(3, width * 0.9), rng.uniform(3, height * 0.5)
            x0, y0 = rng.uniform(-20, width - w + 20), rng.uniform(-20, height - h + 20)
            box = [x0, y0, x0 + w, y0 + h]
        x0, y0 = min(box[0], box[2]), min(box[1], box[3])
        # At least 3 px a side: PaddleX's NMS divides by box areas (an empty box raises ZeroDivisionError there).
        boxes.append([x0, y0, max(box[0], box[2], x0 + 3), max(box[1], box[3], y0 + 3)])
    rows = np.zeros((count, 8), dtype=np.float32)
    rows[:, 0] = rng.integers(0, 25, count)
    rows[:, 1] = np.round(rng.uniform(0.3, 1.0, count), 2)
    rows[:, 2:6] = np.array(boxes)
    rows[:, 6] = rng.permutation(count)
    rows[:, 7] = rng.uniform(0, count, count)
    return rows[np.argsort(-rows[:, 1], kind="stable")]


def prepare_boxes(folder: Path) -> None:
    from ocrvl.layout.ppdoclayout.block_merge import DEFAULT_NON_MERGE_LABELS
    from ocrvl.layout.ppdoclayout.box_rules import DEFAULT_MERGE_BBOXES_MODES, DEFAULT_THRESHOLDS, LAYOUT_LABELS

    rng = np.random.default_rng(19)
    sizes = [(int(rng.integers(300, 1700)), int(rng.integers(300, 1700))) for _ in range(PAGES)]
    np.savez(folder / "inputs.npz", **{f"rows_{i}": _random_rows(rng, w, h) for i, (w, h) in enumerate(sizes)})
    labels = list(LAYOUT_LABELS)
    write_json(folder / "inputs.json", {
        "labels": labels,
        "sizes": sizes,
        "threshold": {labels.index(k): v for k, v in DEFAULT_THRESHOLDS.items()},
        "merge_bboxes_mode": {labels.index(k): v for k, v in DEFAULT_MERGE_BBOXES_MODES.items()},
        "non_merge_labels": sorted(DEFAULT_NON_MERGE_LABELS),
    })  # fmt: skip


def check_boxes(folder: Path) -> list[Row]:
    from ocrvl.layout.ppdoclayout.block_merge import MergedBlock, stitch_crops
    from ocrvl.layout.ppdoclayout.box_rules import LayoutBoxOptions, parsing_blocks, postprocess_layout
    from ocrvl.layout.ppdoclayout.model import Detections, regions_from

    spec = read_json(folder / "inputs.json")
    rows = np.load(folder / "inputs.npz")
    official = read_json(folder / "official.json")
    options = LayoutBoxOptions()
    det_same = blocks_same = 0
    first_det = first_block = ""
    for index, ((width, height), expected) in enumerate(zip(spec["sizes"], official)):
        page_rows = rows[f"rows_{index}"]
        detections = Detections(page_rows[:, 0].astype(int), page_rows[:, 1], page_rows[:, 2:6],
                                page_rows[:, 6].astype(int), page_rows[:, 7])  # fmt: skip
        raw = regions_from(detections, spec["labels"], options.min_threshold)
        regions = postprocess_layout(raw, width, height, options)
        # The list order is the reading order; PaddleX's per-box "order" numbers only what block_order numbers.
        layout_det = [{"label": r.label, "score": round(r.score, 6), "box": [int(v) for v in r.bbox]} for r in regions]
        theirs = [{**b, "score": round(b["score"], 6)} for b in expected["layout_det"]]
        if layout_det == theirs:
            det_same += 1
        elif not first_det:
            first_det = f"page {index}: ocrvl {layout_det} vs PaddleX {theirs}"
        page = page_pixels(width, height, index)
        blocks = []
        for block in parsing_blocks(regions, options):
            members = block.members if isinstance(block, MergedBlock) else (block,)
            for k, member in enumerate(members):
                merged = isinstance(block, MergedBlock)
                blocks.append({
                    "label": member.label, "box": [int(v) for v in member.bbox],
                    "group": merged, "aligns": list(block.aligns) if merged and k == 0 else None,
                    "image": image_digest(stitch_crops(page, block)) if merged and k == 0 else None,
                })  # fmt: skip
        theirs_blocks = _official_blocks(expected["blocks"])
        if blocks == theirs_blocks:
            blocks_same += 1
        elif not first_block:
            first_block = f"page {index}: ocrvl {blocks} vs PaddleX {theirs_blocks}"
    total = len(official)
    return [
        Row("box rules (layout_det_res)", f"{total} random pages", share(det_same, total, "pages identical"),
            "all pages", det_same == total, first_det),
        Row("block filter + merging (parsing blocks, stitched crops)", f"{total} random pages",
            share(blocks_same, total, "pages identical"), "all pages", blocks_same == total, first_block),
    ]  # fmt: skip


def _official_blocks(blocks: list[dict]) -> list[dict]:
    """PaddleX's blocks in the same terms: a group is two or more blocks sharing a group_id (PaddleX also gives
    a lone block a group_id of its own), its first member carries the alignments and the stitched crop."""
    sizes: dict[int, int] = {}
    for block in blocks:
        if block["group_id"] is not None:
            sizes[block["group_id"]] = sizes.get(block["group_id"], 0) + 1
    out = []
    for block in blocks:
        grouped = sizes.get(block["group_id"], 0) >= 2
        first = grouped and block["image"] is not None
        out.append({"label": block["label"], "box": block["box"], "group": grouped,
                    "aligns": block["aligns"] if first else None,
                    "image": block["image"] if first else None})  # fmt: skip
    return out


# ------------------------------------------------------------------------------------------ OTSL


_OTSL_TOKENS = ["<fcel>", "<ecel>", "<lcel>", "<ucel>", "<xcel>"]
# Cell texts, escaping-prone ones among them; "<ched>" (a Docling tag) is text to PaddleX and to ocrvl alike.
_CELL_TEXTS = ["a", "12.5", "x & y", "<b>", 'say "hi"', "it's", " padded ", "β", "1<2", "<ched>h"]
_EMPTY_TEXTS = ["", " "]
_STRAY_TEXT = "stray"
_OTSL_TAG = re.compile(r"<(fcel|ecel|lcel|ucel|xcel|nl)>")
_HTML_ROW = re.compile(r"<tr>(.*?)</tr>", re.DOTALL)
_HTML_CELL = re.compile(r'<td(?: rowspan="(\d+)")?(?: colspan="(\d+)")?>(.*?)</td>', re.DOTALL)


def _random_otsl(rng: np.random.Generator) -> str:
    """Random cell tokens, some rows ragged; about one table in ten has empty ``<fcel>`` cells, one in ten text
    outside any cell, one in fifty merge tokens only: the inputs PaddleX mishandles are there to be counted."""
    rows, cols = int(rng.integers(1, 7)), int(rng.integers(1, 7))
    if rng.random() < 0.02:
        merges = ["<lcel>", "<ucel>", "<xcel>"]
        return "<nl>".join("".join(rng.choice(merges, cols)) for _ in range(rows)) + "<nl>"
    ragged = rng.random() < 0.3
    empty_share = 0.3 if rng.random() < 0.1 else 0.0
    table = []
    for r in range(rows):
        width = cols + (int(rng.integers(-2, 3)) if ragged else 0)
        cells = []
        for c in range(max(width, 1)):
            weights = [0.55, 0.15, 0.12 if c else 0, 0.12 if r else 0, 0.06 if r and c else 0]
            token = _OTSL_TOKENS[rng.choice(5, p=np.array(weights) / sum(weights))]
            texts = _EMPTY_TEXTS if rng.random() < empty_share else _CELL_TEXTS
            cells.append(token + (texts[int(rng.integers(len(texts)))] if token == "<fcel>" else ""))
        table.append(cells)
    if rng.random() < 0.1:  # text before a row's first token (c = -1), or after a token that takes no text
        spots = [(r, c) for r, row in enumerate(table) for c in range(len(row)) if not row[c].startswith("<fcel>")]
        spots += [(r, -1) for r in range(rows)]
        r, c = spots[int(rng.integers(len(spots)))]
        if c < 0:
            table[r][0] = _STRAY_TEXT + table[r][0]
        else:
            table[r][c] += _STRAY_TEXT
    return "<nl>".join("".join(cells) for cells in table) + "<nl>"


def paddlex_defect(otsl: str) -> str | None:
    """The kind of answer PaddleX's converter writes no sound table for, or None. ocrvl keeps its own reading of
    these (README, "Where ocrvl differs from PaddleOCR-VL, and why"); a case counts under the first kind that
    applies, in this order."""
    pieces = _OTSL_TAG.split(otsl)  # text, tag, text, tag, ..., text
    tags, texts_after = pieces[1::2], pieces[2::2]
    if not tags:
        return None  # not OTSL: neither side writes a table
    grid = _paddlex_grid(tags)
    if grid and not any(tag in ("fcel", "ecel") for row in grid for tag in row):
        return "merge tokens only"  # PaddleX writes no table and leaves the raw tags
    if pieces[0].strip() or any(text.strip() for tag, text in zip(tags, texts_after) if tag != "fcel"):
        return "text outside cells"  # PaddleX drops it
    if any(not text.strip() for tag, text in zip(tags, texts_after) if tag == "fcel"):
        return "empty <fcel>"  # PaddleX takes the next tag as its text
    if _paddlex_spans_overlap(grid):
        return "overlapping spans"  # PaddleX writes both cells: rows of different widths
    return None


def _paddlex_grid(tags: list[str]) -> list[list[str]]:
    """The cell tags as rows of one width, as PaddleX cuts and pads them: the width needing the fewest changes
    that keeps every ``<fcel>`` (the smallest on ties), short rows padded with ``<ecel>``."""
    rows = [list(group) for newline, group in itertools.groupby(tags, lambda tag: tag == "nl") if not newline]
    if not rows:
        return []
    lengths = [len(row) for row in rows]
    needed = max(max((i + 1 for i, tag in enumerate(row) if tag == "fcel"), default=0) for row in rows)
    width = min(range(needed, max(*lengths, needed) + 1), key=lambda w: (sum(abs(n - w) for n in lengths), w))
    return [row[:width] + ["ecel"] * (width - len(row)) for row in rows]


def _paddlex_spans_overlap(grid: list[list[str]]) -> bool:
    """Whether two cells overlap as PaddleX reads spans: a cell spans right over the ``<lcel>``/``<xcel>`` that
    follow it and down over the ``<ucel>``/``<xcel>`` under its first column, whatever else is there."""

    def run(tokens: list[str], kinds: tuple[str, str]) -> int:
        return len(list(itertools.takewhile(lambda tag: tag in kinds, tokens)))

    claimed: set[tuple[int, int]] = set()
    for r, row in enumerate(grid):
        for c, tag in enumerate(row):
            if tag in ("fcel", "ecel"):
                colspan = 1 + run(row[c + 1 :], ("lcel", "xcel"))
                rowspan = 1 + run([below[c] for below in grid[r + 1 :]], ("ucel", "xcel"))
                cell = {(r + dr, c + dc) for dr in range(rowspan) for dc in range(colspan)}
                if cell & claimed:
                    return True
                claimed |= cell
    return False


def _sound_table(table: str, otsl: str) -> bool:
    """Whether an HTML table is a full rectangle, no position in two cells, holding every text of its OTSL."""
    taken: set[tuple[int, int]] = set()
    rows = _HTML_ROW.findall(table)
    for r, row in enumerate(rows):
        c = 0
        for rowspan_text, colspan_text, _ in _HTML_CELL.findall(row):
            rowspan, colspan = int(rowspan_text or 1), int(colspan_text or 1)
            while (r, c) in taken:
                c += 1
            cell = {(r + dr, c + dc) for dr in range(rowspan) for dc in range(colspan)}
            if cell & taken:
                return False
            taken |= cell
            c += colspan
    width = 1 + max((c for _, c in taken), default=-1)
    texts = [text.strip() for text in _OTSL_TAG.split(otsl)[0::2] if text.strip()]
    rectangle = bool(rows) and taken == {(r, c) for r in range(len(rows)) for c in range(width)}
    return rectangle and all(html.escape(text) in table for text in texts)


def prepare_otsl(folder: Path) -> None:
    rng = np.random.default_rng(23)
    write_json(folder / "inputs.json", [_random_otsl(rng) for _ in range(OTSL_CASES)])


def check_otsl(folder: Path) -> list[Row]:
    """Identical HTML required on every table except the kinds PaddleX mishandles; those are counted by kind,
    and there ocrvl's table must be sound (rectangular, every text kept)."""
    from ocrvl.recognition.vl.otsl import otsl_to_html

    inputs = read_json(folder / "inputs.json")
    official = read_json(folder / "official.json")
    excluded: Counter[str] = Counter()
    same = sound = 0
    first = ""
    for text, expected in zip(inputs, official):
        ours = otsl_to_html(text)
        defect = paddlex_defect(text)
        if defect:
            excluded[defect] += 1
            is_sound = _sound_table(ours, text)
            sound += is_sound
            if not is_sound and not first:
                first = f"{text!r} ({defect}): ocrvl's table is not sound: {ours!r}"
        elif ours == expected.get("html"):
            same += 1
        elif not first:
            first = f"{text!r}: ocrvl {ours!r} vs PaddleX {expected}"
    compared, total_excluded = len(inputs) - excluded.total(), excluded.total()
    kinds = ", ".join(f"{kind} {count}" for kind, count in excluded.most_common())
    agreement = (f"{share(same, compared, 'identical HTML')}; {total_excluded} excluded, malformed by PaddleX"
                 f" ({kinds}): ocrvl's tables rectangular with all text {share(sound, total_excluded)}")  # fmt: skip
    return [Row("OTSL -> HTML", f"{len(inputs)} random tables", agreement, "all but the excluded",
                same == compared and sound == total_excluded, first)]  # fmt: skip


# ------------------------------------------------------------------------------------------ formula crops


def _random_crop(rng: np.random.Generator) -> np.ndarray:
    """A formula-like crop: a light background (white, grey or tinted), dark ink in a random box, noise."""
    height, width = int(rng.integers(1, 90)), int(rng.integers(1, 300))
    background = rng.integers(150, 256, 3)
    crop = np.broadcast_to(background, (height, width, 3)).astype(np.int16).copy()
    if rng.random() < 0.9:
        y0, x0 = int(rng.integers(0, height)), int(rng.integers(0, width))
        y1, x1 = int(rng.integers(y0, height)) + 1, int(rng.integers(x0, width)) + 1
        ink = rng.integers(0, 160, 3)
        mask = rng.random((y1 - y0, x1 - x0)) < rng.uniform(0.05, 1.0)
        crop[y0:y1, x0:x1][mask] = ink
    crop += rng.integers(-int(rng.integers(0, 30)) - 1, int(rng.integers(0, 30)) + 1, crop.shape, dtype=np.int16)
    return np.clip(crop, 0, 255).astype(np.uint8)


def prepare_formula(folder: Path) -> None:
    rng = np.random.default_rng(29)
    np.savez(folder / "inputs.npz", **{f"crop_{i}": _random_crop(rng) for i in range(FORMULA_CASES)})


def check_formula(folder: Path) -> list[Row]:
    from ocrvl.recognition.vl.routing import RoutingOptions, image_job

    crops = np.load(folder / "inputs.npz")
    official = read_json(folder / "official.json")
    same = 0
    first = ""
    for index, expected in enumerate(official):
        crop = crops[f"crop_{index}"]
        ours = image_digest(image_job(0, "display_formula", crop, RoutingOptions()).image)
        if ours == expected:
            same += 1
        elif not first:
            first = f"crop {index} {list(crop.shape)}: ocrvl reads {ours[0]}, PaddleX {expected[0]}"
    return [Row("formula crop trimming", f"{len(official)} random crops", share(same, len(official), "identical"),
                "all", same == len(official), first)]  # fmt: skip


# ------------------------------------------------------------------------------------------ pixel limits, prompt

PROMPT_LABELS = ["text", "table", "display_formula", "paragraph_title"]
CROP_SIZES = [(40, 300), (900, 1200), (1500, 2400), (30, 30), (2000, 160)]  # (height, width)


def prepare_prompt(folder: Path) -> None:
    from tests.parity.fixtures import write_prompt_checkpoints, write_release_recognizer

    recognizer = write_release_recognizer(folder / "recognizer", seed=1, tied=False, ship_lm_head=True)
    names = write_prompt_checkpoints(folder, recognizer)
    rng = np.random.default_rng(31)
    crops = {f"crop_{i}": rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for i, (h, w) in enumerate(CROP_SIZES)}
    np.savez(folder / "inputs.npz", **crops)
    cases = [{"crop": name, "label": label} for name in crops for label in PROMPT_LABELS]
    write_json(folder / "inputs.json", {"checkpoints": names, "cases": cases})


def check_prompt(folder: Path) -> list[Row]:
    from ocrvl.inference.prepare import RequestEncoder
    from ocrvl.inference.requests import RecognitionRequest
    from ocrvl.models.checkpoints import load_model
    from ocrvl.models.image_processing import ImageProcessor
    from ocrvl.models.prompting import Prompter
    from ocrvl.options import PipelineOptions
    from ocrvl.recognition.vl.routing import image_job

    spec = read_json(folder / "inputs.json")
    crops = np.load(folder / "inputs.npz")
    official = read_json(folder / "official.json")
    routing = PipelineOptions().routing_options()  # what the vl engine reads crops with
    model = load_model(folder / "recognizer")
    rows = []
    limits_same = grids_same = 0
    for name in spec["checkpoints"]:
        prompter = Prompter.from_dir(folder / name, model.config)
        encoder = RequestEncoder(model, prompter, ImageProcessor.from_dir(folder / name))
        ids_same = 0
        first = ""
        for case, expected in zip(spec["cases"], official[name]):
            job = image_job(0, case["label"], crops[case["crop"]], routing)
            request = RecognitionRequest(job.image, job.prompt, min_pixels=job.min_pixels, max_pixels=job.max_pixels)
            prepared = encoder(request)
            if name == spec["checkpoints"][0]:
                limits_same += [job.min_pixels, job.max_pixels] == expected["pixel_limits"]
                grids_same += list(prepared.grid) == expected["grid"]
            if list(prepared.input_ids) == expected["input_ids"]:
                ids_same += 1
            elif not first:
                ours_text = encoder.prompter.template(job.prompt)
                first = f"{case}: ocrvl renders {ours_text!r}, PaddleX {expected['text']!r}"
        total = len(spec["cases"])
        rows.append(Row(f"prompt ids, {name.replace('_', ' ')}", f"{total} crops x tasks", share(ids_same, total),
                        "all", ids_same == total, first))  # fmt: skip
    total = len(spec["cases"])
    rows.insert(0, Row("pixel limits per task (no user setting)", f"{total} crops x tasks",
                       f"limits {share(limits_same, total)}, resized grid {share(grids_same, total)}", "all",
                       limits_same == total and grids_same == total,
                       f"limits {limits_same}/{total}, grids {grids_same}/{total}"))  # fmt: skip
    return rows

