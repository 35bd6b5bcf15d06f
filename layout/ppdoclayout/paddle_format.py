"""PaddlePaddle inference files, read and written without PaddlePaddle.

A Paddle 3 inference model is a folder with two files:

- ``inference.json``: the PIR program as JSON. Parameters are ``"p"`` ops (attribute list ``A`` ending in the
  parameter name, output ``O`` giving dtype and shape, ``OA`` = [persistable, stop_gradient, trainable]); the
  other ops name their inputs by value id (``"%"``) in execution order, so which op consumes which parameter,
  and when, is the structure a name like ``conv2d_134.w_0`` does not carry.
- ``inference.pdiparams``: the persistable parameters, one serialized dense tensor after another, in the byte
  order of their names. Paddle Inference sorts the ``ParameterOp`` names and reads the file in that order
  (PaddlePaddle/Paddle ``paddle/fluid/inference/api/analysis_predictor.cc``, ``SaveOrLoadPirParameters``;
  Paddle-Lite's ``LoadCombinedParamsPb`` sorts the same way). Each tensor is: ``uint32`` version (0),
  ``uint64`` LoD level count and per level ``uint64`` byte size + offsets, ``uint32`` version (0), ``int32``
  size of a ``VarType.TensorDesc`` protobuf (field 1: data type enum, field 2: repeated int64 dims), the
  protobuf, then the raw little-endian data (``TensorToStream`` in Paddle's ``tensor_util.cc``).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ocrvl.errors import OcrvlError

PROGRAM_FILE = "inference.json"
PARAMS_FILE = "inference.pdiparams"


class PaddleFormatError(OcrvlError):
    """A Paddle inference file is missing, corrupt, truncated or does not fit the model."""

    def __init__(self, path: Path | str, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


# framework.proto VarType.Type codes of the dense tensor types a parameter file holds.
_PROTO_TO_NUMPY: dict[int, np.dtype] = {
    0: np.dtype(np.bool_),
    1: np.dtype("<i2"),
    2: np.dtype("<i4"),
    3: np.dtype("<i8"),
    4: np.dtype("<f2"),
    5: np.dtype("<f4"),
    6: np.dtype("<f8"),
    20: np.dtype(np.uint8),
    21: np.dtype(np.int8),
}
_PROTO_BF16 = 22  # stored as the upper 16 bits of a float32; read back as float32
_NUMPY_TO_PROTO = {dtype: code for code, dtype in _PROTO_TO_NUMPY.items()}

# PIR type names of the same dtypes, as inference.json spells them.
_PIR_TO_NUMPY: dict[str, np.dtype] = {
    "0.t_bool": np.dtype(np.bool_),
    "0.t_i16": np.dtype("<i2"),
    "0.t_i32": np.dtype("<i4"),
    "0.t_i64": np.dtype("<i8"),
    "0.t_f16": np.dtype("<f2"),
    "0.t_f32": np.dtype("<f4"),
    "0.t_f64": np.dtype("<f8"),
    "0.t_ui8": np.dtype(np.uint8),
    "0.t_i8": np.dtype(np.int8),
    "0.t_bf16": np.dtype("<f4"),
}
_NUMPY_TO_PIR = {dtype: name for name, dtype in _PIR_TO_NUMPY.items() if name != "0.t_bf16"}

_TENSOR_VERSION = 0
_FLOAT32 = np.dtype(np.float32)


# ----------------------------------------------------------------------------- inference.pdiparams


def read_pdiparams(path: Path) -> list[np.ndarray]:
    """Every tensor of a combined parameter file, in file order."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise PaddleFormatError(path, f"cannot read the parameter file: {exc.strerror or exc}") from exc
    reader = _ByteReader(data, Path(path))
    tensors = []
    while not reader.at_end():
        tensors.append(_read_tensor(reader, len(tensors)))
    return tensors


def write_pdiparams(path: Path, tensors: Iterable[np.ndarray]) -> None:
    """A combined parameter file holding `tensors` in the given order (callers sort them by name)."""
    with open(path, "wb") as out:
        for tensor in tensors:
            out.write(_serialize_tensor(np.asarray(tensor)))


