"""Generate the sample documents used by the ocrvl tests and demos.

Run from the repository root::

    python samples/make_samples.py [--out DIR]

It writes, into ``samples/`` unless ``--out`` says otherwise:

* ``born_digital.pdf``     one A4 page with a real text layer: title, two columns with
  numbered section headings, prose paragraphs, a display formula, a ruled table with a
  caption, and a page-number footer.
* ``table_two_pages.pdf``  two A4 pages: heading, paragraph and a ruled table that starts
  near the bottom of page 1 and continues on page 2 (header row repeated), then a paragraph.
* ``scanned.pdf``          ``born_digital.pdf`` rasterized at 150 dpi in grayscale, slightly
  rotated, blurred and noisy, stored as an image-only PDF (no text layer).
* ``photo.jpg``            a photo-like shot of a single-column text page: dark background,
  perspective warp, uneven lighting and noise.
* ``sources.json``         the ground truth: exactly the text drawn, in reading order.

Every paragraph is wrapped by this script (greedy, no hyphenation, measured with
``pymupdf.get_text_length``), so the ground truth matches the page word for word. The
output is deterministic: fixed seeds, fixed metadata and reproducible PDF saving.
"""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pymupdf
from PIL import Image

SAMPLES_DIR = Path(__file__).resolve().parent

BLACK = (0.0, 0.0, 0.0)
A4_WIDTH, A4_HEIGHT = 595.0, 842.0
MARGIN_X = 50.0
TOP = 56.0
BOTTOM = 790.0
FOOTER_BASELINE = 815.0
COLUMN_GAP = 22.0

SCAN_DPI = 150
SCAN_ROTATION_DEG = 0.7
SCAN_JPEG_QUALITY = 65
PHOTO_JPEG_QUALITY = 70
PHOTO_SIZE = (1200, 1500)  # width, height in pixels
PHOTO_PAGE_CORNERS = ((165.0, 175.0), (1060.0, 128.0), (1098.0, 1352.0), (128.0, 1392.0))  # TL TR BR BL
SEED = 20240611

Block = dict[str, Any]


@dataclass(frozen=True)
class Style:
    """Font settings of one kind of text block."""

    font: str
    size: float
    leading: float
    space_before: float = 0.0
    space_after: float = 0.0


TITLE = Style("hebo", 19.0, 24.0, space_after=16.0)
HEADING = Style("hebo", 12.5, 16.0, space_before=6.0, space_after=4.0)
BODY = Style("helv", 10.5, 14.0, space_after=8.0)
CAPTION = Style("heit", 9.5, 12.5, space_after=4.0)
FOOTER = Style("helv", 9.0, 12.0)
TABLE_CELL = Style("helv", 9.5, 17.0)
TABLE_HEAD = Style("hebo", 9.5, 17.0)
FORMULA_SIZE = 13.0

# ----------------------------------------------------------------------------------------
# Content
# ----------------------------------------------------------------------------------------

