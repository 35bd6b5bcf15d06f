"""ocrvl's PyTorch PaddleOCR-VL beside transformers' reference, full size, random weights, in one run.

    .venv/bin/python benchmarks/bench_models.py [--dtype fp32|bf16|both] [--decode-steps 16] [--skip-rss | --only-rss]

Both models get the same random weights (transformers' own init, with every constant tensor, i.e. norm
weights and biases, jittered so they are exercised too) and the same synthetic crops (``--crops``, default
1000x200, 600x400 and 300x80), preprocessed with the pipeline's pixel limits. Per dtype and crop it times,
transformers first and ocrvl second, runs alternating:

- vision: encoder and projector, one crop to language-model tokens (``--vision-repeats`` runs, best counts;
  seconds each in fp32, several times that in bf16 on CPUs without native bf16 matrix units);
- prefill: the whole prompt through the decoder, each model with its own image tokens from the vision stage
  (transformers takes them as ``mm_encoder_outputs``), full logits; best of ``--repeats`` after ``--warmup``;
- decode: one greedy step on the KV cache, mean of ``--decode-steps`` steps after an untimed one; both are
  fed transformers' greedy tokens, so their logits stay comparable where a bf16 near-tie flips an argmax;
- generate: end to end, vision included: ``generate`` beside ``generate_greedy``, ``--decode-steps`` new
  tokens, one run each, on the smallest crop by default (``--generate``).

Columns: seconds of each, the ratio transformers/ocrvl (above 1: ocrvl is faster), the largest absolute
difference of the outputs (projected image tokens, logits) and notes: argmax agreement, whether the greedy
tokens agree, and for bf16 how far each implementation lands from the fp32 reference's outputs.

The memory phase (first, unless ``--skip-rss``) writes a full-size bf16 checkpoint to a temporary directory,
loads it in a fresh process with ``load_model`` as the pipeline does, runs the first crop through vision,
prefill and 8 decode steps there and reports the RSS after loading and at the peak (the child's own VmHWM;
target 2.5 GB). The checkpoint is written by another child, which keeps this process small.
Nothing is downloaded and no real weights are needed. A full run takes about half an hour on 2 cores.
"""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
from PIL import Image, ImageDraw, ImageFont

from ocrvl.models.config import ModelConfig
from ocrvl.models.image_processing import PIPELINE_MAX_PIXELS, PIPELINE_MIN_PIXELS, ImageProcessor
from ocrvl.models.model import PaddleOCRVL
from ocrvl.models.weights import NATIVE, to_ocrvl
from ocrvl.testing.reference import KVCache, generate_greedy

CROP_SIZES = ((1000, 200), (600, 400), (300, 80))
DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}
RSS_TARGET_GB = 2.5
RSS_DECODE_STEPS = 8
# Plain text tokens around the image, as in "<s> User: <image> OCR: Assistant:" (no tokenizer needed).
PROMPT_HEAD = [1, 1000, 1001]
PROMPT_TAIL = [1002, 1003, 1004]


# ---------------------------------------------------------------- inputs


