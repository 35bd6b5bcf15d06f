"""Table structure recovery: the words and rule lines of a table region -> an HTML table.

One algorithm serves PDF text-layer words (one `Word` per word, grouped by `line`) and OCR
lines (one `Word` per detected line, `line == -1`):

1. Text is cut into *fragments*: runs of words on one line with no wide gap and no vertical
   rule between them. OCR lines are tokenized at spaces with estimated x positions, so they can
   be cut the same way.
2. Fragments that overlap vertically form *bands* (visual text lines). A caption above the top
   rule (a few lines when it opens with "Table N") and notes below the bottom rule are set apart, as text.
3. Column separators: in a table framed by vertical rules, the rules. Otherwise whitespace
   columns (x ranges no fragment covers, once fragments that straddle such a gap, like spanning
   headers or OCR lines that swallowed two cells, are set aside) plus the vertical rules.
   Straddling fragments are then cut at a word gap inside the column gap when every piece then
   fits one column, else they stay whole as spanning cells. OCR boxes of one line that touch or
   barely overlap (grown by the detector across a narrow gutter) are parted first, so their
   boundary is a gap too.
4. Rows: if horizontal rules separate most lines, the ruled intervals are the rows (wrapped text
   stays in its cell). Otherwise each band starts a row unless it reads as wrapped text of the
   row above (close below it, lower-case, or after a label broken off at a comma; never a line set
   out to the left, which is a heading); in a header block ruled off from the body (up to six
   lines of wrapped column heads), only rules (booktabs cmidrules) do.
5. Cells: fragments are placed on the row x column grid; grid cells are merged (colspan /
   rowspan) where a fragment straddles their border, where a header sits over a partial rule
   spanning several columns, or where a rule that separates the rest of the line is missing
   and text spans the gap.
"""

from __future__ import annotations

import html
import itertools
import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ocrvl.cjk import joins_without_space
from ocrvl.geometry import runs, uncovered, union_box
from ocrvl.labels import FIGURE
from ocrvl.sideways import turn_box, turn_rulings, turn_words, upright_turn
from ocrvl.types import BBox, Ruling, Word

_LINE_TOL = 3.0  # px: rules closer than this are one line
_MERGE_GAP = 0.5  # x line height: text-layer words closer than this are one fragment
_RULED_SHARE = 0.4  # share of band gaps that must hold a rule for rules to define the rows
_EM_PER_HEIGHT = 0.55  # font size per OCR line box height
_FRAME_MARGIN = 16.0  # px: the turned frame reaches past the table box, so rulings just outside it stay positive
_MAX_TITLED_CAPTION_LINES = 4  # lines above a table's top rule dropped when the first reads "Table N"
_CAPTION = re.compile(r"(table|tab\.)\s*(no\.?)?\s*[:.\-–]?\s*[\dIVX]", re.IGNORECASE)
_NOTE = re.compile(r"([*†‡§※#]|notes?\b|sources?\b|\(?[a-z\d]\)|\[\d+\])", re.IGNORECASE)
_UNFINISHED = re.compile(r"[,/&+-]$")
_YEAR = re.compile(r"^(1[89]|20)\d\d$")
_WORD_SPACE = 0.6  # line heights: wider than a word space, narrower than a gap between column heads
_MAX_HEADER_LINES = 6  # lines above the rule under a header block (wrapped column heads run to five or six)
_LIST_BULLET = re.compile(r"\s*[•●▪◦‣]\s*")  # glyphs that mark list items (not ○ or ■, which tables use as marks)


@dataclass
class _Token:
    """One word with its horizontal extent."""

    text: str
    x0: float
    x1: float


@dataclass(eq=False)
class _Frag:
    """A run of tokens on one text line that belongs to one cell (or straddles several)."""

    tokens: list[_Token]
    y0: float
    y1: float
    slack: float = 0.0  # px of an OCR line's width its characters do not explain (see `_ocr_fragment`)

    @property
    def x0(self) -> float:
        return self.tokens[0].x0

    @property
    def x1(self) -> float:
        return self.tokens[-1].x1 + self.slack

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)


@dataclass(eq=False)
class _Band:
    """Fragments that share a visual text line."""

    frags: list[_Frag] = field(default_factory=list)
    y0: float = 0.0
    y1: float = 0.0

    def add(self, f: _Frag) -> None:
        self.y0 = min(self.y0, f.y0) if self.frags else f.y0
        self.y1 = max(self.y1, f.y1) if self.frags else f.y1
        self.frags.append(f)


@dataclass
class _Rule:
    """All rule segments at one position: y of a horizontal line or x of a vertical one."""

    pos: float
    spans: list[tuple[float, float]]

    def covers(self, a: float, b: float, share: float = 0.5) -> bool:
        """Whether the segments cover at least `share` of the interval [a, b]."""
        covered = sum(max(0.0, min(b, s1) - max(a, s0)) for s0, s1 in self.spans)
        return covered >= share * max(b - a, 1e-6)

    @property
    def length(self) -> float:
        return sum(s1 - s0 for s0, s1 in self.spans)


@dataclass(frozen=True)
class TableReading:
    """A table region read: its HTML, and the lines the region took in that are no part of the table, kept as
    text: a caption above its top rule ("Table 2: ..."), notes below its bottom rule (a source, footnotes).
    `caption_box`, `notes_box`: where those lines are on the page (None for a table printed sideways)."""

    html: str
    caption: str = ""
    notes: str = ""
    caption_box: BBox | None = None
    notes_box: BBox | None = None


def table_html(words: Sequence[Word], rulings: Sequence[Ruling], bbox: BBox) -> str:
    """An HTML <table> for the table region `bbox`, from the words inside it and the rulings near it.

    Returns "<table>...</table>" with <tr>/<td> (colspan/rowspan attributes where needed).
    """
    return read_table(words, rulings, bbox).html


def read_table(words: Sequence[Word], rulings: Sequence[Ruling], bbox: BBox) -> TableReading:
    """The table in region `bbox` (see `table_html`), with the caption and notes its box took in."""
    x0, y0, x1, y1 = bbox
    inside = [w for w in words if x0 <= (w.bbox[0] + w.bbox[2]) / 2 <= x1 and y0 <= (w.bbox[1] + w.bbox[3]) / 2 <= y1]
    turn = upright_turn(inside)
    if turn:  # a table printed sideways is built in its own upright frame
        frame = (x1 + _FRAME_MARGIN, y1 + _FRAME_MARGIN)
        inside, rulings = turn_words(inside, turn, *frame), turn_rulings(rulings, turn, *frame)
        turned = _upright_table(inside, rulings, turn_box(bbox, turn, *frame))
        return TableReading(turned.html, turned.caption, turned.notes)  # their boxes are in the turned frame
    return _upright_table(inside, rulings, bbox)


def _upright_table(inside: Sequence[Word], rulings: Sequence[Ruling], bbox: BBox) -> TableReading:
    x0, _, x1, _ = bbox
    hrules, vrules = _rules(rulings, bbox)
    frags = _fragments(inside, vrules)
    if not frags:
        return TableReading("<table></table>")
    bands, caption, notes = _trim_notes(_bands(frags), hrules)
    lh = statistics.median(b.y1 - b.y0 for b in bands)
    exact = all(w.line >= 0 for w in inside)  # token positions are exact only in a text layer
    if exact:
        bands = _bands(_cut_at_figure_gutters(bands, lh))
    else:
        bands = _part_touching_boxes(bands, lh)
    frags = [f for b in bands for f in b.frags]
    col_seps = _column_separators(bands, vrules, (x0, x1), lh)
    frags = [piece for f in frags for piece in _split_at(f, col_seps, lh, hrules, (x0, x1))]
    bands = _bands(frags)
    col_seps = _drop_empty_columns(col_seps, frags, (x0, x1), exact)
    row_bounds = _rows(bands, hrules, col_seps, (x0, x1), lh, exact)
    html_table = _render(_cells(bands, row_bounds, col_seps, hrules, vrules, lh, exact), len(row_bounds) - 1)
    return TableReading(html_table, _lines_text(caption), _lines_text(notes), _lines_box(caption), _lines_box(notes))


