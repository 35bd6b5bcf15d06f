"""Text printed sideways in a born-digital PDF: lines of the text layer that run up or down the page.

A PDF can print a landscape table (or a whole page) turned a quarter without a /Rotate entry saying so.
Its words then follow each other vertically, and everything built on rows and columns reads it crosswise.
Such text is read in its own upright frame: the words, rulings and (for a page) the image are turned a
quarter so that the lines run left to right, and the table or page is built there.

Turns are counted in degrees counter-clockwise, as the orientation classifier reports them: text that
runs up the page (a table turned anticlockwise) is set upright by 270, text that runs down by 90.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ocrvl.geometry import center
from ocrvl.types import BBox, Page, Ruling, Word

_SIDEWAYS_SHARE = 0.6  # share of the text (in characters) that must run vertically
_TALL = 1.5  # a lone word this many times taller than wide, of 3+ characters, runs vertically


def upright_turn(words: Sequence[Word]) -> int:
    """Degrees counter-clockwise that set the text upright: 270 for text running up the page, 90 for
    text running down, 0 for text that runs across (or too little of it to tell).

    Lines of two or more words tell their direction by where their last word lies from their first
    (text-layer words come in reading order); lone long words only by their shape, so they count for
    vertical text but not for which way it runs.
    """
    lines: dict[int, list[Word]] = {}
    for word in words:
        if word.line >= 0:
            lines.setdefault(word.line, []).append(word)
    across = up = down = tall = 0
    for line in lines.values():
        chars = sum(len(w.text) for w in line)
        if len(line) >= 2:
            (x0, y0), (x1, y1) = center(line[0].bbox), center(line[-1].bbox)
            if abs(y1 - y0) <= abs(x1 - x0):
                across += chars
            elif y1 < y0:
                up += chars
            else:
                down += chars
        elif chars >= 3:
            x0, y0, x1, y1 = line[0].bbox
            if y1 - y0 >= _TALL * (x1 - x0):
                tall += chars
            else:
                across += chars
    vertical = up + down + tall
    if not up + down or vertical < _SIDEWAYS_SHARE * (vertical + across):
        return 0
    return 270 if up >= down else 90


def turn_point(x: float, y: float, turn: int, width: float, height: float) -> tuple[float, float]:
    """Where (x, y) of a `width` x `height` frame lands once the frame is turned `turn` degrees
    counter-clockwise (as `np.rot90` turns an image)."""
    if turn == 90:
        return y, width - x
    if turn == 180:
        return width - x, height - y
    if turn == 270:
        return height - y, x
    return x, y


def turn_box(box: BBox, turn: int, width: float, height: float) -> BBox:
    ax, ay = turn_point(box[0], box[1], turn, width, height)
    bx, by = turn_point(box[2], box[3], turn, width, height)
    return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def turn_words(words: Sequence[Word], turn: int, width: float, height: float) -> list[Word]:
    return [replace(w, bbox=turn_box(w.bbox, turn, width, height)) for w in words]


def turn_rulings(rulings: Sequence[Ruling], turn: int, width: float, height: float) -> list[Ruling]:
    turned = []
    for r in rulings:
        x0, y0 = turn_point(r.x0, r.y0, turn, width, height)
        x1, y1 = turn_point(r.x1, r.y1, turn, width, height)
        turned.append(Ruling(x0, y0, x1, y1))
    return turned


def upright_sideways_page(page: Page) -> tuple[Page, int]:
    """A text-layer page whose text mostly runs vertically, turned so that it reads across, and the turn
    (0, with the page as it was, when its text runs across)."""
    turn = upright_turn(page.words)
    if not turn:
        return page, 0
    w, h = page.width, page.height
    image = np.ascontiguousarray(np.rot90(page.image, k=turn // 90))
    words, rulings = turn_words(page.words, turn, w, h), turn_rulings(page.rulings, turn, w, h)
    return replace(page, image=image, words=words, rulings=rulings), turn
