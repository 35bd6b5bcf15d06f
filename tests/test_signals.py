"""`ocrvl parse` in a real process, stopped by signals: Ctrl-C and SIGTERM end it cleanly with exit code 130,
its summary and errors.json, and the next run resumes; what kill -9 leaves is cleaned up by the next run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pymupdf
import pytest
from click.testing import CliRunner

from ocrvl.cli import main
from ocrvl.outputs import staging_path
from ocrvl.resume import PAGES_FOLDER
from tests.conftest import ctrl_c_as_in_a_terminal

PAGES = 12
TIMEOUT_SECONDS = 180


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """A broken PDF (parsed first, it fails) and a 12-page report."""
    folder = tmp_path_factory.mktemp("in")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage " * 50)
    doc = pymupdf.open()
    for number in range(1, PAGES + 1):
        page = doc.new_page()
        for line in range(6):
            page.insert_text((72, 100 + 60 * line), f"Page {number}, paragraph {line + 1}, talks about apples "
                                                     "in sentences long enough to be read.", fontsize=12)  # fmt: skip
    doc.save(folder / "report.pdf")
    return folder


def _start(inputs: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ocrvl", "parse", str(inputs), "-o", str(out), "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=ctrl_c_as_in_a_terminal)  # fmt: skip


def _wait_for_pages(process: subprocess.Popen, staging: Path, pages: int) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while len(list((staging / PAGES_FOLDER).glob("*.json"))) < pages:
        assert process.poll() is None, f"the run ended early: {process.communicate()}"
        assert time.monotonic() < deadline, "no page was finished in time"
        time.sleep(0.05)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stopped_run_exits_130_with_its_summary_and_errors_and_the_next_run_resumes(stop, inputs, tmp_path):
    out = tmp_path / "out"
    staging = staging_path(out / "report")
    process = _start(inputs, out)
    _wait_for_pages(process, staging, 2)
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=TIMEOUT_SECONDS)

    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert f"interrupted while parsing {inputs / 'report.pdf'}" in stderr and "0 written" in stderr
    errors = json.loads((out / "errors.json").read_text())
    assert [e["input"] for e in errors] == [str(inputs / "broken.pdf")], "the failure before the stop is kept"
    assert not (out / "report").exists()
    finished = len(list((staging / PAGES_FOLDER).glob("*.json")))
    assert 2 <= finished < PAGES

    rerun = CliRunner().invoke(main, ["parse", str(inputs), "-o", str(out)])
    assert rerun.exit_code == 1, rerun.output  # broken.pdf still fails
    assert f"resuming after page {finished} ({finished} page(s) finished" in rerun.output
    document = json.loads((out / "report" / "report.json").read_text())
    assert [p["page_index"] for p in document["pages"]] == list(range(PAGES))
    assert "Page 12, paragraph 6" in (out / "report" / "report.md").read_text()
    assert not staging.exists()


def test_what_a_killed_run_leaves_is_removed_by_the_next_run(inputs, tmp_path):
    out = tmp_path / "out"
    staging = staging_path(out / "report")
    process = _start(inputs, out)
    _wait_for_pages(process, staging, 1)
    process.kill()
    process.communicate(timeout=TIMEOUT_SECONDS)
    assert staging.is_dir(), "kill -9 leaves the staging folder"

    other = CliRunner().invoke(main, ["parse", str(inputs / "broken.pdf"), "-o", str(out), "-q"])
    assert other.exit_code == 1
    assert not staging.exists(), "the next run into the same folder removes it"
    assert sorted(p.name for p in out.iterdir()) == ["errors.json"]
