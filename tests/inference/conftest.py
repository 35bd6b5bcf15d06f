"""A tiny random recognizer checkpoint, crops of assorted sizes, and the one-at-a-time reference."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from PIL import Image, ImageDraw

from ocrvl.inference import InferenceEngine, InferenceOptions, RecognitionRequest
from ocrvl.inference.device import Placement
from ocrvl.inference.prepare import RequestEncoder
from ocrvl.models.checkpoints import load_model, read_config
from ocrvl.models.image_processing import ImageProcessor
from ocrvl.models.prompting import Prompter
from ocrvl.testing.checkpoints import write_tiny_checkpoint
from ocrvl.testing.reference import generate_greedy

CPU_FP32 = Placement(torch.device("cpu"), torch.float32)
# Small resize limits keep the tiny model's prompts short.
PIXELS = {"min_pixels": 3_000, "max_pixels": 30_000}


class Recognizer:
    """A loaded tiny checkpoint: builds engines and computes the one-at-a-time reference."""

    def __init__(self, directory):
        self.directory = directory
        self.model = load_model(directory, torch.float32)
        self.prompter = Prompter.from_dir(directory, read_config(directory))
        self.processor = ImageProcessor.from_dir(directory)

    def engine(self, prompter: Prompter | None = None, **options) -> InferenceEngine:
        options.setdefault("repetition", None)
        return InferenceEngine(self.model, prompter or self.prompter, self.processor, InferenceOptions(**options),
                               placement=CPU_FP32)  # fmt: skip

    def with_stop_ids(self, *stop_ids: int) -> Prompter:
        return dataclasses.replace(self.prompter, stop_ids=stop_ids)

    def reference(self, request: RecognitionRequest) -> list[int]:
        """Greedy tokens of one request alone, through the plain reference loop."""
        prepared = RequestEncoder(self.model, self.prompter, self.processor)(request)
        return generate_greedy(
            self.model,
            torch.tensor([prepared.input_ids]),
            prepared.patches,
            [prepared.grid],
            request.max_new_tokens,
            self.prompter.stop_ids,
        )[0]


def crop(width: int, height: int, text: str) -> Image.Image:
    image = Image.new("RGB", (width, height), "white")
    ImageDraw.Draw(image).text((3, 3), text, fill="black")
    return image


def page_requests(count: int = 9) -> list[RecognitionRequest]:
    """Crops of different sizes and output limits, like the regions of a page."""
    prompts = ("OCR:", "Table Recognition:", "Formula Recognition:")
    return [
        RecognitionRequest(
            crop(50 + 41 * i, 30 + 17 * (i % 4), f"region {i}"),
            prompts[i % 3],
            id=f"r{i}",
            max_new_tokens=3 + 6 * i,
            **PIXELS,
        )  # fmt: skip
        for i in range(count)
    ]


@pytest.fixture(scope="session")
def recognizer(tmp_path_factory) -> Recognizer:
    return Recognizer(write_tiny_checkpoint(tmp_path_factory.mktemp("tiny")))


@pytest.fixture(scope="session")
def references(recognizer) -> dict[str, list[int]]:
    return {request.id: recognizer.reference(request) for request in page_requests()}
