"""ocrvl's recognizer against transformers' reference classes on the same random weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from ocrvl.models.checkpoints import load_model
from ocrvl.models.config import MoEConfig
from ocrvl.models.image_processing import PIPELINE_MAX_PIXELS, PIPELINE_MIN_PIXELS, ImageProcessor
from ocrvl.models.moe import SparseMoE
from ocrvl.models.weights import NATIVE, ORIGINAL, from_ocrvl
from ocrvl.testing.checkpoints import random_model, tiny_config, write_tiny_checkpoint
from ocrvl.testing.reference import generate_greedy

transformers = pytest.importorskip("transformers")
TOLERANCE = 1e-4
# (time, rows, columns) of patches: square, wide, tall, a single merge block, larger than the position table.
GRIDS = [(1, 6, 6), (1, 4, 16), (1, 18, 4), (1, 2, 2), (1, 10, 8)]


@pytest.fixture(scope="module")
def models():
    config = tiny_config()
    ours = random_model(config, seed=3)
    reference = transformers.PaddleOCRVLForConditionalGeneration(
        transformers.PaddleOCRVLConfig(**config.to_native_dict())
    ).eval()
    state = {k: v for k, v in ours.state_dict().items() if k != "lm_head.weight"}
    result = reference.load_state_dict(from_ocrvl(state, NATIVE), strict=False)
    assert result.unexpected_keys == [] and result.missing_keys == ["lm_head.weight"]
    reference.tie_weights()
    return ours, reference


def patches_for(grids, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(sum(t * h * w for t, h, w in grids), 3, 14, 14, generator=generator)


def prompt_ids(model, grid, text=(10, 11, 12)):
    config = model.config
    n = model.tokens_per_image(grid)
    return [config.bos_token_id, 40, 41, config.vision_start_token_id] + [config.image_token_id] * n + [
        config.vision_end_token_id, *text]


@pytest.mark.parametrize("grid", GRIDS)
def test_vision_features_match_for_each_size(models, grid):
    ours, reference = models
    patches = patches_for([grid])
    with torch.inference_mode():
        expected_patches = reference.model.visual(pixel_values=patches[None], grid_thw=torch.tensor([grid]))
        expected_tokens = reference.model.get_image_features(patches, torch.tensor([grid])).pooler_output
        got_patches = ours.vision(patches, [grid])
        got_tokens = ours.encode_images(patches, [grid])
    assert (expected_patches.last_hidden_state - got_patches).abs().max() < TOLERANCE
    assert got_tokens[0].shape == (ours.tokens_per_image(grid), ours.config.text.hidden_size)
    assert (expected_tokens[0] - got_tokens[0]).abs().max() < TOLERANCE


def test_packed_images_attend_only_to_themselves(models):
    ours, reference = models
    patches = patches_for(GRIDS, seed=1)
    with torch.inference_mode():
        packed = ours.encode_images(patches, GRIDS)
        expected = reference.model.get_image_features(patches, torch.tensor(GRIDS)).pooler_output
        alone = [ours.encode_images(p, [g])[0] for p, g in zip(patches.split([g[1] * g[2] for g in GRIDS]), GRIDS)]
    for got, ref, single in zip(packed, expected, alone):
        assert (got - ref).abs().max() < TOLERANCE
        assert (got - single).abs().max() < TOLERANCE


@pytest.mark.parametrize("grid", [(1, 6, 6), (1, 4, 16), (1, 18, 4)])
def test_logits_match_with_an_image(models, grid):
    ours, reference = models
    patches = patches_for([grid], seed=2)
    input_ids = torch.tensor([prompt_ids(ours, grid)])
    with torch.inference_mode():
        expected = reference(
            input_ids=input_ids, pixel_values=patches, image_grid_thw=torch.tensor([grid]),
            mm_token_type_ids=(input_ids == ours.config.image_token_id).int(),
        ).logits
        image_tokens = torch.cat(ours.encode_images(patches, [grid]))
        positions, _ = ours.rope_positions(input_ids, [grid])
        got = ours(ours.embed(input_ids, image_tokens), positions)
    assert (expected - got).abs().max() < TOLERANCE


def reference_generate(reference, input_ids, patches, grids, attention_mask=None, new_tokens=12):
    image_id = reference.config.image_token_id
    output = reference.generate(
        input_ids=input_ids, attention_mask=attention_mask, pixel_values=patches,
        image_grid_thw=torch.tensor(grids), mm_token_type_ids=(input_ids == image_id).int(),
        max_new_tokens=new_tokens, do_sample=False, eos_token_id=2, pad_token_id=0,
    )
    return [row[input_ids.shape[1]:].tolist() for row in output]


def strip_after_stop(tokens, stop=2, pad=0):
    out = []
    for token in tokens:
        if token in (stop, pad):
            break
        out.append(token)
    return out


@pytest.mark.parametrize("grid", [(1, 6, 6), (1, 4, 16)])
def test_greedy_tokens_match(models, grid):
    ours, reference = models
    patches = patches_for([grid], seed=4)
    input_ids = torch.tensor([prompt_ids(ours, grid)])
    expected = reference_generate(reference, input_ids, patches, [grid])
    got = generate_greedy(ours, input_ids, patches, [grid], 12, stop_ids=[2])
    assert len(set(got[0])) > 1, "random weights should not collapse to one token"
    assert got == [strip_after_stop(expected[0])]


def test_batch_of_mixed_size_images_matches(models):
    """Rows of different lengths, left-padded, each with its own image size, decode as the reference does."""
    ours, reference = models
    grids = [(1, 6, 6), (1, 4, 16), (1, 2, 2)]
    rows = [prompt_ids(ours, g, text=(10 + i, 11)) for i, g in enumerate(grids)]
    width = max(map(len, rows))
    input_ids = torch.tensor([[0] * (width - len(r)) + r for r in rows])
    key_mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows])
    patches = patches_for(grids, seed=5)
    expected = reference_generate(reference, input_ids, patches, grids, attention_mask=key_mask)
    got = generate_greedy(ours, input_ids, patches, grids, 12, stop_ids=[2], key_mask=key_mask)
    assert got == [strip_after_stop(e) for e in expected]
    singles = [
        generate_greedy(ours, torch.tensor([r]), p, [g], 12, stop_ids=[2])[0]
        for r, g, p in zip(rows, grids, patches.split([g[1] * g[2] for g in grids]))
    ]
    assert got == singles


def test_moe_block_matches_ernie_moe():
    moe = MoEConfig(num_experts=6, top_k=2, intermediate_size=24, num_shared_experts=2)
    hidden = 32
    ours = SparseMoE(hidden, moe, "silu").eval()
    with torch.no_grad():
        generator = torch.Generator().manual_seed(7)
        for parameter in ours.parameters():
            parameter.normal_(0.0, 0.3, generator=generator)
    config = transformers.Ernie4_5_MoeConfig(
        hidden_size=hidden, moe_intermediate_size=24, moe_num_experts=6, moe_k=2, moe_num_shared_experts=2,
        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
    )
    from transformers.models.ernie4_5_moe.modeling_ernie4_5_moe import Ernie4_5_MoeSparseMoeBlock

    reference = Ernie4_5_MoeSparseMoeBlock(config).eval()
    reference.load_state_dict(ours.state_dict())
    x = torch.randn(3, 9, hidden, generator=torch.Generator().manual_seed(8))
    with torch.inference_mode():
        assert (reference(x) - ours(x)).abs().max() < TOLERANCE


def test_moe_recognizer_runs_end_to_end(tmp_path):
    directory = write_tiny_checkpoint(tmp_path / "moe", moe=True)
    model = load_model(directory, torch.float32)
    assert sum(layer.mlp.__class__ is SparseMoE for layer in model.text.layers) == 1  # layer 1 of 2 is MoE
    grid = (1, 4, 6)
    tokens = generate_greedy(model, torch.tensor([prompt_ids(model, grid)]), patches_for([grid]), [grid], 8, [2])
    assert len(tokens[0]) > 0


@pytest.mark.parametrize("moe", [False, True])
def test_both_layouts_load_identical_tensors(tmp_path, moe):
    native = load_model(write_tiny_checkpoint(tmp_path / "native", moe=moe, layout=NATIVE, seed=9), torch.float32)
    original = load_model(write_tiny_checkpoint(tmp_path / "orig", moe=moe, layout=ORIGINAL, seed=9), torch.float32)
    a, b = native.state_dict(), original.state_dict()
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_loaded_checkpoint_matches_transformers_from_pretrained(tmp_path, models):
    """transformers reads the checkpoint ocrvl writes, and both give the same logits from it."""
    directory = write_tiny_checkpoint(tmp_path / "ckpt", seed=11)
    ours = load_model(directory, torch.float32)
    reference = transformers.PaddleOCRVLForConditionalGeneration.from_pretrained(directory, dtype=torch.float32).eval()
    grid = (1, 4, 6)
    patches = patches_for([grid])
    input_ids = torch.tensor([prompt_ids(ours, grid)])
    with torch.inference_mode():
        expected = reference(input_ids=input_ids, pixel_values=patches, image_grid_thw=torch.tensor([grid]),
                             mm_token_type_ids=(input_ids == ours.config.image_token_id).int()).logits
        positions, _ = ours.rope_positions(input_ids, [grid])
        got = ours(ours.embed(input_ids, torch.cat(ours.encode_images(patches, [grid]))), positions)
    assert (expected - got).abs().max() < TOLERANCE


def document_crop(width, height):
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for y in range(5, height - 10, 18):
        draw.text((6, y), "Invoice 2024-11 total 1,234.56 EUR", fill=(20, 20, 20))
    return image


@pytest.mark.parametrize("size", [(1000, 200), (120, 40), (3000, 2400), (60, 700)])
def test_image_processor_matches_transformers(size):
    from transformers.models.paddleocr_vl.image_processing_pil_paddleocr_vl import PaddleOCRVLImageProcessorPil

    image = document_crop(*size)
    reference = PaddleOCRVLImageProcessorPil(
        min_pixels=PIPELINE_MIN_PIXELS, max_pixels=PIPELINE_MAX_PIXELS, image_mean=[0.5] * 3, image_std=[0.5] * 3
    )
    expected = reference(images=[image], return_tensors="np")
    got = ImageProcessor()([image], min_pixels=PIPELINE_MIN_PIXELS, max_pixels=PIPELINE_MAX_PIXELS)
    assert [list(g) for g in got.grids] == expected["image_grid_thw"].tolist()
    t, h, w = got.grids[0]
    assert PIPELINE_MIN_PIXELS <= h * w * 14 * 14 <= PIPELINE_MAX_PIXELS
    assert np.abs(expected["pixel_values"] - got.patches.numpy()).max() < 1e-5
