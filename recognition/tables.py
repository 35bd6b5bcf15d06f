"""Table structure recovery: the words and rule lines of a table region -> an HTML table.

One algorithm serves PDF text-layer words (one `Word` per word, grouped by `line`) and OCR
lines (one `Word` per detected line, `line == -1`):

1. Text is cut into *fragments*: runs of words on one line with no column-sized gap and no
   vertical rule between them. OCR lines are tokenized at spaces with estimated x positions,
   so they can be cut the same way.
2. Fragments that overlap vertically form *bands* (visual text lines).
3. Column separators come from vertical rules and from whitespace columns: x ranges that no
   fragment covers, once fragments that straddle such a gap (spanning headers, OCR lines that
   swallowed two cells) are set aside. Straddling fragments are then cut at a word boundary
   inside the gap when there is one, else they become spanning cells.
4. Rows: if horizontal rules separate most bands, the ruled intervals are the rows (wrapped
   text stays in its cell). Otherwise each band starts a row unless it reads as the wrapped
   continuation of the band above; rules always end a row.
5. Cells: fragments are placed on the row x column grid; neighbouring grid cells are merged
   (colspan/rowspan) where a fragment straddles their border, or where a rule that separates
   the other cells of that line is missing and only one side holds text.
"""

from __future__ import annotations

import html
import itertools
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ocrvl.types import BBox, Ruling, Word

_LINE_TOL = 3.0  # px: rules closer than this are one line
_MERGE_GAP = 0.5  # x line height: text-layer words closer than this are one fragment
_RULED_SHARE = 0.4
_EM_PER_HEIGHT = 0.55  # font size per OCR line box height
_CAPTION = re.compile(r"(table|tab\.)\s*[\dIVX]", re.IGNORECASE)  # share of band gaps that must hold a rule for rules to define the rows


@dataclass
class _Token:
    """One word with its horizontal extent."""

    text: str
    x0: float
    x1: float


@dataclass
class _Frag:
    """A run of tokens on one text line that belongs to one cell (or straddles several)."""

    tokens: list[_Token]
    y0: float
    y1: float
    slack: float = 0.0  # px of an OCR line's width its characters do not explain (see `_tokens`)

    @property
    def x0(self) -> float:
        return self.tokens[0].x0

    @property
    def x1(self) -> float:
        return self.tokens[-1].x1

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def text(self) -> str:
        return " ".join(t.text for t in self.tokens)


@dataclass
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


def table_html(words: Sequence[Word], rulings: Sequence[Ruling], bbox: BBox) -> str:
    """An HTML <table> for the table region `bbox`, from the words inside it and the rulings near it.

    Returns "<table>...</table>" with <tr>/<td> (colspan/rowspan attributes where needed).
    """
    x0, y0, x1, y1 = bbox
    inside = [w for w in words if x0 <= (w.bbox[0] + w.bbox[2]) / 2 <= x1 and y0 <= (w.bbox[1] + w.bbox[3]) / 2 <= y1]
    hrules, vrules = _rules(rulings, bbox)
    frags = _fragments(inside, vrules)
    if not frags:
        return "<table></table>"
    bands = _trim_notes(_bands(frags), hrules)
    frags = [f for b in bands for f in b.frags]
    lh = statistics.median(b.y1 - b.y0 for b in bands)
    col_seps = _column_separators(bands, vrules, (x0, x1), lh)
    frags = [piece for f in frags for piece in _split_at(f, col_seps, lh)]
    bands = _bands(frags)
    col_seps = _drop_empty_columns(col_seps, frags, (x0, x1))
    row_bounds = _rows(bands, hrules, col_seps, (x0, x1))
    return _render(_cells(bands, row_bounds, col_seps, hrules, vrules, lh))


# --------------------------------------------------------------------------- rules


def _rules(rulings: Sequence[Ruling], bbox: BBox) -> tuple[list[_Rule], list[_Rule]]:
    """Rulings clipped to the (slightly grown) table box, grouped into horizontal and vertical lines."""
    x0, y0, x1, y1 = bbox
    m = 4.0
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
    """Segments at (nearly) the same position -> one `_Rule` per position."""
    rules: list[_Rule] = []
    for pos, a, b in sorted(segments):
        if rules and pos - rules[-1].pos <= _LINE_TOL:
            rules[-1].spans.append((a, b))
        else:
            rules.append(_Rule(pos, [(a, b)]))
    return rules