BD_TITLE = "Compact Neural Models for Reading Printed Receipts"
BD_FOOTER = "Page 1"
BD_COLUMN_1: list[tuple[str, str]] = [
    ("heading", "1 Introduction"),
    (
        "paragraph",
        "Small shops print millions of paper receipts every day, and most of them are thrown "
        "away within minutes. Bookkeeping software would benefit from reading these slips "
        "automatically, yet the thermal paper fades quickly and the print is often faint. In "
        "this note we compare three compact models that turn a photo of a receipt into "
        "structured text. Our goal is a model that runs on an ordinary laptop without a "
        "graphics card.",
    ),
    (
        "paragraph",
        "We focus on three questions. How accurate are small models on faded prints? How fast "
        "are they on a single processor core? And which errors remain after simple "
        "post-processing?",
    ),
    ("heading", "2 Method"),
    (
        "paragraph",
        "Each model reads one text line at a time. A line image is resized to a fixed height "
        "of forty pixels and passed through a convolutional encoder. The decoder predicts one "
        "character per column, and repeated characters are merged afterwards. We train every "
        "model on the same collection of twelve thousand synthetic lines.",
    ),
    (
        "paragraph",
        "Before recognition we also correct the skew of each photo. The length c of the "
        "diagonal of a detected box with width a and height b follows from the classic rule",
    ),
    ("formula", "a^2 + b^2 = c^2"),
    (
        "paragraph",
        "Boxes whose diagonal is shorter than eight pixels are treated as noise and removed "
        "before the line images are cut out.",
    ),
]
BD_TABLE = [
    ["Model", "Params", "Accuracy", "Speed"],
    ["Tiny", "1.2M", "88.4%", "410"],
    ["Small", "4.8M", "92.7%", "215"],
    ["Small + dict", "4.8M", "93.9%", "190"],
    ["Base", "19.5M", "94.1%", "78"],
]
BD_COLUMN_2: list[tuple[str, str]] = [
    ("heading", "3 Results"),
    (
        "paragraph",
        "Table 1 lists the size, accuracy and speed of the models on our test set of nine "
        "hundred real receipts. Speed is measured in lines per second on one core.",
    ),
    ("caption", "Table 1: Size, accuracy and speed of the models."),
    ("table", "BD_TABLE"),
    (
        "paragraph",
        "The small model offers the best balance between accuracy and speed. The base model "
        "is more accurate by a small margin, but it is almost three times slower. Most "
        "remaining errors involve the digits one and seven, which look alike when the print "
        "has faded.",
    ),
    ("heading", "4 Conclusion"),
    (
        "paragraph",
        "Compact models read printed receipts well enough for everyday bookkeeping. A "
        "dictionary of common product names removes a further share of errors at little "
        "cost. In future work we plan to test the models on handwritten notes and on receipts "
        "printed in other languages.",
    ),
]
# (text, font, superscript) pieces of the display formula a^2 + b^2 = c^2.
BD_FORMULA_PIECES: list[tuple[str, str, bool]] = [
    ("a", "tiit", False),
    ("2", "tiro", True),
    (" + ", "tiro", False),
    ("b", "tiit", False),
    ("2", "tiro", True),
    (" = ", "tiro", False),
    ("c", "tiit", False),
    ("2", "tiro", True),
]
BD_FORMULA_LATEX = "a^{2}+b^{2}=c^{2}"

TP_HEADING = "Annual Rainfall in Selected Cities"
TP_PARAGRAPH_1 = (
    "The table below lists the total rainfall recorded in one city of each country during a "
    "single calendar year. The figures are illustrative sample values prepared for testing a "
    "document parser, rounded to whole millimetres. The list is sorted by country name, and "
    "the table continues on the next page."
)
TP_PARAGRAPH_2 = (
    "The wettest city in the list is Bergen, while Lima received almost no rain at all. Dry "
    "coastal cities and wet mountain cities can lie only a few hundred kilometres apart."
)
TP_CAPTION = "Table 2: Annual rainfall by city."
TP_HEADER = ["Country", "City", "Year", "Rainfall (mm)"]
TP_ROWS = [
    ["Argentina", "Cordoba", "2016", "812"],
    ["Australia", "Perth", "2017", "733"],
    ["Austria", "Graz", "2018", "845"],
    ["Brazil", "Recife", "2019", "2041"],
    ["Canada", "Halifax", "2020", "1452"],
    ["Chile", "Santiago", "2021", "103"],
    ["Denmark", "Aarhus", "2022", "664"],
    ["Egypt", "Alexandria", "2016", "190"],
    ["Finland", "Tampere", "2017", "618"],
    ["France", "Lyon", "2018", "832"],
    ["Germany", "Leipzig", "2019", "511"],
    ["Greece", "Patras", "2020", "698"],
    ["India", "Pune", "2021", "722"],
    ["Ireland", "Galway", "2022", "1196"],
    ["Italy", "Turin", "2016", "981"],
    ["Japan", "Sapporo", "2017", "1146"],
    ["Kenya", "Nairobi", "2018", "869"],
    ["Mexico", "Monterrey", "2019", "629"],
    ["Norway", "Bergen", "2020", "2250"],
    ["Peru", "Lima", "2021", "16"],
    ["Portugal", "Porto", "2022", "1254"],
    ["Spain", "Seville", "2016", "534"],
]
TP_ROWS_ON_PAGE_1 = 8
TP_TABLE_TOP_PAGE_1 = 585.0
TP_ROW_HEIGHT = 22.0
TP_COLUMN_WIDTHS = [150.0, 140.0, 80.0, 125.0]

