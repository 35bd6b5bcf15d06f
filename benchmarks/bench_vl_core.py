"""ocrvl's batched inference core beside transformers' one-crop-at-a-time generate, on one page of crops.

    .venv/bin/python benchmarks/bench_vl_core.py [--dtype fp32|bf16] [--crops N] [--batch-size 16]
                                                 [--config full|small] [--seed 0]

Both implementations get the same random full-size PaddleOCR-VL weights (``build_models`` of bench_models.py:
transformers' reference and ocrvl's model share the very tensors, so the process holds one copy) and the same
page: 24 synthetic layout crops of a US-letter page rendered at 144 dpi (title, headings, paragraphs,
captions, one table, header, footer, page number; see ``PAGE``), each with a task prompt ("OCR:", or
"Table Recognition:" for the table) and a forced output length of 8 to 400 tokens. No stop token ends a crop
early in either implementation and ocrvl's repetition guard is off (random weights loop), so both generate
exactly the same number of greedy tokens.

After one tiny warm-up crop through each, it times:

- transformers (HF): ``PaddleOCRVLForConditionalGeneration.generate`` one crop at a time, the transformers
  recipe; only the generate calls are timed, on inputs (token ids, patches, grid) prepared beforehand by
  ocrvl's own ``RequestEncoder``, so both see exactly the same inputs;
- ocrvl: ``InferenceEngine.recognize`` on all crops at once (continuous batching, packed vision), end to
  end, so it includes ocrvl's image preprocessing (a small cost that counts against ocrvl). It runs twice,
  before and after transformers, and the mean counts: these machines' speed drifts by up to 2x over minutes,
  and bracketing cancels a steady drift. A 3-second matmul probe before each phase prints the machine's speed.

It prints wall seconds, crops/s, generated tokens/s and vision patches/s of each, the engine's own breakdown
(vision, prefill, decode seconds, decode steps), the throughput ratio ocrvl/HF, the share of crops whose greedy
tokens agree (and where the others first differ), the process's peak RSS after each phase, and the targets:
ratio >= 3x, agreement >= 95% (fp32) and peak RSS <= 6 GB.

A full fp32 run takes about 45 minutes on 2 cores: about 1 minute to build the models, about 16 minutes for
transformers and about 10-15 for each ocrvl run. bf16 is several times slower on CPUs without native bf16
matrix units: use ``--crops`` to run only the first crops of the page. ``--config small`` shrinks the model
(same structure, 2 layers, small widths) to check the script in about a minute. Nothing is downloaded and no
real weights are needed: the tokenizer is a tiny character-level one written to a temporary directory.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_models import DTYPES, build_models, current_rss_gb, format_rss, peak_rss_gb, synthetic_crop, to_dtype

from ocrvl.inference import EngineStats, InferenceEngine, InferenceOptions, Placement, RecognitionRequest
from ocrvl.inference.prepare import PreparedRequest, RequestEncoder
from ocrvl.models.config import ModelConfig, TextConfig, VisionConfig
from ocrvl.models.image_processing import PIPELINE_MAX_PIXELS, PIPELINE_MIN_PIXELS, ImageProcessor
from ocrvl.models.prompting import TASK_PROMPTS, Prompter
from ocrvl.models.weights import NATIVE, to_ocrvl
from ocrvl.testing.checkpoints import write_tokenizer

# One page of layout crops in reading order: (kind, width, height, forced output tokens). Sizes in pixels as a
# layout model cuts them from a US-letter page rendered at 144 dpi (1224x1584), the text column ~1000 px wide;
# a line of body text is ~30 px high and ~25-30 tokens, so a paragraph's tokens follow its height. A dense page
# (stacked, the crops would overrun one page's height): what counts is the work, 24 crops and ~2 900 tokens.
PAGE = (
    ("header", 700, 30, 16),
    ("title", 900, 60, 20),
    ("paragraph", 1000, 180, 180),
    ("heading", 400, 35, 8),
    ("paragraph", 1000, 240, 240),
    ("paragraph", 1000, 150, 150),
    ("heading", 420, 35, 10),
    ("paragraph", 1000, 300, 300),
    ("paragraph", 1000, 120, 120),
    ("caption", 800, 45, 40),
    ("heading", 380, 35, 9),
    ("paragraph", 1000, 270, 270),
    ("table", 1000, 600, 400),
    ("caption", 820, 45, 40),
    ("heading", 450, 35, 12),
    ("paragraph", 1000, 210, 210),
    ("paragraph", 1000, 135, 135),
    ("heading", 400, 35, 10),
    ("paragraph", 1000, 285, 285),
    ("paragraph", 1000, 165, 165),
    ("caption", 780, 45, 38),
    ("paragraph", 1000, 195, 195),
    ("footer", 700, 30, 18),
    ("page number", 40, 25, 8),
)
WARM_UP_CROP = (40, 25)
WARM_UP_TOKENS = 2
RATIO_TARGET = 3.0
AGREEMENT_TARGET = 0.95
RSS_TARGET_GB = 6.0


# ---------------------------------------------------------------- setup


def model_config(name: str) -> ModelConfig:
    """The full-size PaddleOCR-VL config, or the same structure shrunk to 2 layers and small widths."""
    full = ModelConfig()
    if name == "full":
        return full
    vision = dataclasses.replace(
        VisionConfig(), hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4
    )
    text = dataclasses.replace(
        TextConfig(),
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=32,
        mrope_section=(4, 6, 6),
    )
    return dataclasses.replace(full, vision=vision, text=text)


def make_prompter(directory: Path, cfg: ModelConfig) -> Prompter:
    """The prompter on a tiny tokenizer, with no stop ids: every crop runs to its forced length."""
    write_tokenizer(directory)
    return dataclasses.replace(Prompter.from_dir(directory, cfg), stop_ids=())


def share_weights(ref, ours) -> None:
    """Point ocrvl's parameters at transformers' again: ``to_dtype`` converts each model on its own."""
    state, _ = to_ocrvl(ref.state_dict(), NATIVE)
    ours.load_state_dict(state, strict=False, assign=True)
    ours.lm_head.weight = ours.text.embed_tokens.weight


def page_requests(count: int) -> list[RecognitionRequest]:
    requests = []
    for i, (kind, width, height, tokens) in enumerate(PAGE[:count]):
        prompt = TASK_PROMPTS["table"] if kind == "table" else TASK_PROMPTS["ocr"]
        requests.append(crop_request(synthetic_crop(width, height), prompt, i, tokens))
    return requests


def crop_request(image, prompt: str, request_id, tokens: int) -> RecognitionRequest:
    return RecognitionRequest(
        image,
        prompt,
        id=request_id,
        max_new_tokens=tokens,
        min_pixels=PIPELINE_MIN_PIXELS,
        max_pixels=PIPELINE_MAX_PIXELS,
    )


# ---------------------------------------------------------------- runs


def reference_generate(ref, cfg: ModelConfig, prepared: PreparedRequest, max_new_tokens: int) -> list[int]:
    """transformers' greedy tokens for one crop; no eos, so exactly ``max_new_tokens`` of them."""
    input_ids = torch.tensor([prepared.input_ids])
    output = ref.generate(
        input_ids=input_ids,
        attention_mask=torch.ones_like(input_ids),
        pixel_values=prepared.patches,
        image_grid_thw=torch.tensor([prepared.grid]),
        mm_token_type_ids=(input_ids == cfg.image_token_id).int(),
        max_new_tokens=max_new_tokens,
        eos_token_id=None,
        pad_token_id=cfg.pad_token_id,
        do_sample=False,
    )
    tokens = output[0, input_ids.shape[1] :].tolist()
    assert len(tokens) == max_new_tokens, f"transformers generated {len(tokens)} of {max_new_tokens} tokens"
    return tokens


