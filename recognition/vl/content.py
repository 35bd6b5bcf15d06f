"""Clean-up of what PaddleOCR-VL's recognizer answers for one block, before it becomes the block's content.

The rules follow PaddleX's PaddleOCR-VL pipeline (``paddlex/inference/pipelines/paddleocr_vl``), in its order:

1. runaway repetition is cut (answers shorter than 50 characters, or 5000 for tables, are left alone);
2. when the answer writes math as ``\\(..\\)`` or ``\\[..\\]``, those become ``$..$`` / ``$$..$$`` and stray
   ``$`` are dropped; formula numbers lose their ``$``;
3. tables: OTSL cell tokens become an HTML table (see `ocrvl.recognition.vl.otsl`);
4. spotting (PaddleOCR-VL-1.5): text and location tokens become the text lines.

Where this module differs from PaddleX it says so next to the rule.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from ocrvl.errors import OptionsError
from ocrvl.latex import strip_math_delimiters
from ocrvl.types import BBox

from .otsl import has_otsl, otsl_to_html

CHART_FORMATS = ("markdown", "html", "raw")


@dataclass(frozen=True)
class RepetitionRules:
    """When an answer counts as runaway repetition (PaddleX ``truncate_repetitive_content`` defaults).

    suffix_*: a single line longer than `suffix_min_text` ending in a unit of at least `suffix_min_unit`
    characters repeated `suffix_min_repeats` times or more, the repeats covering over `suffix_min_share` of
    it, keeps only what precedes the repeats. char_*: a single line longer than `char_min_text` that is one
    unit tiled `char_min_repeats` times or more becomes that unit. line_*: `line_min_repeats` or more
    non-blank lines of which one line makes up at least `line_min_share` becomes that line.
    """

    suffix_min_text: int = 100
    suffix_min_unit: int = 8
    suffix_min_repeats: int = 5
    suffix_min_share: float = 0.5
    char_min_text: int = 10
    char_min_repeats: int = 10
    line_min_repeats: int = 10
    line_min_share: float = 0.8


@dataclass(frozen=True)
class ContentOptions:
    """truncate_repetitions: cut runaway repetition in answers at least `min_length` characters long
    (`table_min_length` for tables). chart_format: how a chart's answer is stored: a Markdown pipe table,
    an HTML table, or the model's text as is (what PaddleX keeps in its JSON)."""

    truncate_repetitions: bool = True
    min_length: int = 50
    table_min_length: int = 5000
    chart_format: str = "markdown"
    repetition: RepetitionRules = field(default_factory=RepetitionRules)

    def __post_init__(self) -> None:
        if self.chart_format not in CHART_FORMATS:
            raise OptionsError(f"chart_format must be one of {', '.join(CHART_FORMATS)}, not {self.chart_format!r}")
        if self.min_length < 0 or self.table_min_length < 0:
            raise OptionsError("min_length and table_min_length must not be negative")


class SpottedText(NamedTuple):
    """One text line found by the spotting prompt, with its outline in page pixels."""

    text: str
    polygon: tuple[tuple[float, float], ...]


def clean_block_content(label: str, raw: str | None, options: ContentOptions | None = None) -> str:
    """The content of a block of layout label `label` from the recognizer's answer `raw`."""
    options = options or ContentOptions()
    text = raw or ""
    if options.truncate_repetitions:
        min_length = options.table_min_length if label == "table" else options.min_length
        text = truncate_repetitions(text, min_length=min_length, rules=options.repetition)
    if label == "formula_number":
        return strip_math_delimiters(text)
    if "formula" in label:
        return normalize_formula(text, display=label != "inline_formula")
    text = normalize_math_delimiters(text)
    if label == "table":
        return otsl_to_html(text) or text.strip()
    if label == "chart":
        return text.strip() if options.chart_format == "raw" else chart_to_table(text, options.chart_format)
    if label == "spotting":
        return spotting_text(text)
    return text.strip()


# --- repetition ---------------------------------------------------------------------------------------------


def truncate_repetitions(text: str, min_length: int = 50, rules: RepetitionRules | None = None) -> str:
    """`text` without the runaway repetition a decoder falls into; text shorter than `min_length` is kept.

    Three checks, first match wins (PaddleX order): a repeated suffix of a single line is dropped (all its
    copies: what precedes them is kept), a single line made of one repeated unit becomes one unit, and a
    text where one line makes up nearly all lines becomes that line.
    """
    rules = rules or RepetitionRules()
    if len(text) < min_length:
        return text
    stripped = text.strip()
    if not stripped:
        return text
    if "\n" not in stripped:
        if len(stripped) > rules.suffix_min_text:
            found = _repeated_suffix(stripped, rules.suffix_min_unit, rules.suffix_min_repeats)
            if found is not None:
                prefix, unit_length, count = found
                if unit_length * count > len(stripped) * rules.suffix_min_share:
                    return prefix
        if len(stripped) > rules.char_min_text:
            unit = _tiling_unit(stripped)
            if unit is not None and len(stripped) // len(unit) >= rules.char_min_repeats:
                return unit
    lines = [line.strip() for line in stripped.split("\n") if line.strip()]
    if len(lines) >= rules.line_min_repeats:
        line, count = Counter(lines).most_common(1)[0]
        if count >= rules.line_min_repeats and count / len(lines) >= rules.line_min_share:
            return line
    return text


