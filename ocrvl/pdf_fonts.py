"""Repairs to a PDF's font maps, made in memory before its text is read.

Some producers re-encode a subset font so that a few codes draw ligatures (`/Differences [33 /f_f_i /f_i]`) but
keep the font's original ToUnicode map, which still reads those codes as "!" and '"': every "ffi" and "fi" of
the text layer comes out as punctuation ("di!culties", '"gures'; common in papers set in Linux Libertine). The
glyph names say what is drawn; where they name a ligature, the map is made to say so too.
"""

from __future__ import annotations

import re

import pymupdf

# Ligature glyph names: Adobe's few, and the Adobe Glyph List's form for any ligature, its letters joined by "_"
# ("f_f_i", "T_h").
_NAMED_LIGATURES = {"ff": "ff", "fi": "fi", "fl": "fl", "ffi": "ffi", "ffl": "ffl"}
_JOINED_LETTERS = re.compile(r"[A-Za-z](?:_[A-Za-z])+")
_MARK = "% ocrvl: ligature codes read from /Differences\n"
_TOKEN = re.compile(r"/([^\s/\[\]<>()]+)|(\d+)")


def mend_ligature_maps(pdf_page: pymupdf.Page) -> None:
    """Make the ToUnicode map of each simple font on the page read the ligatures its /Differences names."""
    doc = pdf_page.parent
    for xref, *_ in pdf_page.get_fonts():
        try:
            _mend(doc, xref)
        except (RuntimeError, ValueError):  # a broken font dictionary or map: its text is read as it stands
            continue


def _mend(doc: pymupdf.Document, xref: int) -> None:
    kind, to_unicode = doc.xref_get_key(xref, "ToUnicode")
    ligatures = _ligature_codes(doc, xref) if kind == "xref" else {}
    if not ligatures:
        return
    cmap_xref = int(to_unicode.split()[0])
    cmap = (doc.xref_stream(cmap_xref) or b"").decode("latin-1")
    if _MARK in cmap or "endcmap" not in cmap:
        return
    entries = "".join(f"<{code:02x}><{' '.join(f'{ord(c):04x}' for c in text)}>\n" for code, text in ligatures.items())
    block = f"{_MARK}{len(ligatures)} beginbfchar\n{entries}endbfchar\n"
    # a later mapping of a code overrides the range that mapped it before
    doc.update_stream(cmap_xref, cmap.replace("endcmap", block + "endcmap", 1).encode("latin-1"))


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