def synthetic_crop(width: int, height: int) -> Image.Image:
    """Black text lines on white, like a layout crop of a paragraph or a single line."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    lines = max(1, height // 50)
    size = max(10, min(32, int(height / lines * 0.6)))
    font = ImageFont.load_default(size=size)
    words = "The quick brown fox jumps over the lazy dog 0123456789 PaddleOCR-VL ocrvl benchmark".split()
    for line in range(lines):
        text = " ".join(words[(line * 3 + i) % len(words)] for i in range(14))
        draw.text((8, 6 + line * height / lines), text, fill="black", font=font)
    return image


def prompt_ids(model: PaddleOCRVL, grid: tuple[int, int, int]) -> torch.Tensor:
    cfg = model.config
    n = model.tokens_per_image(grid)
    ids = PROMPT_HEAD + [cfg.vision_start_token_id] + [cfg.image_token_id] * n + [cfg.vision_end_token_id]
    return torch.tensor([ids + PROMPT_TAIL])


# ---------------------------------------------------------------- models


def build_models(cfg: ModelConfig, seed: int):
    """transformers' reference with random weights, and ocrvl's model sharing those very tensors."""
    from transformers import PaddleOCRVLConfig, PaddleOCRVLForConditionalGeneration
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    torch.manual_seed(seed)
    start = time.perf_counter()
    ref = PaddleOCRVLForConditionalGeneration(PaddleOCRVLConfig(**cfg.to_native_dict())).eval()
    with torch.no_grad():
        for p in ref.parameters():
            if p.numel() > 1 and float(p.std()) == 0.0:  # norm weights (ones) and biases (zeros)
                p.add_(torch.randn_like(p) * 0.02)
    state, unknown = to_ocrvl(ref.state_dict(), NATIVE)
    assert not unknown, f"names to_ocrvl does not know: {unknown}"
    with torch.device("meta"):
        ours = PaddleOCRVL(cfg)
    result = ours.load_state_dict(state, strict=False, assign=True)
    missing = [k for k in result.missing_keys if k != "lm_head.weight"]
    assert not missing and not result.unexpected_keys, (missing, result.unexpected_keys)
    ours.lm_head.weight = ours.text.embed_tokens.weight
    ours.eval()
    print(
        f"built both models in {time.perf_counter() - start:.1f} s: "
        f"{sum(p.numel() for p in ours.parameters()) / 1e6:.0f} M parameters (lm_head tied)"
    )
    return ref, ours


def to_dtype(ref, ours: PaddleOCRVL, dtype: torch.dtype) -> None:
    """Convert both models, then give transformers' rotary frequencies back their fp32 precision.

    ``Module.to`` also casts transformers' ``inv_freq`` buffers, while a model it loads in bf16 keeps them in
    fp32 (computed at init); ocrvl's rotary modules keep theirs in fp32 through any cast.
    """
    saved = {}
    for module in ref.modules():
        for name in ("inv_freq", "original_inv_freq"):
            buffer = getattr(module, name, None)
            if isinstance(buffer, torch.Tensor) and buffer.dtype == torch.float32:
                saved[module, name] = buffer.clone()
    ref.to(dtype)
    ours.to(dtype)
    for (module, name), buffer in saved.items():
        setattr(module, name, buffer)


# ---------------------------------------------------------------- timing


def time_pair(ref_fn: Callable, ours_fn: Callable, repeats: int, warmup: int):
    """Best seconds of each, runs alternating; returns (ref_seconds, ours_seconds, ref_out, ours_out)."""
    ref_out = ours_out = None
    for _ in range(warmup):
        ref_out = ref_fn()
        ours_out = ours_fn()
    ref_best = ours_best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        ref_out = ref_fn()
        ref_best = min(ref_best, time.perf_counter() - start)
        start = time.perf_counter()
        ours_out = ours_fn()
        ours_best = min(ours_best, time.perf_counter() - start)
    return ref_best, ours_best, ref_out, ours_out


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.float() - b.float()).abs().max())


class Table:
    COLUMNS = f"{'dtype':<6}{'crop':<26}{'stage':<10}{'HF s':>9}{'ocrvl s':>9}{'HF/ocrvl':>10}{'max diff':>11}  note"

    def __init__(self):
        self.rows: list[str] = []

    def add(self, dtype: str, crop: str, stage: str, ref_s: float, ours_s: float, diff: float | None, note=""):
        diff_text = "" if diff is None else f"{diff:.2e}"
        row = (
            f"{dtype:<6}{crop:<26}{stage:<10}{ref_s:>9.3f}{ours_s:>9.3f}{ref_s / ours_s:>9.2f}x{diff_text:>11}  {note}"
        )
        self.rows.append(row)
        print(row, flush=True)

    def print(self) -> None:
        print()
        print(self.COLUMNS)
        print("-" * len(self.COLUMNS))
        for row in self.rows:
            print(row)


# ---------------------------------------------------------------- comparison phase


def warm_up(ref, ours: PaddleOCRVL) -> None:
    """One tiny image through both vision encoders and decoders, so the first timed crop is not the first call."""
    grids = [(1, 8, 8)]
    patches = torch.randn(64, 3, 14, 14)
    input_ids = prompt_ids(ours, grids[0])
    mm = (input_ids == ours.config.image_token_id).int()
    ref(input_ids=input_ids, pixel_values=patches, image_grid_thw=torch.tensor(grids), mm_token_type_ids=mm)
    generate_greedy(ours, input_ids, patches, grids, 2, stop_ids=[])


def bench_crop(
    ref, ours: PaddleOCRVL, dtype_name: str, image: Image.Image, args, table: Table, fp32: dict, generate: bool
) -> None:
    """One crop through every stage. ``fp32`` keeps the fp32 reference's outputs per crop, to judge bf16 by."""
    proc = ImageProcessor()
    batch = proc([image], min_pixels=PIPELINE_MIN_PIXELS, max_pixels=PIPELINE_MAX_PIXELS)
    patches, grids = batch.patches, batch.grids
    grid_thw = torch.tensor(grids)
    input_ids = prompt_ids(ours, grids[0])
    mm = (input_ids == ours.config.image_token_id).int()
    t, h, w = grids[0]
    crop = f"{image.width}x{image.height} ({h}x{w}, {ours.tokens_per_image(grids[0])} tok)"

    # Vision encoder + projector: seconds per run, so no warm-up beyond warm_up()'s.
    ref_s, ours_s, ref_vision, ours_feats = time_pair(
        lambda: ref.model.get_image_features(patches, grid_thw),
        lambda: ours.encode_images(patches, grids),
        args.vision_repeats,
        0,
    )
    ref_feats = ref_vision.pooler_output
    diff = max(max_diff(a, b) for a, b in zip(ref_feats, ours_feats))
    scale = max(float(a.float().abs().max()) for a in ref_feats)
    truth = fp32.setdefault(crop, {})
    note = f"|tokens| max {scale:.2f}" + vs_fp32(truth, "vision", torch.cat(ref_feats), torch.cat(ours_feats))
    table.add(dtype_name, crop, "vision", ref_s, ours_s, diff, note)

    # Prefill of the whole prompt, each model with its own image tokens from above (transformers takes them
    # as mm_encoder_outputs and skips its encoder); full logits so they can be compared at every position.
    def ref_prefill():
        return ref(
            input_ids=input_ids,
            image_grid_thw=grid_thw,
            mm_token_type_ids=mm,
            mm_encoder_outputs={"image": ref_vision},
            use_cache=True,
        )

    def ours_prefill():
        embeddings = ours.embed(input_ids, torch.cat(ours_feats))
        positions, next_pos = ours.rope_positions(input_ids, grids)
        cache = KVCache(len(ours.text.layers))
        return ours(embeddings, positions, cache), cache, next_pos

    ref_s, ours_s, ref_out, (logits, cache, next_pos) = time_pair(ref_prefill, ours_prefill, args.repeats, args.warmup)
    diff = max_diff(ref_out.logits, logits)
    scale = float(ref_out.logits.float().abs().max())
    note = f"text only, {input_ids.shape[1]} positions: {argmax_note(ref_out.logits[0], logits[0])}"
    note += f"; |logits| max {scale:.1f}" + vs_fp32(truth, "logits", ref_out.logits, logits)
    table.add(dtype_name, crop, "prefill", ref_s, ours_s, diff, note)

    # Greedy decode. Both are fed transformers' greedy token, so their logits stay comparable at every step
    # even where a near-tie (bf16) makes the argmax differ; the generate stage below runs each on its own.
    # The first step is untimed.
    token = ref_out.logits[:, -1].argmax(-1)
    ref_steps, ours_steps = [ref_out.logits[0, -1]], [logits[0, -1]]
    ref_times, ours_times = [], []
    past = ref_out.past_key_values
    for step in range(args.decode_steps + 1):
        start = time.perf_counter()
        out = ref(input_ids=token[:, None], past_key_values=past, use_cache=True)
        ref_time = time.perf_counter() - start
        past = out.past_key_values
        start = time.perf_counter()
        step_pos = next_pos.view(1, 1, 1).expand(3, 1, 1)
        step_logits = ours(ours.text.embed_tokens(token[:, None]), step_pos, cache)
        next_pos = next_pos + 1
        ours_time = time.perf_counter() - start
        if step:
            ref_times.append(ref_time)
            ours_times.append(ours_time)
        ref_steps.append(out.logits[0, -1])
        ours_steps.append(step_logits[0, -1])
        token = out.logits[:, -1].argmax(-1)
    ref_steps, ours_steps = torch.stack(ref_steps), torch.stack(ours_steps)
    table.add(
        dtype_name,
        crop,
        "decode",
        sum(ref_times) / len(ref_times),
        sum(ours_times) / len(ours_times),
        max_diff(ref_steps, ours_steps),
        f"mean of {len(ref_times)} steps; greedy tokens: {argmax_note(ref_steps, ours_steps, 'steps')}",
    )

    if not generate:
        return
    # End to end, vision included: the reference's generate() and ocrvl's plain greedy loop, one run each.
    k = args.decode_steps
    start = time.perf_counter()
    generated = ref.generate(
        input_ids=input_ids,
        pixel_values=patches,
        image_grid_thw=grid_thw,
        mm_token_type_ids=mm,
        max_new_tokens=k,
        do_sample=False,
    )
    ref_s = time.perf_counter() - start
    start = time.perf_counter()
    ours_new = generate_greedy(ours, input_ids, patches, grids, k, stop_ids=[ours.config.eos_token_id])[0]
    ours_s = time.perf_counter() - start
    ref_new = generated[0, input_ids.shape[1] :].tolist()
    if ours.config.eos_token_id in ref_new:
        ref_new = ref_new[: ref_new.index(ours.config.eos_token_id)]
    table.add(
        dtype_name,
        crop,
        "generate",
        ref_s,
        ours_s,
        None,
        f"vision + {k} new tokens, one run; " + token_note(ref_new, ours_new),
    )