# --------------------------------------------------------------------------- fragments

_CHAR_WIDTH = {
    " ": 0.3,
    "i": 0.28,
    "l": 0.28,
    "j": 0.28,
    "I": 0.3,
    ".": 0.28,
    ",": 0.28,
    ":": 0.28,
    ";": 0.28,
    "'": 0.22,
    "|": 0.28,
    "!": 0.3,
    "(": 0.35,
    ")": 0.35,
    "[": 0.35,
    "]": 0.35,
    "f": 0.33,
    "t": 0.35,
    "r": 0.38,
    "m": 0.85,
    "w": 0.75,
    "M": 0.85,
    "W": 0.95,
    "%": 0.85,
}


def _char_width(ch: str) -> float:
    """Rough advance width of a character in em, for placing words inside an OCR line."""
    if ch in _CHAR_WIDTH:
        return _CHAR_WIDTH[ch]
    if ord(ch) >= 0x2E80:  # CJK and other full-width scripts
        return 1.0
    if ch.isupper():
        return 0.68
    return 0.52


def _tokens(word: Word) -> tuple[list[_Token], float]:
    """An OCR line cut at spaces into tokens with estimated x positions, and the line's slack.

    Characters get typical widths at the font size implied by the box height. Box width beyond
    that (the slack: usually one wide gap between two cells the detector read as one line) is
    spread over the spaces, since where exactly it sits is unknown.
    """
    text = word.text.strip()
    x0, y0, x1, y1 = word.bbox
    if " " not in text:
        return [_Token(text, x0, x1)], 0.0
    natural = sum(_char_width(c) for c in text)
    em = _EM_PER_HEIGHT * (y1 - y0)
    slack = max(0.0, (x1 - x0) - natural * em)
    scale = em if slack > 0 else (x1 - x0) / natural
    space = slack / text.count(" ")
    tokens: list[_Token] = []
    pos = x0
    for part in text.split(" "):
        if part:
            width = sum(_char_width(c) for c in part) * scale
            tokens.append(_Token(part, pos, pos + width))
            pos += width
        pos += _char_width(" ") * scale + space
    return tokens, slack


def _cut_at_rules(tokens: list[_Token], y0: float, y1: float, vrules: list[_Rule]) -> list[list[_Token]]:
    """Token runs of one line, cut wherever a vertical rule crosses the line between (or inside) tokens."""
    cuts = sorted(r.pos for r in vrules if r.covers(y0, y1, 0.6))
    runs: list[list[_Token]] = [[]]
    for tok in tokens:
        for c in cuts:
            if tok.x0 + 1 < c < tok.x1 - 1:  # a rule through a token: split it by character positions
                left, right = _split_token(tok, c)
                if left.text and right.text:
                    runs[-1].append(left)
                    runs.append([])
                    tok = right
        if runs[-1] and any(runs[-1][-1].x1 <= c + 1 and c - 1 <= tok.x0 for c in cuts):
            runs.append([])
        runs[-1].append(tok)
    return [r for r in runs if r]


def _split_token(tok: _Token, x: float) -> tuple[_Token, _Token]:
    widths = [_char_width(c) for c in tok.text]
    scale = (tok.x1 - tok.x0) / max(sum(widths), 1e-6)
    pos, k = tok.x0, 0
    while k < len(widths) and pos + widths[k] * scale / 2 < x:
        pos += widths[k] * scale
        k += 1
    return _Token(tok.text[:k].strip(), tok.x0, pos), _Token(tok.text[k:].strip(), pos, tok.x1)


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
            y0, y1 = w.bbox[1], w.bbox[3]
            tokens, slack = _tokens(w)
            frags += [_Frag(run, y0, y1, slack) for run in _cut_at_rules(tokens, y0, y1, vrules)]
    for line_words in lines.values():
        line_words.sort(key=lambda w: w.bbox[0])
        y0, y1 = min(w.bbox[1] for w in line_words), max(w.bbox[3] for w in line_words)
        toks = [_Token(w.text.strip(), w.bbox[0], w.bbox[2]) for w in line_words]
        for run in _cut_at_rules(toks, y0, y1, vrules):
            frags += _merge_close(run, line_words, _MERGE_GAP * (y1 - y0))
    return frags


