"""The JSON schema, the saved files and the CLI outputs of a parse."""

from __future__ import annotations

import json

from click.testing import CliRunner
from PIL import Image

from ocrvl.cli import main
from tests.conftest import SAMPLES, tables_in

BLOCK_KEYS = {"block_label", "block_content", "block_bbox", "block_id", "block_order", "group_id"}


def test_page_json_follows_the_paddleocr_vl_schema(parsed):
    page = parsed("born_digital.pdf").pages[0].page_json
    assert {"input_path", "page_index", "page_count", "width", "height", "model_settings",
            "parsing_res_list", "layout_det_res"} <= set(page)  # fmt: skip
    assert page["page_index"] == 0 and page["page_count"] == 1
    blocks = page["parsing_res_list"]
    assert blocks and all(BLOCK_KEYS <= set(b) for b in blocks)
    for b in blocks:
        x0, y0, x1, y1 = b["block_bbox"]
        assert 0 <= x0 < x1 <= page["width"] and 0 <= y0 < y1 <= page["height"]
    orders = [b["block_order"] for b in blocks if b["block_order"] is not None]
    assert orders == sorted(orders) and orders[0] == 1
    footers = [b for b in blocks if b["block_label"] == "footer"]
    assert footers and all(b["block_order"] is None for b in footers)
    boxes = page["layout_det_res"]["boxes"]
    assert boxes and {"cls_id", "label", "score", "coordinate"} <= set(boxes[0])


def test_footer_stays_in_json_but_not_in_markdown(parsed):
    doc = parsed("born_digital.pdf")
    assert any(b["block_content"] == "Page 1" for b in doc.pages[0].page_json["parsing_res_list"])
    assert "Page 1" not in doc.markdown


def test_api_save_methods_write_files(parsed, tmp_path):
    page = parsed("born_digital.pdf").pages[0]
    md = page.save_to_markdown(tmp_path)
    js = page.save_to_json(tmp_path)
    (img,) = page.save_to_img(tmp_path)
    assert md.name == "born_digital_0.md" and md.read_text().startswith("# Compact Neural Models")
    assert js.name == "born_digital_0_res.json" and json.loads(js.read_text())["parsing_res_list"]
    assert img.name == "born_digital_0_layout_det_res.png"
    assert Image.open(img).size == (page.page.width, page.page.height)


def test_cli_writes_markdown_json_and_layout_pictures(tmp_path):
    result = CliRunner().invoke(main, ["parse", str(SAMPLES / "table_two_pages.pdf"), "-o", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "table_two_pages"
    doc = json.loads((folder / "table_two_pages.json").read_text())
    assert [p["page_index"] for p in doc["pages"]] == [0, 1]
    assert len(tables_in((folder / "table_two_pages.md").read_text())) == 1, "the table continued on page 2 is one"
    continuation = doc["pages"][1]["parsing_res_list"][0]
    assert continuation["block_content"] == "" and continuation["merged_into"]["page_index"] == 0
    pictures = sorted(folder.glob("*_layout.png"))
    assert [p.name for p in pictures] == ["table_two_pages_0_layout.png", "table_two_pages_1_layout.png"]
    assert not list(tmp_path.glob(".*partial*")), "staging folders must not be left behind"


def test_cli_page_range_and_format(tmp_path):
    args = [
        "parse",
        str(SAMPLES / "table_two_pages.pdf"),
        "-o",
        str(tmp_path),
        "-q",
        "--pages",
        "2",
        "--format",
        "json",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "table_two_pages"
    doc = json.loads((folder / "table_two_pages.json").read_text())
    assert [p["page_index"] for p in doc["pages"]] == [1]
    assert not (folder / "table_two_pages.md").exists() and not list(folder.glob("*.png"))


def test_cli_version_and_help():
    runner = CliRunner()
    assert runner.invoke(main, ["--version"]).output.startswith("ocrvl, version ")
    help_text = runner.invoke(main, ["parse", "--help"]).output
    for option in ("--engine", "--pages", "--format", "--overwrite", "--password"):
        assert option in help_text


def test_cli_per_page_outputs_in_the_paddleocr_vl_layout(tmp_path):
    args = ["parse", str(SAMPLES / "table_two_pages.pdf"), "-o", str(tmp_path), "-q", "--format", "pages"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "table_two_pages"
    for index in (0, 1):
        page = json.loads((folder / f"table_two_pages_{index}_res.json").read_text())
        assert page["page_index"] == index and page["parsing_res_list"]
        assert len(tables_in((folder / f"table_two_pages_{index}.md").read_text())) == 1, "pages keep their part"


def test_api_writes_a_document_folder_as_the_cli_does(parser, tmp_path):
    """One document output behind both: the API's save_all and `ocrvl parse` give the same files, byte for byte
    (the layout pictures too)."""
    source = SAMPLES / "scanned.pdf"
    formats = "md,json,img,pages"
    result = CliRunner().invoke(main, ["parse", str(source), "-o", str(tmp_path / "cli"), "-q", "--format", formats])
    assert result.exit_code == 0, result.output
    document = parser.join(parser.predict(source))[0]
    written = document.save_all(tmp_path / "api", formats.split(","))

    def files(root):
        return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file() and p.name[0] != "."}

    cli, api = files(tmp_path / "cli" / "scanned"), files(tmp_path / "api")
    assert sorted(cli) == sorted(api) and cli == api
    assert any(p.parts[0] == "imgs" for p in cli), "a scanned formula is cropped"
    assert {p.relative_to(tmp_path / "api") for p in written} == {p for p in api if p.parts[0] != "imgs"}


def test_formats_are_named_one_way_with_markdown_for_md(tmp_path):
    args = ["parse", str(SAMPLES / "born_digital.pdf"), "-o", str(tmp_path), "-q", "--format", "markdown"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    # no imgs folder: the page has no picture, and its formula is LaTeX
    assert sorted(p.name for p in (tmp_path / "born_digital").iterdir() if p.name[0] != ".") == ["born_digital.md"]
    refused = CliRunner().invoke(main, ["parse", str(SAMPLES / "born_digital.pdf"), "-o", str(tmp_path), "-q",
                                        "--format", "md,docx"])  # fmt: skip
    assert refused.exit_code == 2 and "docx" in refused.output and "md,json,img,pages" in refused.output


def test_each_input_is_counted_once_in_a_batch(monkeypatch, tmp_path):
    """Opening a large PDF is not free: the batch counts an input's pages once, for the progress bar and the
    run alike."""
    import ocrvl.pipeline

    counted = []
    real = ocrvl.pipeline.count_pages
    monkeypatch.setattr(
        ocrvl.pipeline, "count_pages", lambda path, options: counted.append(path) or real(path, options)
    )
    inputs = [str(SAMPLES / "born_digital.pdf"), str(SAMPLES / "table_two_pages.pdf")]
    result = CliRunner().invoke(main, ["parse", *inputs, "-o", str(tmp_path), "-q", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in counted) == ["born_digital.pdf", "table_two_pages.pdf"]
