"""The shared batched inference core for the PaddleOCR-VL recognizer (see core.py).

Names are imported on first use, so that reading ``ocrvl.engine.options`` (the CLI does) does not load torch.
"""

from importlib import import_module

_EXPORTS = {
    "EngineClosedError": "core",
    "EngineStats": "core",
    "InferenceEngine": "core",
    "Placement": "device",
    "resolve_placement": "device",
    "InferenceOptions": "options",
    "RepetitionLimits": "options",
    "RecognitionRequest": "requests",
    "RecognitionResult": "requests",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
