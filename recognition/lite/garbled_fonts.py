"""Fonts whose text in a PDF's text layer is garbage: their ToUnicode maps read the codes as the wrong characters,
beyond the repairs `ocrvl.pdf_fonts` makes, so their lines are read off the page image instead.

Such a font's text is accented letters and typographic signs strung together ("]üìÜüéê •ìê °ê£ë†£ûÜüéê"): mostly
characters from a few blocks (Latin-1, Latin Extended, IPA, spacing modifiers; general punctuation and currency
signs) or control codes, many of them letters. No language written in Latin letters, Vietnamese included, comes
near half.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from ocrvl.types import TextSpan

_ODD_BLOCKS = ((0x80, 0x2FF), (0x2010, 0x206F), (0x20A0, 0x20CF), (0xFFFD, 0xFFFD))
_GARBLED_SHARE = 0.5
_GARBLED_LETTERS = 0.3  # of the odd characters: a bullet or dingbat font is all symbols
_MIN_GARBLED_CHARS = 12
_MIN_WORD_LENGTH = 3.0  # mean characters a word: a font drawing only accented letters here and there has one


def garbled_fonts(spans: Sequence[TextSpan]) -> frozenset[str]:
    """The fonts whose text on the page reads as garbage: their maps give the wrong characters, so the text
    layer cannot be trusted where they are used."""
    texts: dict[str, list[str]] = {}
    for span in spans:
        texts.setdefault(span.font, []).append(span.text)
    return frozenset(font for font, parts in texts.items() if _garbled(" ".join(parts)))


def _garbled(text: str) -> bool:
    chars = [c for c in text if not c.isspace()]
    tokens = text.split()
    if len(chars) < _MIN_GARBLED_CHARS or len(chars) / len(tokens) < _MIN_WORD_LENGTH:
        return False
    odd = [c for c in chars if unicodedata.category(c) == "Cc" or any(a <= ord(c) <= b for a, b in _ODD_BLOCKS)]
    letters = sum(c.isalpha() for c in odd)
    return len(odd) >= _GARBLED_SHARE * len(chars) and letters >= _GARBLED_LETTERS * len(odd)
