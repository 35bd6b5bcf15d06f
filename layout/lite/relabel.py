"""Correcting layout labels from the text inside the boxes, where the small CDLA detector is weak."""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence

import numpy as np

from ocrvl.cjk import is_cjk
from ocrvl.geometry import row_overlap, union_box
from ocrvl.labels import BULLETS, FIGURE, MARGINAL_LABELS, NO_FIGURE, PICTURE_LABELS
from ocrvl.layout.lite.cdla import LABEL_IDS, set_label
from ocrvl.layout.lite.paint import painted_share
from ocrvl.layout.lite.regions import continues_under, group_lines, line_boxes, linked_groups, remove_regions
from ocrvl.layout.lite.text_columns import print_height, side_by_side
from ocrvl.types import BBox, Region, Ruling, Word


def relabel_by_content(regions: Sequence[Region], words_per_region: Sequence[Sequence[Word]]) -> None:
    """Fix labels the CDLA detector gets wrong, from the text inside the boxes.

    Short text set clearly larger than the body text (or numbered like a section) is a heading, also
    when boxed as a page header; lines of a table of contents (dot leaders, a page number) are `content`, not
    headings or a paragraph; a long "title" is text; a short line made mostly of symbols around an
    equals sign is a display formula, also when boxed as a title; a page whose text is all boxed as header or
    footer has no running header or footer: its text is text; a title that reads as a numbered caption
    ("Listing 1: ...") is a caption; a "formula" that reads as a sentence or caption is text.
    """
    body = _body_line_height(words_per_region)
    if body is None:
        return
    furniture = ("header", "footer")
    if all(region.label in furniture for region, words in zip(regions, words_per_region) if words):
        # A running header or footer runs beside a body: text boxed so on a page without any (a title page, a
        # slide of one line) is the page's content, which Markdown would otherwise leave out.
        for region, words in zip(regions, words_per_region):
            if words:
                set_label(region, "text")
    body_em = _cjk_em([w for words in words_per_region for w in words])
    for region, words in zip(regions, words_per_region):
        if region.label in ("text", "paragraph_title", "reference") and words and _contents_entries(words):
            set_label(region, "content")
        if region.label == "display_formula" and _prose_like(" ".join(w.text for w in words)):
            set_label(region, "text")  # a caption or a line of prose boxed as a formula
        if region.label not in ("text", "paragraph_title", "header") or not words:
            continue
        lines = line_boxes(words)
        text = " ".join(w.text for w in words)
        scale = statistics.median(b[3] - b[1] for b in lines) / body
        em = _cjk_em(words)
        if em is not None and body_em is not None:
            scale = max(scale, em / body_em)  # OCR boxes of large and small lines can be equally tall
        if region.label == "header":
            # running headers are set small; a large line at the top of a page is a title
            if len(lines) <= 2 and scale >= 1.1 and _heading_like(text, len(lines), larger=True):
                set_label(region, "paragraph_title")
        elif len(lines) <= 3 and _formula_like(text):  # a display formula can be boxed as a title, too
            set_label(region, "display_formula")
        elif region.label == "text" and len(lines) <= 2 and _heading_like(text, len(lines), scale >= 1.15):
            set_label(region, "paragraph_title")
        elif region.label == "paragraph_title" and (len(lines) >= 4 or len(text) > 250 or text[:1] in BULLETS):
            set_label(region, "text")  # (a slide's first bullet point is often boxed as a title)
        if region.label == "paragraph_title" and _NUMBERED_CAPTION.match(text):
            set_label(region, "figure_title")


# A picture's caption: a few lines set smaller than the page's body text, right above or below the picture and
# within its width.
_CAPTION_LINES = 4
_CAPTION_PRINT = 0.9  # of the body text's line height, at most
_CAPTION_GAP = 1.5  # the caption's line heights between it and the picture, at most


