"""Prompts built from the checkpoint's tokenizer and chat template; generated tokens decoded to text."""

from __future__ import annotations

import json

import pytest
import torch
from PIL import Image

from ocrvl.models.checkpoints import load_model, read_config
from ocrvl.models.image_processing import ImageProcessor, ImageSizeError, smart_resize
from ocrvl.models.prompting import TASK_PROMPTS, Prompter, PromptError
from ocrvl.testing.checkpoints import write_tiny_checkpoint
from ocrvl.testing.reference import generate_greedy


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    directory = write_tiny_checkpoint(tmp_path_factory.mktemp("ckpt"))
    return directory, load_model(directory, torch.float32)


def test_prompt_follows_the_paddleocr_vl_format(checkpoint):
    directory, model = checkpoint
    prompter = Prompter.from_dir(directory, model.config)
    ids = prompter.encode(TASK_PROMPTS["table"], image_tokens=6)
    tokenizer = prompter.tokenizer
    text = tokenizer.decode(ids)
    assert text == (
        "<|begin_of_sentence|>User: <|IMAGE_START|>" + "<|IMAGE_PLACEHOLDER|>" * 6
        + "<|IMAGE_END|>Table Recognition:\nAssistant: "
    )
    assert ids.count(model.config.image_token_id) == 6


def test_all_task_prompts_are_known():
    assert set(TASK_PROMPTS.values()) == {
        "OCR:", "Table Recognition:", "Formula Recognition:", "Chart Recognition:", "Seal Recognition:", "Spotting:"
    }


def test_without_chat_template_the_official_hard_coded_format_is_used(checkpoint, tmp_path):
    # PaddleX's hard-coded templates for PaddleOCR-VL-1.5 / 1.6 end the generation prompt with "Assistant:\n".
    directory, model = checkpoint
    prompter = Prompter.from_dir(directory, model.config)
    prompter.tokenizer.chat_template = None
    assert prompter.template("OCR:") == (
        "<|begin_of_sentence|>User: <|IMAGE_START|><|IMAGE_PLACEHOLDER|><|IMAGE_END|>OCR:\nAssistant:\n"
    )


# A release-style template that takes the image markup from an `image_token` variable when one is defined.
IMAGE_TOKEN_TEMPLATE = (
    "{%- if not image_token is defined -%}"
    "{%- set image_token = '<|IMAGE_START|><|IMAGE_PLACEHOLDER|><|IMAGE_END|>' -%}{%- endif -%}"
    "{%- if not cls_token is defined -%}{%- set cls_token = '<|begin_of_sentence|>' -%}{%- endif -%}"
    "{{- cls_token -}}{%- for message in messages -%}{{ 'User: ' }}"
    "{%- for part in message['content'] if part['type'] == 'image' -%}{{ image_token }}{%- endfor -%}"
    "{%- for part in message['content'] if part['type'] == 'text' -%}{{ part['text'] }}{%- endfor -%}"
    "{{ '\\n' }}{%- endfor -%}{%- if add_generation_prompt -%}{{ 'Assistant: ' }}{%- endif -%}"
)


def test_image_token_in_tokenizer_config_does_not_change_the_prompt(tmp_path):
    # transformers would pass tokenizer_config.json's image_token into the template; PaddleX passes only the named
    # special tokens, so the prompt keeps <|IMAGE_START|> and <|IMAGE_END|> around the image.
    directory = write_tiny_checkpoint(tmp_path / "ckpt")
    (directory / "chat_template.jinja").write_text(IMAGE_TOKEN_TEMPLATE)
    settings = json.loads((directory / "tokenizer_config.json").read_text())
    (directory / "tokenizer_config.json").write_text(json.dumps({**settings, "image_token": "<|IMAGE_PLACEHOLDER|>"}))
    prompter = Prompter.from_dir(directory, read_config(directory))
    assert prompter.tokenizer.chat_template == IMAGE_TOKEN_TEMPLATE
    assert prompter.template("OCR:") == (
        "<|begin_of_sentence|>User: <|IMAGE_START|><|IMAGE_PLACEHOLDER|><|IMAGE_END|>OCR:\nAssistant: "
    )


def test_decoding_drops_special_tokens(checkpoint):
    directory, model = checkpoint
    prompter = Prompter.from_dir(directory, model.config)
    ids = prompter.tokenizer.encode("<|IMAGE_END|>Total: 42\n</s>", add_special_tokens=False)
    assert prompter.decode(ids) == "Total: 42\n"
    assert prompter.decode(ids, keep_special_tokens=True).startswith("<|IMAGE_END|>Total: 42")
    assert model.config.eos_token_id in prompter.stop_ids


def test_a_crop_is_read_into_text_end_to_end(checkpoint):
    directory, model = checkpoint
    prompter = Prompter.from_dir(directory, model.config)
    batch = ImageProcessor.from_dir(directory)([Image.new("RGB", (320, 60), "white")])
    ids = prompter.encode(TASK_PROMPTS["ocr"], model.tokens_per_image(batch.grids[0]))
    tokens = generate_greedy(model, torch.tensor([ids]), batch.patches, batch.grids, 10, prompter.stop_ids)
    text = prompter.decode(tokens[0])
    assert isinstance(text, str) and 0 < len(text) <= 10


def test_missing_tokenizer_is_a_clear_error(checkpoint, tmp_path):
    _, model = checkpoint
    with pytest.raises(PromptError, match="cannot load the tokenizer"):
        Prompter.from_dir(tmp_path, model.config)


@pytest.mark.parametrize(
    ("height", "width"), [(30, 1000), (2000, 3000), (10, 10), (28, 28 * 150)]
)
def test_smart_resize_keeps_multiples_of_28_within_limits(height, width):
    h, w = smart_resize(height, width, 28, 112_896, 1_003_520)
    assert h % 28 == 0 and w % 28 == 0
    assert 112_896 <= h * w <= 1_003_520


def test_a_hairline_crop_is_refused_with_a_reason():
    with pytest.raises(ImageSizeError, match="aspect ratio"):
        smart_resize(28, 28 * 250, 28, 112_896, 1_003_520)
