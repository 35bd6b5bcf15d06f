"""A display formula of a born-digital page written as LaTeX from its text layer: the characters, where each
sits (a smaller run raised or lowered is a script, runs above and below a rule are a fraction, runs above and
below a big operator are its limits) and the rules drawn between them."""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ocrvl.geometry import center, contains_point, row_overlap, union_box
from ocrvl.latex import (
    ACCENTS,
    BIG_OPERATORS,
    FUNCTION_NAMES,
    LIMIT_FUNCTIONS,
    RELATIONS,
    is_italic_font,
    is_math_font,
    latex_symbol,
)
from ocrvl.types import BBox, Ruling, TextSpan, Word

_SCRIPT_SIZE = 0.85  # a run at most this fraction of its base's size can be a script
_RAISED = 0.2  # a superscript's baseline sits at least this many of its base's sizes above the base's
_LOWERED = 0.1  # a subscript's at least this many below
_ROW_GAP = 1.2  # rows of a multi-line formula: baselines apart by more than this many sizes
_NUMBER = re.compile(r"^\((\d+(?:\.\d+)*[a-z]?)\)$")  # an equation number, "(3)" or "(2.1a)"


@dataclass
class _Atom:
    """A piece of the formula: a run of text, or a fraction, radical or operator already put together."""

    latex: str
    box: BBox
    size: float
    baseline: float
    operator: bool = False  # a big operator or a function such as lim, which can carry limits
    accent: str = ""  # the command of an accent ("hat") standing over another atom; its latex is empty

    @property
    def middle(self) -> float:
        return (self.box[0] + self.box[2]) / 2


def formula_latex(spans: Sequence[TextSpan], rulings: Sequence[Ruling], bbox: BBox) -> str:
    """LaTeX for the formula in `bbox` of a page with a text layer, from the `spans` and `rulings` of the page;
    "" when no text lies there. A number set apart at the right end becomes ``\\tag{...}``."""
    reach = 0.5 * (bbox[3] - bbox[1])  # an accent a text layer gives no width may stand just past the box
    wider = (bbox[0] - reach, bbox[1], bbox[2] + reach, bbox[3])
    held = [s for s in spans if contains_point(wider if s.text in ACCENTS else bbox, *center(s.bbox))]
    atoms = [atom for span in held for atom in _atoms(span) if atom.latex or atom.accent]
    if not atoms:
        return ""
    em = _typical_size(atoms)
    atoms, tag = _split_number(atoms, em)
    atoms = _accented(atoms, em)
    bars = [r for r in rulings if _bar_inside(r, bbox, em)]
    atoms = _fractions_and_radicals(atoms, bars, em)
    atoms = _limits(atoms)
    rows = [_linear(row) for row in _rows(atoms, em)]
    body = rows[0] if len(rows) == 1 else _stacked(rows)
    return tagged(body, tag)


def tagged(latex: str, number: str) -> str:
    """A formula's LaTeX carrying its equation number as ``\\tag{n}`` (none where `number` is empty)."""
    return f"{latex} \\tag{{{number}}}" if number else latex


