"""Tiny random PaddleOCR-VL checkpoints, complete with tokenizer and configs, for tests and benchmarks.

They run through exactly the code real weights take: config parsing, both key layouts, memory-mapped
loading, the tokenizer and chat template from the directory.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import save_file

from ocrvl.models.config import ModelConfig, MoEConfig, TextConfig, VisionConfig
from ocrvl.models.model import PaddleOCRVL
from ocrvl.models.weights import NATIVE, ORIGINAL, from_ocrvl
from ocrvl.outputs import write_json

SPECIAL_TOKENS = [
    "<unk>", "<s>", "</s>", "<|begin_of_sentence|>", "<|end_of_sentence|>",
    "<|IMAGE_PLACEHOLDER|>", "<|IMAGE_START|>", "<|IMAGE_END|>",
]
CHARACTERS = [chr(c) for c in range(32, 127)] + ["\n"]
# Reproduces the official PaddleOCR-VL prompt for one user turn with an image and a task prompt.
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{ '<|begin_of_sentence|>' if loop.first else '' }}"
    "{{ 'User: ' if message['role'] == 'user' else 'Assistant: ' }}"
    "{%- for part in message['content'] -%}"
    "{%- if part['type'] == 'image' -%}{{ '<|IMAGE_START|><|IMAGE_PLACEHOLDER|><|IMAGE_END|>' }}"
    "{%- else -%}{{ part['text'] }}{%- endif -%}"
    "{%- endfor -%}{{ '\\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ 'Assistant: ' }}{%- endif -%}"
)


def tiny_config(moe: bool = False) -> ModelConfig:
    """A model small enough to build, save and run in milliseconds, with every structural feature kept:
    grouped-query attention, 3-D rotary sections, 2x2 merge, a resized position table, and optionally
    MoE layers with shared experts."""
    moe_config = MoEConfig(num_experts=4, top_k=2, intermediate_size=32, num_shared_experts=1) if moe else None
    return ModelConfig(
        vision=VisionConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                            image_size=84),
        text=TextConfig(vocab_size=len(SPECIAL_TOKENS) + len(CHARACTERS), hidden_size=64, intermediate_size=128,
                        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                        mrope_section=(2, 3, 3), moe=moe_config),
        image_token_id=SPECIAL_TOKENS.index("<|IMAGE_PLACEHOLDER|>"),
        vision_start_token_id=SPECIAL_TOKENS.index("<|IMAGE_START|>"),
        vision_end_token_id=SPECIAL_TOKENS.index("<|IMAGE_END|>"),
        bos_token_id=1, eos_token_id=2, pad_token_id=0,
    )


def random_model(config: ModelConfig, seed: int = 0, std: float = 0.2) -> PaddleOCRVL:
    """A model with normal random weights; the large std makes greedy decoding vary from token to token."""
    generator = torch.Generator().manual_seed(seed)
    model = PaddleOCRVL(config)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("e_score_correction_bias"):
                parameter.normal_(0.0, 0.01, generator=generator)
            else:
                parameter.normal_(0.0, std, generator=generator)
    return model.eval()


def write_checkpoint(
    directory: str | Path,
    model: PaddleOCRVL,
    layout: str = NATIVE,
    dtype: torch.dtype | None = None,
) -> Path:
    """Save ``model`` as a checkpoint directory in ``layout``, with a tiny tokenizer and configs."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = model.config
    state = dict(model.state_dict())
    if config.text.tie_word_embeddings:
        state.pop("lm_head.weight")
    tensors = from_ocrvl(state, layout)
    if layout == ORIGINAL:
        tensors.update(_unused_release_tensors(config))
    tensors = {k: (v.to(dtype) if dtype else v).contiguous() for k, v in tensors.items()}
    save_file(tensors, str(directory / "model.safetensors"), metadata={"format": "pt"})
    raw_config = config.to_native_dict() if layout == NATIVE else config.to_original_dict()
    write_json(directory / "config.json", raw_config)
    write_json(directory / "generation_config.json", {"eos_token_id": config.eos_token_id,
                                                       "pad_token_id": config.pad_token_id})
    write_json(directory / "preprocessor_config.json", {
        "image_processor_type": "PaddleOCRVLImageProcessor", "patch_size": config.vision.patch_size,
        "merge_size": config.vision.spatial_merge_size, "temporal_patch_size": 1,
        "min_pixels": 147_384, "max_pixels": 2_822_400, "image_mean": [0.5] * 3, "image_std": [0.5] * 3,
    })
    if config.text.vocab_size >= len(SPECIAL_TOKENS) + len(CHARACTERS):
        write_tokenizer(directory)
    return directory


def write_tiny_checkpoint(
    directory: str | Path, moe: bool = False, layout: str = NATIVE, seed: int = 0, dtype: torch.dtype | None = None
) -> Path:
    """A tiny random checkpoint (dense or MoE) in either layout; well under a second."""
    return write_checkpoint(directory, random_model(tiny_config(moe), seed), layout, dtype)


def write_tokenizer(directory: Path) -> None:
    """A character-level tokenizer with PaddleOCR-VL's special tokens at small ids, and the chat template."""
    from tokenizers import AddedToken, Tokenizer, decoders, models
    from transformers import PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate(SPECIAL_TOKENS + CHARACTERS)}
    backend = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))
    backend.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS])
    backend.decoder = decoders.Fuse()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, bos_token="<s>", eos_token="</s>", unk_token="<unk>", pad_token="<unk>"
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(directory)


def _unused_release_tensors(config: ModelConfig) -> dict[str, torch.Tensor]:
    """Tensors the original release carries that inference never reads; loading must skip them."""
    width = config.vision.hidden_size
    return {
        "visual.vision_model.embeddings.packing_position_embedding.weight": torch.zeros(16, width),
        "visual.vision_model.head.probe": torch.zeros(1, 1, width),
        "visual.vision_model.head.layernorm.weight": torch.ones(width),
    }

