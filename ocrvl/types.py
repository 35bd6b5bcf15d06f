"""Data that flows between the stages: pages in, regions and blocks out.

All coordinates are pixels of the page image (`Page.image`), origin top-left, as
``(x0, y0, x1, y1)``. For PDFs the text layer and vector rulings are converted to
those pixel coordinates when the page is loaded, so no stage needs to know the DPI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class Word:
    """A piece of text with its box: a PDF text-layer word or an OCR line."""

    text: str
    bbox: BBox
    score: float = 1.0
    line: int = -1  # text-layer line id (words sharing a line); -1 when unknown


@dataclass(frozen=True)
class TextSpan:
    """A run of text-layer characters in one font, size and baseline. Words lose these; a superscript, a
    math italic or a code listing is told from body text by them."""

    text: str
    bbox: BBox
    size: float  # font size in pixels
    baseline: float  # y of the baseline in pixels
    font: str
    monospace: bool = False


@dataclass(frozen=True)
class Ruling:
    """A straight horizontal or vertical line segment (table rule or cell border)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def horizontal(self) -> bool:
        return abs(self.y1 - self.y0) <= abs(self.x1 - self.x0)


@dataclass
class Page:
    """One page ready for layout and recognition."""

    source: Path
    index: int  # 0-based index within the document
    page_count: int
    image: np.ndarray  # RGB, uint8, H x W x 3
    dpi: float  # pixels per inch of `image` (72 for images without a resolution tag)
    words: list[Word] = field(default_factory=list)  # text layer (empty for images)
    rulings: list[Ruling] = field(default_factory=list)  # vector lines from the PDF
    spans: list[TextSpan] = field(default_factory=list)  # text-layer runs of one face (upright pages only)
    text_layer_ok: bool = False  # the text layer is real, visible and readable

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@dataclass(frozen=True)
class PageFailure:
    """A page that could not be loaded (rendered or decoded), in place of its `Page`: the rest of the document
    is still read."""

    source: Path
    index: int  # 0-based index within the document
    page_count: int
    problem: str  # what went wrong, e.g. "cannot be rendered (...)"

    @property
    def message(self) -> str:
        """One line naming the file, the 1-based page number and the problem."""
        return f"{self.source}: page {self.index + 1} {self.problem}"


@dataclass
class Region:
    """A layout region: what the detector found, where, and its place in reading order."""

    bbox: BBox
    label: str  # PaddleOCR-VL label name (text, paragraph_title, table, ...)
    score: float
    order: int | None = None  # 1-based reading order; None for regions outside the body flow
    cls_id: int = -1
    # The region's outline in page pixels, for detectors that give one (PP-DocLayoutV3); None means `bbox`.
    polygon: tuple[tuple[float, float], ...] | None = None

    @property
    def width(self) -> float:
        return self.bbox[2] - self.bbox[0]

    @property
    def height(self) -> float:
        return self.bbox[3] - self.bbox[1]


@dataclass
class Block:
    """A recognized region: its content as Markdown-ready text (tables as HTML)."""

    region: Region
    content: str
    block_id: int = 0
    group_id: int = 0
    image_path: str | None = None  # relative path (``imgs/...``) of a cropped picture, if any
    image: np.ndarray | None = field(default=None, repr=False)  # the crop itself, until saved
    # Set only in document-level outputs (see ocrvl.postprocess.cross_page):
    heading_level: int | None = None  # Markdown heading depth of a title over the whole document (1 = ``#``)
    merged_into: tuple[int, int] | None = None  # (page_index, block_id) of the block that took over this content

    @property
    def label(self) -> str:
        return self.region.label


@dataclass
class PageResult:
    """Everything ocrvl knows about one page."""

    input_path: Path | str  # the file read, or the URL it was copied from (`ocrvl.cluster.storage`)
    page_index: int
    page_count: int
    width: int
    height: int
    regions: list[Region]  # layout detections (``layout_det_res``)
    blocks: list[Block]  # recognized content in reading order (``parsing_res_list``)
    model_settings: dict[str, object]
    image: np.ndarray | None = field(default=None, repr=False)  # page image, for the layout picture
    error: str | None = None  # why the page could not be loaded (it then has no image and no blocks)
    # A page read whole with the spotting task: its text lines and their outlines, as PaddleOCR-VL's spotting_res
    # ({"rec_polys": [[[x, y], ...], ...], "rec_texts": [...]}, page pixels).
    spotting_res: dict[str, list] | None = None
    # use_doc_orientation_classify: PaddleOCR-VL's doc_preprocessor_res ({"model_settings": {...}, "angle": 90}).
    doc_preprocessor_res: dict[str, object] | None = None

    @classmethod
    def of_page(
        cls, page: Page, regions: list[Region], blocks: list[Block], model_settings: dict[str, object]
    ) -> PageResult:
        """The result of reading `page`, keeping its image for the layout picture."""
        return cls(page.source, page.index, page.page_count, page.width, page.height, regions, blocks,
                   model_settings, image=page.image)  # fmt: skip

    @classmethod
    def failed(cls, failure: PageFailure) -> PageResult:
        """The result of a page that could not be loaded: its place in the document and the reason."""
        return cls(failure.source, failure.index, failure.page_count, 0, 0, [], [], {}, error=failure.message)


@dataclass
class DocumentResult:
    """All pages of one input file, in order."""

    input_path: Path
    pages: list[PageResult]