def _atoms(span: TextSpan) -> list[_Atom]:
    """The span as atoms: named functions and big operators on their own (they take limits), the rest of the
    run as one atom. Characters are taken to share the run's width evenly."""
    text = span.text.strip()
    if not text:
        return []
    x0, y0, x1, y1 = span.bbox
    step = (x1 - x0) / max(1, len(span.text))
    lead = len(span.text) - len(span.text.lstrip())
    pieces = [m for m in re.finditer(r"[A-Za-z]+|\s+|.", text)]
    atoms: list[_Atom] = []
    current: list[re.Match[str]] = []

    bold = bool(_BOLD.search(span.font))

    def flush() -> None:
        if current:
            start, end = current[0].start(), current[-1].end()
            latex = _latex(text[start:end])
            if bold and latex.isalpha():
                latex = f"\\mathbf{{{latex}}}"
            box = (x0 + (lead + start) * step, y0, x0 + (lead + end) * step, y1)
            atoms.append(_Atom(latex, box, span.size, span.baseline))
            current.clear()

    if text in ACCENTS:
        return [_Atom("", span.bbox, span.size, span.baseline, accent=ACCENTS[text])]
    upright = not is_math_font(span.font) and not is_italic_font(span.font)
    for piece in pieces:
        word = piece.group()
        box = (x0 + (lead + piece.start()) * step, y0, x0 + (lead + piece.end()) * step, y1)
        if word in BIG_OPERATORS or (word in FUNCTION_NAMES and not _is_math_italic(span.font)):
            flush()
            latex = latex_symbol(word) if word in BIG_OPERATORS else "\\" + word
            takes_limits = word in BIG_OPERATORS or word in LIMIT_FUNCTIONS
            atoms.append(_Atom(latex, box, span.size, span.baseline, operator=takes_limits))
        elif word == "√":  # a radical, which takes what is under its bar
            flush()
            atoms.append(_Atom("\\surd", box, span.size, span.baseline))
        elif word in RELATIONS or word in "()[]":
            flush()  # on its own: a bar or a limit may end right before it
            atoms.append(_Atom(_latex(word), box, span.size, span.baseline))
        elif upright and len(word) >= 2 and word.isalpha():
            flush()  # a word in the formula ("if", "otherwise"), set upright as text
            atoms.append(_Atom(f"\\text{{ {word} }}", box, span.size, span.baseline))
        else:
            current.append(piece)
    flush()
    return atoms


_BOLD = re.compile(r"bold|black|heavy|-bd\b|^(?:[A-Z]{6}\+)?cmbx", re.IGNORECASE)


def _is_math_italic(font: str) -> bool:
    """Letters in a math italic font are variables, never a named function ("sin" set in CMMI is s·i·n)."""
    return bool(re.match(r"^(?:[A-Z]{6}\+)?(?:cmmi|txmi|ntxmi|newtxmi|pxmi|mtmi|lmmi)", font, re.IGNORECASE))


_SUPERSCRIPT_DIGITS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"))
_SUBSCRIPT_DIGITS = dict(zip("₀₁₂₃₄₅₆₇₈₉", "0123456789"))


def _latex(text: str) -> str:
    """Characters as LaTeX; a space after a command that a letter follows, and none where the text had spaces
    (spacing in a formula is TeX's business). Mathematical italic and bold letters (U+1D400 on, as Word's
    equations give them) are plain letters."""
    out = ""
    for char in text:
        if char.isspace():
            continue
        if "\U0001d400" <= char <= "\U0001d7ff" or char == "ℎ":
            char = unicodedata.normalize("NFKC", char)
        if char in _SUPERSCRIPT_DIGITS:
            out += f"^{{{_SUPERSCRIPT_DIGITS[char]}}}"
            continue
        if char in _SUBSCRIPT_DIGITS:
            out += f"_{{{_SUBSCRIPT_DIGITS[char]}}}"
            continue
        out = _append(out, latex_symbol(char))
    return out


_FUNCTION_NAME = re.compile(
    r"(?<![A-Za-z])(" + "|".join(sorted(FUNCTION_NAMES, key=len, reverse=True)) + r")(?![A-Za-z])"
)


def plain_formula_latex(text: str) -> str:
    """LaTeX for a formula known only as a line of plain text, as OCR reads it off an image: symbols as their
    commands, superscript and subscript digits as scripts, named functions as operators. Where the scripts,
    fractions and limits were is not in the text, so they run on in the line."""
    out = ""
    for k, piece in enumerate(_FUNCTION_NAME.split(text)):
        out = _append(out, "\\" + piece if k % 2 else _latex(piece))
    return out


