"""Speed of the lite engine beside PyMuPDF's plain `get_text()`, measured in one run.

    python benchmarks/bench_lite.py [--rounds 3] [--eval-dir ../shared/eval]

Born-digital: the born-digital samples (and the corpus's born-digital PDFs when present).
Scanned: the scanned sample and the photo. Models are loaded and warmed up before timing.
Prints pages/s for both, their ratio, and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import pymupdf

from ocrvl import PaddleOCRVL

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def born_digital_files(eval_dir: Path) -> list[Path]:
    files = [SAMPLES / "born_digital.pdf", SAMPLES / "table_two_pages.pdf"]
    manifest = eval_dir / "dev" / "manifest.json"
    if manifest.exists():
        items = json.loads(manifest.read_text())["items"]
        files += [eval_dir / "dev" / it["file"] for it in items if it["kind"].startswith("born-digital")]
    return files


def time_ocrvl(parser: PaddleOCRVL, files: list[Path], rounds: int) -> tuple[float, int]:
    pages, start = 0, time.perf_counter()
    for _ in range(rounds):
        for f in files:
            pages += len(parser.predict(f))
    return time.perf_counter() - start, pages


def time_pymupdf(files: list[Path], rounds: int) -> tuple[float, int]:
    pages, start = 0, time.perf_counter()
    for _ in range(rounds):
        for f in files:
            with pymupdf.open(f) as doc:
                for page in doc:
                    page.get_text()
                    pages += 1
    return time.perf_counter() - start, pages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    args = ap.parse_args()

    parser = PaddleOCRVL(engine="lite")
    parser.predict(SAMPLES / "photo.jpg")  # load and warm up layout + OCR models

    born = born_digital_files(args.eval_dir)
    scanned = [SAMPLES / "scanned.pdf", SAMPLES / "photo.jpg"]
    rows = []
    for name, files, rounds in (("born-digital", born, args.rounds), ("scanned", scanned, 1)):
        t_ours, n_ours = time_ocrvl(parser, files, rounds)
        t_base, n_base = time_pymupdf(files, rounds)
        rows.append((name, n_ours / rounds, n_ours / t_ours, n_base / t_base))

    print(f"{'set':<14}{'pages':>7}{'ocrvl lite p/s':>16}{'PyMuPDF get_text p/s':>22}{'ratio':>9}")
    for name, pages, ours, base in rows:
        print(f"{name:<14}{pages:>7.0f}{ours:>16.2f}{base:>22.1f}{base / ours:>8.0f}x")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
