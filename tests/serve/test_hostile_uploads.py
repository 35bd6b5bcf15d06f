"""`ocrvl serve` against uploads meant to hurt: a client that hangs up mid-body, an image bomb, a page range of a
hundred million pages, a document with a page that cannot be rendered."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pymupdf
import pytest
from PIL import Image

from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def server(start):
    with start(sync_page_limit=4, max_pages=4) as running:
        yield running


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.last: logging.LogRecord | None = None
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if record is not self.last:  # a record comes once from each listened logger it propagates through
            self.last = record
            self.lines += self.format(record).splitlines()


@pytest.fixture
def server_log() -> Iterator[_Lines]:
    """Every line the server logs (ocrvl's logger does not propagate: it is listened to on its own)."""
    handler = _Lines()
    loggers = [logging.getLogger(), logging.getLogger("ocrvl"), logging.getLogger("uvicorn.error")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)


def _half_upload_then_hang_up(base_url: str) -> None:
    host, port = base_url.removeprefix("http://").split(":")
    boundary = b"hangup"
    head = (b"--hangup\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.7\n" + b"x" * 5000)  # fmt: skip
    with socket.create_connection((host, int(port))) as raw:
        raw.sendall(b"POST /v1/parse HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n"
                    b"Content-Type: multipart/form-data; boundary=" + boundary + b"\r\n\r\n" + head)  # fmt: skip
        time.sleep(0.2)


def test_a_client_that_hangs_up_mid_upload_costs_one_log_line(server, server_log):
    _half_upload_then_hang_up(server.base_url)
    deadline = time.monotonic() + 10
    while not server_log.lines and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # anything else the server would log about it
    assert len(server_log.lines) == 1 and "Traceback" not in server_log.lines[0], "\n".join(server_log.lines)
    assert "disconnected" in server_log.lines[0] and "/v1/parse" in server_log.lines[0]
    with server.client() as client:
        assert client.get("/health").json()["status"] == "ok"


def test_an_image_bomb_is_refused_before_it_is_decoded(server, tmp_path):
    first, second = Image.new("1", (10, 10), 1), Image.new("1", (20000, 20000), 1)
    first.save(tmp_path / "bomb.tif", save_all=True, append_images=[second], compression="group4")
    started = time.monotonic()
    with server.client() as client:
        response = client.post("/v1/parse", files={"file": ("bomb.tif", (tmp_path / "bomb.tif").read_bytes())})
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert message.startswith("bomb.tif: frame 2 of 2 is 20000 x 20000") and time.monotonic() - started < 5


def test_a_page_range_of_a_hundred_million_pages_costs_nothing(server):
    started = time.monotonic()
    with server.client() as client, (SAMPLES / "born_digital.pdf").open("rb") as file:
        response = client.post("/v1/parse", files={"file": ("paper.pdf", file)},
                               data={"pages": "1-100000000", "formats": "json"})  # fmt: skip
    assert response.status_code == 200, response.text
    assert [p["page_index"] for p in response.json()["result"]["json"]["pages"]] == [0]
    assert time.monotonic() - started < 60


def _pdf_with_a_dot_page(path: Path) -> Path:
    doc = pymupdf.open()
    for word in ("apples", "nothing", "cherries"):
        doc.new_page().insert_text((72, 100), f"This page talks about {word}.", fontsize=12)
    doc.xref_set_key(doc[1].xref, "UserUnit", "0.0000001")  # a page with no area: nothing can render it
    doc.save(path)
    return path


def test_a_page_that_cannot_be_rendered_is_reported_under_the_uploads_name(server, tmp_path):
    with server.client() as client:
        upload = _pdf_with_a_dot_page(tmp_path / "dot.pdf").read_bytes()
        response = client.post("/v1/parse", files={"file": ("dot.pdf", upload)}, data={"formats": "json"})
    assert response.status_code == 200, response.text
    pages = response.json()["result"]["json"]["pages"]
    assert [("error" in p) for p in pages] == [False, True, False]
    assert pages[1]["error"].startswith("dot.pdf: page 2 has no area")
