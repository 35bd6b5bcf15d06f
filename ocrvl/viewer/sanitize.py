"""Markup from a document, re-written with only the elements and attributes a viewer needs.

Table cells and formulas carry text read off the page, and an HTML file that opens from disk or from
``ocrvl serve`` must never run what a document says: anything outside the allowed elements is kept as text,
attributes outside the allowed ones are dropped, and every text is escaped again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

TABLE_TAGS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "br", "b", "i", "u",
                        "strong", "em", "sub", "sup"})  # fmt: skip
MATHML_TAGS = frozenset({
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac", "msqrt",
    "mroot", "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose",
    "merror", "mfenced", "semantics", "annotation", "mmultiscripts", "mprescripts", "none", "mlabeledtr",
})  # fmt: skip
TABLE_ATTRIBUTES = frozenset({"rowspan", "colspan"})
MATHML_ATTRIBUTES = frozenset({
    "xmlns", "display", "mathvariant", "mathsize", "stretchy", "fence", "separator", "form", "largeop",
    "movablelimits", "symmetric", "lspace", "rspace", "width", "height", "depth", "linethickness", "accent",
    "accentunder", "columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines", "frame",
    "notation", "displaystyle", "scriptlevel", "open", "close", "separators", "encoding", "align", "columnspan",
})  # fmt: skip
_VOID_TAGS = frozenset({"br", "mspace", "none", "mprescripts"})


@dataclass(frozen=True)
class Allowed:
    """What survives: these elements with these attributes. `text` renders each run of text (escaped by default)."""

    tags: frozenset[str]
    attributes: frozenset[str]
    text: Callable[[str], str] = escape


def sanitize(markup: str, allowed: Allowed) -> str:
    """`markup` with only `allowed` elements and attributes; everything else becomes visible, escaped text."""
    writer = _Writer(allowed)
    writer.feed(markup)
    writer.close()
    return writer.output()


class _Writer(HTMLParser):
    def __init__(self, allowed: Allowed):
        super().__init__(convert_charrefs=True)
        self.allowed = allowed
        self.parts: list[str] = []
        self.open: list[str] = []
        self.pending_text: list[str] = []

    def output(self) -> str:
        self._flush()
        self.parts += [f"</{tag}>" for tag in reversed(self.open)]
        return "".join(self.parts)

    def _flush(self) -> None:
        if self.pending_text:
            self.parts.append(self.allowed.text("".join(self.pending_text)))
            self.pending_text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.allowed.tags:
            self.pending_text.append(self.get_starttag_text() or "")
            return
        self._flush()
        kept = "".join(f' {name}="{escape(value or "", quote=True)}"' for name, value in attrs
                       if name in self.allowed.attributes and _plain_value(value))  # fmt: skip
        self.parts.append(f"<{tag}{kept}>")
        if tag not in _VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in self.allowed.tags and tag not in _VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.open:
            if tag not in self.allowed.tags:
                self.pending_text.append(f"</{tag}>")
            return
        self._flush()
        while self.open:
            closed = self.open.pop()
            self.parts.append(f"</{closed}>")
            if closed == tag:
                break

    def handle_data(self, data: str) -> None:
        self.pending_text.append(data)

    def handle_comment(self, data: str) -> None:
        pass  # comments are not content

    def unknown_decl(self, data: str) -> None:
        pass


def _plain_value(value: str | None) -> bool:
    """An attribute value that is data, not a URL or code (the allowed attributes take words and numbers)."""
    return value is None or ":" not in value and "(" not in value
