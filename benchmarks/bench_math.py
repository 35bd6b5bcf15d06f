"""Display formulas in born-digital PDFs, ocrvl lite beside pymupdf4llm: the olmOCR-bench math check and fNED.

    pip install -e ".[bench]"     # matplotlib, whose mathtext typesets the formulas
    python benchmarks/bench_math.py [--eval-dir ../shared/eval] [--pages 24] [--keep DIR]

The dev split has one born-digital formula, so this benchmark sets its own: `--pages` one-page PDFs, each a
paragraph of prose, a display formula and another paragraph. The formulas are drawn at random from a small
grammar (exponents and indices, fractions, square roots, sums and integrals with limits, Greek letters, named
functions, relations, accents, bold letters, brackets sized to their content) and typeset by matplotlib's
mathtext, a TeX layout engine this project does not share, in its STIX and DejaVu faces, taking turns. (Its
Computer Modern face is left out: matplotlib writes those glyphs without their Unicode meaning, so no tool can
read them from the text layer.) Mathtext draws \\epsilon as U+03B5, which TeX and Unicode call \\varepsilon:
ocrvl writes what the glyph is, so a formula with \\epsilon can only pass the check by being long enough.

Each tool's Markdown is scored with score.py against the LaTeX the formula was typeset from: the olmOCR-bench
math check (pass: some formula in the Markdown equals the reference once both are normalized, or nearly) and
fNED (the edit distance of the closest formula, whitespace-free; 1 when the Markdown has none).
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import bench_lite
import numpy as np

from ocrvl import PaddleOCRVL

_VARIABLES = "abcdxyzkmnpqrstuvw"
_GREEK = ("alpha", "beta", "gamma", "delta", "lambda", "mu", "sigma", "theta", "omega", "phi", "pi", "epsilon")
_FUNCTIONS = ("sin", "cos", "log", "exp")
_RELATIONS = ("=", "=", r"\leq", r"\geq", r"\approx", "<", r"\neq", r"\equiv")
_OPERATORS = ("+", "-", "+", r"\cdot", r"\times")
_ACCENTS = ("hat", "bar", "tilde", "vec", "dot")
_FACES = ("stix", "dejavusans")
_PROSE = (
    "The quantity defined below is used throughout the remainder of this section, where each of its terms is "
    "estimated from the observations described in the previous chapter."
)


class _Grammar:
    """Random formulas in the LaTeX that mathtext reads, written as a paper's author would."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def symbol(self) -> str:
        if self.rng.random() < 0.25:
            return "\\" + self.rng.choice(_GREEK)
        return self.rng.choice(_VARIABLES)

    def pick(self, *choices: tuple[float, Callable[[], str]]) -> str:
        """One of the choices, each made with its probability; the last takes what the others leave."""
        roll = self.rng.random()
        for share, make in choices:
            if roll < share:
                return make()
            roll -= share
        return choices[-1][1]()

    def atom(self) -> str:
        rng = self.rng
        base = self.symbol()
        if rng.random() < 0.1:
            base = f"\\{rng.choice(_ACCENTS)}{{{rng.choice(_VARIABLES)}}}"
        elif rng.random() < 0.05:
            base = f"\\mathbf{{{rng.choice(_VARIABLES)}}}"
        return self.pick(
            (0.25, lambda: f"{base}^{{{rng.randint(2, 4)}}}"),
            (0.2, lambda: f"{base}_{{{rng.choice('ijkn0123')}}}"),
            (0.1, lambda: f"{base}_{{{rng.choice('ijk')}}}^{{{rng.randint(2, 3)}}}"),
            (0.1, lambda: f"\\{rng.choice(_FUNCTIONS)}({self.symbol()})"),
            (0.07, lambda: f"{rng.randint(2, 9)} {base}"),
            (0.28, lambda: base),
        )

    def small(self) -> str:
        terms = [self.atom() for _ in range(self.rng.randint(1, 2))]
        return f" {self.rng.choice(_OPERATORS)} ".join(terms)

    def term(self) -> str:
        return self.pick(
            (0.06, lambda: f"\\left({self.small()}\\right)^{{{self.rng.randint(2, 3)}}}"),
            (0.14, lambda: f"\\frac{{{self.small()}}}{{{self.small()}}}"),
            (0.1, lambda: f"\\sqrt{{{self.small()}}}"),
            (0.7, self.atom),
        )

    def expression(self) -> str:
        terms = [self.term() for _ in range(self.rng.randint(1, 3))]
        return "".join(f" {self.rng.choice(_OPERATORS)} {t}" if k else t for k, t in enumerate(terms))

    def formula(self) -> str:
        rng = self.rng
        roll = rng.random()
        right = self.expression()
        relation = rng.choice(_RELATIONS)
        if roll < 0.2:
            index = rng.choice("ijk")
            left = f"\\sum_{{{index}=1}}^{{{rng.choice('nmN')}}} {self.symbol()}_{{{index}}}"
        elif roll < 0.35:
            upper = rng.choice(("1", "T", "\\infty"))
            left = f"\\int_{{0}}^{{{upper}}} {self.term()} d{rng.choice('xt')}"
        else:
            left = self.expression()
        return f"{left} {relation} {right}"