def _lines_text(bands: list[_Band]) -> str:
    return _join(_band_text(b) for b in bands)


def _lines_box(bands: list[_Band]) -> BBox | None:
    return union_box([(f.x0, f.y0, f.x1, f.y1) for b in bands for f in b.frags]) if bands else None


# --------------------------------------------------------------------------- rules


def _rules(rulings: Sequence[Ruling], bbox: BBox) -> tuple[list[_Rule], list[_Rule]]:
    """Rulings clipped to the (slightly grown) table box, grouped into horizontal and vertical lines."""
    x0, y0, x1, y1 = bbox
    m = 8.0  # px: layout boxes often end just inside the outer rules
    hs, vs = [], []
    for r in rulings:
        if r.horizontal:
            y = (r.y0 + r.y1) / 2
            a, b = max(min(r.x0, r.x1), x0 - m), min(max(r.x0, r.x1), x1 + m)
            if y0 - m <= y <= y1 + m and b - a > 2:
                hs.append((y, a, b))
        else:
            x = (r.x0 + r.x1) / 2
            a, b = max(min(r.y0, r.y1), y0 - m), min(max(r.y0, r.y1), y1 + m)
            if x0 - m <= x <= x1 + m and b - a > 2:
                vs.append((x, a, b))
    return _group(hs), _group(vs)


def _group(segments: list[tuple[float, float, float]]) -> list[_Rule]:
    """Segments at (nearly) the same position -> one `_Rule` per position, touching pieces joined."""
    rules: list[_Rule] = []
    for pos, a, b in sorted(segments):
        if rules and pos - rules[-1].pos <= _LINE_TOL:
            rules[-1].spans.append((a, b))
        else:
            rules.append(_Rule(pos, [(a, b)]))
    for rule in rules:
        joined: list[tuple[float, float]] = []
        for a, b in sorted(rule.spans):
            if joined and a <= joined[-1][1] + _LINE_TOL:
                joined[-1] = (joined[-1][0], max(joined[-1][1], b))
            else:
                joined.append((a, b))
        rule.spans = joined
    return rules


# --------------------------------------------------------------------------- fragments


def _char_width(ch: str) -> float:
    """Rough advance width of a character in em, for placing words inside an OCR line."""
    if ch in " ijlI.,:;'|!":
        return 0.3
    if ch in "frt()[]{}-":
        return 0.36
    if ch in "mwMW%@":
        return 0.85
    if ord(ch) >= 0x2E80:  # CJK and other full-width scripts
        return 1.0
    return 0.68 if ch.isupper() else 0.52


def _ocr_fragment(word: Word) -> _Frag:
    """An OCR line as one fragment, cut at spaces into tokens with estimated x positions.

    Characters get typical widths at the font size implied by the box height, laid out from the
    left edge. Box width beyond that is the slack: usually one wide gap between two cells the
    detector read as one line. Where it sits is decided when the line is cut (`_cut`).
    """
    text = word.text.strip()
    x0, y0, x1, y1 = word.bbox
    if " " not in text:
        return _Frag([_Token(text, x0, x1)], y0, y1)
    natural = sum(_char_width(c) for c in text)
    em = _EM_PER_HEIGHT * (y1 - y0)
    slack = max(0.0, (x1 - x0) - natural * em)
    scale = em if slack > 0 else (x1 - x0) / natural
    tokens = []
    pos = x0
    for part in text.split(" "):
        if part:
            width = sum(_char_width(c) for c in part) * scale
            tokens.append(_Token(part, pos, pos + width))
            pos += width
        pos += _char_width(" ") * scale
    return _Frag(tokens, y0, y1, slack)


def _cut(f: _Frag, xs: list[float], tol: float, through_words: bool = False) -> list[_Frag]:
    """Cut a fragment at the positions `xs` that fall between two of its tokens.

    Each position takes the token gap nearest to it; an OCR line's slack goes into the first cut.
    With `through_words`, a position no gap can take cuts the token under it, by estimated
    character positions (a rule crossing an OCR line whose words the OCR joined).
    """
    toks = f.tokens

    def gap(k: int) -> tuple[float, float]:  # where the gap before token k may lie
        return toks[k - 1].x1 - tol, toks[k].x0 + f.slack + tol

    cuts, unplaced = set(), []
    for x in xs:
        fits = [k for k in range(1, len(toks)) if gap(k)[0] <= x <= gap(k)[1]]
        if fits:
            cuts.add(min(fits, key=lambda k: abs(sum(gap(k)) / 2 - x)))
        else:
            unplaced.append(x)
    pieces: list[list[_Token]] = [[]]
    shift = 0.0
    for k, tok in enumerate(toks):
        if k in cuts:
            shift = f.slack
            pieces.append([])
        tok = _Token(tok.text, tok.x0 + shift, tok.x1 + shift)
        for x in unplaced if through_words else ():
            if tok.x0 + 1 < x < tok.x1 - 1:
                left, right = _split_token(tok, x)
                if left.text and right.text:
                    pieces[-1].append(left)
                    pieces.append([])
                    tok = right
        if tok.text:
            pieces[-1].append(tok)
    pieces = [p for p in pieces if p]
    if len(pieces) <= 1:
        return [f]
    out = [_Frag(p, f.y0, f.y1) for p in pieces]
    out[-1].slack = f.slack - shift
    return out


def _split_token(tok: _Token, x: float) -> tuple[_Token, _Token]:
    """A token cut at x, at the character boundary nearest to it (estimated widths)."""
    widths = [_char_width(c) for c in tok.text]
    scale = (tok.x1 - tok.x0) / max(sum(widths), 1e-6)
    pos, k = tok.x0, 0
    while k < len(widths) and pos + widths[k] * scale / 2 < x:
        pos += widths[k] * scale
        k += 1
    return _Token(tok.text[:k].strip(), tok.x0, pos), _Token(tok.text[k:].strip(), pos, tok.x1)


def _cut_at_rules(f: _Frag, vrules: list[_Rule]) -> list[_Frag]:
    """Cut a fragment wherever a vertical rule crosses its line."""
    xs = [r.pos for r in vrules if f.x0 < r.pos < f.x1 and r.covers(f.y0, f.y1, 0.6)]
    return _cut(f, xs, 1.0, through_words=True) if xs else [f]


def _fragments(words: Sequence[Word], vrules: list[_Rule]) -> list[_Frag]:
    """Words -> fragments. Text-layer words of one line merge across word-sized gaps only."""
    lines: dict[int, list[Word]] = {}
    frags: list[_Frag] = []
    for w in words:
        if not w.text.strip():
            continue
        if w.line >= 0:
            lines.setdefault(w.line, []).append(w)
        else:
            frags += _cut_at_rules(_ocr_fragment(w), vrules)
    for line_words in lines.values():
        line_words.sort(key=lambda w: w.bbox[0])
        y0, y1 = min(w.bbox[1] for w in line_words), max(w.bbox[3] for w in line_words)
        line = _Frag([_Token(w.text.strip(), w.bbox[0], w.bbox[2]) for w in line_words], y0, y1)
        for piece in _cut_at_rules(line, vrules):
            frags += _split_gaps(piece, _MERGE_GAP * (y1 - y0))
    return frags


