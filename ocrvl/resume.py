"""What a result was made from, so that a run can tell a finished document it may skip, and an interrupted one
it may resume, from results of another file or other options.

- `OutputRecipe`: the options of a run that change what it writes (engine, pages, dpi, thresholds, restructuring
  switches, ...), with their digest. Options that only change how fast or where the work runs (threads, device,
  batch sizes, a server's address, passwords) are left out.
- `Provenance`: one document's input (its absolute path and content hash), the recipe's digest and the formats
  written. A finished document folder records it in its manifest (`MANIFEST_NAME`); a staging folder in its
  resume state.
- `PageStore`: each finished page's result, kept in the staging folder as lossless JSON, to resume a long
  document from its last finished page.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ocrvl import types as result_types
from ocrvl.log import logger
from ocrvl.options import PipelineOptions
from ocrvl.outputs import MANIFEST_NAME, read_json, write_json
from ocrvl.types import PageResult

MANIFEST_VERSION = 1
RESUME_STATE = ".ocrvl-resume.json"
PAGES_FOLDER = ".ocrvl-pages"
# Options that never change what is written: how fast, where and with which secrets the work runs.
_RUN_ONLY_OPTIONS = frozenset({
    "password", "max_image_pixels", "vl_rec_backend", "vl_rec_server_url", "vl_rec_max_concurrency",
    "vl_rec_api_key",
})  # fmt: skip
_OUTPUT_INFERENCE_OPTIONS = ("precision", "max_new_tokens", "repetition")
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class OutputRecipe:
    """The output-relevant options of a run (JSON) and their digest."""

    options: dict
    digest: str

    @classmethod
    def of(cls, options: PipelineOptions, engine: object) -> OutputRecipe:
        """The recipe of a run with `options` on `engine` (``auto`` is recorded as the engine it chose, with the
        models it loaded)."""
        recipe: dict = {
            f.name: _jsonable(getattr(options, f.name))
            for f in dataclasses.fields(options)
            if f.name not in _RUN_ONLY_OPTIONS and f.name != "inference"
        }
        recipe["engine"] = getattr(engine, "name", options.engine)
        if recipe["engine"] != "lite":
            inference = options.inference
            recipe["inference"] = {name: _jsonable(getattr(inference, name)) for name in _OUTPUT_INFERENCE_OPTIONS}
            recipe["recognizer"] = _jsonable(getattr(engine, "recognizer_name", None))
            recipe["layout_model"] = _jsonable(getattr(getattr(engine, "detector", None), "name", None))
        text = json.dumps(recipe, sort_keys=True, ensure_ascii=False)
        return cls(recipe, hashlib.sha256(text.encode("utf-8")).hexdigest())


@dataclass(frozen=True)
class Provenance:
    """Where a document's results come from."""

    input: str  # the input file's absolute path, links resolved
    input_sha256: str
    recipe: str  # OutputRecipe.digest
    formats: tuple[str, ...]

    @classmethod
    def of(cls, source: Path, recipe: OutputRecipe, formats: Sequence[str]) -> Provenance | None:
        """None when the input cannot be read (the parse then reports why)."""
        digest = file_sha256(source)
        if digest is None:
            return None
        return cls(str(Path(source).resolve()), digest, recipe.digest, tuple(sorted(set(formats))))

    def as_json(self) -> dict:
        return dataclasses.asdict(self) | {"formats": list(self.formats)}

    @classmethod
    def from_json(cls, data: object) -> Provenance | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(str(data["input"]), str(data["input_sha256"]), str(data["recipe"]),
                       tuple(str(f) for f in data["formats"]))  # fmt: skip
        except (KeyError, TypeError):
            return None

    def same_result(self, other: Provenance) -> bool:
        """Same input content and output options (formats aside)."""
        return self.input_sha256 == other.input_sha256 and self.recipe == other.recipe


