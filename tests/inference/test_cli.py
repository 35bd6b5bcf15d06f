"""`ocrvl recognize`: whole images through the inference core from the command line."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ocrvl.cli import main
from ocrvl.inference import RecognitionRequest

from .conftest import crop


def test_recognize_prints_each_image_in_order_and_reports_a_broken_file(recognizer, tmp_path):
    images = [crop(160, 50, "first"), crop(90, 120, "second")]
    paths = []
    for i, image in enumerate(images):
        paths.append(tmp_path / f"img{i}.png")
        image.save(paths[-1])
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    args = [
        "recognize", str(paths[0]), str(broken), str(paths[1]), "--model-dir", str(recognizer.directory),
        "--json", "--max-new-tokens", "7", "--no-repetition-guard", "--device", "cpu", "--precision", "fp32",
    ]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "broken.png" in result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["input_path"] for line in lines] == [str(p) for p in paths]
    for line, image in zip(lines, images):
        expected = recognizer.reference(RecognitionRequest(image, "OCR:", max_new_tokens=7))
        assert line["text"] == recognizer.prompter.decode(expected)
        assert line["finish_reason"] == "length" and line["generated_tokens"] == 7


def test_recognize_without_weights_says_where_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.delenv("OCRVL_MODEL_DIR", raising=False)
    image = tmp_path / "a.png"
    crop(50, 20, "a").save(image)
    result = CliRunner().invoke(main, ["recognize", str(image)])
    assert result.exit_code == 1
    assert "hf download" in result.stderr


def test_recognize_spotting_reports_lines_with_outlines(recognizer, tmp_path):
    path = tmp_path / "sign.png"
    crop(120, 40, "EXIT").save(path)
    args = ["recognize", str(path), "--task", "spotting", "--model-dir", str(recognizer.directory), "--json",
            "--max-new-tokens", "5", "--device", "cpu", "--precision", "fp32"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)
    assert isinstance(line["spotting"], list) and isinstance(line["text"], str)
    assert "<|" not in line["text"]  # special tokens are parsed out of the text, not printed
