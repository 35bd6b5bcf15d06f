"""Where the viewer is written: ``ocrvl parse --format html`` (beside the other outputs, which it leaves as they
were; re-done when asked for after a run without it; the same after an interrupted run resumes) and
``DocumentOutput.save_to_viewer``."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from ocrvl.batch import BatchOptions, plan_batch, run_batch
from ocrvl.cli import main
from ocrvl.options import PipelineOptions
from ocrvl.pipeline import Pipeline
from ocrvl.viewer.pictures import STORED_PICTURES
from tests.conftest import SAMPLES
from tests.test_resume import _StopAfter
from tests.viewer.sample import sample_document

SAMPLE = SAMPLES / "table_two_pages.pdf"


def parse(*args: object) -> str:
    result = CliRunner().invoke(main, ["parse", *map(str, args), "-q"])
    assert result.exit_code == 0, result.output
    return result.output


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def page_pictures(html: Path) -> list[str]:
    return lxml_html.parse(str(html)).xpath("//img[@class='page-image']/@src")


@pytest.fixture(scope="module")
def lite() -> Pipeline:
    return Pipeline(PipelineOptions(engine="lite"))


def test_format_html_adds_the_viewer_and_changes_no_other_file(tmp_path):
    parse(SAMPLE, "-o", tmp_path / "plain")
    parse(SAMPLE, "-o", tmp_path / "viewer", "--format", "md,json,img,html")
    plain, viewer = files(tmp_path / "plain" / "table_two_pages"), files(tmp_path / "viewer" / "table_two_pages")
    assert set(viewer) - set(plain) == {"table_two_pages.html"}
    assert {k: v for k, v in viewer.items() if k not in (".ocrvl-manifest.json", "table_two_pages.html")} == {
        k: v for k, v in plain.items() if k != ".ocrvl-manifest.json"
    }
    html = tmp_path / "viewer" / "table_two_pages" / "table_two_pages.html"
    assert len(page_pictures(html)) == 2, "both pages' pictures, though the batch drops pixels after each page"
    assert not (tmp_path / "viewer" / "table_two_pages" / STORED_PICTURES).exists()


def test_asking_for_html_after_a_run_without_it_writes_it_and_a_lost_viewer_is_written_again(lite, tmp_path):
    folder = tmp_path / "table_two_pages"

    def run(*formats: str):
        return run_batch(lite, plan_batch([SAMPLE], tmp_path), BatchOptions(formats))

    assert run("md", "json").written == [folder]
    assert run("md", "json", "html").written == [folder] and (folder / "table_two_pages.html").is_file()
    assert run("html").skipped == [folder]
    (folder / "table_two_pages.html").unlink()
    assert run("md", "json", "html").written == [folder]
    assert len(page_pictures(folder / "table_two_pages.html")) == 2


def test_an_interrupted_run_resumes_to_the_same_viewer(lite, tmp_path):
    options = BatchOptions(("md", "json", "html"))
    assert run_batch(lite, plan_batch([SAMPLE], tmp_path / "reference"), options).ok
    interrupted = run_batch(_StopAfter(lite, 1), plan_batch([SAMPLE], tmp_path / "out"), options)
    assert interrupted.interrupted is not None
    assert run_batch(lite, plan_batch([SAMPLE], tmp_path / "out"), options).ok
    name = "table_two_pages/table_two_pages.html"
    resumed, reference = (tmp_path / "out" / name).read_text(), (tmp_path / "reference" / name).read_text()
    assert resumed == reference and len(page_pictures(tmp_path / "out" / name)) == 2


def test_save_to_viewer_writes_one_file_named_for_the_document(tmp_path):
    target = sample_document().save_to_viewer(tmp_path)
    assert target == tmp_path / "sample.html" and sorted(tmp_path.iterdir()) == [target]
    assert sample_document().save_to_viewer(tmp_path / "other.html") == tmp_path / "other.html"
