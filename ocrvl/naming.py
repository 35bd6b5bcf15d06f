"""The names of everything ocrvl writes: document folders, page files, layout pictures and cropped pictures.

Every writer (the CLI batch, the API's result objects, ``ocrvl serve``) takes its names from here, so a result
written by one is laid out as the others write it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ocrvl.types import PageResult

# Longest output name stem, in bytes. File systems allow 255 bytes per name, and outputs add to the stem: page
# files (``_12345_layout.png``), pictures (``_p12345_reference_content_12.jpg``), the affixes of staging folders
# and temporary files.
MAX_NAME_BYTES = 160
_NAME_HASH_CHARS = 12
PICTURES_FOLDER = "imgs"


def safe_name(text: str) -> str:
    """`text` as a file-name stem: letters, digits, ``.``, ``-`` and ``_`` kept, other runs turned into ``_``.

    A stem over MAX_NAME_BYTES is cut there and ends with a hash of the whole text instead, so every output
    name fits the file system's limit and stays unique and the same from run to run.
    """
    name = re.sub(r"[^\w.-]+", "_", text).strip("._") or "document"
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    digest = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:_NAME_HASH_CHARS]
    head = name.encode()[: MAX_NAME_BYTES - _NAME_HASH_CHARS - 1].decode("utf-8", "ignore").rstrip("._")
    return f"{head}_{digest}"


def document_name(input_path: Path) -> str:
    """The stem of a document's outputs when nothing else names them: its input's file name."""
    return safe_name(Path(input_path).stem)


def output_stem(file: Path, root: Path) -> Path:
    """Relative output location of a document, e.g. ``reports/2024/q1`` for ``reports/2024/q1.pdf``."""
    try:
        rel = file.relative_to(root)
    except ValueError:
        rel = Path(file.name)
    return rel.with_suffix("") if rel.suffix else rel


def page_stem(document: str, page_index: int) -> str:
    """The stem of a page's own files (``report_0_res.json``, ``report_0.md``): pages counted from 0."""
    return f"{document}_{page_index}"


def layout_picture_name(document: str, page_index: int) -> str:
    return f"{page_stem(document, page_index)}_layout.png"


def picture_path(document: str, page_index: int, label: str, number: int) -> str:
    """Where a block's cropped picture goes, relative to the Markdown that shows it: the page counted from 1
    and the picture's 1-based number on its page, so names stay unique across a document's pages."""
    return f"{PICTURES_FOLDER}/{document}_p{page_index + 1}_{label}_{number}.jpg"


def name_pictures(result: PageResult, document: str) -> PageResult:
    """Give every block of `result` that has a cropped picture its `picture_path`."""
    number = 0
    for block in result.blocks:
        if block.image is not None:
            number += 1
            block.image_path = picture_path(document, result.page_index, block.label, number)
    return result


# PaddleOCR-VL's own names, for the PaddleOCR-VL-style outputs (`PageOutput`'s save methods, ``ocrvl doc_parser``).
# ``ocrvl parse`` keeps the names above.


def paddle_picture_path(label: str, bbox: tuple[float, ...] | list[float]) -> str:
    """A block's picture as PaddleOCR-VL names it: ``imgs/img_in_{label}_box_{x1}_{y1}_{x2}_{y2}.jpg``, the box in
    whole page pixels."""
    x1, y1, x2, y2 = (int(v) for v in bbox[:4])
    return f"{PICTURES_FOLDER}/img_in_{label}_box_{x1}_{y1}_{x2}_{y2}.jpg"


def paddle_result_stem(input_name: str, page_index: int | None) -> str:
    """The stem of a PaddleOCR-VL result's files: the input's file name without its suffix, ``_{page_index}``
    added for a page of a PDF or TIFF (a single image has none)."""
    stem = Path(input_name).stem
    return stem if page_index is None else f"{stem}_{page_index}"
