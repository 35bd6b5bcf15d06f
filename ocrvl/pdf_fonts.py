"""Repairs to a PDF's font maps, made in memory before its text is read.

Some producers re-encode a subset font so that a few codes draw ligatures (`/Differences [33 /f_f_i /f_i]`) but
keep the font's original ToUnicode map, which still reads those codes as "!" and '"': every "ffi" and "fi" of
the text layer comes out as punctuation ("di!culties", '"gures'; common in papers set in Linux Libertine). The
glyph names say what is drawn; where they name a ligature, the map is made to say so too.

Word and other Windows producers map the codes of the Symbol and Wingdings fonts to private-use code points
(a bullet comes out as U+F0B7, a check box as U+F06F): the map is made to give the characters they draw.
"""

from __future__ import annotations

import re

import pymupdf

from ocrvl.symbol_fonts import PRIVATE_USE, private_use_character, symbol_table

# Ligature glyph names: Adobe's few, and the Adobe Glyph List's form for any ligature, its letters joined by "_"
# ("f_f_i", "T_h").
_NAMED_LIGATURES = {"ff": "ff", "fi": "fi", "fl": "fl", "ffi": "ffi", "ffl": "ffl"}
_JOINED_LETTERS = re.compile(r"[A-Za-z](?:_[A-Za-z])+")
_MARK = "% ocrvl: codes mapped to what their glyphs draw\n"
_TOKEN = re.compile(r"/([^\s/\[\]<>()]+)|(\d+)")
_MAP_SECTION = re.compile(r"beginbf(char|range)(.*?)endbf\1", re.S)
_MAP_TOKEN = re.compile(r"<([0-9A-Fa-f]*)>|([\[\]])")


def mend_font_maps(pdf_page: pymupdf.Page) -> None:
    """Make the ToUnicode map of each font on the page read the ligatures a simple font's /Differences name, and
    the characters of Symbol and Wingdings where it gives private-use code points."""
    doc = pdf_page.parent
    for xref, *_ in pdf_page.get_fonts():
        try:
            _mend(doc, xref)
        except (RuntimeError, ValueError):  # a broken font dictionary or map: its text is read as it stands
            continue


def _mend(doc: pymupdf.Document, xref: int) -> None:
    kind, to_unicode = doc.xref_get_key(xref, "ToUnicode")
    if kind != "xref":
        return
    cmap_xref = int(to_unicode.split()[0])
    cmap = (doc.xref_stream(cmap_xref) or b"").decode("latin-1")
    if _MARK in cmap or "endcmap" not in cmap:
        return
    mended = {f"{code:02x}": letters for code, letters in _ligature_codes(doc, xref).items()}
    table = symbol_table(doc.xref_get_key(xref, "BaseFont")[1])
    if table is not None:
        mended.update(_private_use_codes(cmap, table))
    if not mended:
        return
    entries = "".join(f"<{code}><{' '.join(f'{ord(c):04x}' for c in text)}>\n" for code, text in mended.items())
    block = f"{_MARK}{len(mended)} beginbfchar\n{entries}endbfchar\n"
    # a later mapping of a code overrides the range that mapped it before
    doc.update_stream(cmap_xref, cmap.replace("endcmap", block + "endcmap", 1).encode("latin-1"))


def _private_use_codes(cmap: str, table: dict[int, str]) -> dict[str, str]:
    """The codes (in hex, as the map writes them) that `cmap` maps to private-use code points standing for the
    font's own codes, with the characters `table` says those draw."""
    mended: dict[str, str] = {}
    for kind, body in _MAP_SECTION.findall(cmap):
        tokens = [bracket or digits for digits, bracket in _MAP_TOKEN.findall(body)]
        for code, value in _char_pairs(tokens) if kind == "char" else _range_pairs(tokens):
            character = private_use_character(value, table)
            if character is not None:
                mended[code] = character
    return mended


def _char_pairs(tokens: list[str]) -> list[tuple[str, int]]:
    """(code in hex, code point) for each `<code> <one UTF-16 unit>` of a bfchar section."""
    return [(code, int(value, 16)) for code, value in zip(tokens[::2], tokens[1::2]) if code and len(value) == 4]


def _range_pairs(tokens: list[str]) -> list[tuple[str, int]]:
    """(code in hex, code point) for the codes of a bfrange section that map to private-use code points:
    `<low> <high> <first>` maps the codes to consecutive ones, `<low> <high> [<a> <b> ...]` to those listed."""
    pairs: list[tuple[str, int]] = []
    i = 0
    while i + 2 < len(tokens):
        low, high, first = tokens[i : i + 3]
        width, start, end = len(low), int(low or "0", 16), int(high or "0", 16)
        if first == "[":
            closing = tokens.index("]", i + 3) if "]" in tokens[i + 3 :] else len(tokens)
            listed = tokens[i + 3 : closing]
            pairs += [(f"{start + n:0{width}x}", int(v, 16)) for n, v in enumerate(listed) if len(v) == 4]
            i = closing + 1
            continue
        if len(first) == 4:  # a range of a whole font's codes can be long: only its private-use part is listed
            offset = int(first, 16) - start
            lowest, highest = max(start, PRIVATE_USE[0] - offset), min(end, PRIVATE_USE[1] - offset)
            pairs += [(f"{code:0{width}x}", code + offset) for code in range(lowest, highest + 1)]
        i += 3
    return pairs


def _ligature_codes(doc: pymupdf.Document, font_xref: int) -> dict[int, str]:
    """Codes the font's /Differences give ligature glyphs, with the letters they draw."""
    kind, value = doc.xref_get_key(font_xref, "Encoding")
    if kind == "xref":
        kind, value = doc.xref_get_key(int(value.split()[0]), "Differences")
    elif kind == "dict":
        match = re.search(r"/Differences\s*(\[[^\]]*\])", value)
        kind, value = ("array", match.group(1)) if match else ("null", "")
    if kind != "array":
        return {}
    codes: dict[int, str] = {}
    code = 0
    for name, number in _TOKEN.findall(value):
        if number:
            code = int(number)
            continue
        letters = _NAMED_LIGATURES.get(name) or (name.replace("_", "") if _JOINED_LETTERS.fullmatch(name) else None)
        if letters and 0 <= code <= 0xFF:
            codes[code] = letters
        code += 1
    return codes
