"""Broken inputs: one clear line naming the file and the problem, nothing half-written, the batch goes on."""

from __future__ import annotations

import contextlib
import json
import os
import struct
import threading
import zlib
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from click.testing import CliRunner

from ocrvl import InputError, PaddleOCRVL
from ocrvl.cli import main
from tests.conftest import SAMPLES


def _png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG that declares width x height pixels but holds almost no data (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b"")
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + body)
    return path


def _zero_page_pdf(path: Path) -> Path:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def _page_count_lie_pdf(path: Path) -> Path:
    """One page under a page tree whose /Count claims a billion."""
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "One page only.")
    path.write_bytes(doc.tobytes().replace(b"/Count 1", b"/Count 1000000000"))
    return path


def _encrypted_pdf(path: Path) -> Path:
    doc = pymupdf.open(SAMPLES / "born_digital.pdf")
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    return path


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _born_digital_bytes() -> bytes:
    return (SAMPLES / "born_digital.pdf").read_bytes()


# case -> (make the file in a folder, words the error must contain)
BAD_INPUTS = {
    "missing": (lambda d: d / "missing.pdf", "no such file"),
    "empty": (lambda d: _write(d / "empty.pdf", b""), "file is empty"),
    "truncated": (lambda d: _write(d / "truncated.pdf", _born_digital_bytes()[:5000]), "truncated"),
    "corrupt": (lambda d: _write(d / "corrupt.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"%%EOF"), "corrupt"),
    "encrypted": (lambda d: _encrypted_pdf(d / "locked.pdf"), "encrypted"),
    "zero_pages": (lambda d: _zero_page_pdf(d / "zero.pdf"), "no pages"),
    "page_count_lie": (lambda d: _page_count_lie_pdf(d / "billion.pdf"), "corrupt"),
    "text_named_pdf": (lambda d: _write(d / "notes.pdf", b"just some notes\n"), "not a PDF"),
    "huge_image": (lambda d: _png_header_only(d / "huge.png", 30000, 30000), "megapixels"),
    "corrupt_image": (lambda d: _write(d / "broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64), "image"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_api_raises_a_clear_input_error(case, tmp_path, parser):
    make, problem = BAD_INPUTS[case]
    path = make(tmp_path)
    with pytest.raises(InputError) as info:
        parser.predict(path)
    message = str(info.value)
    assert str(path) in message and problem in message
    assert "\n" not in message


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_cli_reports_one_line_and_leaves_nothing_half_written(case, tmp_path):
    make, problem = BAD_INPUTS[case]
    inputs = tmp_path / "in"
    inputs.mkdir()
    path = make(inputs)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["parse", str(path), "-o", str(out), "-q"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    error_lines = [line for line in result.output.splitlines() if problem in line]
    assert error_lines and str(path) in error_lines[0]
    errors = json.loads((out / "errors.json").read_text())
    assert errors == [{"input": str(path), "error": errors[0]["error"]}] and problem in errors[0]["error"]
    assert sorted(p.name for p in out.iterdir()) == ["errors.json"], "no output may be left for a failed file"


def test_encrypted_pdf_opens_with_its_password(tmp_path):
    path = _encrypted_pdf(tmp_path / "locked.pdf")
    pages = PaddleOCRVL(engine="lite", password="secret").predict(path)
    assert "Compact Neural Models" in pages[0].page_markdown
    with pytest.raises(InputError, match="password is wrong"):
        PaddleOCRVL(engine="lite", password="nope").predict(path)


def test_output_path_that_is_a_file_is_refused(tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("I am a file")
    result = CliRunner().invoke(main, ["parse", str(SAMPLES / "born_digital.pdf"), "-o", str(blocker), "-q"])
    assert result.exit_code == 1
    assert "not a folder" in result.output and "Traceback" not in result.output


def _small_pdf(path: Path, text: str) -> Path:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 100), text, fontsize=12)
    doc.save(path)
    return path


def test_folder_batch_goes_past_a_corrupt_file_and_resumes(tmp_path):
    inputs = tmp_path / "in"
    (inputs / "sub").mkdir(parents=True)
    _small_pdf(inputs / "first.pdf", "The first document talks about apples.")
    _small_pdf(inputs / "sub" / "second.pdf", "The second document talks about pears.")
    (inputs / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage " * 50)
    out = tmp_path / "out"

    first = CliRunner().invoke(main, ["parse", str(inputs), "-o", str(out)])
    assert first.exit_code == 1
    assert "apples" in (out / "first" / "first.md").read_text()
    assert "pears" in (out / "sub" / "second" / "second.md").read_text()
    errors = json.loads((out / "errors.json").read_text())
    assert [e["input"] for e in errors] == [str(inputs / "broken.pdf")]
    assert "2 written, 0 already done, 1 failed" in first.output

    stamp = (out / "first" / "first.md").stat().st_mtime_ns
    second = CliRunner().invoke(main, ["parse", str(inputs), "-o", str(out)])
    assert "0 written, 2 already done, 1 failed" in second.output
    assert (out / "first" / "first.md").stat().st_mtime_ns == stamp

    third = CliRunner().invoke(main, ["parse", str(inputs / "first.pdf"), "-o", str(out), "--overwrite"])
    assert third.exit_code == 0 and "1 written" in third.output


# ------------------------------------------------------------------------------------------ hostile input


def _pdf_with_a_dot_page(path: Path) -> Path:
    """Three pages; the second has /UserUnit 1e-7: a page with no area, which nothing can render."""
    doc = pymupdf.open()
    for word in ("apples", "nothing", "cherries"):
        doc.new_page().insert_text((72, 100), f"This page talks about {word}.", fontsize=12)
    doc.xref_set_key(doc[1].xref, "UserUnit", "0.0000001")
    doc.save(path)
    return path


def test_a_page_that_cannot_be_rendered_is_reported_and_the_others_are_written(tmp_path):
    source = _pdf_with_a_dot_page(tmp_path / "dot.pdf")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["parse", str(source), "-o", str(out), "-q"])
    assert f"{source}: page 2 has no area" in result.output, "one line says which page and why"
    markdown = (out / "dot" / "dot.md").read_text()
    assert "apples" in markdown and "cherries" in markdown
    pages = json.loads((out / "dot" / "dot.json").read_text())["pages"]
    assert [p["page_index"] for p in pages] == [0, 1, 2] and all("error" not in pages[k] for k in (0, 2))
    assert pages[1]["error"].startswith(f"{source}: page 2 has no area") and pages[1]["parsing_res_list"] == []
    assert (out / "dot" / "dot_1_layout.png").stat().st_size > 0, "the failed page's picture says why"


def test_the_api_yields_the_failed_page_in_its_place(tmp_path, parser):
    pages = parser.predict(_pdf_with_a_dot_page(tmp_path / "dot.pdf"))
    assert [p.page.error is None for p in pages] == [True, False, True]
    assert "page 2 has no area" in pages[1].page_json["error"] and pages[1].page_markdown.strip() == ""
    document = parser.join(pages)[0]
    assert "apples" in document.markdown and "cherries" in document.markdown
    assert "error" in document.json["pages"][1]


def test_a_float32_tiff_is_read_not_left_blank(tmp_path, parser):
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", (900, 200), 255)
    ImageDraw.Draw(page).text((40, 70), "Floating point scans", fill=0, font=ImageFont.load_default(size=48))
    path = tmp_path / "float.tif"
    Image.fromarray(np.asarray(page, np.float32) / 255.0, "F").save(path)
    (result,) = parser.predict(path)
    assert "Floating point scans" in result.page_markdown


def _run_cli_within(seconds: float, args: list[str]):
    """The CLI's result, or a test failure when it is still running after `seconds` (a hang)."""
    results: list = []
    worker = threading.Thread(target=lambda: results.append(CliRunner().invoke(main, args)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert results, f"ocrvl {' '.join(args)} still runs after {seconds} s"
    return results[0]


def test_a_fifo_given_as_input_is_refused_at_once_and_a_folder_walk_skips_it(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    fifo = inputs / "pipe.pdf"
    os.mkfifo(fifo)
    _small_pdf(inputs / "real.pdf", "A regular document about plums.")
    out = tmp_path / "out"
    try:
        given = _run_cli_within(60, ["parse", str(fifo), "-o", str(out), "-q"])
        walked = _run_cli_within(60, ["parse", str(inputs), "-o", str(out), "-q"])
    finally:
        with contextlib.suppress(OSError):  # a reader stuck in open() gets its end of file
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert given.exit_code == 1 and f"{fifo}: is a named pipe (FIFO)" in given.output
    assert walked.exit_code == 0 and "plums" in (out / "real" / "real.md").read_text()


def test_a_huge_page_range_on_the_command_line_parses_the_one_page_at_once(tmp_path):
    out = tmp_path / "out"
    source = _small_pdf(tmp_path / "one.pdf", "A single page about figs.")
    result = _run_cli_within(60, ["parse", str(source), "-o", str(out), "-q", "--pages", "1-100000000"])
    assert result.exit_code == 0 and "figs" in (out / "one" / "one.md").read_text()


@pytest.mark.parametrize("stem", ["a" * 251, "é" * 125 + "x", "report " * 35])
def test_long_file_names_get_outputs_that_fit_the_file_system(tmp_path, stem):
    inputs = tmp_path / "in"
    inputs.mkdir()
    source = _small_pdf(inputs / f"{stem}.pdf", "A document with a very long name about limes.")
    sibling = _small_pdf(inputs / f"{stem[:-1]}Z.pdf", "Its sibling with the same long prefix, about kiwis.")
    out = tmp_path / "out"
    first = CliRunner().invoke(main, ["parse", str(inputs), "-o", str(out), "-q", "--format", "md,json,img,pages"])
    assert first.exit_code == 0, first.output
    folders = sorted(p for p in out.iterdir() if p.is_dir())
    assert len(folders) == 2, "two inputs, two output folders"
    texts = {(folder / f"{folder.name}.md").read_text() for folder in folders}
    assert any("limes" in t for t in texts) and any("kiwis" in t for t in texts)
    names = [p.name for p in out.rglob("*")]
    assert max(len(n.encode()) for n in names) <= 255
    second = CliRunner().invoke(main, ["parse", str(inputs), "-o", str(out)])
    assert "2 already done" in second.output, "names are the same from run to run"
    assert source.exists() and sibling.exists()


def test_a_failed_page_breaks_a_table_continued_over_it_and_has_a_picture_saying_why():
    from ocrvl.postprocess.cross_page import restructure_pages
    from ocrvl.postprocess.json_output import document_json
    from ocrvl.postprocess.markdown import document_markdown
    from ocrvl.postprocess.visualize import layout_picture
    from ocrvl.types import PageFailure, PageResult
    from tests.postprocess.pages import block, page, table

    lost = PageResult.failed(PageFailure(Path("doc.pdf"), 1, 3, "cannot be rendered (broken content)"))
    first, last = page(0, block("table", table("a|b", "1|2")), count=3), page(2, block("table", table("3|4")), count=3)
    pages = [first, lost, last]
    restructured = restructure_pages(pages)
    assert [p.blocks[0].content for p in (restructured[0], restructured[2])] == [table("a|b", "1|2"), table("3|4")]
    assert document_markdown(restructured).count("<table>") == 2
    assert document_json(restructured)["pages"][1]["error"] == "doc.pdf: page 2 cannot be rendered (broken content)"
    picture = layout_picture(lost)
    assert picture.width > 100 and min(picture.convert("L").getdata()) < 128, "the picture shows the reason"
