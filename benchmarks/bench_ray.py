"""Pages per second of the plain CLI and of Ray runs on the same folder, in one run.

    .venv/bin/python benchmarks/bench_ray.py [--copies 2] [--engine lite|vl] [--tiny] [--pages-per-task 2]
                                             [-- EXTRA PARSE FLAGS]

The folder holds `--copies` copies of the samples. Each run is the whole ``ocrvl parse`` command as a user starts
it (model loading included) into a fresh output folder: the plain one, then ``--ray ADDRESS`` on a local Ray
cluster (2 CPUs) that this script starts once before (as a cluster is started once and used by many runs) and stops
at the end. The rows:

- lite: whole pages in 1 and 2 page workers;
- vl (the weights ``ocrvl models list`` finds, or with ``--tiny`` a tiny random release written for the run):
  whole pages in 1 and 2 page workers that each hold the whole engine (``--ray-recognizers 0``), then the split
  run: 1 page worker (loading and layout) feeding 1 recognizer actor.

Prints seconds, pages/s and each run's time over the plain run's, and checks that every Ray run wrote the same files
as the plain one. For vl it also prints what the split run sends per page: the crops a page worker hands the
recognizer, the rest of the page it hands the driver, and the whole page image, pickled as Ray sends them. On a
2-core machine the point is the overhead, not a speed-up.
"""

from __future__ import annotations

import argparse
import filecmp
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
DOCUMENT_SUFFIXES = (".pdf", ".jpg", ".png")


def make_folder(root: Path, copies: int) -> Path:
    folder = root / "inputs"
    for n in range(copies):
        for sample in sorted(SAMPLES.iterdir()):
            if sample.suffix in DOCUMENT_SUFFIXES:
                target = folder / f"copy{n + 1}" / sample.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(sample, target)
    return folder


def tiny_release(root: Path) -> Path:
    """A tiny random PaddleOCR-VL release (recognizer and PP-DocLayoutV2): the pipeline's costs, not its quality."""
    from ocrvl.testing.checkpoints import write_tiny_checkpoint
    from ocrvl.testing.ppdoclayout import write_tiny_paddle_layout

    folder = root / "PaddleOCR-VL"
    write_tiny_checkpoint(folder)
    write_tiny_paddle_layout(folder / "PP-DocLayoutV2")
    return folder


def timed_parse(folder: Path, out: Path, extra: list[str]) -> float:
    command = [sys.executable, "-m", "ocrvl", "parse", str(folder), "-o", str(out), "-q", *extra]
    start = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - start


def page_count(out: Path) -> int:
    return len(list(out.rglob("*_layout.png")))


def same_files(a: Path, b: Path) -> bool:
    compared = filecmp.dircmp(a, b)
    pending = [compared]
    while pending:
        current = pending.pop()
        _, mismatch, errors = filecmp.cmpfiles(current.left, current.right, current.common_files, shallow=False)
        if mismatch or errors or current.left_only or current.right_only:
            return False
        pending += current.subdirs.values()
    return True


def split_bytes(folder: Path, recognizer_dir: Path | None) -> tuple[int, float, float, float]:
    """Pages, and the mean bytes per page a split run's page worker sends: crops to the recognizer, the rest of the
    page to the driver, and the page image alone for comparison (pickled, as Ray pickles them). The run's default
    options, with the weights of `recognizer_dir` (None: those found)."""
    from ocrvl.cluster.worker import LayoutWorker
    from ocrvl.options import PipelineOptions
    from ocrvl.types import PageResult

    weights = {"vl_rec_model_dir": str(recognizer_dir)} if recognizer_dir is not None else {}
    worker = LayoutWorker(PipelineOptions.from_kwargs(engine="vl", **weights), 0)
    pages, crops, rest, images = 0, 0, 0, 0
    for source in sorted(p for p in folder.rglob("*") if p.suffix in DOCUMENT_SUFFIXES):
        plans, page_crops = worker.plan(str(source), list(range(worker.pipeline.count_pages(source))))
        for plan, crop in zip(plans, page_crops):
            if isinstance(plan, PageResult):  # a page that cannot be loaded
                continue
            pages += 1
            crops += len(pickle.dumps(crop, protocol=5))
            rest += len(pickle.dumps(plan, protocol=5))
            images += len(pickle.dumps(plan.page.image, protocol=5))
    return pages, crops / pages, rest / pages, images / pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=2, help="copies of the samples in the folder")
    parser.add_argument("--engine", default="lite", choices=("lite", "vl"))
    parser.add_argument("--tiny", action="store_true", help="vl: a tiny random release instead of found weights")
    parser.add_argument("--pages-per-task", type=int, default=2)
    parser.add_argument("extra", nargs="*", help="more ocrvl parse flags (after --)")
    args = parser.parse_args()
    import ray

    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        root = Path(tmp)
        folder = make_folder(root, args.copies)
        flags = ["--engine", args.engine, *args.extra]
        weights = tiny_release(root) if args.tiny else None
        if weights is not None:
            flags += ["--model-dir", str(weights)]
        plain = timed_parse(folder, root / "plain", flags)
        pages = page_count(root / "plain")
        rows = [("plain CLI", plain, True)]
        whole = [] if args.engine == "lite" else ["--ray-recognizers", "0"]
        runs = [(f"Ray, {n} whole-page worker(s)", ["--ray-workers", str(n), *whole]) for n in (1, 2)]
        if args.engine == "vl":
            runs.append(("Ray split, 1 worker + 1 recognizer", ["--ray-workers", "1", "--ray-recognizers", "1"]))
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
        try:
            address = ray.get_runtime_context().gcs_address
            for n, (name, cluster) in enumerate(runs):
                out = root / f"ray{n}"
                task = ["--ray", address, "--ray-pages-per-task", str(args.pages_per_task)]
                seconds = timed_parse(folder, out, [*flags, *task, *cluster])
                rows.append((name, seconds, same_files(root / "plain", out)))
        finally:
            ray.shutdown()
        sent = split_bytes(folder, weights) if args.engine == "vl" else None
    print(f"{pages} pages ({args.copies} copies of the samples), engine {args.engine}{' (tiny)' if args.tiny else ''}, "
          f"{args.pages_per_task} pages per task")  # fmt: skip
    print(f"{'run':<36} {'seconds':>8} {'pages/s':>8} {'time / plain':>13}  same files")
    for name, seconds, same in rows:
        print(f"{name:<36} {seconds:8.1f} {pages / seconds:8.2f} {seconds / plain:13.2f}  {'yes' if same else 'NO'}")
    if sent is not None:
        planned, crops, rest, image = sent
        print(f"split run, per page ({planned} pages): crops to the recognizer {crops / 1e3:.0f} kB, the rest of the "
              f"page to the driver {rest / 1e3:.0f} kB (its image alone {image / 1e3:.0f} kB)")  # fmt: skip


if __name__ == "__main__":
    main()