def fractions_latex(lines: Sequence[Word], strokes: Sequence[BBox]) -> str | None:
    """LaTeX for a formula read off an image whose OCR `lines` include a fraction's: a line over a horizontal
    stroke and a line under it, both within the stroke's length, are its numerator and denominator
    (``\\frac{...}{...}``); the fractions and the other lines are then read in rows, left to right. None where no
    stroke has such a pair (a minus sign has none)."""
    fractions: list[tuple[BBox, str]] = []
    used: set[int] = set()
    for bar in strokes:
        over = [w for w in lines if id(w) not in used and _beside_bar(w, bar, above=True)]
        under = [w for w in lines if id(w) not in used and _beside_bar(w, bar, above=False)]
        if len(over) == 1 and len(under) == 1:
            used |= {id(over[0]), id(under[0])}
            latex = f"\\frac{{{plain_formula_latex(over[0].text)}}}{{{plain_formula_latex(under[0].text)}}}"
            fractions.append((union_box([over[0].bbox, bar, under[0].bbox]), latex))
    if not fractions:
        return None
    items = fractions + [(w.bbox, plain_formula_latex(w.text)) for w in lines if id(w) not in used]
    rows: list[list[tuple[BBox, str]]] = []
    for item in sorted(items, key=lambda item: item[0][1]):
        row = next((row for row in rows if any(row_overlap(item[0], other[0]) >= 0.5 for other in row)), None)
        if row is None:
            rows.append([item])
        else:
            row.append(item)
    out = ""
    for row in rows:
        for _, latex in sorted(row, key=lambda item: item[0][0]):
            out = _append(out, latex)
    return out


def _beside_bar(line: Word, bar: BBox, above: bool) -> bool:
    """Whether `line` stands right over (or under) `bar`, within its length."""
    x0, y0, x1, y1 = line.bbox
    height = y1 - y0
    if x0 < bar[0] - 0.3 * height or x1 > bar[2] + 0.3 * height:
        return False
    middle = (y0 + y1) / 2
    if above:
        return middle < bar[1] and y1 >= bar[1] - 0.5 * height
    return middle > bar[3] and y0 <= bar[3] + 0.5 * height


def split_equation_number(words: Sequence[Word]) -> tuple[list[Word], str]:
    """The OCR lines of a formula without an equation number ("(3)") read on its own at the formula's right end,
    set apart by more than one and a half of its heights from the print on its row, and that number ("3")."""
    if len(words) < 2:
        return list(words), ""
    last = max(words, key=lambda word: word.bbox[2])
    match = _NUMBER.match(last.text.replace(" ", ""))
    rest = [word for word in words if word is not last]
    beside = [w for w in rest if min(w.bbox[3], last.bbox[3]) > max(w.bbox[1], last.bbox[1])] or rest
    if match and last.bbox[0] - max(w.bbox[2] for w in beside) > 1.5 * (last.bbox[3] - last.bbox[1]):
        return rest, match.group(1)
    return list(words), ""


def _typical_size(atoms: Sequence[_Atom]) -> float:
    """The formula's base size: that of its largest runs besides big operators and brackets, which are drawn
    larger (scripts, limits and the parts of fractions are set smaller than the base)."""
    plain = [a.size for a in atoms if not a.operator and a.latex not in _BRACKETS]
    return max(plain or [a.size for a in atoms])


_BRACKETS = frozenset(("(", ")", "[", "]", "\\{", "\\}", "|", "\\|", "\\langle", "\\rangle"))


def _accented(atoms: list[_Atom], em: float) -> list[_Atom]:
    """Each accent put on the letter it stands over (``\\hat{x}``): the letter it overlaps most; for an accent
    the text layer gives no width (a combining mark, placed where its letter ends), the letter ending at it,
    else the one starting right after it. Only letters on the accent's own line count, not a row above or
    below, and those of its size before others."""
    plain = [a for a in atoms if not a.accent]
    for accent in (a for a in atoms if a.accent):
        x = (accent.box[0] + accent.box[2]) / 2
        letters = [
            (a, k, box) for a in plain for k, box in _letter_boxes(a) if abs(a.baseline - accent.baseline) <= 0.5 * em
        ]
        if not letters:
            continue
        same_size = [item for item in letters if abs(item[0].size - accent.size) <= 0.15 * accent.size]
        letters = same_size or letters  # an accent is set in its letter's size
        width = accent.box[2] - accent.box[0]
        overlapping = [item for item in letters if min(item[2][1], accent.box[2]) - max(item[2][0], accent.box[0]) > 0]
        ending = [item for item in letters if x - 0.4 * em <= item[2][1] <= x + 0.1 * em]
        starting = [item for item in letters if x - 0.1 * em <= item[2][0] <= x + 0.5 * em]
        if width > 0.05 * em and overlapping:
            target, k, _ = max(
                overlapping, key=lambda item: min(item[2][1], accent.box[2]) - max(item[2][0], accent.box[0])
            )
        elif ending:
            target, k, _ = min(ending, key=lambda item: abs(item[2][1] - x))
        elif starting:
            target, k, _ = min(starting, key=lambda item: item[2][0])
        else:
            continue
        pieces = _split_at(target, k)
        index = next(i for i, p in enumerate(pieces) if p.accent == "target")
        pieces[index].latex = f"\\{accent.accent}{{{pieces[index].latex}}}"
        pieces[index].accent = ""
        at = next(i for i, a in enumerate(plain) if a is target)
        plain[at : at + 1] = pieces
    return plain


