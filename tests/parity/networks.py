"""ocrvl's networks against the official ones: the recognizer (PaddleX's PaddleOCR-VL model code) and
PP-DocLayoutV2 (the release's exported program under Paddle Inference), on the same random weights."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
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
    from ocrvl.testing.reference import generate_greedy

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
                greedy = generate_greedy(model, input_ids, patches, [grid], NEW_TOKENS, stop_ids=stop)[0]
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
# Both sides take the top-k rows in score order, and rows whose scores differ by float noise (~3e-7 here) come out
# in either order: rows are matched as a set (same class, box within a pixel, score within this), not by position.
LAYOUT_SCORE_TOLERANCE = 1e-4
LAYOUT_BOX_TOLERANCE = 0.05  # pixels
VOTE_TOLERANCE = 1e-3  # votes are sums of 300 sigmoids (~150): float32 summation noise is ~1e-4
# End to end, on an AVX-512 CPU, 2 of 1200 queries of the random network trade ranks with another query of their
# page although the order head's inputs are equal and the head fed the program's inputs agrees on every rank (on
# AVX2 all 1200 agreed): ranks that end to end may differ, as a share of those compared.
RANK_NOISE_SHARE = 0.002


# Parameter folders: the release's class thresholds, which every random query passes, and the same parameters
# with every threshold at the median top score of the first page, so that only some queries reach the
# reading-order head and the rest are masked and padded (the case real pages are in). The random network's
# scores cluster on a few float32 values, so "some" is 34 or 286 of 300 here, not half.
LAYOUT_MODELS = {"model": "every query past its threshold", "model_some_valid": "some past (thresholds raised)"}


# What official.py writes per parameter folder and page: the program's rows and its order head's inputs and votes.
OFFICIAL_LAYOUT_OUTPUTS = ("rows", "order_boxes", "order_labels", "order_count", "order_votes")


def prepare_layout(folder: Path) -> None:
    from ocrvl.layout.ppdoclayout.model import INPUT_SIZE, preprocess

    write_random_layout_parameters(folder / "model", seed=3)
    rng = np.random.default_rng(5)
    arrays = {}
    for index, (width, height) in enumerate(PAGE_SIZES):
        page = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        arrays[f"pixels_{index}"] = preprocess(page).numpy()
        arrays[f"scale_{index}"] = np.array([INPUT_SIZE / height, INPUT_SIZE / width], dtype=np.float32)
    np.savez(folder / "inputs.npz", **arrays)
    _with_thresholds_at_median(folder / "model", folder / "model_some_valid", arrays["pixels_0"])
    write_json(folder / "inputs.json", {"models": list(LAYOUT_MODELS)})


def _with_thresholds_at_median(source: Path, target: Path, pixels: np.ndarray) -> None:
    """A copy of the parameter folder `source` whose class thresholds (the program's ``generated_tensor``
    constant that its ``index_select`` reads) are all the median top score of the queries of `pixels`."""
    from ocrvl.layout.ppdoclayout.model import PPDocLayoutDetector
    from ocrvl.layout.ppdoclayout.paddle_format import PARAMS_FILE, read_inference, stored_order, write_pdiparams

    detector = PPDocLayoutDetector.from_dir(source)
    with torch.inference_mode():
        logits = detector.model(pixel_values=torch.from_numpy(pixels)[None]).logits[0]
    median = float(np.median(logits.float().sigmoid().max(-1).values.numpy()))
    shutil.copytree(source, target, dirs_exist_ok=True)
    _, values = read_inference(target)
    thresholds = [name for name in values if name.startswith("generated_tensor")]
    if len(thresholds) != 1:
        raise ValueError(f"{target}: expected one class-threshold constant, found {thresholds}")
    values[thresholds[0]] = np.full_like(values[thresholds[0]], median)
    write_pdiparams(target / PARAMS_FILE, [values[name] for name in stored_order(values)])


def check_layout(folder: Path) -> list[Row]:
    """Rows against ``fetch_name_0``; reading order end to end on the pages where ocrvl's order head got the same
    inputs as the program's (its int boxes and labels, in query order), and the order head alone on every page,
    fed the program's own inputs (fetched from inside it by official.py)."""
    inputs = np.load(folder / "inputs.npz")
    official = np.load(folder / "official.npz")
    detection = _DetectionAgreement()
    order_rows = []
    for model, description in LAYOUT_MODELS.items():
        theirs = {f"{kind}_{page}": official[f"{model}_{kind}_{page}"]
                  for kind in OFFICIAL_LAYOUT_OUTPUTS for page in range(len(PAGE_SIZES))}  # fmt: skip
        order = _compare_layout(folder / model, inputs, theirs, detection)
        order_rows.append(order.row(f"PP-DocLayoutV2 reading order, {description}"))
    return [detection.row(f"{len(LAYOUT_MODELS)} x {len(PAGE_SIZES)} pages x 300 rows"), *order_rows]


