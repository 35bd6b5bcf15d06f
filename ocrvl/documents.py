"""Reading input files into `Page`s: PDFs through PyMuPDF, images through Pillow.

A file's kind is decided by its first bytes, not its name, so a text file named
``.pdf`` gets a clear error instead of a parser crash deep inside a stage.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image, ImageOps, ImageSequence

from ocrvl.errors import InputError, OptionsError
from ocrvl.log import logger
from ocrvl.types import Page, Ruling, Word

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
class LoadOptions:
    """How documents become page images.

    `dpi`: PDF pages are rendered at this resolution (144 dpi = 2x the PDF point grid,
    the zoom PaddleOCR-VL's own PDF reader uses).
    `max_image_pixels`: images larger than this are refused (decompression bombs,
    30000 x 30000 scans); the limit is checked from the header, before decoding.
    `max_render_pixels`: a PDF page that would render larger than this is rendered at a
    lower dpi instead, so one poster-sized page cannot exhaust memory.
    `password`: for encrypted PDFs.
    `pages`: 0-based page indices to keep (None = all).
    """

    dpi: float = 144.0
    max_image_pixels: int = 100_000_000
    max_render_pixels: int = 40_000_000
    password: str | None = None
    pages: frozenset[int] | None = None


def parse_page_range(spec: str | None) -> frozenset[int] | None:
    """``"1-3,7"`` (1-based, inclusive) -> {0, 1, 2, 6}; None or "" -> None (all pages)."""
    if not spec:
        return None
    pages: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            first = int(lo)
            last = int(hi) if sep else first
        except ValueError:
            raise OptionsError(f"bad page range {spec!r}: use numbers like 1-3,7") from None
        if first < 1 or last < first:
            raise OptionsError(f"bad page range {part!r} in {spec!r}: pages count from 1, ranges go up")
        pages.update(range(first - 1, last))
    return frozenset(pages)


def sniff_kind(path: Path) -> str:
    """'pdf' or 'image' from the file's first bytes; InputError for anything else."""
    if not path.exists():
        raise InputError(path, "no such file")
    if path.is_dir():
        raise InputError(path, "is a folder, not a file")
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


def count_pages(path: Path, options: LoadOptions) -> int:
    """Number of pages that `iter_pages` will yield (cheap: no rendering)."""
    if sniff_kind(path) == "pdf":
        with _open_pdf(path, options) as doc:
            return len(_selected(path, doc.page_count, options.pages))
    with _open_image(path, options) as img:
        return len(_selected(path, getattr(img, "n_frames", 1), options.pages))


def iter_pages(path: Path, options: LoadOptions | None = None) -> Iterator[Page]:
    """Yield the selected pages of a PDF or image file, in order."""
    options = options or LoadOptions()
    if sniff_kind(path) == "pdf":
        yield from _pdf_pages(path, options)
    else:
        yield from _image_pages(path, options)


def _selected(path: Path, count: int, pages: frozenset[int] | None) -> list[int]:
    if count == 0:
        raise InputError(path, "document has no pages")
    if pages is None:
        return list(range(count))
    chosen = sorted(p for p in pages if p < count)
    if not chosen:
        raise InputError(path, f"none of the requested pages exist (the document has {count})")
    return chosen


# --------------------------------------------------------------------------- PDF


def _open_pdf(path: Path, options: LoadOptions) -> pymupdf.Document:
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:  # MuPDF raises several types for broken files
        raise InputError(path, f"corrupt or unreadable PDF ({_short(exc)})") from None
    if not _has_eof_marker(path):
        doc.close()
        raise InputError(path, "PDF is truncated (it does not end with %%EOF): the copy or download is incomplete")
    if doc.is_repaired:
        logger.warning("%s: PDF structure is damaged; MuPDF repaired it, some content may be missing", path)
    if doc.needs_pass:
        if not options.password:
            doc.close()
            raise InputError(path, "PDF is encrypted: pass its password with --password")
        if not doc.authenticate(options.password):
            doc.close()
            raise InputError(path, "PDF is encrypted and the given password is wrong")
    if doc.page_count == 0:
        doc.close()
        raise InputError(path, "document has no pages")
    return doc


def _has_eof_marker(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 2048))
        return b"%%EOF" in fh.read()


def _pdf_pages(path: Path, options: LoadOptions) -> Iterator[Page]:
    with _open_pdf(path, options) as doc:
        indices = _selected(path, doc.page_count, options.pages)
        for index in indices:
            try:
                pdf_page = doc[index]
                page = _render_pdf_page(path, pdf_page, index, doc.page_count, options)
            except InputError:
                raise
            except Exception as exc:
                raise InputError(path, f"page {index + 1} cannot be rendered ({_short(exc)})") from None
            yield page