def warm_up(ref, cfg: ModelConfig, engine: InferenceEngine, encoder: RequestEncoder) -> None:
    """One tiny crop through each, so neither's first timed call pays for first-call setup."""
    request = crop_request(synthetic_crop(*WARM_UP_CROP), TASK_PROMPTS["ocr"], "warm-up", WARM_UP_TOKENS)
    with torch.inference_mode():
        reference_generate(ref, cfg, encoder(request), WARM_UP_TOKENS)
    engine.recognize([request])


def run_reference(ref, cfg: ModelConfig, prepared: list[PreparedRequest], limits: list[int]):
    """One crop at a time; returns (wall seconds, seconds per crop, tokens per crop)."""
    seconds, tokens = [], []
    with torch.inference_mode():
        for item, limit in zip(prepared, limits):
            start = time.perf_counter()
            tokens.append(reference_generate(ref, cfg, item, limit))
            seconds.append(time.perf_counter() - start)
            print(f"  HF crop {len(tokens)}/{len(prepared)}: {seconds[-1]:.1f} s", flush=True)
    return sum(seconds), seconds, tokens


def run_ours(engine: InferenceEngine, requests: list[RecognitionRequest]):
    """All crops at once; returns (wall seconds, tokens per crop, the engine's stats of this run alone)."""
    before = dataclasses.replace(engine.stats)
    start = time.perf_counter()
    results = engine.recognize(requests)
    wall = time.perf_counter() - start
    failed = [r for r in results if not r.ok]
    assert not failed, f"the engine failed on crops: {[(r.id, r.error) for r in failed]}"
    return wall, [r.token_ids for r in results], stats_delta(before, engine.stats)


