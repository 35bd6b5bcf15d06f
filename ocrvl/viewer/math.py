"""LaTeX to MathML, which browsers render natively, for formulas and ``$...$`` inside text and table cells."""

from __future__ import annotations

from html import escape

from latex2mathml.converter import convert

from ocrvl.viewer.sanitize import MATHML_ATTRIBUTES, MATHML_TAGS, Allowed, sanitize

_MATHML = Allowed(MATHML_TAGS, MATHML_ATTRIBUTES)


def mathml(latex: str, display: bool) -> str:
    """`latex` as a MathML element (block or inline); LaTeX it cannot convert is shown as its source."""
    try:
        converted = convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # noqa: BLE001 - latex2mathml raises many types on malformed input; show the source instead
        return f'<code class="latex">{escape(latex)}</code>'
    return sanitize(converted, _MATHML)


def closing_delimiter(text: str, start: int, delimiter: str) -> int:
    """Where the math opened before `start` by `delimiter` (``$`` or ``$$``) ends, or -1; escaped ``\\$`` and an
    empty formula do not count."""
    position = start
    while (found := text.find(delimiter, position)) != -1:
        if found > start and text[found - 1] != "\\" and text[start:found].strip():
            return found
        position = found + 1
    return -1


def math_in_text(text: str) -> str:
    """Plain text (e.g. a table cell) escaped, with its ``$...$`` and ``$$...$$`` spans as MathML."""
    parts, position = [], 0
    while (start := text.find("$", position)) != -1:
        if start > 0 and text[start - 1] == "\\":
            parts.append(escape(text[position : start - 1] + "$"))
            position = start + 1
            continue
        delimiter = "$$" if text.startswith("$$", start) else "$"
        end = closing_delimiter(text, start + len(delimiter), delimiter)
        if end == -1:
            break
        parts += [escape(text[position:start]), mathml(text[start + len(delimiter) : end], delimiter == "$$")]
        position = end + len(delimiter)
    parts.append(escape(text[position:]))
    return "".join(parts)
