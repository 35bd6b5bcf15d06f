"""Reading input files into `Page`s: PDFs through PyMuPDF, images through Pillow.

A file's kind is decided by its first bytes, not its name, so a text file named
``.pdf`` gets a clear error instead of a parser crash deep inside a stage.
"""

from __future__ import annotations

import math
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pymupdf
from PIL import Image, ImageOps

from ocrvl.errors import InputError, OptionsError
from ocrvl.latex import ACCENTS
from ocrvl.log import logger
from ocrvl.pdf_fonts import mend_font_maps
from ocrvl.types import Page, PageFailure, Ruling, TextSpan, Word

pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = IMAGE_SUFFIXES | PDF_SUFFIXES

_MAGIC = {
    b"%PDF": "pdf",
    b"\x89PNG": "image",
    b"\xff\xd8\xff": "image",
    b"II*\x00": "image",
    b"MM\x00*": "image",
    b"BM": "image",
    b"RIFF": "image",
}


@dataclass(frozen=True)
class PageSelection:
    """Pages chosen by 1-based ranges such as ``1-3,7``, kept as ranges: a selection costs the same whatever its
    numbers (``1-100000000`` on a one-page file selects that page, at once)."""

    spans: tuple[tuple[int, int], ...]  # 0-based, inclusive (first, last), sorted, disjoint and not touching

    @classmethod
    def of(cls, indices: Iterable[int]) -> PageSelection:
        """The selection of these 0-based page indices."""
        return cls(_merged((i, i) for i in indices))

    def indices(self, count: int) -> Iterator[int]:
        """The selected 0-based indices of a document of `count` pages, in order."""
        for first, last in self.spans:
            if first >= count:
                return
            yield from range(first, min(last, count - 1) + 1)

    def size(self, count: int) -> int:
        """How many pages of a document of `count` pages are selected."""
        return sum(max(0, min(last, count - 1) - first + 1) for first, last in self.spans)


def _merged(spans: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return tuple(merged)


@dataclass(frozen=True)
class LoadOptions:
    """How documents become page images.

    `dpi`: PDF pages are rendered at this resolution (144 dpi = 2x the PDF point grid,
    the zoom PaddleOCR-VL's own PDF reader uses).
    `max_image_pixels`: images larger than this are refused (decompression bombs,
    30000 x 30000 scans); every frame of a multi-frame image is checked from its header, before any is decoded.
    `max_render_pixels`: a PDF page that would render larger than this is rendered at a
    lower dpi instead, so one poster-sized page cannot exhaust memory.
    `password`: for encrypted PDFs.
    `pages`: the pages to keep (None = all).
    """

    dpi: float = 144.0
    max_image_pixels: int = 100_000_000
    max_render_pixels: int = 40_000_000
    password: str | None = None
    pages: PageSelection | None = None


def parse_page_range(spec: str | None) -> PageSelection | None:
    """``"1-3,7"`` (1-based, inclusive) -> the pages {0, 1, 2, 6}; None or "" -> None (all pages)."""
    if not spec:
        return None
    spans: list[tuple[int, int]] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            first = int(lo)
            last = int(hi) if sep else first
        except ValueError:
            raise OptionsError(f"bad page range {_shown(spec)}: use numbers like 1-3,7") from None
        if first < 1 or last < first:
            raise OptionsError(f"bad page range {_shown(part)} in {_shown(spec)}: pages count from 1, ranges go up")
        spans.append((first - 1, last - 1))
    if not spans:
        raise OptionsError(f"bad page range {_shown(spec)}: use numbers like 1-3,7")
    return PageSelection(_merged(spans))


def _shown(text: str, limit: int = 60) -> str:
    """`text` quoted for a message, shortened: a page range may be as long as a request field allows."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def sniff_kind(path: Path) -> str:
    """'pdf' or 'image' from the file's first bytes; InputError for anything else."""
    _check_regular_file(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror})") from None
    if not head:
        raise InputError(path, "file is empty")
    if head[:4] == b"RIFF" and head[8:12] != b"WEBP":
        raise InputError(path, "RIFF file that is not a WebP image")
    # PDFs may carry a few junk bytes before the header.
    if b"%PDF" in head:
        return "pdf"
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    what = "PDF" if path.suffix.lower() == ".pdf" else "document"
    raise InputError(path, f"not a {what}: unrecognized content (expected a PDF or a PNG/JPEG/TIFF/WebP/BMP image)")