def _merge_close(run: list[_Token], line_words: list[Word], max_gap: float) -> list[_Frag]:
    """Consecutive tokens closer than `max_gap` form one fragment (boxes from the source words)."""
    ys = {(w.bbox[0], w.bbox[2]): (w.bbox[1], w.bbox[3]) for w in line_words}
    groups: list[list[_Token]] = [[run[0]]]
    for tok in run[1:]:
        if tok.x0 - groups[-1][-1].x1 > max_gap:
            groups.append([])
        groups[-1].append(tok)
    out = []
    for g in groups:
        yy = [ys.get((t.x0, t.x1)) for t in g]
        known = [v for v in yy if v is not None] or list(ys.values())
        out.append(_Frag(g, min(v[0] for v in known), max(v[1] for v in known)))
    return out


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


def _column_separators(
    bands: list[_Band], vrules: list[_Rule], span: tuple[float, float], lh: float
) -> list[float]:
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
    gaps = _whitespace_gaps(bands, span)

    def in_gap(x: float, g: tuple[float, float]) -> bool:
        return g[0] - lh <= x <= g[1] + lh

    seps = [r.pos for r in inner if r in long_inner or any(in_gap(r.pos, g) for g in gaps)]
    open_gaps = [g for g in gaps if not any(in_gap(r.pos, g) for r in inner)]
    if not seps or len(open_gaps) > 0.4 * len(gaps):
        seps += [(g[0] + g[1]) / 2 for g in open_gaps]
    return _dedupe(sorted(seps), lh / 2)


def _dedupe(xs: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for x in xs:
        if not out or x - out[-1] > tol:
            out.append(x)
    return out


def _whitespace_gaps(bands: list[_Band], span: tuple[float, float]) -> list[tuple[float, float]]:
    """Internal x ranges covered by no fragment, ignoring fragments that straddle a sparse range."""
    x0 = span[0]
    width = int(np.ceil(span[1] - x0)) + 2
    masks = []
    for b in bands:
        m = np.zeros(width, bool)
        for f in b.frags:
            m[_px(f.x0, x0, width) : _px(f.x1, x0, width)] = True
        masks.append(m)
    coverage = np.sum(masks, axis=0)
    sparse = coverage <= max(1, round(0.15 * len(bands)))
    straddling = {
        id(f) for b in bands for f in b.frags if _straddles(sparse, _px(f.x0, x0, width), _px(f.x1, x0, width))
    }
    solid = np.zeros(width, bool)
    for b in bands:
        for f in b.frags:
            if id(f) not in straddling:
                solid[_px(f.x0, x0, width) : _px(f.x1, x0, width)] = True
    return [(x0 + a, x0 + b) for a, b in _runs(~solid) if a > 0 and b < width and solid[:a].any() and solid[b:].any()]


def _px(x: float, origin: float, width: int) -> int:
    return int(min(max(round(x - origin), 0), width))


def _straddles(sparse: np.ndarray, a: int, b: int) -> bool:
    """Whether [a, b) crosses a sparse run, i.e. has dense coverage on both sides of it."""
    inner = sparse[a:b]
    dense = np.flatnonzero(~inner)
    return any((dense < s).any() and (dense >= e).any() for s, e in _runs(inner))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    d = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=False))


def _split_at(f: _Frag, seps: list[float], lh: float) -> list[_Frag]:
    """Cut a fragment at each separator that falls in a gap between its tokens."""
    tol = 0.3 * lh + f.slack
    out = [_Frag([f.tokens[0]], f.y0, f.y1)]
    for prev, tok in itertools.pairwise(f.tokens):
        if any(prev.x1 - tol <= s <= tok.x0 + tol for s in seps):
            out.append(_Frag([], f.y0, f.y1))
        out[-1].tokens.append(tok)
    return out