def _letter_boxes(atom: _Atom) -> list[tuple[int, tuple[float, float]]]:
    """(index, (left, right)) of each letter among the atom's characters, which share its width evenly."""
    chars = _characters(atom.latex)
    step = (atom.box[2] - atom.box[0]) / max(1, len(chars))
    return [(k, (atom.box[0] + k * step, atom.box[0] + (k + 1) * step)) for k, c in enumerate(chars) if _is_letter(c)]


def _is_letter(char: str) -> bool:
    return char.isalpha() or char.strip() in _GREEK_COMMANDS or bool(re.fullmatch(r"\\mathbf\{[A-Za-z]+\}", char))


_GREEK_COMMANDS = frozenset(latex_symbol(chr(c)) for c in range(0x391, 0x3CA) if latex_symbol(chr(c)) != chr(c))


def _split_at(atom: _Atom, k: int) -> list[_Atom]:
    """`atom` cut around its character `k` (characters sharing its width evenly), that character marked with
    accent "target"."""
    chars = _characters(atom.latex)
    if len(chars) <= 1:
        return [_Atom(atom.latex, atom.box, atom.size, atom.baseline, atom.operator, "target")]
    step = (atom.box[2] - atom.box[0]) / len(chars)
    parts = []
    for latex, lo, hi, mark in (("".join(chars[:k]), 0, k, ""), (chars[k], k, k + 1, "target"),
                                ("".join(chars[k + 1 :]), k + 1, len(chars), "")):  # fmt: skip
        if latex:
            box = (atom.box[0] + lo * step, atom.box[1], atom.box[0] + hi * step, atom.box[3])
            parts.append(_Atom(latex, box, atom.size, atom.baseline, accent=mark))
    return parts


def _characters(latex: str) -> list[str]:
    """A plain run's characters, a command (``\\alpha``) counting as one; [] where the run holds groups."""
    if "{" in latex:
        return [latex]
    return re.findall(r"\\[A-Za-z]+ ?|\\.|.", latex)


def _split_number(atoms: list[_Atom], em: float) -> tuple[list[_Atom], str]:
    """The atoms without an equation number set well apart at the right end, and that number."""
    ordered = sorted(atoms, key=lambda a: a.box[0])
    for k in range(1, min(5, len(ordered))):
        tail, rest = ordered[-k:], ordered[:-k]
        match = _NUMBER.match("".join(a.latex for a in tail))
        if match and tail[0].box[0] - max(a.box[2] for a in rest) > 1.5 * em:
            return rest, match.group(1)
    return atoms, ""


def _bar_inside(ruling: Ruling, bbox: BBox, em: float) -> bool:
    """A horizontal rule within the formula's box long enough to be a fraction bar or a radical's vinculum."""
    if not ruling.horizontal:
        return False
    y = (ruling.y0 + ruling.y1) / 2
    x0, x1 = sorted((ruling.x0, ruling.x1))
    pad = 0.25 * em
    return bbox[1] - pad <= y <= bbox[3] + pad and x0 >= bbox[0] - pad and x1 <= bbox[2] + pad and x1 - x0 >= 0.3 * em


