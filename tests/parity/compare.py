"""The parity suite's driver (run by run.sh in ocrvl's venv): write the random inputs and checkpoints, let the
official side (PaddleX / Paddle, in the parity venv) compute its outputs, compute ocrvl's, print the table.

Exit code 0 when every row agrees within its tolerance, 1 otherwise.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.parity import layout_v3, networks, polygons, rules
from tests.parity.report import Row, error_row, official_error, render

Prepare = Callable[[Path], None]
Check = Callable[[Path], list[Row]]
PIECES: dict[str, tuple[Prepare, Check]] = {
    "recognizer": (networks.prepare_recognizer, networks.check_recognizer),
    "layout": (networks.prepare_layout, networks.check_layout),
    "layout_v3": (layout_v3.prepare_layout_v3, layout_v3.check_layout_v3),
    "layout_v3_network": (layout_v3.prepare_layout_v3_network, layout_v3.check_layout_v3_network),
    "boxes": (rules.prepare_boxes, rules.check_boxes),
    "otsl": (rules.prepare_otsl, rules.check_otsl),
    "formula": (rules.prepare_formula, rules.check_formula),
    "prompt": (rules.prepare_prompt, rules.check_prompt),
    "polygons": (polygons.prepare_polygons, polygons.check_polygons),
}
OFFICIAL_SCRIPT = Path(__file__).with_name("official.py")
OFFICIAL_TIMEOUT = 1200  # seconds; the official side normally needs two minutes


def official_versions(python: str) -> str:
    probe = "from importlib.metadata import version as v; print(v('paddlex'), v('paddlepaddle'))"
    paddlex, paddle = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    return f"PaddleX {paddlex} on Paddle {paddle} (CPU)"


def run(work: Path, official_python: str, pieces: list[str]) -> int:
    started = time.monotonic()
    prepared = []
    rows: list[Row] = []
    for name in pieces:
        folder = work / name
        folder.mkdir(parents=True, exist_ok=True)
        try:
            PIECES[name][0](folder)
            prepared.append(name)
        except Exception as exc:  # a broken fixture is reported in the table, the other pieces still run
            rows.append(error_row(name, f"preparing the inputs failed: {type(exc).__name__}: {exc}"))
    if prepared:
        subprocess.run([official_python, str(OFFICIAL_SCRIPT), str(work), *prepared], check=True,
                       timeout=OFFICIAL_TIMEOUT)  # fmt: skip
    for name in prepared:
        folder = work / name
        failure = official_error(folder)
        if failure:
            rows.append(error_row(name, "the official side failed:\n" + failure.strip()))
            continue
        try:
            rows.extend(PIECES[name][1](folder))
        except Exception as exc:
            rows.append(error_row(name, f"ocrvl's side failed: {type(exc).__name__}: {exc}"))
    header = f"Parity of ocrvl with {official_versions(official_python)}, in {time.monotonic() - started:.0f} s"
    print(render(rows, header))
    passed = sum(r.ok for r in rows)
    print(f"\nparity: {passed} passed, {len(rows) - passed} failed")
    return 0 if passed == len(rows) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--official-python", required=True, help="python of the venv with paddlex and paddle")
    parser.add_argument("--work", type=Path, help="keep inputs and outputs in this folder (default: temporary)")
    parser.add_argument("--only", default=",".join(PIECES), help=f"comma-separated pieces of {', '.join(PIECES)}")
    args = parser.parse_args(argv)
    pieces = [p for p in args.only.split(",") if p]
    unknown = sorted(set(pieces) - set(PIECES))
    if unknown:
        parser.error(f"unknown pieces {', '.join(unknown)}; pieces are {', '.join(PIECES)}")
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        return run(args.work, args.official_python, pieces)
    work = Path(tempfile.mkdtemp(prefix="ocrvl-parity-"))
    try:
        return run(work, args.official_python, pieces)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