def mark_picture_captions(regions: Sequence[Region], words_per_region: Sequence[Sequence[Word]]) -> None:
    """Text the detector boxed as a paragraph that is a picture's caption becomes one: at most four lines, set
    smaller than the page's body text, within a line height of the picture's width and less than one and a half
    of its own lines above or below it. (A photograph over two of three columns is then read with its caption as
    one band, the columns running down through it.) Text set as large as the body is left as it is: a column
    going on under a picture as wide as the column."""
    pictures = [region.bbox for region in regions if region.label in PICTURE_LABELS]
    body = _body_line_height(words_per_region) if pictures else None
    if body is None:
        return
    for region, words in zip(regions, words_per_region):
        if region.label != "text" or not words:
            continue
        lines = line_boxes(words)
        height = statistics.median(line[3] - line[1] for line in lines)
        if len(lines) > _CAPTION_LINES or height > _CAPTION_PRINT * body:
            continue
        x0, y0, x1, y1 = union_box(lines)
        for px0, py0, px1, py1 in pictures:
            within = x0 >= px0 - height and x1 <= px1 + height
            gap = y0 - py1 if y0 >= py1 - height else py0 - y1
            if within and -height <= gap <= _CAPTION_GAP * height:
                set_label(region, "figure_title")
                break


def _cjk_em(words: Sequence[Word]) -> float | None:
    """The median width of one character in the lines of Chinese or Japanese among `words` (their characters
    are all one em wide: the size of the print), or None where there are none."""
    ems = []
    for line in group_lines(words):
        chars = [c for c in _piece_text(line) if not c.isspace()]
        if len(chars) >= 4 and sum(map(is_cjk, chars)) >= 0.6 * len(chars):
            ems.append((line[-1].bbox[2] - line[0].bbox[0]) / len(chars))
    return statistics.median(ems) if ems else None


# An entry of a table of contents: a title, dot leaders, the page number ("2.1 Naming . . . . . 3", "Preface.....ix").
_CONTENTS_ENTRY = re.compile(r"(?:\.\s*){4,}(\d{1,4}|[ivxlcdm]{1,6})$", re.IGNORECASE)


def _contents_entries(words: Sequence[Word]) -> bool:
    """Whether most of the lines are entries of a table of contents."""
    rows = _rows_of_pieces(words)
    lines = [_row_text(row) for row in rows]
    return sum(bool(_CONTENTS_ENTRY.search(line)) for line in lines) > len(lines) / 2 or _numbered_pages(rows)


# A page number standing apart at the end of a row, behind what is left of its leader (OCR does not see the dots).
_ENTRY_PAGE = re.compile(r"^[.\s]*(\d{1,4}|[ivxlcdm]{1,7})$", re.IGNORECASE)
_ROMAN = r"c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"  # a Roman numeral up to 399, lower case (or empty)
_ROMAN_NUMERAL = re.compile(rf"^{_ROMAN}$")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_MIN_ENTRIES = 5
_STEPS_BACK = 0.1


def _numbered_pages(rows: Sequence[Sequence[Sequence[Word]]]) -> bool:
    """Whether most rows end in a page number set apart from the entry, the numbers running on from row to row
    (front matter in Roman numerals first; one in ten may step back): a table of contents whose leaders were not
    read, not a table of figures."""
    numbers = []
    for row in rows:
        match = _ENTRY_PAGE.match(_piece_text(_left_to_right(row)[-1])) if len(row) >= 2 else None
        value = _page_value(match.group(1)) if match else None
        if value is not None:
            numbers.append(value)
    if len(numbers) < max(_MIN_ENTRIES, 0.6 * len(rows)):
        return False
    steps_back = sum(a > b for a, b in zip(numbers, numbers[1:]))  # a misread number, the page's own number
    return steps_back <= _STEPS_BACK * len(numbers)


def _page_value(numeral: str) -> tuple[int, int] | None:
    """(0, n) for a Roman page number, (1, n) for an Arabic one, which come after every Roman one; None for
    anything else."""
    if numeral.isdigit():
        return 1, int(numeral)
    roman = numeral.lower()
    if not _ROMAN_NUMERAL.match(roman):
        return None
    values = [_ROMAN_VALUES[c] for c in roman]
    return 0, sum(-v if v < after else v for v, after in zip(values, [*values[1:], 0]))