def vs_fp32(truth: dict[str, torch.Tensor], key: str, ref_value: torch.Tensor, ours_value: torch.Tensor) -> str:
    """Remember fp32 reference outputs; for other dtypes, how far each implementation lands from them."""
    if ref_value.dtype == torch.float32:
        truth[key] = ref_value
        return ""
    if key not in truth:
        return ""
    return f"; off HF fp32: HF {max_diff(truth[key], ref_value):.2e}, ocrvl {max_diff(truth[key], ours_value):.2e}"


def argmax_note(ref_logits: torch.Tensor, ours_logits: torch.Tensor, what: str = "positions") -> str:
    """How often the argmax agrees over rows of (rows, vocab) logits; where not, how close the reference's call
    was: its own logit margin between its choice and ocrvl's (a near-tie when small)."""
    ref_top, ours_top = ref_logits.argmax(-1), ours_logits.argmax(-1)
    differ = (ref_top != ours_top).nonzero().flatten()
    text = f"argmax agrees at {len(ref_top) - len(differ)}/{len(ref_top)} {what}"
    if len(differ):
        rows = ref_logits[differ].float()
        margin = rows.gather(-1, ref_top[differ, None]) - rows.gather(-1, ours_top[differ, None])
        text += f" (elsewhere HF's margin over ocrvl's pick <= {float(margin.max()):.4f})"
    return text


