"""``ocrvl serve``: the PaddleOCR-VL recognizer behind an OpenAI-compatible HTTP API, plus document parsing.

Names are imported on first use, so that reading ``ocrvl.serve.options`` (the CLI does) does not load torch.
"""

from ocrvl.lazy import lazy_exports

_EXPORTS = {
    "ServeOptions": "options",
    "ServeService": "app",
    "create_app": "app",
    "run_server": "server",
    "serve_in_thread": "server",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