_NOT_REGULAR = (
    (stat.S_ISDIR, "is a folder, not a file"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a regular file: save its content to a file and parse that"),
    (stat.S_ISSOCK, "is a socket, not a regular file"),
    (stat.S_ISCHR, "is a device, not a regular file"),
    (stat.S_ISBLK, "is a device, not a regular file"),
)


def _check_regular_file(path: Path) -> None:
    """InputError unless `path` is a regular file (checked before opening it: opening a FIFO waits for a writer)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as exc:
        raise InputError(path, f"cannot be read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        problem = next((text for test, text in _NOT_REGULAR if test(mode)), "is not a regular file")
        raise InputError(path, problem)


def count_pages(path: Path, options: LoadOptions) -> int:
    """Number of pages that `load_pages` will yield (cheap: no rendering, no decoding)."""
    if sniff_kind(path) == "pdf":
        with _open_pdf(path, options) as doc:
            return _selected_count(path, doc.page_count, options.pages)
    with _open_image(path, options) as img:
        return _selected_count(path, _frame_count(img), options.pages)


def load_pages(path: Path, options: LoadOptions | None = None) -> Iterator[Page | PageFailure]:
    """The selected pages of a PDF or image file, in order. A page that cannot be rendered or decoded comes as a
    `PageFailure` in its place, and the rest are still read; a file that cannot be opened raises InputError."""
    options = options or LoadOptions()
    if sniff_kind(path) == "pdf":
        yield from _pdf_pages(path, options)
    else:
        yield from _image_pages(path, options)


def iter_pages(path: Path, options: LoadOptions | None = None) -> Iterator[Page]:
    """Yield the selected pages of a PDF or image file, in order; InputError at the first that cannot be read."""
    for loaded in load_pages(path, options):
        if isinstance(loaded, PageFailure):
            raise InputError(loaded.source, f"page {loaded.index + 1} {loaded.problem}")
        yield loaded


class _PageProblem(Exception):
    """One page cannot be loaded (the rest of the document still can); the message completes "page N ..."."""


def _selected_count(path: Path, count: int, pages: PageSelection | None) -> int:
    if count == 0:
        raise InputError(path, "document has no pages")
    chosen = count if pages is None else pages.size(count)
    if chosen == 0:
        raise InputError(path, f"none of the requested pages exist (the document has {count})")
    return chosen


def _selected(path: Path, count: int, pages: PageSelection | None) -> Iterable[int]:
    _selected_count(path, count, pages)
    return range(count) if pages is None else pages.indices(count)


# --------------------------------------------------------------------------- PDF


def _open_pdf(path: Path, options: LoadOptions) -> pymupdf.Document:
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:  # MuPDF raises several types for broken files
        raise InputError(path, f"corrupt or unreadable PDF ({_short(exc)})") from None
    try:
        _check_pdf(path, doc, options)
    except InputError:
        doc.close()
        raise
    except Exception as exc:  # a page tree MuPDF rejects (e.g. a /Count the file cannot hold)
        doc.close()
        raise InputError(path, f"corrupt or unreadable PDF ({_short(exc)})") from None
    return doc


def _check_pdf(path: Path, doc: pymupdf.Document, options: LoadOptions) -> None:
    if not _has_eof_marker(path):
        raise InputError(path, "PDF is truncated (it does not end with %%EOF): the copy or download is incomplete")
    if doc.is_repaired:
        logger.warning("%s: PDF structure is damaged; MuPDF repaired it, some content may be missing", path)
    if doc.needs_pass:
        if not options.password:
            raise InputError(path, "PDF is encrypted: pass its password with --password")
        if not doc.authenticate(options.password):
            raise InputError(path, "PDF is encrypted and the given password is wrong")
    if doc.page_count == 0:
        raise InputError(path, "document has no pages")


def _has_eof_marker(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 2048))
        return b"%%EOF" in fh.read()


def _pdf_pages(path: Path, options: LoadOptions) -> Iterator[Page | PageFailure]:
    with _open_pdf(path, options) as doc:
        for index in _selected(path, doc.page_count, options.pages):
            loaded: Page | PageFailure
            try:
                loaded = _render_pdf_page(path, doc[index], index, doc.page_count, options)
            except _PageProblem as exc:
                loaded = PageFailure(path, index, doc.page_count, str(exc))
            except Exception as exc:  # MuPDF raises several types for broken pages
                loaded = PageFailure(path, index, doc.page_count, f"cannot be rendered ({_short(exc)})")
            yield loaded


def _render_pdf_page(path: Path, pdf_page: pymupdf.Page, index: int, page_count: int, options: LoadOptions) -> Page:
    rect = pdf_page.rect
    zoom = _render_zoom(rect.width, rect.height, options.dpi, options.max_render_pixels)
    if zoom < options.dpi / 72.0:
        # A poster, or a page with a large /UserUnit, is rendered as large as the render budget allows, whatever
        # dpi that means: all of its content is there, only coarser.
        logger.warning("%s: page %d is %.0f x %.0f inches; rendered at %.3g dpi instead of %g to stay within %g "
                       "megapixels", path, index + 1, rect.width / 72, rect.height / 72, zoom * 72, options.dpi,
                       options.max_render_pixels / 1e6)  # fmt: skip
    if rect.width * zoom < 1 or rect.height * zoom < 1:
        raise _PageProblem(f"has no area ({rect.width:.3g} x {rect.height:.3g} pt): there is nothing to render")
    mend_font_maps(pdf_page)  # before MuPDF loads the page's fonts, which it keeps
    pix = pdf_page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False, colorspace=pymupdf.csRGB)
    if pdf_page.get_images(full=False):
        # MuPDF would keep every decoded page image of the document (2-7 MB a scanned page, up to 256 MB);
        # emptied only after pages with images, since born-digital pages would pay to parse their fonts again.
        pymupdf.TOOLS.store_shrink(100)
    image = np.frombuffer(pix.samples_mv, np.uint8).reshape(pix.height, pix.width, pix.n)[:, :, :3].copy()
    scale = pix.width / rect.width
    words = _text_layer_words(pdf_page, scale)
    trace = pdf_page.get_texttrace() if words else []
    usable = _text_layer_usable(words, trace)
    return Page(
        source=path,
        index=index,
        page_count=page_count,
        image=image,
        dpi=scale * 72.0,
        words=words,
        rulings=_vector_rulings(pdf_page, scale, words),
        spans=_text_layer_spans(pdf_page, scale, trace) if usable else [],
        text_layer_ok=usable,
    )


def _render_zoom(width: float, height: float, dpi: float, max_pixels: int) -> float:
    """Pixels per point to render a `width` x `height` pt page at: `dpi`'s, or less so that the pixmap stays within
    `max_pixels` (MuPDF rounds its edges outwards, which adds up to a pixel each way)."""
    zoom = dpi / 72.0
    area, perimeter = width * height, width + height
    if (width * zoom + 1) * (height * zoom + 1) <= max_pixels or area <= 0:
        return zoom
    # the largest zoom with area * zoom**2 + perimeter * zoom + 1 <= max_pixels
    return (math.sqrt(perimeter**2 + 4 * area * (max_pixels - 1)) - perimeter) / (2 * area)


def _to_pixels(pdf_page: pymupdf.Page, rect: pymupdf.Rect, scale: float) -> tuple[float, float, float, float]:
    # Text and drawings are reported in unrotated page space; the rendered image is rotated.
    r = pymupdf.Rect(rect) * pdf_page.rotation_matrix if pdf_page.rotation else pymupdf.Rect(rect)
    return (r.x0 * scale, r.y0 * scale, r.x1 * scale, r.y1 * scale)


def _text_layer_words(pdf_page: pymupdf.Page, scale: float) -> list[Word]:
    # without TEXT_PRESERVE_LIGATURES: "ﬁ" and "ﬃ" come out as their letters, as a reader searches for them
    flags = pymupdf.TEXT_MEDIABOX_CLIP
    found = pdf_page.get_text("words", flags=flags)
    lines_going_on = {(block_no, line_no) for *_, block_no, line_no, word_no in found if word_no > 0}
    words = []
    for x0, y0, x1, y1, text, block_no, line_no, word_no in found:
        text = text.strip()
        if not text:
            continue
        bbox = _to_pixels(pdf_page, pymupdf.Rect(x0, y0, x1, y1), scale)
        line = block_no * 10_000 + line_no
        marks = len(text) - len(text.lstrip(_UNMAPPED))
        if word_no == 0 and marks and (marks < len(text) or (block_no, line_no) in lines_going_on):
            # glyphs with no character opening a line of text: a symbol font's list mark, read as a bullet
            split = bbox[0] + (bbox[2] - bbox[0]) * marks / len(text)
            words.append(Word(text="•", bbox=(bbox[0], bbox[1], split, bbox[3]), line=line))
            text, bbox = text[marks:], (split, *bbox[1:])
            if not text:
                continue
        words.append(Word(text=unicodedata.normalize("NFC", text), bbox=bbox, line=line))
    return words


_UNMAPPED = "\ufffd"  # what MuPDF reads a glyph as when its font gives no character for it


_MONOSPACED = 8  # MuPDF's span flag for a fixed-pitch font


def _text_layer_spans(pdf_page: pymupdf.Page, scale: float, trace: list[dict]) -> list[TextSpan]:
    """The text layer's runs of one face, in pixels, without the spaces MuPDF would put in gaps (one put before
    a raised character would start its run on the line the character left); accents are runs of their own,
    taken from the page's text `trace`. Only for pages whose text runs left to right unturned: what the runs
    are read for (scripts above or below a baseline, an indent) means nothing on a turned line."""
    if pdf_page.rotation:
        return []
    flags = pymupdf.TEXT_PRESERVE_LIGATURES | pymupdf.TEXT_MEDIABOX_CLIP | pymupdf.TEXT_INHIBIT_SPACES
    spans = []
    for block in pdf_page.get_text("dict", flags=flags)["blocks"]:
        for line in block.get("lines", ()):
            if abs(line["dir"][1]) > 1e-3 or line["dir"][0] <= 0:
                continue
            for span in line["spans"]:
                text = span["text"]
                if any(c in ACCENTS for c in text):
                    text = "".join(c for c in text if c not in ACCENTS)
                if not text.strip():
                    continue
                x0, y0, x1, y1 = span["bbox"]
                spans.append(
                    TextSpan(
                        text=text if text.isascii() else unicodedata.normalize("NFC", text),
                        bbox=(x0 * scale, y0 * scale, x1 * scale, y1 * scale),
                        size=span["size"] * scale,
                        baseline=span["origin"][1] * scale,
                        font=span["font"],
                        monospace=bool(span["flags"] & _MONOSPACED),
                    )
                )
    return spans + _accents(trace, scale)


def _accents(trace: list[dict], scale: float) -> list[TextSpan]:
    """Accents as runs of their own, from the page's text trace: MuPDF's text extraction drops a combining
    accent that has no character before it on its line (an accented letter opening a line or a denominator)."""
    accents = []
    for run in trace:
        for char in run.get("chars", ()):
            if char[0] > 0 and chr(char[0]) in ACCENTS:
                x0, y0, x1, y1 = char[3]
                accents.append(
                    TextSpan(
                        text=chr(char[0]),
                        bbox=(x0 * scale, y0 * scale, x1 * scale, y1 * scale),
                        size=run["size"] * scale,
                        baseline=char[2][1] * scale,
                        font=run.get("font", ""),
                    )
                )
    return accents


def _text_layer_usable(words: list[Word], trace: list[dict]) -> bool:
    """False for empty, mostly invisible (OCR overlay of unknown quality) or garbled text layers; `trace` is
    the page's text trace."""
    if not words:
        return False
    chars = "".join(w.text for w in words)
    bad = sum(1 for c in chars if c == "\ufffd" or unicodedata.category(c) in ("Co", "Cc", "Cs"))
    if bad > 0.1 * len(chars):
        return False
    visible = invisible = 0
    for span in trace:
        n = len(span.get("chars", ()))
        # type 3 = invisible render mode; opacity 0 also hides the text
        if span.get("type") == 3 or span.get("opacity", 1.0) == 0:
            invisible += n
        else:
            visible += n
    return visible >= invisible


