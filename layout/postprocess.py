"""Cleaning up detector output so every piece of page text lands in exactly one region, in order."""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence

from ocrvl.layout.cdla import LABEL_IDS
from ocrvl.layout.geometry import area, center, contains_point, covered_fraction, iou, union_box
from ocrvl.layout.reading_order import xy_cut_order

from ocrvl.types import BBox, Region, Word

# Labels outside the body text flow: kept in JSON, left out of reading order (and of Markdown by default).
MARGINAL_LABELS = frozenset({"header", "footer", "header_image", "footer_image", "number", "aside_text"})

# When a word's centre lies in several regions, the first label here that matches wins.
_ASSIGN_PRIORITY = ("table", "display_formula", "image", "chart", "figure_title", "doc_title", "paragraph_title")

# Text-like regions swallowed by a table/figure are the detector echoing the cells or labels inside.
_CONTAINER_LABELS = frozenset({"table", "image", "chart"})

_CROSS_CLASS_NMS = 0.9
_CONTAINED = 0.9


def clean_regions(regions: Sequence[Region]) -> list[Region]:
    """Drop near-duplicate boxes across classes and regions nested inside a table, figure or same-label box."""
    kept: list[Region] = []
    for region in sorted(regions, key=lambda r: -r.score):
        if any(iou(region.bbox, k.bbox) > _CROSS_CLASS_NMS for k in kept):
            continue
        kept.append(region)
    result = []
    for region in kept:
        nested = any(
            other is not region
            and covered_fraction(region.bbox, other.bbox) >= _CONTAINED
            and area(other.bbox) > area(region.bbox)
            and (other.label in _CONTAINER_LABELS or other.label == region.label)
            and region.label not in _CONTAINER_LABELS
            for other in kept
        )
        if not nested:
            result.append(region)
    return result


_TEXT_LIKE = frozenset({"text", "paragraph_title", "doc_title", "reference", "abstract"})


def merge_same_line_pieces(regions: Sequence[Region]) -> list[Region]:
    """Join text-like boxes that overlap on one line: detectors cut a long large-font title into pieces."""
    merged: list[Region] = []
    for region in sorted(regions, key=lambda r: r.bbox[0]):
        for i, kept in enumerate(merged):
            if region.label in _TEXT_LIKE and kept.label in _TEXT_LIKE and _same_line_overlap(region.bbox, kept.bbox):
                best = kept if kept.score >= region.score else region
                merged[i] = Region(union_box([kept.bbox, region.bbox]), best.label, best.score, cls_id=best.cls_id)
                break
        else:
            merged.append(region)
    return merged


def _same_line_overlap(a: BBox, b: BBox) -> bool:
    v_overlap = min(a[3], b[3]) - max(a[1], b[1])
    h_overlap = min(a[2], b[2]) - max(a[0], b[0])
    return h_overlap > 0 and v_overlap > 0.7 * min(a[3] - a[1], b[3] - b[1])


def relabel_by_content(regions: Sequence[Region], words_per_region: Sequence[Sequence[Word]]) -> None:
    """Fix labels the CDLA detector gets wrong, from the text inside the boxes.

    Short text set clearly larger than the body text (or numbered like a section) is a heading; a
    long "title" is text; a short line made mostly of symbols around an equals sign is a display formula.
    """
    body = _body_line_height(words_per_region)
    if body is None:
        return
    for region, words in zip(regions, words_per_region):
        if region.label not in ("text", "paragraph_title") or not words:
            continue
        lines = _group_lines(words)
        text = " ".join(w.text for w in words)
        height = statistics.median(b[3] - b[1] for b in lines)
        if region.label == "text" and len(lines) <= 3 and _formula_like(text):
            region.label = "display_formula"
        elif region.label == "text" and len(lines) <= 2 and _heading_like(text, numbered=height < 1.15 * body):
            region.label = "paragraph_title"
        elif region.label == "paragraph_title" and (len(lines) >= 4 or len(text) > 250):
            region.label = "text"
        region.cls_id = LABEL_IDS[region.label]


_SECTION_NUMBER = re.compile(r"^(\d+(\.\d+)*|[IVX]+|[A-Z])\.?\s+[A-Z]")


def _heading_like(text: str, numbered: bool) -> bool:
    """Short, mostly letters, no sentence end or equation; when the text is body-sized it must also
    start with a section number ("2.1 Data")."""
    if len(text) > 120 or "=" in text or text.endswith((".", ",", ";", ":")):
        return False
    visible = [c for c in text if not c.isspace()]
    if sum(c.isalpha() for c in visible) < 0.6 * len(visible):
        return False
    return not numbered or bool(_SECTION_NUMBER.match(text))


_MATH_RELATIONS = set("=≤≥≈≠∝∑∫√±×÷→∞∂")