_SECTION_NUMBER = re.compile(r"^(\d+(\.\d+)*|[IVX]+|[A-Z])\.?\s+[A-Z]")


_SENTENCE_ENDS = (".", ",", ";", ":", "。", "，", "；", "：")


def _heading_like(text: str, line_count: int, larger: bool) -> bool:
    """Short, mostly letters, no sentence end, equation or bullet; when the text is not set larger than the
    body it must also start with a section number ("2.1 Data") or be one line in Title Case."""
    if len(text) > 120 or "=" in text or text[:1] in BULLETS or text.endswith(_SENTENCE_ENDS):
        return False
    visible = [c for c in text if not c.isspace()]
    if sum(c.isalpha() for c in visible) < 0.6 * len(visible):
        return False
    if larger or _SECTION_NUMBER.match(text):
        return True
    words = text.split()
    long_words = [w for w in words if len(w) > 3]
    title_case = bool(long_words) and sum(w[0].isupper() for w in long_words) >= 0.6 * len(long_words)
    return line_count == 1 and len(words) <= 10 and "," not in text and title_case


_MATH_RELATIONS = set("=≤≥≈≠∝∑∫√±×÷→∞∂")
_SENTENCE_MARKS = set("，。；？！、")  # full-width punctuation of Chinese and Japanese prose, never in a formula


_WORD = re.compile(r"[^\W\d_]{3,}")


def _prose_like(text: str) -> bool:
    """A sentence or a caption, not a formula: no relation sign, and Chinese or Japanese sentence punctuation or
    four words or more with hardly anything but letters."""
    visible = [c for c in text if not c.isspace()]
    if not visible or _MATH_RELATIONS & set(visible):
        return False
    if _SENTENCE_MARKS & set(visible):
        return True
    return len(_WORD.findall(text)) >= 4 and sum(c.isalpha() for c in visible) >= 0.8 * len(visible)


def _formula_like(text: str) -> bool:
    visible = [c for c in text if not c.isspace()]
    if not visible or len(visible) > 150 or not _MATH_RELATIONS & set(visible) or _SENTENCE_MARKS & set(visible):
        return False
    return sum(c.isalpha() for c in visible) < 0.6 * len(visible)


def _body_line_height(words_per_region: Sequence[Sequence[Word]]) -> float | None:
    """Median height of the text lines on the page."""
    heights: list[float] = []
    for words in words_per_region:
        for box in line_boxes(words):
            heights.append(box[3] - box[1])
    return statistics.median(heights) if heights else None


# A page number alone on its line: "12", "- 12 -", "xiv", "Page 3", "3 of 10", "p. 7", "第 3 页".
_PAGE_NUMBER = re.compile(
    r"^[-–—(\[]?\s*(?:(?:page|p\.|seite|pág\.?|第)\s*)?"
    rf"(?:\d{{1,3}}|(?=[ivxlc]){_ROMAN})"
    r"\s*(?:(?:of|/|von|de)\s*\d{1,4}|页)?\s*[-–—)\]]?$",
    re.IGNORECASE,
)
_CAPTION = re.compile(r"(table|tab\.|figure|fig\.|exhibit)\s*[\dIVX]", re.IGNORECASE)
# A caption set like a heading: "Figure 2: ...", "Listing 1. ...", "Algorithm 3: ..." (a number, then a colon or
# stop), or its label alone ("Table 2-2", set apart from the caption's text).
_NUMBERED_CAPTION = re.compile(
    r"(table|figure|fig\.|listing|algorithm|exhibit|scheme|chart)\s*[\dIVX]+([.\-–]\d+)*(\s*[.:]\s|\s*[.:]?$)",
    re.IGNORECASE,
)
_PAGE_MARGIN = 0.2  # share of the page height, at the top and at the bottom, where page numbers are printed