def _fractions_and_radicals(atoms: list[_Atom], bars: Sequence[Ruling], em: float) -> list[_Atom]:
    """Each bar, shortest (innermost) first: runs just above and below it make a fraction; runs below a bar
    that a radical sign ends at make a root; runs below it alone, an overline."""
    for bar in sorted(bars, key=lambda r: abs(r.x1 - r.x0)):
        x0, x1 = sorted((bar.x0, bar.x1))
        y = (bar.y0 + bar.y1) / 2
        reach = 1.6 * em

        def over(atom: _Atom, x0: float = x0, x1: float = x1) -> bool:
            return x0 - 0.1 * em <= atom.middle <= x1 + 0.1 * em

        above = [a for a in atoms if over(a) and y - reach <= _middle_y(a) < y]
        below = [a for a in atoms if over(a) and y < _middle_y(a) <= y + reach]
        radical = next(
            (a for a in atoms if a.latex == "\\surd" and _ends_at(a, x0, em) and a.box[1] <= y + 0.2 * em), None
        )
        if radical is not None and below:
            below = [a for a in below if a is not radical]
            parts = [radical, *below]
            latex = f"\\sqrt{{{_linear(below)}}}"
            baseline = statistics.median(a.baseline for a in below)
        elif above and below:
            parts = [*above, *below]
            latex = f"\\frac{{{_linear(above)}}}{{{_linear(below)}}}"
            baseline = y + 0.25 * em  # the bar lies on the math axis, a quarter em above the baseline
        elif below and not above:
            parts = below
            latex = f"\\overline{{{_linear(below)}}}"
            baseline = statistics.median(a.baseline for a in below)
        else:
            continue
        box = union_box([a.box for a in parts] + [(x0, y, x1, y)])
        size = max(em, *(a.size for a in parts))  # never a script of what stands before it
        atoms = [a for a in atoms if not any(a is p for p in parts)] + [_Atom(latex, box, size, baseline)]
    return atoms


def _middle_y(atom: _Atom) -> float:
    return (atom.box[1] + atom.box[3]) / 2


def _ends_at(radical: _Atom, x: float, em: float) -> bool:
    """The radical sign's right end meets the bar starting at `x`. Its box may run a little past the join, or,
    where the characters of its run are taken to share the run's width evenly, stop an em short of it."""
    return radical.box[0] < x and -0.6 * em <= x - radical.box[2] <= em


def _limits(atoms: list[_Atom]) -> list[_Atom]:
    """A big operator or named function with runs right above or below it: its limits (``\\sum_{i=1}^{n}``)."""
    for op in [a for a in atoms if a.operator]:
        if not any(a is op for a in atoms):
            continue
        upper = _run_on([a for a in atoms if _limit_of(op, a) == "^"], atoms)
        lower = _run_on([a for a in atoms if _limit_of(op, a) == "_"], atoms)
        if not upper and not lower:
            continue
        latex = op.latex
        if lower:
            latex += f"_{{{_linear(lower)}}}"
        if upper:
            latex += f"^{{{_linear(upper)}}}"
        merged = _Atom(latex, union_box([a.box for a in (op, *upper, *lower)]), op.size, op.baseline, operator=True)
        atoms = [merged if a is op else a for a in atoms if not any(a is p for p in (*upper, *lower))]
    return atoms


def _limit_of(op: _Atom, atom: _Atom) -> str | None:
    """ "^" for a run right above the operator, "_" for one right below it (within the operator's height)."""
    height = op.box[3] - op.box[1]
    if atom is op or not op.box[0] <= atom.middle <= op.box[2]:
        return None  # an integral's limits set beside it, as scripts, are read as scripts
    if op.box[1] - height <= atom.box[3] and _middle_y(atom) < op.box[1] + 0.15 * height:
        return "^"
    if atom.box[1] <= op.box[3] + height and _middle_y(atom) > op.box[3] - 0.15 * height:
        return "_"
    return None


def _run_on(limit: list[_Atom], atoms: Sequence[_Atom]) -> list[_Atom]:
    """A limit with the atoms it runs on into (the "k" of "k = 1" standing out left of the sum sign): atoms on
    its baseline, in its size, right next to it."""
    if not limit:
        return limit
    grown = list(limit)
    changed = True
    while changed:
        changed = False
        for atom in atoms:
            if atom.operator or any(atom is g for g in grown):
                continue
            if any(_beside(member, atom) for member in grown):
                grown.append(atom)
                changed = True
    return grown


def _beside(member: _Atom, atom: _Atom) -> bool:
    gap = max(atom.box[0] - member.box[2], member.box[0] - atom.box[2])
    same_line = abs(atom.baseline - member.baseline) <= 0.15 * member.size
    return same_line and abs(atom.size - member.size) <= 0.1 * member.size and gap <= 0.3 * member.size


