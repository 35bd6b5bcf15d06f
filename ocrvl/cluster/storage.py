"""Inputs and outputs beyond a local disk: input lists, and fsspec URLs (``s3://``, ``gs://``, ``memory://``, ...;
the user installs the filesystem's package, s3fs or gcsfs).

The batch writer works on a folder (atomic renames, locks), which object stores do not have. So:

- an input URL (a file, or a folder searched like a local one) is copied to ``~/.cache/ocrvl/inputs/<scheme>/<path>``
  and parsed from there (the results' ``input_path`` still names the file's URL, `LocalRun.as_given`); on a cluster,
  a worker whose node lacks the copy makes its own at the same path (`fetch_file`);
- an output URL gets a local mirror folder (under ``~/.cache/ocrvl/outputs/``, the same for the same URL, so
  interrupted documents resume there). Before the run, the finished documents' manifests and main files, and
  ``errors.json``, come down, so finished documents are skipped as in a local folder; after the run (interrupted
  too), every finished document whose manifest the URL does not hold yet goes up, whole, and ``errors.json``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from ocrvl.batch import ERRORS_FILE, Batch, DocumentJob, PageReader
from ocrvl.errors import InputError, OcrvlError, OutputError
from ocrvl.outputs import MANIFEST_NAME, is_staging_folder
from ocrvl.pipeline import Pipeline
from ocrvl.resume import Manifest
from ocrvl.types import PageResult
from ocrvl.user_cache import cache_folder

# What a finished document folder must hold for a run to skip it (`ocrvl.batch`): brought down before the run.
_FINISHED_FILES = (".md", ".json", ".html")


def is_url(text: Path | str) -> bool:
    return "://" in str(text)


def read_input_list(path: Path | str) -> list[str]:
    """The inputs named in a text file, one a line (paths or URLs; blank lines and ``#`` comments skipped). A
    relative path is relative to the list's folder."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the input list ({exc})") from None
    entries = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not entries:
        raise InputError(path, "the input list names no input (one path or URL a line)")
    return [entry if is_url(entry) or Path(entry).is_absolute() else str(path.parent / entry) for entry in entries]


@dataclass
class LocalRun:
    """The local paths a run reads and writes, and where its copied inputs came from."""

    inputs: list[Path | str]
    output: Path
    origins: dict[Path, str] = field(default_factory=dict)  # local copy -> URL

    def naming_urls(self, batch: Batch) -> Batch:
        """`batch`, its jobs of copied inputs knowing the URL the user gave (errors.json names that)."""
        if not self.origins:
            return batch
        jobs = [replace(job, given=self.origins.get(job.source)) for job in batch.jobs]
        return replace(batch, jobs=jobs)

    def as_given(self, reader: PageReader) -> PageReader:
        """`reader`, its pages of a copied input naming the URL the user gave as their ``input_path``, as a local
        file's pages name that file (the copy is this run's business)."""
        if not self.origins:
            return reader

        def read(pipeline: Pipeline, job: DocumentJob, finished: Sequence[PageResult]) -> Iterator[PageResult]:
            origin = self.origins.get(job.source)
            pages = reader(pipeline, job, finished)
            try:
                for page in pages:
                    yield page if origin is None else replace(page, input_path=origin)
            finally:
                close = getattr(pages, "close", None)  # the reader stops with the writer
                if close is not None:
                    close()

        return read


@contextmanager
def local_storage(inputs: Iterable[Path | str], output: Path | str) -> Iterator[LocalRun]:
    """The run's inputs and output as local paths: URLs copied down (inputs, and the finished results of an output
    URL) before the block, the results sent up after it."""
    inputs = list(inputs)
    if not is_url(output) and not any(is_url(entry) for entry in inputs):
        yield LocalRun(inputs, Path(output))
        return
    mirror = cache_folder("outputs") / _digest(str(output)) if is_url(output) else Path(output)
    if is_url(output):
        pull_results(str(output), mirror)
    run = LocalRun([], mirror)
    for entry in inputs:
        run.inputs.append(_copy_input(str(entry), cache_folder("inputs"), run.origins) if is_url(entry) else entry)
    try:
        yield run
    finally:
        if is_url(output):
            push_results(mirror, str(output))


def filesystem(url: str) -> tuple[Any, str]:
    """The fsspec filesystem of `url` and the path in it."""
    try:
        import fsspec
    except ImportError:
        raise OcrvlError(f"{url}: URLs need fsspec: pip install fsspec (and s3fs, gcsfs, ... for the store)") from None
    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise OcrvlError(f"{url}: no filesystem for this URL ({exc}); install the package fsspec names") from None


def local_copy_path(url: str, root: Path) -> Path:
    """Where the input at `url` is copied under `root`: its scheme, then its path (``s3://b/a.pdf`` ->
    ``root/s3/b/a.pdf``)."""
    scheme, _, rest = url.partition("://")
    parts = [part for part in PurePosixPath(rest).parts if part not in ("/", "..", ".")]
    return root.joinpath(scheme, *parts)


def fetch_file(url: str, local: Path) -> None:
    """Copy the file at `url` to `local`, whole or not at all."""
    fs, path = filesystem(url)
    local.parent.mkdir(parents=True, exist_ok=True)
    partial = local.with_name(f".{local.name}.{os.getpid()}.download")
    try:
        fs.get_file(path, str(partial))
        os.replace(partial, local)
    except FileNotFoundError:
        partial.unlink(missing_ok=True)
        raise InputError(url, "no such file") from None
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError(url, f"cannot be copied here ({exc})") from None


def _copy_input(url: str, root: Path, origins: dict[Path, str]) -> Path:
    """The local copy of the file or folder at `url` (a folder's files copied one by one)."""
    fs, path = filesystem(url)
    local = local_copy_path(url, root)
    if not fs.exists(path):
        raise InputError(url, "no such file or folder")
    files = [(path, local)] if not fs.isdir(path) else [
        (found, local / PurePosixPath(found).relative_to(PurePosixPath(path))) for found in fs.find(path)
    ]  # fmt: skip
    for remote, target in files:
        fetch_file(fs.unstrip_protocol(remote), target)
        origins[target] = fs.unstrip_protocol(remote)
    return local


def _digest(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def pull_results(url: str, mirror: Path) -> None:
    """Bring down what a run needs to skip the finished documents at `url`: their manifests and main files, and
    ``errors.json``."""
    fs, root = filesystem(url)
    mirror.mkdir(parents=True, exist_ok=True)
    if not fs.exists(root):
        return
    root_path = PurePosixPath(root)
    for found in fs.find(root):
        rel = PurePosixPath(found).relative_to(root_path)
        main_file = len(rel.parts) > 1 and rel.stem == rel.parent.name and rel.suffix in _FINISHED_FILES
        wanted = str(rel) == ERRORS_FILE or rel.name == MANIFEST_NAME or main_file
        target = mirror.joinpath(*rel.parts)
        if wanted and not _same(fs, found, target):
            target.parent.mkdir(parents=True, exist_ok=True)
            fs.get_file(found, str(target))


def push_results(mirror: Path, url: str) -> None:
    """Send up every finished document folder of `mirror` whose manifest `url` does not hold yet (replacing what
    the URL had there), then ``errors.json`` (removed there when the run left none)."""
    fs, root = filesystem(url)
    try:
        for folder in finished_folders(mirror):
            rel = folder.relative_to(mirror).as_posix()
            remote = f"{root.rstrip('/')}/{rel}"
            if _same(fs, f"{remote}/{MANIFEST_NAME}", folder / MANIFEST_NAME):
                continue
            if fs.exists(remote):
                fs.rm(remote, recursive=True)
            _put_folder(fs, folder, remote)
        errors = mirror / ERRORS_FILE
        remote_errors = f"{root.rstrip('/')}/{ERRORS_FILE}"
        if errors.is_file():
            fs.makedirs(root, exist_ok=True)
            fs.put_file(str(errors), remote_errors)
        elif fs.exists(remote_errors):
            fs.rm(remote_errors)
    except OSError as exc:
        raise OutputError(f"{url}: the results cannot be sent there ({exc}); they are in {mirror}, and the next run "
                          "sends them") from None  # fmt: skip


def finished_folders(out_dir: Path) -> list[Path]:
    """The finished document folders under `out_dir` (they hold a manifest), outside staging folders."""
    found: list[Path] = []
    for base, dirs, _files in os.walk(out_dir):
        here = Path(base)
        if here != out_dir and Manifest.read(here) is not None:
            found.append(here)
            dirs[:] = []
            continue
        dirs[:] = [d for d in dirs if not is_staging_folder(here / d)]
    return sorted(found)


def _put_folder(fs: Any, folder: Path, remote: str) -> None:
    """Every file of `folder` to `remote`, the manifest last: a folder the URL shows with a manifest is whole."""
    files = sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: p.name == MANIFEST_NAME)
    for path in files:
        target = f"{remote}/{path.relative_to(folder).as_posix()}"
        fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)  # a folder on a disk; nothing on an object store
        fs.put_file(str(path), target)


def _same(fs: Any, remote: str, local: Path) -> bool:
    """Whether the file `remote` exists with the bytes of `local`."""
    if not local.is_file() or not fs.exists(remote):
        return False
    with fs.open(remote, "rb") as fh:
        return fh.read() == local.read_bytes()
