"""Pages per second of the plain CLI and of a Ray run with 1 and 2 page workers, on the same folder, in one run.

    .venv/bin/python benchmarks/bench_ray.py [--copies 2] [--engine lite] [--pages-per-task 2] [-- EXTRA PARSE FLAGS]

The folder holds `--copies` copies of the samples. Each run is the whole ``ocrvl parse`` command as a user starts
it (model loading included) into a fresh output folder: the plain one, then ``--ray ADDRESS --ray-workers N`` on a
local Ray cluster that this script starts once before (as a cluster is started once and used by many runs) and
stops at the end. Prints seconds, pages/s and each run's time over the plain run's, and checks that every Ray run
wrote the same files as the plain one. On a 2-core machine the point is the overhead, not a speed-up.
"""

from __future__ import annotations

import argparse
import filecmp
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=2, help="copies of the samples in the folder")
    parser.add_argument("--engine", default="lite")
    parser.add_argument("--pages-per-task", type=int, default=2)
    parser.add_argument("extra", nargs="*", help="more ocrvl parse flags (after --)")
    args = parser.parse_args()
    import ray

    flags = ["--engine", args.engine, *args.extra]
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        root = Path(tmp)
        folder = make_folder(root, args.copies)
        plain = timed_parse(folder, root / "plain", flags)
        pages = page_count(root / "plain")
        rows = [("plain CLI", plain, True)]
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
        try:
            address = ray.get_runtime_context().gcs_address
            for workers in (1, 2):
                out = root / f"ray{workers}"
                cluster = ["--ray", address, "--ray-workers", str(workers), "--ray-pages-per-task",
                           str(args.pages_per_task)]  # fmt: skip
                seconds = timed_parse(folder, out, [*flags, *cluster])
                rows.append((f"Ray, {workers} worker(s)", seconds, same_files(root / "plain", out)))
        finally:
            ray.shutdown()
    print(f"{pages} pages ({args.copies} copies of the samples), engine {args.engine}, "
          f"{args.pages_per_task} pages per task")  # fmt: skip
    print(f"{'run':<20} {'seconds':>8} {'pages/s':>8} {'time / plain':>13}  same files")
    for name, seconds, same in rows:
        print(f"{name:<20} {seconds:8.1f} {pages / seconds:8.2f} {seconds / plain:13.2f}  {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
