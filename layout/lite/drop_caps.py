"""Drop caps: the large first letter of a paragraph, set down beside its first lines (magazines, books, reports).

OCR reads the letter as a line of its own and the text layer gives it as a word of its own, so the paragraph
would begin without it ("ou may add ...") and the letter turn up elsewhere, or as a heading. A letter standing
alone, set at least `_CAP_HEIGHT` times the page's typical line height tall, with a line starting in lower case
right beside its top, is that line's first letter, a capital (read alone, its case is a guess: "b" for "B").
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from ocrvl.types import Word

_CAP_HEIGHT = 1.5
# The line the letter begins starts this close beside it (line heights), its middle no lower than this far down
# the letter (of the letter's height): the first line is set level with the letter's top.
_BESIDE = 1.5
_TOP_LINE = 0.5
# ... and is clearly less tall than the letter (at most this fraction of it).
_BESIDE_HEIGHT = 0.75


def join_drop_caps(words: Sequence[Word]) -> list[Word]:
    """`words` with every drop cap joined to the front of the first word of the line it begins."""
    if len(words) < 3:
        return list(words)
    typical = statistics.median(w.bbox[3] - w.bbox[1] for w in words)
    joined = list(words)
    for cap in [w for w in words if _drop_cap_like(w, typical)]:
        x0, y0, x1, y1 = cap.bbox
        beside = [
            w
            for w in joined
            if w is not cap
            and x1 - 0.3 * typical <= w.bbox[0] <= x1 + _BESIDE * typical
            and y0 - 0.3 * typical <= (w.bbox[1] + w.bbox[3]) / 2 <= y0 + _TOP_LINE * (y1 - y0)
        ]
        if not beside:
            continue
        first = min(beside, key=lambda w: (w.bbox[1], w.bbox[0]))
        if not first.text[:1].islower() or first.bbox[3] - first.bbox[1] > _BESIDE_HEIGHT * (y1 - y0):
            continue  # (a line as tall as the letter is its line: "A note" in a title set large)
        k = joined.index(first)
        joined[k] = Word(cap.text.strip().upper() + first.text, (x0, *first.bbox[1:]), first.score, first.line)
        joined.remove(cap)
    return joined


def _drop_cap_like(word: Word, typical: float) -> bool:
    text = word.text.strip()
    return len(text) == 1 and text.isalpha() and word.bbox[3] - word.bbox[1] >= _CAP_HEIGHT * typical
