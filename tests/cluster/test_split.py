"""The vl engine cut in two on the cluster: page workers load pages and run layout, a recognizer actor holding the
tiny recognizer reads their crops, the driver assembles and writes the pages as a local run does."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from ocrvl.batch import BatchOptions, plan_batch, run_batch
from ocrvl.cluster import ClusterOptions, cluster_session
from ocrvl.options import PipelineOptions
from ocrvl.outputs import staging_path
from tests.cluster.conftest import local_run, outputs
from tests.cluster.test_faults import HELD_SECONDS, kill_when_held
from tests.conftest import SAMPLES

FORMATS = ("md", "json", "img", "pages")
DOCUMENTS = [SAMPLES / "born_digital.pdf", SAMPLES / "table_two_pages.pdf"]


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("broken") / "broken.pdf"
    path.write_bytes(b"%PDF-1.7 this is not a PDF")
    return path


@pytest.fixture(scope="module")
def tiny_vl(release) -> PipelineOptions:
    return PipelineOptions.from_kwargs(engine="vl", vl_rec_model_dir=str(release), device="cpu", precision="fp32",
                                       max_new_tokens=6, min_pixels=3_000, max_pixels=30_000)  # fmt: skip


@pytest.fixture(scope="module")
def expected(tiny_vl, tmp_path_factory) -> dict[str, bytes]:
    return local_run(DOCUMENTS, tmp_path_factory.mktemp("local"), tiny_vl, FORMATS)


def run_split(options: PipelineOptions, out: Path, cluster: ClusterOptions, on_task=None, on_recognize=None,
              documents=DOCUMENTS):  # fmt: skip
    with cluster_session(options, cluster, on_task=on_task, on_recognize=on_recognize) as session:
        assert session.recognizers, "the vl engine runs split"
        batch = plan_batch(documents, out, session.pipeline.count_pages)
        return run_batch(session.pipeline, batch, BatchOptions(FORMATS), reader=session.reader(batch))


def test_crops_of_two_pages_are_read_in_one_batch_and_the_pages_written_as_a_local_run_writes(
    cluster, tiny_vl, broken, tmp_path
):
    expected = local_run([*DOCUMENTS, broken], tmp_path / "local", tiny_vl, FORMATS)
    batches = tmp_path / "batches.jsonl"

    def on_recognize(path: Path, indices) -> None:  # in the recognizer actor: log the pages of each vision batch
        import ocrvl.inference.core as core

        if getattr(core.vision_groups, "logged", False):
            return
        group_crops = core.vision_groups

        def logged(items, patches, budget):
            groups = group_crops(items, patches, budget)
            with open(batches, "a") as log:
                for group in groups:
                    log.write(json.dumps(sorted({tuple(s.request.id[:2]) for s in group})) + "\n")
            return groups

        logged.logged = True
        core.vision_groups = logged

    report = run_split(tiny_vl, tmp_path / "ray", ClusterOptions(pages_per_task=2), on_recognize=on_recognize,
                       documents=[*DOCUMENTS, broken])  # fmt: skip
    assert len(report.written) == 2 and [entry["input"] for entry in report.failed] == [str(broken)]
    assert outputs(tmp_path / "ray") == expected, "the same folders and errors.json"
    pages_per_batch = [json.loads(line) for line in batches.read_text().splitlines()]
    two_pages = [batch for batch in pages_per_batch if len(batch) > 1]
    assert two_pages, f"no vision batch held crops of two pages: {pages_per_batch}"


def test_a_recognizer_killed_mid_run_comes_back_and_its_pages_are_read_again(cluster, tiny_vl, expected, tmp_path):
    calls, hold = tmp_path / "calls.log", tmp_path / "hold"

    def on_recognize(path: Path, indices) -> None:  # table_two_pages' second page waits to be killed on its first try
        with open(calls, "a") as log:
            log.write(f"{os.getpid()} {path.name} {indices[0]}\n")
        if path.name == "table_two_pages.pdf" and indices[0] == 1 and not hold.exists():
            hold.write_text(str(os.getpid()))
            time.sleep(HELD_SECONDS)

    killer = kill_when_held(hold)
    report = run_split(tiny_vl, tmp_path / "ray", ClusterOptions(pages_per_task=1), on_recognize=on_recognize)
    killer.join(timeout=1)
    assert report.ok and len(report.written) == 2
    attempts = [line.split()[0] for line in calls.read_text().splitlines() if line.endswith("table_two_pages.pdf 1")]
    assert len(attempts) == 2 and attempts[0] == hold.read_text() != attempts[1], "read again by a new recognizer"
    assert outputs(tmp_path / "ray") == expected, "every page once, none half-written"
    assert not staging_path(tmp_path / "ray" / "table_two_pages").exists()


def test_vl_server_split_asks_the_server_for_each_crop_once_and_writes_what_a_local_run_writes(
    cluster, release, tmp_path
):
    from tests.inference.test_remote import FakeServer

    server = FakeServer()  # answers each crop with its size and prompt
    try:
        options = PipelineOptions.from_kwargs(engine="vl-server", vl_rec_server_url=server.url,
                                              layout_detection_model_dir=str(release / "PP-DocLayoutV2"))  # fmt: skip
        expected = local_run(DOCUMENTS, tmp_path / "local", options, FORMATS)
        asked_locally = server.chats
        report = run_split(options, tmp_path / "ray", ClusterOptions(pages_per_task=2))
        assert report.ok and outputs(tmp_path / "ray") == expected
        assert asked_locally > 0 and server.chats == 2 * asked_locally, "every crop once, from the recognizer actor"
    finally:
        server.stop()


def test_auto_with_the_weights_found_on_the_cluster_runs_split_and_writes_what_a_local_auto_run_writes(
    cluster, tiny_vl, tmp_path
):
    from dataclasses import replace

    auto = replace(tiny_vl, engine="auto")
    expected = local_run(DOCUMENTS[:1], tmp_path / "local", auto, FORMATS)
    run_split(auto, tmp_path / "ray", ClusterOptions(pages_per_task=2), documents=DOCUMENTS[:1])
    assert outputs(tmp_path / "ray") == expected, "the same folders and manifests as a local auto run"
