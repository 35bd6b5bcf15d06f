"""`ocrvl serve` with the lite engine and an API key, on loopback, for the page's tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ocrvl.options import PipelineOptions
from ocrvl.serve import ServeOptions, ServeService, create_app, serve_in_thread

API_KEY = "viewer-test-key"


@pytest.fixture(scope="session")
def lite_server() -> Iterator[str]:
    """The server's base URL."""
    service = ServeService.load(ServeOptions(port=0, api_key=API_KEY), PipelineOptions(engine="lite"))
    with serve_in_thread(create_app(service), grace_seconds=2.0) as base_url:
        yield base_url


@pytest.fixture
def client(lite_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=lite_server, timeout=120, headers={"Authorization": f"Bearer {API_KEY}"}) as client:
        yield client