def token_note(ref_tokens: list[int], ours_tokens: list[int]) -> str:
    if ref_tokens == ours_tokens:
        return f"greedy tokens agree ({len(ref_tokens)})"
    first = next(
        (i for i, (a, b) in enumerate(zip(ref_tokens, ours_tokens)) if a != b), min(len(ref_tokens), len(ours_tokens))
    )
    return f"greedy tokens DIFFER from token {first} of {len(ref_tokens)}/{len(ours_tokens)}"


def compare(args) -> None:
    cfg = ModelConfig()
    ref, ours = build_models(cfg, args.seed)
    gc.collect()
    images = [synthetic_crop(w, h) for w, h in args.crops]
    table = Table()
    fp32: dict[str, dict[str, torch.Tensor]] = {}
    smallest = min(range(len(images)), key=lambda i: images[i].width * images[i].height)
    print(Table.COLUMNS)
    names = ["fp32", "bf16"] if args.dtype == "both" else [args.dtype]
    with torch.inference_mode():
        for name in names:
            dtype = DTYPES[name]
            if dtype != ours.dtype:
                to_dtype(ref, ours, dtype)
                gc.collect()
            warm_up(ref, ours)
            for i, image in enumerate(images):
                generate = args.generate == "all" or (args.generate == "smallest" and i == smallest)
                bench_crop(ref, ours, name, image, args, table, fp32, generate)
    table.print()
    print(f"peak RSS of this process: {peak_rss_gb():.2f} GB")


# ---------------------------------------------------------------- memory phase


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def current_rss_gb(*keys: str) -> dict[str, float]:
    """Fields of /proc/self/status in GB: by default the resident set now, anonymous and file-backed."""
    keys = keys or ("VmRSS", "RssAnon", "RssFile")
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in keys:
            fields[key] = int(value.split()[0]) / 2**20
    return fields


def format_rss(fields: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f} GB" for k, v in fields.items())


