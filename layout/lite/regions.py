"""Cleaning up detector output so every piece of page text lands in exactly one region, in order."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Iterator, Sequence

from ocrvl.geometry import area, center, contains_point, covered_fraction, iou, row_overlap, union_box
from ocrvl.labels import BULLETS, MARGINAL_LABELS, PICTURE_LABELS
from ocrvl.layout.lite.cdla import LABEL_IDS
from ocrvl.layout.lite.gutters import WordRows, is_gutter, split_at_gutters
from ocrvl.layout.lite.reading_order import TextEnds, xy_cut_order
from ocrvl.types import BBox, Region, Ruling, Word

# When a word's centre lies in several regions, the first label here that matches wins (a caption box
# overlapping its table keeps the caption; a table keeps its cells from stray text boxes).
_ASSIGN_PRIORITY = ("figure_title", "table", "display_formula", "image", "chart", "doc_title", "paragraph_title")

# Text-like regions swallowed by a table/figure are the detector echoing the cells or labels inside.
_CONTAINER_LABELS = frozenset({"table", "image", "chart"})

# Words further apart than this many line heights are not one line: column gutters are often
# only about two line heights wide.
_WORD_GAP = 1.2
_CROSS_CLASS_NMS = 0.9
_PAGE_COVERING = 0.7
_CONTAINED = 0.9
# An orphan word joins the text region beside it on its line across a gap of up to this many line heights,
# on a scan only where the gap is no column gutter.
_LINE_GAP = 1.5
# A line goes on under another when they share at least this much of the narrower one's width.
_SHARED_WIDTH = 0.3
# A bullet hangs in the margin left of its item's first word, as far out as an indent goes.
_BULLET_GAP = 4.0


def clean_regions(regions: Sequence[Region], page_width: int, page_height: int) -> list[Region]:
    """Drop a picture box covering nearly the whole page (the detector's view of a dense page, not a
    figure), near-duplicate boxes across classes, and regions nested inside a table, figure or same-label box."""
    page_area = float(page_width * page_height)
    kept: list[Region] = []
    for region in sorted(regions, key=lambda r: -r.score):
        if region.label in ("image", "chart") and area(region.bbox) >= _PAGE_COVERING * page_area:
            continue
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
# Regions an orphan word on one of their lines joins: a caption or a running head the box stops short of, too.
_LINE_LIKE = _TEXT_LIKE | {"figure_title", "header", "footer"}


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
    h_overlap = min(a[2], b[2]) - max(a[0], b[0])
    return h_overlap > 0 and row_overlap(a, b) > 0.7


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


def hang_bullets(regions: list[Region], per_region: Sequence[list[Word]]) -> bool:
    """A text-like region holding nothing but a bullet in the margin beside the first word of a line of another
    (a list set with hanging bullets, the bullets boxed apart or left outside every box) goes, and the region of
    that word grows over the bullet. Returns whether any did."""
    hung: list[Word] = []
    for region, words in zip(regions, per_region, strict=True):
        if len(words) == 1 and words[0].text in BULLETS and region.label in _LINE_LIKE:
            owner = _item_region(words[0], regions, per_region)
            if owner is not None:
                owner.bbox = union_box([owner.bbox, words[0].bbox])
                hung.append(words[0])
    regions[:] = [r for r, words in zip(regions, per_region, strict=True) if not (len(words) == 1 and words[0] in hung)]
    return bool(hung)


def _item_region(bullet: Word, regions: Sequence[Region], per_region: Sequence[list[Word]]) -> Region | None:
    """The text-like region of the word nearest right of `bullet` on its line, within an indent's reach (in the
    line's height: an OCR box of a bullet is no taller than the dot)."""
    best: tuple[float, Region] | None = None
    for region, words in zip(regions, per_region, strict=True):
        if region.label not in _LINE_LIKE:
            continue
        for word in words:
            gap = word.bbox[0] - bullet.bbox[2]
            height = max(word.bbox[3] - word.bbox[1], bullet.bbox[3] - bullet.bbox[1])
            if 0 <= gap < _BULLET_GAP * height and row_overlap(word.bbox, bullet.bbox) > 0.6:
                if best is None or gap < best[0]:
                    best = (gap, region)
    return best[1] if best else None


_CAPTION_LIKE = frozenset({"figure_title", "paragraph_title", "doc_title"})
# A caption's line spans much of its table; a title box over one head of a table's top row (a group of columns)
# is narrower.
_CAPTION_SPAN = 1 / 3


