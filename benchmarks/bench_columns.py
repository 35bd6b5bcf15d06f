"""Reading order and text on scanned multi-column pages, ocrvl lite beside one-thread Tesseract.

    python benchmarks/bench_columns.py [--eval-dir ../shared/eval] [--pages 8] [--dpi 300] [--keep DIR]

The dev split has no magazine or newspaper page, so this benchmark sets its own: pages typeset here with
PyMuPDF from the licence texts every Debian system carries (/usr/share/common-licenses), scanned at 300 dpi
(`--dpi`; black-and-white with noise, or grey paper slightly out of focus, turned by up to 0.8 degrees):

- magazine: a running head, a headline, a byline, two or three justified columns with a 14 pt gutter, a
  photograph over one or two columns with a caption, a folio;
- newspaper: a masthead, four or five columns of small print with 8-12 pt gutters, three stories whose
  headlines span their columns (two stacked on the left, one down the right).

The reference text is what was typeset, in reading order: a story's headline, then its columns left to right
(a caption after the column text above its photograph). Prints score.py's NED per page and per kind for ocrvl
lite and Tesseract (skipped with a note where absent), and each one's pages/s in the same run, pages in turns.
"""

from __future__ import annotations

import functools
import io
import random
import re
from pathlib import Path

import bench_lite
import numpy as np
import pymupdf
from PIL import Image, ImageFilter

LICENCES = Path("/usr/share/common-licenses")
SCAN_DPI = 300


class Prose:
    """An endless supply of English prose: the paragraphs of the system's licence texts, shuffled."""

    def __init__(self, seed: int):
        paragraphs = []
        for name in ("GPL-3", "Apache-2.0", "GFDL-1.3", "LGPL-3", "Artistic", "MPL-2.0"):
            path = LICENCES / name
            if path.exists():
                for block in re.split(r"\n\s*\n", path.read_text(errors="ignore")):
                    text = re.sub(r"\s+", " ", block).strip()
                    if len(text) > 200 and text.count(".") >= 2 and not re.search(r"[<>{}=_]", text):
                        paragraphs.append(text)
        if not paragraphs:
            raise SystemExit(f"no licence texts in {LICENCES} to typeset pages from")
        random.Random(seed).shuffle(paragraphs)
        self.words = " ".join(paragraphs).split()

    def take(self, count: int) -> str:
        taken, self.words = self.words[:count], self.words[count:] + self.words[:count]
        return " ".join(taken)

    def fill(self, page: pymupdf.Page, rect: pymupdf.Rect, size: float, font: str, align: int = 3) -> str:
        """As many words as fit in `rect` set there (justified by default); returns the text set."""
        low, high, best = 3, 700, ""
        while low <= high:
            middle = (low + high) // 2
            text = " ".join(self.words[:middle])
            trial = pymupdf.open().new_page(width=page.rect.width, height=page.rect.height)
            if trial.insert_textbox(rect, text, fontsize=size, fontname=font, align=align) >= 0:
                best, low = text, middle + 1
            else:
                high = middle - 1
        page.insert_textbox(rect, best, fontsize=size, fontname=font, align=align)
        self.take(len(best.split()))
        return best


