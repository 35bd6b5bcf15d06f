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
# Used when a checkpoint ships no chat template: the format PaddleOCR-VL was trained with.
KNOWN_FORMAT = "<|begin_of_sentence|>User: {image}{prompt}\nAssistant: "


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
        """The prompt text with one image placeholder, from the checkpoint's chat template if it has one."""
        if getattr(self.tokenizer, "chat_template", None):
            messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": task_prompt}]}]
            text = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
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
