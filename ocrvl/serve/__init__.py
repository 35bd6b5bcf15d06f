"""``ocrvl serve``: the PaddleOCR-VL recognizer behind an OpenAI-compatible HTTP API, plus document parsing.

Names are imported on first use, so that reading ``ocrvl.serve.options`` (the CLI does) does not load torch.
"""

from importlib import import_module

_EXPORTS = {
    "ServeOptions": "options",
    "ServeService": "app",
    "create_app": "app",
    "run_server": "server",
    "serve_in_thread": "server",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
