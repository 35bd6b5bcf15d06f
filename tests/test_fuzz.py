"""Mutated PDFs and images fed to the loader and to the lite pipeline: every case must end in a result or an
`OcrvlError` naming the file. Never another exception, a hang or unbounded memory.

The cases are reproducible: a fixed seed mutates a seed corpus (the samples, plus the hostile files of
issue 12 made here by code) with bit flips, overwritten and deleted and repeated runs of bytes, truncations and,
in PDFs, numbers swapped for extreme ones. They run in a child process so that a hang can be stopped (each case has
a time limit) and memory can be capped (an address-space limit, and the peak resident size checked case by case).
A failure names the case; ``make_case(seed_corpus(), seed_name, number)`` rebuilds its bytes.
"""

from __future__ import annotations

import io
import multiprocessing
import random
import re
import resource
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from PIL import Image, ImageDraw

from tests.conftest import SAMPLES

SEED = 12
LOADER_CASES_PER_SEED = 14
PIPELINE_CASES_PER_SEED = 3
MAX_PIXELS = 4_000_000  # images above this are refused, PDF pages rendered within it
ADDRESS_SPACE_BYTES = 8 << 30  # the child's hard cap (a lite pipeline maps about 2.5 GB)
LOADER_RSS_BYTES = 1 << 30  # peak resident size allowed: what a case may cost on top of the child
PIPELINE_RSS_BYTES = 2 << 30
LOADER_SECONDS = 30  # per case; the machine is shared, these are far above what a case takes
PIPELINE_SECONDS = 120


# ------------------------------------------------------------------------------------------ seed corpus


def _pdf_bytes(pages: list[tuple[float, float]], edit: Callable[[pymupdf.Document], None] | None = None) -> bytes:
    doc = pymupdf.open()
    for number, (width, height) in enumerate(pages, start=1):
        page = doc.new_page(width=width, height=height)
        page.insert_text((36, 60), f"Section {number}. Words on page {number}.", fontsize=12)
        page.draw_rect(pymupdf.Rect(36, 80, 200, 140))
        page.draw_line((36, 110), (200, 110))
    if edit is not None:
        edit(doc)
    return doc.tobytes()


def _set_key(page_number: int, key: str, value: str) -> Callable[[pymupdf.Document], None]:
    return lambda doc: doc.xref_set_key(doc[page_number].xref, key, value)


def _image_bytes(images: list[Image.Image], fmt: str, **save: object) -> bytes:
    buffer = io.BytesIO()
    first, *rest = images
    if rest:
        save = {"save_all": True, "append_images": rest, **save}
    first.save(buffer, format=fmt, **save)
    return buffer.getvalue()


def _text_image(size: tuple[int, int] = (320, 120), mode: str = "L") -> Image.Image:
    image = Image.new("L", size, 255)
    ImageDraw.Draw(image).text((10, 40), "Fuzzed words 42", fill=0)
    return image.convert(mode)


def _grey_array_image(dtype: str) -> Image.Image:
    grey = np.asarray(_text_image(), np.float32)
    if dtype == "F":
        return Image.fromarray(grey / 255.0, "F")
    return Image.fromarray((grey * 257).astype(np.uint16))


