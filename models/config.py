"""Configuration of the PaddleOCR-VL recognizer, read from either checkpoint layout.

transformers' native ``config.json`` nests ``text_config`` and ``vision_config`` and names rotary settings
``rope_parameters``; the original release keeps the text settings at the top level with ``rope_theta`` and
``rope_scaling``. Both parse into the same dataclasses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ocrvl.errors import OcrvlError


class ModelConfigError(OcrvlError):
    """A checkpoint's config.json does not describe a PaddleOCR-VL model ocrvl can run."""


@dataclass(frozen=True)
class VisionConfig:
    hidden_size: int = 1152
    intermediate_size: int = 4304
    num_hidden_layers: int = 27
    num_attention_heads: int = 16
    num_channels: int = 3
    image_size: int = 384
    patch_size: int = 14
    hidden_act: str = "gelu_pytorch_tanh"
    layer_norm_eps: float = 1e-6
    spatial_merge_size: int = 2
    rope_theta: float = 10000.0

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads


@dataclass(frozen=True)
class MoEConfig:
    """ERNIE-4.5 style mixture of experts: softmax router, top-k with a selection bias, shared experts."""

    num_experts: int
    top_k: int
    intermediate_size: int
    num_shared_experts: int = 0
    layer_start_index: int = 1
    layer_end_index: int = -1
    layer_interval: int = 1
    norm_min: float = 1e-12


@dataclass(frozen=True)
class TextConfig:
    vocab_size: int = 103424
    hidden_size: int = 1024
    intermediate_size: int = 3072
    num_hidden_layers: int = 18
    num_attention_heads: int = 16
    num_key_value_heads: int = 2
    head_dim: int = 128
    hidden_act: str = "silu"
    rms_norm_eps: float = 1e-5
    rope_theta: float = 500000.0
    mrope_section: tuple[int, int, int] = (16, 24, 24)
    use_bias: bool = False
    tie_word_embeddings: bool = True
    moe: MoEConfig | None = None

    def is_moe_layer(self, index: int) -> bool:
        if self.moe is None:
            return False
        end = self.num_hidden_layers - 1 if self.moe.layer_end_index == -1 else self.moe.layer_end_index
        return (index + 1) % self.moe.layer_interval == 0 and self.moe.layer_start_index <= index <= end


@dataclass(frozen=True)
class ModelConfig:
    vision: VisionConfig = field(default_factory=VisionConfig)
    text: TextConfig = field(default_factory=TextConfig)
    image_token_id: int = 100295
    vision_start_token_id: int = 101305
    vision_end_token_id: int = 101306
    bos_token_id: int = 1
    eos_token_id: int = 2
    pad_token_id: int = 0

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ModelConfig:
        model_type = raw.get("model_type", "paddleocr_vl")
        if model_type != "paddleocr_vl":
            raise ModelConfigError(f"config.json has model_type {model_type!r}; expected 'paddleocr_vl'")
        text_raw = raw.get("text_config") or raw
        vision_raw = raw.get("vision_config") or {}
        return cls(
            vision=_vision_from_dict(vision_raw),
            text=_text_from_dict(text_raw, tie_default=raw.get("tie_word_embeddings", True)),
            image_token_id=raw.get("image_token_id", 100295),
            vision_start_token_id=raw.get("vision_start_token_id", 101305),
            vision_end_token_id=raw.get("vision_end_token_id", 101306),
            bos_token_id=_first(text_raw.get("bos_token_id", raw.get("bos_token_id", 1))),
            eos_token_id=_first(text_raw.get("eos_token_id", raw.get("eos_token_id", 2))),
            pad_token_id=_first(text_raw.get("pad_token_id", raw.get("pad_token_id", 0))),
        )

    def to_native_dict(self) -> dict[str, Any]:
        """config.json as transformers' ``PaddleOCRVLConfig.save_pretrained`` lays it out."""
        text = _text_to_dict(self.text)
        text.update(
            model_type="paddleocr_vl_text",
            rope_parameters={"rope_type": "default", "rope_theta": self.text.rope_theta,
                             "mrope_section": list(self.text.mrope_section)},
            bos_token_id=self.bos_token_id, eos_token_id=self.eos_token_id, pad_token_id=self.pad_token_id,
        )
        vision = _vision_to_dict(self.vision)
        vision.update(model_type="paddleocr_vl_vision",
                      rope_parameters={"rope_type": "axial", "rope_theta": self.vision.rope_theta})
        return {
            "architectures": ["PaddleOCRVLForConditionalGeneration"],
            "model_type": "paddleocr_vl",
            "text_config": text,
            "vision_config": vision,
            "tie_word_embeddings": self.text.tie_word_embeddings,
            **self._token_ids(),
        }

    def to_original_dict(self) -> dict[str, Any]:
        """config.json as the original PaddleOCR-VL release lays it out (text settings at the top level)."""
        text = _text_to_dict(self.text)
        text.update(
            rope_theta=self.text.rope_theta,
            rope_scaling={"type": "default", "rope_type": "default", "mrope_section": list(self.text.mrope_section)},
            bos_token_id=self.bos_token_id, eos_token_id=self.eos_token_id, pad_token_id=self.pad_token_id,
        )
        vision = _vision_to_dict(self.vision)
        vision["model_type"] = "paddleocr_vl"
        return {
            "architectures": ["PaddleOCRVLForConditionalGeneration"],
            "model_type": "paddleocr_vl",
            **text,
            "vision_config": vision,
            **self._token_ids(),
        }

    def _token_ids(self) -> dict[str, int]:
        return {
            "image_token_id": self.image_token_id,
            "vision_start_token_id": self.vision_start_token_id,
            "vision_end_token_id": self.vision_end_token_id,
        }


