"""PP-DocLayoutV2 between its official Paddle release and transformers' ``PPDocLayoutV2ForObjectDetection``.

The release stores auto-generated parameter names (``conv2d_134.w_0``, ``linear_2.w_0_deepcopy_930``) that say
nothing about where a tensor belongs. What does is the program: the parameters are read in execution order, each
by an op of a telling type (``conv2d`` then ``batch_norm_`` reading mean, variance, scale, bias; ``matmul`` then
``add``; ``layer_norm``; ``embedding``; ``slice`` of a packed q|k|v projection). `layout_units` lists the
transformers modules in that same execution order (read off the real program of the release); loading walks both
sequences in lockstep and checks every step's op role, shape and dtype, so any drift fails loudly instead of
loading a scrambled model.

What the export changed and loading undoes: Paddle ``Linear`` weights are [in, out] (transposed here); each
RepVGG block is fused into one 3x3 convolution with bias (loaded as conv1 with a pass-through batch norm and a
zero conv2); only the last decoder layer's class head survives (the export prunes the others, which inference
never reads). A few program constants are not weights: the AIFI position embedding, the anchors and their
valid mask (transformers recomputes all three) and the per-class thresholds of the reading-order mask, which
become ``config.class_thresholds``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ocrvl.layout.ppdoclayout.box_rules import LAYOUT_LABELS
from ocrvl.layout.ppdoclayout.paddle_format import (
    PARAMS_FILE,
    PROGRAM_FILE,
    PaddleFormatError,
    ParameterUse,
    read_inference,
)

# The 25 classes of the release, in class-id order (inference.yml ``label_list``).
PP_DOCLAYOUT_V2_LABELS = LAYOUT_LABELS
# Score a box needs to enter the reading-order model, per class (PaddleX pp_doclayout_v2_transformer.py
# ``threshold_dict``; the release also stores it as a program constant, which wins when present).
PP_DOCLAYOUT_V2_CLASS_THRESHOLDS = (
    0.5, 0.5, 0.5, 0.5, 0.5, 0.4, 0.4, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.4, 0.5, 0.4, 0.5, 0.5, 0.45, 0.5,
    0.4, 0.4, 0.5,
)  # fmt: skip
# Reading-order category of each class (PaddleX ``DET_TO_ORDER_MAP``; the program's ``assign_value`` table).
PP_DOCLAYOUT_V2_CLASS_ORDER = (4, 2, 14, 1, 5, 7, 8, 6, 11, 11, 9, 13, 10, 10, 1, 2, 3, 0, 2, 2, 12, 1, 2, 15, 6)

INPUT_SIZE = 800  # the exported program's fixed input: 3 x 800 x 800
LABELS_FILE = "inference.yml"
# ocrvl's own addition, absent from releases: the transformers architecture of a folder whose model is not the
# release's (the program alone does not fix head counts or query numbers). Without it the release's is assumed.
ARCHITECTURE_FILE = "ocrvl_architecture.json"
MODEL_NAME = "PP-DocLayoutV2"


class LayoutConversionError(PaddleFormatError):
    """The Paddle release does not fit the PP-DocLayoutV2 architecture."""


# ----------------------------------------------------------------------------- the release's execution order


@dataclass(frozen=True)
class Unit:
    """One layer as the program reads it: a kind and the transformers module(s) it fills."""

    kind: str  # conv_bn | conv_bias | repvgg | linear | layer_norm | embedding | qkv | const
    target: str  # transformers module path; for qkv the attention module; for const the constant's name


# The op roles each kind's parameters are first read with, in order (see `use_role`).
_ROLES = {
    "conv_bn": ("conv", "bn.mean", "bn.variance", "bn.scale", "bn.bias"),
    "conv_bias": ("conv", "bias"),
    "repvgg": ("conv", "bias"),
    "linear": ("matmul", "bias"),
    "layer_norm": ("ln.scale", "ln.bias"),
    "embedding": ("embedding",),
    "qkv": ("packed", "packed"),
    "const": ("const",),
}


def use_role(use: ParameterUse) -> str:
    """What a parameter is, judged by the op that first reads it and the input slot it fills."""
    op, slot, rank = use.op_type, use.input_index, len(use.parameter.shape)
    if op in ("conv2d", "depthwise_conv2d") and slot == 1:
        return "conv"
    if op in ("batch_norm", "batch_norm_") and 1 <= slot <= 4:
        return ("bn.mean", "bn.variance", "bn.scale", "bn.bias")[slot - 1]
    if op == "matmul" and slot == 1:
        return "matmul"
    if op in ("add", "reshape") and rank == 1:
        return "bias"
    if op == "layer_norm" and slot in (1, 2):
        return ("ln.scale", "ln.bias")[slot - 1]
    if op == "embedding" and slot == 1:
        return "embedding"
    if op == "slice" and slot == 0:
        return "packed"
    return "const"


def layout_units(model) -> list[Unit]:
    """Every parameter-holding layer of `model` in the order the release's program first reads it."""
    config = model.config
    units: list[Unit] = []
    conv_layer = type(model.model.backbone.model.embedder.stem1)
    for name, module in model.model.backbone.model.named_modules():
        if isinstance(module, conv_layer):
            units.append(Unit("conv_bn", f"model.backbone.model.{name}"))
    units += [Unit("conv_bn", f"model.encoder_input_proj.{i}") for i in range(len(model.model.encoder_input_proj))]

    encoder = model.model.encoder
    for a, aifi in enumerate(encoder.aifi):
        units.append(Unit("const", "aifi_position_embedding"))
        for i in range(len(aifi.layers)):
            layer = f"model.encoder.aifi.{a}.layers.{i}"
            units += _attention_block(layer, "self_attn", "self_attn_layer_norm")
            units += [Unit("linear", f"{layer}.mlp.fc1"), Unit("linear", f"{layer}.mlp.fc2")]
            units.append(Unit("layer_norm", f"{layer}.final_layer_norm"))
    for i in range(len(encoder.lateral_convs)):
        units.append(Unit("conv_bn", f"model.encoder.lateral_convs.{i}"))
        units += _csp_units(f"model.encoder.fpn_blocks.{i}", encoder.fpn_blocks[i])
    for i in range(len(encoder.downsample_convs)):
        units.append(Unit("conv_bn", f"model.encoder.downsample_convs.{i}"))
        units += _csp_units(f"model.encoder.pan_blocks.{i}", encoder.pan_blocks[i])

    units += [Unit("conv_bn", f"model.decoder_input_proj.{i}") for i in range(len(model.model.decoder_input_proj))]
    units += [
        Unit("const", "valid_mask"),
        Unit("linear", "model.enc_output.0"),
        Unit("layer_norm", "model.enc_output.1"),
    ]
    units.append(Unit("linear", "model.enc_score_head"))
    units += [Unit("linear", f"model.enc_bbox_head.layers.{i}") for i in range(len(model.model.enc_bbox_head.layers))]
    units.append(Unit("const", "anchors"))
    decoder = model.model.decoder
    units += [
        Unit("linear", f"model.decoder.query_pos_head.layers.{i}") for i in range(len(decoder.query_pos_head.layers))
    ]
    for i in range(config.decoder_layers):
        layer = f"model.decoder.layers.{i}"
        units += _attention_block(layer, "self_attn", "self_attn_layer_norm")
        # PPMSDeformableAttention runs value_proj first, then sampling_offsets, attention_weights, output_proj.
        for part in ("value_proj", "sampling_offsets", "attention_weights", "output_proj"):
            units.append(Unit("linear", f"{layer}.encoder_attn.{part}"))
        units.append(Unit("layer_norm", f"{layer}.encoder_attn_layer_norm"))
        units += [Unit("linear", f"{layer}.mlp.fc1"), Unit("linear", f"{layer}.mlp.fc2")]
        units.append(Unit("layer_norm", f"{layer}.final_layer_norm"))
        bbox_head = decoder.bbox_embed[i]
        units += [Unit("linear", f"model.decoder.bbox_embed.{i}.layers.{j}") for j in range(len(bbox_head.layers))]
    units.append(Unit("linear", f"model.decoder.class_embed.{config.decoder_layers - 1}"))
    units.append(Unit("const", "class_thresholds"))

    reading = model.reading_order
    for part in ("word", "token_type", "position", "x_position", "y_position", "h_position", "w_position"):
        units.append(Unit("embedding", f"reading_order.embeddings.{part}_embeddings"))
    units.append(Unit("linear", "reading_order.embeddings.spatial_proj"))
    units.append(Unit("embedding", "reading_order.label_embeddings"))
    units.append(Unit("linear", "reading_order.label_features_projection"))
    units.append(Unit("layer_norm", "reading_order.embeddings.norm"))
    units.append(Unit("conv_bias", "reading_order.encoder.rel_bias_module.pos_proj"))
    for i in range(len(reading.encoder.layer)):
        layer = f"reading_order.encoder.layer.{i}"
        for part in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            units.append(Unit("linear", f"{layer}.{part}"))
        units.append(Unit("layer_norm", f"{layer}.attention.output.norm"))
        units += [Unit("linear", f"{layer}.intermediate.dense"), Unit("linear", f"{layer}.output.dense")]
        units.append(Unit("layer_norm", f"{layer}.output.norm"))
    units.append(Unit("linear", "reading_order.relative_head.dense"))
    return units