def _split_gaps(f: _Frag, max_gap: float) -> list[_Frag]:
    """Cut a fragment wherever two consecutive tokens are more than `max_gap` apart."""
    groups: list[list[_Token]] = [[f.tokens[0]]]
    for prev, tok in itertools.pairwise(f.tokens):
        if tok.x0 - prev.x1 > max_gap:
            groups.append([])
        groups[-1].append(tok)
    return [_Frag(g, f.y0, f.y1) for g in groups]


def _cut_at_figure_gutters(bands: list[_Band], lh: float) -> list[_Frag]:
    """Fragments cut at narrow gutters between columns of figures.

    Sub-columns of numbers ("Male  Female" under one group header) often stand closer than the gap
    that separates fragments. An x range that the words of nearly no line cover, with words on both
    sides of it in at least three lines (and half of them), mostly figures right next to it, is a
    column gutter all the same: fragments are cut there between two figures.
    """
    frags = [f for b in bands for f in b.frags]
    left = int(min(f.x0 for f in frags))
    width = int(np.ceil(max(f.x1 for f in frags))) - left + 2
    coverage = np.zeros(width, int)
    for b in bands:
        covered = np.zeros(width, bool)
        for t in (t for f in b.frags for t in f.tokens):
            covered[_px(t.x0, left, width) : _px(t.x1, left, width)] = True
        coverage += covered
    sparse = coverage <= max(1, 0.15 * len(bands))
    gutters = []
    for a, e in runs(sparse):
        if e - a < 0.15 * lh or a == 0 or e >= width - 1:
            continue
        x0, x1 = left + a, left + e
        pairs = [pair for b in bands if (pair := _tokens_beside(b, x0, x1)) is not None]
        figures = [p for p in pairs if all(FIGURE.match(t.text) for t in p)]
        if len(pairs) >= max(3, 0.5 * len(bands)) and len(figures) >= 0.6 * len(pairs):
            gutters.append((x0 + x1) / 2)
    return [piece for f in frags for piece in _cut(f, [g for g in gutters if _figures_beside(f, g)], 0.1 * lh)]


def _figures_beside(f: _Frag, x: float) -> bool:
    """Whether x falls between two tokens of the fragment that are both figures. (Other text across a
    gutter, such as a group header, is left to the column split, which keeps spanning cells whole.)"""
    return any(
        a.x1 <= x <= b.x0 and FIGURE.match(a.text) and FIGURE.match(b.text) for a, b in itertools.pairwise(f.tokens)
    )


def _part_touching_boxes(bands: list[_Band], lh: float) -> list[_Band]:
    """OCR boxes of one line that touch or overlap by a few px are pulled apart at the middle of their overlap.

    A detector that grows its boxes (small models do, a lot) makes neighbouring cells' boxes meet across a
    narrow column gutter; left touching, they cover the gutter and the columns on either side merge in every
    row. Parted by a pixel each side, the boundary is a gap like any other: it makes a column gutter only where
    the other lines leave that x blank too, so a line whose two boxes meet inside a column's text changes nothing.
    """
    reach = 0.5 * lh  # overlap beyond this is no growth of two boxes' margins but text that truly overlaps
    for band in bands:
        frags = band.frags
        for k in range(len(frags) - 1):
            f, g = frags[k], frags[k + 1]
            if -1.0 <= f.x1 - g.x0 <= reach and f.x1 < g.x1 and g.x0 > f.x0:
                middle = (f.x1 + g.x0) / 2
                frags[k], frags[k + 1] = _with_right_edge(f, middle - 1.0), _with_left_edge(g, middle + 1.0)
    return bands


def _with_right_edge(f: _Frag, x1: float) -> _Frag:
    """The fragment ending at x1 (its slack taken first, then its last token's width)."""
    slack = max(0.0, min(f.slack, x1 - f.tokens[-1].x1))
    last = f.tokens[-1]
    tokens = [*f.tokens[:-1], _Token(last.text, last.x0, max(last.x0, min(last.x1, x1)))]
    return _Frag(tokens, f.y0, f.y1, slack)


def _with_left_edge(f: _Frag, x0: float) -> _Frag:
    """The fragment starting at x0 (its first token narrowed)."""
    first = f.tokens[0]
    tokens = [_Token(first.text, min(max(first.x0, x0), first.x1), first.x1), *f.tokens[1:]]
    return _Frag(tokens, f.y0, f.y1, f.slack)


def _tokens_beside(band: _Band, x0: float, x1: float) -> tuple[_Token, _Token] | None:
    """The last token of the band left of [x0, x1] and the first right of it, when both lie near it."""
    tokens = sorted((t for f in band.frags for t in f.tokens), key=lambda t: t.x0)
    before = [t for t in tokens if t.x1 <= x0 + 1]
    after = [t for t in tokens if t.x0 >= x1 - 1]
    if not before or not after:
        return None
    return before[-1], after[0]


def _bands(frags: Iterable[_Frag]) -> list[_Band]:
    """Group fragments into visual lines: a fragment joins the band it overlaps by half its height."""
    bands: list[_Band] = []
    for f in sorted(frags, key=lambda f: (f.cy, f.x0)):
        h = f.y1 - f.y0
        best = max(bands[-3:], key=lambda b: min(b.y1, f.y1) - max(b.y0, f.y0), default=None)
        if best is not None and min(best.y1, f.y1) - max(best.y0, f.y0) >= 0.5 * min(h, best.y1 - best.y0):
            best.add(f)
        else:
            band = _Band()
            band.add(f)
            bands.append(band)
    for b in bands:
        b.frags.sort(key=lambda f: f.x0)
    bands.sort(key=lambda b: b.y0)
    return bands


# --------------------------------------------------------------------------- columns


def _column_separators(bands: list[_Band], vrules: list[_Rule], span: tuple[float, float], lh: float) -> list[float]:
    """Internal column boundaries (x) from vertical rules and whitespace gaps.

    A table framed left and right with at least one long inner rule is taken as fully ruled:
    its rules alone are the columns (justified or wrapped cell text leaves gaps that mean nothing).
    """
    top, bottom = bands[0].y0, bands[-1].y1
    left = min(f.x0 for b in bands for f in b.frags)
    right = max(f.x1 for b in bands for f in b.frags)
    beside_text = [r for r in vrules if any(r.covers(b.y0, b.y1, 0.6) for b in bands)]
    inner = [r for r in beside_text if left + lh / 2 < r.pos < right - lh / 2]
    long_inner = [r for r in inner if r.covers(top, bottom, 0.5)]
    framed = any(r.pos <= left + lh / 2 and r.covers(top, bottom, 0.5) for r in vrules) and any(
        r.pos >= right - lh / 2 and r.covers(top, bottom, 0.5) for r in vrules
    )
    if framed and long_inner:
        return _dedupe([r.pos for r in inner], lh / 2)
    headers = _centred_over_gaps(bands, span, lh)
    gaps = _whitespace_gaps(bands, span, headers)

    def in_gap(x: float, g: tuple[float, float]) -> bool:
        return g[0] - lh <= x <= g[1] + lh

    seps = [r.pos for r in inner if r in long_inner or any(in_gap(r.pos, g) for g in gaps)]
    open_gaps = [g for g in gaps if not any(in_gap(r.pos, g) for r in inner)]
    if not seps or len(open_gaps) > 0.4 * len(gaps):
        seps += [_separator_in(g, bands, headers) for g in open_gaps]
    return _dedupe(sorted(seps), lh / 2)