@dataclass
class _DetectionAgreement:
    rows: int = 0
    classes_same: int = 0
    unmatched: int = 0
    score_diff: float = 0.0
    box_diff: float = 0.0

    def row(self, cases: str) -> Row:
        ok = self.unmatched == 0 and self.classes_same == self.rows and self.score_diff <= LAYOUT_SCORE_TOLERANCE \
            and self.box_diff <= LAYOUT_BOX_TOLERANCE  # fmt: skip
        rows = share(self.rows - self.unmatched, self.rows)
        return Row(
            "PP-DocLayoutV2 rows, classes, scores, boxes", cases,
            f"rows {rows}, classes {share(self.classes_same, self.rows)}, scores {self.score_diff:.1e}, "
            f"boxes {self.box_diff:.3f} px",
            f"all rows and classes, matched as a set: scores <= {LAYOUT_SCORE_TOLERANCE:g}, "
            f"boxes <= {LAYOUT_BOX_TOLERANCE} px", ok,
            f"{self.unmatched} rows unmatched, score {self.score_diff:.2e}, box {self.box_diff:.3f} px",
        )  # fmt: skip


@dataclass
class _OrderAgreement:
    pages: int = 0
    queries: int = 0
    valid: list[int] = field(default_factory=list)  # queries past their threshold, per page (the program's count)
    same_input_pages: int = 0
    same_input_ranks: int = 0
    same_input_agree: int = 0
    other_inputs: list[str] = field(default_factory=list)
    other_ranks: int = 0
    other_agree: int = 0
    fed_agree: int = 0
    vote_diff: float = 0.0

    def row(self, piece: str) -> Row:
        total = self.pages * self.queries
        agreement = (f"{'/'.join(map(str, self.valid))} queries ordered; ranks "
                     f"{share(self.same_input_agree, self.same_input_ranks)} on the {self.same_input_pages} pages "
                     f"whose order-head inputs equal the program's; head fed the program's inputs: ranks "
                     f"{share(self.fed_agree, total)}, votes {self.vote_diff:.1e}")  # fmt: skip
        if self.other_inputs:
            agreement += (f"; inputs differ ({', '.join(self.other_inputs)}: near-tied scores or a corner at an "
                          f"integer, float noise): ranks {share(self.other_agree, self.other_ranks)}")  # fmt: skip
        ok = self.same_input_ranks > 0 \
            and self.same_input_agree >= (1 - RANK_NOISE_SHARE) * self.same_input_ranks \
            and self.fed_agree == total and self.vote_diff <= VOTE_TOLERANCE  # fmt: skip
        return Row(piece, f"{self.pages} pages x {self.queries} rows", agreement,
                   f"ranks where the order head's inputs are equal (all but {RANK_NOISE_SHARE:.1%}), votes <= "
                   f"{VOTE_TOLERANCE:g}", ok,
                   f"ranks {self.same_input_agree}/{self.same_input_ranks} with equal inputs, {self.fed_agree}/"
                   f"{total} fed the program's inputs, votes {self.vote_diff:.2e}")  # fmt: skip


def _compare_layout(model_dir: Path, inputs, official: dict[str, np.ndarray], detection: _DetectionAgreement):
    from ocrvl.layout.ppdoclayout.model import PPDocLayoutDetector, decode_page

    detector = PPDocLayoutDetector.from_dir(model_dir)
    order_inputs: dict[str, torch.Tensor] = {}
    detector.model.reading_order.register_forward_pre_hook(
        lambda _module, _args, kwargs: order_inputs.update(kwargs), with_kwargs=True)  # fmt: skip
    order = _OrderAgreement()
    for index, (width, height) in enumerate(PAGE_SIZES):
        with torch.inference_mode():
            output = detector.model(pixel_values=torch.from_numpy(inputs[f"pixels_{index}"])[None])
        ours = decode_page(output.logits[0], output.pred_boxes[0], output.order_logits[0],
                           detector.class_thresholds, (width, height))  # fmt: skip
        theirs = official[f"rows_{index}"]
        votes_theirs = official[f"order_votes_{index}"]
        match = _match_rows(ours, theirs)
        found = match >= 0
        mine = match[found]
        detection.unmatched += int((~found).sum())
        detection.rows += len(theirs)
        detection.classes_same += int((ours.class_ids[mine] == theirs[found, 0].astype(int)).sum())
        detection.score_diff = max(detection.score_diff, max_abs(ours.scores[mine], theirs[found, 1]))
        detection.box_diff = max(detection.box_diff, max_abs(ours.boxes[mine], theirs[found, 2:6]))

        order.pages += 1
        order.queries = len(theirs)
        order.valid.append(int(official[f"order_count_{index}"]))
        by_rank = _match_rows(ours, theirs, votes_theirs)  # rows alike to within a pixel paired by their ranks
        paired = by_rank >= 0
        same_ranks = _ranks_agreeing(ours.orders[by_rank[paired]], theirs[paired, 6].astype(int), votes_theirs)
        differing = _order_inputs_differ(order_inputs, official, index)
        if differing:
            order.other_inputs.append(f"page {index}: {differing} of {len(theirs)} queries")
            order.other_ranks += len(theirs)
            order.other_agree += same_ranks
        else:
            order.same_input_pages += 1
            order.same_input_ranks += len(theirs)
            order.same_input_agree += same_ranks
        ranks, votes = _order_of_program_inputs(detector, official, index)
        order.fed_agree += _ranks_agreeing(ranks, _ranks(votes_theirs), votes_theirs)
        order.vote_diff = max(order.vote_diff, max_abs(votes, votes_theirs))
    return order


