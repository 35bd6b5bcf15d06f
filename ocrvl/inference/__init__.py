"""The shared batched inference core for the PaddleOCR-VL recognizer (see core.py).

Names are imported on first use, so that reading ``ocrvl.inference.options`` (the CLI does) does not load torch.
"""

from ocrvl.lazy import lazy_exports

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
    "Recognizer": "recognizer",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
