"""Turning a request into model inputs: the resized crop's patches and the prompt's token ids."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from ocrvl.errors import OcrvlError
from ocrvl.models.image_processing import ImageProcessor
from ocrvl.models.model import Grid, PaddleOCRVL
from ocrvl.models.prompting import Prompter

from .requests import RecognitionRequest


@dataclass(frozen=True)
class PreparedRequest:
    input_ids: list[int]
    patches: torch.Tensor  # (num_patches, channels, patch, patch), float32
    grid: Grid

    @property
    def num_patches(self) -> int:
        return self.patches.shape[0]


class RequestError(OcrvlError):
    """One request cannot be run (unreadable or unusable crop, bad limits); only that request fails."""


@dataclass(frozen=True)
class RequestEncoder:
    model: PaddleOCRVL
    prompter: Prompter
    image_processor: ImageProcessor

    def __call__(self, request: RecognitionRequest) -> PreparedRequest:
        image = request.image
        if isinstance(image, np.ndarray):
            if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
                raise RequestError(f"an image array must be RGB uint8 (height, width, 3), not {image.dtype} "
                                   f"{tuple(image.shape)}")  # fmt: skip
            image = Image.fromarray(image)
        try:
            batch = self.image_processor([image], request.min_pixels, request.max_pixels)
        except OcrvlError as exc:
            raise RequestError(str(exc)) from exc
        except (OSError, ValueError) as exc:  # PIL's errors for truncated or undecodable images
            raise RequestError(f"the image cannot be read: {exc}") from exc
        grid = batch.grids[0]
        input_ids = self.prompter.encode(request.prompt, self.model.tokens_per_image(grid))
        return PreparedRequest(input_ids, batch.patches, grid)