def mark_page_furniture(
    regions: Sequence[Region], words_per_region: Sequence[Sequence[Word]], page_height: float
) -> None:
    """Page numbers and running headers and footers sit between the body and an edge of the page. A page number
    the detector boxed as text or a title (one line that reads as one, in the top or bottom margin, no body text
    between it and that edge) becomes `number`, the label PaddleOCR-VL gives page numbers (kept in the JSON, left
    out of Markdown); a line there that runs on from a header or footer (the detector boxed a running head in
    pieces) is part of it; a header or footer boxed in mid-page, body text on both sides of it, is text; one that
    reads as a caption ("Table 3. ...") is the caption of what follows it."""
    for region, words in zip(regions, words_per_region):
        if region.label in ("header", "footer") and _CAPTION.match(" ".join(w.text for w in words)):
            set_label(region, "figure_title")
    body = [region.bbox for region, words in zip(regions, words_per_region)
            if words and region.label not in MARGINAL_LABELS]  # fmt: skip
    # a header box that holds no word (the detector's second box over a title) draws nothing into the margin
    furniture = [
        region for region, words in zip(regions, words_per_region) if region.label in ("header", "footer") and words
    ]
    for region, words in zip(regions, words_per_region):
        if not words:
            continue
        others = [box for box in body if box != region.bbox]
        nothing_above = all(box[3] > region.bbox[1] for box in others)
        nothing_below = all(box[1] < region.bbox[3] for box in others)
        in_top_margin = region.bbox[3] <= _PAGE_MARGIN * page_height
        in_bottom_margin = region.bbox[1] >= (1 - _PAGE_MARGIN) * page_height
        at_edge = (in_top_margin and nothing_above) or (in_bottom_margin and nothing_below)
        if region.label in ("text", "paragraph_title") and len(line_boxes(words)) == 1 and at_edge:
            beside = [other for other in furniture if row_overlap(other.bbox, region.bbox) >= 0.5]
            if beside:
                set_label(region, beside[0].label)
            elif _PAGE_NUMBER.match(" ".join(w.text for w in words).strip()):
                set_label(region, "number")
        elif region.label in ("header", "footer") and not (in_top_margin or in_bottom_margin):
            if not nothing_above and not nothing_below:
                set_label(region, "text")


_EQUATION_NUMBER = re.compile(r"^\(\d+(\.\d+)*[a-z]?\)$")


def mark_formula_numbers(regions: Sequence[Region], words_per_region: Sequence[Sequence[Word]]) -> None:
    """An equation number boxed on its own, "(3)" level with a formula to its left, is that formula's number
    (`formula_number`, which Markdown writes into the formula as its tag)."""
    formulas = [r for r in regions if r.label == "display_formula"]
    for region, words in zip(regions, words_per_region):
        if region.label != "text" or not _EQUATION_NUMBER.match("".join(w.text for w in words)):
            continue
        if any(row_overlap(f.bbox, region.bbox) >= 0.5 and f.bbox[2] <= region.bbox[0] for f in formulas):
            set_label(region, "formula_number")


def mark_doc_title(regions: Sequence[Region], words_per_region: Sequence[Sequence[Word]], page_index: int) -> None:
    """On the first page, an unnumbered title read before any body text is the document title."""
    if page_index != 0:
        return
    ordered = sorted((pair for pair in zip(regions, words_per_region) if pair[0].order is not None),
                     key=lambda pair: pair[0].order)  # fmt: skip
    for region, words in ordered:
        if region.label == "paragraph_title":
            if not _SECTION_NUMBER.match(" ".join(w.text for w in words)):
                set_label(region, "doc_title")
            return
        if region.label in ("text", "table", "reference", "display_formula"):
            return


