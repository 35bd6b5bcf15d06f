"""Memory of long documents through the CLI: RSS sampled every second while `ocrvl parse` runs.

    .venv/bin/python benchmarks/bench_memory.py [--born-pages 1000] [--scan-pages 100] [--warmup-page 50]

Two documents are made by code in a temporary folder (``--workdir`` keeps them), from the pages of
``samples/make_samples.py``: a born-digital PDF (the two-column paper and the two-page table, cycled, each page
stamped with its number) and a scanned PDF (those pages rendered at 150 dpi in grayscale, rotated, blurred, noisy,
stored as JPEG images with no text layer). Each goes through ``python -m ocrvl parse FILE -o OUT`` in a child
process of this interpreter, with the default outputs (Markdown, JSON, a layout picture per page).

Every second the RSS of the child and its descendants is sampled (psutil when installed, else /proc), and
progress is the number of layout pictures written so far. Printed per run, side by side: RSS after warm-up (the
highest sample while pages ``--warmup-page`` onwards, a twentieth of the document, were processed), RSS at the end
(the same over the last twentieth), the growth between them, the peak (sampled, and the kernel's high-water mark,
which also sees spikes between samples), pages/s after warm-up; then the highest RSS in each tenth of the pages.
Target: growth under 10%. Timings swing on shared machines; the memory figures are the point.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pymupdf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "samples"))
import make_samples  # noqa: E402  (a script folder, not a package)

GROWTH_TARGET = 0.10
WINDOW_FRACTION = 20  # warm-up and end levels are each taken over 1/20 of the pages
PROGRESS_MARKER = "_layout.png"  # one per finished page (the default `img` output)
STAMP_BASELINE = 832.0  # below the samples' footer line (815 pt) on an A4 page


# ----------------------------------------------------------------------------------------
# Documents
# ----------------------------------------------------------------------------------------


def make_born_digital(folder: Path, pages: int) -> Path:
    """A `pages`-page PDF with a text layer, cycling the samples' three born-digital pages."""
    sources = make_samples.main(folder / "samples")
    path = folder / f"born_digital_{pages}.pdf"
    doc = make_samples.new_document()
    with pymupdf.open(sources["born_digital.pdf"]) as paper, pymupdf.open(sources["table_two_pages.pdf"]) as table:
        cycle = [(paper, 0), (table, 0), (table, 1)]
        for n in range(pages):
            src, index = cycle[n % len(cycle)]
            doc.insert_pdf(src, from_page=index, to_page=index)
            stamp = f"Benchmark page {n + 1} of {pages}"
            doc[n].insert_text((make_samples.MARGIN_X, STAMP_BASELINE), stamp, fontname="helv", fontsize=7.0)
    make_samples.save_pdf(doc, path)
    return path


def make_scanned(born_digital: Path, folder: Path, pages: int) -> Path:
    """A `pages`-page image-only PDF: the first pages of `born_digital` as a scanner would deliver them."""
    rng = np.random.default_rng(make_samples.SEED)
    path = folder / f"scanned_{pages}.pdf"
    doc = make_samples.new_document()
    with pymupdf.open(born_digital) as src:
        for n in range(pages):
            page = src[n % len(src)]
            pix = page.get_pixmap(dpi=make_samples.SCAN_DPI, colorspace=pymupdf.csGRAY, alpha=False)
            gray = np.frombuffer(pix.samples, np.uint8).reshape(pix.h, pix.w)
            jpeg = make_samples.encode_jpeg(make_samples.degrade_scan(gray, rng), make_samples.SCAN_JPEG_QUALITY)
            out_page = doc.new_page(width=page.rect.width, height=page.rect.height)
            out_page.insert_image(out_page.rect, stream=jpeg)
    make_samples.save_pdf(doc, path)
    return path


# ----------------------------------------------------------------------------------------
# Sampling a process tree
# ----------------------------------------------------------------------------------------


