"""The vl engine end to end with tiny random checkpoints laid out like the official release: the recognizer's
folder with ``PP-DocLayoutV2/`` (Paddle format) inside it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ocrvl import PaddleOCRVL
from ocrvl.cli import main
from ocrvl.engines import create_engine
from ocrvl.engines.vl import VlEngine
from ocrvl.inference import InferenceEngine, InferenceOptions, RecognitionRequest
from ocrvl.models.locate import CheckpointError
from ocrvl.options import PipelineOptions
from ocrvl.recognition.vl.content import clean_block_content
from ocrvl.recognition.vl.routing import crop_box
from ocrvl.testing.checkpoints import write_tiny_checkpoint
from tests.conftest import SAMPLES

# Small crops and short answers keep the tiny recognizer fast; the point is the flow, not the text.
FAST = {"max_new_tokens": 6, "min_pixels": 3_000, "max_pixels": 30_000}
PP_DOCLAYOUT_V2_LABELS = {
    "abstract", "algorithm", "aside_text", "chart", "content", "display_formula", "doc_title", "figure_title",
    "footer", "footer_image", "footnote", "formula_number", "header", "header_image", "image", "inline_formula",
    "number", "paragraph_title", "reference", "reference_content", "seal", "table", "text", "vertical_text",
    "vision_footnote",
}  # fmt: skip


@pytest.fixture(scope="module")
def parser(release):
    return PaddleOCRVL(engine="vl", vl_rec_model_dir=str(release), device="cpu", precision="fp32", **FAST)


def test_vl_engine_reads_every_block_of_a_pdf(parser):
    pages = parser.predict(SAMPLES / "born_digital.pdf")
    assert len(pages) == 1
    page = pages[0].page_json
    assert page["model_settings"]["engine"] == "vl"
    blocks = page["parsing_res_list"]
    assert blocks and {b["block_label"] for b in blocks} <= PP_DOCLAYOUT_V2_LABELS
    assert page["layout_det_res"]["boxes"]
    read = [b for b in blocks if b["block_label"] not in ("image", "header_image", "footer_image", "chart", "seal")]
    assert read and all(isinstance(b["block_content"], str) for b in read)
    assert "unread_blocks" not in page["model_settings"]


def test_block_content_is_what_the_recognizer_reads_for_that_crop(parser, release):
    page = parser.predict(SAMPLES / "born_digital.pdf")[0].page
    block = next(b for b in page.blocks if b.label == "text")
    request = RecognitionRequest(crop_box(page.image, block.region.bbox), "OCR:", max_new_tokens=6,
                                 min_pixels=FAST["min_pixels"], max_pixels=FAST["max_pixels"])  # fmt: skip
    with InferenceEngine.from_dir(release, InferenceOptions(device="cpu", precision="fp32")) as engine:
        direct = engine.recognize([request])[0]
    assert block.content == clean_block_content("text", direct.text)


def test_cli_parse_with_the_vl_engine_writes_markdown_json_and_layout(release, tmp_path):
    out = tmp_path / "out"
    args = ["parse", str(SAMPLES / "table_two_pages.pdf"), "-o", str(out), "--engine", "vl", "--model-dir",
            str(release), "--device", "cpu", "--precision", "fp32", "--max-new-tokens", "6", "--min-pixels", "3000",
            "--max-pixels", "30000", "-q"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    folder = out / "table_two_pages"
    document = json.loads((folder / "table_two_pages.json").read_text())
    assert len(document["pages"]) == 2
    assert all(p["model_settings"]["engine"] == "vl" for p in document["pages"])
    assert (folder / "table_two_pages.md").is_file()
    assert len(list(folder.glob("*layout*.png"))) == 2


def test_auto_picks_vl_when_both_models_are_found(release, monkeypatch):
    monkeypatch.setenv("OCRVL_MODEL_DIR", str(release))
    engine = create_engine(PipelineOptions(engine="auto", inference=InferenceOptions(device="cpu")))
    assert isinstance(engine, VlEngine)
    engine.close()


def test_missing_layout_model_is_a_clear_error(tmp_path):
    write_tiny_checkpoint(tmp_path / "recognizer")
    with pytest.raises(CheckpointError, match="PP-DocLayoutV2"):
        create_engine(PipelineOptions(engine="vl", vl_rec_model_dir=str(tmp_path / "recognizer")))


def test_converted_layout_model_parses_the_same(release, parser, tmp_path):
    converted = tmp_path / "PP-DocLayoutV2-hf"
    result = CliRunner().invoke(main, ["models", "convert", str(release / "PP-DocLayoutV2"), str(converted)])
    assert result.exit_code == 0, result.output
    assert (converted / "config.json").is_file() and (converted / "model.safetensors").is_file()
    again = PaddleOCRVL(engine="vl", vl_rec_model_dir=str(release), layout_detection_model_dir=str(converted),
                        device="cpu", precision="fp32", **FAST)  # fmt: skip
    expected = parser.predict(SAMPLES / "born_digital.pdf")[0].page_json
    got = again.predict(SAMPLES / "born_digital.pdf")[0].page_json
    assert got["layout_det_res"] == expected["layout_det_res"]
    assert got["parsing_res_list"] == expected["parsing_res_list"]


def test_converting_a_folder_without_paddle_files_fails_clearly(tmp_path):
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["models", "convert", str(tmp_path / "empty"), str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "ocrvl: error:" in result.output and "inference" in result.output
    assert not (tmp_path / "out").exists()
