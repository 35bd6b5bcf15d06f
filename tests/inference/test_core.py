"""The inference core gives every request exactly what it gets alone, however requests are batched."""

from __future__ import annotations

import io
import random
import threading

import pytest
from PIL import Image

from ocrvl.inference import EngineClosedError, RecognitionRequest, RepetitionLimits
from ocrvl.models.prompting import Prompter
from ocrvl.testing.checkpoints import write_tiny_checkpoint

from .conftest import PIXELS, Recognizer, crop, page_requests


@pytest.mark.parametrize("batch_size", [1, 3, 16])
def test_batched_results_equal_one_at_a_time(recognizer, references, batch_size):
    # batch 3 < 9 requests: finished sequences leave and waiting ones join mid-run (continuous batching).
    with recognizer.engine(max_batch_size=batch_size) as engine:
        results = engine.recognize(page_requests())
    for request, result in zip(page_requests(), results):
        assert result.id == request.id
        assert result.token_ids == references[request.id]
        assert result.text == recognizer.prompter.decode(references[request.id])
        assert result.finish_reason == "length" and len(result.token_ids) == request.max_new_tokens
    assert engine.stats.generated_tokens == sum(len(t) for t in references.values())


def test_vision_packing_budget_does_not_change_results(recognizer, references):
    with recognizer.engine(max_batch_size=4, max_batch_patches=1) as engine:  # every crop encoded alone
        results = engine.recognize(page_requests())
    assert {r.id: r.token_ids for r in results} == references


def test_submission_order_does_not_change_results(recognizer, references):
    requests = page_requests()
    random.Random(7).shuffle(requests)
    with recognizer.engine(max_batch_size=4) as engine:
        results = engine.recognize(requests)
    assert [r.id for r in results] == [r.id for r in requests]
    assert {r.id: r.token_ids for r in results} == references


def test_results_are_handed_back_as_they_finish(recognizer):
    long = RecognitionRequest(crop(200, 60, "long"), id="long", max_new_tokens=60, **PIXELS)
    short = RecognitionRequest(crop(90, 40, "short"), id="short", max_new_tokens=2, **PIXELS)
    order: list[str] = []
    lock = threading.Lock()

    def record(future):
        with lock:
            order.append(future.result().id)

    with recognizer.engine(max_batch_size=2) as engine:
        for request in (long, short):
            engine.submit(request).add_done_callback(record)
    assert order == ["short", "long"]


def test_stop_token_ends_a_sequence_without_it(recognizer, references):
    request = page_requests()[6]
    full = references[request.id]
    stop = full[5]
    cut = full.index(stop)
    prompter = recognizer.with_stop_ids(stop)
    with recognizer.engine(prompter) as engine:
        result = engine.recognize([request])[0]
    assert result.finish_reason == "stop"
    assert result.token_ids == full[:cut]


def test_max_new_tokens_default_comes_from_the_options(recognizer, references):
    request = page_requests()[5]
    unlimited = RecognitionRequest(request.image, request.prompt, id="default", **PIXELS)
    with recognizer.engine(max_new_tokens=request.max_new_tokens) as engine:
        result = engine.recognize([unlimited])[0]
    assert result.token_ids == references[request.id]
    assert result.finish_reason == "length"


def _first_loop(tokens: list[int], limits: RepetitionLimits) -> list[int] | None:
    """Brute force: the output the guard should leave, keeping one copy of the first loop found."""
    for end in range(1, len(tokens) + 1):
        prefix = tokens[:end]
        for period in range(1, limits.max_period + 1):
            span = period
            while span < len(prefix) and prefix[-span - 1] == prefix[-span - 1 + period]:
                span += 1
            if span >= limits.min_span and span >= limits.min_repeats * period:
                return prefix[: len(prefix) - (span - period)]
    return None


