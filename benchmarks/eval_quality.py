"""Quality on the shared evaluation corpus, ocrvl beside the PyMuPDF text-layer baseline, in one run.

    python benchmarks/eval_quality.py [--eval-dir ../shared/eval] [--source docling,icdar2013] [--work /tmp/ocrvl-eval]
        [--ocr-model pp-ocrv6-tiny] [--no-text-layer]

Writes one Markdown file per item for each system, scores them with the corpus's own score.py,
and prints a table of the metrics the README quotes, plus seconds per page. ocrvl is scored twice from
the same parse: its document Markdown as shipped (restructured across pages: tables continued on the next
page merged, heading levels, paragraphs joined) and the plain page-by-page concatenation. With --no-text-layer
every PDF page is read as an image, as a scan of it would be: the born-digital items then measure the OCR path on
pages whose ground truth is exact.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import pymupdf

from ocrvl import PaddleOCRVL
from ocrvl.errors import OcrvlError
from ocrvl.postprocess.cross_page import NO_RESTRUCTURING
from ocrvl.results import DocumentOutput

ROOT = Path(__file__).resolve().parents[1]


def predict_ocrvl(
    items: list[dict], dev: Path, out: Path, plain_out: Path, engine: str, **options: object
) -> tuple[float, int]:
    """Document Markdown per item into `out` (restructured) and `plain_out` (pages only); seconds and pages
    of the restructured run. `options` are PaddleOCRVL's."""
    parser = PaddleOCRVL(engine=engine, **options)
    restructure = parser.options.restructure_options()
    out.mkdir(parents=True, exist_ok=True)
    plain_out.mkdir(parents=True, exist_ok=True)
    seconds, pages = 0.0, 0
    for item in items:
        start = time.perf_counter()
        markdown = plain = ""
        try:
            page_outputs = parser.predict(dev / item["file"])
            if page_outputs:
                markdown = DocumentOutput(page_outputs, restructure).markdown
                pages += len(page_outputs)
        except OcrvlError as exc:
            print(f"  {item['id']}: {exc}", file=sys.stderr)
            page_outputs = []
        seconds += time.perf_counter() - start
        if page_outputs:
            plain = DocumentOutput(page_outputs, NO_RESTRUCTURING).markdown
        (out / f"{item['id']}.md").write_text(markdown, encoding="utf-8")
        (plain_out / f"{item['id']}.md").write_text(plain, encoding="utf-8")
    return seconds, pages


def predict_pymupdf(items: list[dict], dev: Path, out: Path) -> tuple[float, int]:
    out.mkdir(parents=True, exist_ok=True)
    seconds, pages = 0.0, 0
    for item in items:
        start = time.perf_counter()
        text = ""
        if item["file"].endswith(".pdf"):  # an image has no text layer: the baseline yields nothing
            with pymupdf.open(dev / item["file"]) as doc:
                text = "\n\n".join(page.get_text() for page in doc)
                pages += doc.page_count
        seconds += time.perf_counter() - start
        (out / f"{item['id']}.md").write_text(text, encoding="utf-8")
    return seconds, pages


def score(score_py: Path, pred: Path, sources: str | None) -> dict:
    result_file = pred.with_suffix(".scores.json")
    cmd = [sys.executable, str(score_py), "--pred", str(pred), "--json", str(result_file), "--quiet"]
    if sources:
        cmd += ["--source", sources, "--skip-missing"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return json.loads(result_file.read_text())


def summary_rows(scores: dict) -> dict[str, float | None]:
    """Mean metric per source, as score.py reports them."""
    rows: dict[str, float | None] = {}
    summary = scores.get("summary", scores)
    for source, metrics in summary.items():
        if not isinstance(metrics, dict):
            continue
        for metric in ("NED", "TEDS", "fNED"):
            value = metrics.get(metric)
            if isinstance(value, dict):
                value = value.get("mean")
            if value is not None:
                rows[f"{source} {metric}"] = float(value)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--source", default=None, help="comma-separated sources (default: all)")
    ap.add_argument("--engine", default="lite")
    ap.add_argument("--work", type=Path, default=Path("/tmp/ocrvl-eval"))
    ap.add_argument("--ocr-model", default=None, help="the lite engine's OCR model (default: its default)")
    ap.add_argument("--no-text-layer", action="store_true", help="read every PDF page as an image (lite)")
    args = ap.parse_args()

    dev = args.eval_dir / "dev"
    manifest = json.loads((dev / "manifest.json").read_text())
    wanted = set(args.source.split(",")) if args.source else None
    items = [it for it in manifest["items"] if wanted is None or it["source"] in wanted]

    ocrvl_dir, plain_dir, base_dir = args.work / "ocrvl", args.work / "ocrvl-pages", args.work / "pymupdf"
    options: dict[str, object] = {"ocr_model": args.ocr_model} if args.ocr_model else {}
    if args.no_text_layer:
        options["use_text_layer"] = False
    t_ocrvl, n_ocrvl = predict_ocrvl(items, dev, ocrvl_dir, plain_dir, args.engine, **options)
    t_base, n_base = predict_pymupdf(items, dev, base_dir)

    score_py = args.eval_dir / "score.py"
    ours = summary_rows(score(score_py, ocrvl_dir, args.source))
    plain = summary_rows(score(score_py, plain_dir, args.source))
    base = summary_rows(score(score_py, base_dir, args.source))
    columns = (f"ocrvl {args.engine}", "no restructuring", "PyMuPDF get_text")
    print(f"{'metric':<22}{columns[0]:>14}{columns[1]:>18}{columns[2]:>18}")
    for key in sorted(set(ours) | set(plain) | set(base)):
        fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
        print(f"{key:<22}{fmt(ours.get(key)):>14}{fmt(plain.get(key)):>18}{fmt(base.get(key)):>18}")
    print(f"{'s/page':<22}{t_ocrvl / max(n_ocrvl, 1):>14.2f}{'':>18}{t_base / max(n_base, 1):>18.3f}")
    images = [it for it in items if not it["file"].endswith(".pdf")]
    empty = [it["id"] for it in images if not (ocrvl_dir / f"{it['id']}.md").read_text().strip()]
    print(
        f"image items with text: {len(images) - len(empty)}/{len(images)}"
        + (f" (empty: {', '.join(empty)})" if empty else "")
    )


if __name__ == "__main__":
    main()
