"""The batched inference core: many crops, from many pages and documents, through one recognizer.

Callers submit requests from any thread and get a future per request. One worker thread owns the model:
it takes waiting requests into free batch rows (vision in packed groups, then each prompt's prefill into
its cache row) and runs decode steps over every running row, so a finished sequence leaves and a waiting
one joins at the next step. Greedy decoding stops a row at a stop token, at its ``max_new_tokens`` or
when it is caught in a loop.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ocrvl.errors import OcrvlError
from ocrvl.log import logger
from ocrvl.models.image_processing import ImageProcessor
from ocrvl.models.model import PaddleOCRVL
from ocrvl.models.prompting import TASK_PROMPTS, Prompter

from .cache import SlotCache
from .device import Placement, resolve_placement
from .options import InferenceOptions
from .prepare import PreparedRequest, RequestEncoder, RequestError
from .repetition import RepetitionGuard
from .requests import FinishReason, RecognitionRequest, RecognitionResult
from .scheduler import vision_groups


class EngineClosedError(OcrvlError):
    """A request was submitted to an engine that has been closed."""


@dataclass
class EngineStats:
    """Work done so far, and the seconds the worker spent on each kind of work."""

    requests: int = 0
    failed: int = 0
    image_patches: int = 0
    prompt_tokens: int = 0
    generated_tokens: int = 0
    decode_steps: int = 0
    vision_seconds: float = 0.0
    prefill_seconds: float = 0.0
    decode_seconds: float = 0.0


@dataclass
class _Sequence:
    request: RecognitionRequest
    future: Future
    limit: int
    guard: RepetitionGuard | None
    prepared: PreparedRequest | None = None
    image_tokens: torch.Tensor | None = None
    tokens: list[int] = field(default_factory=list)
    next_position: int = 0


class InferenceEngine:
    """The recognizer behind a queue. It takes ownership of ``model``: the model is moved to the placement's
    device and dtype in place. ``placement``, when given, overrides the options' device and precision."""

    def __init__(
        self,
        model: PaddleOCRVL,
        prompter: Prompter,
        image_processor: ImageProcessor,
        options: InferenceOptions | None = None,
        placement: Placement | None = None,
    ):
        self.options = options or InferenceOptions()
        self.placement = placement or resolve_placement(self.options)
        self.model = model.to(self.placement.device, self.placement.dtype).eval()
        self.prompter = prompter
        self.encoder = RequestEncoder(self.model, prompter, image_processor)
        self.stop_ids = frozenset(prompter.stop_ids)
        text = model.config.text
        self.cache = SlotCache(text.num_hidden_layers, self.options.max_batch_size, text.num_key_value_heads,
                               text.head_dim, self.placement.dtype, self.placement.device)  # fmt: skip
        self.stats = EngineStats()
        self._waiting: deque[_Sequence] = deque()
        self._running: list[_Sequence] = []  # row i of the cache belongs to _running[i]
        self._condition = threading.Condition()
        self._closing = False
        self._worker: threading.Thread | None = None

    @classmethod
    def from_dir(cls, model_dir: str | Path | None = None, options: InferenceOptions | None = None) -> InferenceEngine:
        """The recognizer from a checkpoint directory, or from where ``ocrvl models list`` finds one."""
        from ocrvl.models.checkpoints import load_model, read_config
        from ocrvl.models.locate import resolve_model_dir

        options = options or InferenceOptions()
        directory = resolve_model_dir(model_dir)
        placement = resolve_placement(options)
        model = load_model(directory, placement.dtype)
        prompter = Prompter.from_dir(directory, read_config(directory))
        logger.info("recognizer: %s on %s", directory, placement.describe())
        return cls(model, prompter, ImageProcessor.from_dir(directory), options, placement)

    # ------------------------------------------------------------ public interface

    def submit(self, request: RecognitionRequest) -> Future[RecognitionResult]:
        """Queue a request; its future completes when its sequence finishes (or fails)."""
        future: Future[RecognitionResult] = Future()
        limit = request.max_new_tokens if request.max_new_tokens is not None else self.options.max_new_tokens
        limits = self.options.repetition
        sequence = _Sequence(request, future, limit, RepetitionGuard(limits) if limits else None)
        with self._condition:
            if self._closing:
                raise EngineClosedError("the inference engine is closed; create a new one")
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="ocrvl-inference", daemon=True)
                self._worker.start()
            self._waiting.append(sequence)
            self._condition.notify()
        return future

    def recognize(self, requests: Iterable[RecognitionRequest]) -> list[RecognitionResult]:
        """Run requests together; results in the order given."""
        futures = [self.submit(request) for request in requests]
        return [future.result() for future in futures]

    def close(self) -> None:
        """Finish every submitted request, then stop the worker."""
        with self._condition:
            self._closing = True
            self._condition.notify()
            worker = self._worker
        if worker is not None:
            worker.join()

    def __enter__(self) -> InferenceEngine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------ worker

    def _run(self) -> None:
        with torch.inference_mode():
            while True:
                with self._condition:
                    while not (self._waiting or self._running or self._closing):
                        self._condition.wait()
                    if self._closing and not (self._waiting or self._running):
                        return
                    free = self.options.max_batch_size - len(self._running)
                    joining = [self._waiting.popleft() for _ in range(min(free, len(self._waiting)))]
                try:
                    if joining:
                        self._admit(joining)
                    if self._running:
                        self._decode_step()
                except Exception as exc:  # noqa: BLE001 - a failed step fails its rows, never the worker
                    logger.exception("inference step failed")
                    for sequence in joining + self._running:
                        if not sequence.future.done():
                            self._fail(sequence, f"the recognizer failed: {type(exc).__name__}: {exc}")
                    self._running.clear()
                    self.cache.clear()

    def _admit(self, joining: list[_Sequence]) -> None:
        ready = []
        for sequence in joining:
            try:
                sequence.prepared = self.encoder(sequence.request)
            except RequestError as exc:
                self._fail(sequence, str(exc))
            else:
                ready.append(sequence)
        start = time.perf_counter()
        for group in vision_groups(ready, lambda s: s.prepared.num_patches, self.options.max_batch_patches):
            self._encode_images(group)
        self.stats.vision_seconds += time.perf_counter() - start
        start = time.perf_counter()
        for sequence in ready:
            if sequence.image_tokens is None:
                continue
            try:
                self._prefill(sequence)
            except Exception as exc:  # noqa: BLE001 - e.g. out of memory on one very long prompt
                self.cache.release(len(self._running))
                self._fail(sequence, f"the recognizer failed on this crop: {type(exc).__name__}: {exc}")
        self.stats.prefill_seconds += time.perf_counter() - start

    def _encode_images(self, group: list[_Sequence]) -> None:
        """Packed vision for a group; if the group fails, each crop alone, so only a bad crop fails."""
        device, dtype = self.placement.device, self.placement.dtype
        try:
            patches = torch.cat([s.prepared.patches for s in group]).to(device, dtype)
            tokens = self.model.encode_images(patches, [s.prepared.grid for s in group])
        except Exception as exc:  # noqa: BLE001
            if len(group) == 1:
                self._fail(group[0], f"the vision encoder failed: {type(exc).__name__}: {exc}")
                return
            for sequence in group:
                self._encode_images([sequence])
            return
        for sequence, image_tokens in zip(group, tokens):
            sequence.image_tokens = image_tokens
            self.stats.image_patches += sequence.prepared.num_patches

    def _prefill(self, sequence: _Sequence) -> None:
        prepared = sequence.prepared
        input_ids = torch.tensor([prepared.input_ids], device=self.placement.device)
        embeddings = self.model.embed(input_ids, sequence.image_tokens)
        positions, next_positions = self.model.rope_positions(input_ids, [prepared.grid])
        row = len(self._running)
        view = self.cache.prefill_view(row, input_ids.shape[1])
        logits = self.model(embeddings, positions, view, last_only=True)
        sequence.image_tokens = None
        sequence.next_position = int(next_positions[0])
        self.stats.prompt_tokens += input_ids.shape[1]
        if self._accept(sequence, int(logits[0, -1].argmax())):
            self.cache.release(row)
        else:
            self._running.append(sequence)

    def _decode_step(self) -> None:
        start = time.perf_counter()
        running = self._running
        device = self.placement.device
        view = self.cache.decode_view(len(running))
        tokens = torch.tensor([s.tokens[-1] for s in running], device=device)
        positions = torch.tensor([s.next_position for s in running], device=device).view(1, -1, 1).expand(3, -1, 1)
        logits = self.model(self.model.text.embed_tokens(tokens[:, None]), positions, view, view.key_mask())
        finished = []
        for row, (sequence, token) in enumerate(zip(running, logits[:, -1].argmax(-1).tolist())):
            sequence.next_position += 1
            if self._accept(sequence, token):
                finished.append(row)
        for row in reversed(finished):  # highest first, so the last row is always still running
            last = len(running) - 1
            if row != last:
                self.cache.move(last, row)
                running[row] = running[last]
            else:
                self.cache.release(row)
            running.pop()
        self.stats.decode_steps += 1
        self.stats.decode_seconds += time.perf_counter() - start

    def _accept(self, sequence: _Sequence, token: int) -> bool:
        """Take a generated token; True when the sequence is finished (and its result delivered)."""
        if token in self.stop_ids:
            self._finish(sequence, "stop")
            return True
        sequence.tokens.append(token)
        self.stats.generated_tokens += 1
        if sequence.guard is not None:
            drop = sequence.guard.push(token)
            if drop:
                del sequence.tokens[-drop:]
                self.stats.generated_tokens -= drop
                self._finish(sequence, "repetition")
                return True
        if len(sequence.tokens) >= sequence.limit:
            self._finish(sequence, "length")
            return True
        return False

    def _finish(self, sequence: _Sequence, reason: FinishReason) -> None:
        prepared = sequence.prepared
        self.stats.requests += 1
        spotting = sequence.request.prompt == TASK_PROMPTS["spotting"]
        text = self.prompter.decode(sequence.tokens, keep_special_tokens=spotting)
        sequence.future.set_result(RecognitionResult(
            id=sequence.request.id, text=text, token_ids=list(sequence.tokens),
            finish_reason=reason, prompt_tokens=len(prepared.input_ids), image_patches=prepared.num_patches,
        ))  # fmt: skip

    def _fail(self, sequence: _Sequence, message: str) -> None:
        self.stats.requests += 1
        self.stats.failed += 1
        sequence.future.set_result(
            RecognitionResult(id=sequence.request.id, text="", token_ids=[], finish_reason="error", error=message)
        )