def _attention_block(layer: str, attention: str, norm: str) -> list[Unit]:
    return [
        Unit("qkv", f"{layer}.{attention}"),
        Unit("linear", f"{layer}.{attention}.o_proj"),
        Unit("layer_norm", f"{layer}.{norm}"),
    ]


def _csp_units(path: str, block) -> list[Unit]:
    units = [Unit("conv_bn", f"{path}.conv1")]
    units += [Unit("repvgg", f"{path}.bottlenecks.{i}") for i in range(len(block.bottlenecks))]
    units.append(Unit("conv_bn", f"{path}.conv2"))
    if not isinstance(block.conv3, torch.nn.Identity):
        units.append(Unit("conv_bn", f"{path}.conv3"))
    return units


def unused_at_inference(model) -> set[str]:
    """State-dict keys no exported program carries because inference never reads them."""
    last = model.config.decoder_layers - 1
    keys = set()
    for key in model.state_dict():
        if key.endswith("num_batches_tracked") or key.startswith("model.denoising_class_embed."):
            keys.add(key)
        elif key.startswith("model.decoder.class_embed.") and not key.startswith(f"model.decoder.class_embed.{last}."):
            keys.add(key)  # the intermediate class heads: pruned from the export, filled from the last one
        elif key.startswith(("reading_order.encoder.rel_pos_x_bias.", "reading_order.encoder.rel_pos_y_bias.")):
            keys.add(key)  # created by transformers but never used (only rel_bias_module is)
    return keys


