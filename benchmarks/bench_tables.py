"""Born-digital tables without ruling lines, ocrvl lite beside pymupdf4llm: TEDS of each and pages/s.

    python benchmarks/bench_tables.py [--eval-dir ../shared/eval] [--pages 24] [--keep DIR]

The dev split's government tables are mostly ruled, so this benchmark sets its own: one-page PDFs typeset here
with PyMuPDF in the manner of statistical releases, each a table under its title ("Table 7. ...") and above a
source note, `--pages` of each of two kinds:

- plain: a label column (some labels indented as subcategories) and two to six columns of figures set flush
  right under headers that are often wider than the figures, entries missing as "-", "(X)" or "n/a", columns
  spaced evenly across the page (so the last one stands far from the others), and at most a rule under the
  header row;
- grouped: two or three groups of columns, each under a year centred over its columns (usually with a short
  rule under it), column heads that may wrap onto a second line, rows that may fall into sections under a
  heading of their own, and long labels wrapped onto a second, indented line that carries the row's figures.

The reference is the table as typeset; score.py's TEDS compares each tool's table with it. The grouped tables
are also read as images, as a table figure in a scanned report or an article comes: the table alone, between
its top and bottom rules, rendered grey at 110 dpi. No peer here reads a table's structure from an image, so
only ocrvl lite's TEDS is shown for those.
"""

from __future__ import annotations

import html
import random
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bench_lite
import numpy as np
import pymupdf
from PIL import Image

from ocrvl import PaddleOCRVL

_TERMS = (
    "total population households income employment services public private agency federal state county regional "
    "annual average median program funding expenditure revenue grants loans housing education health transport "
    "energy water agriculture manufacturing retail other"
).split()
_HEADS = ("Total", "Percent", "Change", "Amount", "Number", "Share", "Rate")
_MISSING = ("-", "(X)", "n/a")
_YEARS = range(2005, 2022)
_LEFT, _RIGHT = 60.0, 552.0  # the text block of a US Letter page, in points


def _label(rng: random.Random) -> str:
    return " ".join(rng.choice(_TERMS) for _ in range(rng.randint(1, 3))).capitalize()


def _figure(rng: random.Random, kind: int) -> str:
    if rng.random() < 0.06:
        return rng.choice(_MISSING)
    value = rng.uniform(0, 10 ** rng.randint(1, 6))
    return (f"{value:,.0f}", f"{value % 100:.1f}", f"{value:,.2f}")[kind]


def plain_table_page(seed: int) -> tuple[pymupdf.Document, str]:
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


def _cell(text: str, colspan: int = 1, rowspan: int = 1) -> str:
    spans = (f' colspan="{colspan}"' if colspan > 1 else "") + (f' rowspan="{rowspan}"' if rowspan > 1 else "")
    return f"<td{spans}>{html.escape(text)}</td>"


@dataclass
class _Setter:
    """Sets lines of text on a page in one face and size, each aligned within [x0, x1]."""

    page: pymupdf.Page
    font: str
    bold: str
    size: float

    def width(self, text: str, bold: bool = False) -> float:
        return pymupdf.get_text_length(text, fontname=self.bold if bold else self.font, fontsize=self.size)

    def put(self, text: str, x0: float, x1: float, y: float, bold: bool = False, align: str = "right") -> None:
        width = self.width(text, bold)
        x = {"left": x0, "right": x1 - width, "centre": (x0 + x1 - width) / 2}[align]
        self.page.insert_text((x, y), text, fontsize=self.size, fontname=self.bold if bold else self.font)

    def wrap(self, text: str, width: float, bold: bool = False) -> list[str]:
        """The text broken into lines no wider than `width` (a word wider than that gets a line of its own)."""
        lines = [""]
        for word in text.split():
            trial = f"{lines[-1]} {word}".strip()
            if lines[-1] and self.width(trial, bold) > width:
                lines.append(word)
            else:
                lines[-1] = trial
        return lines


