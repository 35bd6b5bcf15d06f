"""Random checkpoints written for both sides: nothing is downloaded, everything is seeded.

- the recognizer in the release's key layout (``visual.*``, ``mlp_AR.*``, ``model.*``) with every tensor the
  release carries, including the ones inference never reads, so PaddleX's strict loader accepts it;
- its tokenizer twice over the same vocabulary: ``tokenizer.json`` (what ocrvl reads) and a SentencePiece
  ``tokenizer.model`` (what PaddleX's ``LlamaTokenizer`` reads), one piece per character;
- random parameters for the release's exported PP-DocLayoutV2 program, in Paddle's ``.pdiparams`` format.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from ocrvl.models.weights import ORIGINAL
from ocrvl.testing.checkpoints import CHARACTERS, SPECIAL_TOKENS, random_model, tiny_config, write_checkpoint

OFFICIAL_LAYOUT = Path(__file__).resolve().parents[3] / "shared" / "official" / "PP-DocLayoutV2"
PACKING_POSITIONS = 32768  # rows of the release's (unused) packing position table


def write_release_recognizer(folder: Path, seed: int, tied: bool, ship_lm_head: bool) -> Path:
    """A tiny random recognizer as the release lays it out, in float32.

    tied: the config's ``tie_word_embeddings``. ship_lm_head: the file carries its own ``lm_head.weight``
    (random, unlike the embeddings) even when the config says tied.
    """
    config = tiny_config()
    config = dataclasses.replace(config, text=dataclasses.replace(config.text, tie_word_embeddings=tied))
    model = random_model(config, seed)
    write_checkpoint(folder, model, ORIGINAL, torch.float32)
    tensors = load_file(str(folder / "model.safetensors"))
    tensors.update(_unread_release_tensors(config.vision.hidden_size, config.vision.intermediate_size))
    if ship_lm_head and "lm_head.weight" not in tensors:
        generator = torch.Generator().manual_seed(seed + 1000)
        tensors["lm_head.weight"] = torch.randn(config.text.vocab_size, config.text.hidden_size, generator=generator)
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(folder / "model.safetensors"),
              metadata={"format": "pt"})  # fmt: skip
    write_sentencepiece(folder / "tokenizer.model")
    _set_tokenizer_config(folder, add_bos_token=False, add_eos_token=False)
    return folder


def _unread_release_tensors(width: int, ffn: int) -> dict[str, torch.Tensor]:
    """The SigLIP pooling head and packing table the release ships and inference never reads (zeros)."""
    head = "visual.vision_model.head."
    return {
        "visual.vision_model.embeddings.packing_position_embedding.weight": torch.zeros(PACKING_POSITIONS, width),
        head + "probe": torch.zeros(1, 1, width),
        head + "attention.in_proj_weight": torch.zeros(3 * width, width),
        head + "attention.in_proj_bias": torch.zeros(3 * width),
        head + "attention.out_proj.weight": torch.zeros(width, width),
        head + "attention.out_proj.bias": torch.zeros(width),
        head + "layernorm.weight": torch.ones(width),
        head + "layernorm.bias": torch.zeros(width),
        head + "mlp.fc1.weight": torch.zeros(ffn, width),
        head + "mlp.fc1.bias": torch.zeros(ffn),
        head + "mlp.fc2.weight": torch.zeros(width, ffn),
        head + "mlp.fc2.bias": torch.zeros(width),
    }


def write_sentencepiece(path: Path) -> None:
    """A SentencePiece model with exactly the ids of ocrvl's tiny character tokenizer: special tokens kept
    whole, every other character its own piece, spaces as ``▁``, no normalization and no dummy prefix."""
    from transformers.utils import sentencepiece_model_pb2_new as spm

    model = spm.ModelProto()
    kinds = {"<unk>": spm.ModelProto.SentencePiece.UNKNOWN, "<s>": spm.ModelProto.SentencePiece.CONTROL,
             "</s>": spm.ModelProto.SentencePiece.CONTROL}  # fmt: skip
    for token in SPECIAL_TOKENS:
        model.pieces.add(piece=token, score=0.0, type=kinds.get(token, spm.ModelProto.SentencePiece.USER_DEFINED))
    for rank, character in enumerate(CHARACTERS):
        model.pieces.add(piece="\u2581" if character == " " else character, score=-float(rank),
                         type=spm.ModelProto.SentencePiece.NORMAL)  # fmt: skip
    trainer = model.trainer_spec
    trainer.model_type = spm.TrainerSpec.BPE
    trainer.vocab_size = len(model.pieces)
    trainer.unk_id, trainer.bos_id, trainer.eos_id, trainer.pad_id = 0, 1, 2, -1
    normalizer = model.normalizer_spec
    normalizer.name = "identity"
    normalizer.add_dummy_prefix = False
    normalizer.remove_extra_whitespaces = False
    normalizer.escape_whitespaces = True
    path.write_bytes(model.SerializeToString())


def _set_tokenizer_config(folder: Path, **values) -> None:
    path = folder / "tokenizer_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config.update(values)
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")


# A template of the release's format, written for these tests: the sentence-start token, ``User: ``, the image
# (``image_token``, by default the three image tokens), the task prompt, a newline and ``Assistant: ``; the
# template sets its own defaults for variables the renderer does not pass.
RELEASE_FORMAT_TEMPLATE = (
    "{%- if add_generation_prompt is not defined %}{% set add_generation_prompt = true %}{% endif -%}"
    "{%- if cls_token is not defined %}{% set cls_token = '<|begin_of_sentence|>' %}{% endif -%}"
    "{%- if image_token is not defined -%}"
    "{% set image_token = '<|IMAGE_START|><|IMAGE_PLACEHOLDER|><|IMAGE_END|>' %}"
    "{%- endif -%}"
    "{{- cls_token -}}"
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'user' -%}"
    "{{- 'User: ' -}}"
    "{%- for part in message['content'] if part['type'] == 'image' -%}{{- image_token -}}{%- endfor -%}"
    "{%- for part in message['content'] if part['type'] == 'text' -%}{{- part['text'] -}}{%- endfor -%}"
    "{{- '\\n' -}}"
    "{%- elif message['role'] == 'assistant' -%}"
    "{{- 'Assistant: ' -}}"
    "{%- for part in message['content'] if part['type'] == 'text' -%}{{- part['text'] -}}{%- endfor -%}"
    "{{- '</s>' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- 'Assistant: ' -}}{%- endif -%}"
)


def write_prompt_checkpoints(root: Path, recognizer: Path) -> list[str]:
    """Copies of `recognizer` differing only in their chat template: ocrvl's tiny one, one in the release's
    format, and the same with ``image_token`` declared in ``tokenizer_config.json`` (the image placeholder
    alone, as transformers' processor config names it). Returns their folder names."""
    names = []
    for name, template, image_token in (
        ("tiny_template", None, None),
        ("release_template", RELEASE_FORMAT_TEMPLATE, None),
        ("release_template_image_token", RELEASE_FORMAT_TEMPLATE, "<|IMAGE_PLACEHOLDER|>"),
    ):
        folder = root / name
        shutil.copytree(recognizer, folder, ignore=shutil.ignore_patterns("model.safetensors"))
        if template is not None:
            (folder / "chat_template.jinja").write_text(template, encoding="utf-8")
        if image_token is not None:
            _set_tokenizer_config(folder, image_token=image_token)
        names.append(name)
    return names


# ------------------------------------------------------------------------------------------ PP-DocLayoutV2


def write_random_layout_parameters(folder: Path, seed: int) -> Path:
    """The release's program with random parameters: a randomly initialised transformers PP-DocLayoutV2 of the
    release's architecture, written under the program's own parameter names (read in execution order)."""
    from transformers import PPDocLayoutV2ForObjectDetection

    from ocrvl.layout.ppdoclayout.convert import LABELS_FILE, expected_uses, release_config
    from ocrvl.layout.ppdoclayout.paddle_format import (
        PARAMS_FILE,
        PROGRAM_FILE,
        PirProgram,
        stored_order,
        write_pdiparams,
    )
    from ocrvl.testing.paddle_layout import paddle_arrays

    folder.mkdir(parents=True, exist_ok=True)
    for name in (PROGRAM_FILE, LABELS_FILE):
        shutil.copyfile(OFFICIAL_LAYOUT / name, folder / name)
    torch.manual_seed(seed)
    model = PPDocLayoutV2ForObjectDetection(release_config()).eval()
    _spread_scores(model, seed)
    program = PirProgram.load(folder / PROGRAM_FILE)
    values: dict[str, np.ndarray] = {}
    pending: list[np.ndarray] = []
    current = None
    for use, (unit, _, shape) in zip(program.parameter_uses(), expected_uses(model), strict=True):
        if unit is not current:
            current, pending = unit, paddle_arrays(unit, model)
        array = pending.pop(0)
        parameter = use.parameter
        if tuple(array.shape) != tuple(shape) or tuple(shape) != parameter.shape:
            raise ValueError(f"{parameter.name}: {array.shape} does not fit {parameter.shape}")
        values[parameter.name] = array.astype(parameter.dtype)
    stored = [p.name for p in program.parameters if p.persistable]
    write_pdiparams(folder / PARAMS_FILE, [values[name] for name in stored_order(stored)])
    return folder


def _spread_scores(model, seed: int) -> None:
    """Every weight drawn at random (variance-preserving, so activations stay in range through the deep
    network), random batch-norm statistics, and class biases spread so that scores cover 0.1-0.95: boxes,
    classes, scores and the reading-order head's input all differ from query to query."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if parameter.dim() >= 2:
                fan_in = parameter[0].numel()
                parameter.normal_(0.0, fan_in**-0.5, generator=generator)
            elif name.endswith("weight"):
                parameter.uniform_(0.8, 1.2, generator=generator)
            else:
                parameter.normal_(0.0, 0.1, generator=generator)
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.normal_(0.0, 0.1, generator=generator)
                module.running_var.uniform_(0.8, 1.2, generator=generator)
        for head in model.model.decoder.class_embed:
            head.weight.mul_(3.0)
            head.bias.uniform_(-3.0, 0.0, generator=generator)