def file_sha256(path: Path) -> str | None:
    """Content hash of a regular file; None for anything else (a FIFO is never opened) or an unreadable one."""
    path = Path(path)
    try:
        if not path.is_file():
            return None
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(_HASH_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None


# ---------------------------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class Manifest:
    """A finished document folder's record: what produced it, and the pages that could not be read."""

    provenance: Provenance
    pages: int
    page_errors: tuple[dict, ...] = ()  # {"page": 1-based, "error": ...}
    options: Mapping | None = None
    ocrvl_version: str = ""

    def write(self, folder: Path) -> None:
        write_json(Path(folder) / MANIFEST_NAME, {
            "manifest_version": MANIFEST_VERSION, "ocrvl_version": self.ocrvl_version,
            **self.provenance.as_json(), "pages": self.pages, "page_errors": list(self.page_errors),
            "options": self.options,
        })  # fmt: skip

    @classmethod
    def read(cls, folder: Path) -> Manifest | None:
        """The manifest of a document folder; None when it has none (or an unreadable one)."""
        data = read_json(Path(folder) / MANIFEST_NAME)
        provenance = Provenance.from_json(data)
        if provenance is None or not isinstance(data, dict):
            return None
        errors = data.get("page_errors")
        errors = tuple(e for e in errors if isinstance(e, dict)) if isinstance(errors, list) else ()
        pages = data.get("pages")
        return cls(provenance, pages if isinstance(pages, int) else 0, errors, data.get("options"),
                   str(data.get("ocrvl_version", "")))  # fmt: skip


# ---------------------------------------------------------------------------------------------- page store


class PageStore:
    """Finished pages of a document being written, in its staging folder: each page's result as lossless JSON,
    saved once everything else of the page is on disk, so a stored page is a complete page."""

    def __init__(self, staging: Path):
        self.staging = Path(staging)
        self.folder = self.staging / PAGES_FOLDER

    def provenance(self) -> Provenance | None:
        return Provenance.from_json(read_json(self.staging / RESUME_STATE))

    def start(self, provenance: Provenance) -> None:
        write_json(self.staging / RESUME_STATE, provenance.as_json())

    def save(self, page: PageResult) -> None:
        write_json(self.folder / f"{page.page_index:07d}.json", encode(page))

    def load(self) -> Iterator[PageResult]:
        """The stored pages in page order, up to the first one that cannot be read back."""
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*.json")):
            try:
                page = decode(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
                logger.warning("%s: a stored page cannot be read back (%s); parsing from there again", path, exc)
                return
            if not isinstance(page, PageResult):
                return
            yield page

    def finish(self) -> None:
        """Drop the resume data before the folder becomes the finished document."""
        (self.staging / RESUME_STATE).unlink(missing_ok=True)
        for path in self.folder.glob("*.json") if self.folder.is_dir() else ():
            path.unlink()
        if self.folder.is_dir():
            self.folder.rmdir()


# Lossless JSON of the result types: dataclasses, tuples, paths and numpy scalars are tagged, so a page read
# back is equal, value for value and type for type, to the one saved. Pixel data (``image``) is not kept: it
# is on disk already (layout picture, cropped pictures).
_DATACLASSES = {
    name: cls for name, cls in vars(result_types).items() if isinstance(cls, type) and dataclasses.is_dataclass(cls)
}
_PIXELS = "image"


def encode(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value).__name__
        if _DATACLASSES.get(kind) is not type(value):
            raise TypeError(f"cannot store a {kind}")
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != _PIXELS}
        return {"__dataclass__": kind, "fields": fields}
    if isinstance(value, np.generic):
        return {"__numpy__": value.dtype.str, "value": value.item()}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.dtype.str, "shape": list(value.shape), "values": value.ravel().tolist()}
    if isinstance(value, Path):
        return {"__path__": str(value)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot store a {type(value).__name__}")


def decode(value: object) -> object:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__dataclass__" in value:
        cls = _DATACLASSES[value["__dataclass__"]]
        return cls(**{name: decode(v) for name, v in value["fields"].items()})
    if "__numpy__" in value:
        return np.dtype(value["__numpy__"]).type(value["value"])
    if "__ndarray__" in value:
        return np.asarray(value["values"], dtype=np.dtype(value["__ndarray__"])).reshape(value["shape"])
    if "__path__" in value:
        return Path(value["__path__"])
    if "__tuple__" in value:
        return tuple(decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {decode(k): decode(v) for k, v in value["__dict__"]}
    raise ValueError(f"unknown stored value {sorted(value)}")


def _jsonable(value: object) -> object:
    """An option value as plain, canonical JSON (mappings as sorted [key, value] pairs, keys of any type)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return sorted(([str(k), _jsonable(v)] for k, v in value.items()), key=lambda kv: kv[0])
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
