"""Inputs and outputs beyond a local disk: input lists, and fsspec URLs (the memory and local filesystems)."""

from __future__ import annotations

import json
import shutil

import fsspec
import pytest
from click.testing import CliRunner

from ocrvl.api import parse_folder
from ocrvl.cli import main
from ocrvl.cluster import ClusterOptions
from ocrvl.cluster.storage import local_copy_path
from ocrvl.cluster.worker import PageWorker
from tests.cluster.conftest import LITE, outputs, text_pdf
from tests.conftest import SAMPLES

ONE_PAGE_TASKS = ClusterOptions(pages_per_task=1)


@pytest.fixture(autouse=True)
def own_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # output URLs' local mirrors


def memory_files(url: str) -> dict[str, bytes]:
    fs, root = fsspec.core.url_to_fs(url)
    return {found[len(root) + 1 :]: fs.cat_file(found) for found in sorted(fs.find(root))}


def test_an_input_list_names_files_relative_to_itself_with_comments_and_blank_lines(tmp_path):
    first = text_pdf(tmp_path / "lists" / "docs" / "first.pdf", 1, "First")
    second = text_pdf(tmp_path / "elsewhere" / "second.pdf", 1, "Second")
    listing = tmp_path / "lists" / "inputs.txt"
    listing.write_text(f"# this week's documents\ndocs/first.pdf\n\n  {second}  \n")
    result = CliRunner().invoke(main, ["parse", "--input-list", str(listing), "-o", str(tmp_path / "out"),
                                       "--engine", "lite", "-q"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "first" / "first.md").is_file() and (tmp_path / "out" / "second" / "second.md").is_file()
    assert "Second, part 1" in (tmp_path / "out" / "second" / "second.md").read_text()
    assert first.is_file()


def test_an_empty_input_list_is_refused_naming_the_file(tmp_path):
    listing = tmp_path / "inputs.txt"
    listing.write_text("# nothing yet\n")
    result = CliRunner().invoke(main, ["parse", "--input-list", str(listing), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1 and f"{listing}: the input list names no input" in result.output


def test_memory_urls_in_and_out_on_ray_hold_what_a_local_run_writes_and_a_second_run_sends_nothing(cluster, tmp_path):
    fs = fsspec.filesystem("memory")
    for name in ("born_digital.pdf", "table_two_pages.pdf"):
        fs.pipe_file(f"/bucket/docs/{name}", (SAMPLES / name).read_bytes())
    try:
        parse_folder(["memory://bucket/docs"], tmp_path / "local", LITE)
        expected = outputs(tmp_path / "local")
        report = parse_folder(["memory://bucket/docs"], "memory://bucket/out", LITE, cluster=ONE_PAGE_TASKS)
        assert report.ok and len(report.written) == 2
        sent = memory_files("memory://bucket/out")
        assert sent == expected
        created = {path: fs.info(f"/bucket/out/{path}")["created"] for path in sent}

        again = parse_folder(["memory://bucket/docs"], "memory://bucket/out", LITE, cluster=ClusterOptions())
        assert len(again.skipped) == 2 and not again.written
        assert {path: fs.info(f"/bucket/out/{path}")["created"] for path in sent} == created
    finally:
        fs.rm("/bucket", recursive=True)


def test_local_file_urls_through_the_command_line_and_the_json_names_the_url_given(tmp_path):
    source = text_pdf(tmp_path / "in" / "note.pdf", 2, "A note")
    out = tmp_path / "out"
    for target in (out.as_uri(), str(tmp_path / "local")):
        result = CliRunner().invoke(main, ["parse", source.as_uri(), "-o", target, "--engine", "lite", "-q",
                                           "--format", "md,json,pages"])  # fmt: skip
        assert result.exit_code == 0, result.output
    assert outputs(out) == outputs(tmp_path / "local")
    assert (out / "note" / "note.md").read_text().count("A note, part") == 2
    named = [json.loads(path.read_text())["input_path"] for path in sorted((out / "note").glob("note*.json"))]
    assert named and set(named) == {source.as_uri()}, "the URL given, not the node's copy"


def test_a_worker_whose_node_lacks_the_input_copy_makes_its_own(tmp_path):
    source = text_pdf(tmp_path / "bucket" / "note.pdf", 2, "A note")
    copy = local_copy_path(source.as_uri(), tmp_path / "node")
    [page] = PageWorker(LITE, 0).read(str(copy), [1], origin=source.as_uri())
    assert copy.read_bytes() == source.read_bytes()
    assert page.page_index == 1 and "A note, part 2" in " ".join(b.content for b in page.blocks)
    shutil.rmtree(tmp_path / "node")


def test_a_broken_url_input_is_named_by_its_url_in_errors_json_until_it_parses(tmp_path):
    broken = tmp_path / "in" / "report.pdf"
    broken.parent.mkdir()
    broken.write_bytes(b"%PDF-1.7 this is not a PDF")
    out = tmp_path / "out"
    parse_folder([broken.as_uri()], out, LITE)
    [entry] = json.loads((out / "errors.json").read_text())
    assert entry["input"] == broken.as_uri(), "the URL given, not the node's copy"
    text_pdf(broken, 1, "Fixed report")
    parse_folder([broken.as_uri()], out, LITE)
    assert not (out / "errors.json").exists(), "the entry goes once the input parses"
