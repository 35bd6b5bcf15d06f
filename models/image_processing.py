"""Crop preparation for the vision encoder: resize to multiples of 28, normalise, cut into 14x14 patches."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ocrvl.errors import OcrvlError
from ocrvl.models.pixel_limits import PIPELINE_MAX_PIXELS, PIPELINE_MIN_PIXELS  # noqa: F401  (re-exported)

MAX_ASPECT_RATIO = 200


class ImageSizeError(OcrvlError):
    """An image cannot be resized within the encoder's limits (e.g. far too thin)."""


def smart_resize(height: int, width: int, factor: int, min_pixels: int, max_pixels: int) -> tuple[int, int]:
    """The size closest to (height, width), in multiples of ``factor``, with an area in [min, max] pixels."""
    if height < factor:
        width, height = round(width * factor / height), factor
    if width < factor:
        height, width = round(height * factor / width), factor
    if max(height, width) / min(height, width) > MAX_ASPECT_RATIO:
        raise ImageSizeError(
            f"a {width}x{height} image is too thin: the aspect ratio must stay under {MAX_ASPECT_RATIO}"
        )
    new_h, new_w = round(height / factor) * factor, round(width / factor) * factor
    if new_h * new_w > max_pixels:
        scale = math.sqrt(height * width / max_pixels)
        new_h = max(factor, math.floor(height / scale / factor) * factor)
        new_w = max(factor, math.floor(width / scale / factor) * factor)
    elif new_h * new_w < min_pixels:
        scale = math.sqrt(min_pixels / (height * width))
        new_h = math.ceil(height * scale / factor) * factor
        new_w = math.ceil(width * scale / factor) * factor
    return new_h, new_w


@dataclass(frozen=True)
class ImageBatch:
    patches: torch.Tensor  # (num_patches, channels, patch, patch), images one after another
    grids: list[tuple[int, int, int]]  # (time, rows, columns) of patches per image


@dataclass(frozen=True)
class ImageProcessor:
    patch_size: int = 14
    merge_size: int = 2
    min_pixels: int = 147_384
    max_pixels: int = 2_822_400
    mean: tuple[float, float, float] = (0.5, 0.5, 0.5)
    std: tuple[float, float, float] = (0.5, 0.5, 0.5)

    @classmethod
    def from_dir(cls, directory: str | Path) -> ImageProcessor:
        path = Path(directory) / "preprocessor_config.json"
        if not path.is_file():
            return cls()
        raw = json.loads(path.read_text())
        size = raw.get("size") or {}
        defaults = cls()
        return cls(
            patch_size=raw.get("patch_size", defaults.patch_size),
            merge_size=raw.get("merge_size", defaults.merge_size),
            min_pixels=raw.get("min_pixels", size.get("shortest_edge", defaults.min_pixels)),
            max_pixels=raw.get("max_pixels", size.get("longest_edge", defaults.max_pixels)),
            mean=tuple(raw.get("image_mean", defaults.mean)),
            std=tuple(raw.get("image_std", defaults.std)),
        )

    @property
    def factor(self) -> int:
        return self.patch_size * self.merge_size

    def target_size(self, width: int, height: int, min_pixels: int | None = None, max_pixels: int | None = None):
        """(height, width) an image of this size is resized to."""
        return smart_resize(
            height, width, self.factor, min_pixels or self.min_pixels, max_pixels or self.max_pixels
        )

    def __call__(
        self, images: Sequence[Image.Image], min_pixels: int | None = None, max_pixels: int | None = None
    ) -> ImageBatch:
        patches, grids = [], []
        for image in images:
            height, width = self.target_size(image.width, image.height, min_pixels, max_pixels)
            resized = image.convert("RGB").resize((width, height), Image.Resampling.BICUBIC)
            pixels = np.asarray(resized, dtype=np.float32) / 255.0
            pixels = (pixels - np.asarray(self.mean, np.float32)) / np.asarray(self.std, np.float32)
            rows, cols = height // self.patch_size, width // self.patch_size
            p = self.patch_size
            cut = pixels.reshape(rows, p, cols, p, 3).transpose(0, 2, 4, 1, 3).reshape(rows * cols, 3, p, p)
            patches.append(torch.from_numpy(np.ascontiguousarray(cut)))
            grids.append((1, rows, cols))
        return ImageBatch(torch.cat(patches), grids)
