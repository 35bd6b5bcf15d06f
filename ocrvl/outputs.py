"""Writing results so that nothing half-written is ever left behind.

Single files go through a temporary sibling and an atomic rename. A whole document is
assembled in a hidden staging folder that replaces its final folder only when complete.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from PIL import Image

from ocrvl.errors import OutputError
from ocrvl.types import Block


def ensure_output_dir(path: Path) -> Path:
    """Create `path` if needed and check files can be written in it."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: output path exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=path, prefix=".ocrvl-probe-", delete=True)
        probe.close()
    except OSError as exc:
        raise OutputError(f"{path}: cannot write results there ({exc.strerror or exc})") from None
    return path


def write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, data: object) -> None:
    write_text(path, json.dumps(data, ensure_ascii=False, indent=2))


def write_block_pictures(blocks: Iterable[Block], folder: Path) -> None:
    """The cropped pictures and formulas of `blocks`, at their ``imgs/...`` paths under `folder`."""
    for block in blocks:
        if block.image is not None and block.image_path:
            write_image(folder / block.image_path, Image.fromarray(block.image))


def write_image(path: Path, image: Image.Image) -> None:
    buffer = io.BytesIO()
    fmt = "JPEG" if Path(path).suffix.lower() in (".jpg", ".jpeg") else "PNG"
    image.save(buffer, format=fmt, **({"quality": 90} if fmt == "JPEG" else {"optimize": False}))
    write_bytes(path, buffer.getvalue())


class StagedFolder:
    """A folder built under a hidden name next to `final`, swapped in by `commit()`.

    Used as a context manager: leaving the block without `commit()` (an error) deletes the staging folder.
    """

    def __init__(self, final: Path):
        self.final = Path(final)
        self.path: Path | None = None
        self._committed = False

    def __enter__(self) -> StagedFolder:
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(dir=self.final.parent, prefix=f".{self.final.name}.partial-"))
        return self

    def commit(self) -> None:
        assert self.path is not None
        if self.final.exists():
            shutil.rmtree(self.final) if self.final.is_dir() else self.final.unlink()
        os.replace(self.path, self.final)
        self._committed = True

    def __exit__(self, *exc_info) -> None:
        if not self._committed and self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