def tree_rss_reader() -> Callable[[int], int]:
    """A function giving the RSS in bytes of a process and all its descendants (0 once it is gone)."""
    try:
        import psutil
    except ImportError:
        return _proc_tree_rss

    def psutil_tree_rss(pid: int) -> int:
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for proc in procs:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass  # exited between listing and reading
        return total

    return psutil_tree_rss


def _proc_tree_rss(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue  # exited meanwhile
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
    return total


def count_progress(out_dir: Path) -> int:
    """Pages finished so far: layout pictures anywhere under `out_dir`, staging folders included."""
    return sum(name.endswith(PROGRESS_MARKER) for _, _, files in os.walk(out_dir) for name in files)


@dataclass(frozen=True)
class Sample:
    seconds: float
    rss: int
    pages: int


@dataclass
class Run:
    name: str
    pages: int
    samples: list[Sample]
    kernel_peak: int  # ru_maxrss of the child (largest of it and its waited-for descendants)
    exit_code: int
    log: Path

    def first_at(self, pages: int) -> Sample:
        """The first sample taken once `pages` pages were written (the last one if never)."""
        return next((s for s in self.samples if s.pages >= pages), self.samples[-1])

    def highest_while(self, first: int, last: int) -> Sample:
        """The highest sample taken while pages `first`..`last` (1-based) were being processed.

        A page's arrays come and go, so single samples swing by a page's worth; the highest over a window of
        pages is the level a leak would raise.
        """
        window = [s for s in self.samples if first - 1 <= s.pages <= last - 1]
        return max(window, key=lambda s: s.rss) if window else self.first_at(first)


def run_cli(name: str, pdf: Path, out_dir: Path, engine: str, interval: float) -> Run:
    """`ocrvl parse pdf -o out_dir` in a child process, its tree's RSS sampled every `interval` seconds."""
    with pymupdf.open(pdf) as doc:
        pages = doc.page_count
    log = out_dir.with_suffix(".log")
    command = [sys.executable, "-m", "ocrvl", "parse", str(pdf), "-o", str(out_dir), "--engine", engine, "-q"]
    read_rss = tree_rss_reader()
    samples: list[Sample] = []
    with log.open("wb") as log_file:
        child = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
        start = time.monotonic()
        while True:
            rss, done = read_rss(child.pid), count_progress(out_dir)
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            samples.append(Sample(time.monotonic() - start, rss, done))
            print(f"\r  {name}: {done}/{pages} pages, {rss / 2**30:.2f} GB   ", end="", file=sys.stderr, flush=True)
            time.sleep(interval)
    child.returncode = os.waitstatus_to_exitcode(status)
    print(file=sys.stderr)
    if not samples:
        samples.append(Sample(time.monotonic() - start, 0, count_progress(out_dir)))
    return Run(name, pages, samples, usage.ru_maxrss * 1024, child.returncode, log)


# ----------------------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------------------


def gb(value: int) -> str:
    return f"{value / 2**30:.2f} GB"


def summary_rows(run: Run, warmup_page: int) -> list[tuple[str, str]]:
    window = max(1, run.pages // WINDOW_FRACTION)
    warm = run.highest_while(warmup_page, warmup_page + window - 1)
    end = run.highest_while(run.pages - window + 1, run.pages)
    growth = (end.rss - warm.rss) / warm.rss if warm.rss else float("nan")
    started, finished = run.first_at(warmup_page), run.first_at(run.pages)
    seconds = finished.seconds - started.seconds
    rate = (finished.pages - started.pages) / seconds if seconds > 0 else float("nan")
    verdict = "ok" if growth < GROWTH_TARGET else "ABOVE"
    return [
        ("pages (exit code)", f"{run.pages} ({run.exit_code})"),
        ("RSS after warm-up (from page p, 1/20 of pages)", f"{gb(warm.rss)} p={warmup_page}"),
        ("RSS at the end (last 1/20 of pages)", gb(end.rss)),
        (f"growth (target < {GROWTH_TARGET:.0%})", f"{growth:+.1%} {verdict}"),
        ("peak RSS, sampled", gb(max(s.rss for s in run.samples))),
        ("peak RSS, kernel high-water", gb(run.kernel_peak)),
        ("RSS at the last sample (exiting)", gb(run.samples[-1].rss)),
        ("pages/s after warm-up", f"{rate:.2f}"),
        ("wall time", f"{run.samples[-1].seconds:.0f} s"),
    ]


def print_summary(runs: list[Run], warmup_page: int) -> None:
    """One column per run; a run shorter than twice the warm-up page is measured from its middle."""
    columns = [summary_rows(run, min(warmup_page, max(1, run.pages // 2))) for run in runs]
    labels = [label for label, _ in columns[0]]
    width = max(map(len, labels)) + 2
    col = max(len(value) for column in columns for _, value in column) + 3
    print(f"\n{'':<{width}}" + "".join(f"{run.name:>{col}}" for run in runs))
    for i, label in enumerate(labels):
        print(f"{label:<{width}}" + "".join(f"{column[i][1]:>{col}}" for column in columns))


def print_profile(runs: list[Run], steps: int = 10) -> None:
    """Highest RSS in each tenth of the pages: a plateau or a slope."""
    print("\nhighest RSS (GB) while processing each tenth of the pages")
    print(f"{'':<14}" + "".join(f"{f'-{100 * k // steps}%':>7}" for k in range(1, steps + 1)))
    for run in runs:
        bounds = [round(run.pages * k / steps) for k in range(steps + 1)]
        values = [run.highest_while(bounds[k] + 1, max(bounds[k] + 1, bounds[k + 1])).rss for k in range(steps)]
        print(f"{run.name:<14}" + "".join(f"{v / 2**30:>7.2f}" for v in values))


def write_samples(runs: list[Run], path: Path) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["run", "seconds", "rss_bytes", "pages_written"])
        for run in runs:
            writer.writerows([run.name, f"{s.seconds:.1f}", s.rss, s.pages] for s in run.samples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--born-pages", type=int, default=1000, help="pages of the born-digital PDF (0: skip)")
    ap.add_argument("--scan-pages", type=int, default=100, help="pages of the scanned PDF (0: skip)")
    ap.add_argument("--warmup-page", type=int, default=50, help="RSS growth is measured from this page on")
    ap.add_argument("--engine", default="auto", help="passed to `ocrvl parse --engine`")
    ap.add_argument("--interval", type=float, default=1.0, help="seconds between RSS samples")
    ap.add_argument("--workdir", type=Path, default=None, help="keep documents, outputs, logs and samples.csv here")
    args = ap.parse_args()
    if args.born_pages <= 0 and args.scan_pages <= 0:
        ap.error("nothing to run: --born-pages and --scan-pages are both 0")

    with tempfile.TemporaryDirectory(prefix="ocrvl-bench-memory-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        documents = []
        if args.born_pages > 0:
            documents.append(("born-digital", make_born_digital(work, args.born_pages)))
        if args.scan_pages > 0:
            # The scan shows the same pages whatever --born-pages says, so scan runs compare across invocations.
            scan_source = make_born_digital(work, args.scan_pages)
            documents.append(("scanned", make_scanned(scan_source, work, args.scan_pages)))
        runs = []
        for name, pdf in documents:
            out_dir = work / f"out_{name}"
            runs.append(run_cli(name, pdf, out_dir, args.engine, args.interval))
            if runs[-1].exit_code:
                print(f"{name}: ocrvl exited with {runs[-1].exit_code}; its log:\n{runs[-1].log.read_text()[-3000:]}")
        write_samples(runs, work / "samples.csv")
        print(
            f"cores: {os.cpu_count()}, load average at the end: {os.getloadavg()[0]:.1f}; "
            f"this process peaked at {gb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)}"
        )
        print_summary(runs, args.warmup_page)
        print_profile(runs)


if __name__ == "__main__":
    main()
