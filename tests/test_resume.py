"""Runs into the same output folder: what is skipped, what is parsed again, where each document goes, what
errors.json keeps, and how an interrupted document resumes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from click.testing import CliRunner

from ocrvl.batch import plan_batch, run_batch
from ocrvl.cli import main
from ocrvl.options import PipelineOptions
from ocrvl.outputs import MANIFEST_NAME, staging_path
from ocrvl.pipeline import Pipeline
from ocrvl.resume import decode, encode
from ocrvl.types import Block, PageResult, Region
from tests.conftest import SAMPLES


def small_pdf(path: Path, *texts: str) -> Path:
    """A born-digital PDF with one page per text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = pymupdf.open()
    for text in texts:
        doc.new_page().insert_text((72, 100), text, fontsize=12)
    doc.save(path)
    return path


def parse(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["parse", *map(str, args)])
    return result.exit_code, result.output


def pages_in(folder: Path) -> list[int]:
    return [p["page_index"] for p in json.loads((folder / f"{folder.name}.json").read_text())["pages"]]


@pytest.fixture(scope="module")
def lite() -> Pipeline:
    return Pipeline(PipelineOptions(engine="lite"))


# ---------------------------------------------------------------------------------------------- what is skipped


def test_a_full_run_after_a_page_selection_parses_every_page(tmp_path):
    sample = SAMPLES / "table_two_pages.pdf"
    assert parse(sample, "-o", tmp_path, "--pages", "1")[0] == 0
    assert pages_in(tmp_path / "table_two_pages") == [0]
    code, output = parse(sample, "-o", tmp_path)
    assert code == 0 and "1 written, 0 already done" in output
    assert pages_in(tmp_path / "table_two_pages") == [0, 1]
    code, output = parse(sample, "-o", tmp_path)
    assert "0 written, 1 already done" in output, "the same input and options are not parsed again"


def test_asking_for_per_page_files_writes_them_and_fewer_formats_skip(tmp_path):
    sample = SAMPLES / "table_two_pages.pdf"
    folder = tmp_path / "table_two_pages"
    assert parse(sample, "-o", tmp_path, "-q")[0] == 0
    assert not (folder / "table_two_pages_0_res.json").exists()
    code, output = parse(sample, "-o", tmp_path, "--format", "md,json,img,pages")
    assert code == 0 and "1 written" in output
    assert json.loads((folder / "table_two_pages_1_res.json").read_text())["page_index"] == 1
    assert (folder / "table_two_pages_1.md").read_text()
    assert "1 already done" in parse(sample, "-o", tmp_path, "--format", "md")[1], "a subset of what is there"


@pytest.mark.parametrize("option", [["--no-merge-tables"], ["--dpi", "100"], ["--layout-threshold", "0.5"]])
def test_options_that_change_the_output_parse_again(option, tmp_path):
    sample = SAMPLES / "table_two_pages.pdf"
    assert parse(sample, "-o", tmp_path, "-q", "--format", "json")[0] == 0
    code, output = parse(sample, "-o", tmp_path, "--format", "json", *option)
    assert code == 0 and "1 written, 0 already done" in output


def test_a_changed_input_file_is_parsed_again(tmp_path):
    source = small_pdf(tmp_path / "in" / "notes.pdf", "This document talks about apples and pies.")
    assert parse(source, "-o", tmp_path / "out", "-q")[0] == 0
    small_pdf(source, "This document talks about pears and jam.")
    code, output = parse(source, "-o", tmp_path / "out")
    assert code == 0 and "1 written" in output
    assert "pears" in (tmp_path / "out" / "notes" / "notes.md").read_text()


def test_files_with_one_name_in_two_folders_never_share_an_output_folder(tmp_path):
    apples = small_pdf(tmp_path / "a" / "x.pdf", "This document talks about apples and pies.")
    pears = small_pdf(tmp_path / "b" / "x.pdf", "This document talks about pears and jam.")
    out = tmp_path / "out"
    assert parse(apples, "-o", out, "-q")[0] == 0
    code, output = parse(pears, "-o", out)
    assert code == 0 and "1 written, 0 already done" in output, "b/x.pdf is not a/x.pdf"
    assert "apples" in (out / "x" / "x.md").read_text()
    assert "pears" in (out / "x_2" / "x_2.md").read_text()
    assert "0 written, 2 already done" in parse(pears, apples, "-o", out)[1], "each finds its own folder"
    assert sorted(p.name for p in out.iterdir()) == ["x", "x_2"]