def _rows(atoms: list[_Atom], em: float) -> list[list[_Atom]]:
    """The lines of a formula set on several: full-size runs grouped by baseline; smaller ones (scripts) go to
    the line whose baseline is nearest."""
    full = sorted((a for a in atoms if a.size >= _SCRIPT_SIZE * em), key=lambda a: a.baseline)
    baselines: list[list[float]] = []
    for atom in full:
        if baselines and atom.baseline - statistics.median(baselines[-1]) <= _ROW_GAP * em:
            baselines[-1].append(atom.baseline)
        else:
            baselines.append([atom.baseline])
    if len(baselines) <= 1:
        return [atoms]
    levels = [statistics.median(b) for b in baselines]
    rows: list[list[_Atom]] = [[] for _ in levels]
    for atom in atoms:
        rows[min(range(len(levels)), key=lambda i: abs(levels[i] - atom.baseline))].append(atom)
    return [row for row in rows if row]


def _linear(atoms: Sequence[_Atom]) -> str:
    """One line of atoms, left to right, as LaTeX: a smaller atom raised or lowered against the atom before it
    is its superscript or subscript (its own scripts found the same way)."""
    ordered = sorted(atoms, key=lambda a: (a.box[0], a.baseline))
    out = ""
    i = 0
    while i < len(ordered):
        base = ordered[i]
        sup: list[_Atom] = []
        sub: list[_Atom] = []
        j = i + 1
        last: _Atom | None = None
        while j < len(ordered):
            atom = ordered[j]
            if last is not None and _continues(last, atom):
                side = sup if sup and sup[-1] is last else sub
            else:
                script = _script_of(base, atom)
                if script is None:
                    break
                side = sup if script == "^" else sub
            side.append(atom)
            last = atom
            j += 1
        piece = base.latex
        if sub:
            piece += f"_{{{_linear(sub)}}}"
        if sup:
            piece += f"^{{{_linear(sup)}}}"
        out = _append(out, piece)
        i = j
    return out


def _script_of(base: _Atom, atom: _Atom) -> str | None:
    """ "^" or "_" when `atom` is a script of `base`: set smaller, close after it, off its baseline."""
    if atom.size > _SCRIPT_SIZE * base.size or atom.box[0] - base.box[2] > 0.3 * base.size:
        return None
    shift = base.baseline - atom.baseline
    if shift > _RAISED * base.size:
        return "^"
    if shift < -_LOWERED * base.size:
        return "_"
    return None


def _continues(script: _Atom, atom: _Atom) -> bool:
    """`atom` goes on the script `script` belongs to: the same size, the same baseline, close after it."""
    return (
        abs(atom.size - script.size) <= 0.1 * script.size
        and abs(atom.baseline - script.baseline) <= 0.1 * script.size
        and atom.box[0] - script.box[2] <= 0.3 * script.size
    )


def _append(out: str, piece: str) -> str:
    if out and re.search(r"\\[A-Za-z]+$", out) and piece[:1].isalpha():
        return f"{out} {piece}"
    return out + piece


def _stacked(rows: Sequence[str]) -> str:
    """Lines of a formula set one under another: aligned at their first relation when every line has one."""
    marks = [_first_relation(row) for row in rows]
    if all(m is not None for m in marks):
        lines = [row[:m] + "&" + row[m:] for row, m in zip(rows, marks) if m is not None]
        return "\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}"
    return "\\begin{gathered}" + " \\\\ ".join(rows) + "\\end{gathered}"


_RELATION_SOURCE = re.compile(
    "|".join(re.escape(latex_symbol(c)) + ("(?![A-Za-z])" if latex_symbol(c)[:1] == "\\" else "") for c in RELATIONS)
)


def _first_relation(row: str) -> int | None:
    """Where the first relation of a line's LaTeX starts, outside braces."""
    depth = 0
    for i, char in enumerate(row):
        if char == "{" and not row[i - 1 : i] == "\\":
            depth += 1
        elif char == "}" and not row[i - 1 : i] == "\\":
            depth -= 1
        elif depth == 0 and _RELATION_SOURCE.match(row, i) and not (i and row[i - 1] == "\\"):
            return i
    return None