def seed_corpus() -> dict[str, bytes]:
    """The files every case starts from, by name (the suffix says the kind)."""
    transparent = _text_image(mode="P")
    transparent.info["transparency"] = 255
    corpus = {
        "born_digital.pdf": (SAMPLES / "born_digital.pdf").read_bytes(),
        "scanned.pdf": (SAMPLES / "scanned.pdf").read_bytes(),
        "table_two_pages.pdf": (SAMPLES / "table_two_pages.pdf").read_bytes(),
        "photo.jpg": (SAMPLES / "photo.jpg").read_bytes(),
        "three_pages.pdf": _pdf_bytes([(612, 792), (300, 200), (612, 792)]),
        "userunit_75.pdf": _pdf_bytes([(612, 792), (14400, 14400)], _set_key(1, "UserUnit", "75")),
        "dot_page.pdf": _pdf_bytes([(612, 792), (612, 792)], _set_key(1, "UserUnit", "0.0000001")),
        "bomb_frame.tif": _image_bytes(
            [Image.new("1", (10, 10), 1), Image.new("1", (20000, 20000), 1)], "TIFF", compression="group4"
        ),  # fmt: skip
        "pages.tif": _image_bytes([_text_image(), _text_image((200, 300)), _text_image(mode="RGB")], "TIFF"),
        "float32.tif": _image_bytes([_grey_array_image("F")], "TIFF"),
        "sixteen.tif": _image_bytes([_grey_array_image("I;16")], "TIFF"),
        "cmyk.tif": _image_bytes([_text_image(mode="CMYK")], "TIFF"),
        "bilevel.tif": _image_bytes([_text_image(mode="1")], "TIFF", compression="group4"),
        "palette.png": _image_bytes([transparent], "PNG", transparency=255),
        "animated.png": _image_bytes([_text_image(mode="RGB"), _text_image(mode="RGB").rotate(90)], "PNG"),
        "animated.webp": _image_bytes([_text_image(mode="RGB"), _text_image(mode="RGB")], "WEBP", lossless=True),
        "pictures.mpo": _image_bytes([_text_image(mode="RGB"), _text_image((100, 400), "RGB")], "MPO"),
        "grey_alpha.png": _image_bytes([_text_image(mode="LA")], "PNG"),
        "plain.bmp": _image_bytes([_text_image(mode="RGB")], "BMP"),
    }
    return corpus


def odd_pages() -> dict[str, bytes]:
    """Pages of extreme shapes and content, for the pipeline as they are."""
    noise = np.random.default_rng(SEED).integers(0, 256, (400, 300, 3), dtype=np.uint8)
    return {
        "one_pixel_high.png": _image_bytes([Image.new("RGB", (3000, 1), "black")], "PNG"),
        "one_pixel_wide.png": _image_bytes([Image.new("RGB", (1, 3000), "black")], "PNG"),
        "one_pixel.png": _image_bytes([Image.new("RGB", (1, 1), "white")], "PNG"),
        "all_black.png": _image_bytes([Image.new("L", (600, 800), 0)], "PNG"),
        "noise.png": _image_bytes([Image.fromarray(noise)], "PNG"),
        "strip.pdf": _pdf_bytes([(3, 3000), (3000, 3), (1, 1)]),
    }


# ------------------------------------------------------------------------------------------ mutations

_NUMBER = re.compile(rb"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")
_EXTREME_NUMBERS = (b"0", b"-1", b"4294967297", b"99999999999999999999", b"1e308", b"-0.0", b"0.000001", b"65536")
_EXTREME_BYTES = (b"\x00", b"\xff", b"\x7f", b"\x80", b"\xff\xff\xff\x7f", b"\x00\x00\x00\x00")


def _flip_bits(data: bytearray, rng: random.Random) -> None:
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(len(data))
        data[at] ^= 1 << rng.randrange(8)


def _overwrite(data: bytearray, rng: random.Random) -> None:
    at = rng.randrange(len(data))
    patch = rng.choice(_EXTREME_BYTES) * rng.randint(1, 4) if rng.random() < 0.5 else rng.randbytes(rng.randint(1, 64))
    data[at : at + len(patch)] = patch


def _delete(data: bytearray, rng: random.Random) -> None:
    at = rng.randrange(len(data))
    del data[at : at + rng.randint(1, 512)]


def _repeat(data: bytearray, rng: random.Random) -> None:
    at = rng.randrange(len(data))
    chunk = data[at : at + rng.randint(1, 256)]
    data[at:at] = chunk * rng.randint(1, 16)


def _truncate(data: bytearray, rng: random.Random) -> None:
    del data[rng.randint(1, len(data)) :]


