"""Heading levels over the whole document (PaddleOCR-VL's ``relevel_titles``).

Levels are Markdown heading depths: the document title is 1 (``#``), top sections 2.

1. Numbering decides where there is one: ``2`` -> 2, ``2.1`` -> 3, ``IV.`` -> 2, ``A.`` -> 2 (3 under Roman
   numbered sections), ``A.1`` -> 3, ``Chapter 3`` / ``第三章`` / ``一、`` -> 2, ``第二节`` / ``（一）`` -> 3,
   ``(1)`` / ``1)`` -> one below the numbered heading before it.
2. A title that is a known section name (Abstract, References, Appendix, 摘要, 参考文献, ...) is a top section.
3. Other titles take the level of the numbered titles of the same size, size being the height of one text
   line of the title box, clustered over the whole document; sizes with no numbered title rank between
   their neighbours (larger type, higher level).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from ocrvl.types import Block

TITLE_LABELS = frozenset({"doc_title", "paragraph_title"})
TOP = 2  # Markdown level of a top section; the document title is 1
DEEPEST = 6
SIZE_TOLERANCE = 0.15  # line heights within 15% of each other count as one size
MAX_SIZES = 4  # as PaddleX's cluster_global_heights (k_clusters=4)

_LETTER = r"[^\W\d_]"
_DOTTED = re.compile(rf"^\s*(\d{{1,3}}(?:\.\d{{1,3}})*)(?:\.?\s+|\.(?={_LETTER}))(?={_LETTER})")
_LETTER_DOTTED = re.compile(rf"^\s*[A-Z]((?:\.\d{{1,3}})+)\.?\s*(?={_LETTER})")
_LETTER_ONLY = re.compile(rf"^\s*[A-Z][.)]\s*(?={_LETTER})")
_ROMAN = re.compile(r"^\s*([IVX]{1,6})(?:[.)]\s*(?=[^\W\d_])|\s+(?=[A-Z]))")
_VALID_ROMAN = re.compile(r"^X{0,3}(?:IX|IV|V?I{0,3})$")  # I to XXXIX: C. and L. are letters
_CHAPTER = re.compile(r"^\s*(?:chapter|part)\s+(?:\d+|[IVXLC]+|[a-z]+)\b", re.I)
_SECTION = re.compile(r"^\s*section\s+(\d{1,3}(?:\.\d{1,3})*)\b", re.I)
_CN_NUMERAL = "一二三四五六七八九十百零〇两"
_CN_CHAPTER = re.compile(rf"^\s*第[{_CN_NUMERAL}\d]+\s*[章部篇编卷]")
_CN_SECTION = re.compile(rf"^\s*第[{_CN_NUMERAL}\d]+\s*节")
_CN_ARTICLE = re.compile(rf"^\s*第[{_CN_NUMERAL}\d]+\s*条")
_CN_ENUM = re.compile(rf"^\s*[{_CN_NUMERAL}]+\s*[、.．]")
_CN_PAREN_ENUM = re.compile(rf"^\s*[（(][{_CN_NUMERAL}]+[）)]")
_BRACKETED = re.compile(r"^\s*(?:[（(]\d{1,3}[）)]|\d{1,3}[）)])\s*\S")

SECTION_NAMES = frozenset({
    "abstract", "summary", "contents", "tableofcontents", "introduction", "references", "reference",
    "bibliography", "acknowledgments", "acknowledgements", "acknowledgment", "acknowledgement", "appendix",
    "appendices", "conclusion", "conclusions", "keywords", "glossary", "index", "preface", "foreword",
    "摘要", "目录", "引言", "绪论", "前言", "参考文献", "附录", "致谢", "结论", "关键词",
})  # fmt: skip
_APPENDIX = re.compile(r"^\s*(?:appendix|annex)\b|^\s*附录", re.I)
_TRAILING = " \t:：.。"


def numbering_level(text: str, roman_sections: bool = False) -> int | None:
    """The heading level a title's numbering implies; None when it has none (bracketed numbers excluded)."""
    if match := _SECTION.match(text) or _DOTTED.match(text):
        return min(DEEPEST, TOP + match.group(1).count("."))
    if _CHAPTER.match(text) or _CN_CHAPTER.match(text) or _CN_ENUM.match(text):
        return TOP
    if _CN_SECTION.match(text) or _CN_PAREN_ENUM.match(text):
        return TOP + 1
    if _CN_ARTICLE.match(text):
        return TOP + 2
    if (match := _ROMAN.match(text)) and _VALID_ROMAN.match(match.group(1)):
        return TOP
    if match := _LETTER_DOTTED.match(text):
        return min(DEEPEST, TOP + match.group(1).count("."))
    if _LETTER_ONLY.match(text):
        return TOP + 1 if roman_sections else TOP
    return None


