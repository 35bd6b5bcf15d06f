"""Every page result ocrvl gives a PaddleOCR-VL user (``res.json["res"]``, ``save_to_json``), lite and vl, fits the
JSON Schema of PaddleOCR-VL's page result (tests/schemas/, written from PaddleX 3.7.2's result code)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ocrvl import PaddleOCRVL
from tests.conftest import SAMPLES

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "paddleocr_vl_page.schema.json").read_text(encoding="utf-8"))
SAMPLE_FILES = ("born_digital.pdf", "scanned.pdf", "table_two_pages.pdf", "photo.jpg")
FAST = {"max_new_tokens": 6, "min_pixels": 3_000, "max_pixels": 30_000}


def _problems(page: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(page)]


def test_the_schema_is_valid_and_tells_ocrvls_own_page_json_apart(parser):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    res = parser.predict(SAMPLES / "scanned.pdf")[0]  # its formula is a crop: a block with a block_image
    problems = _problems(res.page_json)
    assert any("'use_ocr_for_image_block' is a required property" in p for p in problems)
    assert any("'block_image' was unexpected" in p for p in problems), "PaddleOCR-VL's blocks have no block_image"
    assert any(p.startswith("layout_det_res: ") for p in problems), "its layout_det_res names no input_path"


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_every_lite_page_fits_the_schema(parser, name, tmp_path):
    pages = parser.predict(SAMPLES / name)
    for res in pages:
        assert _problems(res.json["res"]) == []
        assert _problems(json.loads(res.save_to_json(tmp_path).read_text(encoding="utf-8"))) == []
    for res in [*parser.restructure_pages(pages), *parser.restructure_pages(pages, concatenate_pages=True)]:
        assert _problems(res.json["res"]) == []


def test_every_vl_page_fits_the_schema(release):
    parser = PaddleOCRVL(engine="vl", vl_rec_model_dir=str(release), device="cpu", precision="fp32", **FAST)
    pages = [res for name in ("born_digital.pdf", "photo.jpg") for res in parser.predict(SAMPLES / name)]
    pages += parser.predict(SAMPLES / "born_digital.pdf", max_new_tokens=2, format_block_content=True)
    (whole,) = parser.predict(SAMPLES / "photo.jpg", use_layout_detection=False, prompt_label="table")
    assert [b.label for b in whole["parsing_res_list"]] == ["table"], "the page read whole, as one table block"
    assert not whole["model_settings"]["use_layout_detection"] and "layout_det_res" not in whole
    pages.append(whole)
    for res in pages:
        assert res["model_settings"]["engine"] == "vl"
        assert _problems(res.json["res"]) == []
    for res in parser.restructure_pages(pages[:1], concatenate_pages=True):
        assert _problems(res.json["res"]) == []