def _separator_in(gap: tuple[float, float], bands: list[_Band], headers: frozenset[int]) -> float:
    """Where a column boundary goes in a whitespace gap: its middle, or, where a line's words run across the
    middle (a header right-aligned over its column and wider than the figures under it), the middle of the
    widest part of the gap that no word covers. Where group headers are centred over the gap (ids in
    `headers`), the boundary goes under their centre: each is set centred over the two columns it spans."""
    centres = [c for b in bands for f in b.frags if id(f) in headers and gap[0] < (c := (f.x0 + f.x1) / 2) < gap[1]]
    if centres:
        return statistics.median(centres)
    middle = (gap[0] + gap[1]) / 2
    words = [(t.x0, t.x1) for b in bands for f in b.frags for t in f.tokens if t.x0 < gap[1] and t.x1 > gap[0]]
    free = uncovered(gap, words)
    if not free or not any(x0 < middle < x1 for x0, x1 in words):
        return middle
    a, b = max(free, key=lambda part: part[1] - part[0])
    return (a + b) / 2


def _dedupe(xs: list[float], tol: float) -> list[float]:
    """Sorted positions with near-duplicates (within `tol`) dropped."""
    out: list[float] = []
    for x in xs:
        if not out or x - out[-1] > tol:
            out.append(x)
    return out


def _line_masks(bands: list[_Band], x0: float, width: int, skipped: frozenset[int] = frozenset()) -> np.ndarray:
    """Per line, the x pixels (from x0, `width` of them) its fragments cover, leaving out those in `skipped`."""
    masks = np.zeros((len(bands), width), bool)
    for i, b in enumerate(bands):
        for f in b.frags:
            if id(f) not in skipped:
                masks[i, _px(f.x0, x0, width) : _px(f.x1, x0, width)] = True
    return masks