def _extreme_number(data: bytearray, rng: random.Random) -> None:
    """A number in a PDF's syntax (a size, count, length, offset, coordinate) swapped for an extreme one."""
    numbers = list(_NUMBER.finditer(data))
    if not numbers:
        return _overwrite(data, rng)
    for match in sorted(rng.sample(numbers, min(len(numbers), rng.randint(1, 4))), key=lambda m: -m.start()):
        data[match.start() : match.end()] = rng.choice(_EXTREME_NUMBERS)


# Keys whose numbers size or locate things: page tree counts, boxes, units, stream lengths, image shapes, xref
# stream layout, filter parameters.
_STRUCTURAL = re.compile(
    rb"/(?:Count|MediaBox|CropBox|UserUnit|Rotate|Length|Width|Height|BitsPerComponent|Size|W|Index|First|N|"
    rb"Columns|Predictor|Colors|K|Rows|Matrix|BBox|FontSize)\s*\[?\s*(-?\d+(?:\.\d+)?)"
)


def _extreme_structural_number(data: bytearray, rng: random.Random) -> None:
    """The first number of a structural key (a /Count, a /MediaBox, a /Length, ...) made extreme."""
    matches = list(_STRUCTURAL.finditer(data))
    if not matches:
        return _extreme_number(data, rng)
    match = rng.choice(matches)
    data[match.start(1) : match.end(1)] = rng.choice(_EXTREME_NUMBERS)


_MUTATIONS = (_flip_bits, _overwrite, _delete, _repeat, _truncate)
_PDF_MUTATIONS = (_extreme_number, _extreme_structural_number, _extreme_structural_number)


def make_case(corpus: dict[str, bytes], name: str, number: int) -> bytes:
    """The bytes of case `number` of seed file `name`: the same on every run."""
    rng = random.Random(f"{SEED}:{name}:{number}")
    data = bytearray(corpus[name])
    mutations = _MUTATIONS + (_PDF_MUTATIONS if name.endswith(".pdf") else ())
    for _ in range(rng.randint(1, 3)):
        if data:
            rng.choice(mutations)(data, rng)
    return bytes(data)


def write_cases(corpus: dict[str, bytes], folder: Path, per_seed: int, names: list[str] | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names or sorted(corpus):
        stem, suffix = name.rsplit(".", 1)
        for number in range(per_seed):
            path = folder / f"{stem}-{number}.{suffix}"
            path.write_bytes(make_case(corpus, name, number))
            paths.append(path)
    return paths


# ------------------------------------------------------------------------------------------ the child process


@dataclass(frozen=True)
class Outcome:
    case: str
    verdict: str  # "pages", "refused" (an OcrvlError naming the file) or "bug"
    detail: str
    peak_rss: int
    seconds: float


def _check_loader_case(path: Path) -> str:
    from ocrvl.documents import LoadOptions, load_pages
    from ocrvl.types import PageFailure

    options = LoadOptions(max_image_pixels=MAX_PIXELS, max_render_pixels=MAX_PIXELS)
    notes = []
    for loaded in load_pages(path, options):
        if isinstance(loaded, PageFailure):
            assert loaded.message.startswith(f"{path}: page "), loaded.message
            notes.append(f"page {loaded.index + 1} failed")
            continue
        image = loaded.image
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3, image.shape
        assert image.shape[0] * image.shape[1] <= MAX_PIXELS, image.shape
        notes.append(f"page {loaded.index + 1} {image.shape[1]}x{image.shape[0]}")
    return ", ".join(notes)


def _pipeline_checker() -> Callable[[Path], str]:
    from ocrvl import PaddleOCRVL

    parser = PaddleOCRVL(engine="lite", dpi=72, max_image_pixels=MAX_PIXELS)

    def check(path: Path) -> str:
        pages = parser.predict(path)
        document = parser.join(pages)[0]
        document.json, document.markdown  # noqa: B018 - the document outputs must build
        for page in pages:
            page.json, page.markdown, page.save_to_img(path.parent / "layout")  # noqa: B018
            assert page.page.error is None or page.page.error.startswith(f"{path}: page ")
        return f"{len(pages)} pages, {sum(p.page.error is not None for p in pages)} failed"

    return check


def _run_cases(connection, paths: list[Path], kind: str) -> None:
    """In the child: each case's outcome sent back as it ends ("start" first, so a hang is pinned on its case)."""
    from ocrvl.errors import OcrvlError

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES))
    check = _check_loader_case if kind == "loader" else _pipeline_checker()
    baseline = _peak_rss()
    for path in paths:
        connection.send(("start", path.name))
        started = time.perf_counter()
        try:
            verdict, detail = "pages", check(path)
        except OcrvlError as exc:
            named = str(path) in str(exc)
            verdict, detail = ("refused", str(exc)) if named else ("bug", f"error without the file's name: {exc}")
        except BaseException:  # noqa: BLE001 - exactly what the fuzz test is looking for
            verdict, detail = "bug", traceback.format_exc()
        spent = time.perf_counter() - started
        connection.send(("done", Outcome(path.name, verdict, detail, _peak_rss() - baseline, spent)))
    connection.send(("end", None))


