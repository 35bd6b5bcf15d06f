"""A tiny release folder (recognizer + PP-DocLayoutV2), and `ocrvl serve` running on loopback around it."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest
from PIL import Image, ImageDraw

from ocrvl.inference import InferenceOptions
from ocrvl.options import PipelineOptions
from ocrvl.serve import ServeOptions, ServeService, create_app, serve_in_thread

# Small crops and short answers keep the tiny recognizer fast; the point is the service, not the text.
PIXELS = {"min_pixels": 3_000, "max_pixels": 30_000}
MAX_NEW_TOKENS = 6


@dataclass
class Running:
    base_url: str
    service: ServeService

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=kwargs.pop("timeout", 30), **kwargs)


@pytest.fixture(scope="session")
def pipeline_options(release) -> PipelineOptions:
    inference = InferenceOptions(device="cpu", precision="fp32", max_new_tokens=MAX_NEW_TOKENS)
    return PipelineOptions(engine="vl", vl_rec_model_dir=str(release), inference=inference, **PIXELS)


@pytest.fixture(scope="session")
def start(pipeline_options):
    @contextmanager
    def start(**options) -> Iterator[Running]:
        service = ServeService.load(ServeOptions(port=0, **options), pipeline_options)
        with serve_in_thread(create_app(service), grace_seconds=2.0) as base_url:
            yield Running(base_url, service)

    return start


@pytest.fixture(scope="module")
def server(start) -> Iterator[Running]:
    """Documents of one page are answered at once, longer ones become jobs; at most two pages a request."""
    with start(sync_page_limit=1, max_pages=2) as running:
        yield running


def crop(text: str, width: int = 120, height: int = 40) -> Image.Image:
    image = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(image).text((3, 3), text, fill="black")
    return image


def data_url(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def chat_body(image: Image.Image | str, prompt: str = "OCR:", **extra) -> dict:
    """What the ocrvl client (and PaddleOCR's vLLM client) sends."""
    url = image if isinstance(image, str) else data_url(image)
    return {
        "model": "PaddleOCR-VL-0.9B",
        "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": url}}, {"type": "text", "text": prompt},
        ]}],
        "temperature": 0,
        "max_completion_tokens": MAX_NEW_TOKENS,
        "mm_processor_kwargs": dict(PIXELS),
        **extra,
    }  # fmt: skip
