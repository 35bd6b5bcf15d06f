"""PaddleOCR-VL 1.5 and 1.6 end to end: a tiny recognizer in a folder named as the release, PP-DocLayoutV3 in the
transformers form beside it, through the API and the CLI. The release is told from the weights (auto) or asked
for, and the outputs carry the layout model's outlines."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ocrvl import PaddleOCRVL
from ocrvl.cli import main
from ocrvl.errors import OptionsError
from ocrvl.testing.checkpoints import write_tiny_checkpoint
from ocrvl.testing.ppdoclayout import write_tiny_ppdoclayout_v3
from tests.conftest import SAMPLES

FAST = {"max_new_tokens": 4, "min_pixels": 3_000, "max_pixels": 30_000}
RELEASES = ("v1.5", "v1.6")


@pytest.fixture(scope="module", params=RELEASES)
def release(request, tmp_path_factory):
    """(version, recognizer folder) laid out as `hf download PaddlePaddle/PaddleOCR-VL-1.x` and
    `hf download PaddlePaddle/PP-DocLayoutV3_safetensors` into one models folder leave them."""
    version = request.param
    models = tmp_path_factory.mktemp(f"models-{version}")
    recognizer = write_tiny_checkpoint(models / f"PaddleOCR-VL-{version.removeprefix('v')}")
    write_tiny_ppdoclayout_v3(models / "PP-DocLayoutV3_safetensors")
    return version, recognizer


def test_the_api_runs_the_release_the_weights_are(release):
    version, recognizer = release
    parser = PaddleOCRVL(engine="vl", vl_rec_model_dir=str(recognizer), device="cpu", precision="fp32", **FAST)
    page = parser.predict(SAMPLES / "photo.jpg")[0].page_json
    settings = page["model_settings"]
    assert settings["layout_model"] == "PP-DocLayoutV3" and settings["pipeline_version"] == version
    assert settings["return_layout_polygon_points"] is True
    boxes = page["layout_det_res"]["boxes"]
    assert boxes and all(len(box["polygon_points"]) >= 4 for box in boxes), "every V3 region comes with its outline"
    assert all(box["score"] > 0.3 for box in boxes), "1.5 and 1.6 keep boxes above 0.3, whatever the class"
    blocks = page["parsing_res_list"]
    assert blocks and all("block_polygon_points" in block for block in blocks)


def test_the_cli_asked_for_a_release_writes_its_outlines_or_plain_boxes(release, tmp_path):
    version, recognizer = release
    common = ["parse", str(SAMPLES / "photo.jpg"), "--engine", "vl", "--model-dir", str(recognizer),
              "--pipeline-version", version, "--max-new-tokens", "4", "--min-pixels", "3000", "--max-pixels", "30000",
              "--format", "json", "-q"]  # fmt: skip
    outlined = CliRunner().invoke(main, [*common, "-o", str(tmp_path / "auto")])
    boxed = CliRunner().invoke(main, [*common, "--layout-shape-mode", "rect", "-o", str(tmp_path / "rect")])
    assert outlined.exit_code == 0 and boxed.exit_code == 0, outlined.output + boxed.output
    auto = json.loads((tmp_path / "auto" / "photo" / "photo.json").read_text())["pages"][0]
    rect = json.loads((tmp_path / "rect" / "photo" / "photo.json").read_text())["pages"][0]
    assert auto["model_settings"]["pipeline_version"] == version
    assert any("block_polygon_points" in block for block in auto["parsing_res_list"])
    assert rect["model_settings"]["return_layout_polygon_points"] is False
    assert not any("block_polygon_points" in block for block in rect["parsing_res_list"])



def test_asking_for_the_first_release_with_only_pp_doclayoutv3_names_the_missing_model(release, tmp_path):
    _version, recognizer = release
    args = ["parse", str(SAMPLES / "photo.jpg"), "--engine", "vl", "--model-dir", str(recognizer),
            "--pipeline-version", "v1", "-o", str(tmp_path), "-q"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "No PP-DocLayoutV2 layout weights found" in result.output


def test_pages_read_whole_need_no_layout_weights(tmp_path):
    # PaddleOCR-VL loads no layout model when use_layout_detection is off: a recognizer folder alone is enough, and
    # auto takes the release from the recognizer's name.
    recognizer = write_tiny_checkpoint(tmp_path / "PaddleOCR-VL-1.5")
    parser = PaddleOCRVL(vl_rec_model_dir=str(recognizer), use_layout_detection=False, device="cpu",
                         precision="fp32", **FAST)  # fmt: skip
    page = parser.predict(SAMPLES / "photo.jpg", prompt_label="seal")[0].page_json
    settings = page["model_settings"]
    assert settings["engine"] == "vl" and settings["layout_model"] is None
    assert settings["pipeline_version"] == "v1.5"
    assert [block["block_label"] for block in page["parsing_res_list"]] == ["seal"]
    with pytest.raises(OptionsError, match="created with use_layout_detection=False"):
        parser.predict(SAMPLES / "photo.jpg", use_layout_detection=True)

    result = CliRunner().invoke(main, ["parse", str(SAMPLES / "photo.jpg"), "--engine", "vl", "--model-dir",
                                       str(recognizer), "--no-layout-detection", "--prompt-label", "ocr",
                                       "--max-new-tokens", "4", "--min-pixels", "3000", "--max-pixels", "30000",
                                       "--format", "json", "-q", "-o", str(tmp_path / "out")])  # fmt: skip
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / "out" / "photo" / "photo.json").read_text())["pages"][0]
    assert [block["block_label"] for block in written["parsing_res_list"]] == ["ocr"]
