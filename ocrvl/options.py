"""The options of a parsing run: one typed object, PaddleOCR-VL's parameter names where the concept is the same."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from ocrvl.errors import OptionsError
from ocrvl.inference.options import InferenceOptions
from ocrvl.layout.ppdoclayout.box_rules import LayoutBoxOptions
from ocrvl.postprocess.cross_page import RestructureOptions
from ocrvl.postprocess.markdown import DEFAULT_MARKDOWN_IGNORE_LABELS
from ocrvl.recognition.vl.routing import RoutingOptions

ENGINES = ("auto", "lite", "vl", "vl-server")
# Where the vl engine's recognizer runs: in this process, or behind an OpenAI-compatible server.
VL_REC_BACKENDS = ("local", "vllm-server", "sglang-server", "fastdeploy-server")
LITE_LAYOUT_THRESHOLD = 0.4
LITE_LAYOUT_NMS_IOU = 0.5

PixelLimits = tuple[int | None, int | None]


@dataclass(frozen=True)
class PipelineOptions:
    """Everything that changes what a parse produces.

    engine: ``auto`` (PaddleOCR-VL where its weights are found, else ``lite``), ``lite``, ``vl``, ``vl-server``.
    pages: 1-based page selection such as ``"1-3,7"``; None for all pages.
    password: for encrypted PDFs.
    dpi: resolution PDF pages are rendered at (the pixel grid of all boxes in the output).
    max_image_pixels: images above this many pixels are refused (decompression bombs).
    layout_threshold: minimum score of a layout box: one number, or per class (``{"table": 0.5, ...}``, by
        label or class id); None takes the engine's default (lite 0.4; vl PaddleOCR-VL's per-class table).
    layout_nms: drop overlapping duplicate layout boxes.
    layout_unclip_ratio: grow (>1) or shrink layout boxes around their centre: one factor, (width, height),
        or per class; None: PaddleOCR-VL's default.  [vl]
    layout_merge_bboxes_mode: ``large``, ``small`` or ``union`` for nested boxes, or per class; None:
        PaddleOCR-VL's default.  [vl]
    merge_layout_blocks: read adjacent text blocks of one column as one crop.  [vl]
    use_text_layer: read born-digital PDFs from their text layer; False forces OCR everywhere.  [lite]
    deskew: straighten pages that are OCR'd (scans, photos) before layout; boxes then refer to the
        straightened page image.  [lite]
    use_chart_recognition / use_seal_recognition: read charts (into tables) and seals instead of keeping
        them as pictures.  [vl]
    min_pixels / max_pixels: resize limits of every crop the recognizer reads (None: PaddleOCR-VL's pipeline
        defaults, 112 896 and 1 003 520);
        pixel_limits overrides them per task (``{"table": (None, 2_000_000)}``).  [vl]
    layout_detection_model_dir / vl_rec_model_dir: where the PP-DocLayoutV2 and PaddleOCR-VL-0.9B weights
        are (None: found as ``ocrvl models list`` shows).  [vl]
    inference: how the recognizer runs (device, precision, batch limits, generation limits).  [vl]
    vl_rec_backend: ``local`` (the inference core in this process) or a server: ``vllm-server``,
        ``sglang-server``, ``fastdeploy-server`` (``ocrvl serve`` speaks the same API); engine ``vl-server``
        is ``vl`` with a server backend (``vllm-server`` unless another is named).  [vl]
    vl_rec_server_url / vl_rec_max_concurrency / vl_rec_api_key / vl_rec_api_model_name: the server's base
        URL, requests in flight at most, its API key, and the served model's name (None: asked from the
        server).  [vl with a server backend]
    merge_tables / relevel_titles / join_paragraphs: document-level restructuring across pages (a table
        continued on the next page merged, heading levels over the whole document, a paragraph cut by a
        page break joined); per-page outputs are left as they are.
    markdown_ignore_labels: block labels left out of Markdown (they stay in the JSON).
    threads: CPU threads for the models (0: all cores).
    """

    engine: str = "auto"
    pages: str | None = None
    password: str | None = None
    dpi: float = 144.0
    max_image_pixels: int = 100_000_000
    layout_threshold: float | Mapping[str | int, float] | None = None
    layout_nms: bool = True
    layout_unclip_ratio: float | tuple[float, float] | Mapping[str | int, object] | None = None
    layout_merge_bboxes_mode: str | Mapping[str | int, str] | None = None
    merge_layout_blocks: bool = True
    use_text_layer: bool = True
    deskew: bool = True
    use_chart_recognition: bool = False
    use_seal_recognition: bool = False
    min_pixels: int | None = None
    max_pixels: int | None = None
    pixel_limits: Mapping[str, PixelLimits] = field(default_factory=dict)
    layout_detection_model_dir: str | None = None
    vl_rec_model_dir: str | None = None
    inference: InferenceOptions = field(default_factory=InferenceOptions)
    vl_rec_backend: str = "local"
    vl_rec_server_url: str | None = None
    vl_rec_max_concurrency: int | None = None
    vl_rec_api_key: str | None = None
    vl_rec_api_model_name: str | None = None
    merge_tables: bool = True
    relevel_titles: bool = True
    join_paragraphs: bool = True
    markdown_ignore_labels: tuple[str, ...] = field(default=DEFAULT_MARKDOWN_IGNORE_LABELS)
    threads: int = 0

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise OptionsError(f"unknown engine {self.engine!r}: choose one of {', '.join(ENGINES)}")
        if not 36 <= self.dpi <= 600:
            raise OptionsError(f"dpi {self.dpi} is out of range: use 36 to 600")
        if self.max_image_pixels <= 0:
            raise OptionsError("max_image_pixels must be positive")
        if self.threads < 0:
            raise OptionsError("threads must be 0 (all cores) or more")
        if self.vl_rec_backend not in VL_REC_BACKENDS:
            raise OptionsError(f"unknown vl_rec_backend {self.vl_rec_backend!r}: use {', '.join(VL_REC_BACKENDS)}")
        if self.engine == "vl-server" and self.vl_rec_backend == "local":
            object.__setattr__(self, "vl_rec_backend", "vllm-server")
        if self.vl_rec_backend != "local" and not self.vl_rec_server_url:
            raise OptionsError(f"the {self.vl_rec_backend} backend needs vl_rec_server_url (--vl-rec-server-url URL)")
        if self.vl_rec_max_concurrency is not None and self.vl_rec_max_concurrency < 1:
            raise OptionsError("vl_rec_max_concurrency must be at least 1")
        object.__setattr__(self, "markdown_ignore_labels", tuple(self.markdown_ignore_labels))
        object.__setattr__(self, "pixel_limits", dict(self.pixel_limits))
        self.layout_box_options()  # refuses bad per-class thresholds, ratios and merge modes now, not mid-run
        self.routing_options()

    def layout_box_options(self) -> LayoutBoxOptions:
        """The vl engine's box rules (None here takes PaddleOCR-VL's defaults)."""
        given: dict[str, object] = {
            "layout_nms": self.layout_nms,
            "merge_layout_blocks": self.merge_layout_blocks,
            "use_chart_recognition": self.use_chart_recognition,
            "use_seal_recognition": self.use_seal_recognition,
        }
        if self.layout_threshold is not None:
            given["threshold"] = self.layout_threshold
        if self.layout_unclip_ratio is not None:
            given["unclip_ratio"] = self.layout_unclip_ratio
        if self.layout_merge_bboxes_mode is not None:
            given["merge_bboxes_mode"] = self.layout_merge_bboxes_mode
        return LayoutBoxOptions(**given)  # type: ignore[arg-type]

    def restructure_options(self) -> RestructureOptions:
        """Which restructurings across pages the document outputs get."""
        return RestructureOptions(self.merge_tables, self.relevel_titles, self.join_paragraphs)

    def routing_options(self) -> RoutingOptions:
        """Which blocks the vl engine reads with which prompt, and the crops' pixel limits."""
        return RoutingOptions(
            use_chart_recognition=self.use_chart_recognition,
            use_seal_recognition=self.use_seal_recognition,
            min_pixels=self.min_pixels,
            max_pixels=self.max_pixels,
            pixel_limits=self.pixel_limits,
        )

    @property
    def lite_layout_threshold(self) -> float:
        """The lite engine's single threshold (its detector has other classes than PaddleOCR-VL's table)."""
        return self.layout_threshold if isinstance(self.layout_threshold, float | int) else LITE_LAYOUT_THRESHOLD

    @classmethod
    def from_kwargs(cls, **kwargs: object) -> PipelineOptions:
        """Build from keyword arguments, naming any that do not exist.

        The recognizer's options may be given flat (``device="cpu"``, ``max_new_tokens=2048``): they go into
        ``inference``.
        """
        known = {f.name for f in fields(cls)}
        inference_names = {f.name for f in fields(InferenceOptions)}
        flat_inference = {k: kwargs.pop(k) for k in list(kwargs) if k in inference_names and k not in known}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise OptionsError(
                f"unknown option(s): {', '.join(unknown)}; known: {', '.join(sorted(known | inference_names))}"
            )
        options = cls(**kwargs)  # type: ignore[arg-type]
        if flat_inference:
            options = replace(options, inference=replace(options.inference, **flat_inference))
        return options