def drop_prose_pictures(regions: list[Region], words_per_region: list[list[Word]]) -> bool:
    """Remove picture boxes that mostly hold running text (lines of 25+ characters): on low-resolution
    pages the detector boxes whole text columns as a figure. Their words then form text regions.
    Returns True when a box was removed."""
    return remove_regions(
        regions, words_per_region, lambda region, words: region.label in ("image", "chart") and _mostly_prose(words)
    )


def drop_worded_formulas(regions: list[Region], words_per_region: list[list[Word]]) -> bool:
    """Remove display-formula boxes that hold an answer choice ("B. 2") or Chinese prose, and no relation: on
    exam pages the detector boxes a piece of a row of choices as a formula, which would cut the row in two.
    Their words then join the text around them. Returns True when a box was removed."""
    return remove_regions(
        regions,
        words_per_region,
        lambda region, words: region.label == "display_formula" and words and _worded(_piece_text(words)),
    )


def _worded(text: str) -> bool:
    if _SENTENCE_MARKS & set(text):
        return True
    return bool(_ENUMERATED.match(text.strip())) and not _MATH_RELATIONS & set(text)


def _mostly_prose(words: Sequence[Word]) -> bool:
    """Whether most of the text is level lines of 25+ characters, three or more of them set one under another as
    a paragraph's are (a chart's title, legend and axis titles can be as long, but stand apart)."""
    lines = group_lines(words)
    texts = [" ".join(w.text for w in line) for line in lines]
    boxes = [union_box([w.bbox for w in line]) for line in lines]
    prose = [len(text) >= 25 and _level(box, text) for box, text in zip(boxes, texts)]
    long = [box for box, is_prose in zip(boxes, prose) if is_prose]
    if len(long) < 3 or sum(len(t) for t, is_prose in zip(texts, prose) if is_prose) < 0.5 * sum(map(len, texts)):
        return False
    height = statistics.median(b[3] - b[1] for b in long)
    links = ((i, j) for i, a in enumerate(long) for j, b in enumerate(long) if i != j and continues_under(b, a, height))
    return max(map(len, linked_groups(len(long), links))) >= 3


# A level line's characters are each at least this share of its height wide (Latin about a third, CJK more); a
# chart's slanted axis labels, read side by side, make a box far taller than their run of characters.
_LEVEL_CHAR_WIDTH = 0.15


def _level(box: BBox, text: str) -> bool:
    """Whether a line's box is that of level print: not slanted or upright text taken together."""
    return box[2] - box[0] >= _LEVEL_CHAR_WIDTH * (box[3] - box[1]) * len(text)


def promote_tables(
    regions: list[Region], words_per_region: list[list[Word]], image: np.ndarray, whole_page: bool
) -> bool:
    """Turn text that is laid out as a grid into a table: a picture box holding a grid of short text and
    little paint besides (a table the detector took for a figure; a pie's labels can fall into rows and
    columns too), or, with `whole_page` (an image page), when no table was found, the whole page (a
    screenshot or crop of a table). Returns True when the regions changed."""
    changed = False
    for region, words in zip(regions, words_per_region):
        if (
            region.label in ("image", "chart")
            and _grid_like(words)
            and painted_share(image, region.bbox, words) < _MAX_TABLE_PAINT
        ):
            set_label(region, "table")
            changed = True
    if not whole_page or any(r.label == "table" for r in regions):
        return changed
    # A crop of a table often has its header row boxed as a page header: try with it first.
    for kept_labels in ((), ("header", "footer")):
        words = [w for r, ws in zip(regions, words_per_region) if r.label not in kept_labels for w in ws]
        box = union_box([w.bbox for w in words]) if words else None
        if box and _grid_like(words) and painted_share(image, box, words) < _MAX_TABLE_PAINT:
            regions[:] = [r for r in regions if r.label in kept_labels]
            regions.append(Region(box, "table", 0.0, cls_id=LABEL_IDS["table"]))
            return True
    return changed


# A table's share of paint besides its text (rules, a few shaded cells); charts and photos paint far more.
_MAX_TABLE_PAINT = 0.2


