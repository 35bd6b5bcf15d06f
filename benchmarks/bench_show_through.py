"""Thin paper: pages whose other side shows through, read by ocrvl lite beside one-thread Tesseract.

    python benchmarks/bench_show_through.py [--eval-dir ../shared/eval] [--keep DIR]

The dev split has no scan of thin paper, so this benchmark makes them from its English born-digital PDFs of at
most five pages: each page is rendered grey and scanned as it is (`clean`), with the mirrored image of another
page of the split spread by the paper (a Gaussian blur of `--spread` pixels at 300 dpi, half that at 150) and
darkening it by a fifth of its ink (`show-through`), and out of focus with no show-through (`blurred`, a blur of
1.6 pixels; a scan whose own print is soft must not lose its light strokes). Pages are JPEG files at 300 and 150
dpi. Prints score.py's NED per variant and resolution for both tools, and each document's NED per variant.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import bench_lite
import numpy as np
import pymupdf
from PIL import Image, ImageFilter

from ocrvl import PaddleOCRVL

ROOT = Path(__file__).resolve().parents[1]
STRENGTH = 0.22  # how much of the other side's ink darkness shows through
VARIANTS = ("clean", "show-through", "blurred")


def rendered(path: Path, dpi: int) -> list[np.ndarray]:
    with pymupdf.open(path) as doc:
        return [
            np.frombuffer((pix := page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)).samples, np.uint8)
            .reshape(pix.height, pix.width)
            .astype(np.float32)
            for page in doc
        ]


def scanned(page: np.ndarray, variant: str, back: np.ndarray, spread: float, rng: np.random.Generator) -> bytes:
    """`page` as a JPEG scan of `variant`; `back` is the sheet's other side as it would be printed there."""
    if variant == "show-through":
        other = np.zeros_like(page) + 255
        h, w = min(page.shape[0], back.shape[0]), min(page.shape[1], back.shape[1])
        other[:h, :w] = back[:h, :w]
        seen = Image.fromarray(other[:, ::-1].astype(np.uint8)).filter(ImageFilter.GaussianBlur(spread))
        page = page - (255 - np.asarray(seen, dtype=np.float32)) * STRENGTH
    elif variant == "blurred":
        page = np.asarray(Image.fromarray(page.astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.6)), np.float32)
    page = page + rng.normal(0, 5, page.shape)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(page, 0, 255).astype(np.uint8)).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--spread", type=float, default=2.0, help="the paper's blur of the other side at 300 dpi")
    ap.add_argument("--keep", type=Path, help="write the pages and each tool's text here")
    args = ap.parse_args()
    dev = args.eval_dir / "dev"
    scorer = bench_lite.load_scorer(args.eval_dir)
    items = [
        it
        for it in json.loads((dev / "manifest.json").read_text())["items"]
        if it["kind"].startswith("born-digital") and it.get("language") == "en" and it.get("gt_markdown")
        and it.get("pages", 99) <= 5
    ]  # fmt: skip
    parser = PaddleOCRVL(engine="lite")
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        print("note: Tesseract skipped: no `tesseract` command here (Debian: apt-get install tesseract-ocr)")
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="bench-show-through-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        neds: dict[tuple[int, str, str], list[float]] = {}
        for dpi in (300, 150):
            pages_of = [rendered(dev / it["file"], dpi) for it in items]
            backs = [page for pages in pages_of for page in pages]
            for n, (item, pages) in enumerate(zip(items, pages_of)):
                row = f"{item['id'][:30]:<30} {dpi:>4} dpi"
                for variant in VARIANTS:
                    texts: dict[str, list[str]] = {"ocrvl": [], "tesseract": []}
                    for k, page in enumerate(pages):
                        path = work / f"{item['id']}_{dpi}_{variant}_{k}.jpg"
                        back = backs[(n * 7 + k + 1) % len(backs)]
                        path.write_bytes(scanned(page, variant, back, args.spread * dpi / 300, rng))
                        texts["ocrvl"].append(parser.predict(path)[0].page_markdown)
                        if tesseract:
                            env = dict(os.environ, OMP_THREAD_LIMIT="1")
                            done = subprocess.run([tesseract, str(path), "stdout"], capture_output=True, text=True,
                                                  env=env, check=True)  # fmt: skip
                            texts["tesseract"].append(done.stdout)
                    for tool, pages_text in texts.items():
                        if pages_text:
                            ned = scorer.score_item(item, dev, "\n\n".join(pages_text))["NED"]
                            neds.setdefault((dpi, variant, tool), []).append(ned)
                            row += f"  {variant[:6]} {tool[:5]} {ned:.3f}"
                print(row)
        print(f"\n{'variant':<14}{'dpi':>5}{'ocrvl lite':>12}{'Tesseract':>12}   mean NED over {len(items)} documents")
        for dpi in (300, 150):
            for variant in VARIANTS:
                ours = np.mean(neds[(dpi, variant, "ocrvl")])
                theirs = neds.get((dpi, variant, "tesseract"))
                print(f"{variant:<14}{dpi:>5}{ours:>12.3f}" + (f"{np.mean(theirs):>12.3f}" if theirs else ""))


if __name__ == "__main__":
    main()