def captions_keep_their_lines(regions: Sequence[Region], per_region: Sequence[list[Word]]) -> bool:
    """A caption or title box that covers only the middle of a line at a table's top ("Table 5:  <title>
    (in thousands)", spaced out over the table's width) leaves the rest of its line to the table, where it reads
    as a first row of odd cells. When that line is the top of the table, the caption grows over the whole line
    and the table starts below it. Returns whether any did."""
    moved = False
    for caption, caption_words in zip(regions, per_region, strict=True):
        if caption.label not in _CAPTION_LIKE or not caption_words:
            continue
        lines = line_boxes(caption_words)
        for table, table_words in zip(regions, per_region, strict=True):
            if table.label != "table" or not table_words:
                continue
            for line in lines:
                rest = _line_rest(line, table, table_words)
                if rest:
                    caption.bbox = union_box([caption.bbox, *(w.bbox for w in rest)])
                    table.bbox = (table.bbox[0], max(w.bbox[3] for w in rest) + 1, table.bbox[2], table.bbox[3])
                    moved = True
                    break
    return moved


def _line_rest(line: BBox, table: Region, table_words: Sequence[Word]) -> list[Word]:
    """The words of `table` on the caption's `line`, beside the caption's words, when that line is the table's first
    (nothing of the table is above or beside it besides them) and a caption's (a third of the table wide or more);
    otherwise none."""
    wide = line[2] - line[0] >= _CAPTION_SPAN * (table.bbox[2] - table.bbox[0])
    if not wide or not contains_point(table.bbox, *center(line)):
        return []
    height = line[3] - line[1]
    rest = [w for w in table_words if row_overlap(w.bbox, line) > 0.5]
    beside = all(w.bbox[2] <= line[0] + height / 2 or w.bbox[0] >= line[2] - height / 2 for w in rest)
    higher = any(w.bbox[1] + w.bbox[3] < 2 * line[3] and w not in rest for w in table_words)
    return rest if rest and beside and not higher else []


def absorb_orphans(regions: Sequence[Region], orphans: Sequence[Word], gutters: WordRows | None = None) -> list[Word]:
    """Grow text-like regions over orphan words that continue one of their lines (a title box that
    stops short of the title's first or last words); returns the orphans still left over.

    `gutters`: the page's OCR lines, for telling column gutters (see `gutters.py`); None for the words of a text
    layer, whose word spaces can be as wide as that test's narrowest gutter."""
    left = list(orphans)
    grown = True
    while grown and left:
        grown = False
        for word in list(left):
            region = _line_neighbour(regions, word.bbox, gutters)
            if region is not None:
                region.bbox = union_box([region.bbox, word.bbox])
                left.remove(word)
                grown = True
    return left


def _line_neighbour(regions: Sequence[Region], b: BBox, gutters: WordRows | None) -> Region | None:
    """The region of text beside `b` on its line, the nearest when there are several (the first word of a
    column's line, left outside a box that starts inside the column, is nearer its own column than the column
    across the gutter). With OCR lines the gap is measured to the region's print on the line where it has some
    (detector boxes are padded by about a narrow gutter), and must be no column gutter: a column the detector
    boxed nowhere is not swallowed by the box of the column beside it."""
    height = b[3] - b[1]
    best: tuple[float, Region] | None = None
    for region in regions:
        r = region.bbox
        if region.label not in _LINE_LIKE or min(b[3], r[3]) - max(b[1], r[1]) <= 0.6 * height:
            continue
        if max(r[0] - b[2], b[0] - r[2]) >= _LINE_GAP * height:
            continue
        gap = _gap_to(b, r, gutters.on_line(b) if gutters else [])
        width = gap[1] - gap[0]
        if (best is None or width < best[0]) and (gutters is None or not is_gutter(gap, b, gutters)):
            best = (width, region)
    return best[1] if best else None


def _gap_to(b: BBox, r: BBox, on_line: Sequence[BBox]) -> tuple[float, float]:
    """The horizontal gap from box `b` to the nearest print of region box `r` on its line (to `r`'s edge where
    it holds none there)."""
    inside = [other for other in on_line if contains_point(r, *center(other))] or [r]
    if r[0] > b[2] or (r[0] + r[2]) / 2 > (b[0] + b[2]) / 2:
        return b[2], min(x0 for x0, _, _, _ in inside)
    return max(x1 for _, _, x1, _ in inside), b[0]