def test_repetition_guard_cuts_a_loop_to_one_copy(recognizer):
    limits = RepetitionLimits(max_period=8, min_repeats=4, min_span=8)
    requests = [RecognitionRequest(r.image, r.prompt, id=r.id, max_new_tokens=120, **PIXELS) for r in page_requests()]
    unguarded = {r.id: recognizer.reference(r) for r in requests}
    expected = {key: _first_loop(tokens, limits) for key, tokens in unguarded.items()}
    assert any(v is not None for v in expected.values()), "the tiny model should loop on some crop"
    with recognizer.engine(max_batch_size=4, repetition=limits) as engine:
        results = engine.recognize(requests)
    for result in results:
        if expected[result.id] is None:
            assert result.finish_reason == "length" and result.token_ids == unguarded[result.id]
        else:
            assert result.finish_reason == "repetition"
            assert result.token_ids == expected[result.id]


def test_a_bad_request_fails_alone(recognizer, references):
    truncated = io.BytesIO()
    crop(120, 60, "x").save(truncated, format="PNG")
    broken = Image.open(io.BytesIO(truncated.getvalue()[:60]))  # header only: decoding fails later
    bad = [
        RecognitionRequest(crop(4000, 10, "thin"), id="thin", **PIXELS),
        RecognitionRequest(broken, id="broken", **PIXELS),
    ]
    requests = page_requests()
    requests[2:2] = bad
    with recognizer.engine(max_batch_size=4) as engine:
        results = {r.id: r for r in engine.recognize(requests)}
    assert results["thin"].finish_reason == "error" and "too thin" in results["thin"].error
    assert results["broken"].finish_reason == "error" and "cannot be read" in results["broken"].error
    assert not results["thin"].ok and results["thin"].text == ""
    assert {key: results[key].token_ids for key in references} == references
    assert engine.stats.failed == 2


def test_a_vision_failure_fails_only_its_crop(recognizer, references, monkeypatch):
    victim = page_requests()[4]
    grid_of_victim = recognizer.engine().encoder(victim).grid
    original = recognizer.model.encode_images

    def encode_images(patches, grids):
        if grid_of_victim in [tuple(g) for g in grids]:
            raise RuntimeError("simulated out of memory")
        return original(patches, grids)

    monkeypatch.setattr(recognizer.model, "encode_images", encode_images)
    with recognizer.engine(max_batch_size=16) as engine:
        results = {r.id: r for r in engine.recognize(page_requests())}
    assert results[victim.id].finish_reason == "error"
    assert "simulated out of memory" in results[victim.id].error
    same_grid = {r.id for r in page_requests() if recognizer.engine().encoder(r).grid == grid_of_victim}
    assert {k: r.token_ids for k, r in results.items() if k not in same_grid} == {
        k: v for k, v in references.items() if k not in same_grid
    }


def test_a_closed_engine_refuses_new_work(recognizer):
    engine = recognizer.engine()
    engine.close()
    with pytest.raises(EngineClosedError, match="closed"):
        engine.submit(page_requests()[0])


def test_moe_recognizer_batched_equals_one_at_a_time(tmp_path):
    moe = Recognizer(write_tiny_checkpoint(tmp_path, moe=True, seed=3))
    requests = page_requests(6)
    with moe.engine(max_batch_size=3) as engine:
        results = engine.recognize(requests)
    assert [r.token_ids for r in results] == [moe.reference(r) for r in requests]


def test_spotting_answers_keep_their_location_tokens_and_others_do_not(recognizer, monkeypatch):
    kept = []
    decode = Prompter.decode

    def recording(self, token_ids, keep_special_tokens=False):
        kept.append(keep_special_tokens)
        return decode(self, token_ids, keep_special_tokens)

    monkeypatch.setattr(Prompter, "decode", recording)
    with recognizer.engine() as engine:
        engine.recognize([RecognitionRequest(crop(60, 20, "x"), prompt, max_new_tokens=3, **PIXELS)
                          for prompt in ("Spotting:", "OCR:")])  # fmt: skip
    assert sorted(kept) == [False, True]
