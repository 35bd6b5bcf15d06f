"""Quality on the shared evaluation corpus, ocrvl beside the PyMuPDF text-layer baseline, in one run.

    python benchmarks/eval_quality.py [--eval-dir ../shared/eval] [--source docling,icdar2013] [--work /tmp/ocrvl-eval]

Writes one Markdown file per item for each system, scores both with the corpus's own score.py,
and prints a table of the metrics the README quotes, plus seconds per page.
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

ROOT = Path(__file__).resolve().parents[1]


def predict_ocrvl(items: list[dict], dev: Path, out: Path, engine: str) -> tuple[float, int]:
    parser = PaddleOCRVL(engine=engine)
    out.mkdir(parents=True, exist_ok=True)
    seconds, pages = 0.0, 0
    for item in items:
        start = time.perf_counter()
        try:
            docs = parser.join(parser.predict(dev / item["file"]))
            markdown = docs[0].markdown if docs else ""
            pages += sum(len(d.pages) for d in docs)
        except OcrvlError as exc:
            print(f"  {item['id']}: {exc}", file=sys.stderr)
            markdown = ""
        seconds += time.perf_counter() - start
        (out / f"{item['id']}.md").write_text(markdown, encoding="utf-8")
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
    args = ap.parse_args()

    dev = args.eval_dir / "dev"
    manifest = json.loads((dev / "manifest.json").read_text())
    wanted = set(args.source.split(",")) if args.source else None
    items = [it for it in manifest["items"] if wanted is None or it["source"] in wanted]

    ocrvl_dir, base_dir = args.work / "ocrvl", args.work / "pymupdf"
    t_ocrvl, n_ocrvl = predict_ocrvl(items, dev, ocrvl_dir, args.engine)
    t_base, n_base = predict_pymupdf(items, dev, base_dir)

    ours = summary_rows(score(args.eval_dir / "score.py", ocrvl_dir, args.source))
    base = summary_rows(score(args.eval_dir / "score.py", base_dir, args.source))
    print(f"{'metric':<22}{'ocrvl ' + args.engine:>14}{'PyMuPDF get_text':>18}")
    for key in sorted(set(ours) | set(base)):
        fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
        print(f"{key:<22}{fmt(ours.get(key)):>14}{fmt(base.get(key)):>18}")
    print(f"{'s/page':<22}{t_ocrvl / max(n_ocrvl, 1):>14.2f}{t_base / max(n_base, 1):>18.3f}")
    images = [it for it in items if not it["file"].endswith(".pdf")]
    empty = [it["id"] for it in images if not (ocrvl_dir / f"{it['id']}.md").read_text().strip()]
    print(
        f"image items with text: {len(images) - len(empty)}/{len(images)}"
        + (f" (empty: {', '.join(empty)})" if empty else "")
    )


if __name__ == "__main__":
    main()
