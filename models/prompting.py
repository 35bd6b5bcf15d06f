"""Task prompts, the chat format around them, and turning generated tokens back into text.

The tokenizer and chat template come from the checkpoint directory only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ocrvl.errors import OcrvlError

from .config import ModelConfig

TASK_PROMPTS = {
    "ocr": "OCR:",
    "table": "Table Recognition:",
    "formula": "Formula Recognition:",
    "chart": "Chart Recognition:",
    "seal": "Seal Recognition:",
    "spotting": "Spotting:",
}
IMAGE_PLACEHOLDER = "<|IMAGE_PLACEHOLDER|>"
IMAGE_BLOCK = f"<|IMAGE_START|>{IMAGE_PLACEHOLDER}<|IMAGE_END|>"
# Used when a checkpoint ships no chat template: what PaddleX's hard-coded template for PaddleOCR-VL-1.5 and 1.6
# (genai/chat_templates) renders; the first release's own ends "Assistant: " but every release ships its template.
KNOWN_FORMAT = "<|begin_of_sentence|>User: {image}{prompt}\nAssistant:\n"
# The variables PaddleX renders a chat template with besides the messages: the tokenizer's named special tokens.
# Not transformers' apply_chat_template, which also passes tokens such as image_token from tokenizer_config.json,
# and a release template that uses `image_token` would then drop <|IMAGE_START|> / <|IMAGE_END|>.
_TEMPLATE_TOKENS = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")


class PromptError(OcrvlError):
    """The checkpoint's tokenizer or chat template cannot build a prompt."""


@dataclass
class Prompter:
    tokenizer: object  # a transformers tokenizer loaded from the checkpoint directory
    image_token_id: int
    stop_ids: tuple[int, ...]
    # Token ids around the image per task prompt: rendered and tokenized once, not per crop.
    _framing: dict[str, tuple[list[int], list[int]]] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def from_dir(cls, directory: str | Path, config: ModelConfig) -> Prompter:
        from transformers import AutoTokenizer
        from transformers.utils import logging as transformers_logging

        directory = Path(directory)
        previous = transformers_logging.get_verbosity()
        transformers_logging.set_verbosity_error()  # it warns about config fields it does not use
        try:
            tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True, trust_remote_code=False)
        except Exception as exc:  # transformers raises many types for a missing or broken tokenizer
            raise PromptError(f"{directory}: cannot load the tokenizer ({exc})") from exc
        finally:
            transformers_logging.set_verbosity(previous)
        return cls(tokenizer, config.image_token_id, _stop_ids(directory, config, tokenizer))

    def template(self, task_prompt: str) -> str:
        """The prompt text with one image placeholder, from the checkpoint's chat template if it has one,
        rendered as PaddleX renders it."""
        source = getattr(self.tokenizer, "chat_template", None)
        if isinstance(source, str) and source:
            tokens = {k: v for k, v in self.tokenizer.special_tokens_map.items() if k in _TEMPLATE_TOKENS}
            text = render_chat_template(source, task_prompt, tokens)
            if text.count(IMAGE_PLACEHOLDER) == 1:
                return text
        return KNOWN_FORMAT.format(image=IMAGE_BLOCK, prompt=task_prompt)

    def encode(self, task_prompt: str, image_tokens: int) -> list[int]:
        """Token ids of the prompt with ``image_tokens`` placeholders for one image."""
        if task_prompt not in self._framing:
            before, after = self.template(task_prompt).split(IMAGE_PLACEHOLDER)
            encode = self.tokenizer.encode
            self._framing[task_prompt] = (
                encode(before, add_special_tokens=False),
                encode(after, add_special_tokens=False),
            )
        before_ids, after_ids = self._framing[task_prompt]
        return before_ids + [self.image_token_id] * image_tokens + after_ids

    def decode(self, token_ids: list[int], keep_special_tokens: bool = False) -> str:
        """The answer's text; spotting answers keep their special tokens (``<|LOC_n|>`` locations)."""
        return self.tokenizer.decode(token_ids, skip_special_tokens=not keep_special_tokens)


def render_chat_template(source: str, task_prompt: str, special_tokens: dict[str, str]) -> str:
    """One user turn (an image, then the task prompt) and the generation prompt, through a chat template in a
    sandboxed Jinja environment with PaddleX's settings."""
    from jinja2 import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise TemplateError(message)

    environment = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    environment.globals["raise_exception"] = raise_exception
    content = [{"type": "image", "image": "placeholder"}, {"type": "text", "text": task_prompt}]
    try:
        return environment.from_string(source).render(
            messages=[{"role": "user", "content": content}], add_generation_prompt=True, **special_tokens
        )
    except TemplateError as exc:
        raise PromptError(f"the checkpoint's chat template cannot be rendered: {exc}") from exc


def _stop_ids(directory: Path, config: ModelConfig, tokenizer) -> tuple[int, ...]:
    ids = {config.eos_token_id}
    generation = directory / "generation_config.json"
    if generation.is_file():
        eos = json.loads(generation.read_text()).get("eos_token_id")
        ids.update(eos if isinstance(eos, list) else [eos] if eos is not None else [])
    end = tokenizer.convert_tokens_to_ids("<|end_of_sentence|>")
    if isinstance(end, int) and end != tokenizer.unk_token_id:
        ids.add(end)
    return tuple(sorted(ids))
