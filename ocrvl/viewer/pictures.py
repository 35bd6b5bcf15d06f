"""The pictures a viewer embeds: each page scaled to a screen's width and the blocks' crops, as JPEG data URLs.

A batch run drops a page's pixels once its files are written (memory stays flat on long documents) and writes
the document's files at its end; it keeps the viewer's pictures in a hidden folder of the document's staging
folder meanwhile (`store_page_pictures`), which also survives an interrupted run, and the viewer reads them
from there (`PictureSource`) and removes it (`discard_stored_pictures`).
"""

from __future__ import annotations

import base64
import io
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from ocrvl.outputs import write_bytes
from ocrvl.types import PageResult

PAGE_WIDTH = 1100  # pixels: sharp beside the text on a laptop screen, about 150 KB a page
JPEG_QUALITY = 82
STORED_PICTURES = ".ocrvl-viewer"


def jpeg(image: np.ndarray, max_width: int | None = None) -> bytes:
    """`image` (RGB array) as JPEG bytes, scaled down to `max_width` when wider."""
    picture = Image.fromarray(np.asarray(image, dtype=np.uint8)).convert("RGB")
    if max_width is not None and picture.width > max_width:
        picture = picture.resize((max_width, max(1, round(picture.height * max_width / picture.width))),
                                 Image.Resampling.LANCZOS)  # fmt: skip
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def data_url(data: bytes, media_type: str = "image/jpeg") -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def _page_file(folder: Path, page_index: int) -> Path:
    return folder / STORED_PICTURES / f"{page_index:07d}.jpg"


def _block_file(folder: Path, page_index: int, position: int) -> Path:
    return folder / STORED_PICTURES / f"{page_index:07d}_{position}.jpg"


def store_page_pictures(page: PageResult, folder: Path) -> None:
    """Keep the viewer's pictures of `page` (its scaled image and its blocks' crops) in `folder`."""
    if page.image is not None:
        write_bytes(_page_file(folder, page.page_index), jpeg(page.image, PAGE_WIDTH))
    for position, block in enumerate(page.blocks):
        if block.image is not None:
            write_bytes(_block_file(folder, page.page_index, position), jpeg(block.image))


def discard_stored_pictures(folder: Path) -> None:
    shutil.rmtree(Path(folder) / STORED_PICTURES, ignore_errors=True)


class PictureSource:
    """A page's pictures from its pixels when it still has them, else from what `store_page_pictures` kept in
    `stored` (None: nothing kept)."""

    def __init__(self, stored: Path | None = None):
        self.stored = Path(stored) if stored is not None else None

    def page(self, page: PageResult) -> str | None:
        if page.image is not None:
            return data_url(jpeg(page.image, PAGE_WIDTH))
        return self._read(lambda folder: _page_file(folder, page.page_index))

    def block(self, page: PageResult, position: int) -> str | None:
        block = page.blocks[position]
        if block.image is not None:
            return data_url(jpeg(block.image))
        if not block.image_path:
            return None
        return self._read(lambda folder: _block_file(folder, page.page_index, position))

    def _read(self, where) -> str | None:
        if self.stored is None:
            return None
        path = where(self.stored)
        return data_url(path.read_bytes()) if path.is_file() else None
