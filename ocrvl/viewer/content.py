"""One block's content as HTML: Markdown through markdown-it-py, tables kept as tables (spans included),
formulas as MathML, pictures inline."""

from __future__ import annotations

from functools import cache
from html import escape

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from ocrvl.labels import PICTURE_LABELS
from ocrvl.postprocess.markdown import FORMULA_LABELS, block_markdown
from ocrvl.types import Block
from ocrvl.viewer.math import closing_delimiter, math_in_text, mathml
from ocrvl.viewer.sanitize import TABLE_ATTRIBUTES, TABLE_TAGS, Allowed, sanitize

_TABLE = Allowed(TABLE_TAGS, TABLE_ATTRIBUTES, math_in_text)


def block_html(block: Block, picture_url: str | None, number: str | None = None) -> str:
    """`block` rendered: `picture_url` shows its cropped picture, `number` is the formula number that follows a
    display formula."""
    label, text = block.label, block.content.strip()
    if label == "table":
        return sanitize(text, _TABLE)
    if picture_url is not None and (label in PICTURE_LABELS or label in FORMULA_LABELS):
        # A picture, or a formula the engine could not read as LaTeX: its crop, and any text read off it.
        caption = f"<figcaption>{markdown_html(text)}</figcaption>" if text else ""
        return f'<figure><img src="{picture_url}" alt="{escape(label)}">{caption}</figure>'
    if label in FORMULA_LABELS and text:
        return _formula_html(block, number)
    return markdown_html(block_markdown(block))


def _formula_html(block: Block, number: str | None) -> str:
    latex = block.content.strip()
    for delimiter in ("$$", "$"):
        if latex.startswith(delimiter) and latex.endswith(delimiter) and len(latex) > 2 * len(delimiter):
            latex = latex[len(delimiter) : -len(delimiter)]
            break
    formula = mathml(latex, display=block.label != "inline_formula")
    if not number:
        return formula
    return f'<div class="numbered">{formula}<span class="formula-number">{math_in_text(number)}</span></div>'


def markdown_html(markdown: str) -> str:
    """Markdown as HTML: raw HTML shown as text, no images fetched, ``$...$`` as MathML."""
    return _renderer().render(markdown)


@cache
def _renderer() -> MarkdownIt:
    renderer = MarkdownIt("commonmark", {"html": False}).disable("image")
    renderer.inline.ruler.before("escape", "math", _math_rule)
    renderer.add_render_rule(
        "math", lambda self, tokens, idx, options, env: mathml(tokens[idx].content, tokens[idx].markup == "$$")
    )
    return renderer


def _math_rule(state: StateInline, silent: bool) -> bool:
    """An inline rule for ``$...$`` and ``$$...$$``: the LaTeX inside is kept from Markdown's own escapes."""
    if state.src[state.pos] != "$":
        return False
    delimiter = "$$" if state.src.startswith("$$", state.pos) else "$"
    start = state.pos + len(delimiter)
    end = closing_delimiter(state.src, start, delimiter)
    if end == -1:
        return False
    if not silent:
        token = state.push("math", "math", 0)
        token.content = state.src[start:end]
        token.markup = delimiter
    state.pos = end + len(delimiter)
    return True