_THIN = 3.0  # pt: a filled or stroked shape no thicker than this is a rule (its centre line)
_MIN_RULE = 4.0  # pt: shorter segments are ticks and dots
_HIGHLIGHT = 1.25  # a filled box less than this many times as tall as its text is a text highlight


def _vector_rulings(pdf_page: pymupdf.Page, scale: float, words: list[Word]) -> list[Ruling]:
    """Table rules from the page's vector drawings, in pixels: stroked lines, thin boxes, the edges of
    stroked boxes and of shaded cell backgrounds (but not of text highlights or page-sized fills)."""
    try:
        drawings = pdf_page.get_drawings()
    except Exception:  # a broken content stream should not cost the page its text
        return []
    page_area = pdf_page.rect.width * pdf_page.rect.height
    rects: list[tuple[pymupdf.Rect, bool]] = []  # (shape, whether its edges are rules)
    lines: list[tuple[pymupdf.Point, pymupdf.Point]] = []
    for path in drawings:
        kind = path.get("type") or ""
        stroked = "s" in kind and not _is_white(path.get("color"))
        filled = "f" in kind and path.get("fill") is not None and not _is_white(path.get("fill"))
        if not (stroked or filled):
            continue
        items = path["items"]
        if filled and not stroked and any(item[0] in ("l", "c") for item in items):
            rects.append((pymupdf.Rect(path["rect"]), False))  # a glyph or logo outline: a rule only if thin
            continue
        for item in items:
            if item[0] == "l" and stroked:
                lines.append((item[1], item[2]))
            elif item[0] in ("re", "qu"):
                rect = pymupdf.Rect(item[1]) if item[0] == "re" else item[1].rect
                edges = stroked or (
                    rect.width * rect.height < 0.5 * page_area and not _highlight(pdf_page, rect, words, scale)
                )
                rects.append((rect, edges))
    for rect, edges in rects:
        lines += _rect_rules(rect, edges)
    rulings = []
    for p, q in lines:
        if abs(p.x - q.x) < 1.0 and abs(p.y - q.y) >= _MIN_RULE or abs(p.y - q.y) < 1.0 and abs(p.x - q.x) >= _MIN_RULE:
            x0, y0, x1, y1 = _to_pixels(pdf_page, pymupdf.Rect(p, q).normalize(), scale)
            if x1 - x0 < y1 - y0:
                x0 = x1 = (x0 + x1) / 2
            else:
                y0 = y1 = (y0 + y1) / 2
            rulings.append(Ruling(x0, y0, x1, y1))
    return rulings


