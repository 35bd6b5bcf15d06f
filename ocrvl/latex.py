"""How ocrvl writes math: the delimiter rule shared by the recognizer's clean-up and the Markdown writer."""

from __future__ import annotations

import re


def strip_math_delimiters(text: str) -> str:
    """`text` without any math delimiters: how a formula number such as "(3.1)" is stored.

    PaddleX drops the ``$`` of formula numbers only when it converted ``\\(`` delimiters; here always."""
    return re.sub(r"\\[()\[\]]|\$", "", text).strip()


# Unicode mathematics as LaTeX commands: what a born-digital PDF's text layer gives for a formula's symbols.
_GREEK = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho varsigma sigma tau "
    "upsilon phi chi psi omega"
).split()
_SYMBOLS: dict[str, str] = {
    **{chr(0x3B1 + i): "\\" + name for i, name in enumerate(_GREEK) if name != "omicron"},
    "ο": "o",
    **{chr(0x391 + i): "\\" + name.capitalize() for i, name in enumerate(_GREEK)
       if name.capitalize() in ("Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi",
                                "Omega")},  # fmt: skip
    "ϵ": "\\epsilon", "ε": "\\varepsilon", "ϑ": "\\vartheta", "ϕ": "\\phi", "φ": "\\varphi", "ϱ": "\\varrho",
    "ϖ": "\\varpi", "ℓ": "\\ell", "ℏ": "\\hbar", "ı": "\\imath", "ȷ": "\\jmath", "℘": "\\wp",
    "∑": "\\sum", "∏": "\\prod", "∐": "\\coprod", "∫": "\\int", "∬": "\\iint", "∭": "\\iiint", "∮": "\\oint",
    "⋃": "\\bigcup", "⋂": "\\bigcap", "⨁": "\\bigoplus", "⨂": "\\bigotimes", "⋁": "\\bigvee", "⋀": "\\bigwedge",
    "≤": "\\leq", "≥": "\\geq", "≠": "\\neq", "≈": "\\approx", "≡": "\\equiv", "∼": "\\sim", "≃": "\\simeq",
    "≅": "\\cong", "∝": "\\propto", "≪": "\\ll", "≫": "\\gg", "≺": "\\prec", "≻": "\\succ", "⊥": "\\perp",
    "∈": "\\in", "∉": "\\notin", "∋": "\\ni", "⊂": "\\subset", "⊃": "\\supset", "⊆": "\\subseteq",
    "⊇": "\\supseteq", "∪": "\\cup", "∩": "\\cap", "∖": "\\setminus", "∅": "\\emptyset", "∀": "\\forall",
    "∃": "\\exists", "¬": "\\neg", "∧": "\\wedge", "∨": "\\vee", "⊕": "\\oplus", "⊗": "\\otimes", "⊙": "\\odot",
    "∘": "\\circ", "∙": "\\bullet", "⋆": "\\star", "†": "\\dagger", "±": "\\pm", "∓": "\\mp", "×": "\\times",
    "÷": "\\div", "·": "\\cdot", "⋅": "\\cdot", "−": "-", "∗": "*", "∞": "\\infty", "∂": "\\partial",
    "∇": "\\nabla", "√": "\\surd", "′": "'", "″": "''", "…": "\\ldots", "⋯": "\\cdots", "⋮": "\\vdots",
    "⋱": "\\ddots", "→": "\\rightarrow", "←": "\\leftarrow", "↔": "\\leftrightarrow", "⇒": "\\Rightarrow",
    "⇐": "\\Leftarrow", "⇔": "\\Leftrightarrow", "↦": "\\mapsto", "↑": "\\uparrow", "↓": "\\downarrow",
    "⟨": "\\langle", "⟩": "\\rangle", "⌊": "\\lfloor", "⌋": "\\rfloor", "⌈": "\\lceil", "⌉": "\\rceil",
    "∥": "\\|", "‖": "\\|", "ℝ": "\\mathbb{R}", "ℕ": "\\mathbb{N}", "ℤ": "\\mathbb{Z}", "ℚ": "\\mathbb{Q}",
    "ℂ": "\\mathbb{C}", "ℙ": "\\mathbb{P}", "𝔼": "\\mathbb{E}", "ℒ": "\\mathcal{L}", "ℋ": "\\mathcal{H}",
    "ℱ": "\\mathcal{F}", "°": "^{\\circ}",
    # the pieces TeX builds a tall bracket from: the top piece stands for the bracket, the rest for nothing
    "⎛": "(", "⎜": "", "⎝": "", "⎞": ")", "⎟": "", "⎠": "", "⎡": "[", "⎢": "", "⎣": "", "⎤": "]", "⎥": "",
    "⎦": "", "⎧": "\\{", "⎨": "", "⎩": "", "⎪": "", "⎫": "\\}", "⎬": "", "⎭": "", "⎮": "", "⎰": "", "⎱": "",
    "{": "\\{", "}": "\\}", "%": "\\%", "#": "\\#", "&": "\\&", "_": "\\_", "$": "\\$", "\\": "\\backslash",
    "^": "\\hat{}", "~": "\\sim",
}  # fmt: skip
BIG_OPERATORS = frozenset("∑∏∐∫∬∭∮⋃⋂⨁⨂⋁⋀")
RELATIONS = frozenset("=<>≤≥≠≈≡∼≃≅∝≪≫≺≻∈∉∋⊂⊃⊆⊇→←↔⇒⇐⇔↦")
OPERATORS = frozenset("+−-±∓×÷·⋅∗/∘⊕⊗∪∩∧∨")
# Named functions set upright in a formula ("sin x"): written as their LaTeX operators.
FUNCTION_NAMES = frozenset(
    "sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh log ln lg exp lim sup inf max min arg det dim "
    "ker deg gcd Pr".split()
)
# Accents over a letter, combining or spacing, as the text layer gives them: LaTeX's accent commands.
ACCENTS: dict[str, str] = {
    "\u0302": "hat", "\u02c6": "hat", "\u0303": "tilde", "\u02dc": "tilde", "\u0304": "bar", "\u0305": "bar",
    "\u00af": "bar", "\u02c9": "bar", "\u20d7": "vec", "\u0307": "dot", "\u02d9": "dot", "\u0308": "ddot",
    "\u00a8": "ddot", "\u030c": "check", "\u02c7": "check", "\u0306": "breve", "\u02d8": "breve",
    "\u0301": "acute", "\u00b4": "acute", "\u0300": "grave",
}  # fmt: skip
# Named functions that take limits under them in a display ("\\lim_{x \\to 0}", "\\max_{i}").
LIMIT_FUNCTIONS = frozenset("lim sup inf max min".split())
# Fonts that set mathematics: TeX's math italic, symbols and extensions (and their clones), the math faces of
# Word, STIX and the TeX Gyre families, and the Symbol font.
_MATH_FONT = re.compile(
    r"^(?:[A-Z]{6}\+)?(?:cmmi|cmsy|cmex|cmbsy|cmmib|msam|msbm|eufm|rsfs|txmi|txsy|txex|pxmi|pxsy|ntxmi|ntxsy|"
    r"newtxmi|stixmath|stix.*math|.*math|mtmi|mtsy|mtex|symbol|euclid|mt ?extra|lmmath|lmmi|lmsy)",
    re.IGNORECASE,
)


_ITALIC_FONT = re.compile(r"italic|oblique|-It\b|^(?:[A-Z]{6}\+)?(?:cmti|cmmi|sfti)", re.IGNORECASE)


def is_italic_font(font: str) -> bool:
    """Whether `font` is an italic face, TeX's text and math italics among them."""
    return bool(_ITALIC_FONT.search(font))


def is_math_font(font: str) -> bool:
    """Whether text in `font` is set as mathematics (a math italic, symbol or extension font)."""
    return bool(_MATH_FONT.match(font.replace(" ", "").replace("-", "")))


def latex_symbol(char: str) -> str:
    """`char` as LaTeX source: a command for a mathematical symbol, an escape for a special character."""
    return _SYMBOLS.get(char, char)