def _repeated_suffix(s: str, min_unit: int, min_repeats: int) -> tuple[str, int, int] | None:
    """(text before the repeats, unit length, repeat count) for the longest unit that ends `s` at least
    `min_repeats` times in a row, or None."""
    for size in range(len(s) // min_repeats, min_unit - 1, -1):
        unit = s[-size:]
        if s[-2 * size : -size] != unit or not s.endswith(unit * min_repeats):
            continue
        count = min_repeats
        end = len(s) - count * size
        while end >= size and s[end - size : end] == unit:
            count, end = count + 1, end - size
        return s[: len(s) - count * size], size, count
    return None


def _tiling_unit(s: str) -> str | None:
    """The shortest string that repeated a whole number of times (at least twice) gives `s`, or None."""
    period = (s + s).find(s, 1)
    return s[:period] if period < len(s) else None


# --- math -----------------------------------------------------------------------------------------------------

# An escaped backslash first, so "\\[2pt]" (a LaTeX line break) is not read as a display-math opener.
_MATH_TOKEN = re.compile(r"\\\\|\\\$|\\\[\\\[|\\\]\\\]|\\[()\[\]]|\$")
_OPENERS = {"\\(": "$", "\\[": "$$", "\\[\\[": "$$"}
_CLOSERS = frozenset({"\\)", "\\]", "\\]\\]"})
_WRAPPED = re.compile(r"^(\$\$?)([^$]*)\1$", re.DOTALL)


def normalize_math_delimiters(text: str) -> str:
    """Math written ``\\(x\\)`` / ``\\[x\\]`` as ``$x$`` / ``$$x$$`` (PaddleX rule, applied to every label).

    As in PaddleX this happens only when the text has such a delimiter pair, and then every other ``$`` is
    dropped (the model mixing both styles leaves unbalanced ones). Unlike PaddleX: an escaped ``\\$`` and
    LaTeX's ``\\\\[2pt]`` survive, unbalanced delimiters are closed, math has no spaces inside its dollars
    (PaddleX writes `` $ x $``, which Pandoc does not read as math), and a space is put only where the math
    touches a letter or digit.
    """
    tokens = [m.group() for m in _MATH_TOKEN.finditer(text)]
    has_inline = "\\(" in tokens and "\\)" in tokens
    has_display = any(t in ("\\[", "\\[\\[") for t in tokens) and any(t in ("\\]", "\\]\\]") for t in tokens)
    if not (has_inline or has_display):
        return text
    out: list[str] = []
    math: list[str] | None = None  # the open formula's pieces
    fence = ""
    pos = 0
    for match in _MATH_TOKEN.finditer(text):
        token = match.group()
        (out if math is None else math).append(text[pos : match.start()])
        pos = match.end()
        if token in ("\\\\", "\\$"):
            (out if math is None else math).append(token)
        elif token in _OPENERS:
            if math is None:
                math, fence = [], _OPENERS[token]
        elif token in _CLOSERS:
            if math is not None:
                _emit_math(out, fence, "".join(math))
                math = None
        # a bare "$" is dropped
    if math is not None:
        math.append(text[pos:])
        _emit_math(out, fence, "".join(math))
    else:
        out.append(text[pos:])
    return _space_after_math("".join(out))


def _emit_math(out: list[str], fence: str, body: str) -> None:
    body = body.strip()
    if not body:
        return
    before = next((piece for piece in reversed(out) if piece), "")
    # A space where the formula would touch a word or the previous formula ("$x$$y$" reads as display math).
    separator = " " if before and (before[-1].isalnum() or before[-1] == "\x00") else ""
    out.append(f"{separator}{fence}{body}{fence}\x00")  # \x00 marks a formula's end for _space_after_math


def _space_after_math(text: str) -> str:
    return re.sub(r"\x00(?=\w)", " ", text).replace("\x00", "")


def normalize_formula(text: str, display: bool) -> str:
    """A formula block's answer as ``$$latex$$`` (display) or ``$latex$`` (inline).

    PaddleX converts the delimiters the model wrote and keeps bare LaTeX bare; here a bare answer is wrapped
    too, so every formula block is marked as math the same way. An answer mixing text and math is only
    delimiter-normalized.
    """
    converted = normalize_math_delimiters(text).strip()
    wrapped = _WRAPPED.match(converted)
    if wrapped:
        body = wrapped.group(2).strip()
    elif "$" in converted:
        return converted
    else:
        body = converted
    if not body:
        return ""
    return f"$${body}$$" if display else f"${body}$"


# --- charts ---------------------------------------------------------------------------------------------------

_RULE_CELL = re.compile(r"^:?-{3,}:?$")


def chart_to_table(text: str, style: str = "markdown") -> str:
    """A chart answer (one line per row, cells separated by ``|``, the first line the header) as a table:
    a Markdown pipe table or an HTML table (`style` "markdown" or "html").

    Ragged rows are padded, a Markdown rule line the model wrote is skipped, tabs separate cells when no
    line has a ``|``. An OTSL answer becomes an HTML table; text that is not a table comes back unchanged.
    """
    if has_otsl(text):
        return otsl_to_html(text) or text.strip()
    rows = _chart_rows(text)
    if not rows:
        return text.strip()
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    if style == "html":
        return _html_table(rows)
    lines = [_markdown_row(rows[0]), _markdown_row(["---"] * width)]
    lines.extend(_markdown_row(row) for row in rows[1:])
    return "\n".join(lines)


def _chart_rows(text: str) -> list[list[str]]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    separator = "|" if any("|" in line for line in lines) else "\t" if any("\t" in line for line in lines) else ""
    if not separator:
        return []
    rows = []
    for line in lines:
        cells = [cell.strip() for cell in line.split(separator)]
        if separator == "|" and line.startswith("|"):
            cells = cells[1:]
        if separator == "|" and line.endswith("|") and len(line) > 1:
            cells = cells[:-1]
        if cells and all(_RULE_CELL.match(cell) for cell in cells if cell) and any(cells):
            continue
        rows.append(cells)
    return rows


def _markdown_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _html_table(rows: list[list[str]]) -> str:
    def cells(row: list[str], tag: str) -> str:
        return "".join(f"<{tag}>{html.escape(cell, quote=False)}</{tag}>" for cell in row)

    body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in rows[1:])
    return f"<table><thead><tr>{cells(rows[0], 'th')}</tr></thead><tbody>{body}</tbody></table>"


