"""Labels read off the faces of a PDF's text layer: mathematics set on lines of its own is a display formula,
lines set in a fixed-pitch face (on a page whose prose is not) are a code listing."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ocrvl.geometry import area, center, centred_in, row_overlap, union_box
from ocrvl.latex import BIG_OPERATORS, FUNCTION_NAMES, RELATIONS, is_italic_font, is_math_font
from ocrvl.layout.lite.cdla import set_label
from ocrvl.layout.lite.regions import line_boxes
from ocrvl.types import Region, TextSpan, Word

_FORMULA_LINES = 4  # a display formula this many lines at most
_PROSE_SHARE = 0.3  # at most this share of a formula's characters in words of upright text
_CODE_SHARE = 0.9  # a listing: at least this share of its characters fixed-pitch
_FILLED = 0.25  # a picture box this much covered by text-layer runs holds a formula (a chart's labels cover little)
_MONOSPACED_PAGE = 0.5  # a page set mostly fixed-pitch (a typewritten form) has no listings to tell apart
_COMBINING = frozenset("+±×÷·−∓⋅") | RELATIONS | BIG_OPERATORS
_CODE_MARKS = re.compile(r"[(){}\[\];=<>_/#$]|\.\w")


def relabel_by_typeface(regions: list[Region], words_per_region: Sequence[Sequence[Word]],
                        spans: Sequence[TextSpan]) -> bool:  # fmt: skip
    """Relabel text and title regions whose text-layer runs show a formula or a code listing, and formulas whose
    runs are prose as text; listings stacked one under another become one region. True when regions were joined
    (their words must be assigned again)."""
    if not spans:
        return False
    chars = sum(_visible(s.text) for s in spans)
    page_monospaced = sum(_visible(s.text) for s in spans if s.monospace) >= _MONOSPACED_PAGE * chars
    for region, words in zip(regions, words_per_region):
        if region.label not in ("text", "paragraph_title", "reference", "display_formula", "image") or not words:
            continue
        inside = centred_in(region.bbox, spans)
        if not inside:
            continue
        if region.label == "image":
            # a formula boxed as a picture: text-layer math filling the box, not labels scattered over a figure
            filled = sum(area(s.bbox) for s in inside) >= _FILLED * area(region.bbox)
            if filled and _baseline_rows(inside) <= _FORMULA_LINES and is_display_formula(inside):
                set_label(region, "display_formula")
        elif region.label == "display_formula":
            if _prose_letters(inside) > _PROSE_SHARE * sum(_visible(s.text) for s in inside) or _foreign(inside):
                set_label(region, "text")  # a caption or a line of prose the detector took for a formula
        elif _baseline_rows(inside) <= _FORMULA_LINES and is_display_formula(inside):
            set_label(region, "display_formula")
        elif not page_monospaced and _is_listing(inside, len(line_boxes(list(words)))):
            set_label(region, "algorithm")
    words_of = {id(r): w for r, w in zip(regions, words_per_region)}  # the joins take regions out of the list
    pieces = _join_formula_pieces(regions, words_of, spans)
    return _join_stacked_listings(regions, words_of) or pieces


def is_display_formula(spans: Sequence[TextSpan]) -> bool:
    """Runs that make a formula: something that combines terms (a relation, an operator, a big operator),
    typeset as mathematics (a math font, a script, a symbol or a variable: a letter or two in italics), and
    little upright prose."""
    text = "".join(s.text for s in spans)
    if not _COMBINING & set(text):
        return False
    if _prose_letters(spans) > _PROSE_SHARE * _visible(text):
        return False
    symbols = any(c in _COMBINING - {"+", "="} or "\u0370" <= c <= "\u03ff" for c in text)
    variables = any(len(s.text.strip()) <= 2 and s.text.strip().isalpha() and is_italic_font(s.font) for s in spans)
    return symbols or variables or any(is_math_font(s.font) for s in spans) or _has_script(spans)


def _prose_letters(spans: Sequence[TextSpan]) -> int:
    """Letters in words outside math fonts, three letters or more upright and four in italics (where variables
    stand side by side: "dx"), named functions aside: the prose among the runs."""
    return sum(
        len(word)
        for s in spans
        if not is_math_font(s.font)
        for word in re.findall(r"[^\W\d_]{4,}" if is_italic_font(s.font) else r"[^\W\d_]{3,}", s.text)
        if word not in FUNCTION_NAMES
    )


def _foreign(spans: Sequence[TextSpan]) -> bool:
    """Mostly letters no formula is written in: accented and other non-Latin letters besides Greek (a text layer
    whose font maps its glyphs to the wrong characters reads like that)."""
    letters = [c for s in spans for c in s.text if c.isalpha()]
    odd = [c for c in letters if not c.isascii() and not "\u0370" <= c <= "\u03ff" and c not in "ℓℏı"]
    return len(odd) > 0.3 * len(letters)


def _baseline_rows(spans: Sequence[TextSpan]) -> int:
    """How many lines the runs make, counting only runs of the largest size: a formula's scripts, limits and
    fractions set smaller stack up without being lines of their own."""
    size = max(s.size for s in spans)
    baselines = sorted(s.baseline for s in spans if s.size >= 0.85 * size)
    return 1 + sum(b - a > 1.2 * size for a, b in zip(baselines, baselines[1:]))


def _has_script(spans: Sequence[TextSpan]) -> bool:
    """A run set smaller right after another and off its baseline: a superscript or subscript."""
    ordered = sorted(spans, key=lambda s: s.bbox[0])
    for base, script in zip(ordered, ordered[1:]):
        close = script.bbox[0] - base.bbox[2] <= 0.3 * base.size
        if close and script.size <= 0.85 * base.size and abs(script.baseline - base.baseline) >= 0.1 * base.size:
            return True
    return False


def _is_listing(spans: Sequence[TextSpan], line_count: int) -> bool:
    """Runs set (nearly) all in a fixed-pitch face, over several lines or with the punctuation of code."""
    fixed = sum(_visible(s.text) for s in spans if s.monospace)
    if fixed < _CODE_SHARE * sum(_visible(s.text) for s in spans):
        return False
    return line_count >= 2 or bool(_CODE_MARKS.search("".join(s.text for s in spans)))


def _join_formula_pieces(regions: list[Region], words_of: dict[int, Sequence[Word]], spans: Sequence[TextSpan]) -> bool:
    """A piece of a formula the detector boxed apart (the start of a fraction left of the formula's box) joins
    it: a formula, or a one-line text box holding no prose, level with the formula and right beside it."""
    joined = False
    for formula in [r for r in regions if r.label == "display_formula"]:
        if not any(r is formula for r in regions):
            continue  # joined into another already
        height = formula.bbox[3] - formula.bbox[1]
        for piece in [r for r in regions if r.label in ("text", "display_formula") and words_of.get(id(r))]:
            gap = max(piece.bbox[0] - formula.bbox[2], formula.bbox[0] - piece.bbox[2])
            if piece is formula or row_overlap(piece.bbox, formula.bbox) < 0.5 or gap > 0.5 * height:
                continue
            inside = centred_in(piece.bbox, spans)
            if piece.label == "display_formula" or (
                inside and _baseline_rows(inside) == 1 and not _prose_letters(inside)
            ):
                formula.bbox = union_box([formula.bbox, piece.bbox])
                regions.remove(piece)
                joined = True
    return joined


def _join_stacked_listings(regions: list[Region], words_of: dict[int, Sequence[Word]]) -> bool:
    """A listing the detector boxed in parts (a blank line in the code) is one listing: listings one right under
    another, less than two of their lines apart and starting at the same indent or further in, are joined."""
    listings = sorted((r for r in regions if r.label == "algorithm"), key=lambda r: r.bbox[1])
    line_height = {id(r): _line_height(words_of.get(id(r), ())) for r in listings}
    joined = False
    i = 0
    while i + 1 < len(listings):
        upper, lower = listings[i], listings[i + 1]
        height = line_height.get(id(upper)) or line_height.get(id(lower)) or 0.0
        between = [
            r
            for r in regions
            if r is not upper and r is not lower and upper.bbox[3] <= center(r.bbox)[1] <= lower.bbox[1]
        ]
        if not between and 0 <= lower.bbox[1] - upper.bbox[3] <= 2 * height and lower.bbox[0] >= upper.bbox[0] - height:
            upper.bbox = union_box([upper.bbox, lower.bbox])
            regions.remove(lower)
            listings.pop(i + 1)
            joined = True
        else:
            i += 1
    return joined


def _line_height(words: Sequence[Word]) -> float:
    boxes = line_boxes(list(words))
    return sum(b[3] - b[1] for b in boxes) / len(boxes) if boxes else 0.0


def _visible(text: str) -> int:
    return sum(not c.isspace() for c in text)
