"""`ocrvl serve --engine auto` picks its parse engine as `ocrvl parse` does (one choice, one log line), around the
recognizer it serves."""

from __future__ import annotations

import pytest

from ocrvl.inference import InferenceOptions
from ocrvl.options import PipelineOptions
from ocrvl.serve import ServeOptions, ServeService
from ocrvl.testing.checkpoints import write_tiny_checkpoint


@pytest.fixture
def no_downloads(tmp_path, monkeypatch):
    """Nothing in the Hugging Face cache and no folder named by the environment."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.delenv("OCRVL_MODEL_DIR", raising=False)
    monkeypatch.delenv("OCRVL_LAYOUT_MODEL_DIR", raising=False)


def _load(recognizer_dir) -> ServeService:
    inference = InferenceOptions(device="cpu")
    options = PipelineOptions(engine="auto", vl_rec_model_dir=str(recognizer_dir), inference=inference)
    return ServeService.load(ServeOptions(port=0), options)


def _engine_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(("engine:", "parse engine:"))]


def test_without_layout_weights_auto_parses_with_lite_and_still_serves_the_recognizer(no_downloads, tmp_path, caplog):
    caplog.set_level("INFO", logger="ocrvl")
    recognizer_dir = write_tiny_checkpoint(tmp_path / "models" / "PaddleOCR-VL")
    service = _load(recognizer_dir)
    try:
        health = service.health()
        assert service.recognizer is not None and health["device"] == "cpu"
        assert health["parse_engine"] == "lite"
        assert f"PaddleOCR-VL weights are at {recognizer_dir}, but no PP-DocLayoutV2" in health["parse_engine_reason"]
        assert _engine_lines(caplog) == [f"engine: lite ({health['parse_engine_reason']})"]
    finally:
        service.shutdown()


def test_with_layout_weights_auto_parses_with_vl_around_the_served_recognizer(no_downloads, release, caplog):
    caplog.set_level("INFO", logger="ocrvl")
    service = _load(release)
    try:
        assert service.page_engine.name == "vl"
        assert service.page_engine.engine.recognizer is service.recognizer  # one recognizer: chat and parsing
        assert _engine_lines(caplog) == ["engine: vl (auto; PaddleOCR-VL and PP-DocLayoutV2 weights found)"]
    finally:
        service.shutdown()