def _grid_like(words: Sequence[Word], min_columns: int = 2) -> bool:
    """Rows of short pieces of text side by side: at least three rows, half of them with two or more
    pieces and one with three; or, for two-column tables, at least four rows nearly all with two.
    Numbered items laid out in columns (a page of exercises) are a list, not a table."""
    if len(words) < 6:
        return False
    rows = _rows_of_pieces(words)
    pieces = [piece for row in rows for piece in row]
    multi = [row for row in rows if len(row) >= 2]
    lengths = [sum(len(w.text) + 1 for w in piece) for piece in pieces]
    if statistics.median(lengths) > 20 or len(rows) < 3:
        return False
    if _listed(multi) or _numbered_pages(rows):
        return False
    three_columns = len(multi) >= 0.5 * len(rows) and max(len(row) for row in rows) >= 3
    two_columns = min_columns <= 2 and len(rows) >= 4 and len(multi) >= 0.8 * len(rows)
    return three_columns or two_columns


# "1. text", "(2) text", "3) text", "a. text", "B．text", "①text": an item number or a test's answer letter
# followed by its content (not "0.12"); an answer letter may stand alone, its choice read apart from it.
_ENUMERATED = re.compile(
    r"^((\(?\d{1,3}[.)．、]|\(\d{1,3}\)|\(?[a-z][.)．、）]|[\u2460-\u2473])(?!\d)\s*\S|\(?[A-H][.)．、）])"
)


def _listed(rows: Sequence[Sequence[Sequence[Word]]]) -> bool:
    """Whether the pieces side by side in these rows are mostly numbered items or lettered choices."""
    side_by_side = [_piece_text(piece) for row in rows if len(row) >= 2 for piece in row]
    return bool(side_by_side) and sum(bool(_ENUMERATED.match(t)) for t in side_by_side) >= 0.4 * len(side_by_side)


def demote_listed_tables(
    regions: Sequence[Region], words_per_region: Sequence[Sequence[Word]], rulings: Sequence[Ruling]
) -> bool:
    """A table box with no rules in it over numbered items and rows of lettered answer choices (a test page the
    detector took for a table), over a bulleted list, or over columns of running text (a newspaper's), is text.
    Returns True when a label changed."""
    changed = False
    for index, (region, words) in enumerate(zip(regions, words_per_region)):
        if region.label == "table" and words and not _ruled(region.bbox, rulings):
            rows = _rows_of_pieces(words)
            if _listed(rows) or _bulleted(rows) or _running_text_columns(words, _other_words(words_per_region, index)):
                set_label(region, "text")
                changed = True
    return changed


def _other_words(words_per_region: Sequence[Sequence[Word]], index: int) -> list[Word]:
    return [word for i, words in enumerate(words_per_region) if i != index for word in words]


# A line of running text holds this many characters (a CJK character counting two), more than a table's cells...
_RUNNING_LINE = 25
# ...and a column of running text has most of its characters in such lines, and at least this many of them (a
# table's notes boxed as a table of their own have a few).
_RUNNING_SHARE = 0.6
_RUNNING_LINES = 8


def _running_text_columns(words: Sequence[Word], others: Sequence[Word]) -> bool:
    """Whether the words stand in one or more columns of running text, side by side, every one of them mostly
    long lines. A table with a column of sentences has a column of short cells beside it (names, numbers), and
    a table whose rows run across a blank between its columns (a title row) has most of its text in short cells.
    At either edge, pieces of the lines of a neighbouring column (the `others`' words), which the box took in
    because it reaches a little into that column, do not count."""
    if len(words) < _RUNNING_LINES:
        return False
    height = print_height(words)
    columns = side_by_side(words, height)
    running = [_running_text(column) for column in columns]
    for edge in (0, -1):
        if len(columns) > 1 and not running[edge] and _run_on(columns[edge], others, height):
            del columns[edge], running[edge]
    return all(running)