def _order_inputs_differ(ours: dict[str, torch.Tensor], official, page: int) -> int:
    """How many queries reached ocrvl's reading-order head with other boxes or labels than the program's (its boxes
    come with a pad row either side), or all of them when another number of queries passed the thresholds.
    ocrvl's boxes are compared as the program casts its own (truncated), so an ocrvl that lost the cast shows up
    as differing ranks on equal inputs, not as pages set aside."""
    boxes = ours["boxes"][0].long().numpy()
    labels = ours["labels"][0].long().numpy()
    if int(ours["mask"][0].sum()) != int(official[f"order_count_{page}"]):
        return len(boxes)
    other = (boxes != official[f"order_boxes_{page}"][1:-1]).any(1) | (labels != official[f"order_labels_{page}"])
    return int(other.sum())


def _order_of_program_inputs(detector, official, page: int) -> tuple[np.ndarray, np.ndarray]:
    """Ranks and votes per query of ocrvl's reading-order head given the program's own boxes, labels and count."""
    from ocrvl.layout.ppdoclayout.model import reading_order

    boxes = torch.from_numpy(official[f"order_boxes_{page}"][1:-1]).float()[None]
    labels = torch.from_numpy(official[f"order_labels_{page}"]).long()[None]
    count = int(official[f"order_count_{page}"])
    mask = torch.arange(boxes.shape[1])[None] < count
    with torch.inference_mode():
        logits = detector.model.reading_order(boxes=boxes, labels=labels, mask=mask)[0, :, : boxes.shape[1]]
    ranks, votes = reading_order(logits.float(), count)
    return ranks.numpy(), votes.numpy()


def _ranks_agreeing(ours: np.ndarray, theirs: np.ndarray, their_votes: np.ndarray) -> int:
    """How many of ocrvl's 0-based ranks `ours` agree with the program's `theirs` (from its votes `their_votes`)."""
    low, high = _tied_ranks(theirs, their_votes)
    return int(((ours >= low) & (ours < high)).sum())


def _tied_ranks(theirs: np.ndarray, their_votes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of the program's ranks, the ranks [low, high) of the queries whose votes are within `VOTE_TOLERANCE`
    of that query's: a near tie among them is decided by float summation order, which differs between CPUs (AVX2
    and AVX-512 kernels), so any of those ranks agrees."""
    ordered = np.sort(their_votes)
    vote = ordered[theirs]
    return np.searchsorted(ordered, vote - VOTE_TOLERANCE, side="left"), np.searchsorted(
        ordered, vote + VOTE_TOLERANCE, side="right"
    )


def _ranks(votes: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(votes), dtype=np.int64)
    ranks[np.argsort(votes, kind="stable")] = np.arange(len(votes))
    return ranks


def _match_rows(ours, theirs: np.ndarray, their_votes: np.ndarray | None = None) -> np.ndarray:
    """For each official row, the ocrvl row with the same class, the same box (within a pixel) and a score within
    `LAYOUT_SCORE_TOLERANCE`, each used once (the closest box first), or -1. With `their_votes`, a row of an
    agreeing reading rank (see `_tied_ranks`) among those within the pixel is taken first: random weights give many
    rows alike to within float noise, and which of two such rows gets which rank is then left to the order in which
    float noise on this CPU happens to put their boxes."""
    ranks = theirs[:, 6].astype(int)
    low, high = _tied_ranks(ranks, their_votes) if their_votes is not None else (ranks, ranks + 1)
    match = np.full(len(theirs), -1)
    taken = np.zeros(len(ours.scores), dtype=bool)
    for row, (cls_id, score, *box) in enumerate(theirs[:, :6]):
        candidates = np.flatnonzero(~taken & (ours.class_ids == int(cls_id))
                                    & (np.abs(ours.scores - score) <= LAYOUT_SCORE_TOLERANCE))  # fmt: skip
        if not len(candidates):
            continue
        distance = np.abs(ours.boxes[candidates] - np.asarray(box)).max(1)
        if distance.min() > 1.0:
            continue
        best = candidates[int(distance.argmin())]
        if their_votes is not None:
            within = candidates[distance <= 1.0]
            agreeing = within[(ours.orders[within] >= low[row]) & (ours.orders[within] < high[row])]
            best = agreeing[0] if len(agreeing) else best
        match[row] = best
        taken[best] = True
    return match
