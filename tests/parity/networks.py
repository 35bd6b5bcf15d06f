"""ocrvl's networks against the official ones: the recognizer (PaddleX's PaddleOCR-VL model code) and
PP-DocLayoutV2 (the release's exported program under Paddle Inference), on the same random weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from tests.parity.fixtures import write_random_layout_parameters, write_release_recognizer
from tests.parity.report import Row, max_abs, share, write_json

# (time, rows, columns) of patches: square, wide, tall, a single merge block, larger than the position table.
GRIDS = [(1, 6, 6), (1, 4, 16), (1, 18, 4), (1, 2, 2), (1, 10, 8)]
NEW_TOKENS = 20
# name, checkpoint folder, ocrvl's dtype, (tied config, lm_head.weight shipped). PaddleX runs float32: Paddle has
# no bfloat16 CPU kernels (PaddleX itself picks float32 on CPU), so ocrvl's bf16 is held against its fp32.
RECOGNIZER_VARIANTS = [
    ("fp32", "untied", "float32", (False, True)),
    ("bf16 (PaddleX fp32)", "untied", "bfloat16", (False, True)),
    ("fp32, config tied + shipped lm_head", "tied_shipped_head", "float32", (True, True)),
]
FP32_TOLERANCE = 1e-4
# bf16 keeps about 3 significant digits; over two layers the logits (std ~3 here) drift by a few hundredths.
BF16_TOLERANCE = 0.25
BF16_MIN_GREEDY = 0.8  # share of greedy tokens that must agree in bf16 (a near-tie may flip one)


def prepare_recognizer(folder: Path) -> None:
    checkpoints = {}
    for _, checkpoint, _, (tied, ship) in RECOGNIZER_VARIANTS:
        if checkpoint not in checkpoints:
            checkpoints[checkpoint] = write_release_recognizer(folder / checkpoint, seed=7, tied=tied,
                                                               ship_lm_head=ship)  # fmt: skip
    generator = torch.Generator().manual_seed(11)
    arrays = {}
    config = _tiny_config(folder / "untied")
    for case, grid in enumerate(GRIDS):
        count = grid[0] * grid[1] * grid[2]
        tokens = count // config.vision.spatial_merge_size**2
        arrays[f"patches_{case}"] = torch.randn(count, 3, 14, 14, generator=generator).numpy()
        arrays[f"grid_{case}"] = np.array(grid, dtype=np.int64)
        arrays[f"input_ids_{case}"] = np.array(
            [config.bos_token_id, 40, 41, config.vision_start_token_id] + [config.image_token_id] * tokens
            + [config.vision_end_token_id, 10, 11, 12], dtype=np.int64)  # fmt: skip
    np.savez(folder / "inputs.npz", **arrays)
    variants = [{"name": _key(name), "checkpoint": checkpoint, "dtype": "float32"}
                for name, checkpoint, _, _ in RECOGNIZER_VARIANTS]  # fmt: skip
    write_json(folder / "inputs.json", {"variants": variants, "cases": len(GRIDS), "new_tokens": NEW_TOKENS})


def _tiny_config(checkpoint: Path):
    from ocrvl.models.checkpoints import read_config

    return read_config(checkpoint)


def _key(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)


def check_recognizer(folder: Path) -> list[Row]:
    from ocrvl.models.checkpoints import load_model

    cases = np.load(folder / "inputs.npz")
    official = np.load(folder / "official.npz")
    rows = []
    for name, checkpoint, dtype, _ in RECOGNIZER_VARIANTS:
        model = load_model(folder / checkpoint, dtype=getattr(torch, dtype))
        stop = [model.config.eos_token_id]
        token_diff = logit_diff = 0.0
        greedy_same = greedy_total = 0
        worst = ""
        for case, grid in enumerate(GRIDS):
            key = f"{_key(name)}_{case}"
            patches = torch.from_numpy(cases[f"patches_{case}"]).to(model.dtype)
            input_ids = torch.from_numpy(cases[f"input_ids_{case}"])[None]
            with torch.inference_mode():
                image_tokens = torch.cat(model.encode_images(patches, [grid]))
                positions, _ = model.rope_positions(input_ids, [grid])
                logits = model(model.embed(input_ids, image_tokens), positions)[0]
                greedy = model.generate_greedy(input_ids, patches, [grid], NEW_TOKENS, stop_ids=stop)[0]
            token_diff = max(token_diff, max_abs(image_tokens.float(), official[f"image_tokens_{key}"]))
            logit_diff = max(logit_diff, max_abs(logits.float(), official[f"logits_{key}"]))
            expected = _until_stop(official[f"greedy_{key}"].tolist(), stop)
            same = sum(a == b for a, b in zip(greedy, expected))
            greedy_same += same
            greedy_total += max(len(greedy), len(expected))
            if same < max(len(greedy), len(expected)) and not worst:
                worst = f"grid {grid}: ocrvl {greedy} vs PaddleX {expected}"
        bf16 = dtype == "bfloat16"
        tolerance = BF16_TOLERANCE if bf16 else FP32_TOLERANCE
        needed = int(np.ceil(BF16_MIN_GREEDY * greedy_total)) if bf16 else greedy_total
        ok = token_diff <= tolerance and logit_diff <= tolerance and greedy_same >= needed
        rows.append(Row(
            f"recognizer {name}", f"{len(GRIDS)} images, {NEW_TOKENS} tokens",
            f"image tokens {token_diff:.1e}, logits {logit_diff:.1e}, greedy {share(greedy_same, greedy_total)}",
            f"<= {tolerance:g}, greedy {'>= ' + format(BF16_MIN_GREEDY, '.0%') if bf16 else 'all'}",
            ok, worst or f"image tokens {token_diff:.2e}, logits {logit_diff:.2e}",
        ))  # fmt: skip
    return rows


def _until_stop(tokens: list[int], stop: list[int]) -> list[int]:
    for index, token in enumerate(tokens):
        if token in stop:
            return tokens[:index]
    return tokens


# ------------------------------------------------------------------------------------------ PP-DocLayoutV2

PAGE_SIZES = [(612, 792), (1000, 700), (1240, 1754), (800, 800)]
LAYOUT_SCORE_TOLERANCE = 1e-4
LAYOUT_BOX_TOLERANCE = 0.05  # pixels


def prepare_layout(folder: Path) -> None:
    from ocrvl.layout.ppdoclayout import INPUT_SIZE, preprocess

    write_random_layout_parameters(folder / "model", seed=3)
    rng = np.random.default_rng(5)
    arrays = {}
    for index, (width, height) in enumerate(PAGE_SIZES):
        page = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        arrays[f"pixels_{index}"] = preprocess(page).numpy()
        arrays[f"scale_{index}"] = np.array([INPUT_SIZE / height, INPUT_SIZE / width], dtype=np.float32)
    np.savez(folder / "inputs.npz", **arrays)


def check_layout(folder: Path) -> list[Row]:
    from ocrvl.layout.ppdoclayout import PPDocLayoutDetector, decode_page

    detector = PPDocLayoutDetector.from_dir(folder / "model")
    inputs = np.load(folder / "inputs.npz")
    official = np.load(folder / "official.npz")
    rows_total = classes_same = unmatched = 0
    score_diff = box_diff = 0.0
    exact_pages = exact_ranks = exact_same = 0
    boundary_boxes = boundary_ranks = boundary_same = 0
    for index, (width, height) in enumerate(PAGE_SIZES):
        with torch.inference_mode():
            output = detector.model(pixel_values=torch.from_numpy(inputs[f"pixels_{index}"])[None])
        ours = decode_page(output.logits[0], output.pred_boxes[0], output.order_logits[0],
                           detector.class_thresholds, (width, height))  # fmt: skip
        theirs = official[f"rows_{index}"]
        match = _match_rows(ours, theirs)
        unmatched += int((match < 0).sum())
        found = match >= 0
        mine = match[found]
        rows_total += len(theirs)
        classes_same += int((ours.class_ids[mine] == theirs[found, 0].astype(int)).sum())
        score_diff = max(score_diff, max_abs(ours.scores[mine], theirs[found, 1]))
        box_diff = max(box_diff, max_abs(ours.boxes[mine], theirs[found, 2:6]))
        same_ranks = int((ours.orders[mine] == theirs[found, 6].astype(int)).sum())
        flipped = _integer_corner_flips(ours.boxes[mine], theirs[found, 2:6], (width, height))
        if flipped:
            boundary_boxes += flipped
            boundary_ranks += len(theirs)
            boundary_same += same_ranks
        else:
            exact_pages += 1
            exact_ranks += len(theirs)
            exact_same += same_ranks
    detection_ok = unmatched == 0 and classes_same == rows_total and score_diff <= LAYOUT_SCORE_TOLERANCE \
        and box_diff <= LAYOUT_BOX_TOLERANCE  # fmt: skip
    cases = f"{len(PAGE_SIZES)} pages x 300 rows"
    order_note = (f"{exact_ranks - exact_same} of {exact_ranks} ranks differ on pages where every box has the "
                  f"program's integer corners")  # fmt: skip
    boundary = ""
    if boundary_boxes:
        boundary = (f"; pages with {boundary_boxes} boxes whose corners x 1000 fall on the other side of an integer "
                    f"(float noise at the int64 cast): ranks {share(boundary_same, boundary_ranks)}")  # fmt: skip
    return [
        Row("PP-DocLayoutV2 rows, classes, scores, boxes", cases,
            f"rows {share(rows_total - unmatched, rows_total)}, classes {share(classes_same, rows_total)}, "
            f"scores {score_diff:.1e}, boxes {box_diff:.3f} px",
            f"all rows and classes, scores <= {LAYOUT_SCORE_TOLERANCE:g}, boxes <= {LAYOUT_BOX_TOLERANCE} px",
            detection_ok, f"{unmatched} rows unmatched, score {score_diff:.2e}, box {box_diff:.3f} px"),
        Row("PP-DocLayoutV2 reading order", cases,
            f"ranks {share(exact_same, exact_ranks)} on {exact_pages} pages{boundary}",
            "all ranks where the integer boxes agree", exact_ranks > 0 and exact_same == exact_ranks, order_note),
    ]  # fmt: skip


def _integer_corners(boxes: np.ndarray, page_size: tuple[int, int]) -> np.ndarray:
    width, height = page_size
    return np.clip(np.trunc(boxes / np.array([width, height, width, height], np.float64) * 1000), 0, 1000)


def _integer_corner_flips(ours: np.ndarray, theirs: np.ndarray, page_size: tuple[int, int]) -> int:
    """Boxes whose corners, as the program casts them for the reading-order head, differ between the sides."""
    return int((_integer_corners(ours, page_size) != _integer_corners(theirs, page_size)).any(1).sum())


def _match_rows(ours, theirs: np.ndarray) -> np.ndarray:
    """For each official row, ocrvl's row with the same class and box (within a pixel), or -1. Both sides take
    the top-k in score order, so that is the row at the same position, or a neighbour when two scores tie to
    within float noise (1e-6) and the two sides sorted them the other way round."""
    count = len(ours.scores)

    def same(official_row: int, our_row: int) -> bool:
        return (0 <= our_row < count and int(theirs[official_row, 0]) == int(ours.class_ids[our_row])
                and float(np.abs(ours.boxes[our_row] - theirs[official_row, 2:6]).max()) <= 1.0
                and abs(float(ours.scores[our_row]) - float(theirs[official_row, 1])) <= 1e-6)  # fmt: skip

    match = np.full(len(theirs), -1)
    taken: set[int] = set()
    for row in range(len(theirs)):
        for candidate in (row, row + 1, row - 1):
            if candidate not in taken and same(row, candidate):
                match[row] = candidate
                taken.add(candidate)
                break
    return match


def _integer_corners(boxes: np.ndarray, page_size: tuple[int, int]) -> np.ndarray:
    width, height = page_size
    return np.clip(np.trunc(boxes / np.array([width, height, width, height], np.float64) * 1000), 0, 1000)


def _integer_corner_flips(ours: np.ndarray, theirs: np.ndarray, page_size: tuple[int, int]) -> int:
    """Boxes whose corners, as the program casts them for the reading-order head, differ between the sides."""
    return int((_integer_corners(ours, page_size) != _integer_corners(theirs, page_size)).any(1).sum())


def _match_rows(ours, theirs: np.ndarray) -> np.ndarray:
    """For each official row, ocrvl's row at the same position when it has the same class and box (both sides
    take the top-k in score order), else -1."""
    count = min(len(theirs), len(ours.scores))
    same = np.zeros(len(theirs), dtype=bool)
    same[:count] = (ours.class_ids[:count] == theirs[:count, 0].astype(int)) & (
        np.abs(ours.boxes[:count] - theirs[:count, 2:6]).max(-1) <= 1.0
    )
    return np.where(same, np.arange(len(theirs)), -1)