def test_a_folder_of_someone_else_is_not_replaced(tmp_path):
    out = tmp_path / "out"
    (out / "born_digital").mkdir(parents=True)
    (out / "born_digital" / "notes.txt").write_text("mine")
    assert parse(SAMPLES / "born_digital.pdf", "-o", out, "-q")[0] == 0
    assert (out / "born_digital" / "notes.txt").read_text() == "mine"
    assert (out / "born_digital_2" / "born_digital_2.md").exists()


def test_the_same_file_given_twice_is_parsed_once(tmp_path):
    source = small_pdf(tmp_path / "in" / "notes.pdf", "This document talks about apples and pies.")
    (tmp_path / "link.pdf").symlink_to(source)
    code, output = parse(source, tmp_path / "in", tmp_path / "link.pdf", source, "-o", tmp_path / "out")
    assert code == 0 and "1 written, 0 already done, 0 failed" in output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["notes"]


def test_an_output_folder_inside_the_input_folder_is_never_read_as_input(tmp_path):
    inputs = tmp_path / "in"
    small_pdf(inputs / "notes.pdf", "This document talks about apples and pies.")
    for _ in range(2):
        code, output = parse(inputs, "-o", inputs / "out")
        assert code == 0
    assert "0 written, 1 already done" in output
    assert sorted(p.name for p in (inputs / "out").iterdir()) == ["notes"]
    # The results of an earlier run into another folder are not input either (its pictures are images).
    code, output = parse(inputs, "-o", inputs / "out2")
    assert code == 0 and "1 written, 0 already done, 0 failed" in output


def test_the_manifest_says_what_produced_the_folder(tmp_path):
    source = small_pdf(tmp_path / "notes.pdf", "This document talks about apples and pies.")
    assert parse(source, "-o", tmp_path / "out", "-q", "--pages", "1", "--password", "not-stored")[0] == 0
    manifest = json.loads((tmp_path / "out" / "notes" / MANIFEST_NAME).read_text())
    assert manifest["input"] == str(source.resolve()) and len(manifest["input_sha256"]) == 64
    assert manifest["options"]["pages"] == "1" and manifest["options"]["engine"] == "lite"
    assert "password" not in manifest["options"] and "not-stored" not in json.dumps(manifest)
    assert manifest["formats"] == ["img", "json", "md"] and manifest["pages"] == 1


