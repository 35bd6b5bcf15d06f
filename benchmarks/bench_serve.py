"""Serving: concurrent clients against ``ocrvl serve`` on loopback, and the server backend beside the local engine.

    python benchmarks/bench_serve.py [--config small|full] [--clients 8] [--rounds 2] [--duration 300]
                                     [--max-new-tokens 48]

One process, one random-weight checkpoint written to a temporary folder (``small``: the PaddleOCR-VL structure
shrunk, so the HTTP layer is a visible share of the time; ``full``: the real size). The crops are a dense page's
layout crops (benchmarks/bench_vl_core.py), each with a forced output length capped at ``--max-new-tokens``.

1. local: every crop of ``--rounds`` pages through a local InferenceEngine, all submitted at once: crops/s.
2. clients: ``--clients`` threads post chat completions to ``ocrvl serve`` (PNG data URLs, as the server backend
   sends them) until every crop of the rounds is answered or ``--duration`` seconds pass: requests/s, p50/p95
   latency, errors (must be 0).
3. server backend: the same crops through ``RemoteRecognizer`` (``--clients`` requests in flight): crops/s, and
   its ratio to phase 1. The answers are compared with phase 1's, crop by crop.

Timings on shared 2-core machines drift; the ratios of phases run back to back are the figures to read.
"""

from __future__ import annotations

import argparse
import base64
import io
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_vl_core import PAGE, model_config, synthetic_crop  # noqa: E402

from ocrvl.inference import InferenceEngine, InferenceOptions, RecognitionRequest  # noqa: E402
from ocrvl.inference.remote import RemoteOptions, RemoteRecognizer  # noqa: E402
from ocrvl.models.prompting import TASK_PROMPTS  # noqa: E402
from ocrvl.options import PipelineOptions  # noqa: E402
from ocrvl.serve import ServeOptions, ServeService, create_app, serve_in_thread  # noqa: E402
from ocrvl.testing.checkpoints import random_model, write_checkpoint  # noqa: E402

PIXELS = {"min_pixels": 3_136, "max_pixels": 1_003_520}


def crops(rounds: int, max_new_tokens: int) -> list[RecognitionRequest]:
    requests = []
    for r in range(rounds):
        for i, (kind, width, height, tokens) in enumerate(PAGE):
            prompt = TASK_PROMPTS["table"] if kind == "table" else TASK_PROMPTS["ocr"]
            image = synthetic_crop(width, height)
            requests.append(RecognitionRequest(image, prompt, id=(r, i), max_new_tokens=min(tokens, max_new_tokens),
                                               **PIXELS))  # fmt: skip
    return requests


def run_local(directory: Path, requests: list[RecognitionRequest], options: InferenceOptions):
    with InferenceEngine.from_dir(directory, options) as engine:
        engine.recognize(requests[:1])  # warm-up
        start = time.perf_counter()
        results = engine.recognize(requests)
        return time.perf_counter() - start, {r.id: r.text for r in results}


def png_data_url(image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def run_clients(base_url: str, requests: list[RecognitionRequest], clients: int, duration: float):
    """Each client thread takes the next crop from a shared list until none is left or time is up."""
    bodies = [
        {
            "model": "PaddleOCR-VL-0.9B",
            "messages": [{"role": "user", "content": [
                {"type": "image_url", "image_url": {"url": png_data_url(r.image)}},
                {"type": "text", "text": r.prompt},
            ]}],
            "temperature": 0,
            "max_completion_tokens": r.max_new_tokens,
            "mm_processor_kwargs": PIXELS,
        }
        for r in requests
    ]  # fmt: skip
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    next_index = iter(range(len(bodies)))
    deadline = time.perf_counter() + duration

    def client() -> None:
        with httpx.Client(base_url=base_url, timeout=duration) as http:
            while time.perf_counter() < deadline:
                with lock:
                    index = next(next_index, None)
                if index is None:
                    return
                sent = time.perf_counter()
                try:
                    response = http.post("/v1/chat/completions", json=bodies[index])
                    ok = response.status_code == 200
                    problem = None if ok else f"HTTP {response.status_code}: {response.text[:200]}"
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                with lock:
                    if problem:
                        errors.append(problem)
                    else:
                        latencies.append(time.perf_counter() - sent)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, latencies, errors


def run_backend(base_url: str, requests: list[RecognitionRequest], clients: int):
    options = RemoteOptions(backend="vllm-server", server_url=f"{base_url}/v1", max_concurrency=clients)
    with RemoteRecognizer.from_options(options) as remote:
        start = time.perf_counter()
        results = remote.recognize(requests)
        return time.perf_counter() - start, {r.id: r.text for r in results}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] if ordered else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", choices=["small", "full"], default="small")
    ap.add_argument("--clients", type=int, default=8, help="concurrent clients, and the backend's requests in flight")
    ap.add_argument("--rounds", type=int, default=2, help="pages of crops (24 crops each)")
    ap.add_argument("--duration", type=float, default=300.0, help="time limit of the client phase, seconds")
    ap.add_argument("--max-new-tokens", type=int, default=48, help="cap of each crop's forced output length")
    args = ap.parse_args()

    torch.manual_seed(0)
    requests = crops(args.rounds, args.max_new_tokens)
    inference = InferenceOptions(device="cpu", precision="fp32")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {args.config} config; "
          f"{len(requests)} crops, {args.clients} clients")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        directory = write_checkpoint(Path(tmp) / "ckpt", random_model(model_config(args.config), std=0.02))

        local_seconds, local_texts = run_local(directory, requests, inference)
        served = PipelineOptions(engine="lite", vl_rec_model_dir=str(directory), inference=inference)
        service = ServeService.load(ServeOptions(port=0), served)
        with serve_in_thread(create_app(service)) as base_url:
            run_backend(base_url, requests[:1], 1)  # warm-up
            client_seconds, latencies, errors = run_clients(base_url, requests, args.clients, args.duration)
            backend_seconds, backend_texts = run_backend(base_url, requests, args.clients)

    same = sum(backend_texts.get(k) == v for k, v in local_texts.items())
    answered = len(latencies)
    print()
    print(f"{'phase':<32}{'seconds':>10}{'crops/s':>10}")
    print(f"{'local engine':<32}{local_seconds:>10.2f}{len(requests) / local_seconds:>10.2f}")
    print(f"{'clients -> ocrvl serve':<32}{client_seconds:>10.2f}{answered / client_seconds:>10.2f}")
    print(f"{'server backend -> ocrvl serve':<32}{backend_seconds:>10.2f}{len(requests) / backend_seconds:>10.2f}")
    print()
    print(f"clients: {answered}/{len(requests)} answered, {answered / client_seconds:.2f} requests/s, "
          f"latency p50 {percentile(latencies, 0.5):.2f} s, p95 {percentile(latencies, 0.95):.2f} s, "
          f"mean {statistics.fmean(latencies) if latencies else float('nan'):.2f} s, errors {len(errors)}")  # fmt: skip
    for problem in errors[:5]:
        print(f"  error: {problem}")
    print(f"server backend / local engine throughput: {local_seconds / backend_seconds:.2f}x")
    print(f"server backend answers identical to the local engine's: {same}/{len(local_texts)}")
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
