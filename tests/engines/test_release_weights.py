"""The weight search knows the 1.5 and 1.6 releases and PP-DocLayoutV3's folders, and `ocrvl models list` says
which release it found."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ocrvl.cli import main
from ocrvl.models.locate import ENV_VAR, LAYOUT_ENV_VAR
from ocrvl.testing.checkpoints import write_tiny_checkpoint


@pytest.fixture()
def hub(monkeypatch, tmp_path):
    """An empty Hugging Face cache and no environment variables."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.delenv(LAYOUT_ENV_VAR, raising=False)
    return tmp_path / "hub"


def snapshot(hub, repo):
    root = hub / ("models--" + repo.replace("/", "--"))
    (root / "refs").mkdir(parents=True)
    (root / "refs" / "main").write_text("abc123")
    return root / "snapshots" / "abc123"


def layout_folder(path, model_type):
    """A transformers-format layout folder (the search reads its config; the weights are not opened)."""
    path.mkdir(parents=True)
    (path / "config.json").write_text(json.dumps({"model_type": model_type}))
    (path / "model.safetensors").write_bytes(b"")
    return path


def models_list(*args: str) -> str:
    result = CliRunner().invoke(main, ["models", "list", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_1_6_release_with_its_pp_doclayoutv3_folder_is_found_as_1_6(hub):
    release = write_tiny_checkpoint(snapshot(hub, "PaddlePaddle/PaddleOCR-VL-1.6"))
    layout_folder(release / "PP-DocLayoutV3", "pp_doclayout_v3")
    output = models_list()
    assert f"layout:     {release / 'PP-DocLayoutV3'} (PP-DocLayoutV3)" in output
    assert "release:    PaddleOCR-VL-1.6 (pipeline_version v1.6)" in output


def test_the_safetensors_layout_release_in_the_cache_serves_the_1_5_recognizer(hub):
    write_tiny_checkpoint(snapshot(hub, "PaddlePaddle/PaddleOCR-VL-1.5"))
    layout = layout_folder(snapshot(hub, "PaddlePaddle/PP-DocLayoutV3_safetensors"), "pp_doclayout_v3")
    output = models_list()
    assert f"layout:     {layout} (PP-DocLayoutV3)" in output
    assert "release:    PaddleOCR-VL-1.5 (pipeline_version v1.5)" in output


def test_a_1_5_recognizer_with_the_first_release_layout_runs_the_first_release(hub):
    write_tiny_checkpoint(snapshot(hub, "PaddlePaddle/PaddleOCR-VL-1.5"))
    layout_folder(snapshot(hub, "PaddlePaddle/PaddleOCR-VL") / "PP-DocLayoutV2", "pp_doclayout_v2")
    assert "release:    PaddleOCR-VL (pipeline_version v1)" in models_list()


def test_an_asked_release_looks_only_for_its_own_models(hub):
    release = write_tiny_checkpoint(snapshot(hub, "PaddlePaddle/PaddleOCR-VL-1.5"))
    layout_folder(release / "PP-DocLayoutV3", "pp_doclayout_v3")
    output = models_list("--pipeline-version", "v1")
    assert "Missing: the recognizer and the layout model" in output
    assert "PaddleOCR-VL-1.5" not in output  # neither the 1.5 repository nor its layout folder is looked at
    assert "release:    PaddleOCR-VL-1.5" in models_list("--pipeline-version", "v1.5")


def test_a_recognizer_in_a_release_named_subfolder_is_found(hub, tmp_path):
    folder = write_tiny_checkpoint(tmp_path / "models" / "PaddleOCR-VL-1.6")
    layout_folder(tmp_path / "models" / "PP-DocLayoutV3_safetensors", "pp_doclayout_v3")
    output = models_list("--model-dir", str(tmp_path / "models"))
    assert f"recognizer: {folder}" in output
    assert "release:    PaddleOCR-VL-1.6 (pipeline_version v1.6)" in output


def test_the_paddle_form_of_pp_doclayoutv3_is_passed_over_for_the_safetensors_release(hub):
    """The 1.5 release's own PP-DocLayoutV3/ folder is Paddle's inference format, which ocrvl does not read yet:
    the search says so and goes on to the transformers-format release instead of failing on it."""
    release = write_tiny_checkpoint(snapshot(hub, "PaddlePaddle/PaddleOCR-VL-1.5"))
    paddle = release / "PP-DocLayoutV3"
    paddle.mkdir()
    for name in ("inference.json", "inference.pdiparams"):
        (paddle / name).write_bytes(b"{}")
    (paddle / "inference.yml").write_text("Global:\n  model_name: PP-DocLayoutV3\n")
    (paddle / "config.json").write_text(json.dumps({"mode": "paddle", "Global": {"model_name": "PP-DocLayoutV3"}}))
    layout = layout_folder(snapshot(hub, "PaddlePaddle/PP-DocLayoutV3_safetensors"), "pp_doclayout_v3")
    output = models_list()
    assert f"layout:     {layout} (PP-DocLayoutV3)" in output
    assert "PP-DocLayoutV3 in Paddle format, which ocrvl does not read yet" in output