def grouped_table_page(seed: int) -> tuple[pymupdf.Document, str]:
    """A one-page PDF holding one borderless table whose columns fall into groups under a year, and the table as
    HTML (the stub head spans both header rows, each year its group's columns)."""
    rng = random.Random(1000 + seed)
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    font = rng.choice(["helv", "tiro"])
    setter = _Setter(page, font, "hebo" if font == "helv" else "tibo", rng.choice([8, 8.5, 9]))
    leading = setter.size * rng.choice([1.25, 1.4])
    title = f"Table {seed + 1}. {_label(rng)} by {_label(rng).lower()}: {rng.randint(1990, 2020)}"
    page.insert_textbox(pymupdf.Rect(_LEFT, 50, _RIGHT, 90), title, fontsize=setter.size + 1, fontname="hebo")
    groups = rng.randint(2, 3)
    per_group = 2 if groups == 3 else rng.randint(2, 3)
    years = sorted(rng.sample(_YEARS, groups))
    heads = [h + (" (percent)" if h in ("Change", "Share", "Rate") and rng.random() < 0.7 else "")
             for h in rng.sample(_HEADS, per_group)]  # fmt: skip
    columns = 1 + groups * per_group
    kinds = [rng.randint(0, 2) for _ in range(columns)]
    label_width = 170.0
    column_width = (_RIGHT - _LEFT - label_width) / (columns - 1)

    def span(column: int) -> tuple[float, float]:
        x0 = _LEFT if column == 0 else _LEFT + label_width + (column - 1) * column_width
        return x0, x0 + (label_width if column == 0 else column_width) - 8

    y = 90 + leading
    page.draw_line((_LEFT, y - leading + 2), (_RIGHT, y - leading + 2), width=0.7)
    ruled_groups = rng.random() < 0.7
    for g, year in enumerate(years):
        x0, x1 = span(1 + g * per_group)[0], span((g + 1) * per_group)[1]
        setter.put(str(year), x0, x1, y, bold=True, align="centre")
        if ruled_groups:
            page.draw_line((x0 + 2, y + 3), (x1, y + 3), width=0.4)
    y += leading
    stub = rng.choice(["Characteristic", "Item", "Area"])
    setter.put(stub, *span(0), y, bold=True, align="left")
    head_lines = 1
    for column in range(1, columns):
        x0, x1 = span(column)
        lines = setter.wrap(heads[(column - 1) % per_group], x1 - x0, bold=True)
        for k, line in enumerate(lines):
            setter.put(line, x0, x1, y + k * leading, bold=True)
        head_lines = max(head_lines, len(lines))
    y += (head_lines - 1) * leading
    page.draw_line((_LEFT, y + 4), (_RIGHT, y + 4), width=0.5)
    rows = [_cell(stub, rowspan=2) + "".join(_cell(str(year), colspan=per_group) for year in years)]
    rows.append("".join(_cell(head) for _ in years for head in heads))

    sections = rng.randint(2, 3) if rng.random() < 0.6 else 0
    blank_every = 0 if sections else rng.choice([0, 4, 5])  # a little space after every few rows
    y += 0.3 * leading
    count = 0
    for section in range(max(sections, 1)):
        if sections:
            y += leading * (1.6 if section else 1.0)
            heading = _label(rng) + (":" if rng.random() < 0.5 else "")
            setter.put(heading, *span(0), y, bold=True, align="left")
            rows.append(_cell(heading) + _cell("") * (columns - 1))
        indent = 8 if sections else 0
        for _ in range(rng.randint(3, 7)):
            count += 1
            if blank_every and count > 1 and (count - 1) % blank_every == 0:
                y += 0.8 * leading
            label = _label(rng)
            if rng.random() < 0.15:
                label += " " + " ".join(rng.choice(_TERMS) for _ in range(5))
            x0, x1 = span(0)
            lines = setter.wrap(label, x1 - x0 - indent - 4)
            for k, line in enumerate(lines):  # wrapped on, indented a little more, the figures on its last line
                setter.put(line, x0 + indent + (6 if k else 0), x1, y + (k + 1) * leading, align="left")
            y += len(lines) * leading
            figures = [_figure(rng, kinds[c]) for c in range(1, columns)]
            for column, figure in enumerate(figures, 1):
                setter.put(figure, *span(column), y)
            rows.append(_cell(" ".join(lines)) + "".join(_cell(figure) for figure in figures))
    page.draw_line((_LEFT, y + 4), (_RIGHT, y + 4), width=0.7)
    note = "Source: " + " ".join(rng.choice(_TERMS) for _ in range(25)) + "."
    page.insert_textbox(
        pymupdf.Rect(_LEFT, y + 1.5 * leading, _RIGHT, y + 80), note, fontsize=setter.size - 1, fontname=font
    )
    return doc, "<table>" + "".join(f"<tr>{row}</tr>" for row in rows) + "</table>"


