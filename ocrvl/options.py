"""The options of a parsing run: one typed object, PaddleOCR-VL's parameter names where the concept is the same."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from ocrvl.errors import OptionsError
from ocrvl.postprocess.markdown import DEFAULT_MARKDOWN_IGNORE_LABELS

ENGINES = ("auto", "lite", "vl", "vl-server")


@dataclass(frozen=True)
class PipelineOptions:
    """Everything that changes what a parse produces.

    engine: ``auto`` (PaddleOCR-VL where its weights are found, else ``lite``), ``lite``, ``vl``, ``vl-server``.
    pages: 1-based page selection such as ``"1-3,7"``; None for all pages.
    password: for encrypted PDFs.
    dpi: resolution PDF pages are rendered at (the pixel grid of all boxes in the output).
    max_image_pixels: images above this many pixels are refused (decompression bombs).
    layout_threshold: minimum score of a layout detection.
    layout_nms: IoU above which the weaker of two same-class detections is dropped.
    use_text_layer: read born-digital PDFs from their text layer; False forces OCR everywhere.
    deskew: straighten pages that are OCR'd (scans, photos) before layout; boxes then refer to the
        straightened page image.
    markdown_ignore_labels: block labels left out of Markdown (they stay in the JSON).
    threads: ONNX Runtime threads for the lite engine's models (0: all cores).
    """

    engine: str = "auto"
    pages: str | None = None
    password: str | None = None
    dpi: float = 144.0
    max_image_pixels: int = 100_000_000
    layout_threshold: float = 0.4
    layout_nms: float = 0.5
    use_text_layer: bool = True
    deskew: bool = True
    markdown_ignore_labels: tuple[str, ...] = field(default=DEFAULT_MARKDOWN_IGNORE_LABELS)
    threads: int = 0

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise OptionsError(f"unknown engine {self.engine!r}: choose one of {', '.join(ENGINES)}")
        if not 36 <= self.dpi <= 600:
            raise OptionsError(f"dpi {self.dpi} is out of range: use 36 to 600")
        if not 0.0 <= self.layout_threshold <= 1.0 or not 0.0 <= self.layout_nms <= 1.0:
            raise OptionsError("layout_threshold and layout_nms are fractions between 0 and 1")
        if self.max_image_pixels <= 0:
            raise OptionsError("max_image_pixels must be positive")
        object.__setattr__(self, "markdown_ignore_labels", tuple(self.markdown_ignore_labels))

    @classmethod
    def from_kwargs(cls, **kwargs: object) -> PipelineOptions:
        """Build from keyword arguments, naming any that do not exist."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise OptionsError(f"unknown option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**kwargs)  # type: ignore[arg-type]