def _first(value: int | list[int]) -> int:
    return value[0] if isinstance(value, list) else value


def _known(cls: type, raw: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in raw.items() if k in names}


def _vision_from_dict(raw: dict[str, Any]) -> VisionConfig:
    values = _known(VisionConfig, raw)
    rope = raw.get("rope_parameters") or {}
    if "rope_theta" in rope:
        values["rope_theta"] = rope["rope_theta"]
    return VisionConfig(**values)


def _text_from_dict(raw: dict[str, Any], tie_default: bool) -> TextConfig:
    values = _known(TextConfig, raw)
    values.pop("moe", None)
    rope = raw.get("rope_parameters") or raw.get("rope_scaling") or {}
    if "rope_theta" in rope:
        values["rope_theta"] = rope["rope_theta"]
    if "mrope_section" in rope:
        values["mrope_section"] = tuple(rope["mrope_section"])
    values.setdefault("tie_word_embeddings", tie_default)
    if values.get("head_dim") is None and "hidden_size" in values:
        values["head_dim"] = values["hidden_size"] // values.get("num_attention_heads", 16)
    if values.get("num_key_value_heads") is None:
        values["num_key_value_heads"] = values.get("num_attention_heads", 16)
    return TextConfig(**values, moe=_moe_from_dict(raw))


def _moe_from_dict(raw: dict[str, Any]) -> MoEConfig | None:
    if not raw.get("moe_num_experts"):
        return None
    return MoEConfig(
        num_experts=raw["moe_num_experts"],
        top_k=raw.get("moe_k", 6),
        intermediate_size=raw.get("moe_intermediate_size", raw.get("intermediate_size")),
        num_shared_experts=raw.get("moe_num_shared_experts", 0),
        layer_start_index=raw.get("moe_layer_start_index", 1),
        layer_end_index=raw.get("moe_layer_end_index", -1),
        layer_interval=raw.get("moe_layer_interval", 1),
        norm_min=raw.get("moe_norm_min", 1e-12),
    )


def _vision_to_dict(config: VisionConfig) -> dict[str, Any]:
    values = asdict(config)
    values.pop("rope_theta")
    return values


def _text_to_dict(config: TextConfig) -> dict[str, Any]:
    values = asdict(config)
    for key in ("moe", "rope_theta", "mrope_section"):
        values.pop(key)
    if config.moe is not None:
        values.update({"moe_k" if k == "top_k" else f"moe_{k}": v for k, v in asdict(config.moe).items()})
    return values
