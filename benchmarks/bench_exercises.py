"""Exercise pages as scans (numbered items in columns, numbered across the rows), ocrvl lite beside Tesseract: NED.

    python benchmarks/bench_exercises.py [--eval-dir ../shared/eval] [--pages 4] [--keep DIR]

The dev split has no page of exercises, so this benchmark sets its own with PyMuPDF: a heading, an instruction,
then 14 rows of exercises drawn from a small grammar ("Solve for x: 3x + 5 = 20", "Expand (2x - 1)(x + 4)"),
two or three to a row, numbered across the rows (1, 2, 3 on the first row), rows set close or far apart. They are
scanned at 150 dpi (grey, with noise, turned by up to 0.5 degrees). The reference is the text as typeset, the
exercises in their numbers' order; score.py's NED compares each tool's text with it. Tesseract (one thread) runs
where the `tesseract` command is present.
"""

from __future__ import annotations

import random

import bench_lite
import pymupdf
from PIL import Image

SCAN_DPI = 150
EXERCISES = (
    "Solve for x: {a}x + {b} = {c}",
    "Simplify {a}(x + {b}) - {c}x",
    "Factor x^2 + {a}x + {b}",
    "Evaluate {a}/{b} + {c}/{a}",
    "Expand ({a}x - {b})(x + {c})",
    "Round {c}.{a}{b} to one decimal place",
    "Write {a}{b}{c} in words",
)


def exercise_page(columns: int, rng: random.Random) -> tuple[pymupdf.Document, list[str]]:
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    heading = f"Exercises {rng.randint(1, 9)}.{rng.randint(1, 9)}"
    instruction = "Answer each question. Show your working."
    page.insert_text((60, 70), heading, fontsize=16, fontname="hebo")
    page.insert_text((60, 95), instruction, fontsize=11, fontname="helv")
    reference, width, step = [f"# {heading}", instruction], (595 - 120) / columns, rng.choice([26, 40])
    for n in range(14 * columns):
        row, column = divmod(n, columns)
        text = rng.choice(EXERCISES).format(a=rng.randint(2, 9), b=rng.randint(1, 9), c=rng.randint(10, 40))
        item = f"{n + 1}. {text}"
        while pymupdf.get_text_length(item, fontsize=10.5) > width - 12:
            item = item.rsplit(" ", 1)[0]
        page.insert_text((60 + column * width, 130 + row * step), item, fontsize=10.5, fontname="helv")
        reference.append(item)
    return doc, reference


def scanned(doc: pymupdf.Document, seed: int) -> Image.Image:
    return bench_lite.grey_scan(doc, SCAN_DPI, 0.5, 8, seed)


def main() -> None:
    args = bench_lite.typeset_arguments(__doc__.splitlines()[0], 4, "pages of each kind")
    rng = random.Random(5)
    makers = {"two_columns": lambda n: exercise_page(2, rng), "three_columns": lambda n: exercise_page(3, rng)}
    bench_lite.typeset_beside_peers(args, makers, scanned, SCAN_DPI, "ocrvl-exercises-", bench_lite.tesseract_peers())


if __name__ == "__main__":
    main()