def table_image(doc: pymupdf.Document, dpi: int = 110) -> Image.Image:
    """The table of a typeset page alone (between its topmost and lowest rules), rendered grey."""
    page = doc[0]
    rules = [drawing["rect"] for drawing in page.get_drawings()]
    clip = pymupdf.Rect(_LEFT - 10, min(r.y0 for r in rules) - 4, _RIGHT + 10, max(r.y1 for r in rules) + 6)
    pix = page.get_pixmap(dpi=dpi, clip=clip, colorspace=pymupdf.csGRAY)
    return Image.frombytes("L", (pix.width, pix.height), pix.samples)


KINDS: dict[str, Callable[[int], tuple[pymupdf.Document, str]]] = {
    "plain": plain_table_page,
    "grouped": grouped_table_page,
}


def main() -> None:
    args = bench_lite.typeset_arguments(__doc__.splitlines()[0], 24, "tables of each kind to typeset")
    scorer = bench_lite.load_scorer(args.eval_dir)
    work = args.keep or Path(tempfile.mkdtemp(prefix="ocrvl-tables-"))
    work.mkdir(parents=True, exist_ok=True)
    truths: dict[str, tuple[str, str]] = {}  # stem -> (kind, reference HTML)
    for seed in range(args.pages):
        for kind, make in KINDS.items():
            doc, truth = make(seed)
            doc.save(work / f"{kind}_{seed:02d}.pdf")
            truths[f"{kind}_{seed:02d}"] = kind, truth
    parser = PaddleOCRVL(engine="lite", ocr_model=args.ocr_model)
    tools = [bench_lite.Tool("ocrvl lite", bench_lite.ocrvl_reader(parser))]
    tools.append(bench_lite.Tool("pymupdf4llm", bench_lite.pymupdf4llm_reader()))
    parser.predict(work / "plain_00.pdf")  # models loaded and warm before timing
    bench_lite.run_interleaved(tools, [(stem, work / f"{stem}.pdf") for stem in truths], rounds=1)

    print(f"\n{'page':<14}" + "".join(f"{tool.name:>16}" for tool in tools) + "   TEDS")
    teds: dict[str, dict[str, float]] = {tool.name: {} for tool in tools}
    for stem, (_, truth) in truths.items():
        for tool in tools:
            text = tool.texts[stem][0]
            teds[tool.name][stem] = scorer.table_scores(text, scorer.all_tables(truth))["TEDS"]
            if args.keep:
                (work / f"{stem}.{tool.name.split()[0]}.md").write_text(text)
        print(f"{stem:<14}" + "".join(f"{teds[tool.name][stem]:>16.3f}" for tool in tools))
    for kind in KINDS:
        stems = [stem for stem, (k, _) in truths.items() if k == kind]
        means = [float(np.mean([teds[tool.name][stem] for stem in stems])) for tool in tools]
        print(f"{kind + ' mean':<14}" + "".join(f"{mean:>16.3f}" for mean in means))
    bench_lite.print_table("Speed", tools, tools[-1])

    images = {}
    for seed in range(args.pages):
        path = work / f"grouped_image_{seed:02d}.png"
        table_image(pymupdf.open(work / f"grouped_{seed:02d}.pdf")).save(path, dpi=(110, 110))
        images[path] = truths[f"grouped_{seed:02d}"][1]
    read = bench_lite.ocrvl_reader(parser)
    image_teds = []
    for path, truth in images.items():
        text, _ = read(path)
        image_teds.append(scorer.table_scores(text, scorer.all_tables(truth))["TEDS"])
        if args.keep:
            path.with_suffix(".ocrvl.md").write_text(text)
    print(f"\nGrouped tables as images, 110 dpi: ocrvl lite mean TEDS {float(np.mean(image_teds)):.3f}")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