def _centred_over_gaps(bands: list[_Band], span: tuple[float, float], lh: float) -> frozenset[int]:
    """Ids of the fragments that are group headers centred over the gap between two columns: other lines have
    no text under the fragment's centre but text on both sides of it, on one side only reaching under the
    fragment, and neither of its edges lined up with most of the text under it (a head set flush right over figures
    narrower than itself lies over a gap too, but it ends where they end)."""
    x0 = span[0]
    width = int(np.ceil(span[1] - x0)) + 2
    masks = _line_masks(bands, x0, width)
    coverage = masks.sum(axis=0)
    tol = 0.25 * lh
    headers = set()
    for b, mask in zip(bands, masks, strict=True):
        clear = runs(coverage - mask == 0)
        for f in b.frags:
            a, e = _px(f.x0, x0, width), _px(f.x1, x0, width)
            gap = next(((s, t) for s, t in clear if s <= (a + e) // 2 < t), None)
            if gap is None or gap[0] == 0 or gap[1] >= width or (a < gap[0] and e > gap[1]):
                continue  # (text under it on both sides of the gap: `_straddles` sees to it)
            under = [g for c in bands if c is not b for g in c.frags if g.x0 < f.x1 and g.x1 > f.x0]
            flush_right = sum(abs(g.x1 - f.x1) <= tol for g in under)
            flush_left = sum(abs(g.x0 - f.x0) <= tol for g in under)
            if under and max(flush_left, flush_right) <= 0.5 * len(under):
                headers.add(id(f))
    return frozenset(headers)


def _whitespace_gaps(
    bands: list[_Band], span: tuple[float, float], headers: frozenset[int]
) -> list[tuple[float, float]]:
    """Internal x ranges covered by no fragment, ignoring fragments that straddle a sparse range and the group
    headers centred over a gap (ids in `headers`).

    A column that only one band has text in (a group header centred over a gap) is no column. A header
    over a gap that a wider spanning header also covers ("2007" under nothing but "Inadequate housing
    units" across) shows its gap once the wider one is set aside, so straddling is checked twice.
    """
    x0 = span[0]
    width = int(np.ceil(span[1] - x0)) + 2

    def extent(f: _Frag) -> tuple[int, int]:
        return _px(f.x0, x0, width), _px(f.x1, x0, width)

    coverage = _line_masks(bands, x0, width).sum(axis=0)
    sparse = coverage <= max(1, round(0.15 * len(bands)))
    wide = headers | {id(f) for b in bands for f in b.frags if _straddles(sparse, coverage, *extent(f))}
    rest = _line_masks(bands, x0, width, wide).sum(axis=0)
    kept = [
        (i, extent(f))
        for i, b in enumerate(bands)
        for f in b.frags
        if id(f) not in wide and not _straddles(sparse, rest, *extent(f))
    ]
    solid = np.zeros(width, bool)
    for _, (a, b) in kept:
        solid[a:b] = True
    if len(bands) >= 3:
        for a, b in runs(solid):
            if len({i for i, (fa, fb) in kept if fa < b and fb > a}) == 1:
                solid[a:b] = False
    return [(x0 + a, x0 + b) for a, b in runs(~solid) if a > 0 and b < width and solid[:a].any() and solid[b:].any()]


def _px(x: float, origin: float, width: int) -> int:
    """x as an index into a per-pixel array of `width` starting at `origin`."""
    return int(min(max(round(x - origin), 0), width))


def _straddles(sparse: np.ndarray, coverage: np.ndarray, a: int, b: int) -> bool:
    """Whether [a, b) crosses a gap: a range no other line has text in, with text of other lines
    on both sides, or a sparse range with dense columns on both sides."""
    others = coverage[a:b] > 1  # the fragment's own line counts once
    thin = sparse[a:b]
    if others.all() and not thin.any():
        return False
    dense = ~thin
    return any(others[:s].any() and others[e:].any() for s, e in runs(~others)) or any(
        dense[:s].any() and dense[e:].any() for s, e in runs(thin)
    )


def _split_at(f: _Frag, seps: list[float], lh: float, hrules: list[_Rule], span: tuple[float, float]) -> list[_Frag]:
    """Cut a fragment at the column separators that fall in gaps between its tokens.

    Not a group header over a partial rule (a booktabs cmidrule), and only when every piece then
    fits one column: text that still straddles a separator is a spanning cell (a centred
    header), and its word gaps meeting separators is chance.
    """
    if _over_partial_rule(f, hrules, lh, span):
        return [f]
    inside = [s for s in seps if f.x0 < s < f.x1]
    if not inside:
        return [f]
    pieces = _cut(f, inside, 0.3 * lh)
    inset = 0.3 * lh
    if len(pieces) > 1 and any(p.x0 + inset < s < p.x1 - inset for p in pieces for s in inside):
        return [f]
    return pieces


def _over_partial_rule(f: _Frag, hrules: list[_Rule], lh: float, span: tuple[float, float]) -> bool:
    """Whether a rule narrower than the table runs just below the fragment, under all of it."""
    narrow = 0.9 * (span[1] - span[0])
    return any(
        a - lh / 2 <= f.x0 and f.x1 <= b + lh / 2 and b - a < narrow
        for r in hrules
        if f.y1 - 0.2 * lh <= r.pos <= f.y1 + lh
        for a, b in r.spans
    )


def _across(f: _Frag, seps: Sequence[float]) -> bool:
    """Whether the fragment runs across any of the column separators `seps`."""
    return any(f.x0 < s < f.x1 for s in seps)


def _drop_empty_columns(seps: list[float], frags: list[_Frag], span: tuple[float, float], exact: bool) -> list[float]:
    """Remove separators until every column holds the centre of some fragment; where positions are `exact` (a
    text layer), of some fragment that stays inside one column: a group header centred over the gap between two
    columns of figures makes no column of its own. (An OCR line runs across columns where the recognizer read
    two cells as one.)"""
    seps = list(seps)
    while seps:
        bounds = [span[0], *seps, span[1]]
        centres = [(f.x0 + f.x1) / 2 for f in frags if not (exact and _across(f, seps))]
        empty = [i for i in range(len(bounds) - 1) if not any(bounds[i] <= c < bounds[i + 1] for c in centres)]
        if not empty:
            break
        del seps[max(empty[0] - 1, 0)]  # merge the empty column into its left neighbour (or the first into the second)
    return seps


# --------------------------------------------------------------------------- rows


def _rows(
    bands: list[_Band], hrules: list[_Rule], seps: list[float], span: tuple[float, float], lh: float, exact: bool
) -> list[float]:
    """Row boundaries (y, top to bottom, including the outer ones).

    Rules define the rows when they separate most lines (or at least three run across the table).
    Otherwise a band starts a new row unless it reads as wrapped text of the row above (a label wrapped
    onto the line that carries the row's figures among them); in a header block ruled off from the body,
    only rules (e.g. booktabs cmidrules) start a row, and the line of heads under a line of group headers.
    """
    rules = [r for r in hrules if r.length >= 0.1 * (span[1] - span[0])]
    pairs = list(itertools.pairwise(bands))
    ruled = [any((a.y0 + a.y1) / 2 < r.pos < (b.y0 + b.y1) / 2 for r in rules) for a, b in pairs]
    header = _header_size(bands, hrules)
    body_ruled = ruled[header:]
    full = [r for r in _full_rules(bands, hrules) if bands[0].y1 < r.pos < bands[-1].y0]
    if (sum(body_ruled) >= 2 and sum(body_ruled) >= _RULED_SHARE * len(body_ruled)) or len(full) >= 3:
        return _bounds_from_cuts(bands, [r.pos for r in rules] + _unruled_figure_rows(pairs, ruled, seps))
    pitches = [(b.y0 + b.y1 - a.y0 - a.y1) / 2 for a, b in pairs]
    ref = statistics.median(pitches) if pitches else 0.0
    cuts = []
    row_cols: set[int] = set()
    for i, ((a, b), is_ruled, pitch) in enumerate(zip(pairs, ruled, pitches, strict=True)):
        cols_b = {_col_of((f.x0 + f.x1) / 2, seps) for f in b.frags}
        row_cols |= {_col_of((f.x0 + f.x1) / 2, seps) for f in a.frags}
        close = pitch < 0.8 * ref
        runs_on = b.frags[0].text[:1].islower() or _runs_on(a, b, seps)
        wraps = (cols_b < row_cols and (close or runs_on)) or (cols_b == row_cols and close)
        wraps = wraps or (row_cols == {0} and 0 in cols_b and runs_on and not _introduces(a, b, seps))
        wraps = wraps and not _figure_rows(a, b, seps) and not _outdented(b, a, seps, lh)
        if i + 1 < header:  # inside the header block only rules cut, and a line of group headers over heads
            wraps = not _over_heads(a, b, seps, lh, top=i == 0, exact=exact)
        if not is_ruled and wraps:
            continue
        cuts.append((a.y1 + b.y0) / 2)
        row_cols = set()
    return [bands[0].y0 - 1, *cuts, bands[-1].y1 + 1]


def _above_first(a: _Band, b: _Band, seps: list[float]) -> list[_Frag]:
    """The fragments of line a in the column where line b starts."""
    col = _col_of((b.frags[0].x0 + b.frags[0].x1) / 2, seps)
    return [f for f in a.frags if _col_of((f.x0 + f.x1) / 2, seps) == col]


def _runs_on(a: _Band, b: _Band, seps: list[float]) -> bool:
    """Whether the text of line a in the column where line b starts breaks off mid-phrase (ends with a comma, a
    hyphen, a slash, an ampersand or a plus), so that b goes on with it."""
    above = _above_first(a, b, seps)
    return bool(above) and bool(_UNFINISHED.search(above[-1].text))


def _over_heads(a: _Band, b: _Band, seps: list[float], lh: float, top: bool, exact: bool) -> bool:
    """Whether line a is a line of group headers (phrases running across a column boundary) and line b holds heads
    of the columns they span, none of its own pieces across a boundary (not only heads centred down beside them,
    such as the stub head). On the table's `top` line, a phrase outside the groups may be a head of its own
    column, alone there or wrapped onto line b (a stub head; "Total" over "population"); where positions are
    `exact` (a text layer), words a word space apart there are one phrase ("Mexican American" over two columns)."""

    def column(f: _Frag) -> int:
        return _col_of((f.x0 + f.x1) / 2, seps)

    phrases = _phrases(a.frags, lh) if top and exact else [[f] for f in a.frags]
    groups = [p for p in phrases if _col_of(p[0].x0, seps) != _col_of(p[-1].x1, seps)]
    if not groups or any(_across(f, seps) for f in b.frags):
        return False
    for phrase in phrases:
        below = [f for f in b.frags if column(f) in {column(g) for g in phrase}]
        if phrase not in groups and not (top and (not below or _wrapped(phrase, below))):
            return False
    spanned = {c for p in groups for c in range(_col_of(p[0].x0, seps), _col_of(p[-1].x1, seps) + 1)}
    return any(column(f) in spanned for f in b.frags)


def _phrases(frags: list[_Frag], lh: float) -> list[list[_Frag]]:
    """A line's fragments left to right, grouped where they stand no more than a word space apart."""
    phrases: list[list[_Frag]] = []
    for f in sorted(frags, key=lambda f: f.x0):
        if phrases and f.x0 - phrases[-1][-1].x1 < _WORD_SPACE * lh:
            phrases[-1].append(f)
        else:
            phrases.append([f])
    return phrases


def _introduces(a: _Band, b: _Band, seps: list[float]) -> bool:
    """Whether line a's text in the column where line b starts ends with a colon: a heading over the rows below."""
    above = _above_first(a, b, seps)
    return bool(above) and above[-1].text.rstrip().endswith(":")


def _outdented(b: _Band, a: _Band, seps: list[float], lh: float) -> bool:
    """Whether line b starts clearly left of the text of line a in its column, the two not centred on each other:
    a heading set out from the rows above ("Sex, by race" after "... Alaska Native"), not their text wrapping on."""
    first = b.frags[0]
    above = _above_first(a, b, seps)
    if not above:
        return False
    left, right = min(f.x0 for f in above), max(f.x1 for f in above)
    centred = abs((first.x0 + first.x1) / 2 - (left + right) / 2) <= 0.5 * lh
    return first.x0 < left - 0.5 * lh and not centred


def _unruled_figure_rows(pairs: list[tuple[_Band, _Band]], ruled: list[bool], seps: list[float]) -> list[float]:
    """Cuts between neighbouring lines that no rule separates but that are each a whole row of figures
    (booktabs tables rule off only the header and the total). A wrapped cell's next line brings no
    figures of its own."""
    return [
        (a.y1 + b.y0) / 2
        for (a, b), is_ruled in zip(pairs, ruled, strict=True)
        if not is_ruled and _figure_rows(a, b, seps)
    ]


def _figure_rows(a: _Band, b: _Band, seps: list[float]) -> bool:
    """Whether two lines are each a whole row: a label in the first column, figures in the same columns."""
    figures_a = _figure_columns(a, seps)
    return bool(figures_a) and figures_a == _figure_columns(b, seps) and _has_label(a, seps) and _has_label(b, seps)


def _figure_columns(band: _Band, seps: list[float]) -> set[int]:
    return {_col_of((f.x0 + f.x1) / 2, seps) for f in band.frags if FIGURE.match(f.text)} - {0}


def _has_label(band: _Band, seps: list[float]) -> bool:
    """Whether the line has text in the first column (a row's label, which may be a number: 0, 1, 2, ...)."""
    return any(_col_of((f.x0 + f.x1) / 2, seps) == 0 for f in band.frags)


def _header_size(bands: list[_Band], hrules: list[_Rule]) -> int:
    """How many leading bands form a header block: up to `_MAX_HEADER_LINES` lines above a rule across the table,
    no more than the lines below it."""
    across = [r.pos for r in _full_rules(bands, hrules, 0.9) if bands[0].y1 < r.pos]
    size = sum((b.y0 + b.y1) / 2 < min(across) for b in bands) if across else 0  # an OCR box may overhang it
    return size if size <= _MAX_HEADER_LINES and len(bands) - size >= max(2, size) else 0


def _full_rules(bands: list[_Band], hrules: list[_Rule], share: float = 0.7) -> list[_Rule]:
    """Horizontal rules running across (`share` of) the text."""
    left = min(f.x0 for b in bands for f in b.frags)
    right = max(f.x1 for b in bands for f in b.frags)
    return [r for r in hrules if r.covers(left, right, share)]


def _trim_notes(bands: list[_Band], hrules: list[_Rule]) -> tuple[list[_Band], list[_Band], list[_Band]]:
    """The lines of the table, apart from a caption above the top rule and notes below the bottom rule that the
    table box took in: (table lines, caption lines, note lines).

    Only a few lines qualify, and only when the rules enclose a table of several lines.
    """
    full = [r.pos for r in _full_rules(bands, hrules)]
    if len(full) < 2:
        return bands, [], []
    top, bottom = min(full), max(full)
    body = [b for b in bands if top < b.y0 and b.y1 < bottom]
    above = [b for b in bands if b.y1 <= top]
    below = [b for b in bands if b.y0 >= bottom]
    if len(body) < 3:
        return bands, [], []
    titled = bool(above) and bool(_CAPTION.match(above[0].frags[0].text))
    caption = titled or (bool(above) and all(len(b.frags) == 1 for b in above))
    notes = bool(below) and (all(len(b.frags) == 1 for b in below) or _NOTE.match(below[0].frags[0].text))
    # a caption that names itself ("Table 2: ...") often runs on for a few lines of description
    caption_lines = _MAX_TITLED_CAPTION_LINES if titled else 2
    if titled:  # the caption's own lines, not the heads of columns above a rule under the header
        above = above[:1] + list(itertools.takewhile(lambda b: len(b.frags) == 1, above[1:]))
    dropped_above = above if caption and len(above) <= caption_lines else []
    dropped_below = below if notes and len(below) <= 2 else []
    kept = [b for b in bands if b not in dropped_above and b not in dropped_below]
    return kept, dropped_above, dropped_below


def _col_of(x: float, seps: list[float]) -> int:
    """Index of the interval between sorted separators that holds x."""
    return sum(1 for s in seps if s <= x)


def _bounds_from_cuts(bands: list[_Band], cuts: list[float]) -> list[float]:
    """Rows between consecutive cut lines; cuts with no text between them collapse."""
    top, bottom = bands[0].y0 - 1, bands[-1].y1 + 1
    inner = [c for c in sorted(cuts) if top < c < bottom]
    bounds = [top]
    for c in inner:
        if any(bounds[-1] <= f.cy < c for b in bands for f in b.frags):
            bounds.append(c)
    bounds.append(bottom)
    if len(bounds) > 2 and not any(bounds[-2] <= f.cy for b in bands for f in b.frags):
        bounds.pop(-2)
    return bounds


# --------------------------------------------------------------------------- cells


@dataclass
class _Layout:
    """The grid: row/column bounds, fragments per grid cell, and which cell borders are open."""

    rows: list[float]
    cols: list[float]
    frags: dict[tuple[int, int], list[_Frag]]
    v_open: set[tuple[int, int]]  # (r, c): no border between (r, c) and (r, c + 1)
    h_open: set[tuple[int, int]]  # (r, c): no border between (r, c) and (r + 1, c)

    def filled(self, r: int, c: int) -> bool:
        return (r, c) in self.frags


@dataclass
class _Cell:
    """One output cell: its top-left grid position, spans and text."""

    row: int
    col: int
    rowspan: int
    colspan: int
    text: str


def _cells(
    bands: list[_Band],
    rows: list[float],
    seps: list[float],
    hrules: list[_Rule],
    vrules: list[_Rule],
    lh: float,
    exact: bool,
) -> list[_Cell]:
    """The cells of the grid given by the row bounds and column separators; `exact`: the words' positions are a
    text layer's (an OCR line's words are placed by estimate)."""
    frags = [f for b in bands for f in b.frags]
    left, right = min(f.x0 for f in frags), max(f.x1 for f in frags)
    grid = _Layout(rows, [left, *seps, right], {}, set(), set())
    straddled = _place(grid, frags, lh)
    row_rules = _rules_between_rows(grid, hrules)
    _open_missing_rules(grid, row_rules, vrules, lh)
    _open_under_group_rules(grid, row_rules, lh)
    joined = _join_phrases_across_column_gaps(grid, vrules, lh) if exact else set()
    _open_under_group_header_line(grid, straddled | joined, row_rules)
    grid.v_open |= {rc for rc in straddled if not grid.filled(rc[0], rc[1] + 1)}
    _open_section_rows(grid, vrules, lh)
    _open_centred_group_headers(grid, vrules, lh)
    return _merge(grid)


def _open_centred_group_headers(grid: _Layout, vrules: list[_Rule], lh: float) -> None:
    """In the header rows (above the first row of figures beside a label), a label centred over more of the
    column heads under it than it covers (a year over its group's "Number" and "Percent" columns) spans them:
    its span grows by a column on each side, or on one, while the columns it takes are empty in its row and
    headed under it, no rule divides them, and the span stays centred on the label."""
    n_cols = len(grid.cols) - 1
    first_data = _first_data_row(grid)
    # where each column's print runs in the body: a group's label is centred on its columns' print, not on the
    # borders between them (the gap before a stub is often the widest)
    edges = [(grid.cols[c], grid.cols[c + 1]) for c in range(n_cols)]
    for c in range(n_cols):
        body = [f for (r, col), frags in grid.frags.items() if col == c and r >= first_data for f in frags]
        if body:
            edges[c] = (min(f.x0 for f in body), max(f.x1 for f in body))
    for r in range(first_data - 1):
        labels = [c for c in range(n_cols) if grid.filled(r, c)]
        if len(labels) < 2:
            continue
        runs = {c: _run(grid, r, c, n_cols) for c in labels}
        # columns already in some cell: a label's span, or a cell running down into or out of this row
        taken = {k for first, last in runs.values() for k in range(first, last + 1)}
        taken |= {c for c in range(n_cols) if (r, c) in grid.h_open or (r - 1, c) in grid.h_open}
        for c in labels:
            frags = grid.frags[r, c]
            centre = (min(f.x0 for f in frags) + max(f.x1 for f in frags)) / 2
            first, last = runs[c]
            while True:
                wider = [
                    (left, right)
                    for left, right in ((first - 1, last + 1), (first - 1, last), (first, last + 1))
                    if 0 <= left and right < n_cols
                    and not ({left, right} - set(range(first, last + 1))) & taken
                    and all(_headed_below(grid, r, k) for k in (left, right))
                    and _centred_on(grid, r, left, right, edges, centre, vrules, lh)
                    and not _divided(grid, r, (grid.cols[left + 1], grid.cols[right]), vrules, lh)
                ]  # fmt: skip
                if not wider:
                    break
                first, last = wider[0]
            if (first, last) != runs[c]:
                grid.frags[r, first] = grid.frags.pop((r, c))  # _merge grows a cell from its first column
                grid.v_open |= {(r, k) for k in range(first, last)}
                taken |= set(range(first, last + 1))


def _centred_on(
    grid: _Layout,
    r: int,
    left: int,
    right: int,
    edges: list[tuple[float, float]],
    centre: float,
    vrules: list[_Rule],
    lh: float,
) -> bool:
    """Whether a label of row r centred at `centre` is centred over columns left..right: on their print in the body,
    or, where rules stand at both sides of those columns under the label, on the rules (figures set flush right
    leave the print off centre in its cells)."""
    if abs((edges[left][0] + edges[right][1]) / 2 - centre) <= lh:
        return True
    x0, x1 = grid.cols[left], grid.cols[right + 1]
    ruled = all(_divided(grid, r + 1, (x,), vrules, lh) for x in (x0, x1))
    return ruled and abs((x0 + x1) / 2 - centre) <= lh


def _headed_below(grid: _Layout, r: int, c: int) -> bool:
    """Whether column c has a head in row r + 1, or one that runs up into it from the row below (a "Change" column's
    head set level with the heads under its neighbours' years)."""
    return grid.filled(r + 1, c) or ((r + 1, c) in grid.h_open and grid.filled(r + 2, c))


def _run(grid: _Layout, r: int, c: int, n_cols: int) -> tuple[int, int]:
    """The first and last column of the cell of row r that holds column c (borders open between them)."""
    first, last = c, c
    while first > 0 and (r, first - 1) in grid.v_open:
        first -= 1
    while last + 1 < n_cols and (r, last) in grid.v_open:
        last += 1
    return first, last


def _divided(grid: _Layout, r: int, xs: Sequence[float], vrules: list[_Rule], lh: float) -> bool:
    """Whether a rule runs down row r at any of the column borders `xs`."""
    top, bottom = grid.rows[r], grid.rows[r + 1]
    return any(abs(v.pos - x) <= lh / 2 and v.covers(top, bottom) for x in xs for v in vrules)


def _open_section_rows(grid: _Layout, vrules: list[_Rule], lh: float) -> None:
    """A row holding nothing but a label in the first column that already runs on over the next (its text
    crosses the border, or no rule divides them there: a section's name between groups of data rows, "Language
    and Literacy") spans the whole row, unless rules divide the rest of it."""
    n_cols = len(grid.cols) - 1
    if n_cols < 3:
        return
    for r in range(len(grid.rows) - 1):
        if (r, 0) not in grid.v_open or any(grid.filled(r, c) for c in range(1, n_cols)):
            continue
        if not _divided(grid, r, grid.cols[2:-1], vrules, lh):
            grid.v_open |= {(r, c) for c in range(n_cols - 1)}


def _place(grid: _Layout, frags: list[_Frag], lh: float) -> set[tuple[int, int]]:
    """Put each fragment in the grid cell of its left part; returns the borders fragments straddle."""
    straddled = set()
    inset = 0.4 * lh
    for f in frags:
        r = min(max(_col_of(f.cy, grid.rows[1:-1]), 0), len(grid.rows) - 2)
        centre = _col_of((f.x0 + f.x1) / 2, grid.cols[1:-1])
        first = min(_col_of(f.x0 + inset, grid.cols[1:-1]), centre)
        last = max(_col_of(f.x1 - inset, grid.cols[1:-1]), centre)
        grid.frags.setdefault((r, first), []).append(f)
        straddled |= {(r, c) for c in range(first, last)}
    return straddled


def _rules_between_rows(grid: _Layout, hrules: list[_Rule]) -> list[_Rule | None]:
    """For each pair of neighbouring rows, the longest horizontal rule between their text."""
    centres: dict[int, list[float]] = {}
    for (r, _), frags in grid.frags.items():
        centres.setdefault(r, []).extend(f.cy for f in frags)
    between = []
    for r in range(len(grid.rows) - 2):
        above = max(centres.get(r, [grid.rows[r]]))
        below = min(centres.get(r + 1, [grid.rows[r + 2]]))
        inside = [h for h in hrules if above < h.pos < below]
        between.append(max(inside, key=lambda h: h.length, default=None))
    return between


def _spreads_over(grid: _Layout, r: int, c: int, x: float, lh: float) -> bool:
    """Whether the text of one of the cells (r, c) and (r, c + 1), the other empty, spans both where the rule
    between them (at `x`) is missing. It does unless the row above fills both columns, which sets them apart (a
    total's label or a head's wrapped last line under them stays in its column); even then it does where it runs
    to the border or is its row's only text (a section heading)."""
    if grid.filled(r, c) == grid.filled(r, c + 1):
        return False
    if r == 0 or not (grid.filled(r - 1, c) and grid.filled(r - 1, c + 1)):
        return True
    frags = grid.frags.get((r, c)) or grid.frags[r, c + 1]
    alone = sum(grid.filled(r, k) for k in range(len(grid.cols) - 1)) == 1
    return alone or any(f.x0 - lh / 2 <= x <= f.x1 + lh / 2 for f in frags)


def _open_missing_rules(grid: _Layout, row_rules: list[_Rule | None], vrules: list[_Rule], lh: float) -> None:
    """Open borders where a rule that separates most of the line is missing (and text spans it)."""
    n_rows, n_cols = len(grid.rows) - 1, len(grid.cols) - 1
    for c in range(n_cols - 1):
        x = grid.cols[c + 1]
        near = [span for v in vrules if abs(v.pos - x) <= lh / 2 for span in v.spans]
        if not near:
            continue
        rule = _Rule(x, near)
        missing = [r for r in range(n_rows) if not rule.covers(grid.rows[r], grid.rows[r + 1], 0.5)]
        if len(missing) <= n_rows / 2:
            grid.v_open |= {(r, c) for r in missing if _spreads_over(grid, r, c, x, lh)}
    width = grid.cols[-1] - grid.cols[0]
    rules = {r: rule for r, rule in enumerate(row_rules) if rule is not None and rule.length >= 0.2 * width}
    for c in range(n_cols):
        missing = [r for r, rule in rules.items() if not rule.covers(grid.cols[c], grid.cols[c + 1], 0.5)]
        if len(missing) > len(rules) / 2:  # a column without rules says nothing by lacking one
            continue
        for r in missing:
            # one cell over two rows: text below an empty cell, a label above an empty cell beside a row of
            # figures (set at the top of a cell that heads the data rows beside it; a figure belongs to its own
            # row), or text centred down near where the rule would be
            if grid.filled(r + 1, c) or (
                grid.filled(r, c)
                and (
                    (_is_label(grid.frags[r, c]) and _holds_figures(grid, r + 1))
                    or max(f.cy for f in grid.frags[r, c]) > rules[r].pos - lh / 2
                )
            ):
                grid.h_open.add((r, c))


def _is_label(frags: list[_Frag]) -> bool:
    """Whether a cell's text is words, not figures."""
    return not all(FIGURE.match(f.text) for f in frags)


def _holds_figures(grid: _Layout, r: int) -> bool:
    """Whether row r of the grid holds figures (a data row, not a header line)."""
    return any(FIGURE.match(f.text) for (row, _), frags in grid.frags.items() if row == r for f in frags)


def _open_under_group_rules(grid: _Layout, row_rules: list[_Rule | None], lh: float) -> None:
    """A header alone above a partial rule (a booktabs cmidrule) spans the columns the rule covers."""
    n_cols = len(grid.cols) - 1
    centres = [(grid.cols[c] + grid.cols[c + 1]) / 2 for c in range(n_cols)]
    for r, rule in enumerate(row_rules):
        if rule is None:
            continue
        for s0, s1 in rule.spans:
            cols = [c for c in range(n_cols) if s0 - lh / 2 <= centres[c] <= s1 + lh / 2]
            if 2 <= len(cols) < n_cols and sum(grid.filled(r, c) for c in cols) == 1:
                grid.v_open |= {(r, c) for c in cols[:-1]}


def _join_phrases_across_column_gaps(grid: _Layout, vrules: list[_Rule], lh: float) -> set[tuple[int, int]]:
    """In a header row over another, two words on one line a word space apart, over heads of two columns, are one
    group header, though a column border that the body's gaps set runs between them ("Mexican American" over its
    group's "Male" and "Female"); no rule may divide them. Returns the borders opened, as (row, column left of
    the border)."""
    n_cols = len(grid.cols) - 1
    joined: set[tuple[int, int]] = set()
    for r in range(_first_data_row(grid) - 1):
        for c in range(n_cols - 1):
            heads = [(row, k) for row in (r, r + 1) for k in (c, c + 1)]
            if not all(grid.filled(*rc) for rc in heads) or _divided(grid, r, [grid.cols[c + 1]], vrules, lh):
                continue
            left = max(grid.frags[r, c], key=lambda f: f.x1)
            right = min(grid.frags[r, c + 1], key=lambda f: f.x0)
            if abs(left.cy - right.cy) < 0.3 * lh and right.x0 - left.x1 < _WORD_SPACE * lh:
                joined.add((r, c))
    grid.v_open |= joined
    return joined


def _first_data_row(grid: _Layout) -> int:
    """The first row of figures beside a label: the rows above it are the header. A row of years over a row of
    words is a header line (2019 and 2020 over each year's "Number" and "Percent"), though the stub head centred
    down the header sits in it."""
    n_rows = len(grid.rows) - 1
    return next(
        (
            r
            for r in range(n_rows)
            if grid.filled(r, 0) and _holds_figures(grid, r) and not (_years_only(grid, r) and _words_only(grid, r + 1))
        ),
        n_rows,
    )


def _row_texts(grid: _Layout, r: int) -> list[str]:
    """The texts of row r's cells right of the stub column."""
    return [f.text for (row, c), frags in grid.frags.items() if row == r and c > 0 for f in frags]


def _years_only(grid: _Layout, r: int) -> bool:
    """Whether every text of row r right of the stub is a year, two or more of them."""
    texts = _row_texts(grid, r)
    return len(texts) >= 2 and all(_YEAR.match(t) for t in texts)


def _words_only(grid: _Layout, r: int) -> bool:
    """Whether row r holds text right of the stub and none of it is a figure."""
    texts = _row_texts(grid, r)
    return bool(texts) and not any(FIGURE.match(t) for t in texts)


def _open_under_group_header_line(grid: _Layout, grouped: set[tuple[int, int]], row_rules: list[_Rule | None]) -> None:
    """Under a first row of group headers (text across a column border, `grouped`) over a row of heads, where no
    rule divides the two rows: a stub head left of the groups, in the second row only, spans both (ICDAR's
    convention), and so does a head wrapped from the first row into the second ("Total" over "population")."""
    n_rows, n_cols = len(grid.rows) - 1, len(grid.cols) - 1
    in_groups = {c + k for r, c in grouped if r == 0 for k in (0, 1)}
    if n_rows < 2 or not in_groups:
        return
    heads = not _holds_figures(grid, 1)  # (years are heads as well as figures: a stub head may sit beside them)
    for c in set(range(n_cols)) - in_groups:
        if row_rules[0] is not None and row_rules[0].covers(grid.cols[c], grid.cols[c + 1], 0.5):
            continue
        top, below = grid.filled(0, c), grid.filled(1, c)
        stub = not top and below and c < min(in_groups)
        if stub or (heads and top and below and _wrapped(grid.frags[0, c], grid.frags[1, c])):
            grid.h_open.add((0, c))


def _wrapped(above: list[_Frag], below: list[_Frag]) -> bool:
    """Whether the text below goes on with the text above: it starts in lower case, or the text above breaks off
    mid-phrase."""
    first = min(below, key=lambda f: (f.y0, f.x0)).text
    last = max(above, key=lambda f: (f.y1, f.x1)).text
    return first[:1].islower() or bool(_UNFINISHED.search(last))


def _merge(grid: _Layout) -> list[_Cell]:
    """Greedy rectangles: grow each cell right, then down, across open borders."""
    n_rows, n_cols = len(grid.rows) - 1, len(grid.cols) - 1
    taken: set[tuple[int, int]] = set()
    cells = []
    for r in range(n_rows):
        for c in range(n_cols):
            if (r, c) in taken:
                continue
            w = 1
            while c + w < n_cols and (r, c + w - 1) in grid.v_open and (r, c + w) not in taken:
                w += 1
            h = 1
            while (
                r + h < n_rows
                and all((r + h - 1, c + k) in grid.h_open and (r + h, c + k) not in taken for k in range(w))
                and all((r + h, c + k) in grid.v_open for k in range(w - 1))
            ):
                h += 1
            block = {(r + i, c + k) for i in range(h) for k in range(w)}
            taken |= block
            frags = [f for rc in block for f in grid.frags.get(rc, [])]
            cells.append(_Cell(r, c, h, w, _join(_band_text(b) for b in _bands(frags))))
    return cells


def _band_text(band: _Band) -> str:
    """The words of one visual line of a cell, left to right, or right to left for Arabic or Hebrew."""
    tokens = sorted((t for f in band.frags for t in f.tokens), key=lambda t: t.x0)
    letters = [ch for t in tokens for ch in t.text if ch.isalpha()]
    if letters and sum(unicodedata.bidirectional(ch) in ("R", "AL") for ch in letters) > len(letters) / 2:
        tokens.reverse()
    return _spaced(t.text for t in tokens)


def _spaced(parts: Iterable[str]) -> str:
    """Text pieces with a space between them, none among Chinese or Japanese characters."""
    out = ""
    for part in parts:
        out += part if not out or joins_without_space(out, part) else f" {part}"
    return out


def _join(parts: Iterable[str]) -> str:
    """The lines of a cell as one text, undoing end-of-line hyphenation."""
    out = ""
    for p in parts:
        if out.endswith("-") and len(out) > 1 and out[-2].isalpha() and p[:1].islower():
            out = out[:-1] + p
        else:
            out = _spaced([out, p])
    return out


def _render(cells: list[_Cell], n_rows: int) -> str:
    """HTML, one <tr> per grid row (rows fully covered by rowspans stay as empty <tr>)."""
    rows: dict[int, list[str]] = {r: [] for r in range(n_rows)}
    for cell in cells:
        attrs = (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "") + (
            f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else ""
        )
        rows.setdefault(cell.row, []).append(f"<td{attrs}>{_cell_html(cell.text)}</td>")
    return "<table>" + "".join(f"<tr>{''.join(rows[r])}</tr>" for r in sorted(rows)) + "</table>"


def _cell_html(text: str) -> str:
    """A cell's text as HTML; a cell of bulleted items (slides put lists in cells) becomes a <ul>."""
    items = [html.escape(item, quote=False) for item in _LIST_BULLET.split(text) if item]
    if not _LIST_BULLET.match(text) or not items:  # a lone bullet is a mark in the cell, kept as printed
        return html.escape(text, quote=False)
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
