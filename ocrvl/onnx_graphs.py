"""Hard-swish written out as four operators, put back as the one operator ONNX Runtime runs fast.

PaddlePaddle's ONNX export of an opset without HardSwish (before 14) writes hard-swish, x * clip(x + 3, 0, 6) / 6,
as an Add, a Clip, a Mul and a Div. ONNX Runtime's CPU provider runs each as its own pass over the tensor and
converts the tensor between its blocked and plain layouts around them: on the CDLA layout model (94 such chains)
those passes take over half of a page's time. Each chain rewritten as one HardSwish (opset 14) makes that model
2.3-2.5x as fast here (one or two threads), its outputs the same to within 5e-6.

The rewritten model is kept in ocrvl's cache folder: `onnx` takes half a second to import (its ml_dtypes), which
only the first process to load the model pays.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ocrvl.user_cache import cache_folder

if TYPE_CHECKING:
    import onnx

_HARD_SWISH_OPSET = 14
_STANDARD_DOMAINS = ("", "ai.onnx")
_REWRITE = "hard-swish-1"  # in a kept copy's name: a change to the rewrite makes new copies


def hard_swish_model(path: Path) -> str | bytes:
    """The ONNX model at `path` rewritten by `with_hard_swish`, as ONNX Runtime opens it: the path of the copy kept
    in ocrvl's cache folder (made by the first process to ask), or the model itself where none can be kept."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    kept = cache_folder("models") / f"{path.stem}.{_REWRITE}.{digest}.onnx"
    if kept.is_file():
        return str(kept)
    model = with_hard_swish(path)
    partial = kept.with_name(f".{kept.name}.{os.getpid()}.partial")
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(model)
        os.replace(partial, kept)  # whole or not at all, whichever process writes it last
    except OSError:
        with suppress(OSError):
            partial.unlink()
        return model
    return str(kept)


def with_hard_swish(path: Path) -> bytes:
    """The ONNX model at `path`, serialized, every written-out hard-swish in it one HardSwish operator (the model
    as it is when it has none)."""
    import onnx

    model = onnx.load(str(path))
    if fuse_hard_swish(model.graph):
        for opset in model.opset_import:
            if opset.domain in _STANDARD_DOMAINS:
                opset.version = max(opset.version, _HARD_SWISH_OPSET)
    return model.SerializeToString()


def fuse_hard_swish(graph: onnx.GraphProto) -> int:
    """Rewrites `graph` in place: each chain Add(x, 3) -> Clip(0, 6) -> Mul(x, .) -> Div(., 6) whose inner results
    feed nothing else becomes HardSwish(x). Returns how many chains were rewritten."""
    from onnx import helper

    links = _Links(graph)
    fused: dict[int, onnx.NodeProto] = {}  # id of the chain's Div -> its HardSwish
    dropped: set[int] = set()
    for div in graph.node:
        chain = links.hard_swish_chain(div)
        if chain is None:
            continue
        x, nodes = chain
        dropped.update(id(node) for node in nodes)
        fused[id(div)] = helper.make_node("HardSwish", [x], [div.output[0]], name=f"{div.name}_hard_swish")
    if not fused:
        return 0
    kept = [fused.get(id(node), node) for node in graph.node if id(node) in fused or id(node) not in dropped]
    still_used = {name for node in kept for name in node.input} | {output.name for output in graph.output}
    kept = [node for node in kept if node.op_type != "Constant" or node.output[0] in still_used]
    del graph.node[:]
    graph.node.extend(kept)
    return len(fused)


class _Links:
    """Which node makes each value of a graph, how many times each value is used, and its scalar constants."""

    def __init__(self, graph: onnx.GraphProto):
        self.producer = {output: node for node in graph.node for output in node.output}
        self.uses = Counter(name for node in graph.node for name in node.input)
        self.uses.update(output.name for output in graph.output)
        self.constants = _scalar_constants(graph)

    def hard_swish_chain(self, div: onnx.NodeProto) -> tuple[str, list[onnx.NodeProto]] | None:
        """(x, the chain's four nodes) when `div` ends a written-out hard-swish of x, else None."""
        if div.op_type != "Div" or self.constants.get(div.input[1]) != 6.0:
            return None
        mul = self._sole_maker(div.input[0], "Mul")
        if mul is None:
            return None
        first, second = mul.input
        for x, clipped in ((first, second), (second, first)):
            clip = self._sole_maker(clipped, "Clip")
            if clip is None or self._clip_bounds(clip) != (0.0, 6.0):
                continue
            add = self._sole_maker(clip.input[0], "Add")
            if add is None or x not in add.input:
                continue
            shift = add.input[1] if add.input[0] == x else add.input[0]
            if self.constants.get(shift) == 3.0:
                return x, [add, clip, mul, div]
        return None

    def _sole_maker(self, value: str, op_type: str) -> onnx.NodeProto | None:
        """The `op_type` node making `value`, when nothing but one node uses `value`."""
        node = self.producer.get(value)
        return node if node is not None and node.op_type == op_type and self.uses[value] == 1 else None

    def _clip_bounds(self, clip: onnx.NodeProto) -> tuple[float | None, float | None]:
        """A Clip's lower and upper bound: its inputs (opset 11 on) or attributes (before)."""
        if len(clip.input) > 1:
            bounds = [self.constants.get(name) if name else None for name in clip.input[1:3]]
            return bounds[0], bounds[1] if len(bounds) > 1 else None
        attributes = {attribute.name: attribute.f for attribute in clip.attribute}
        return attributes.get("min"), attributes.get("max")


def _scalar_constants(graph: onnx.GraphProto) -> dict[str, float]:
    """The graph's one-element floating-point constants (initializers and Constant nodes), by name."""
    from onnx import numpy_helper

    tensors = {tensor.name: tensor for tensor in graph.initializer}
    for node in graph.node:
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            tensors[node.output[0]] = node.attribute[0].t
    values = {}
    for name, tensor in tensors.items():
        array = numpy_helper.to_array(tensor)
        if array.size == 1 and np.issubdtype(array.dtype, np.floating):
            values[name] = float(array.ravel()[0])
    return values