# ----------------------------------------------------------------------------- Paddle -> transformers


def _conv_bn_state(unit: Unit, arrays: list[np.ndarray], model) -> dict[str, torch.Tensor]:
    conv, norm = conv_and_norm(model, unit.target)
    weight, mean, variance, scale, bias = arrays
    return {
        f"{conv}.weight": _t(weight),
        f"{norm}.weight": _t(scale),
        f"{norm}.bias": _t(bias),
        f"{norm}.running_mean": _t(mean),
        f"{norm}.running_var": _t(variance),
    }


def conv_and_norm(model, path: str) -> tuple[str, str]:
    module = model.get_submodule(path)
    if hasattr(module, "convolution"):
        return f"{path}.convolution", f"{path}.normalization"
    if hasattr(module, "conv"):
        return f"{path}.conv", f"{path}.norm"
    return f"{path}.0", f"{path}.1"  # nn.Sequential(Conv2d, BatchNorm2d)


def repvgg_state(path: str, weight: np.ndarray | torch.Tensor, bias: np.ndarray | torch.Tensor, eps: float) -> dict:
    """A RepVGG block whose conv1 alone carries the fused 3x3 kernel and bias: conv1's batch norm passes values
    through unchanged (variance + eps is exactly 1) and conv2 adds exactly zero."""
    weight, bias = _t(weight), _t(bias)
    channels = weight.shape[0]
    one_minus_eps = torch.full((channels,), 1.0 - eps, dtype=torch.float32)
    if not torch.all(one_minus_eps + eps == 1.0):
        raise ValueError(f"batch-norm eps {eps} cannot make an exact pass-through")
    return {
        f"{path}.conv1.conv.weight": weight,
        f"{path}.conv1.norm.weight": torch.ones(channels),
        f"{path}.conv1.norm.bias": bias,
        f"{path}.conv1.norm.running_mean": torch.zeros(channels),
        f"{path}.conv1.norm.running_var": one_minus_eps,
        f"{path}.conv2.conv.weight": torch.zeros(channels, weight.shape[1], 1, 1),
        f"{path}.conv2.norm.weight": torch.ones(channels),
        f"{path}.conv2.norm.bias": torch.zeros(channels),
        f"{path}.conv2.norm.running_mean": torch.zeros(channels),
        f"{path}.conv2.norm.running_var": one_minus_eps.clone(),
    }