def regions_for_orphans(
    words: Sequence[Word], page_width: int, page_height: int, gutters: WordRows | None = None
) -> list[Region]:
    """Text the detector missed becomes text regions: words grouped into lines (parted at column gutters where
    the page's OCR lines, `gutters`, show them), lines into blocks."""
    if not words:
        return []
    lines = [union_box([w.bbox for w in piece]) for piece in _line_pieces(words, gutters)]
    blocks: list[list[BBox]] = []
    for line in sorted(lines, key=lambda b: (b[1], b[0])):
        height = line[3] - line[1]
        for block in blocks:
            if any(continues_under(line, above, height) for above in block):
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


def _line_pieces(words: Sequence[Word], gutters: WordRows | None) -> list[list[Word]]:
    """Text-layer words grouped into lines by their gaps; OCR lines into the pieces of each row of the page
    between wide gaps and column gutters (a row of answer choices spread over the page is one line)."""
    if gutters is None:
        return group_lines(words)
    return [piece for row in word_rows(words) for piece in split_at_gutters(row, gutters, _WORD_GAP)]


def split_text_regions(
    regions: list[Region],
    per_region: Sequence[Sequence[Word]],
    parts_of: Callable[[list[Word]], list[list[Word]]],
    min_words: int = 2,
) -> bool:
    """Every text region holding at least `min_words` words cut into the `parts_of` its words: the region keeps
    the first part's box, a region is appended for each other part; True when any was cut (the words must then
    be assigned again)."""
    split = False
    for index in range(len(regions)):
        region = regions[index]
        if region.label != "text" or len(per_region[index]) < min_words:
            continue
        parts = parts_of(list(per_region[index]))
        if len(parts) < 2:
            continue
        region.bbox = union_box([word.bbox for word in parts[0]])
        for part in parts[1:]:
            regions.append(Region(union_box([word.bbox for word in part]), region.label, region.score,
                                  cls_id=region.cls_id))  # fmt: skip
        split = True
    return split


def remove_regions(
    regions: list[Region],
    words_per_region: Sequence[Sequence[Word]],
    unwanted: Callable[[Region, Sequence[Word]], object],
) -> bool:
    """Remove, in place, the regions `unwanted` picks out by their words. Returns True when one was removed."""
    keep = [not unwanted(region, words) for region, words in zip(regions, words_per_region)]
    regions[:] = [region for region, kept in zip(regions, keep) if kept]
    return not all(keep)


def word_rows(words: Sequence[Word]) -> list[list[Word]]:
    """Words sharing most of their height with a row's box, each row left to right, top to bottom."""
    rows: list[tuple[BBox, list[Word]]] = []
    open_rows: list[int] = []  # rows reaching below the top of the words still to come
    for word in sorted(words, key=lambda w: (w.bbox[1] + w.bbox[3]) / 2):
        open_rows = [k for k in open_rows if rows[k][0][3] > word.bbox[1]]
        for k in open_rows:
            box, members = rows[k]
            if row_overlap(word.bbox, box) > 0.5:
                rows[k] = (union_box([box, word.bbox]), [*members, word])
                break
        else:
            rows.append((word.bbox, [word]))
            open_rows.append(len(rows) - 1)
    return [sorted(members, key=lambda w: w.bbox[0]) for _, members in rows]


def continues_under(line: BBox, above: BBox, height: float) -> bool:
    """Whether `line` goes on under `above` (any line of a block, not only its last: a justified line the
    detector read in pieces is several boxes side by side). The two must share a good part of the narrower one's
    width: a running head or a headline that reaches a little over the next column does not join that column."""
    gap = line[1] - above[3]
    overlap = min(line[2], above[2]) - max(line[0], above[0])
    narrower = min(line[2] - line[0], above[2] - above[0])
    return -height < gap < 1.2 * height and overlap > _SHARED_WIDTH * narrower


