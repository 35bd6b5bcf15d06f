"""The shared batched inference core for the PaddleOCR-VL recognizer (see core.py)."""

from .core import EngineClosedError, EngineStats, InferenceEngine
from .device import Placement, resolve_placement
from .options import InferenceOptions, RepetitionLimits
from .requests import RecognitionRequest, RecognitionResult, task_prompt

__all__ = [
    "EngineClosedError",
    "EngineStats",
    "InferenceEngine",
    "InferenceOptions",
    "Placement",
    "RecognitionRequest",
    "RecognitionResult",
    "RepetitionLimits",
    "resolve_placement",
    "task_prompt",
]