def stats_delta(before: EngineStats, after: EngineStats) -> EngineStats:
    return EngineStats(
        **{f.name: getattr(after, f.name) - getattr(before, f.name) for f in dataclasses.fields(EngineStats)}
    )


# ---------------------------------------------------------------- report


def report_rss(phase: str) -> float:
    peak = peak_rss_gb()
    now = format_rss(current_rss_gb())
    print(f"[RSS] after {phase}: peak {peak:.2f} GB (target <= {RSS_TARGET_GB:.0f} GB); now {now}")
    return peak


def report_machine_speed(seconds: float = 3.0) -> None:
    """This CPU's fp32 matmul speed right now, to show how much the machine drifts between phases."""
    a, b = torch.randn(1024, 1152), torch.randn(1152, 4304)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        count += 1
    gflops = 2 * 1024 * 1152 * 4304 * count / (time.perf_counter() - start) / 1e9
    print(f"[machine] fp32 matmul {gflops:.0f} GFLOPS")


def report_throughput(name: str, seconds: float, crops: int, tokens: int, patches: int) -> None:
    print(
        f"{name:<6} {seconds:8.1f} s  {crops / seconds:6.3f} crops/s  {tokens / seconds:7.1f} generated tokens/s  "
        f"{patches / seconds:8.1f} vision patches/s"
    )


def report_engine_stats(stats: EngineStats, wall: float) -> None:
    rest = wall - stats.vision_seconds - stats.prefill_seconds - stats.decode_seconds
    # Each crop's first token comes from its prefill, every other one from a decode step.
    rows_per_step = (stats.generated_tokens - stats.requests) / max(stats.decode_steps, 1)
    print(
        f"       engine: vision {stats.vision_seconds:.1f} s, prefill {stats.prefill_seconds:.1f} s "
        f"({stats.prompt_tokens} prompt tokens), decode {stats.decode_seconds:.1f} s "
        f"({stats.decode_steps} steps, {rows_per_step:.1f} rows each on average), "
        f"other {rest:.1f} s (preprocessing, scheduling)"
    )


def first_difference(a: list[int], b: list[int]) -> int | None:
    if a == b:
        return None
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def report_crops(requests, prepared, ref_seconds, ref_tokens, ours_tokens) -> float:
    """One line per crop; returns the share of crops whose greedy tokens agree."""
    print(f"{'#':>3}  {'kind':<12}{'crop':>10}{'patches':>9}{'prompt':>8}{'tokens':>8}{'HF s':>8}  greedy tokens")
    agree = 0
    for i, request in enumerate(requests):
        differ = first_difference(ref_tokens[i], ours_tokens[i])
        agree += differ is None
        note = "agree" if differ is None else f"DIFFER from step {differ}"
        kind = PAGE[i][0]
        size = f"{request.image.width}x{request.image.height}"
        print(
            f"{i:>3}  {kind:<12}{size:>10}{prepared[i].num_patches:>9}{len(prepared[i].input_ids):>8}"
            f"{request.max_new_tokens:>8}{ref_seconds[i]:>8.1f}  {note}"
        )
    return agree / len(requests)


