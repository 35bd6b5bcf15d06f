"""The vl pipeline with its recognizer behind `ocrvl serve` (the server backend, over real HTTP on loopback)
gives exactly what the local engine gives; a server that goes away fails the parse with a clear message."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ocrvl import PaddleOCRVL
from ocrvl.cli import main
from ocrvl.inference.remote import RecognizerServerError
from tests.conftest import SAMPLES

from .conftest import MAX_NEW_TOKENS, PIXELS

SAMPLE = SAMPLES / "table_two_pages.pdf"


def _parsed(parser: PaddleOCRVL) -> list[dict]:
    """What a user gets, less the fields that say where the recognizer ran (its folder or URL, and for a server
    the backend, which must be said)."""
    document = parser.join(parser.predict(SAMPLE))[0].json
    for page in document["pages"]:
        settings = page["model_settings"]
        settings.pop("recognizer")
        assert settings.pop("vl_rec_backend", "local") == parser.options.vl_rec_backend
    return document["pages"]


@pytest.fixture(scope="module")
def local_result(release):
    parser = PaddleOCRVL(engine="vl", vl_rec_model_dir=str(release), device="cpu", precision="fp32",
                         max_new_tokens=MAX_NEW_TOKENS, **PIXELS)  # fmt: skip
    return _parsed(parser)


def _remote_parser(release, base_url: str, **options) -> PaddleOCRVL:
    return PaddleOCRVL(engine="vl-server", vl_rec_server_url=f"{base_url}/v1",
                       layout_detection_model_dir=str(release / "PP-DocLayoutV2"), device="cpu",
                       max_new_tokens=MAX_NEW_TOKENS, **PIXELS, **options)  # fmt: skip


def test_server_backend_gives_exactly_the_local_output(start, release, local_result):
    with start() as server:
        remote = _parsed(_remote_parser(release, server.base_url, vl_rec_max_concurrency=3))
    assert remote == local_result
    assert any(b["block_content"] for page in remote for b in page["parsing_res_list"])


def test_cli_parse_against_the_server_writes_the_same_document(start, release, local_result, tmp_path):
    with start(api_key="s3cret") as server:
        args = ["parse", str(SAMPLE), "-o", str(tmp_path), "--engine", "vl-server", "--vl-rec-server-url",
                f"{server.base_url}/v1", "--vl-rec-api-key", "s3cret", "--layout-model-dir",
                str(release / "PP-DocLayoutV2"), "--device", "cpu", "--max-new-tokens", str(MAX_NEW_TOKENS),
                "--min-pixels", str(PIXELS["min_pixels"]), "--max-pixels", str(PIXELS["max_pixels"]), "-q"]  # fmt: skip
        result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    pages = json.loads((tmp_path / "table_two_pages" / "table_two_pages.json").read_text())["pages"]
    assert [p["parsing_res_list"] for p in pages] == [p["parsing_res_list"] for p in local_result]


def test_a_server_that_goes_away_fails_the_parse_with_a_clear_message(start, release, tmp_path):
    with start() as server:
        parser = _remote_parser(release, server.base_url)
        parser.predict(SAMPLES / "born_digital.pdf")  # the server answers while it runs
        url = server.base_url
    with pytest.raises(RecognizerServerError, match=url.split("//")[1]):
        parser.predict(SAMPLES / "born_digital.pdf")
    result = CliRunner().invoke(main, ["parse", str(SAMPLES / "born_digital.pdf"), "-o", str(tmp_path), "--engine",
                                       "vl-server", "--vl-rec-server-url", f"{url}/v1", "--layout-model-dir",
                                       str(release / "PP-DocLayoutV2"), "-q"])  # fmt: skip
    assert result.exit_code == 1
    errors = json.loads((tmp_path / "errors.json").read_text())
    assert errors[0]["input"].endswith("born_digital.pdf") and url.split("//")[1] in errors[0]["error"]


def test_ocrvl_serve_without_weights_says_so_and_exits(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--model-dir", str(tmp_path / "nothing"), "--port", "0"])
    assert result.exit_code == 1
    assert "ocrvl: error:" in result.output and "nothing" in result.output