def photograph(width: int, height: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    tones = 127 + 80 * np.sin(x / (7 + seed % 13)) * np.cos(y / (9 + seed % 7)) + rng.normal(0, 25, (height, width))
    out = io.BytesIO()
    Image.fromarray(tones.clip(0, 255).astype(np.uint8)).save(out, "PNG")
    return out.getvalue()


def magazine_page(prose: Prose, rng: random.Random, seed: int) -> tuple[pymupdf.Document, list[str]]:
    doc = pymupdf.open()
    width, height, margin, gutter = 612, 792, 48, 14
    page = doc.new_page(width=width, height=height)
    title, month = rng.choice(["COMPUTING TODAY", "The Science Monthly"]), rng.choice(["March 1994", "July 1992"])
    folio = str(rng.randint(12, 180))
    page.insert_text((margin, 34), f"{title} - {month}", fontsize=8, fontname="helv")
    page.insert_text((width - margin - 20, 34), folio, fontsize=8, fontname="helv")
    headline = prose.take(rng.randint(4, 7)).rstrip(".,;:").title()
    page.insert_textbox(pymupdf.Rect(margin, 50, width - margin, 110), headline, fontsize=22, fontname="tibo", align=0)
    byline = "By " + rng.choice(["Mary Ellen Hoffman", "David R. Kessler", "Robert Tanaka"])
    page.insert_text((margin, 124), byline, fontsize=9, fontname="tiit")
    reference = [f"{title} - {month} {folio}", headline, byline]
    columns = rng.choice([2, 3])
    column_width = (width - 2 * margin - (columns - 1) * gutter) / columns
    size = rng.choice([9, 9.5, 10])
    photo_column = rng.randrange(columns - 1) if columns == 3 else rng.randrange(columns)
    span = 2 if columns == 3 and rng.random() < 0.5 else 1
    photo_top, photo_height, top = rng.choice([136, 300, 420]), rng.choice([150, 190]), 136
    for column in range(columns):
        x0 = margin + column * (column_width + gutter)
        x1 = x0 + column_width
        if not photo_column <= column < photo_column + span:
            reference.append(prose.fill(page, pymupdf.Rect(x0, top, x1, height - 60), size, "tiro"))
            continue
        above = prose.fill(page, pymupdf.Rect(x0, top, x1, photo_top - 6), size, "tiro") if photo_top > top + 30 else ""
        caption = ""
        if column == photo_column:
            right = x0 + span * column_width + (span - 1) * gutter
            image = photograph(int(2 * (right - x0)), 2 * photo_height, seed)
            page.insert_image(pymupdf.Rect(x0, photo_top, right, photo_top + photo_height), stream=image)
            caption_box = pymupdf.Rect(x0, photo_top + photo_height + 3, right, photo_top + photo_height + 40)
            caption = prose.fill(page, caption_box, 7.5, "helv", align=0)
        below = prose.fill(page, pymupdf.Rect(x0, photo_top + photo_height + 44, x1, height - 60), size, "tiro")
        reference += [text for text in (above, caption, below) if text]
    page.insert_text((width / 2 - 5, height - 30), folio, fontsize=8, fontname="helv")
    return doc, [*reference, folio]


def newspaper_page(prose: Prose, rng: random.Random) -> tuple[pymupdf.Document, list[str]]:
    doc = pymupdf.open()
    width, height, margin = 612, 900, 30
    page = doc.new_page(width=width, height=height)
    gutter, columns, size = rng.choice([8, 10, 12]), rng.choice([4, 5]), rng.choice([7.5, 8, 8.5])
    column_width = (width - 2 * margin - (columns - 1) * gutter) / columns
    masthead = rng.choice(["THE DAILY COURIER", "Evening Herald", "THE WEEKLY RECORD"])
    page.insert_text((margin, 52), masthead, fontsize=24, fontname="tibo")
    reference = [masthead]

    def story(first: int, last: int, top: float, bottom: float) -> list[str]:
        x0 = margin + first * (column_width + gutter)
        x1 = margin + last * (column_width + gutter) - gutter
        headline_size = rng.choice([13, 15])
        headline = prose.fill(page, pymupdf.Rect(x0, top, x1, top + 2.6 * headline_size), headline_size, "tibo", 0)
        body_top = top + 2.7 * headline_size
        texts = [headline]
        for column in range(first, last):
            cx = margin + column * (column_width + gutter)
            texts.append(prose.fill(page, pymupdf.Rect(cx, body_top, cx + column_width, bottom), size, "tiro"))
        return texts

    split, middle = rng.randint(2, columns - 2), rng.choice([400, 480, 540])
    reference += story(0, split, 70, middle - 10)
    reference += story(0, split, middle + 6, height - 40)
    reference += story(split, columns, 70, height - 40)
    return doc, reference


def scanned(doc: pymupdf.Document, seed: int, dpi: int = SCAN_DPI) -> Image.Image:
    rng = np.random.default_rng(seed)
    image = bench_lite.tilted_page(doc, dpi, 0.8, rng)
    tones = np.asarray(image).astype(np.float32) + rng.normal(0, 16, (image.height, image.width))
    if seed % 2 == 0:  # black and white, as a fax or an office scanner's text mode
        return Image.fromarray(np.where(tones > 150, 255, 0).astype(np.uint8))
    grey = 232 - (255 - tones.clip(0, 255)) * 0.85
    return Image.fromarray(grey.clip(0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8))


def main() -> None:
    args = bench_lite.typeset_arguments(__doc__.splitlines()[0], 8, "pages of each kind", dpi=SCAN_DPI)
    prose, rng = Prose(seed=7), random.Random(7)
    makers = {"magazine": lambda n: magazine_page(prose, rng, n), "newspaper": lambda n: newspaper_page(prose, rng)}
    scan = functools.partial(scanned, dpi=args.dpi)
    bench_lite.typeset_beside_peers(args, makers, scan, args.dpi, "ocrvl-columns-", bench_lite.tesseract_peers())


if __name__ == "__main__":
    main()
