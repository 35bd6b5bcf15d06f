"""Written-out hard-swish chains become one HardSwish operator, and the models compute what they computed before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pymupdf
from onnx import TensorProto, helper, numpy_helper

from ocrvl.layout.lite import cdla
from ocrvl.onnx_graphs import hard_swish_model, with_hard_swish
from tests.conftest import SAMPLES


def scalar(name: str, value: float) -> onnx.NodeProto:
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.array(value, np.float32)))


def hard_swish_chain(x: str, out: str) -> list[onnx.NodeProto]:
    """x * clip(x + 3, 0, 6) / 6 as PaddlePaddle exports it for opset 13."""
    return [
        scalar(f"{out}_three", 3.0), scalar(f"{out}_zero", 0.0), scalar(f"{out}_six", 6.0), scalar(f"{out}_den", 6.0),
        helper.make_node("Add", [x, f"{out}_three"], [f"{out}_shifted"]),
        helper.make_node("Clip", [f"{out}_shifted", f"{out}_zero", f"{out}_six"], [f"{out}_clipped"]),
        helper.make_node("Mul", [x, f"{out}_clipped"], [f"{out}_product"]),
        helper.make_node("Div", [f"{out}_product", f"{out}_den"], [out]),
    ]  # fmt: skip


def model_file(tmp_path: Path) -> Path:
    """Conv -> hard-swish -> hard-swish whose shifted input is also an output (so it must stay written out)."""
    rng = np.random.default_rng(0)
    weight = numpy_helper.from_array(rng.normal(size=(4, 3, 3, 3)).astype(np.float32), "weight")
    nodes = [helper.make_node("Conv", ["image", "weight"], ["features"], pads=[1, 1, 1, 1])]
    nodes += hard_swish_chain("features", "activated")
    nodes += hard_swish_chain("activated", "twice")
    graph = helper.make_graph(
        nodes,
        "chains",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 8, 8])],
        [
            helper.make_tensor_value_info("twice", TensorProto.FLOAT, [1, 4, 8, 8]),
            helper.make_tensor_value_info("twice_shifted", TensorProto.FLOAT, [1, 4, 8, 8]),
        ],
        [weight],
    )
    path = tmp_path / "chains.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return path


def run(model: str | bytes, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
    return ort.InferenceSession(model, providers=["CPUExecutionProvider"]).run(None, inputs)


def test_a_chain_feeding_only_itself_becomes_one_operator_with_the_same_outputs(tmp_path):
    path = model_file(tmp_path)
    fused = with_hard_swish(path)
    ops = Counter(node.op_type for node in onnx.load_from_string(fused).graph.node)
    # the first chain is fused; the second keeps its Add, whose result the graph gives out
    assert ops["HardSwish"] == 1 and ops["Add"] == 1 and ops["Div"] == 1
    image = np.random.default_rng(1).normal(scale=3.0, size=(1, 3, 8, 8)).astype(np.float32)
    for before, after in zip(run(str(path), {"image": image}), run(fused, {"image": image}), strict=True):
        np.testing.assert_allclose(after, before, atol=1e-5)


def test_a_model_without_chains_is_left_as_it_is(tmp_path):
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "plain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
    )
    path = tmp_path / "plain.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    model = onnx.load_from_string(with_hard_swish(path))
    assert [node.op_type for node in model.graph.node] == ["Relu"] and model.opset_import[0].version == 13


def test_the_lite_layout_model_finds_the_same_regions_fused(monkeypatch):
    with pymupdf.open(SAMPLES / "table_two_pages.pdf") as doc:
        pix = doc[0].get_pixmap(dpi=100)
        page = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)[:, :, :3].copy()
    fused = cdla.CdlaLayoutDetector().detect(page)
    unfused: list[Path] = []
    monkeypatch.setattr("ocrvl.onnx_graphs.hard_swish_model", lambda path: unfused.append(path) or str(path))
    written_out = cdla.CdlaLayoutDetector().detect(page)
    assert unfused and len(fused) == len(written_out) >= 2
    for a, b in zip(sorted(fused, key=lambda r: r.bbox), sorted(written_out, key=lambda r: r.bbox), strict=True):
        assert a.label == b.label and np.allclose(a.bbox, b.bbox, atol=0.5) and abs(a.score - b.score) < 1e-4


DETECT_IN_A_NEW_PROCESS = f"""
import json, sys
import numpy as np
import pymupdf
from ocrvl.layout.lite.cdla import CdlaLayoutDetector
with pymupdf.open({str(SAMPLES / "table_two_pages.pdf")!r}) as doc:
    pix = doc[0].get_pixmap(dpi=100)
page = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)[:, :, :3].copy()
regions = [[r.label, [round(v, 2) for v in r.bbox]] for r in CdlaLayoutDetector().detect(page)]
print(json.dumps({{"regions": regions, "onnx imported": "onnx" in sys.modules}}))
"""


def detect_in_a_new_process(cache: Path) -> dict:
    env = dict(os.environ, XDG_CACHE_HOME=str(cache))
    done = subprocess.run([sys.executable, "-c", DETECT_IN_A_NEW_PROCESS], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_rewritten_model_is_kept_and_later_processes_open_it_without_onnx(tmp_path):
    first = detect_in_a_new_process(tmp_path)
    (kept,) = (tmp_path / "ocrvl" / "models").iterdir()
    assert kept.name.startswith("layout_cdla.hard-swish-") and first["onnx imported"]
    later = detect_in_a_new_process(tmp_path)
    assert not later["onnx imported"] and later["regions"] == first["regions"]


def test_where_no_copy_can_be_kept_the_model_is_rewritten_in_memory(tmp_path, monkeypatch):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    model = hard_swish_model(cdla.bundled_model_path())
    assert isinstance(model, bytes) and Counter(n.op_type for n in onnx.load_from_string(model).graph.node)["HardSwish"]
    assert list(tmp_path.iterdir()) == [blocked]