def group_lines(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into text lines (vertically overlapping, close neighbours), each left to right."""
    lines: list[list[Word]] = []
    open_lines: list[list[Word]] = []  # lines whose last word reaches below the top of the words still to come
    for word in sorted(words, key=lambda w: (w.bbox[1], w.bbox[0])):
        b = word.bbox
        open_lines = [line for line in open_lines if line[-1].bbox[3] > b[1]]
        for line in open_lines:
            last = line[-1].bbox
            h_gap = b[0] - last[2]
            if row_overlap(b, last) > 0.5 and -5 < h_gap < _WORD_GAP * (b[3] - b[1]):
                line.append(word)
                break
        else:
            lines.append([word])
            open_lines.append(lines[-1])
    return _joined_along_rows(lines)


def _joined_along_rows(lines: list[list[Word]]) -> list[list[Word]]:
    """Pieces of one line that the top-down pass started apart joined: a word set in a taller or lower face
    ("Each `mime-type` node ...") comes later in that pass than the words right of it."""
    boxes = [union_box([w.bbox for w in line]) for line in lines]
    middles = [(b[1] + b[3]) / 2 for b in boxes]
    by_middle = sorted(range(len(lines)), key=middles.__getitem__)
    tallest = max((b[3] - b[1] for b in boxes), default=0.0)

    def links() -> Iterator[tuple[int, int]]:
        for n, i in enumerate(by_middle):
            for j in by_middle[n + 1 :]:
                if middles[j] - middles[i] > tallest:
                    break
                left, right = sorted((boxes[i], boxes[j]))
                gap = right[0] - left[2]
                if row_overlap(left, right) > 0.5 and -5 < gap < _WORD_GAP * (right[3] - right[1]):
                    yield i, j

    return [
        lines[group[0]] if len(group) == 1 else sorted((w for k in group for w in lines[k]), key=lambda w: w.bbox[0])
        for group in linked_groups(len(lines), links())
    ]


def linked_groups(count: int, links: Iterable[tuple[int, int]]) -> list[list[int]]:
    """The indices 0 .. count-1 in groups joined through `links` (pairs of indices), each group in index order,
    the groups in order of their first index."""
    parent = list(range(count))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in links:
        parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(count):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def line_boxes(words: Sequence[Word]) -> list[BBox]:
    return [union_box([w.bbox for w in line]) for line in group_lines(words)]


def expand_to_rulings(bbox: BBox, rulings: Sequence[Ruling], max_growth: float = 0.6) -> BBox:
    """`bbox` grown to the ends of the rules that cross its border (a layout box that cut off
    a column or a row of a ruled table). Rules more than `max_growth` times longer than the box
    along them (page frames, column separators) are ignored."""
    x0, y0, x1, y1 = bbox
    tol = 4.0
    for _ in range(2):  # wider, then taller (new rules may cross the grown border)
        for r in rulings:
            a, b = (min(r.x0, r.x1), max(r.x0, r.x1)) if r.horizontal else (min(r.y0, r.y1), max(r.y0, r.y1))
            if r.horizontal and y0 - tol <= r.y0 <= y1 + tol and a < x1 and b > x0:
                if b - a <= (1 + max_growth) * (x1 - x0):
                    x0, x1 = min(x0, a), max(x1, b)
            elif not r.horizontal and x0 - tol <= r.x0 <= x1 + tol and a < y1 and b > y0:
                if b - a <= (1 + max_growth) * (y1 - y0):
                    y0, y1 = min(y0, a), max(y1, b)
    return x0, y0, x1, y1


def grow_tables_to_rulings(regions: Sequence[Region], rulings: Sequence[Ruling]) -> None:
    """Table boxes that stop short of their ruled grid (a cut-off first column) grow to cover it."""
    for region in regions:
        if region.label == "table":
            region.bbox = expand_to_rulings(region.bbox, rulings)


def tighten_to_words(regions: Sequence[Region], words_per_region: Sequence[Sequence[Word]]) -> None:
    """Shrink text-like boxes to the words they hold: detector boxes are padded, and padding that
    reaches across a column gutter defeats the reading-order cut."""
    for region, words in zip(regions, words_per_region):
        if region.label in _TEXT_LIKE and words:
            region.bbox = union_box([w.bbox for w in words])


def order_regions(regions: list[Region], words_per_region: Sequence[Sequence[Word]]) -> None:
    """Set `order` (1-based) on body regions by XY-cut, told how each paragraph's text begins and ends;
    marginal regions get None."""
    body = [(r, words) for r, words in zip(regions, words_per_region, strict=True) if r.label not in MARGINAL_LABELS]
    for r in regions:
        r.order = None
    ends = [_text_ends(words) if r.label == "text" else None for r, words in body]
    pictures = frozenset(i for i, (r, _) in enumerate(body) if r.label in PICTURE_LABELS or r.label == "figure_title")
    for rank, i in enumerate(xy_cut_order([r.bbox for r, _ in body], ends, pictures), start=1):
        body[i][0].order = rank


def _text_ends(words: Sequence[Word]) -> TextEnds | None:
    """The first word of a paragraph's top line and the last of its bottom line, as `TextEnds`."""
    if not words:
        return None
    height = statistics.median(w.bbox[3] - w.bbox[1] for w in words)
    top = min(w.bbox[1] for w in words) + height / 2
    bottom = max(w.bbox[3] for w in words) - height / 2
    first = min((w for w in words if w.bbox[1] <= top), key=lambda w: w.bbox[0])
    last = max((w for w in words if w.bbox[3] >= bottom), key=lambda w: w.bbox[2])
    return TextEnds.of(first.text.strip(), last.text.strip())