def report_targets(ratio: float, agreement: float, dtype_name: str, peak_gb: float) -> None:
    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    print("== targets")
    print(f"  throughput ocrvl/HF {ratio:.2f}x (target >= {RATIO_TARGET:.0f}x): {verdict(ratio >= RATIO_TARGET)}")
    if dtype_name == "fp32":
        ok = agreement >= AGREEMENT_TARGET
        print(f"  token agreement {agreement:.0%} (target >= {AGREEMENT_TARGET:.0%} in fp32): {verdict(ok)}")
    else:
        print(f"  token agreement {agreement:.0%} (target applies to fp32 only: bf16 near-ties flip argmaxes)")
    print(f"  peak RSS {peak_gb:.2f} GB (target <= {RSS_TARGET_GB:.0f} GB): {verdict(peak_gb <= RSS_TARGET_GB)}")


# ---------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dtype", choices=list(DTYPES), default="fp32")
    ap.add_argument("--crops", type=int, default=len(PAGE), help=f"the first N crops of the page (1..{len(PAGE)})")
    ap.add_argument("--batch-size", type=int, default=16, help="the engine's max_batch_size")
    ap.add_argument("--config", choices=["full", "small"], default="full", help="small: only to check the script")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if not 1 <= args.crops <= len(PAGE):
        ap.error(f"--crops must be between 1 and {len(PAGE)}")

    dtype = DTYPES[args.dtype]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {args.config} config, {args.dtype}")
    cfg = model_config(args.config)
    ref, ours = build_models(cfg, args.seed)
    if dtype != torch.float32:
        to_dtype(ref, ours, dtype)
        share_weights(ref, ours)
        print(f"(converted to {args.dtype}: the peak RSS includes the fp32 weights and their conversion)")
    report_rss("building the models (one copy of the weights, shared)")

    with tempfile.TemporaryDirectory(prefix="ocrvl-bench-") as tmpdir:
        prompter = make_prompter(Path(tmpdir), cfg)
    processor = ImageProcessor()
    options = InferenceOptions(precision=args.dtype, repetition=None, max_batch_size=args.batch_size)
    encoder = RequestEncoder(ours, prompter, processor)
    requests = page_requests(args.crops)
    prepared = [encoder(request) for request in requests]
    limits = [request.max_new_tokens for request in requests]
    patches = sum(item.num_patches for item in prepared)
    print(
        f"page: {len(requests)} crops, {patches} vision patches, "
        f"{sum(len(item.input_ids) for item in prepared)} prompt tokens, {sum(limits)} tokens to generate"
    )

    with InferenceEngine(ours, prompter, processor, options, Placement(torch.device("cpu"), dtype)) as engine:
        warm_up(ref, cfg, engine, encoder)
        report_rss("warm-up")

        # ocrvl, transformers, ocrvl: this machine's speed drifts by up to 2x over minutes, so transformers is
        # compared with the mean of an ocrvl run before it and one after it (a linear drift cancels out).
        print(f"== ocrvl: InferenceEngine.recognize, all {len(requests)} crops at once (run 1 of 2)")
        report_machine_speed()
        ours_before, ours_tokens, stats = run_ours(engine, requests)
        report_rss("ocrvl, run 1")

        print("== transformers: generate, one crop at a time")
        report_machine_speed()
        ref_wall, ref_seconds, ref_tokens = run_reference(ref, cfg, prepared, limits)
        report_rss("transformers")

        print("== ocrvl: run 2 of 2")
        report_machine_speed()
        ours_after, ours_tokens_again, _ = run_ours(engine, requests)
        report_machine_speed()
        peak = report_rss("ocrvl, run 2")
        assert ours_tokens_again == ours_tokens, "the engine gave different tokens on the same page"
        ours_wall = (ours_before + ours_after) / 2

    print("== per crop")
    agreement = report_crops(requests, prepared, ref_seconds, ref_tokens, ours_tokens)
    print("== throughput")
    report_throughput("HF", ref_wall, len(requests), sum(map(len, ref_tokens)), patches)
    report_throughput("ocrvl", ours_wall, len(requests), sum(map(len, ours_tokens)), stats.image_patches)
    print(f"       (ocrvl runs: {ours_before:.1f} s before transformers, {ours_after:.1f} s after; mean above)")
    report_engine_stats(stats, ours_before)
    ratio = ref_wall / ours_wall
    print(f"ocrvl/HF throughput: {ratio:.2f}x; greedy tokens agree on {agreement:.0%} of crops")
    report_targets(ratio, agreement, args.dtype, peak)


if __name__ == "__main__":
    main()
