"""ocrvl: PaddleOCR-VL document parsing in PyTorch, offline. PDFs and images to Markdown and JSON."""

from __future__ import annotations

__version__ = "0.1.0"

from ocrvl.api import PaddleOCRVL  # noqa: E402
from ocrvl.errors import InputError, OcrvlError, OptionsError, OutputError  # noqa: E402
from ocrvl.options import PipelineOptions  # noqa: E402
from ocrvl.results import DocumentOutput, PageOutput  # noqa: E402

__all__ = [
    "DocumentOutput", "InputError", "OcrvlError", "OptionsError", "OutputError", "PageOutput",
    "PaddleOCRVL", "PipelineOptions", "__version__",
]  # fmt: skip