def _drop_empty_columns(seps: list[float], frags: list[_Frag], span: tuple[float, float]) -> list[float]:
    """Remove separators until every column holds the centre of some fragment."""
    centres = [(f.x0 + f.x1) / 2 for f in frags]
    seps = list(seps)
    while seps:
        bounds = [span[0], *seps, span[1]]
        empty = [i for i in range(len(bounds) - 1) if not any(bounds[i] <= c < bounds[i + 1] for c in centres)]
        if not empty:
            break
        del seps[max(empty[0] - 1, 0)]  # merge the empty column into its left neighbour (or the first into the second)
    return seps


# --------------------------------------------------------------------------- rows


def _rows(bands: list[_Band], hrules: list[_Rule], seps: list[float], span: tuple[float, float]) -> list[float]:
    """Row boundaries (y, top to bottom, including the outer ones)."""
    width = span[1] - span[0]
    rules = [r for r in hrules if r.length >= 0.1 * width]
    gaps = list(itertools.pairwise(bands))

    def rule_between(a: _Band, b: _Band) -> bool:
        return any((a.y0 + a.y1) / 2 < r.pos < (b.y0 + b.y1) / 2 for r in rules)

    ruled = [rule_between(a, b) for a, b in gaps]
    full = [r for r in _full_rules(bands, hrules) if bands[0].y1 < r.pos < bands[-1].y0]
    if (gaps and sum(ruled) >= _RULED_SHARE * len(gaps) and sum(ruled) >= 2) or len(full) >= 3:
        cuts = [r.pos for r in rules]
        return _bounds_from_cuts(bands, cuts)
    cuts = []
    pitches = [(b.y0 + b.y1 - a.y0 - a.y1) / 2 for a, b in gaps]
    ref = statistics.median(pitches) if pitches else 0.0
    row_cols: set[int] = set()
    for (a, b), is_ruled, pitch in zip(gaps, ruled, pitches, strict=True):
        cols_b = {_col_of((f.x0 + f.x1) / 2, seps) for f in b.frags}
        row_cols |= {_col_of((f.x0 + f.x1) / 2, seps) for f in a.frags}
        wraps = cols_b < row_cols or (cols_b == row_cols and pitch < 0.8 * ref)
        if not is_ruled and wraps and (b.frags[0].text[:1].islower() or pitch < 0.8 * ref):
            continue  # wrapped text of the row above
        cuts.append((a.y1 + b.y0) / 2)
        row_cols = set()
    return [bands[0].y0 - 1, *cuts, bands[-1].y1 + 1]


def _full_rules(bands: list[_Band], hrules: list[_Rule]) -> list[_Rule]:
    """Horizontal rules running across (most of) the text."""
    left = min(f.x0 for b in bands for f in b.frags)
    right = max(f.x1 for b in bands for f in b.frags)
    return [r for r in hrules if r.covers(left, right, 0.7)]


def _trim_notes(bands: list[_Band], hrules: list[_Rule]) -> list[_Band]:
    """Drop a caption above the top rule and notes below the bottom rule that the table box took in.

    Only a few lines qualify, and only when the rules enclose a table of several lines.
    """
    full = [r.pos for r in _full_rules(bands, hrules)]
    if len(full) < 2:
        return bands
    top, bottom = min(full), max(full)
    body = [b for b in bands if top < b.y0 and b.y1 < bottom]
    above = [b for b in bands if b.y1 <= top]
    below = [b for b in bands if b.y0 >= bottom]
    if len(body) < 3:
        return bands
    caption = bool(above) and (all(len(b.frags) == 1 for b in above) or _CAPTION.match(above[0].frags[0].text))
    keep_above = len(above) > 2 or not caption
    keep_below = len(below) > 2
    return [b for b in bands if (b in body) or (keep_above and b in above) or (keep_below and b in below)
            or not (b in above or b in below)]


