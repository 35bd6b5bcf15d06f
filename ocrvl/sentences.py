"""Where a sentence ends, in Latin, Chinese or Japanese script: shared by the reading order (which paragraph runs
on into which) and the joining of a paragraph cut by a page break."""

from __future__ import annotations

SENTENCE_END = frozenset(".!?…:;。！？；：」』")
_CLOSERS = "\"')]}»”’"


def last_mark(text: str) -> str:
    """The last character of `text` before any closing quotes and brackets ("" for blank text)."""
    head = text.rstrip()
    return head.rstrip(_CLOSERS)[-1:] or head[-1:]


def ends_sentence(text: str) -> bool:
    """Whether `text` ends with a full stop, question or exclamation mark, colon or semicolon (maybe closed by
    quotes or brackets)."""
    return last_mark(text) in SENTENCE_END
