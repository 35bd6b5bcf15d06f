"""Spacing in Chinese and Japanese text: none where a line wraps, none the OCR recognizer adds by itself.

Chinese and Japanese set no space between words, so a line that wraps in mid-sentence goes on without one. A
full-width punctuation mark ("，", "、", "（") carries its own white, which the recognizer tends to read as a space
beside it, and it spaces out the digits of a number next to the characters ("2 02 3 年"). A space between two
characters or between a number and a character may be the typesetter's ("第三章 总则", "3.1 基本概念") and is
kept. Korean, which sets spaces between words, is not touched.
"""

from __future__ import annotations

import re

# Ideographs, kana, CJK punctuation and full-width forms.
_CJK = "\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_CHAR = re.compile(f"[{_CJK}]")
# Full-width punctuation: the CJK symbols block and the punctuation of the full-width forms (not their letters).
# A space beside one goes where the other side is a CJK character or a digit (Korean sets spaces around 「」).
_MARKS = "\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
_SPACE_AT_MARK = re.compile(rf"(?<=[{_MARKS}])\s+(?=[{_CJK}\d])|(?<=[{_CJK}\d])\s+(?=[{_MARKS}])")
_OPENING, _CLOSING = "（［【「『〔〈《(", "）］】」』〕〉》)"
# A number spaced out ("1 00", "2 02 3") right before or after a CJK character, with any space beside it.
_SPACED_NUMBER = re.compile(rf"(?<=[{_CJK}])\s*\d+(?:\s\d+)+|\d+(?:\s\d+)+\s*(?=[{_CJK}])")


# The characters of Chinese and Japanese writing themselves: ideographs and kana, not the punctuation.
_WRITING_CHAR = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def is_cjk(char: str) -> bool:
    return bool(_CJK_CHAR.match(char))


def is_cjk_writing(char: str) -> bool:
    """An ideograph or a kana (the full-width punctuation and forms that any script's OCR may give are not)."""
    return bool(_WRITING_CHAR.match(char))


def joins_without_space(left: str, right: str) -> bool:
    """Whether a line ending in `left` runs on into one starting with `right` with no space between: a CJK
    character on one side, a CJK character or a digit on the other."""
    if not left or not right:
        return False
    last, first = left[-1], right[0]
    return (is_cjk(last) and (is_cjk(first) or first.isdigit())) or (last.isdigit() and is_cjk(first))


def tidy_spacing(text: str) -> str:
    """One line's text without the spaces an OCR recognizer reads beside full-width punctuation and inside a
    number next to CJK characters."""
    text = _SPACED_NUMBER.sub(lambda match: re.sub(r"\s", "", match.group()), text)
    return _SPACE_AT_MARK.sub(lambda match: _blank_or_nothing(match, text), text)


def _blank_or_nothing(match: re.Match[str], text: str) -> str:
    """An empty pair of brackets keeps one space: the blank a test leaves for the answer ("（ ）")."""
    inside = (
        match.start() > 0 and text[match.start() - 1] in _OPENING and text[match.end() : match.end() + 1] in _CLOSING
    )
    return " " if inside else ""