def _serialize_tensor(tensor: np.ndarray) -> bytes:
    dtype = tensor.dtype.newbyteorder("<") if tensor.dtype.byteorder == ">" else tensor.dtype
    code = _NUMPY_TO_PROTO.get(np.dtype(dtype))
    if code is None:
        raise ValueError(f"no Paddle tensor type for numpy dtype {tensor.dtype}")
    desc = _varint_field(1, code) + b"".join(_varint_field(2, dim) for dim in tensor.shape)
    header = struct.pack("<IQI", _TENSOR_VERSION, 0, _TENSOR_VERSION) + struct.pack("<i", len(desc))
    return header + desc + np.ascontiguousarray(tensor, dtype=dtype).tobytes()


def _read_tensor(reader: _ByteReader, index: int) -> np.ndarray:
    what = f"tensor {index}"
    version = reader.unpack("<I", what)
    if version != _TENSOR_VERSION:
        raise reader.error(f"{what}: unknown tensor version {version} (not a Paddle parameter file?)")
    for _ in range(reader.unpack("<Q", what)):  # LoD levels: offsets parameters never need
        reader.take(reader.unpack("<Q", what), what)
    version = reader.unpack("<I", what)
    if version != _TENSOR_VERSION:
        raise reader.error(f"{what}: unknown tensor version {version}")
    desc_size = reader.unpack("<i", what)
    if not 0 < desc_size < 4096:
        raise reader.error(f"{what}: implausible tensor description size {desc_size}")
    code, dims = _parse_tensor_desc(reader.take(desc_size, what), reader, what)
    count = int(np.prod(dims, dtype=np.int64)) if dims else 1
    if code == _PROTO_BF16:
        raw = np.frombuffer(reader.take(count * 2, what), dtype="<u2")
        return (raw.astype(np.uint32) << 16).view(np.float32).reshape(dims)
    dtype = _PROTO_TO_NUMPY.get(code)
    if dtype is None:
        raise reader.error(f"{what}: unsupported Paddle data type {code}")
    return np.frombuffer(reader.take(count * dtype.itemsize, what), dtype=dtype).reshape(dims).copy()


def _parse_tensor_desc(desc: bytes, reader: _ByteReader, what: str) -> tuple[int, list[int]]:
    """(data type code, dims) of a serialized ``VarType.TensorDesc``; dims may be packed or not."""
    code, dims, pos = None, [], 0
    try:
        while pos < len(desc):
            key, pos = _read_varint(desc, pos)
            number, wire = key >> 3, key & 7
            if number == 1 and wire == 0:
                code, pos = _read_varint(desc, pos)
            elif number == 2 and wire == 0:
                dim, pos = _read_varint(desc, pos)
                dims.append(_signed64(dim))
            elif number == 2 and wire == 2:
                size, pos = _read_varint(desc, pos)
                end = pos + size
                while pos < end:
                    dim, pos = _read_varint(desc, pos)
                    dims.append(_signed64(dim))
            else:
                raise ValueError(f"unexpected field {number}")
    except (IndexError, ValueError) as exc:
        raise reader.error(f"{what}: corrupt tensor description ({exc})") from exc
    if code is None or any(d < 0 for d in dims):
        raise reader.error(f"{what}: corrupt tensor description")
    return code, dims


def _varint_field(number: int, value: int) -> bytes:
    return _varint((number << 3) | 0) + _varint(value)


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


class _ByteReader:
    def __init__(self, data: bytes, path: Path):
        self.data = data
        self.pos = 0
        self.path = path

    def at_end(self) -> bool:
        return self.pos >= len(self.data)

    def take(self, size: int, what: str) -> bytes:
        if self.pos + size > len(self.data):
            raise self.error(
                f"truncated: {what} needs {size} bytes at offset {self.pos}, the file ends at {len(self.data)}"
            )
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk

    def unpack(self, fmt: str, what: str) -> int:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))[0]

    def error(self, problem: str) -> PaddleFormatError:
        return PaddleFormatError(self.path, problem)


# ----------------------------------------------------------------------------- inference.json


@dataclass(frozen=True)
class ProgramParameter:
    """A ``"p"`` op of the program: one stored tensor."""

    name: str
    dtype: np.dtype
    shape: tuple[int, ...]
    persistable: bool
    value_id: int


