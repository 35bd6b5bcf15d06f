"""Faults on the cluster: a worker process killed mid-task, a document that kills its worker every time, workers
that cannot load their models."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from ocrvl.batch import plan_batch, run_batch
from ocrvl.cluster import ClusterOptions, cluster_session
from ocrvl.errors import OcrvlError
from ocrvl.options import PipelineOptions
from ocrvl.outputs import staging_path
from tests.cluster.conftest import LITE, local_run, outputs, text_pdf

HELD_SECONDS = 300  # a held task waits this long to be killed; it always is, long before


def run_on_cluster(inputs: list[Path], out: Path, cluster: ClusterOptions, on_task):
    with cluster_session(LITE, cluster, on_task=on_task) as session:
        batch = plan_batch(inputs, out, session.pipeline.count_pages)
        return run_batch(session.pipeline, batch, reader=session.reader(batch))


def kill_when_held(hold: Path) -> threading.Thread:
    """Kills (SIGKILL) the worker process whose pid appears in `hold`."""

    def watch() -> None:
        deadline = time.monotonic() + HELD_SECONDS  # a loaded machine may take long to start the actors
        while time.monotonic() < deadline:
            if hold.exists() and hold.read_text():
                os.kill(int(hold.read_text()), signal.SIGKILL)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_a_worker_killed_mid_task_is_replaced_its_pages_read_again_and_the_document_written_once(cluster, tmp_path):
    source = text_pdf(tmp_path / "in" / "long.pdf", 6, "A long report")
    expected = local_run([source], tmp_path / "local")
    tasks, hold = tmp_path / "tasks.log", tmp_path / "hold"

    def on_task(path: Path, indices) -> None:  # runs in the worker; pages 3-4 wait to be killed on their first try
        with open(tasks, "a") as log:
            log.write(f"{os.getpid()} {indices[0]}\n")
        if indices[0] == 2 and not hold.exists():
            hold.write_text(str(os.getpid()))
            time.sleep(HELD_SECONDS)

    killer = kill_when_held(hold)
    report = run_on_cluster([source], tmp_path / "ray", ClusterOptions(pages_per_task=2), on_task)
    killer.join(timeout=1)
    assert report.ok and report.written == [tmp_path / "ray" / "long"]
    attempts = [line.split()[0] for line in tasks.read_text().splitlines() if line.split()[1] == "2"]
    assert len(attempts) == 2 and attempts[0] == hold.read_text() != attempts[1], "retried in a new process"
    assert outputs(tmp_path / "ray") == expected, "every page once, none half-written"
    assert not staging_path(tmp_path / "ray" / "long").exists()


def test_a_document_that_kills_its_worker_on_every_try_is_reported_once_and_the_batch_goes_on(cluster, tmp_path):
    good = text_pdf(tmp_path / "in" / "good.pdf", 2, "Good")
    poison = text_pdf(tmp_path / "in" / "poison.pdf", 2, "Poison")
    out = tmp_path / "out"

    def on_task(path: Path, indices) -> None:
        if path.name == "poison.pdf":
            os._exit(1)  # as a crash in a native library would

    report = run_on_cluster([poison, good], out, ClusterOptions(pages_per_task=1, max_retries=1), on_task)
    assert report.written == [out / "good"]
    errors = json.loads((out / "errors.json").read_text())
    assert len(errors) == 1 and errors[0]["input"] == str(poison)
    assert "Ray worker reading pages 1-1 was lost 2 time(s)" in errors[0]["error"]
    assert not (out / "poison").exists() and not staging_path(out / "poison").exists()


def test_workers_that_cannot_load_their_models_fail_the_run_with_the_reason(cluster, tmp_path):
    options = PipelineOptions(engine="vl", vl_rec_model_dir=str(tmp_path / "no-weights"))
    with pytest.raises(OcrvlError, match="no-weights"):
        with cluster_session(options, ClusterOptions(workers=1)):
            pass