PH_HEADING = "Caring for a Sourdough Starter"
PH_PARAGRAPHS = [
    "A sourdough starter is a simple mixture of flour and water that hosts wild yeast and "
    "friendly bacteria. Once it is active, a spoonful can raise a whole loaf of bread without "
    "any packaged yeast.",
    "Feed the starter once a day when it lives on the kitchen counter. Discard about half of "
    "it, then stir in equal weights of fresh flour and lukewarm water. Bubbles should appear "
    "within a few hours.",
    "If you bake only on weekends, keep the jar in the refrigerator and feed it once a week. "
    "Take it out the evening before baking so that it can wake up and double in size by the "
    "next morning.",
]
PH_PAGE_SIZE = (430.0, 540.0)
PH_MARGIN = 40.0
PH_HEADING_STYLE = Style("hebo", 20.0, 26.0, space_after=12.0)
PH_BODY_STYLE = Style("helv", 13.5, 19.5, space_after=12.0)
PH_ZOOM = 2.2


# ----------------------------------------------------------------------------------------
# Text layout helpers
# ----------------------------------------------------------------------------------------


class LayoutError(RuntimeError):
    """A block does not fit into the space left on the page or column."""


@dataclass
class Cursor:
    """Where the next block goes: a column (x, width) on a page, and the current top y."""

    page: pymupdf.Page
    page_no: int
    x: float
    width: float
    y: float
    bottom: float

    def reserve(self, height: float) -> float:
        """Returns the current y and advances by `height`; fails if the column overflows."""
        if self.y + height > self.bottom + 1e-6:
            raise LayoutError(f"block of height {height:.1f} overflows page {self.page_no}")
        top = self.y
        self.y += height
        return top


def text_width(text: str, font: str, size: float) -> float:
    """Advance width of `text` in a built-in PDF font, in points."""
    return pymupdf.get_text_length(text, fontname=font, fontsize=size)


