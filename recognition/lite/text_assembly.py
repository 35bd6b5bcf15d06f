"""Turning the words of one region into reading text: lines, paragraphs, de-hyphenation."""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Sequence

from ocrvl.cjk import joins_without_space, tidy_spacing
from ocrvl.geometry import row_overlap
from ocrvl.labels import BULLETS
from ocrvl.types import BBox, Word

# A bullet starts its own paragraph; a dash or an asterisk only with a space after it (not "-based" run on).
_ITEM_STARTS = (*BULLETS, "- ", "– ", "* ")
# A numbered item starts its own paragraph: "3.", "(2)", "（2）", "二、" (a section of a test), "B．" (an answer).
_ITEM_NUMBER = re.compile(r"^(\d{1,3}[.．、)](?!\d)|[(（]\d{1,3}[)）]|[一二三四五六七八九十]{1,3}[、．]|[A-H][.．、])")


def region_text(words: Sequence[Word]) -> str:
    """Lines top to bottom joined into paragraphs; a blank line where the vertical gap shows a break."""
    lines = _lines(words)
    if not lines:
        return ""
    heights = [b[3] - b[1] for b, _ in lines]
    typical = statistics.median(heights)
    paragraphs: list[str] = []
    current = ""
    prev_box: BBox | None = None
    for box, text in lines:
        new_paragraph = prev_box is not None and (
            box[1] - prev_box[3] > 0.9 * typical or text.startswith(_ITEM_STARTS) or bool(_ITEM_NUMBER.match(text))
        )
        if new_paragraph and current:
            paragraphs.append(current)
            current = ""
        current = _join(current, text)
        prev_box = box
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def region_lines(words: Sequence[Word]) -> str:
    """Lines top to bottom, one per line of text (the entries of a table of contents)."""
    return "\n".join(text for _, text in _lines(words))


def region_code(words: Sequence[Word], char_width: float | None) -> str:
    """Lines of a code listing, each indented by as many spaces as characters of `char_width` (the face's pitch)
    it starts right of the listing's leftmost line."""
    lines = _lines(words)
    if not lines:
        return ""
    left = min(box[0] for box, _ in lines)
    return "\n".join(" " * (round((box[0] - left) / char_width) if char_width else 0) + text for box, text in lines)


def _join(left: str, right: str) -> str:
    if not left:
        return right
    # "exam-" + "ple" -> "example"; keep real hyphens such as "state-" + "Of-the-art" capitals.
    if left.endswith("-") and len(left) > 1 and left[-2].isalpha() and right[:1].islower():
        return left[:-1] + right
    return left + right if joins_without_space(left, right) else f"{left} {right}"


def _ocr_row(words: list[Word]) -> tuple[BBox, str]:
    """OCR lines on one row as one line, without the spaces the recognizer reads in Chinese or Japanese text."""
    box, text = _line_of(words)
    return box, tidy_spacing(text)


def _lines(words: Sequence[Word]) -> list[tuple[BBox, str]]:
    """(box, text) per line, top to bottom. Text-layer words keep their stored order within a line
    (right-to-left scripts come out right); OCR lines on one baseline are ordered left to right."""
    groups: dict[int, list[Word]] = {}
    loose: list[Word] = []
    for w in words:
        if w.line >= 0:
            groups.setdefault(w.line, []).append(w)
        else:
            loose.append(w)
    lines = [_line_of(ws) for ws in groups.values()]
    lines += _rows_of(loose)
    lines = _merge_same_row(lines)
    return sorted(lines, key=lambda item: (item[0][1], item[0][0]))


def _line_of(words: list[Word]) -> tuple[BBox, str]:
    box = (
        min(w.bbox[0] for w in words),
        min(w.bbox[1] for w in words),
        max(w.bbox[2] for w in words),
        max(w.bbox[3] for w in words),
    )
    return box, " ".join(w.text for w in words)


def _rows_of(words: list[Word]) -> list[tuple[BBox, str]]:
    rows: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.bbox[1], w.bbox[0])):
        for row in rows:
            if _same_row(w.bbox, row[-1].bbox):
                row.append(w)
                break
        else:
            rows.append([w])
    return [_ocr_row(sorted(row, key=lambda w: w.bbox[0])) for row in rows]


def _merge_same_row(lines: list[tuple[BBox, str]]) -> list[tuple[BBox, str]]:
    """Text-layer lines split by the PDF producer (at a font or direction change) on one baseline become
    one, their pieces read left to right, or right to left in Arabic or Hebrew text; a bullet hanging in the margin
    left of a line joins it."""
    rows: list[list[tuple[BBox, str]]] = []
    for box, text in sorted(lines, key=lambda item: (item[0][1], item[0][0])):
        reach = 3 * (box[3] - box[1])
        for row in rows:
            first = min(row, key=lambda piece: piece[0][0])[0]
            last = max(row, key=lambda piece: piece[0][2])[0]
            after = _same_row(box, last) and 0 <= box[0] - last[2] < reach
            hanging = text in BULLETS and _same_row(box, first) and 0 <= first[0] - box[2] < reach
            if after or hanging:  # a bullet in the margin, its line sorted after the item's
                row.append((box, text))
                break
        else:
            rows.append([(box, text)])
    merged = []
    for row in rows:
        rtl = _right_to_left(" ".join(text for _, text in row))
        row.sort(key=lambda piece: -piece[0][0] if rtl else piece[0][0])
        box = (
            min(b[0] for b, _ in row),
            min(b[1] for b, _ in row),
            max(b[2] for b, _ in row),
            max(b[3] for b, _ in row),
        )
        merged.append((box, " ".join(text for _, text in row)))
    return merged


def _right_to_left(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    rtl = sum(1 for c in letters if unicodedata.bidirectional(c) in ("R", "AL"))
    return rtl > 0.5 * len(letters) if letters else False


def _same_row(a: BBox, b: BBox) -> bool:
    return row_overlap(a, b) > 0.6
