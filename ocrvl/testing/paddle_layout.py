"""PP-DocLayoutV2 written as the official Paddle inference folder, from a transformers model: the inverse of
``ocrvl.layout.ppdoclayout.convert``'s loading, for tiny random releases in tests, benchmarks and the parity
suite. The product never writes Paddle folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from ocrvl.layout.ppdoclayout.convert import (
    ARCHITECTURE_FILE,
    INPUT_SIZE,
    LABELS_FILE,
    MODEL_NAME,
    Unit,
    architecture_of,
    conv_and_norm,
    fuse_repvgg,
    layout_units,
    release_config,
)
from ocrvl.layout.ppdoclayout.paddle_format import ProgramBuilder, struct_name_attr, write_inference


def paddle_arrays(unit: Unit, model) -> list[np.ndarray]:
    """The tensors the release stores for `unit`, in the order its program reads them."""
    kind, path = unit.kind, unit.target
    if kind == "const":
        return [_constant(unit.target, model)]
    if kind == "conv_bn":
        conv, norm = conv_and_norm(model, path)
        conv, norm = model.get_submodule(conv), model.get_submodule(norm)
        return [_np(conv.weight), _np(norm.running_mean), _np(norm.running_var), _np(norm.weight), _np(norm.bias)]
    if kind == "repvgg":
        weight, bias = fuse_repvgg(model.get_submodule(path))
        return [_np(weight), _np(bias)]
    module = model.get_submodule(path)
    if kind in ("conv_bias", "layer_norm"):
        return [_np(module.weight), _np(module.bias)]
    if kind == "linear":
        return [_np(module.weight).T.copy(), _np(module.bias)]
    if kind == "embedding":
        return [_np(module.weight)]
    if kind == "qkv":
        parts = (module.q_proj, module.k_proj, module.v_proj)
        return [np.concatenate([_np(p.weight).T for p in parts], axis=1), np.concatenate([_np(p.bias) for p in parts])]
    raise ValueError(f"unknown unit kind {kind}")


def _np(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().to(torch.float32).cpu().numpy().copy()


def _constant(name: str, model) -> np.ndarray:
    config = model.config
    grids = [(INPUT_SIZE // stride, INPUT_SIZE // stride) for stride in config.feat_strides]
    if name == "aifi_position_embedding":
        height, width = grids[-1]
        embedding = model.model.encoder.aifi[0].position_embedding(
            width=width, height=height, device=torch.device("cpu"), dtype=torch.float32
        )
        return _np(embedding).reshape(1, height * width, -1)
    if name in ("anchors", "valid_mask"):
        anchors, valid = model.model.generate_anchors(tuple(grids), device="cpu", dtype=torch.float32)
        return _np(anchors) if name == "anchors" else valid.cpu().numpy().astype(np.bool_)
    if name == "class_thresholds":
        return np.asarray(config.class_thresholds, dtype=np.float32)
    raise ValueError(f"unknown constant {name}")


# Paddle's layer-name counters, per kind of layer: conv2d_7.w_0, batch_norm2d_3.w_1, linear_12.b_0 ...
_PADDLE_PREFIX = {
    "conv": "conv2d",
    "bn": "batch_norm2d",
    "linear": "linear",
    "layer_norm": "layer_norm",
    "embedding": "embedding",
    "qkv": "multi_head_attention",
}
_CONST_PREFIX = {"class_thresholds": "generated_tensor"}


class _PaddleNames:
    def __init__(self):
        self.counters: dict[str, int] = {}

    def next(self, prefix: str) -> str:
        index = self.counters.get(prefix, 0)
        self.counters[prefix] = index + 1
        return f"{prefix}_{index}"


def write_paddle_inference(model, folder: Path) -> Path:
    """`model` saved as a Paddle inference folder in the release's layout: ``inference.json`` (PIR program),
    ``inference.pdiparams`` (tensors in name order) and ``inference.yml`` (labels); plus ``ocrvl_architecture.json``
    when the architecture is not the release's.

    The program holds the parameter ops and, in execution order, the ops that first read them (with the real op
    types and operand slots); the arithmetic between them is left out, so Paddle itself could not run it.
    """
    folder = Path(folder)
    builder = ProgramBuilder()
    values: dict[str, np.ndarray] = {}
    names = _PaddleNames()
    image = builder.data("image", np.float32, [-1, 3, INPUT_SIZE, INPUT_SIZE])
    builder.data("im_shape", np.float32, [-1, 2])
    builder.data("scale_factor", np.float32, [-1, 2])

    def parameter(name: str, array: np.ndarray, trainable: bool = True) -> int:
        values[name] = array
        return builder.parameter(name, array, trainable)

    current = image
    for unit in layout_units(model):
        arrays = paddle_arrays(unit, model)
        current = _emit_unit(builder, unit, arrays, names, parameter, current, model)
    builder.fetch(current, 0, np.float32, [-1, 8])
    builder.fetch(builder.op("full", [], np.int32, [-1]), 1, np.int32, [-1])
    write_inference(folder, builder, values)
    _write_labels(folder, [model.config.id2label[i] for i in range(model.config.num_labels)])
    if architecture_of(model.config) != architecture_of(release_config()):
        (folder / ARCHITECTURE_FILE).write_text(json.dumps(architecture_of(model.config), indent=2))
    return folder


def _emit_unit(builder: ProgramBuilder, unit: Unit, arrays, names: _PaddleNames, parameter, current: int, model) -> int:
    kind = unit.kind
    tag = struct_name_attr(f"/{unit.target}/")
    if kind == "const":
        name = names.next(_CONST_PREFIX.get(unit.target, "eager_tmp"))
        value = parameter(name, arrays[0], trainable=False)
        op = {"valid_mask": "full_like", "class_thresholds": "index_select"}.get(unit.target, "add")
        return builder.op(op, [value, current] if op != "add" else [current, value], attrs=[tag])
    if kind in ("conv_bn", "conv_bias", "repvgg"):
        layer = names.next(_PADDLE_PREFIX["conv"])
        weight = parameter(f"{layer}.w_0", arrays[0])
        depthwise = kind == "conv_bn" and model.get_submodule(conv_and_norm(model, unit.target)[0]).groups > 1
        current = builder.op("depthwise_conv2d" if depthwise else "conv2d", [current, weight], attrs=[tag])
        if kind != "conv_bn":
            bias = parameter(f"{layer}.b_0", arrays[1])
            shape = builder.op("full_int_array", [], np.int64, [4])
            reshaped = builder.op("reshape", [bias, shape], attrs=[tag])
            return builder.op("add", [current, reshaped], attrs=[tag])
        norm = names.next(_PADDLE_PREFIX["bn"])
        mean = parameter(f"{norm}.w_1", arrays[1], trainable=False)
        variance = parameter(f"{norm}.w_2", arrays[2], trainable=False)
        scale = parameter(f"{norm}.w_0", arrays[3])
        bias = parameter(f"{norm}.b_0", arrays[4])
        return builder.op("batch_norm_", [current, mean, variance, scale, bias], attrs=[tag])
    if kind == "qkv":
        layer = names.next(_PADDLE_PREFIX["qkv"])
        weight = parameter(f"{layer}.w_0", arrays[0])
        bias = parameter(f"{layer}.b_0", arrays[1])
        width = arrays[1].shape[0] // 3
        outputs = []
        for _ in range(3):
            start = builder.op("full_int_array", [], np.int64, [1])
            end = builder.op("full_int_array", [], np.int64, [1])
            w = builder.op("slice", [weight, start, end], attrs=[tag], shape=[arrays[0].shape[0], width])
            b = builder.op("slice", [bias, start, end], attrs=[tag], shape=[width])
            outputs.append(builder.op("add", [builder.op("matmul", [current, w], attrs=[tag]), b], attrs=[tag]))
        return outputs[-1]
    layer = names.next(_PADDLE_PREFIX[kind])
    if kind == "linear":
        weight = parameter(f"{layer}.w_0", arrays[0])
        bias = parameter(f"{layer}.b_0", arrays[1])
        return builder.op("add", [builder.op("matmul", [current, weight], attrs=[tag]), bias], attrs=[tag])
    if kind == "layer_norm":
        scale = parameter(f"{layer}.w_0", arrays[0])
        bias = parameter(f"{layer}.b_0", arrays[1])
        return builder.op("layer_norm", [current, scale, bias], attrs=[tag])
    weight = parameter(f"{layer}.w_0", arrays[0])
    return builder.op("embedding", [current, weight], attrs=[tag])


def _write_labels(folder: Path, labels: list[str]) -> None:
    lines = [
        "mode: paddle",
        "draw_threshold: 0.5",
        "metric: COCO",
        "use_dynamic_shape: false",
        "Global:",
        f"  model_name: {MODEL_NAME}",
        "arch: DETR",
        "min_subgraph_size: 3",
        "Preprocess:",
        "- interp: 2",
        "  keep_ratio: false",
        "  target_size:",
        f"  - {INPUT_SIZE}",
        f"  - {INPUT_SIZE}",
        "  type: Resize",
        "- mean:",
        "  - 0.0",
        "  - 0.0",
        "  - 0.0",
        "  norm_type: none",
        "  std:",
        "  - 1.0",
        "  - 1.0",
        "  - 1.0",
        "  type: NormalizeImage",
        "- type: Permute",
        "label_list:",
        *[f"- {label}" for label in labels],
    ]
    (folder / LABELS_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")