# ---------------------------------------------------------------------------------------------- file modes


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_results_honour_the_umask(umask, tmp_path):
    previous = os.umask(umask)
    try:
        assert parse(SAMPLES / "scanned.pdf", "-o", tmp_path / "out", "-q")[0] == 0  # with a formula crop in imgs/
    finally:
        os.umask(previous)
    folder = tmp_path / "out" / "scanned"
    for path in [folder, folder / "imgs", *folder.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        expected = (0o777 if path.is_dir() else 0o666) & ~umask
        assert mode == expected, f"{path.name}: {oct(mode)}, expected {oct(expected)}"


# ---------------------------------------------------------------------------------------------- errors.json


def test_errors_json_keeps_failures_until_their_document_succeeds(tmp_path):
    broken = tmp_path / "in" / "broken.pdf"
    broken.parent.mkdir()
    broken.write_bytes(b"%PDF-1.7\n garbage " * 50)
    good = small_pdf(tmp_path / "in" / "good.pdf", "This document talks about apples and pies.")
    other = small_pdf(tmp_path / "elsewhere" / "other.pdf", "This document talks about pears and jam.")
    out = tmp_path / "out"
    errors = out / "errors.json"

    assert parse(tmp_path / "in", "-o", out, "-q")[0] == 1
    assert [e["input"] for e in json.loads(errors.read_text())] == [str(broken)]
    assert parse(other, "-o", out, "-q")[0] == 0, "an unrelated run succeeds"
    assert [e["input"] for e in json.loads(errors.read_text())] == [str(broken)], "and keeps the earlier failure"
    assert parse(tmp_path / "in", "-o", out, "-q")[0] == 1
    assert [e["input"] for e in json.loads(errors.read_text())] == [str(broken)], "listed once, still failing"

    small_pdf(broken, "This document was broken and is fixed now.")
    code, output = parse(broken, good, "-o", out)
    assert code == 0 and "1 written, 1 already done, 0 failed" in output
    assert not errors.exists(), "nothing is failing any more"


def test_a_page_that_cannot_be_rendered_is_listed_and_the_document_still_written(tmp_path):
    source = small_pdf(
        tmp_path / "in" / "notes.pdf",
        "This document talks about apples and pies.",
        "This page shrinks to a dot.",
        "This document talks about pears and jam.",
    )
    with pymupdf.open(source) as doc:  # /UserUnit 1e-7: a page with no area, which nothing can render
        doc.xref_set_key(doc[1].xref, "UserUnit", "0.0000001")
        doc.saveIncr()
    out = tmp_path / "out"
    code, output = parse(source, "-o", out)
    assert code == 1 and "1 written, 0 already done, 0 failed, 1 page(s) unreadable" in output
    markdown = (out / "notes" / "notes.md").read_text()
    assert "apples" in markdown and "pears" in markdown
    (entry,) = json.loads((out / "errors.json").read_text())
    assert entry["input"] == str(source) and entry["page"] == 2 and "page 2 has no area" in entry["error"]

    code, output = parse(source, "-o", out)
    assert code == 1 and "1 already done" in output, "a finished document keeps its page errors"
    assert json.loads((out / "errors.json").read_text()) == [entry]
    small_pdf(source, "This document talks about apples and pies.", "This page is whole again.")
    assert parse(source, "-o", out, "-q")[0] == 0
    assert not (out / "errors.json").exists()


# ---------------------------------------------------------------------------------------------- resuming


class _StopAfter:
    """A pipeline interrupted (as by Ctrl-C) once it has produced `pages` pages."""

    def __init__(self, pipeline: Pipeline, pages: int):
        self.pipeline, self.pages = pipeline, pages
        self.produced = 0

    def __getattr__(self, name):
        return getattr(self.pipeline, name)

    def iter_document(self, path):
        for page in self.pipeline.iter_document(path):
            if self.produced == self.pages:
                raise KeyboardInterrupt
            self.produced += 1
            yield page


class _CountingEngine:
    """A page engine that counts the pages it analyses."""

    def __init__(self, engine):
        self.engine, self.analysed = engine, 0
        self.name = engine.name

    def analyze(self, page):
        self.analysed += 1
        return self.engine.analyze(page)

    def recognize(self, analysis):
        return self.engine.recognize(analysis)


@pytest.fixture(scope="module")
def four_pages(tmp_path_factory) -> Path:
    """born_digital.pdf, then the two pages of a table continued on the next page, then a last page."""
    path = tmp_path_factory.mktemp("in") / "report.pdf"
    doc = pymupdf.open()
    for name in ("born_digital.pdf", "table_two_pages.pdf"):
        with pymupdf.open(SAMPLES / name) as part:
            doc.insert_pdf(part)
    doc.new_page().insert_text((72, 100), "The end of the report.", fontsize=12)
    doc.save(path)
    return path


def _outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_an_interrupted_document_resumes_at_its_next_page_and_ends_as_an_uninterrupted_run(lite, four_pages, tmp_path):
    reference = run_batch(lite, plan_batch([four_pages], tmp_path / "reference"))
    assert reference.ok
    out = tmp_path / "out"
    interrupted = run_batch(_StopAfter(lite, 2), plan_batch([four_pages], out))  # stops between the table's pages
    assert interrupted.interrupted is not None and interrupted.interrupted_pages == 2
    assert not (out / "report").exists() and staging_path(out / "report").is_dir()
    (staging_path(out / "report") / ".ocrvl-5eaf00d1.tmp").write_bytes(b"half a picture")  # as a kill -9 leaves it

    counting = _CountingEngine(lite.engine)
    resumed = run_batch(Pipeline(lite.options, engine=counting), plan_batch([four_pages], out))
    assert resumed.written == [out / "report"] and counting.analysed == 2, "pages 3 and 4 only"
    assert _outputs(out / "report") == _outputs(tmp_path / "reference" / "report")
    assert "<table" in (out / "report" / "report.md").read_text()
    assert not staging_path(out / "report").exists()


def test_a_resumed_document_whose_last_pages_cannot_be_rendered_still_ends_as_an_uninterrupted_run(lite, tmp_path):
    source = small_pdf(
        tmp_path / "notes.pdf",
        "This document talks about apples and pies.",
        "This document talks about pears and jam.",
        "This page shrinks to a dot.",
    )
    with pymupdf.open(source) as doc:
        doc.xref_set_key(doc[2].xref, "UserUnit", "0.0000001")
        doc.saveIncr()
    reference = run_batch(lite, plan_batch([source], tmp_path / "reference"))
    assert reference.written and [e["page"] for e in reference.failed_pages] == [3]
    out = tmp_path / "out"
    assert run_batch(_StopAfter(lite, 2), plan_batch([source], out)).interrupted is not None
    resumed = run_batch(lite, plan_batch([source], out))
    assert resumed.written == [out / "notes"], resumed.failed
    assert resumed.failed_pages == reference.failed_pages
    assert _outputs(out / "notes") == _outputs(tmp_path / "reference" / "notes")


def test_an_interrupted_document_is_not_resumed_with_other_options(four_pages, tmp_path):
    out = tmp_path / "out"
    low = Pipeline(PipelineOptions(engine="lite", dpi=72, pages="1-2"))
    assert run_batch(_StopAfter(low, 1), plan_batch([four_pages], out)).interrupted is not None
    counting = _CountingEngine(low.engine)
    full = Pipeline(PipelineOptions(engine="lite", pages="1-2"), engine=counting)
    assert run_batch(full, plan_batch([four_pages], out)).ok
    assert counting.analysed == 2, "page 1 at 72 dpi is not taken for page 1 at 144 dpi"
    widths = {p["width"] for p in json.loads((out / "report" / "report.json").read_text())["pages"]}
    assert widths == {1190}, "A4 pages at 144 dpi (72 dpi would be 595 pixels wide)"


def test_staging_folders_left_by_killed_runs_are_removed(tmp_path):
    out = tmp_path / "out"
    leftovers = [out / ".old.partial-k3j9a_x1", out / "sub" / ".report.partial", out / ".notes.replaced"]
    for folder in leftovers:
        (folder / "imgs").mkdir(parents=True)
        (folder / "imgs" / "big.jpg").write_bytes(b"x" * 1000)
    source = small_pdf(tmp_path / "notes.pdf", "This document talks about apples and pies.")
    assert parse(source, "-o", out, "-q")[0] == 0
    assert not any(folder.exists() for folder in leftovers)
    assert sorted(p.name for p in out.iterdir()) == ["notes", "sub"]


def test_a_staging_folder_in_use_by_another_run_is_left_alone(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    busy = out = tmp_path / "out"
    busy = out / ".other.partial"
    busy.mkdir(parents=True)
    fd = os.open(busy, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        source = small_pdf(tmp_path / "notes.pdf", "This document talks about apples and pies.")
        assert parse(source, "-o", out, "-q")[0] == 0
        assert busy.is_dir()
    finally:
        os.close(fd)


def test_a_stored_page_reads_back_equal_value_for_value_and_type_for_type():
    region = Region((np.float32(10.5), np.float32(20.25), 300.0, 400.0), "table", np.float64(0.93), cls_id=7)
    block = Block(region, "<table></table>", block_id=3, group_id=3, image_path="imgs/x.jpg", merged_into=(1, 2))
    page = PageResult(Path("in/x.pdf"), 2, 5, 1190, 1684, [region], [block], {"dpi": 144.0, "ratio": (1, 2)})
    stored = decode(json.loads(json.dumps(encode(page))))
    assert stored == page
    assert type(stored.regions[0].bbox[0]) is np.float32 and type(stored.regions[0].score) is np.float64
    assert stored.blocks[0].merged_into == (1, 2) and stored.model_settings["ratio"] == (1, 2)