@dataclass(frozen=True)
class ParameterUse:
    """The first op that reads a parameter: its position in the program, type and input slot."""

    op_index: int
    op_type: str  # e.g. "conv2d", "batch_norm_", "matmul" (dialect prefix dropped)
    input_index: int
    parameter: ProgramParameter


@dataclass
class PirProgram:
    """The parts of a PIR program a weight loader needs: parameters and the ops that read them."""

    path: Path
    ops: list[dict]
    parameters: list[ProgramParameter]

    @classmethod
    def load(cls, path: Path) -> PirProgram:
        path = Path(path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise PaddleFormatError(path, f"cannot read the program: {exc.strerror or exc}") from exc
        except ValueError as exc:
            raise PaddleFormatError(path, f"not a JSON program: {exc}") from exc
        try:
            if document["base_code"]["magic"] != "pir":
                raise PaddleFormatError(path, "not a PIR program (base_code.magic is not 'pir')")
            ops = document["program"]["regions"][0]["blocks"][0]["ops"]
            parameters = [_parameter(op) for op in ops if op["#"] == "p"]
        except (KeyError, IndexError, TypeError) as exc:
            raise PaddleFormatError(path, f"unexpected PIR program layout ({exc!r})") from exc
        return cls(path, ops, parameters)

    def parameter_uses(self) -> list[ParameterUse]:
        """The first use of each parameter, in execution order (op position, then input slot)."""
        by_value = {p.value_id: p for p in self.parameters}
        uses: list[ParameterUse] = []
        seen: set[int] = set()
        for index, op in enumerate(self.ops):
            if op["#"] == "p":
                continue
            for slot, operand in enumerate(op.get("I") or []):
                value = operand.get("%") if isinstance(operand, dict) else None
                if value in by_value and value not in seen:
                    seen.add(value)
                    uses.append(ParameterUse(index, op["#"].split(".", 1)[-1], slot, by_value[value]))
        return uses

    def assigned_values(self) -> list[list[float]]:
        """The value lists of the program's ``assign_value`` ops (constant tables built into the graph)."""
        tables = []
        for op in self.ops:
            if op["#"].split(".", 1)[-1] in ("assign_value", "assign_value_"):
                for attribute in op.get("A") or []:
                    if isinstance(attribute, dict) and attribute.get("N") == "values":
                        tables.append([item.get("D") for item in attribute["AT"]["D"]])
        return tables


def _parameter(op: dict) -> ProgramParameter:
    name = op["A"][-1]
    type_name, shape = op["O"]["TT"]["D"][0]["#"], op["O"]["TT"]["D"][1]
    dtype = _PIR_TO_NUMPY.get(type_name)
    if not isinstance(name, str) or dtype is None:
        raise KeyError(f"parameter op {op['A']!r} of type {type_name}")
    persistable = bool(op.get("OA", [1])[0])
    return ProgramParameter(name, dtype, tuple(int(d) for d in shape), persistable, int(op["O"]["%"]))


def stored_order(names: Iterable[str]) -> list[str]:
    """Parameter names in the order the combined file stores them: byte order, as C++ ``std::sort`` leaves them."""
    return sorted(names, key=lambda name: name.encode("utf-8"))


def read_inference(folder: Path) -> tuple[PirProgram, dict[str, np.ndarray]]:
    """The program and every stored parameter by name, each checked against the program's dtype and shape."""
    folder = Path(folder)
    program = PirProgram.load(folder / PROGRAM_FILE)
    params_path = folder / PARAMS_FILE
    tensors = read_pdiparams(params_path)
    stored = [p for p in program.parameters if p.persistable]
    by_name = {p.name: p for p in stored}
    names = stored_order(by_name)
    if len(tensors) != len(names):
        raise PaddleFormatError(
            params_path, f"holds {len(tensors)} tensors, the program {PROGRAM_FILE} declares {len(names)} parameters"
        )
    values = {}
    for name, tensor in zip(names, tensors):
        expected = by_name[name]
        if tuple(tensor.shape) != expected.shape or tensor.dtype != expected.dtype:
            raise PaddleFormatError(
                params_path,
                f"tensor {name!r} is {tensor.dtype}{list(tensor.shape)}, "
                f"the program declares {expected.dtype}{list(expected.shape)}",
            )
        values[name] = tensor
    return program, values


# ----------------------------------------------------------------------------- writing a program


@dataclass
class ProgramBuilder:
    """Builds ``inference.json`` in the PIR JSON layout: parameter ops first, then ops in execution order."""

    parameter_ops: list[dict] = field(default_factory=list)
    ops: list[dict] = field(default_factory=list)
    _next_value: int = 1  # value 0 is PIR's null operand

    def _value(self) -> int:
        value = self._next_value
        self._next_value += 1
        return value

    def parameter(self, name: str, array: np.ndarray, trainable: bool = True) -> int:
        value = self._value()
        self.parameter_ops.append(
            {
                "#": "p",
                "A": [0, 1, 1, name],
                "DA": [],
                "O": {"%": value, "TT": _tensor_type(array.dtype, array.shape)},
                "OA": [1, 0 if trainable else 1, 1 if trainable else 0],
                "QA": [],
            }
        )
        return value

    def data(self, name: str, dtype: np.dtype, shape: Sequence[int]) -> int:
        attrs = [
            _attr("name", name),
            {"AT": {"#": "1.a_intarray", "D": list(shape)}, "N": "shape"},
            {"AT": {"#": "1.a_dtype", "D": np.dtype(dtype).name}, "N": "dtype"},
            {"AT": {"#": "1.a_place", "D": [0, 0, ""]}, "N": "place"},
        ]
        return self.op("data", [], dtype, shape, attrs)

    def op(
        self,
        op_type: str,
        inputs: Sequence[int],
        dtype: np.dtype = _FLOAT32,
        shape: Sequence[int] = (-1,),
        attrs: list[dict] | None = None,
    ) -> int:
        value = self._value()
        self.ops.append(
            {
                "#": f"1.{op_type}",
                "A": attrs or [],
                "I": [{"%": i} for i in inputs],
                "O": [{"%": value, "TT": _tensor_type(dtype, shape)}],
                "OA": [_attr("stop_gradient", [False])],
            }
        )
        return value

    def fetch(self, value: int, column: int, dtype: np.dtype, shape: Sequence[int]) -> None:
        self.op("fetch", [value], dtype, shape, [_attr("name", f"fetch_name_{column}"), _attr("col", column)])

    def to_json(self) -> dict:
        # The exporter lists parameter ops last-used first; keep that look.
        ops = list(reversed(self.parameter_ops)) + self.ops
        block = {"#": "block_0", "args": [], "ops": ops}
        return {
            "base_code": {"magic": "pir", "trainable": True, "version": 3},
            "program": {"regions": [{"#": "region_0", "blocks": [block]}]},
        }


def write_inference(folder: Path, builder: ProgramBuilder, values: dict[str, np.ndarray]) -> None:
    """``inference.json`` from `builder` and ``inference.pdiparams`` holding `values` in stored order."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / PROGRAM_FILE).write_text(json.dumps(builder.to_json()), encoding="utf-8")
    write_pdiparams(folder / PARAMS_FILE, (values[name] for name in stored_order(values)))


def struct_name_attr(path: str) -> dict:
    return _attr("struct_name", path)


def _tensor_type(dtype: np.dtype, shape: Sequence[int]) -> dict:
    return {"#": "0.t_dtensor", "D": [{"#": _NUMPY_TO_PIR[np.dtype(dtype)]}, [int(d) for d in shape], "NCHW", [], 0]}


def _attr(name: str, value: object) -> dict:
    return {"AT": _attr_value(value), "N": name}


def _attr_value(value: object) -> dict:
    if isinstance(value, bool):
        return {"#": "0.a_bool", "D": value}
    if isinstance(value, int):
        return {"#": "0.a_i32", "D": value}
    if isinstance(value, float):
        return {"#": "0.a_f32", "D": value}
    if isinstance(value, str):
        return {"#": "0.a_str", "D": value}
    if isinstance(value, list):
        return {"#": "0.a_array", "D": [_attr_value(item) for item in value]}
    raise TypeError(f"no PIR attribute type for {value!r}")
