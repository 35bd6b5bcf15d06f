"""`ocrvl serve --engine lite` on a machine without PaddleOCR-VL weights: documents are parsed, chat completions
are refused with a clear reason."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from ocrvl.options import PipelineOptions
from ocrvl.serve import ServeOptions, ServeService, create_app, serve_in_thread
from tests.conftest import SAMPLES
from tests.serve.conftest import chat_body, crop

STARTUP_SECONDS = 120


@pytest.fixture
def no_weights(tmp_path, monkeypatch) -> dict[str, str]:
    """An environment where no PaddleOCR-VL weights can be found."""
    monkeypatch.delenv("OCRVL_MODEL_DIR", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    return dict(os.environ)


def test_a_lite_server_parses_documents_and_refuses_chat_with_the_reason(no_weights):
    service = ServeService.load(ServeOptions(port=0), PipelineOptions(engine="lite"))
    with serve_in_thread(create_app(service), grace_seconds=2.0) as base_url:
        with httpx.Client(base_url=base_url, timeout=120) as client:
            with (SAMPLES / "born_digital.pdf").open("rb") as document:
                parsed = client.post("/v1/parse", files={"file": ("paper.pdf", document, "application/pdf")})
            chat = client.post("/v1/chat/completions", json=chat_body(crop("Hello")))
            health = client.get("/health").json()
    assert parsed.status_code == 200, parsed.text
    assert parsed.json()["result"]["markdown"].startswith("# Compact Neural Models")
    assert chat.status_code == 503
    assert "no recognizer is loaded" in chat.json()["error"]["message"]
    assert health["status"] == "ok" and health["parse_engine"] == "lite" and health["device"] is None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_ocrvl_serve_engine_lite_starts_without_weights_and_stops_on_sigterm(no_weights):
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "ocrvl", "serve", "--engine", "lite", "--port", str(port)],
                               env=no_weights, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, f"ocrvl serve exited: {process.communicate()}"
            assert time.monotonic() < deadline, "ocrvl serve did not start in time"
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health.json()["parse_engine"] == "lite"
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    # uvicorn shuts down, then ends the process with the signal it caught, as a service is expected to.
    assert process.returncode in (0, -signal.SIGTERM), stderr
    assert "documents only (no recognizer loaded)" in stderr and "server stopped" in stderr