def rss_phase() -> None:
    """Both steps in child processes: Linux carries a parent's ``ru_maxrss`` over fork and exec, so a child
    started by a parent that once held the fp32 model would report the parent's peak as its own."""
    tmpdir = tempfile.mkdtemp(prefix="ocrvl-bench-")
    try:
        start = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--write-child", tmpdir], check=True)
        size = sum(p.stat().st_size for p in Path(tmpdir).glob("*.safetensors")) / 2**30
        print(f"wrote a full-size bf16 checkpoint ({size:.2f} GB) in {time.perf_counter() - start:.1f} s")
        result = subprocess.run([sys.executable, __file__, "--rss-child", tmpdir])
        if result.returncode:
            print(f"RSS child failed with exit code {result.returncode}")
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def write_child(directory: str) -> None:
    from ocrvl.testing.checkpoints import random_model, write_checkpoint

    write_checkpoint(directory, random_model(ModelConfig(), std=0.02), dtype=torch.bfloat16)


def rss_child(directory: str) -> None:
    """Runs in a fresh process: load as the pipeline does, run one crop, report RSS."""
    from ocrvl.models.checkpoints import load_model

    print(f"  after imports: {format_rss(current_rss_gb())}")
    start = time.perf_counter()
    model = load_model(directory, torch.bfloat16)
    print(f"  after load_model ({time.perf_counter() - start:.1f} s): {format_rss(current_rss_gb())}")
    image = synthetic_crop(*CROP_SIZES[0])
    batch = ImageProcessor()([image], min_pixels=PIPELINE_MIN_PIXELS, max_pixels=PIPELINE_MAX_PIXELS)
    input_ids = prompt_ids(model, batch.grids[0])
    start = time.perf_counter()
    with torch.inference_mode():
        image_tokens = torch.cat(model.encode_images(batch.patches, batch.grids))
        embeddings = model.embed(input_ids, image_tokens)
        positions, next_pos = model.rope_positions(input_ids, batch.grids)
        cache = KVCache(len(model.text.layers))
        logits = model(embeddings, positions, cache, last_only=True)
        for _ in range(RSS_DECODE_STEPS):
            token = logits[:, -1].argmax(-1)
            step_pos = next_pos.view(1, 1, 1).expand(3, 1, 1)
            logits = model(model.text.embed_tokens(token[:, None]), step_pos, cache)
            next_pos = next_pos + 1
    print(
        f"  one {image.width}x{image.height} crop ({input_ids.shape[1]} prompt tokens), prefill + "
        f"{RSS_DECODE_STEPS} decode steps in {time.perf_counter() - start:.1f} s: {format_rss(current_rss_gb())}"
    )
    peak = current_rss_gb("VmHWM")["VmHWM"]
    verdict = "OK" if peak <= RSS_TARGET_GB else "OVER TARGET"
    print(
        f"  peak RSS (VmHWM) {peak:.2f} GB (target <= {RSS_TARGET_GB} GB): {verdict}; ru_maxrss {peak_rss_gb():.2f} GB"
    )


# ---------------------------------------------------------------- main


def crop_size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    return int(width), int(height)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dtype", choices=["fp32", "bf16", "both"], default="both")
    ap.add_argument("--decode-steps", type=int, default=16)
    ap.add_argument(
        "--crops",
        type=crop_size,
        nargs="+",
        default=list(CROP_SIZES),
        metavar="WxH",
        help="synthetic crop sizes (default: " + " ".join(f"{w}x{h}" for w, h in CROP_SIZES) + ")",
    )
    ap.add_argument("--repeats", type=int, default=2, help="timed prefill runs; the best one counts")
    ap.add_argument("--warmup", type=int, default=1, help="untimed prefill runs before timing")
    ap.add_argument(
        "--vision-repeats",
        type=int,
        default=1,
        help="timed vision runs (several seconds each in fp32, far more in bf16)",
    )
    ap.add_argument(
        "--generate",
        choices=["none", "smallest", "all"],
        default="smallest",
        help="crops that also run the end-to-end generate stage (one more vision run per model)",
    )
    ap.add_argument("--seed", type=int, default=0)
    phase = ap.add_mutually_exclusive_group()
    phase.add_argument("--skip-rss", action="store_true", help="skip the memory phase")
    phase.add_argument("--only-rss", action="store_true", help="run only the memory phase")
    ap.add_argument("--rss-child", metavar="DIR", help=argparse.SUPPRESS)
    ap.add_argument("--write-child", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.rss_child:
        rss_child(args.rss_child)
        return
    if args.write_child:
        write_child(args.write_child)
        return
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    if not args.skip_rss:
        print("== memory: full-size bf16 checkpoint through load_model in a fresh process")
        rss_phase()
    if not args.only_rss:
        print(
            f"== speed and agreement: transformers (HF) beside ocrvl, best of {args.repeats} "
            f"after {args.warmup} warm-up"
        )
        compare(args)


if __name__ == "__main__":
    main()