def _col_of(x: float, seps: list[float]) -> int:
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
) -> list[_Cell]:
    frags = [f for b in bands for f in b.frags]
    left, right = min(f.x0 for f in frags), max(f.x1 for f in frags)
    grid = _Layout(rows, [left, *seps, right], {}, set(), set())
    straddled = _place(grid, frags, lh)
    _open_missing_rules(grid, hrules, vrules, lh)
    _open_under_group_rules(grid, hrules, lh)
    grid.v_open |= {rc for rc in straddled if not grid.filled(rc[0], rc[1] + 1)}
    return _merge(grid)


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


def _open_missing_rules(grid: _Layout, hrules: list[_Rule], vrules: list[_Rule], lh: float) -> None:
    """Open borders where a rule that separates most of the line is missing and one side is empty."""
    n_rows, n_cols = len(grid.rows) - 1, len(grid.cols) - 1
    for c in range(n_cols - 1):
        x = grid.cols[c + 1]
        rule = min(vrules, key=lambda v: abs(v.pos - x), default=None)
        if rule is None or abs(rule.pos - x) > lh / 2:
            continue
        missing = [r for r in range(n_rows) if not rule.covers(grid.rows[r], grid.rows[r + 1], 0.5)]
        if len(missing) <= n_rows / 2:
            grid.v_open |= {(r, c) for r in missing if grid.filled(r, c) != grid.filled(r, c + 1)}
    width = grid.cols[-1] - grid.cols[0]
    for r in range(n_rows - 1):
        rule = _rule_between_rows(grid, r, hrules)
        if rule is None or rule.length < 0.2 * width:
            continue
        for c in range(n_cols):
            if not rule.covers(grid.cols[c], grid.cols[c + 1], 0.5) and (grid.filled(r, c) or grid.filled(r + 1, c)):
                grid.h_open.add((r, c))


def _rule_between_rows(grid: _Layout, r: int, hrules: list[_Rule]) -> _Rule | None:
    """The horizontal rule between the text of rows r and r + 1, if any."""
    above = max((f.cy for (rr, _), fs in grid.frags.items() if rr == r for f in fs), default=grid.rows[r])
    below = min((f.cy for (rr, _), fs in grid.frags.items() if rr == r + 1 for f in fs), default=grid.rows[r + 2])
    inside = [h for h in hrules if above < h.pos < below]
    return max(inside, key=lambda h: h.length, default=None)


def _open_under_group_rules(grid: _Layout, hrules: list[_Rule], lh: float) -> None:
    """A header alone above a partial rule (a booktabs cmidrule) spans the columns the rule covers."""
    n_cols = len(grid.cols) - 1
    centres = [(grid.cols[c] + grid.cols[c + 1]) / 2 for c in range(n_cols)]
    for r in range(len(grid.rows) - 2):
        rule = _rule_between_rows(grid, r, hrules)
        if rule is None:
            continue
        for s0, s1 in rule.spans:
            cols = [c for c in range(n_cols) if s0 - lh / 2 <= centres[c] <= s1 + lh / 2]
            if 2 <= len(cols) < n_cols and sum(grid.filled(r, c) for c in cols) == 1:
                grid.v_open |= {(r, c) for c in cols[:-1]}


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
            frags = sorted((f for rc in block for f in grid.frags.get(rc, [])), key=lambda f: (f.cy, f.x0))
            cells.append(_Cell(r, c, h, w, _join(f.text for f in frags)))
    return cells


def _join(parts: Iterable[str]) -> str:
    """Join text pieces with spaces, undoing end-of-line hyphenation."""
    out = ""
    for p in parts:
        if out.endswith("-") and len(out) > 1 and out[-2].isalpha() and p[:1].islower():
            out = out[:-1] + p
        else:
            out = f"{out} {p}" if out else p
    return out


def _render(cells: list[_Cell]) -> str:
    rows: dict[int, list[str]] = {}
    for cell in cells:
        attrs = (f' colspan="{cell.colspan}"' if cell.colspan > 1 else "") + (
            f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else ""
        )
        rows.setdefault(cell.row, []).append(f"<td{attrs}>{html.escape(cell.text, quote=False)}</td>")
    return "<table>" + "".join(f"<tr>{''.join(rows[r])}</tr>" for r in sorted(rows)) + "</table>"
