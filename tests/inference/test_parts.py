"""The pieces of the inference core: cache rows, the repetition guard, vision groups, device choice."""

from __future__ import annotations

import pytest
import torch

from ocrvl.errors import EngineUnavailableError, OptionsError
from ocrvl.inference import InferenceEngine, InferenceOptions, RepetitionLimits, resolve_placement
from ocrvl.inference.cache import SlotCache
from ocrvl.inference.repetition import RepetitionGuard
from ocrvl.inference.scheduler import vision_groups
from ocrvl.models.kv_cache import DecoderCache
from ocrvl.models.locate import CheckpointError
from ocrvl.testing.checkpoints import random_model, tiny_config
from ocrvl.testing.reference import KVCache

from .conftest import page_requests


def _feed(guard: RepetitionGuard, tokens: list[int]) -> tuple[int, int | None]:
    for count, token in enumerate(tokens, 1):
        drop = guard.push(token)
        if drop is not None:
            return count, drop
    return len(tokens), None


def test_guard_stops_a_repeated_phrase_keeping_one_copy():
    limits = RepetitionLimits(max_period=10, min_repeats=5, min_span=20)
    intro, phrase = [9, 8, 7], [1, 2, 3, 4]
    stopped_at, drop = _feed(RepetitionGuard(limits), intro + phrase * 50)
    assert stopped_at == len(intro) + 5 * len(phrase)  # 5 copies of 4 tokens reach both limits
    kept = (intro + phrase * 50)[: stopped_at - drop]
    assert kept == intro + phrase


def test_guard_leaves_short_repeats_and_varied_text_alone():
    limits = RepetitionLimits(max_period=10, min_repeats=5, min_span=20)
    assert _feed(RepetitionGuard(limits), [5] * 19)[1] is None  # a dot leader shorter than min_span
    assert _feed(RepetitionGuard(limits), [1, 2, 3, 4, 5, 6] * 3)[1] is None  # three copies only
    assert _feed(RepetitionGuard(limits), list(range(500)))[1] is None
    assert _feed(RepetitionGuard(limits), [5] * 20)[1] == 19


def test_guard_needs_the_unit_within_max_period():
    limits = RepetitionLimits(max_period=4, min_repeats=3, min_span=6)
    assert _feed(RepetitionGuard(limits), [1, 2, 3, 4, 5] * 10)[1] is None


def _rows(cache: SlotCache, layer: int, rows: int):
    return [cache.keys[layer][r, :, : cache.lengths[r]].clone() for r in range(rows)]


def test_slot_cache_decode_writes_each_row_at_its_own_length():
    cache = SlotCache(num_layers=2, slots=3, kv_heads=2, head_dim=4, dtype=torch.float32, device=torch.device("cpu"))
    for row, length in enumerate((3, 7, 5)):
        view = cache.prefill_view(row, length)
        for layer in range(2):
            view.update(layer, torch.full((1, 2, length, 4), float(row)), torch.zeros(1, 2, length, 4))
        view.advance(length)
    view = cache.decode_view(3)
    mask = view.key_mask()
    assert mask.shape == (3, 8) and mask.sum(1).tolist() == [4, 8, 6]
    new = torch.arange(3, dtype=torch.float32).view(3, 1, 1, 1).expand(3, 2, 1, 4) + 10
    keys, _ = view.update(0, new, new)
    assert keys.shape == (3, 2, 8, 4)
    for row, length in enumerate((3, 7, 5)):
        assert torch.equal(keys[row, :, length], torch.full((2, 4), 10.0 + row))
        assert torch.equal(keys[row, :, :length], torch.full((2, length, 4), float(row)))
    view.update(1, new, new)
    view.advance(1)
    assert cache.lengths == [4, 8, 6]


