"""Paddle inference files without PaddlePaddle: the parameter file's bytes, the program's structure, and the
PP-DocLayoutV2 weights mapped through both."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
import torch

from ocrvl.errors import OcrvlError
from ocrvl.layout.ppdoclayout.convert import (
    ARCHITECTURE_FILE,
    LayoutConversionError,
    convert_layout_model,
    layout_units,
    load_paddle_layout,
)
from ocrvl.layout.ppdoclayout.paddle_format import (
    PaddleFormatError,
    PirProgram,
    read_inference,
    read_pdiparams,
    stored_order,
    write_pdiparams,
)
from ocrvl.testing.paddle_layout import write_paddle_inference
from ocrvl.testing.ppdoclayout import random_layout_model, write_tiny_paddle_layout


@pytest.fixture(scope="module")
def tiny_model():
    return random_layout_model(seed=3)


@pytest.fixture(scope="module")
def paddle_folder(tmp_path_factory, tiny_model):
    return write_paddle_inference(tiny_model, tmp_path_factory.mktemp("paddle"))


def test_pdiparams_round_trip_keeps_dtype_shape_and_values(tmp_path):
    rng = np.random.default_rng(0)
    tensors = [
        rng.standard_normal((3, 4, 2, 2)).astype(np.float32),
        rng.standard_normal(7).astype(np.float64),
        rng.integers(-5, 5, (2, 3)).astype(np.int64),
        rng.integers(-5, 5, 4).astype(np.int32),
        rng.random((1, 13, 1)) > 0.5,
        np.float32(2.5).reshape(()),
        np.zeros((0, 3), dtype=np.float32),
    ]
    write_pdiparams(tmp_path / "p.pdiparams", tensors)
    back = read_pdiparams(tmp_path / "p.pdiparams")
    assert len(back) == len(tensors)
    for original, read in zip(tensors, back):
        assert read.dtype == original.dtype and read.shape == original.shape
        np.testing.assert_array_equal(read, original)


def test_pdiparams_tensor_bytes_follow_paddles_layout(tmp_path):
    write_pdiparams(tmp_path / "p.pdiparams", [np.arange(6, dtype=np.float32).reshape(2, 3)])
    data = (tmp_path / "p.pdiparams").read_bytes()
    version, lod_levels, tensor_version, desc_size = struct.unpack_from("<IQIi", data)
    assert (version, lod_levels, tensor_version) == (0, 0, 0)
    # TensorDesc: field 1 = FP32 (5), then dims 2 and 3 as unpacked field-2 varints, as protobuf C++ writes them
    assert data[20 : 20 + desc_size] == bytes([0x08, 5, 0x10, 2, 0x10, 3])
    assert data[20 + desc_size :] == np.arange(6, dtype="<f4").tobytes()


def test_reader_accepts_packed_dims_too(tmp_path):
    desc = bytes([0x08, 5, 0x12, 2, 2, 3])  # dims as one packed field
    payload = struct.pack("<IQIi", 0, 0, 0, len(desc)) + desc + np.ones(6, dtype="<f4").tobytes()
    (tmp_path / "p.pdiparams").write_bytes(payload)
    assert read_pdiparams(tmp_path / "p.pdiparams")[0].shape == (2, 3)


def test_truncated_parameter_file_names_the_problem(tmp_path):
    write_pdiparams(tmp_path / "p.pdiparams", [np.ones((64, 64), dtype=np.float32)])
    data = (tmp_path / "p.pdiparams").read_bytes()
    (tmp_path / "p.pdiparams").write_bytes(data[:-100])
    with pytest.raises(PaddleFormatError, match="truncated") as caught:
        read_pdiparams(tmp_path / "p.pdiparams")
    assert "p.pdiparams" in str(caught.value)


def test_garbage_parameter_file_is_a_clear_error(tmp_path):
    (tmp_path / "p.pdiparams").write_bytes(b"version https://git-lfs.github.com/spec/v1\noid sha256:00\n")
    with pytest.raises(OcrvlError, match="tensor version|truncated|description"):
        read_pdiparams(tmp_path / "p.pdiparams")


def test_stored_order_is_byte_order_of_names():
    names = ["linear_10.w_0", "linear_2.w_0", "conv2d_1.b_0", "batch_norm2d_0.w_2_deepcopy_9", "Z"]
    assert stored_order(names) == [
        "Z",
        "batch_norm2d_0.w_2_deepcopy_9",
        "conv2d_1.b_0",
        "linear_10.w_0",
        "linear_2.w_0",
    ]


def test_written_folder_looks_like_the_release(paddle_folder, tiny_model):
    document = json.loads((paddle_folder / "inference.json").read_text())
    assert document["base_code"]["magic"] == "pir"
    ops = document["program"]["regions"][0]["blocks"][0]["ops"]
    params = [op for op in ops if op["#"] == "p"]
    names = [op["A"][-1] for op in params]
    assert any(n.startswith("conv2d_") and n.endswith(".w_0") for n in names)
    assert any(n.startswith("batch_norm2d_") and n.endswith(".w_2") for n in names)
    assert any(n.startswith("linear_") and n.endswith(".b_0") for n in names)
    assert {"eager_tmp_0", "eager_tmp_1", "eager_tmp_2", "generated_tensor_0"} <= set(names)  # the constants
    assert [op["A"][0]["AT"]["D"] for op in ops if op["#"] == "1.fetch"] == ["fetch_name_0", "fetch_name_1"]
    # Linear weights are stored [in, out]
    program, values = read_inference(paddle_folder)
    first_linear = next(u for u in program.parameter_uses() if u.op_type == "matmul")
    assert values[first_linear.parameter.name].shape == (16, 16)
    assert "label_list:\n- abstract\n" in (paddle_folder / "inference.yml").read_text()
    assert (paddle_folder / ARCHITECTURE_FILE).is_file()  # tiny architecture, not the release's


def test_parameter_file_order_is_the_sorted_names(paddle_folder):
    program = PirProgram.load(paddle_folder / "inference.json")
    tensors = read_pdiparams(paddle_folder / "inference.pdiparams")
    by_name = {p.name: p for p in program.parameters}
    shapes = [by_name[name].shape for name in stored_order(by_name)]
    assert [t.shape for t in tensors] == shapes
    assert shapes != [p.shape for p in program.parameters]  # so the order really is the names', not the program's


def test_loaded_weights_equal_the_written_model(paddle_folder, tiny_model):
    loaded = load_paddle_layout(paddle_folder)
    expected = tiny_model.state_dict()
    got = loaded.state_dict()
    last = tiny_model.config.decoder_layers - 1
    for key, value in expected.items():
        if key.startswith("model.denoising_class_embed") or "rel_pos_x_bias" in key or "rel_pos_y_bias" in key:
            continue  # training-only or never used
        if "num_batches_tracked" in key:
            continue
        if key.startswith("model.decoder.class_embed.") and not key.startswith(f"model.decoder.class_embed.{last}."):
            continue  # pruned from exports; filled from the last head
        assert torch.equal(got[key], value), key
    assert loaded.config.class_thresholds == pytest.approx(tiny_model.config.class_thresholds)
    assert loaded.config.class_order == tiny_model.config.class_order
    assert loaded.config.id2label == tiny_model.config.id2label


def test_every_program_parameter_fits_exactly_one_unit(paddle_folder, tiny_model):
    program = PirProgram.load(paddle_folder / "inference.json")
    assert len(program.parameter_uses()) == len(program.parameters)
    units = layout_units(tiny_model)
    assert len({(u.kind, u.target) for u in units}) == len(units)


def test_a_parameter_read_by_the_wrong_kind_of_op_is_refused_with_the_culprit(tmp_path, tiny_model):
    folder = write_paddle_inference(tiny_model, tmp_path / "m")
    path = folder / "inference.json"
    document = json.loads(path.read_text())
    ops = document["program"]["regions"][0]["blocks"][0]["ops"]
    first_norm = next(op for op in ops if op["#"] == "1.batch_norm_")
    first_norm["#"] = "1.layer_norm"  # same tensors, but now they would be a layer norm's
    path.write_text(json.dumps(document))
    with pytest.raises(LayoutConversionError, match="does not fit model.backbone.model.embedder.stem1"):
        load_paddle_layout(folder)


def test_a_parameter_of_the_wrong_shape_is_refused(tmp_path, tiny_model):
    folder = write_paddle_inference(tiny_model, tmp_path / "m")
    path = folder / "inference.json"
    document = json.loads(path.read_text())
    ops = document["program"]["regions"][0]["blocks"][0]["ops"]
    shapes = {op["O"]["%"]: op["O"]["TT"]["D"][1] for op in ops if op["#"] == "p"}
    linears = [op for op in ops if op["#"] == "1.matmul" and op["I"][1]["%"] in shapes]
    first = linears[0]  # the AIFI output projection, 16 x 16; swap in the next linear of another shape
    other = next(op for op in linears if shapes[op["I"][1]["%"]] != shapes[first["I"][1]["%"]])
    first["I"][1], other["I"][1] = other["I"][1], first["I"][1]
    path.write_text(json.dumps(document))
    with pytest.raises(LayoutConversionError, match="does not fit"):
        load_paddle_layout(folder)


def test_a_different_architecture_is_refused(tmp_path, tiny_model):
    folder = write_paddle_inference(tiny_model, tmp_path / "m")
    architecture = json.loads((folder / ARCHITECTURE_FILE).read_text())
    architecture["decoder_ffn_dim"] = 64  # the loader now expects wider decoder feed-forward layers
    (folder / ARCHITECTURE_FILE).write_text(json.dumps(architecture))
    with pytest.raises(LayoutConversionError, match=r"does not fit model.decoder.layers.0.mlp.fc1 .*\[16, 64\]"):
        load_paddle_layout(folder)


def test_parameter_count_mismatch_is_refused(tmp_path, tiny_model):
    folder = write_paddle_inference(tiny_model, tmp_path / "m")
    tensors = read_pdiparams(folder / "inference.pdiparams")
    write_pdiparams(folder / "inference.pdiparams", tensors[:-1])
    with pytest.raises(PaddleFormatError, match="tensors, the program inference.json declares"):
        load_paddle_layout(folder)


def test_convert_writes_a_transformers_folder(tmp_path, paddle_folder, tiny_model):
    out = convert_layout_model(paddle_folder, tmp_path / "converted")
    config = json.loads((out / "config.json").read_text())
    assert config["model_type"] == "pp_doclayout_v2"
    assert config["class_order"] == list(tiny_model.config.class_order)
    assert (out / "model.safetensors").stat().st_size > 100_000


def test_convert_reports_missing_files(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(PaddleFormatError, match="inference.json"):
        convert_layout_model(tmp_path / "empty", tmp_path / "out")


def test_convert_reports_a_truncated_release(tmp_path):
    folder = write_tiny_paddle_layout(tmp_path / "m")
    params = folder / "inference.pdiparams"
    params.write_bytes(params.read_bytes()[: params.stat().st_size // 2])
    with pytest.raises(PaddleFormatError, match="truncated"):
        convert_layout_model(folder, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_corrupt_program_is_a_clear_error(tmp_path):
    folder = write_tiny_paddle_layout(tmp_path / "m")
    (folder / "inference.json").write_text("{not json")
    with pytest.raises(PaddleFormatError, match="not a JSON program"):
        load_paddle_layout(folder)