def _running_text(words: Sequence[Word]) -> bool:
    lengths = [sum(2 if is_cjk(c) else 1 for c in _piece_text(line)) for line in group_lines(words)]
    running = [n for n in lengths if n >= _RUNNING_LINE]
    return len(running) >= _RUNNING_LINES and sum(running) >= _RUNNING_SHARE * sum(lengths)


# Words further apart than this many line heights on a line are not of one line of print (justified lines of a
# narrow column space their words up to about one and a half).
_LINE_SPACE = 2.0
_MOSTLY_RUN_ON = 0.8


def _run_on(words: Sequence[Word], others: Sequence[Word], height: float) -> bool:
    """Whether most of the words are pieces of lines that run on into the `others`' words beside them."""
    reach = _LINE_SPACE * height
    x0, y0, x1, y1 = union_box([word.bbox for word in words])
    near = [
        other
        for other in others
        if other.bbox[0] <= x1 + reach and other.bbox[2] >= x0 - reach and other.bbox[1] <= y1 and other.bbox[3] >= y0
    ]

    def runs_on(word: Word) -> bool:
        return any(
            row_overlap(word.bbox, other.bbox) > 0.5
            and max(other.bbox[0] - word.bbox[2], word.bbox[0] - other.bbox[2]) <= reach
            for other in near
        )

    return sum(map(runs_on, words)) >= _MOSTLY_RUN_ON * len(words)


# A list item's bullet, before the item's words (not "-12", nor the check marks ○ ■ that tables hold).
_ITEM_BULLET = re.compile(r"^([•●▪◦‣▶►▸➢➤]|[-–]\s)\s*[^\W\d]")
_MIN_ITEMS = 3


def _bulleted(rows: Sequence[Sequence[Sequence[Word]]]) -> bool:
    """Whether the rows are a bulleted list: no row with more than a bullet and its text side by side, and at
    least two in five rows starting an item (the rest are items' wrapped lines)."""
    if any(len(row) > 2 for row in rows):
        return False
    items = sum(bool(_ITEM_BULLET.match(_row_text(row))) for row in rows)
    return items >= max(_MIN_ITEMS, 0.4 * len(rows))


def _ruled(box: BBox, rulings: Sequence[Ruling]) -> bool:
    inside = [r for r in rulings if box[0] - 2 <= min(r.x0, r.x1) and max(r.x0, r.x1) <= box[2] + 2
              and box[1] - 2 <= min(r.y0, r.y1) and max(r.y0, r.y1) <= box[3] + 2]  # fmt: skip
    return len(inside) >= 2


def _piece_text(piece: Sequence[Word]) -> str:
    return " ".join(w.text for w in piece)


def _left_to_right(row: Sequence[Sequence[Word]]) -> list[Sequence[Word]]:
    return sorted(row, key=lambda piece: piece[0].bbox[0])


def _row_text(row: Sequence[Sequence[Word]]) -> str:
    return " ".join(_piece_text(piece) for piece in _left_to_right(row)).strip()


def _rows_of_pieces(words: Sequence[Word]) -> list[list[list[Word]]]:
    """Words grouped into pieces (runs on one line), pieces into rows (pieces sharing a line), top to bottom."""
    rows: list[list[list[Word]]] = []
    first_boxes: list[BBox] = []  # each row's first piece's box, which the pieces after it are matched to
    for piece in sorted(group_lines(words), key=lambda p: p[0].bbox[1]):
        box = union_box([w.bbox for w in piece])
        for row, first in zip(rows, first_boxes):
            if row_overlap(box, first) > 0.5:
                row.append(piece)
                break
        else:
            rows.append([piece])
            first_boxes.append(box)
    return rows


