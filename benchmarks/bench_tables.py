"""Born-digital tables without ruling lines, ocrvl lite beside pymupdf4llm: TEDS of each and pages/s.

    python benchmarks/bench_tables.py [--eval-dir ../shared/eval] [--pages 24] [--keep DIR]

The dev split's government tables are mostly ruled, so this benchmark sets its own: one-page PDFs typeset here
with PyMuPDF in the manner of statistical releases, each a table under its title ("Table 7. ...") and above a
source note: a label column (some labels indented as subcategories) and two to six columns of figures set flush
right under headers that are often wider than the figures, entries missing as "-", "(X)" or "n/a", columns
spaced evenly across the page (so the last one stands far from the others), and at most a rule under the
header row. The reference is the table as typeset; score.py's TEDS compares each tool's table with it.
"""

from __future__ import annotations

import html
import random
import shutil
import tempfile
from pathlib import Path

import bench_lite
import numpy as np
import pymupdf

from ocrvl import PaddleOCRVL

_TERMS = (
    "total population households income employment services public private agency federal state county regional "
    "annual average median program funding expenditure revenue grants loans housing education health transport "
    "energy water agriculture manufacturing retail other"
).split()
_HEADS = ("Total", "Percent", "Change", "Amount", "Number", "Share", "Rate")
_MISSING = ("-", "(X)", "n/a")


def _label(rng: random.Random) -> str:
    return " ".join(rng.choice(_TERMS) for _ in range(rng.randint(1, 3))).capitalize()


def _figure(rng: random.Random, kind: int) -> str:
    if rng.random() < 0.06:
        return rng.choice(_MISSING)
    value = rng.uniform(0, 10 ** rng.randint(1, 6))
    return (f"{value:,.0f}", f"{value % 100:.1f}", f"{value:,.2f}")[kind]


def table_page(seed: int) -> tuple[pymupdf.Document, str]:
    """A one-page PDF holding one borderless table, and the table as HTML."""
    rng = random.Random(seed)
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    font, size = rng.choice(["helv", "tiro"]), rng.choice([8, 8.5, 9, 10])
    title = f"Table {seed + 1}. {_label(rng)} by {_label(rng).lower()}, {rng.randint(1990, 2020)}"
    page.insert_textbox(pymupdf.Rect(60, 60, 552, 100), title, fontsize=size + 1, fontname="hebo")
    columns = rng.randint(3, 7)
    kinds = [rng.randint(0, 2) for _ in range(columns)]
    header = ["Item"] + [rng.choice(_HEADS) + (f" {rng.randint(2000, 2020)}" if rng.random() < 0.5 else "")
                         for _ in range(columns - 1)]  # fmt: skip
    rows = [(rng.random() < 0.3, [_label(rng)] + [_figure(rng, kinds[c]) for c in range(1, columns)])
            for _ in range(rng.randint(6, 18))]  # fmt: skip
    label_width, column_width = 150.0, (612 - 120 - 150) / (columns - 1)
    leading = size * rng.choice([1.3, 1.5, 1.8])

    def put(text: str, column: int, y: float, bold: bool = False, indent: float = 0.0) -> None:
        name = "hebo" if bold else font
        x0 = 60 + (0 if column == 0 else label_width + (column - 1) * column_width)
        x1 = x0 + (label_width if column == 0 else column_width) - 8
        x = x0 + indent if column == 0 else x1 - pymupdf.get_text_length(text, fontname=name, fontsize=size)
        page.insert_text((x, y), text, fontsize=size, fontname=name)

    y = 90 + leading
    for column, head in enumerate(header):
        put(head, column, y, bold=True)
    if rng.random() < 0.5:
        page.draw_line((60, y + 4), (552, y + 4), width=0.5)
    for indented, cells in rows:
        y += leading
        for column, text in enumerate(cells):
            put(text, column, y, indent=10 if indented else 0)
    note = "Source: " + " ".join(rng.choice(_TERMS) for _ in range(30)) + "."
    page.insert_textbox(pymupdf.Rect(60, y + 1.5 * leading, 552, y + 80), note, fontsize=size - 1, fontname=font)
    cells = "".join(
        "<tr>" + "".join(f"<td>{html.escape(text)}</td>" for text in row) + "</tr>"
        for row in [header] + [cells for _, cells in rows]
    )
    return doc, f"<table>{cells}</table>"


def main() -> None:
    args = bench_lite.typeset_arguments(__doc__.splitlines()[0], 24, "tables to typeset")
    scorer = bench_lite.load_scorer(args.eval_dir)
    work = args.keep or Path(tempfile.mkdtemp(prefix="ocrvl-tables-"))
    work.mkdir(parents=True, exist_ok=True)
    truths = {}
    for seed in range(args.pages):
        doc, truth = table_page(seed)
        doc.save(work / f"table_{seed:02d}.pdf")
        truths[f"table_{seed:02d}"] = truth
    parser = PaddleOCRVL(engine="lite")
    tools = [bench_lite.Tool("ocrvl lite", bench_lite.ocrvl_reader(parser))]
    tools.append(bench_lite.Tool("pymupdf4llm", bench_lite.pymupdf4llm_read))
    parser.predict(work / "table_00.pdf")  # models loaded and warm before timing
    bench_lite.run_interleaved(tools, [(stem, work / f"{stem}.pdf") for stem in truths], rounds=1)

    print(f"\n{'page':<12}" + "".join(f"{tool.name:>16}" for tool in tools) + "   TEDS")
    teds = {tool.name: [] for tool in tools}
    for stem, truth in truths.items():
        for tool in tools:
            text = tool.texts[stem][0]
            teds[tool.name].append(scorer.table_scores(text, scorer.all_tables(truth))["TEDS"])
            if args.keep:
                (work / f"{stem}.{tool.name.split()[0]}.md").write_text(text)
        print(f"{stem:<12}" + "".join(f"{teds[tool.name][-1]:>16.3f}" for tool in tools))
    print(f"{'mean':<12}" + "".join(f"{float(np.mean(teds[tool.name])):>16.3f}" for tool in tools))
    bench_lite.print_table("Speed", tools, tools[-1])
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
