"""What the codes of the Symbol and Wingdings fonts draw, as Unicode characters.

Word and other Windows producers write these fonts' characters into a PDF's ToUnicode maps as private-use code
points, U+F000 plus the font's own code (U+F0B7 for Symbol's bullet, U+F06E for Wingdings' black square), which
mean nothing to a reader. Symbol's codes follow Adobe's Symbol encoding; of Wingdings only the marks that start
list items or fill check boxes (bullets, squares, diamonds, arrows, check marks, circled numbers) and a few other
common signs are given.
"""

from __future__ import annotations

import re

_UNMAPPED = "\0"


def _codes(first: int, characters: str) -> dict[int, str]:
    return {first + i: c for i, c in enumerate(characters) if c != _UNMAPPED}


# 0x60 is a radical's extender and 0xF0 Apple's logo: no Unicode character draws them.
SYMBOL: dict[int, str] = {
    **_codes(0x20, " !∀#∃%&∋()∗+,−./0123456789:;<=>?≅ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ[∴]⊥_\0αβχδεφγηιϕκλμνοπθρστυϖωξψζ{|}∼"),
    **_codes(0xA0, "€ϒ′≤⁄∞ƒ♣♦♥♠↔←↑→↓°±″≥×∝∂•÷≠≡≈…⏐⎯↵ℵℑℜ℘⊗⊕∅∩∪⊃⊇⊄⊂⊆∈∉∠∇®©™∏√⋅¬∧∨⇔⇐⇑⇒⇓◊⟨®©™∑⎛⎜⎝⎡⎢⎣⎧⎨⎩⎪\0⟩∫⌠⎮⌡⎞⎟⎠⎤⎥⎦⎫⎬⎭"),
}

WINGDINGS: dict[int, str] = {
    0x20: " ", 0x22: "✂", 0x28: "☎", 0x2A: "✉", 0x3F: "✍", 0x41: "✌", 0x45: "☜", 0x46: "☞", 0x4A: "☺", 0x4C: "☹",
    0x51: "✈",
    **_codes(0x6C, "●❍■□\0❑❒⬧⧫◆❖⬥"),
    **_codes(0x80, "⓪①②③④⑤⑥⑦⑧⑨⑩⓿❶❷❸❹❺❻❼❽❾❿"),
    **_codes(0x9E, "·•▪○\0\0◉◎\0▪◻\0✦★"),
    0xD8: "➢", 0xDC: "➲", 0xE8: "➔",
    **_codes(0xEF, "⇦⇨⇧⇩"),
    **_codes(0xFB, "✗✓☒☑"),
}  # fmt: skip

# The code points producers write for the fonts' codes 0x20-0xFF.
PRIVATE_USE = (0xF020, 0xF0FF)


def symbol_table(base_font: str) -> dict[int, str] | None:
    """The code table of the font called `base_font` (a PDF's /BaseFont, maybe with a subset prefix and a style
    or encoding suffix: "ABCDEF+SymbolMT-Identity-H"), None for any other font. Wingdings 2 and 3 draw other
    marks at the same codes and are not known."""
    name = re.sub(r"[^a-z0-9]", "", base_font.rpartition("+")[2].lower())
    if name.startswith("symbol"):
        return SYMBOL
    if name.startswith("wingdings") and not name.startswith(("wingdings2", "wingdings3")):
        return WINGDINGS
    return None


def private_use_character(code_point: int, table: dict[int, str]) -> str | None:
    """What the private-use `code_point` (U+F020-U+F0FF) that a producer wrote for one of `table`'s font codes
    draws; None for any other code point, or a code the table does not know."""
    if not PRIVATE_USE[0] <= code_point <= PRIVATE_USE[1]:
        return None
    return table.get(code_point - 0xF000)