def test_the_slot_cache_views_decode_as_the_reference_cache_does():
    """The decoder takes any `DecoderCache`: the core's prefill and decode views give the logits the plain
    reference cache gives, rows of different lengths included."""
    model = random_model(tiny_config(), seed=4)
    text = model.config.text
    slots = SlotCache(text.num_hidden_layers, 2, text.num_key_value_heads, text.head_dim, torch.float32,
                      torch.device("cpu"))  # fmt: skip
    prompts = [[1, 40, 41, 42], [1, 50, 51, 52, 53, 54]]
    next_tokens = torch.tensor([[60], [61]])

    def positions(start: int, length: int) -> torch.Tensor:
        return torch.arange(start, start + length).view(1, 1, -1).expand(3, 1, -1)

    def embed(ids) -> torch.Tensor:
        return model.text.embed_tokens(torch.as_tensor(ids).view(1, -1))

    expected = []
    with torch.inference_mode():
        for row, prompt in enumerate(prompts):
            view = slots.prefill_view(row, len(prompt))
            assert isinstance(view, DecoderCache)
            model(embed(prompt), positions(0, len(prompt)), view)
            reference = KVCache(text.num_hidden_layers)
            assert isinstance(reference, DecoderCache)
            model(embed(prompt), positions(0, len(prompt)), reference)
            expected.append(model(embed(next_tokens[row]), positions(len(prompt), 1), reference))
        decode = slots.decode_view(2)
        assert isinstance(decode, DecoderCache)
        step_positions = torch.tensor([len(p) for p in prompts]).view(1, -1, 1).expand(3, -1, 1)
        got = model(model.text.embed_tokens(next_tokens), step_positions, decode, decode.key_mask())
    assert (got - torch.cat(expected)).abs().max() < 1e-5


def test_slot_cache_move_and_growth_keep_rows_intact():
    cache = SlotCache(num_layers=1, slots=2, kv_heads=1, head_dim=2, dtype=torch.float32, device=torch.device("cpu"))
    view = cache.prefill_view(1, 5)
    view.update(0, torch.arange(10.0).view(1, 1, 5, 2), torch.zeros(1, 1, 5, 2))
    view.advance(5)
    before = _rows(cache, 0, 2)[1]
    cache.reserve(1000)
    assert cache.capacity >= 1000 and torch.equal(_rows(cache, 0, 2)[1], before)
    cache.move(1, 0)
    assert cache.lengths == [5, 0] and torch.equal(_rows(cache, 0, 1)[0], before)


def test_vision_groups_respect_the_patch_budget_in_order():
    sizes = [300, 300, 500, 2000, 100, 100]
    groups = vision_groups(sizes, lambda s: s, budget=1000)
    assert groups == [[300, 300], [500], [2000], [100, 100]]
    assert [s for g in groups for s in g] == sizes


def test_precision_follows_the_cpu():
    cpu = InferenceOptions(device="cpu")
    assert resolve_placement(cpu, flags={"avx2", "fma"}).dtype == torch.float32
    assert resolve_placement(cpu, flags={"avx512f", "avx512_bf16"}).dtype == torch.bfloat16
    assert resolve_placement(cpu, flags={"amx_bf16"}).dtype == torch.bfloat16
    forced = InferenceOptions(device="cpu", precision="bf16")
    assert resolve_placement(forced, flags=set()).dtype == torch.bfloat16


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_asking_for_cuda_without_it_is_a_clear_error():
    with pytest.raises(EngineUnavailableError, match="no CUDA device"):
        resolve_placement(InferenceOptions(device="cuda"))


@pytest.mark.parametrize("options", [{"device": "tpu"}, {"precision": "fp16"}, {"max_batch_size": 0}, {"threads": -1}])
def test_bad_options_are_refused(options):
    with pytest.raises(OptionsError):
        InferenceOptions(**options)


def test_engine_from_a_checkpoint_directory(recognizer, references):
    with InferenceEngine.from_dir(recognizer.directory, InferenceOptions(device="cpu", repetition=None)) as engine:
        assert engine.placement.device.type == "cpu"
        results = engine.recognize(page_requests()[:3])
    # load_model in the engine's precision (fp32 on this CPU or bf16 on one with native bf16)
    if engine.placement.dtype == torch.float32:
        assert [r.token_ids for r in results] == [references[r.id] for r in results]
    assert all(r.ok and r.text for r in results)


def test_engine_from_a_directory_without_weights(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(CheckpointError):
        InferenceEngine.from_dir(tmp_path)


def test_a_request_with_a_bad_limit_is_refused_when_made():
    from PIL import Image

    from ocrvl.inference import RecognitionRequest

    with pytest.raises(OptionsError, match="max_new_tokens must be at least 1"):
        RecognitionRequest(Image.new("RGB", (10, 10)), id="x", max_new_tokens=0)