def _peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_in_child(paths: list[Path], kind: str, seconds_per_case: float, startup_seconds: float) -> list[Outcome]:
    """Every case's outcome; a case that runs past its time, or kills the child, fails the test by name."""
    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe()
    child = context.Process(target=_run_cases, args=(child_end, paths, kind), daemon=True)
    child.start()
    outcomes: list[Outcome] = []
    current, limit = "(starting)", startup_seconds + seconds_per_case
    try:
        while True:
            if not parent_end.poll(limit):
                pytest.fail(f"{kind} fuzz case {current} still runs after {limit:.0f} s (a hang)")
            try:
                message, value = parent_end.recv()
            except EOFError:
                child.join(5)
                pytest.fail(f"{kind} fuzz case {current} killed the process (exit code {child.exitcode})")
            if message == "end":
                return outcomes
            if message == "start":
                current, limit = value, seconds_per_case
            else:
                outcomes.append(value)
    finally:
        if child.is_alive():
            child.kill()
        child.join(5)


def _assert_all_handled(outcomes: list[Outcome], cases: int, rss_limit: int) -> None:
    bugs = [f"{o.case}: {o.detail}" for o in outcomes if o.verdict == "bug"]
    assert not bugs, "\n\n".join(bugs)
    heavy = [f"{o.case}: peak {o.peak_rss / 1e6:.0f} MB" for o in outcomes if o.peak_rss > rss_limit]
    assert not heavy, heavy
    assert len(outcomes) == cases


# ------------------------------------------------------------------------------------------ the tests


@pytest.fixture(scope="module")
def corpus() -> dict[str, bytes]:
    return seed_corpus()


def test_the_loader_survives_mutated_documents(corpus, tmp_path):
    paths = write_cases(corpus, tmp_path / "cases", LOADER_CASES_PER_SEED)
    outcomes = run_in_child(paths, "loader", LOADER_SECONDS, startup_seconds=30)
    _assert_all_handled(outcomes, len(paths), LOADER_RSS_BYTES)
    verdicts = [o.verdict for o in outcomes]
    # The mutations must reach past the first checks: many cases still load, many are refused.
    assert verdicts.count("pages") > len(paths) // 5 and verdicts.count("refused") > len(paths) // 5, verdicts


def test_the_lite_pipeline_survives_mutated_documents_and_odd_pages(corpus, tmp_path):
    names = ["three_pages.pdf", "dot_page.pdf", "born_digital.pdf", "table_two_pages.pdf", "pages.tif"]
    cases = write_cases(corpus, tmp_path / "cases", PIPELINE_CASES_PER_SEED, names)
    for name, data in odd_pages().items():
        (tmp_path / "cases" / name).write_bytes(data)
        cases.append(tmp_path / "cases" / name)
    outcomes = run_in_child(cases, "pipeline", PIPELINE_SECONDS, startup_seconds=120)
    _assert_all_handled(outcomes, len(cases), PIPELINE_RSS_BYTES)
    assert sum(o.verdict == "pages" for o in outcomes) >= len(cases) // 3, outcomes