def _rect_rules(r: pymupdf.Rect, edges: bool) -> list[tuple[pymupdf.Point, pymupdf.Point]]:
    """A thin box is one rule along its middle; a larger one gives its four edges when `edges`."""
    if r.width <= _THIN and r.height >= _MIN_RULE:
        x = (r.x0 + r.x1) / 2
        return [(pymupdf.Point(x, r.y0), pymupdf.Point(x, r.y1))]
    if r.height <= _THIN and r.width >= _MIN_RULE:
        y = (r.y0 + r.y1) / 2
        return [(pymupdf.Point(r.x0, y), pymupdf.Point(r.x1, y))]
    if not edges or min(r.width, r.height) < _MIN_RULE:
        return []
    return [(r.tl, r.tr), (r.bl, r.br), (r.tl, r.bl), (r.tr, r.br)]


def _highlight(pdf_page: pymupdf.Page, rect: pymupdf.Rect, words: list[Word], scale: float) -> bool:
    """A filled box hugging one line of text (a coloured text background), or behind part of a word (a mark on
    a few of its letters), not a shaded table cell: a cell holds whole words."""
    box = _to_pixels(pdf_page, rect, scale)
    heights = [
        w.bbox[3] - w.bbox[1]
        for w in words
        if box[0] - 2 <= (w.bbox[0] + w.bbox[2]) / 2 <= box[2] + 2
        and box[1] - 2 <= (w.bbox[1] + w.bbox[3]) / 2 <= box[3] + 2
    ]
    if heights:
        return (box[3] - box[1]) < _HIGHLIGHT * max(heights)
    return any(
        w.bbox[0] - 2 <= box[0] and box[2] <= w.bbox[2] + 2 and min(box[3], w.bbox[3]) > max(box[1], w.bbox[1])
        for w in words
    )


