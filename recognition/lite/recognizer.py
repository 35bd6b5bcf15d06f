"""The embedded lite recognizer: the PDF text layer where there is one, PP-OCRv6 where there is not,
tables rebuilt from words and ruling lines, pictures and formulas cropped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ocrvl.geometry import center, centred_in, contains_point, union_box
from ocrvl.labels import MARGINAL_LABELS, PICTURE_LABELS
from ocrvl.recognition.lite.garbled_fonts import garbled_fonts
from ocrvl.recognition.lite.ink_pieces import glyphs, ink_pieces, strokes
from ocrvl.recognition.lite.missed_print import missed_lines
from ocrvl.recognition.lite.ocr import LineReader, OcrOptions
from ocrvl.recognition.lite.rulings import detect_rulings
from ocrvl.recognition.lite.tables import TableReading, read_table
from ocrvl.recognition.lite.text_assembly import region_code, region_lines, region_text
from ocrvl.recognition.lite.text_math import (
    formula_latex,
    fractions_latex,
    plain_formula_latex,
    split_equation_number,
    tagged,
)
from ocrvl.types import BBox, Block, Page, Region, Ruling, TextSpan, Word

# Around a line of garbled text-layer words, in its height, the crop read by OCR: room for the detector, not for
# the lines above and below.
_GARBLED_LINE_PADDING = 0.25

# A line of print the detector missed is kept when read with at least this confidence: what the detector leaves
# out is more often no text (a rule's end, a logo, a script the models do not know) than the lines it finds.
_MISSED_LINE_SCORE = 0.8
_NOT_READ_IN_LINES = PICTURE_LABELS | MARGINAL_LABELS | {"table"}


@dataclass(frozen=True)
class LiteOptions:
    """`ocr`: options of the PP-OCR line reader. `force_ocr`: ignore PDF text layers.
    `crop_padding`: pixels added around pictures and formulas when they are cropped."""

    ocr: OcrOptions = field(default_factory=OcrOptions)
    force_ocr: bool = False
    crop_padding: int = 4


class LiteRecognizer:
    """Reads every region of a page; the OCR model is loaded on first use only."""

    def __init__(self, options: LiteOptions | None = None):
        self.options = options or LiteOptions()
        self.reader = LineReader(self.options.ocr)

    def uses_text_layer(self, page: Page) -> bool:
        return page.text_layer_ok and not self.options.force_ocr

    def page_words(self, page: Page) -> list[Word]:
        """The page's words: its text layer if usable (its lines in a garbled font read off the image), else OCR
        lines of the whole page."""
        if self.uses_text_layer(page):
            return self._text_layer_words(page)
        return self.reader.read(page.image)

    def _text_layer_words(self, page: Page) -> list[Word]:
        fonts = garbled_fonts(page.spans)
        garbled_spans = [span.bbox for span in page.spans if span.font in fonts]
        garbled_lines: dict[int, list[Word]] = {}
        words: list[Word] = []
        for word in page.words:
            if any(contains_point(box, *center(word.bbox)) for box in garbled_spans):
                garbled_lines.setdefault(word.line, []).append(word)
            else:
                words.append(word)
        for line in garbled_lines.values():
            x0, y0, x1, y1 = union_box([word.bbox for word in line])
            pad = _GARBLED_LINE_PADDING * (y1 - y0)
            words += self.reader.read_region(page.image, (x0 - pad, y0 - pad, x1 + pad, y1 + pad))
        return words

    def recognize(
        self,
        page: Page,
        regions: Sequence[Region],
        words_per_region: Sequence[list[Word]],
        seen: Page | None = None,
    ) -> list[Block]:
        """Blocks for the regions, in the order given, `words_per_region[i]` being the words inside
        `regions[i]`. Text regions that end up empty are left out. `seen`: the page as the models saw it (a scan
        turned over where printed light on dark, its show-through taken out), whose print, rulings and missed lines
        are looked at; pictures are cut from `page`."""
        seen = seen or page
        blocks: list[Block] = []
        image_rulings: list[Ruling] | None = None
        page_words = [word for words in words_per_region for word in words]
        for region, words in zip(regions, words_per_region):
            if not words and self._holds_raster_text(page, region):
                words = self.reader.read_region(page.image, region.bbox)
            pieces = ink_pieces(seen.image, region.bbox) if self._reads_print(page, region) else []
            if pieces:
                words = words + self._missed_lines(seen, pieces, page_words)
            block = Block(region=region, content="", block_id=len(blocks))
            if region.label in PICTURE_LABELS:
                block.image = self._crop(page, region)
            elif region.label == "table":
                if self.uses_text_layer(page):
                    rulings = page.rulings
                else:
                    if image_rulings is None:
                        tables = [r.bbox for r in regions if r.label == "table"]
                        image_rulings = detect_rulings(seen.image, shaded_in=tables)
                    rulings = image_rulings
                reading = read_table(words, rulings, region.bbox) if words else TableReading("")
                block.content = reading.html
                blocks += _set_apart(reading.caption, reading.caption_box, "figure_title", region, len(blocks))
                block.block_id = len(blocks)
                if block.content:
                    blocks.append(block)
                blocks += _set_apart(reading.notes, reading.notes_box, "vision_footnote", region, len(blocks))
                continue
            elif region.label == "display_formula" and words and self.uses_text_layer(page) and page.spans:
                extent = union_box([region.bbox, *(w.bbox for w in words)])  # the box may cut its words
                latex = formula_latex(page.spans, page.rulings, extent)
                block.content = f"$${latex}$$" if latex else ""  # delimited as the vl engine's formulas are
            elif region.label == "aside_text":
                block.content = " ".join(w.text for w in words)  # in the order refine_layout gave: up the page
            elif region.label == "algorithm" and self.uses_text_layer(page):
                block.content = region_code(words, _fixed_pitch(page.spans, region.bbox))
            elif region.label == "display_formula":  # read off the image: its text as LaTeX, and its picture
                lines, number = split_equation_number(words)
                latex = fractions_latex(lines, strokes(pieces)) or plain_formula_latex(region_text(lines))
                latex = tagged(latex, number)
                block.content = f"$${latex}$$" if latex else ""
                block.image = self._crop(page, region)
            else:
                block.content = region_lines(words) if region.label == "content" else region_text(words)
            if block.content or block.image is not None:
                blocks.append(block)
        return blocks

    def _holds_raster_text(self, page: Page, region: Region) -> bool:
        """A body text or table region of a born-digital page with no text-layer words under it: text
        drawn as an image. (A region whose words went to an overlapping region is not OCR'd again;
        headers and footers, left out of the Markdown, are not worth an OCR run.)"""
        if region.label in PICTURE_LABELS | MARGINAL_LABELS or not self.uses_text_layer(page):
            return False
        return not centred_in(region.bbox, page.words)

    def _reads_print(self, page: Page, region: Region) -> bool:
        """A region of an OCR'd page whose print is all text read in lines (not a picture, table or margin)."""
        return not self.uses_text_layer(page) and region.label not in _NOT_READ_IN_LINES

    def _missed_lines(self, page: Page, pieces: Sequence[BBox], page_words: Sequence[Word]) -> list[Word]:
        """The lines of the region's print that no word of the page covers, read where the text detector found
        none (print boxed by two regions may be covered by the other's words)."""
        lines = missed_lines(glyphs(pieces), page_words)
        return self.reader.read_boxes(page.image, lines, _MISSED_LINE_SCORE, page_words) if lines else []

    def _crop(self, page: Page, region: Region) -> np.ndarray:
        pad = self.options.crop_padding
        x0, y0, x1, y1 = region.bbox
        x0, y0 = max(0, int(x0) - pad), max(0, int(y0) - pad)
        x1, y1 = min(page.width, int(np.ceil(x1)) + pad), min(page.height, int(np.ceil(y1)) + pad)
        return page.image[y0:y1, x0:x1].copy()


def _set_apart(text: str, box: BBox | None, label: str, table: Region, block_id: int) -> list[Block]:
    """A block of the caption or notes a table region took in (`text`, at `box`, or the table's box for a table
    printed sideways); none when there is no such text."""
    if not text:
        return []
    region = Region(box or table.bbox, label, table.score, order=table.order)
    return [Block(region=region, content=text, block_id=block_id)]


def _fixed_pitch(spans: Sequence[TextSpan], bbox: BBox) -> float | None:
    """The width of one character of the fixed-pitch runs in `bbox`, None where there are none."""
    widths = sorted(
        (s.bbox[2] - s.bbox[0]) / len(s.text)
        for s in spans
        if s.monospace and s.text and contains_point(bbox, *center(s.bbox))
    )
    return widths[len(widths) // 2] if widths else None
