"""One row of the agreement table per comparison, and the table itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Row:
    piece: str
    cases: str
    agreement: str
    tolerance: str
    ok: bool
    note: str = ""  # what differs, shown under the table when the row fails

    @property
    def verdict(self) -> str:
        return "agree" if self.ok else "DIFFER"


def error_row(piece: str, message: str) -> Row:
    return Row(piece, "-", "error", "-", False, message)


def official_error(folder: Path) -> str | None:
    """The traceback the official side left for this piece, if it failed."""
    path = folder / "official.error"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value), encoding="utf-8")


def max_abs(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return float("inf")
    return float(np.abs(a - b).max()) if a.size else 0.0


def share(agreeing: int, total: int, unit: str = "") -> str:
    return f"{agreeing}/{total}{' ' + unit if unit else ''}"


def render(rows: list[Row], header: str) -> str:
    columns = ("piece", "cases", "agreement", "tolerance", "verdict")
    cells = [columns] + [(r.piece, r.cases, r.agreement, r.tolerance, r.verdict) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]

    def line(values) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths)) + " |"

    out = [header, "", line(columns), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(row) for row in cells[1:]]
    failing = [r for r in rows if not r.ok and r.note]
    if failing:
        out += ["", "Differences:"]
        out += [f"- {r.piece}: {r.note}" for r in failing]
    return "\n".join(out)