def _formula_like(text: str) -> bool:
    visible = [c for c in text if not c.isspace()]
    if not visible or len(visible) > 150 or not _MATH_RELATIONS & set(visible):
        return False
    return sum(c.isalpha() for c in visible) < 0.6 * len(visible)


def _body_line_height(words_per_region: Sequence[Sequence[Word]]) -> float | None:
    """Median height of the text lines on the page."""
    heights: list[float] = []
    for words in words_per_region:
        for box in _group_lines(words):
            heights.append(box[3] - box[1])
    return statistics.median(heights) if heights else None


def assign_words(regions: Sequence[Region], words: Sequence[Word]) -> tuple[list[list[Word]], list[Word]]:
    """Split words among regions by their centres; returns (words per region, words in no region)."""
    per_region: list[list[Word]] = [[] for _ in regions]
    orphans: list[Word] = []
    for word in words:
        cx, cy = center(word.bbox)
        hits = [i for i, r in enumerate(regions) if contains_point(r.bbox, cx, cy)]
        if not hits:
            orphans.append(word)
            continue
        per_region[_best_region(hits, regions)].append(word)
    return per_region, orphans


def _best_region(hits: list[int], regions: Sequence[Region]) -> int:
    def rank(i: int) -> tuple[int, float]:
        label = regions[i].label
        priority = _ASSIGN_PRIORITY.index(label) if label in _ASSIGN_PRIORITY else len(_ASSIGN_PRIORITY)
        return (priority, area(regions[i].bbox))

    return min(hits, key=rank)


def absorb_orphans(regions: Sequence[Region], orphans: Sequence[Word]) -> list[Word]:
    """Grow text-like regions over orphan words that continue one of their lines (a title box that
    stops short of the title's first or last words); returns the orphans still left over."""
    left = list(orphans)
    grown = True
    while grown and left:
        grown = False
        for word in list(left):
            region = _line_neighbour(regions, word.bbox)
            if region is not None:
                region.bbox = union_box([region.bbox, word.bbox])
                left.remove(word)
                grown = True
    return left


def _line_neighbour(regions: Sequence[Region], b: BBox) -> Region | None:
    height = b[3] - b[1]
    for region in regions:
        r = region.bbox
        if region.label not in _TEXT_LIKE:
            continue
        v_overlap = min(b[3], r[3]) - max(b[1], r[1])
        gap = max(r[0] - b[2], b[0] - r[2])
        if v_overlap > 0.6 * height and gap < 1.5 * height:
            return region
    return None


def regions_for_orphans(words: Sequence[Word], page_width: int, page_height: int) -> list[Region]:
    """Text the detector missed becomes text regions: words grouped into lines, lines into blocks."""
    if not words:
        return []
    lines = _group_lines(words)
    blocks: list[list[BBox]] = []
    for line in sorted(lines, key=lambda b: (b[1], b[0])):
        height = line[3] - line[1]
        for block in blocks:
            last = block[-1]
            gap = line[1] - last[3]
            overlap = min(line[2], last[2]) - max(line[0], last[0])
            if -height < gap < 1.2 * height and overlap > 0:
                block.append(line)
                break
        else:
            blocks.append([line])
    regions = []
    for block in blocks:
        box = union_box(block)
        label = "text"
        if box[3] < 0.06 * page_height:
            label = "header"
        elif box[1] > 0.94 * page_height:
            label = "footer"
        regions.append(Region(box, label, 0.0, cls_id=LABEL_IDS[label]))
    return regions


def _group_lines(words: Sequence[Word]) -> list[BBox]:
    """Boxes of text lines: words on one text-layer line, or vertically overlapping neighbours."""
    lines: list[list[BBox]] = []
    for word in sorted(words, key=lambda w: (w.bbox[1], w.bbox[0])):
        b = word.bbox
        for line in lines:
            last = line[-1]
            v_overlap = min(b[3], last[3]) - max(b[1], last[1])
            h_gap = b[0] - last[2]
            if v_overlap > 0.5 * min(b[3] - b[1], last[3] - last[1]) and -5 < h_gap < 3 * (b[3] - b[1]):
                line.append(b)
                break
        else:
            lines.append([b])
    return [union_box(line) for line in lines]


def order_regions(regions: list[Region]) -> None:
    """Set `order` (1-based) on body regions by XY-cut; marginal regions get None."""
    body = [r for r in regions if r.label not in MARGINAL_LABELS]
    for r in regions:
        r.order = None
    for rank, i in enumerate(xy_cut_order([r.bbox for r in body]), start=1):
        body[i].order = rank


def mark_doc_title(regions: list[Region], page_index: int) -> None:
    """On the first page, a title read before any body text is the document title."""
    if page_index != 0:
        return
    for region in sorted((r for r in regions if r.order is not None), key=lambda r: r.order):
        if region.label == "paragraph_title":
            region.label = "doc_title"
            region.cls_id = LABEL_IDS["doc_title"]
            return
        if region.label in ("text", "table", "reference", "display_formula"):
            return
