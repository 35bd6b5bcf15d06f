"""``ocrvl parse --ray ADDRESS`` as a user runs it: progress, exit codes, Ctrl-C, and resuming on the cluster."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from ocrvl.cli import main
from ocrvl.outputs import staging_path
from tests.cluster.conftest import local_run, outputs, ray, text_pdf
from tests.conftest import ctrl_c_as_in_a_terminal


def ocrvl(*args: object) -> list[str]:
    return [sys.executable, "-m", "ocrvl", "parse", *map(str, args)]


@pytest.fixture(scope="module")
def long_pdf(tmp_path_factory) -> Path:
    return text_pdf(tmp_path_factory.mktemp("in") / "long.pdf", 16, "A long report")


def test_the_progress_bar_counts_the_pages_the_cluster_of_this_machine_reads(cluster, tmp_path):
    source = text_pdf(tmp_path / "in" / "short.pdf", 5, "A short note")
    command = ocrvl(source, "-o", tmp_path / "out", "--engine", "lite", "--ray", "--ray-pages-per-task", "2")
    run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "starting one here" not in run.stderr, "--ray alone joins the cluster running on this machine"
    assert "5/5" in run.stderr and "page/s" in run.stderr
    assert "1 written, 0 already done, 0 failed" in run.stderr
    assert outputs(tmp_path / "out") == local_run([source], tmp_path / "local")


def test_ctrl_c_stops_the_cluster_work_and_the_next_ray_run_resumes_it(cluster, long_pdf, tmp_path):
    out = tmp_path / "out"
    args = ocrvl(long_pdf, "-o", out, "--engine", "lite", "--ray", cluster, "--ray-pages-per-task", "1")
    process = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, preexec_fn=ctrl_c_as_in_a_terminal)
    stored = staging_path(out / "long") / ".ocrvl-pages"
    deadline = time.monotonic() + 60
    while not (stored.is_dir() and any(stored.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted while parsing" in stderr and "the next run resumes it" in stderr
    assert not (out / "long").exists() and any(stored.iterdir())
    deadline = time.monotonic() + 20
    while ray.available_resources().get("CPU") != 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ray.available_resources().get("CPU") == 2, "its workers are gone from the cluster"

    resumed = CliRunner().invoke(main, ["parse", str(long_pdf), "-o", str(out), "--engine", "lite", "--ray", cluster,
                                        "-q"])  # fmt: skip
    assert resumed.exit_code == 0, resumed.output
    assert outputs(out) == local_run([long_pdf], tmp_path / "local")


def test_bad_cluster_options_are_refused_by_name(tmp_path):
    result = CliRunner().invoke(main, ["parse", str(tmp_path), "-o", str(tmp_path / "out"), "--ray",
                                       "--ray-pages-per-task", "0"])  # fmt: skip
    assert result.exit_code == 1 and "--ray-pages-per-task 0: a task reads at least one page" in result.output


def test_without_ray_installed_the_error_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "ray", None)
    result = CliRunner().invoke(main, ["parse", str(tmp_path), "-o", str(tmp_path / "out"), "--ray"])
    assert result.exit_code == 1 and "pip install 'ocrvl[ray]'" in result.output


def test_a_cuda_device_without_gpus_for_the_workers_is_refused_with_the_flag_to_add(tmp_path):
    result = CliRunner().invoke(main, ["parse", str(tmp_path), "-o", str(tmp_path / "out"), "--ray", "--device",
                                       "cuda"])  # fmt: skip
    assert result.exit_code == 1 and "add --ray-gpus-per-worker 1" in result.output