# --- spotting (PaddleOCR-VL-1.5) ------------------------------------------------------------------------------

_TEXT_SPAN = re.compile(r"<\|TEXT_START\|>(.*?)<\|TEXT_END\|>", re.DOTALL)
_LOC_SPAN = re.compile(r"<\|LOC_BEGIN\|>(.*?)<\|LOC_END\|>", re.DOTALL)
_LOC = re.compile(r"<\|LOC_(\d+)\|>")
_LOC_RUN = re.compile(r"(?:<\|LOC_BEGIN\|>\s*)?(?:<\|LOC_\d+\|>\s*){8,}(?:<\|LOC_END\|>)?")
_SPECIAL_TOKEN = re.compile(r"<\|[A-Za-z_0-9]+\|>")
_LOC_SCALE = 1000.0  # location tokens are 0-1000 fractions of the crop's width and height


def parse_spotting(text: str, crop_box: BBox) -> list[SpottedText]:
    """Text lines and their outlines (page pixels) from a spotting answer for the crop `crop_box`.

    The answer pairs ``<|TEXT_START|>line<|TEXT_END|>`` with ``<|LOC_BEGIN|><|LOC_x|><|LOC_y|>...<|LOC_END|>``,
    each location a 0-1000 fraction of the crop's width or height; so `crop_box` must be the pixel rectangle
    that was cut out (any later resizing of the crop does not matter). The n-th text goes with the n-th
    location group, as in PaddleX. Without text markers, a line's text is what precedes its run of 8 or more
    location tokens. PaddleX keeps the first 4 points; here every complete point is kept (at least 4).
    """
    x0, y0, x1, y1 = crop_box
    width, height = x1 - x0, y1 - y0

    def to_page(values: list[int]) -> tuple[tuple[float, float], ...] | None:
        points = [(values[i], values[i + 1]) for i in range(0, len(values) - 1, 2)]
        if len(points) < 4:
            return None
        return tuple((x0 + px / _LOC_SCALE * width, y0 + py / _LOC_SCALE * height) for px, py in points)

    texts = _TEXT_SPAN.findall(text)
    if texts:
        groups = [[int(v) for v in _LOC.findall(span)] for span in _LOC_SPAN.findall(text)]
        pairs = zip(texts, groups, strict=False)
    else:
        pairs, start = [], 0
        for run in _LOC_RUN.finditer(text):
            line = _SPECIAL_TOKEN.sub("", text[start : run.start()])
            pairs.append((line, [int(v) for v in _LOC.findall(run.group())]))
            start = run.end()
    found = []
    for line, values in pairs:
        polygon = to_page(values)
        if polygon is not None:
            found.append(SpottedText(line.strip(), polygon))
    return found


def spotting_text(text: str) -> str:
    """The text of a spotting answer, one line per paragraph as PaddleX joins it; an answer without location
    tokens keeps its text (PaddleX would leave the block empty)."""
    lines = [item.text for item in parse_spotting(text, (0.0, 0.0, 1.0, 1.0))]
    if lines:
        return "\n\n".join(lines)
    return _SPECIAL_TOKEN.sub("", text).strip()