def is_section_name(text: str) -> bool:
    """Abstract, References, Appendix B, 参考文献 and the like: top sections wherever they appear."""
    key = "".join(text.strip().rstrip(_TRAILING).casefold().split())
    return key in SECTION_NAMES or bool(_APPENDIX.match(text))


def line_height(block: Block) -> float:
    """Height of one text line of the block's box.

    Engines give no line boxes, so the line count is estimated from the box shape and the text length
    (a glyph is about half as wide as a line is high); explicit line breaks count when they say more.
    """
    width, height = block.region.width, block.region.height
    text = " ".join(block.content.split())
    if width <= 0 or height <= 0 or not text:
        return max(height, 0.0)
    lines = math.sqrt(height * len(text) / (2.4 * width))
    lines = max(1, round(lines), block.content.strip().count("\n") + 1)
    return height / lines


def size_groups(heights: Sequence[float]) -> list[int]:
    """Group of each height, 0 for the largest type: close heights (within SIZE_TOLERANCE) share a group,
    at most MAX_SIZES groups (the closest neighbours merged first)."""
    order = sorted(range(len(heights)), key=lambda i: -heights[i])
    groups: list[list[int]] = []
    for i in order:
        if groups and heights[groups[-1][-1]] <= heights[i] * (1 + SIZE_TOLERANCE):
            groups[-1].append(i)
        else:
            groups.append([i])
    while len(groups) > MAX_SIZES:
        ratios = [heights[groups[g][-1]] / max(heights[groups[g + 1][0]], 1e-6) for g in range(len(groups) - 1)]
        g = ratios.index(min(ratios))
        groups[g : g + 2] = [groups[g] + groups[g + 1]]
    result = [0] * len(heights)
    for g, members in enumerate(groups):
        for i in members:
            result[i] = g
    return result


def _group_levels(groups: list[int], known: dict[int, int]) -> dict[int, int]:
    """Level per size group: the most common known level in it, else one below the nearest larger group
    that has one (or one above the nearest smaller one), else by rank."""
    votes: dict[int, Counter] = {}
    for i, level in known.items():
        votes.setdefault(groups[i], Counter())[level] += 1
    anchored = {g: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for g, c in votes.items()}
    levels: dict[int, int] = {}
    for g in range(max(groups, default=-1) + 1):
        if g in anchored:
            levels[g] = anchored[g]
            continue
        larger = [h for h in anchored if h < g]
        smaller = [h for h in anchored if h > g]
        if larger:
            levels[g] = anchored[max(larger)] + 1
        elif smaller:
            levels[g] = max(TOP, anchored[min(smaller)] - 1)
        else:
            levels[g] = TOP + g
        levels[g] = min(DEEPEST, levels[g])
    return levels


def assign_heading_levels(blocks: Sequence[Block]) -> None:
    """Set ``heading_level`` on every title of the document (all its blocks, in reading order)."""
    titles = [b for b in blocks if b.label in TITLE_LABELS and b.content.strip()]
    sections = [b for b in titles if b.label == "paragraph_title"]
    roman = any(
        (m := _ROMAN.match(b.content)) and _VALID_ROMAN.match(m.group(1)) and not _DOTTED.match(b.content)
        for b in sections
    )
    known: dict[int, int] = {}
    for i, block in enumerate(sections):
        level = numbering_level(block.content, roman)
        if level is None and is_section_name(block.content):
            level = TOP
        if level is not None:
            known[i] = level
    groups = size_groups([line_height(b) for b in sections])
    by_size = _group_levels(groups, known)
    parent = TOP  # level of the last title that is not a bracketed item
    for i, block in enumerate(sections):
        if i not in known and _BRACKETED.match(block.content):
            block.heading_level = min(DEEPEST, max(TOP + 1, parent + 1))
            continue
        block.heading_level = parent = known[i] if i in known else by_size[groups[i]]
    for block in titles:
        if block.label == "doc_title":
            block.heading_level = 1
