"""Writing results so that nothing half-written is ever left behind.

Single files go through a temporary sibling and an atomic rename. A whole document is assembled in a
hidden staging folder next to its final folder (``.<name>.partial``) that replaces the final folder
only when complete. Files and folders are created with the modes the umask allows (as ``touch`` and
``mkdir`` would), never narrower.

A staging folder is locked while a process works in it, so a later run can tell a live one from one
left behind by a killed run, which it removes (`sweep_staging`) or resumes.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import secrets
import shutil
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path

from PIL import Image

from ocrvl.errors import OutputError
from ocrvl.log import logger
from ocrvl.types import Block

try:
    import fcntl
except ImportError:  # not POSIX: staging folders are not locked
    fcntl = None  # type: ignore[assignment]

# The file that marks a finished document folder and says what produced it (see ocrvl.resume).
MANIFEST_NAME = ".ocrvl-manifest.json"
_STAGING = "partial"
_REPLACED = "replaced"
# Staging folders of this version (.x.partial), of earlier ones (.x.partial-k3j9a_x1) and a final folder
# moved aside while it is replaced (.x.replaced).
_STAGING_PATTERN = re.compile(r"^\..+\.(partial(-[A-Za-z0-9_]{8})?|replaced)$")
_NAME_MAX = 255  # bytes in one file name on common file systems
_TEMPORARY_PREFIX, _TEMPORARY_SUFFIX = ".ocrvl-", ".tmp"


def ensure_output_dir(path: Path) -> Path:
    """Create `path` if needed and check files can be written in it."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path}: output path exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".ocrvl-probe-{secrets.token_hex(4)}"
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"{path}: cannot write results there ({exc.strerror or exc})") from None
    return path


def write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f"{_TEMPORARY_PREFIX}{secrets.token_hex(6)}{_TEMPORARY_SUFFIX}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for any new file
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from None


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, data: object) -> None:
    write_text(path, json.dumps(data, ensure_ascii=False, indent=2))


def read_json(path: Path) -> object | None:
    """The JSON in `path`, or None when it is missing or unreadable."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


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


def staging_path(final: Path) -> Path:
    """Where the document folder `final` is built: a hidden sibling, the same on every run (so it resumes)."""
    return _sibling(Path(final), _STAGING)


def _sibling(final: Path, tag: str) -> Path:
    name = f".{final.name}.{tag}"
    if len(name.encode("utf-8", "surrogateescape")) > _NAME_MAX:  # keep it a legal name, and unique
        digest = hashlib.sha256(final.name.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        name = f".{final.name.encode('utf-8', 'surrogateescape')[:200].decode('utf-8', 'ignore')}-{digest}.{tag}"
    return final.parent / name


def is_staging_folder(path: Path) -> bool:
    return bool(_STAGING_PATTERN.match(Path(path).name))


class StagingBusyError(OutputError):
    """Another process is writing the same document."""


class _FolderLock:
    """An exclusive advisory lock on a folder, held until `release` (or the process ends, however it ends)."""

    def __init__(self, fd: int | None):
        self.fd = fd

    @classmethod
    def acquire(cls, folder: Path) -> _FolderLock | None:
        """The lock, or None when another process holds it."""
        if fcntl is None:
            return cls(None)
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return None
            return cls(None)  # a file system without locks (some network mounts): work unlocked
        return cls(fd)

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class StagedFolder:
    """The staging folder of the document folder `final`, locked while in use; `commit()` swaps it in.

    A staging folder left by an earlier run is reused as it is (the caller decides whether its content can be
    resumed, see `reset`). Leaving the block without `commit()` removes the staging folder after an error,
    and keeps it after an interruption (KeyboardInterrupt, SystemExit), so the next run can resume it.
    """

    def __init__(self, final: Path):
        self.final = Path(final)
        self.path = staging_path(self.final)
        self._lock: _FolderLock | None = None
        self._committed = False

    def __enter__(self) -> StagedFolder:
        try:
            self.final.parent.mkdir(parents=True, exist_ok=True)
            for _ in range(5):  # another run may sweep a folder away between creating and locking it
                self.path.mkdir(exist_ok=True)
                try:
                    lock = _FolderLock.acquire(self.path)
                except FileNotFoundError:
                    continue
                if lock is None:
                    raise StagingBusyError(f"{self.final}: another ocrvl process is writing this document now")
                if self.path.is_dir():
                    self._lock = lock
                    for stray in self.path.rglob(f"{_TEMPORARY_PREFIX}*{_TEMPORARY_SUFFIX}"):
                        stray.unlink(missing_ok=True)  # a write cut short by a killed run
                    return self
                lock.release()
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot create the staging folder ({exc.strerror or exc})") from None
        raise OutputError(f"{self.path}: the staging folder keeps disappearing (another ocrvl run removes it?)")

    def reset(self) -> None:
        """Empty the staging folder (its content belongs to another input or other options)."""
        for child in self.path.iterdir():
            _remove(child)

    def commit(self) -> None:
        """Replace `final` with the staging folder. Interrupted between its two renames, the staging folder
        stays complete, and the next run finishes the swap by resuming it."""
        aside = _sibling(self.final, _REPLACED)
        if self.final.exists() or self.final.is_symlink():
            _remove(aside)
            os.replace(self.final, aside)
        os.replace(self.path, self.final)
        self._committed = True
        _remove(aside)

    def __exit__(self, exc_type, exc, tb) -> None:
        interrupted = exc_type is not None and not issubclass(exc_type, Exception)
        if not self._committed and not interrupted:
            shutil.rmtree(self.path, ignore_errors=True)
        if self._lock is not None:
            self._lock.release()


def input_files(folder: Path, exclude: Iterable[Path | str] = ()) -> Iterator[Path]:
    """Every entry under `folder` that is not a folder (files, links, pipes: the caller sorts them out), except
    hidden ones and what lies in result folders: finished document folders (they hold a manifest), staging
    folders (hidden) and the folders in `exclude` (a run's output folder, when it is inside `folder`)."""
    excluded = {Path(p).resolve() for p in exclude}
    for base, dirs, files in os.walk(folder):
        dirs[:] = [
            name
            for name in dirs
            if not name.startswith(".")
            and not (Path(base, name) / MANIFEST_NAME).exists()
            and Path(base, name).resolve() not in excluded
        ]
        yield from (Path(base, name) for name in files)


def discard_staging(final: Path) -> None:
    """Remove the staging folder of `final` unless another process is using it."""
    _sweep_one(staging_path(final))


def sweep_staging(out_dir: Path, keep: Collection[Path] = ()) -> int:
    """Remove the staging folders under `out_dir` left by runs that were killed, except those in `keep` and
    those another process is working in. Finished document folders are not searched. Returns how many went."""
    keep = {Path(p) for p in keep}
    removed = 0
    for folder, dirs, _files in os.walk(out_dir):
        base = Path(folder)
        if base != Path(out_dir) and (base / MANIFEST_NAME).exists():
            dirs[:] = []
            continue
        for name in list(dirs):
            path = base / name
            if is_staging_folder(path):
                if path not in keep and _sweep_one(path):
                    removed += 1
                dirs.remove(name)
            elif name.startswith("."):
                dirs.remove(name)
    if removed:
        logger.info("removed %d staging folder(s) left in %s by an interrupted run", removed, out_dir)
    return removed


def _sweep_one(path: Path) -> bool:
    try:
        lock = _FolderLock.acquire(path)
    except OSError:
        return False
    if lock is None:
        return False
    try:
        shutil.rmtree(path, ignore_errors=True)
    finally:
        lock.release()
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