def tables_from_orphan_grids(regions: list[Region], words_per_region: list[list[Word]], found: int) -> bool:
    """Text the detector boxed nowhere (the regions from index `found` on, made from orphan words) that
    forms a grid of at least three columns with a column of marks or figures (a ruleless checkbox or
    figures table the detector missed, or boxed with the whole page as a picture) becomes one table.
    Only regions of short lines take part: prose beside the grid is not part of it.
    Returns True when the regions changed."""
    short = [i for i in range(found, len(regions)) if _short_lines(words_per_region[i])]
    tables: list[tuple[Region, set[int]]] = []
    for group in _side_by_side_groups([regions[i] for i in short]):
        members = {short[k] for k in group}
        words = [w for i in members for w in words_per_region[i]]
        if len(members) >= 3 and _grid_like(words, min_columns=3) and _has_mark_column(words):
            box = union_box([regions[i].bbox for i in members])
            tables.append((Region(box, "table", 0.0, cls_id=LABEL_IDS["table"]), members))
    if not tables:
        return False
    replaced = set().union(*(members for _, members in tables))
    regions[:] = [r for i, r in enumerate(regions) if i not in replaced] + [table for table, _ in tables]
    return True


def _short_lines(words: Sequence[Word]) -> bool:
    return bool(words) and statistics.median(len(_piece_text(p)) for p in group_lines(words)) <= 25


def _side_by_side_groups(regions: Sequence[Region]) -> list[list[int]]:
    """Indices of regions joined through vertical overlap (regions sharing some line), each group sorted."""
    return linked_groups(
        len(regions),
        (
            (j, i)
            for i, a in enumerate(regions)
            for j in range(i)
            if min(a.bbox[3], regions[j].bbox[3]) > max(a.bbox[1], regions[j].bbox[1])
        ),
    )


def _has_mark_column(words: Sequence[Word]) -> bool:
    """Whether a third or more of the pieces are marks or figures: no letters, at most 12 characters."""
    pieces = [_piece_text(p) for p in group_lines(words)]
    marks = [t for t in pieces if len(t) <= 12 and not any(c.isalpha() for c in t)]
    return len(marks) >= max(3, len(pieces) / 3)


def tables_from_figure_columns(regions: Sequence[Region], words_per_region: Sequence[Sequence[Word]]) -> bool:
    """A text region that is a column of labels beside one or more columns of figures (four or more rows of a
    label and figures far to its right, the figures lined up in columns on their right or left edges; a header
    row or a group's label may stand among them) is a table the detector read as text. Returns True when a
    label changed."""
    changed = False
    for region, words in zip(regions, words_per_region):
        if region.label == "text" and _label_figure_rows(words):
            set_label(region, "table")
            changed = True
    return changed


# Rows of label and figures among all rows (headers and group labels are the rest).
_FIGURE_ROWS = 0.7


def _label_figure_rows(words: Sequence[Word]) -> bool:
    rows = _rows_of_pieces(words)
    if len(rows) < 4:
        return False
    height = statistics.median(w.bbox[3] - w.bbox[1] for w in words)
    figures: list[BBox] = []
    figure_rows = 0
    for row in rows:
        label, *entries = _left_to_right(row)
        if not entries:
            continue
        texts = [_piece_text(entry) for entry in entries]
        if (
            FIGURE.match(_piece_text(label))
            or not all(FIGURE.match(t) or NO_FIGURE.match(t) for t in texts)
            or not any(FIGURE.match(t) for t in texts)
            or entries[0][0].bbox[0] - label[-1].bbox[2] < 2 * height
        ):
            continue
        figure_rows += 1
        figures += [union_box([w.bbox for w in entry]) for entry in entries if FIGURE.match(_piece_text(entry))]
    if figure_rows < 4 or figure_rows < _FIGURE_ROWS * len(rows):
        return False
    return all(_lined_up(box, figures, height) for box in figures)


def _lined_up(box: BBox, boxes: Sequence[BBox], tolerance: float) -> bool:
    """Whether `box` shares its right or its left edge with at least two other `boxes` (a column of three)."""
    rights = sum(abs(other[2] - box[2]) <= tolerance for other in boxes)
    lefts = sum(abs(other[0] - box[0]) <= tolerance for other in boxes)
    return max(rights, lefts) >= 3  # counting the box itself