def _is_white(color) -> bool:
    return color is not None and len(color) >= 3 and min(color[:3]) > 0.95


# --------------------------------------------------------------------------- images


# Formats whose frames are all drawn on one canvas of the image's size (animations): checking the canvas checks
# every frame. Other formats' frames (TIFF pages, MPO pictures, ...) each have their own size.
_ONE_CANVAS_FORMATS = frozenset({"PNG", "WEBP", "GIF"})


def _open_image(path: Path, options: LoadOptions) -> Image.Image:
    """The image, opened lazily, after every frame's size was read from its header and found within the limit."""
    Image.MAX_IMAGE_PIXELS = None  # we enforce our own, documented limit below
    try:
        img = Image.open(path)
    except Exception as exc:
        raise InputError(path, f"corrupt or unsupported image ({_short(exc)})") from None
    try:
        _check_frame_sizes(path, img, options.max_image_pixels)
    except InputError:
        img.close()
        raise
    except Exception as exc:  # a frame header Pillow cannot read
        img.close()
        raise InputError(path, f"corrupt or unsupported image ({_short(exc)})") from None
    return img


def _check_frame_sizes(path: Path, img: Image.Image, limit: int) -> None:
    frames = _frame_count(img)
    for index in range(1 if img.format in _ONE_CANVAS_FORMATS else frames):
        img.seek(index)  # reads the frame's header only
        width, height = img.size
        if width * height > limit:
            what = "image" if frames == 1 else f"frame {index + 1} of {frames}"
            raise InputError(
                path,
                f"{what} is {width} x {height} = {width * height / 1e6:.3g} megapixels, above the limit of "
                f"{limit / 1e6:g} megapixels (raise --max-image-pixels to allow it)",
            )
    img.seek(0)