def fuse_repvgg(block) -> tuple[torch.Tensor, torch.Tensor]:
    """The single 3x3 kernel and bias a RepVGG block computes, as Paddle's deploy export stores it."""

    def folded(layer) -> tuple[torch.Tensor, torch.Tensor]:
        norm = layer.norm
        scale = norm.weight * torch.rsqrt(norm.running_var + norm.eps)
        return layer.conv.weight * scale[:, None, None, None], norm.bias - norm.running_mean * scale

    with torch.no_grad():
        weight3, bias3 = folded(block.conv1)
        weight1, bias1 = folded(block.conv2)
        weight = weight3 + torch.nn.functional.pad(weight1, [1, 1, 1, 1])
        return weight.float(), (bias3 + bias1).float()


def _unit_state(unit: Unit, arrays: list[np.ndarray], model) -> dict[str, torch.Tensor]:
    kind, path = unit.kind, unit.target
    if kind == "conv_bn":
        return _conv_bn_state(unit, arrays, model)
    if kind == "conv_bias":
        return {f"{path}.weight": _t(arrays[0]), f"{path}.bias": _t(arrays[1])}
    if kind == "repvgg":
        return repvgg_state(path, arrays[0], arrays[1], model.config.batch_norm_eps)
    if kind == "linear":
        return {f"{path}.weight": _t(arrays[0].T), f"{path}.bias": _t(arrays[1])}
    if kind == "layer_norm":
        return {f"{path}.weight": _t(arrays[0]), f"{path}.bias": _t(arrays[1])}
    if kind == "embedding":
        return {f"{path}.weight": _t(arrays[0])}
    if kind == "qkv":
        weights = np.split(arrays[0], 3, axis=1)
        biases = np.split(arrays[1], 3)
        return {
            f"{path}.{proj}.{what}": _t(value)
            for proj, weight, bias in zip(("q_proj", "k_proj", "v_proj"), weights, biases)
            for what, value in (("weight", weight.T), ("bias", bias))
        }
    return {}


def _t(array: np.ndarray | torch.Tensor) -> torch.Tensor:
    if isinstance(array, torch.Tensor):
        return array.detach().to(torch.float32).contiguous()
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))


def expected_uses(model) -> Iterator[tuple[Unit, str, tuple[int, ...]]]:
    """(unit, role, Paddle shape) of every parameter the release's program reads, in reading order."""
    for unit in layout_units(model):
        for role, shape in zip(_ROLES[unit.kind], _paddle_shapes(unit, model)):
            yield unit, role, shape


def _paddle_shapes(unit: Unit, model) -> list[tuple[int, ...]]:
    kind, path = unit.kind, unit.target
    if kind == "const":
        return [_constant_shape(path, model.config)]
    if kind == "conv_bn":
        weight = model.get_submodule(conv_and_norm(model, path)[0]).weight
        return [tuple(weight.shape)] + [(weight.shape[0],)] * 4
    if kind == "repvgg":
        weight = model.get_submodule(path).conv1.conv.weight
        return [tuple(weight.shape), (weight.shape[0],)]
    module = model.get_submodule(path)
    if kind == "linear":
        return [(module.in_features, module.out_features), (module.out_features,)]
    if kind == "qkv":
        width = module.q_proj.in_features
        return [(width, 3 * width), (3 * width,)]
    if kind == "embedding":
        return [tuple(module.weight.shape)]
    return [tuple(module.weight.shape), tuple(module.bias.shape)]


