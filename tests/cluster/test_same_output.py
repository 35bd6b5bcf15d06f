"""A batch on the Ray cluster writes, byte for byte, what a local run writes: the same document folders, pictures,
manifests and errors.json, with documents cut into page ranges read by different workers."""

from __future__ import annotations

import json
import shutil

import pymupdf
import pytest

from ocrvl.api import parse_folder
from ocrvl.batch import BatchOptions
from ocrvl.cluster import ClusterOptions
from ocrvl.options import PipelineOptions
from tests.cluster.conftest import LITE, local_run, outputs, text_pdf
from tests.conftest import SAMPLES

ONE_PAGE_TASKS = ClusterOptions(pages_per_task=1)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Born-digital samples (one with a table continued on the next page), a file that is no document, and a PDF
    whose second page cannot be rendered."""
    folder = tmp_path_factory.mktemp("inputs")
    for sample in ("born_digital.pdf", "table_two_pages.pdf"):
        shutil.copy(SAMPLES / sample, folder / sample)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7 this is not a PDF")
    notes = text_pdf(folder / "notes.pdf", 3, "Notes")
    with pymupdf.open(notes) as doc:
        doc.xref_set_key(doc[1].xref, "UserUnit", "0.0000001")
        doc.saveIncr()
    return folder


def test_a_ray_run_writes_exactly_what_a_local_run_writes(cluster, inputs, tmp_path):
    expected = local_run([inputs], tmp_path / "local")
    report = parse_folder([inputs], tmp_path / "ray", LITE, cluster=ONE_PAGE_TASKS)
    assert [f.name for f in report.written] == ["born_digital", "notes", "table_two_pages"]
    assert outputs(tmp_path / "ray") == expected
    errors = json.loads((tmp_path / "ray" / "errors.json").read_text())
    assert [(e["input"].rsplit("/", 1)[1], e.get("page")) for e in errors] == [("broken.pdf", None), ("notes.pdf", 2)]
    # the table continued on the next page was read by two tasks and is still merged into one
    assert (tmp_path / "ray" / "table_two_pages" / "table_two_pages.md").read_text().count("<table") == 1


@pytest.mark.slow
def test_every_sample_on_ray_is_what_a_local_run_writes(cluster, tmp_path):
    """The scanned pages and the photo too (OCR: slower)."""
    expected = local_run([SAMPLES], tmp_path / "local")
    report = parse_folder([SAMPLES], tmp_path / "ray", LITE, cluster=ClusterOptions(pages_per_task=1))
    assert report.ok and len(report.written) == 4
    assert outputs(tmp_path / "ray") == expected


def test_a_second_ray_run_skips_finished_documents_and_a_local_run_agrees(cluster, inputs, tmp_path):
    source = inputs / "born_digital.pdf"
    first = parse_folder([source], tmp_path, LITE, cluster=ONE_PAGE_TASKS)
    assert first.written == [tmp_path / "born_digital"]
    again = parse_folder([source], tmp_path, LITE, cluster=ONE_PAGE_TASKS)
    assert again.skipped == [tmp_path / "born_digital"] and not again.written
    assert parse_folder([source], tmp_path, LITE).skipped == [tmp_path / "born_digital"], "same manifest as local"


def test_the_tiny_recognizer_in_whole_page_workers_writes_what_it_writes_locally(cluster, release, tmp_path):
    """--ray-recognizers 0: every page worker holds the whole vl engine (`test_split` covers the split run)."""
    options = PipelineOptions.from_kwargs(engine="vl", vl_rec_model_dir=str(release), device="cpu", precision="fp32",
                                          max_new_tokens=6, min_pixels=3_000, max_pixels=30_000)  # fmt: skip
    samples = [SAMPLES / "born_digital.pdf", SAMPLES / "table_two_pages.pdf"]
    formats = ("md", "json", "img", "pages")
    expected = local_run(samples, tmp_path / "local", options, formats)
    whole_pages = ClusterOptions(pages_per_task=1, recognizers=0)
    report = parse_folder(samples, tmp_path / "ray", options, BatchOptions(formats), whole_pages)
    assert report.ok and len(report.written) == 2
    assert outputs(tmp_path / "ray") == expected


def test_a_page_selection_on_ray_is_the_local_runs_and_a_selection_past_the_end_fails_alike(cluster, tmp_path):
    source = text_pdf(tmp_path / "in" / "report.pdf", 6, "Report")
    short = text_pdf(tmp_path / "in" / "short.pdf", 1, "Short")
    options = PipelineOptions(engine="lite", pages="2,4-5")
    expected = local_run([source, short], tmp_path / "local", options)
    report = parse_folder([source, short], tmp_path / "ray", options, cluster=ClusterOptions(pages_per_task=2))
    assert outputs(tmp_path / "ray") == expected
    assert "Report, part 4" in (tmp_path / "ray" / "report" / "report.md").read_text()
    assert [entry["input"] for entry in report.failed] == [str(short)]
    assert "none of the requested pages exist" in report.failed[0]["error"]