def typeset(latex: str, face: str, path: Path) -> None:
    """A one-page PDF: prose, the formula centred on a line of its own, prose."""
    import matplotlib

    matplotlib.use("pdf")
    import matplotlib.pyplot as plt

    matplotlib.rcParams.update({"mathtext.fontset": face, "pdf.fonttype": 42})
    figure = plt.figure(figsize=(8.5, 11))
    figure.text(0.1, 0.9, _wrapped(_PROSE, 90), fontsize=11, va="top", linespacing=1.5)
    figure.text(0.5, 0.78, f"${latex}$", fontsize=14, ha="center", va="center")
    figure.text(0.1, 0.72, _wrapped(_PROSE, 90), fontsize=11, va="top", linespacing=1.5)
    figure.savefig(path)
    plt.close(figure)


def _wrapped(text: str, width: int) -> str:
    lines, line = [], ""
    for word in text.split():
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def main() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        sys.exit('bench_math: matplotlib typesets the formulas; install it with  pip install -e ".[bench]"')
    args = bench_lite.typeset_arguments(__doc__.splitlines()[0], 24, "formulas to typeset")
    scorer = bench_lite.load_scorer(args.eval_dir)
    work = args.keep or Path(tempfile.mkdtemp(prefix="ocrvl-math-"))
    work.mkdir(parents=True, exist_ok=True)
    truths: dict[str, str] = {}
    for seed in range(args.pages):
        stem = f"formula_{seed:02d}"
        truths[stem] = _Grammar(random.Random(seed)).formula()
        typeset(truths[stem], _FACES[seed % len(_FACES)], work / f"{stem}.pdf")
    parser = PaddleOCRVL(engine="lite", ocr_model=args.ocr_model)
    tools = [bench_lite.Tool("ocrvl lite", bench_lite.ocrvl_reader(parser))]
    tools.append(bench_lite.Tool("pymupdf4llm", bench_lite.pymupdf4llm_reader()))
    parser.predict(work / "formula_00.pdf")  # models loaded and warm before timing
    bench_lite.run_interleaved(tools, [(stem, work / f"{stem}.pdf") for stem in truths], rounds=1)

    passed: dict[str, list[bool]] = {tool.name: [] for tool in tools}
    fned: dict[str, list[float]] = {tool.name: [] for tool in tools}
    print(f"\n{'page':<12}" + "".join(f"{tool.name:>14}" for tool in tools) + "   fNED, * = math check passed")
    for stem, latex in truths.items():
        row = f"{stem:<12}"
        for tool in tools:
            text = tool.texts[stem][0]
            ok = scorer.run_olm_test({"type": "math", "math": latex}, text)
            reference = scorer._latex_norm(latex)
            distance = min(scorer.ned(scorer._latex_norm(e), reference) for e in scorer.extract_math(text) or [""])
            passed[tool.name].append(ok)
            fned[tool.name].append(distance)
            row += f"{distance:>13.3f}{'*' if ok else ' '}"
            if args.keep:
                (work / f"{stem}.{tool.name.split()[0]}.md").write_text(text)
        print(row + f"   {latex}")
    print(f"\n{'tool':<16}{'math check':>12}{'fNED':>8}")
    for tool in tools:
        print(f"{tool.name:<16}{np.mean(passed[tool.name]):>12.3f}{np.mean(fned[tool.name]):>8.3f}")
    bench_lite.print_table("Speed", tools, tools[-1])
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