def _constant_shape(name: str, config) -> tuple[int, ...]:
    cells = [(INPUT_SIZE // stride) ** 2 for stride in config.feat_strides]
    return {
        "aifi_position_embedding": (1, cells[-1], config.encoder_hidden_dim),
        "valid_mask": (1, sum(cells), 1),
        "anchors": (1, sum(cells), 4),
        "class_thresholds": (config.num_labels,),
    }[name]


def state_from_program(program, values: dict[str, np.ndarray], model) -> tuple[dict[str, torch.Tensor], dict]:
    """The transformers state dict the program's parameters make, plus the constants by name.

    Walks the program's parameter uses and `layout_units` in lockstep; every step must agree on role and shape.
    """
    uses = program.parameter_uses()
    expected = list(expected_uses(model))
    state: dict[str, torch.Tensor] = {}
    constants: dict[str, np.ndarray] = {}
    pending: list[np.ndarray] = []
    for step, (use, (unit, role, shape)) in enumerate(zip(uses, expected)):
        actual_role = use_role(use)
        parameter = use.parameter
        if actual_role != role or parameter.shape != shape:
            raise LayoutConversionError(
                program.path,
                f"parameter {step} ({parameter.name}, {list(parameter.shape)}, read by {use.op_type} at op "
                f"{use.op_index}) does not fit {unit.target} ({unit.kind}: expected {role} {list(shape)}, found "
                f"{actual_role}); this is not the PP-DocLayoutV2 architecture the loader knows",
            )
        pending.append(values[parameter.name])
        if len(pending) == len(_ROLES[unit.kind]):
            if unit.kind == "const":
                constants[unit.target] = pending[0]
            for key, tensor in _unit_state(unit, pending, model).items():
                if key in state:
                    raise LayoutConversionError(program.path, f"{key} would be assigned twice")
                state[key] = tensor
            pending = []
    if len(uses) != len(expected):
        extra = uses[len(expected)] if len(uses) > len(expected) else None
        missing = expected[len(uses)] if len(expected) > len(uses) else None
        detail = (
            f"first extra: {extra.parameter.name} {list(extra.parameter.shape)}"
            if extra
            else f"first missing: {missing[0].target} ({missing[1]} {list(missing[2])})"
        )
        raise LayoutConversionError(
            program.path, f"the program reads {len(uses)} parameters, PP-DocLayoutV2 has {len(expected)}; {detail}"
        )
    used = {use.parameter.name for use in uses}
    never_read = [p.name for p in program.parameters if p.name not in used]
    if never_read:
        raise LayoutConversionError(program.path, f"{len(never_read)} parameters are never read: {never_read[:5]}")
    return state, constants


def complete_state(state: dict[str, torch.Tensor], model, path: Path) -> dict[str, torch.Tensor]:
    """`state` checked to set every inference weight of `model` with the right shape, plus fillers for the rest."""
    reference = model.state_dict()
    ignored = unused_at_inference(model)
    missing = sorted(k for k in reference if k not in state and k not in ignored)
    unknown = sorted(k for k in state if k not in reference)
    wrong = sorted(k for k in state if k in reference and tuple(state[k].shape) != tuple(reference[k].shape))
    if missing or unknown or wrong:
        problems = []
        if missing:
            problems.append(f"{len(missing)} weights unset (first: {missing[0]})")
        if unknown:
            problems.append(f"{len(unknown)} unknown names (first: {unknown[0]})")
        if wrong:
            key = wrong[0]
            problems.append(f"{len(wrong)} shape mismatches (first: {key} {list(state[key].shape)} vs "
                            f"{list(reference[key].shape)})")  # fmt: skip
        raise LayoutConversionError(path, "; ".join(problems))
    full = dict(state)
    last = model.config.decoder_layers - 1
    for key in ignored:
        if key.startswith("model.decoder.class_embed."):
            suffix = key.split(".", 4)[4]
            full[key] = state[f"model.decoder.class_embed.{last}.{suffix}"].clone()
        else:
            full[key] = torch.zeros_like(reference[key])
    return full


# ----------------------------------------------------------------------------- loading a release


def read_labels(folder: Path) -> list[str]:
    """The class names of a release: ``label_list`` of ``inference.yml`` (or of PaddleX's ``config.json``)."""
    folder = Path(folder)
    yml = folder / LABELS_FILE
    if yml.is_file():
        import yaml

        try:
            document = yaml.safe_load(yml.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise PaddleFormatError(yml, f"unreadable: {exc}") from exc
        labels = document.get("label_list") if isinstance(document, dict) else None
        if not labels:
            raise PaddleFormatError(yml, "has no label_list")
        return [str(label) for label in labels]
    config = folder / "config.json"
    if config.is_file():
        try:
            labels = json.loads(config.read_text(encoding="utf-8")).get("label_list")
        except (OSError, ValueError) as exc:
            raise PaddleFormatError(config, f"unreadable: {exc}") from exc
        if labels:
            return [str(label) for label in labels]
    return list(PP_DOCLAYOUT_V2_LABELS)


def release_config(labels: list[str] | None = None):
    from transformers import PPDocLayoutV2Config

    labels = list(labels or PP_DOCLAYOUT_V2_LABELS)
    return PPDocLayoutV2Config(
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        class_thresholds=list(PP_DOCLAYOUT_V2_CLASS_THRESHOLDS),
        class_order=list(PP_DOCLAYOUT_V2_CLASS_ORDER),
    )


_NOT_ARCHITECTURE = {"id2label", "label2id", "class_thresholds", "class_order", "transformers_version", "dtype"}


def architecture_of(config) -> dict:
    return {k: v for k, v in config.to_dict().items() if k not in _NOT_ARCHITECTURE}


def paddle_layout_config(folder: Path, labels: list[str]):
    """The transformers config of a Paddle folder: the release's, or the one ``ocrvl_architecture.json`` gives."""
    from transformers import PPDocLayoutV2Config

    config = release_config(labels)
    architecture = Path(folder) / ARCHITECTURE_FILE
    if architecture.is_file():
        try:
            values = json.loads(architecture.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise PaddleFormatError(architecture, f"unreadable: {exc}") from exc
        values.update({k: v for k, v in config.to_dict().items() if k in _NOT_ARCHITECTURE})
        config = PPDocLayoutV2Config.from_dict(values)
    return config


def load_paddle_layout(folder: Path):
    """``PPDocLayoutV2ForObjectDetection`` with the weights of a Paddle inference folder, converted in memory."""
    from transformers import PPDocLayoutV2ForObjectDetection

    folder = Path(folder)
    for name in (PROGRAM_FILE, PARAMS_FILE):
        if not (folder / name).is_file():
            raise PaddleFormatError(folder / name, "missing: a Paddle inference folder needs inference.json and "
                                                   "inference.pdiparams")  # fmt: skip
    labels = read_labels(folder)
    program, values = read_inference(folder)
    config = paddle_layout_config(folder, labels)
    model = PPDocLayoutV2ForObjectDetection(config)
    state, constants = state_from_program(program, values, model)
    if "class_thresholds" in constants:
        config.class_thresholds = [float(v) for v in constants["class_thresholds"]]
    order = next((t for t in program.assigned_values() if len(t) == config.num_labels), None)
    if order is not None:
        config.class_order = [int(v) for v in order]
    model.load_state_dict(complete_state(state, model, folder / PARAMS_FILE))
    return model.eval()


def convert_layout_model(src: Path, dst: Path) -> Path:
    """Write the release's PP-DocLayoutV2 (a Paddle folder) to `dst` in transformers format
    (``config.json`` + ``model.safetensors``); returns `dst`."""
    from ocrvl.errors import OutputError

    model = load_paddle_layout(Path(src))
    dst = Path(dst)
    try:
        dst.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(dst)
    except OSError as exc:
        raise OutputError(f"{dst}: cannot write the converted model: {exc.strerror or exc}") from exc
    return dst
