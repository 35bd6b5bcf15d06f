"""Text printed up the side of a page, beside its body: an arXiv identifier stamp, a book's running title or a
journal's licence line turned a quarter. PaddleOCR-VL calls it `aside_text`: kept in the JSON, left out of the
Markdown. The small layout detector boxes it as text, and merged with the body beside it, it reads into the
first lines of the page."""

from __future__ import annotations

from collections.abc import Sequence

from ocrvl.geometry import union_box
from ocrvl.layout.lite.cdla import LABEL_IDS
from ocrvl.layout.lite.regions import linked_groups
from ocrvl.types import Region, Word

# A column of side text is at least this many times as tall as it is wide,
_COLUMN_RATIO = 3.0
# holds at least this many characters (a margin mark or a lone figure is no running text),
_MIN_CHARACTERS = 6
# and all the side text on a page is at most this share of its characters (a page of vertical writing has no
# horizontal body for it to stand beside).
_MAX_SHARE = 0.15


def split_side_text(words: Sequence[Word]) -> tuple[list[Word], list[tuple[Region, list[Word]]]]:
    """The page's words without its side text, and the side text as `aside_text` regions, each with its words
    in reading order (up the page, the way such text nearly always runs).

    Side text lies wholly outside the horizontal reach of the lines across the page, left or right of all of
    them, in a column much taller than wide that holds mostly upright words."""
    across = [w for w in words if _width(w) >= _height(w) and len(w.text.strip()) >= 2]
    if not across:
        return list(words), []
    left = min(w.bbox[0] for w in across)
    right = max(w.bbox[2] for w in across)
    beside = [w for w in words if w.bbox[2] <= left or w.bbox[0] >= right]
    columns = linked_groups(
        len(beside),
        ((j, i) for i, a in enumerate(beside) for j in range(i) if _run_on(a, beside[j])),
    )
    side: list[tuple[Region, list[Word]]] = []
    for column in columns:
        members = sorted((beside[k] for k in column), key=lambda w: -w.bbox[3])
        box = union_box([w.bbox for w in members])
        upright_chars = sum(len(w.text) for w in members if _upright(w))
        chars = sum(len(w.text) for w in members)
        if box[3] - box[1] >= _COLUMN_RATIO * (box[2] - box[0]) and chars >= _MIN_CHARACTERS:
            if upright_chars >= 0.5 * chars:
                side.append((Region(box, "aside_text", 0.0, cls_id=LABEL_IDS["aside_text"]), members))
    total = sum(len(w.text) for w in words)
    if not side or sum(len(w.text) for _, ws in side for w in ws) > _MAX_SHARE * total:
        return list(words), []
    taken = {id(w) for _, ws in side for w in ws}
    return [w for w in words if id(w) not in taken], side


def _width(word: Word) -> float:
    return word.bbox[2] - word.bbox[0]


def _height(word: Word) -> float:
    return word.bbox[3] - word.bbox[1]


def _upright(word: Word) -> bool:
    """Taller than wide as only a word running up or down is (one letter alone can be as tall)."""
    return len(word.text.strip()) >= 3 and _height(word) >= 1.5 * _width(word)


def _run_on(a: Word, b: Word) -> bool:
    """Whether `a` and `b` are pieces of one column of text: side by side across, at most two line widths apart
    down the page."""
    across = min(a.bbox[2], b.bbox[2]) - max(a.bbox[0], b.bbox[0]) > 0.5 * min(_width(a), _width(b))
    gap = max(a.bbox[1], b.bbox[1]) - min(a.bbox[3], b.bbox[3])
    return across and gap <= 2 * max(_width(a), _width(b))