def _render_pdf_page(path: Path, pdf_page: pymupdf.Page, index: int, page_count: int, options: LoadOptions) -> Page:
    rect = pdf_page.rect
    dpi = options.dpi
    area_at_dpi = rect.width * rect.height * (dpi / 72.0) ** 2
    if area_at_dpi > options.max_render_pixels:
        dpi = dpi * (options.max_render_pixels / area_at_dpi) ** 0.5
    if rect.width * dpi / 72.0 < 1 or rect.height * dpi / 72.0 < 1:
        raise InputError(path, f"page {index + 1} has no area ({rect.width:.0f} x {rect.height:.0f} pt)")
    pix = pdf_page.get_pixmap(dpi=int(round(dpi)), alpha=False, colorspace=pymupdf.csRGB)
    image = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)[:, :, :3].copy()
    scale = pix.width / rect.width
    words = _text_layer_words(pdf_page, scale)
    return Page(
        source=path,
        index=index,
        page_count=page_count,
        image=image,
        dpi=scale * 72.0,
        words=words,
        rulings=_vector_rulings(pdf_page, scale, words),
        text_layer_ok=_text_layer_usable(pdf_page, words),
    )


def _to_pixels(pdf_page: pymupdf.Page, rect: pymupdf.Rect, scale: float) -> tuple[float, float, float, float]:
    # Text and drawings are reported in unrotated page space; the rendered image is rotated.
    r = pymupdf.Rect(rect) * pdf_page.rotation_matrix if pdf_page.rotation else pymupdf.Rect(rect)
    return (r.x0 * scale, r.y0 * scale, r.x1 * scale, r.y1 * scale)


def _text_layer_words(pdf_page: pymupdf.Page, scale: float) -> list[Word]:
    flags = pymupdf.TEXT_PRESERVE_LIGATURES | pymupdf.TEXT_MEDIABOX_CLIP
    words = []
    for x0, y0, x1, y1, text, block_no, line_no, _word_no in pdf_page.get_text("words", flags=flags):
        text = text.strip()
        if not text:
            continue
        bbox = _to_pixels(pdf_page, pymupdf.Rect(x0, y0, x1, y1), scale)
        words.append(Word(text=unicodedata.normalize("NFC", text), bbox=bbox, line=block_no * 10_000 + line_no))
    return words


def _text_layer_usable(pdf_page: pymupdf.Page, words: list[Word]) -> bool:
    """False for empty, mostly invisible (OCR overlay of unknown quality) or garbled text layers."""
    if not words:
        return False
    chars = "".join(w.text for w in words)
    bad = sum(1 for c in chars if c == "\ufffd" or unicodedata.category(c) in ("Co", "Cc", "Cs"))
    if bad > 0.1 * len(chars):
        return False
    visible = invisible = 0
    for span in pdf_page.get_texttrace():
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
    """A filled box hugging one line of text (a coloured text background), not a shaded table cell."""
    box = _to_pixels(pdf_page, rect, scale)
    heights = [
        w.bbox[3] - w.bbox[1]
        for w in words
        if box[0] - 2 <= (w.bbox[0] + w.bbox[2]) / 2 <= box[2] + 2
        and box[1] - 2 <= (w.bbox[1] + w.bbox[3]) / 2 <= box[3] + 2
    ]
    return bool(heights) and (box[3] - box[1]) < _HIGHLIGHT * max(heights)


def _is_white(color) -> bool:
    return color is not None and len(color) >= 3 and min(color[:3]) > 0.95


# --------------------------------------------------------------------------- images


def _open_image(path: Path, options: LoadOptions) -> Image.Image:
    Image.MAX_IMAGE_PIXELS = None  # we enforce our own, documented limit below
    try:
        img = Image.open(path)
    except Exception as exc:
        raise InputError(path, f"corrupt or unsupported image ({_short(exc)})") from None
    w, h = img.size
    if w * h > options.max_image_pixels:
        img.close()
        raise InputError(
            path,
            f"image is {w} x {h} = {w * h / 1e6:.0f} megapixels, above the limit of "
            f"{options.max_image_pixels / 1e6:.0f} (raise --max-image-pixels to allow it)",
        )
    return img


def _image_pages(path: Path, options: LoadOptions) -> Iterator[Page]:
    with _open_image(path, options) as img:
        frames = getattr(img, "n_frames", 1)
        indices = set(_selected(path, frames, options.pages))
        for index, frame in enumerate(ImageSequence.Iterator(img)):
            if index not in indices:
                continue
            try:
                rgb = _to_rgb(frame)
            except Exception as exc:
                raise InputError(path, f"page {index + 1} cannot be decoded ({_short(exc)})") from None
            yield Page(
                source=path,
                index=index,
                page_count=frames,
                image=np.asarray(rgb, dtype=np.uint8).copy(),
                dpi=_image_dpi(frame),
            )


def _to_rgb(frame: Image.Image) -> Image.Image:
    frame = ImageOps.exif_transpose(frame)
    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if frame.mode == "I;16" or frame.mode == "I":
        arr = np.asarray(frame, dtype=np.float64)
        arr = 255.0 * (arr - arr.min()) / max(arr.max() - arr.min(), 1.0)
        return Image.fromarray(arr.astype(np.uint8)).convert("RGB")
    return frame.convert("RGB")


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