def wrap_words(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy line breaking at spaces (no hyphenation) so that every line fits `width`."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, font, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    for line in lines:
        if text_width(line, font, size) > width:
            raise LayoutError(f"word too long for the line width: {line!r}")
    return lines


def baseline_offset(style: Style) -> float:
    """Distance from the top of a line box to the baseline (text centred in the leading)."""
    return (style.leading - style.size) / 2 + 0.8 * style.size


def draw_lines(
    cursor: Cursor, lines: Sequence[str], style: Style, align: str = "left"
) -> tuple[float, float, float, float]:
    """Draws pre-wrapped lines at the cursor; returns their bounding box in points."""
    cursor.y += style.space_before
    top = cursor.reserve(style.leading * len(lines))
    x_min, x_max = cursor.x + cursor.width, cursor.x
    for i, line in enumerate(lines):
        w = text_width(line, style.font, style.size)
        x = cursor.x + (cursor.width - w) / 2 if align == "center" else cursor.x
        baseline = top + i * style.leading + baseline_offset(style)
        cursor.page.insert_text((x, baseline), line, fontname=style.font, fontsize=style.size, color=BLACK)
        x_min, x_max = min(x_min, x), max(x_max, x + w)
    cursor.y += style.space_after
    return (x_min, top, x_max, top + style.leading * len(lines))


def add_text_block(cursor: Cursor, kind: str, text: str, style: Style, align: str = "left") -> Block:
    """Wraps and draws one text block (title, heading, paragraph, caption, ...)."""
    lines = wrap_words(text, style.font, style.size, cursor.width)
    bbox = draw_lines(cursor, lines, style, align)
    return {"type": kind, "page": cursor.page_no, "bbox": rounded(bbox), "text": text, "lines": lines}


def add_formula(cursor: Cursor, pieces: Sequence[tuple[str, str, bool]], text: str, latex: str) -> Block:
    """Draws a display formula centred in the column; superscripts are smaller and raised."""
    sup_size, sup_rise = FORMULA_SIZE * 0.65, FORMULA_SIZE * 0.38
    widths = [text_width(t, font, sup_size if sup else FORMULA_SIZE) for t, font, sup in pieces]
    height = FORMULA_SIZE * 1.6
    top = cursor.reserve(height + 8.0)
    x = cursor.x + (cursor.width - sum(widths)) / 2
    x0, baseline = x, top + 4.0 + FORMULA_SIZE * 1.05
    for (piece, font, sup), w in zip(pieces, widths, strict=True):
        size = sup_size if sup else FORMULA_SIZE
        y = baseline - sup_rise if sup else baseline
        cursor.page.insert_text((x, y), piece, fontname=font, fontsize=size, color=BLACK)
        x += w
    cursor.y += BODY.space_after
    bbox = (x0, top + 4.0, x, top + 4.0 + height)
    text_layer = "".join(piece for piece, _, _ in pieces)
    return {
        "type": "formula",
        "page": cursor.page_no,
        "bbox": rounded(bbox),
        "text": text,
        "latex": latex,
        "text_layer": text_layer,
    }


def add_table(
    cursor: Cursor,
    rows: Sequence[Sequence[str]],
    col_widths: Sequence[float],
    row_height: float,
    right_align_from: int = 1,
) -> Block:
    """Draws a fully ruled table (first row = bold header) and returns its block."""
    pad = 5.0
    total_w = sum(col_widths)
    top = cursor.reserve(row_height * len(rows))
    x0 = cursor.x
    shape = cursor.page.new_shape()
    for r in range(len(rows) + 1):
        y = top + r * row_height
        shape.draw_line((x0, y), (x0 + total_w, y))
    x = x0
    for w in [0.0, *col_widths]:
        x += w
        shape.draw_line((x, top), (x, top + row_height * len(rows)))
    shape.finish(color=BLACK, width=0.7)
    shape.commit()
    for r, row in enumerate(rows):
        style = TABLE_HEAD if r == 0 else TABLE_CELL
        baseline = top + r * row_height + (row_height + 0.7 * style.size) / 2
        x = x0
        for c, (cell, w) in enumerate(zip(row, col_widths, strict=True)):
            cell_w = text_width(cell, style.font, style.size)
            if cell_w > w - 2 * pad:
                raise LayoutError(f"cell {cell!r} is wider than its column")
            tx = x + w - pad - cell_w if c >= right_align_from else x + pad
            cursor.page.insert_text(
                (tx, baseline), cell, fontname=style.font, fontsize=style.size, color=BLACK
            )
            x += w
    bbox = (x0, top, x0 + total_w, top + row_height * len(rows))
    return {
        "type": "table",
        "page": cursor.page_no,
        "bbox": rounded(bbox),
        "header": list(rows[0]),
        "rows": [list(r) for r in rows[1:]],
    }


def fit_column_widths(rows: Sequence[Sequence[str]], width: float, pad: float = 5.0) -> list[float]:
    """Column widths proportional to the widest cell of each column, filling `width`."""
    natural = []
    for c in range(len(rows[0])):
        natural.append(
            max(
                text_width(row[c], (TABLE_HEAD if r == 0 else TABLE_CELL).font, TABLE_CELL.size)
                for r, row in enumerate(rows)
            )
            + 2 * pad
        )
    if sum(natural) > width:
        raise LayoutError("table is wider than the column")
    extra = (width - sum(natural)) / len(natural)
    return [w + extra for w in natural]


def add_footer(page: pymupdf.Page, page_no: int, text: str) -> Block:
    """Centred page-number footer below the text area."""
    w = text_width(text, FOOTER.font, FOOTER.size)
    x = (page.rect.width - w) / 2
    page.insert_text((x, FOOTER_BASELINE), text, fontname=FOOTER.font, fontsize=FOOTER.size, color=BLACK)
    bbox = (x, FOOTER_BASELINE - 0.8 * FOOTER.size, x + w, FOOTER_BASELINE + 0.2 * FOOTER.size)
    return {"type": "footer", "page": page_no, "bbox": rounded(bbox), "text": text}


def rounded(bbox: Sequence[float]) -> list[float]:
    """A bbox with coordinates rounded to 0.01 pt (stable JSON)."""
    return [round(float(v), 2) for v in bbox]


def new_document() -> pymupdf.Document:
    """An empty PDF with fixed metadata, so that saving is reproducible."""
    doc = pymupdf.open()
    doc.set_metadata(
        {
            "producer": "ocrvl samples/make_samples.py",
            "creator": "ocrvl samples/make_samples.py",
            "creationDate": "D:20240101000000Z",
            "modDate": "D:20240101000000Z",
        }
    )
    return doc


def save_pdf(doc: pymupdf.Document, path: Path) -> None:
    """Saves compactly and byte-for-byte reproducibly."""
    doc.save(path, garbage=4, deflate=True, no_new_id=True, reproducible=True)
    doc.close()


# ----------------------------------------------------------------------------------------
# Sample 1: born-digital two-column page
# ----------------------------------------------------------------------------------------


def layout_column(cursor: Cursor, items: Sequence[tuple[str, str]]) -> list[Block]:
    """Draws the blocks of one column from top to bottom."""
    blocks: list[Block] = []
    for kind, text in items:
        if kind == "heading":
            blocks.append(add_text_block(cursor, "heading", text, HEADING))
        elif kind == "paragraph":
            blocks.append(add_text_block(cursor, "paragraph", text, BODY))
        elif kind == "caption":
            blocks.append(add_text_block(cursor, "caption", text, CAPTION))
        elif kind == "formula":
            blocks.append(add_formula(cursor, BD_FORMULA_PIECES, text, BD_FORMULA_LATEX))
        elif kind == "table":
            widths = fit_column_widths(BD_TABLE, cursor.width)
            blocks.append(add_table(cursor, BD_TABLE, widths, TABLE_CELL.leading))
            cursor.y += BODY.space_after + 2.0
        else:
            raise ValueError(f"unknown block kind {kind!r}")
    return blocks


def build_born_digital(path: Path) -> list[Block]:
    """Writes born_digital.pdf; returns its blocks in reading order."""
    doc = new_document()
    page = doc.new_page(width=A4_WIDTH, height=A4_HEIGHT)
    full_width = A4_WIDTH - 2 * MARGIN_X
    col_width = (full_width - COLUMN_GAP) / 2
    top_cursor = Cursor(page, 1, MARGIN_X, full_width, TOP, BOTTOM)
    blocks = [add_text_block(top_cursor, "title", BD_TITLE, TITLE, align="center")]
    col_top = top_cursor.y
    left = Cursor(page, 1, MARGIN_X, col_width, col_top, BOTTOM)
    right = Cursor(page, 1, MARGIN_X + col_width + COLUMN_GAP, col_width, col_top, BOTTOM)
    blocks += layout_column(left, BD_COLUMN_1)
    blocks += layout_column(right, BD_COLUMN_2)
    blocks.append(add_footer(page, 1, BD_FOOTER))
    save_pdf(doc, path)
    return blocks


# ----------------------------------------------------------------------------------------
# Sample 2: table continued over two pages
# ----------------------------------------------------------------------------------------


def build_table_two_pages(path: Path) -> list[Block]:
    """Writes table_two_pages.pdf; returns its blocks in reading order."""
    doc = new_document()
    full_width = A4_WIDTH - 2 * MARGIN_X
    if abs(sum(TP_COLUMN_WIDTHS) - full_width) > 1e-6:
        raise LayoutError("two-page table must span the text width")
    page1 = doc.new_page(width=A4_WIDTH, height=A4_HEIGHT)
    cur = Cursor(page1, 1, MARGIN_X, full_width, TOP, BOTTOM)
    blocks = [
        add_text_block(cur, "heading", TP_HEADING, Style("hebo", 18.0, 22.0, space_after=10.0)),
        add_text_block(cur, "paragraph", TP_PARAGRAPH_1, Style("helv", 11.0, 15.0, space_after=10.0)),
    ]
    caption_style = Style(CAPTION.font, CAPTION.size, CAPTION.leading, space_after=4.0)
    cur.y = max(cur.y, TP_TABLE_TOP_PAGE_1 - caption_style.leading - caption_style.space_after)
    blocks.append(add_text_block(cur, "caption", TP_CAPTION, caption_style))
    page1_rows = [TP_HEADER, *TP_ROWS[:TP_ROWS_ON_PAGE_1]]
    blocks.append(add_table(cur, page1_rows, TP_COLUMN_WIDTHS, TP_ROW_HEIGHT, right_align_from=2))
    blocks.append(add_footer(page1, 1, "Page 1"))

    page2 = doc.new_page(width=A4_WIDTH, height=A4_HEIGHT)
    cur = Cursor(page2, 2, MARGIN_X, full_width, TOP, BOTTOM)
    page2_rows = [TP_HEADER, *TP_ROWS[TP_ROWS_ON_PAGE_1:]]
    blocks.append(add_table(cur, page2_rows, TP_COLUMN_WIDTHS, TP_ROW_HEIGHT, right_align_from=2))
    cur.y += 14.0
    blocks.append(add_text_block(cur, "paragraph", TP_PARAGRAPH_2, Style("helv", 11.0, 15.0)))
    blocks.append(add_footer(page2, 2, "Page 2"))
    save_pdf(doc, path)
    return blocks


# ----------------------------------------------------------------------------------------
# Sample 3: scan of the born-digital page
# ----------------------------------------------------------------------------------------


def encode_jpeg(image: np.ndarray, quality: int) -> bytes:
    """JPEG bytes of a grayscale (H, W) or RGB (H, W, 3) uint8 image."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def degrade_scan(gray: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Scanner look: slight rotation, blur, off-white paper and gaussian noise."""
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), SCAN_ROTATION_DEG, 1.0)
    rotated = cv2.warpAffine(
        gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )
    blurred = cv2.GaussianBlur(rotated.astype(np.float32), (0, 0), sigmaX=0.6)
    paper = 20.0 + blurred * (235.0 / 255.0)  # toner ~20, paper ~255 -> 20..255 scaled
    noisy = paper + rng.normal(0.0, 6.0, size=paper.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


def build_scanned(source_pdf: Path, path: Path) -> None:
    """Writes scanned.pdf: an image-only rendering of the first page of `source_pdf`."""
    rng = np.random.default_rng(SEED)
    with pymupdf.open(source_pdf) as src:
        page = src[0]
        rect = page.rect
        pix = page.get_pixmap(dpi=SCAN_DPI, colorspace=pymupdf.csGRAY, alpha=False)
    gray = np.frombuffer(pix.samples, np.uint8).reshape(pix.h, pix.w).copy()
    jpeg = encode_jpeg(degrade_scan(gray, rng), SCAN_JPEG_QUALITY)
    doc = new_document()
    out_page = doc.new_page(width=rect.width, height=rect.height)
    out_page.insert_image(out_page.rect, stream=jpeg)
    save_pdf(doc, path)


# ----------------------------------------------------------------------------------------
# Sample 4: photo of a page
# ----------------------------------------------------------------------------------------


def render_photo_page() -> tuple[np.ndarray, list[Block]]:
    """Renders the single-column text page of the photo; returns RGB pixels and blocks."""
    doc = pymupdf.open()
    width, height = PH_PAGE_SIZE
    page = doc.new_page(width=width, height=height)
    page.draw_rect(page.rect, color=None, fill=(0.97, 0.96, 0.92))
    cur = Cursor(page, 1, PH_MARGIN, width - 2 * PH_MARGIN, PH_MARGIN, height - PH_MARGIN)
    blocks = [add_text_block(cur, "heading", PH_HEADING, PH_HEADING_STYLE)]
    blocks += [add_text_block(cur, "paragraph", p, PH_BODY_STYLE) for p in PH_PARAGRAPHS]
    pix = page.get_pixmap(matrix=pymupdf.Matrix(PH_ZOOM, PH_ZOOM), alpha=False)
    doc.close()
    image = np.frombuffer(pix.samples, np.uint8).reshape(pix.h, pix.w, pix.n)[:, :, :3].copy()
    return image, blocks


def photo_background(rng: np.random.Generator) -> np.ndarray:
    """A dark, slightly textured desk surface (float32 RGB)."""
    w, h = PHOTO_SIZE
    base = np.array([78.0, 64.0, 52.0], dtype=np.float32)
    texture = cv2.GaussianBlur(rng.normal(0.0, 1.0, size=(h, w)).astype(np.float32), (0, 0), 6.0)
    texture *= 10.0 / max(float(texture.std()), 1e-6)
    return base[None, None, :] + texture[:, :, None]


def lighting_gradient() -> np.ndarray:
    """Brightness factor: a lamp at the upper left, darker towards the lower right."""
    w, h = PHOTO_SIZE
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dist = np.hypot(xx - 0.15 * w, yy - 0.05 * h) / np.hypot(w, h)
    return (1.06 - 0.40 * dist).astype(np.float32)


def build_photo(path: Path) -> list[Block]:
    """Writes photo.jpg; returns the blocks of the photographed page."""
    rng = np.random.default_rng(SEED + 1)
    page, blocks = render_photo_page()
    ph, pw = page.shape[:2]
    src = np.float32([[0, 0], [pw - 1, 0], [pw - 1, ph - 1], [0, ph - 1]])
    dst = np.float32(PHOTO_PAGE_CORNERS)
    homography = cv2.getPerspectiveTransform(src, dst)
    size = PHOTO_SIZE
    warped = cv2.warpPerspective(page, homography, size, flags=cv2.INTER_LINEAR).astype(np.float32)
    mask = cv2.warpPerspective(np.full((ph, pw), 1.0, np.float32), homography, size, flags=cv2.INTER_LINEAR)
    shadow = cv2.GaussianBlur(np.roll(mask, (14, 10), axis=(0, 1)), (0, 0), 12.0)
    background = photo_background(rng) * (1.0 - 0.45 * shadow)[:, :, None]
    scene = background * (1.0 - mask[:, :, None]) + warped * mask[:, :, None]
    scene = cv2.GaussianBlur(scene, (0, 0), 0.7) * lighting_gradient()[:, :, None]
    scene += rng.normal(0.0, 4.0, size=scene.shape)
    image = np.clip(scene, 0, 255).astype(np.uint8)
    path.write_bytes(encode_jpeg(image, PHOTO_JPEG_QUALITY))
    return blocks


# ----------------------------------------------------------------------------------------
# Ground truth
# ----------------------------------------------------------------------------------------


def summarize(blocks: Sequence[Block], pages: int) -> dict[str, Any]:
    """Ground-truth fields of one document, derived from its drawn blocks."""

    def texts(kind: str) -> list[str]:
        return [b["text"] for b in blocks if b["type"] == kind]

    titles = texts("title")
    return {
        "pages": pages,
        "title": titles[0] if titles else None,
        "headings": texts("heading"),
        "paragraphs": texts("paragraph"),
        "captions": texts("caption"),
        "formulas": [
            {k: b[k] for k in ("text", "latex", "text_layer")} for b in blocks if b["type"] == "formula"
        ],
        "tables": [],
        "footers": texts("footer"),
        "blocks": [{k: v for k, v in b.items() if k != "lines"} for b in blocks],
    }


def table_entry(table_blocks: Sequence[Block]) -> dict[str, Any]:
    """One logical table, possibly split over pages (each part repeats the header)."""
    return {
        "header": table_blocks[0]["header"],
        "rows": [row for b in table_blocks for row in b["rows"]],
        "pages": [{"page": b["page"], "rows": b["rows"]} for b in table_blocks],
        "header_repeated_on_each_page": len(table_blocks) > 1,
    }


def build_sources(bd: list[Block], tp: list[Block], photo: list[Block]) -> dict[str, Any]:
    """The content of sources.json."""
    born = summarize(bd, pages=1)
    born["tables"] = [table_entry([b for b in bd if b["type"] == "table"])]
    born.update(kind="pdf", text_layer=True, columns=2)
    scan = dict(born)
    scan.update(
        kind="scanned_pdf",
        text_layer=False,
        same_as="born_digital.pdf",
        dpi=SCAN_DPI,
        grayscale=True,
        rotation_deg=SCAN_ROTATION_DEG,
        rotation_note="counter-clockwise about the page centre (cv2.getRotationMatrix2D)",
        jpeg_quality=SCAN_JPEG_QUALITY,
    )
    two = summarize(tp, pages=2)
    two["title"] = TP_HEADING
    two["tables"] = [table_entry([b for b in tp if b["type"] == "table"])]
    two.update(kind="pdf", text_layer=True, columns=1)
    photo_entry = summarize(photo, pages=1)
    photo_entry.pop("blocks")
    photo_entry.update(
        kind="photo",
        text_layer=False,
        title=PH_HEADING,
        heading=PH_HEADING,
        image_size=list(PHOTO_SIZE),
        page_corners_px=[list(p) for p in PHOTO_PAGE_CORNERS],
        jpeg_quality=PHOTO_JPEG_QUALITY,
    )
    return {
        "description": "Ground truth of the samples made by samples/make_samples.py. bbox values are "
        "PDF points, origin top-left, of the born-digital pages (the scan is the same page "
        "rotated slightly). Paragraph and heading strings are exactly the text drawn, with "
        "line breaks replaced by single spaces.",
        "born_digital.pdf": born,
        "table_two_pages.pdf": two,
        "scanned.pdf": scan,
        "photo.jpg": photo_entry,
    }


def main(out_dir: Path | str = SAMPLES_DIR) -> dict[str, Path]:
    """Generates all samples into `out_dir`; returns their paths by file name."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        name: out / name
        for name in ("born_digital.pdf", "table_two_pages.pdf", "scanned.pdf", "photo.jpg", "sources.json")
    }
    bd = build_born_digital(paths["born_digital.pdf"])
    tp = build_table_two_pages(paths["table_two_pages.pdf"])
    build_scanned(paths["born_digital.pdf"], paths["scanned.pdf"])
    photo = build_photo(paths["photo.jpg"])
    sources = build_sources(bd, tp, photo)
    paths["sources.json"].write_text(
        json.dumps(sources, indent=2, ensure_ascii=True) + "\n", encoding="utf-8"
    )
    return paths


def _parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SAMPLES_DIR, help="output directory (default: samples/)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = _parse_args()
    for file in main(args.out).values():
        print(f"{file}  {file.stat().st_size / 1024:.1f} KiB")