def _frame_count(img: Image.Image) -> int:
    return getattr(img, "n_frames", 1)


def _image_pages(path: Path, options: LoadOptions) -> Iterator[Page | PageFailure]:
    with _open_image(path, options) as img:
        frames = _frame_count(img)
        for index in _selected(path, frames, options.pages):
            loaded: Page | PageFailure
            try:
                img.seek(index)
            except EOFError:  # the header promised more frames than the file holds
                return
            except Exception as exc:
                loaded = PageFailure(path, index, frames, f"cannot be decoded ({_short(exc)})")
            else:
                try:
                    image = _to_rgb_array(img)
                except Exception as exc:
                    loaded = PageFailure(path, index, frames, f"cannot be decoded ({_short(exc)})")
                else:
                    loaded = Page(source=path, index=index, page_count=frames, image=image, dpi=_image_dpi(img))
            yield loaded


def _to_rgb_array(frame: Image.Image) -> np.ndarray:
    """The frame as RGB, 8 bits a channel: EXIF rotation applied, transparency flattened on white, high bit
    depths scaled (see `_grey_to_8bit`)."""
    frame = ImageOps.exif_transpose(frame)
    if frame.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        frame = Image.alpha_composite(white, rgba)
    elif frame.mode in ("I", "F") or frame.mode.startswith("I;16"):
        frame = Image.fromarray(_grey_to_8bit(np.asarray(frame)), "L")
    if frame.mode in ("1", "L"):  # most scans: OpenCV spreads the grey over three channels several times as fast
        return cv2.cvtColor(np.asarray(frame if frame.mode == "L" else frame.convert("L")), cv2.COLOR_GRAY2RGB)
    return np.asarray(frame.convert("RGB"), dtype=np.uint8)


def _grey_to_8bit(values: np.ndarray) -> np.ndarray:
    """16-bit, 32-bit and floating-point grey levels as 0-255, linearly from their nominal range: 0-65535 for
    16-bit samples, 0-1 for floating point (the TIFF convention), 0-255 or 0-65535 for 32-bit integers by the
    values they hold. Values outside it are stretched from the lowest to the highest; NaN and infinities count as
    the nearest finite extreme."""
    grey = values.astype(np.float32)
    finite = np.isfinite(grey)
    if not finite.any():
        raise ValueError("the image holds no finite grey values")
    known = grey if finite.all() else grey[finite]
    low, high = float(known.min()), float(known.max())
    np.nan_to_num(grey, copy=False, nan=high, posinf=high, neginf=low)
    if values.dtype.itemsize == 2 and values.dtype.kind == "u":
        span = (0.0, 65535.0)
    elif values.dtype.kind == "f" and 0 <= low and high <= 1:
        span = (0.0, 1.0)
    elif 0 <= low and high <= 255:
        span = (0.0, 255.0)
    elif 0 <= low and high <= 65535:
        span = (0.0, 65535.0)
    else:
        span = (low, max(high, low + 1e-6))
    grey -= span[0]
    grey *= 255.0 / (span[1] - span[0])
    return np.clip(np.rint(grey), 0, 255).astype(np.uint8)


def _image_dpi(frame: Image.Image) -> float:
    dpi = frame.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    # Resolution tags are often wrong (1, 0, 2400 on a phone photo): only trust plausible ones.
    return value if 50 <= value <= 1200 else 72.0


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]
