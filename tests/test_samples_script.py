"""samples/make_samples.py builds the four sample files and their ground truth."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pymupdf
import pytest
from PIL import Image

SCRIPT = Path(__file__).resolve().parents[1] / "samples" / "make_samples.py"
SAMPLE_FILES = ("born_digital.pdf", "table_two_pages.pdf", "scanned.pdf", "photo.jpg", "sources.json")
MAX_TOTAL_BYTES = 2 * 1024 * 1024


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_samples", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("samples")
    load_script().main(directory)
    return directory


def test_all_files_written_and_small(out_dir: Path) -> None:
    for name in SAMPLE_FILES:
        assert (out_dir / name).is_file(), name
    total = sum(p.stat().st_size for p in out_dir.iterdir() if p.is_file())
    assert total < MAX_TOTAL_BYTES


def test_pdf_page_counts(out_dir: Path) -> None:
    for name, pages in (("born_digital.pdf", 1), ("table_two_pages.pdf", 2), ("scanned.pdf", 1)):
        with pymupdf.open(out_dir / name) as doc:
            assert doc.page_count == pages, name


def test_born_digital_has_text_layer(out_dir: Path) -> None:
    sources = json.loads((out_dir / "sources.json").read_text(encoding="utf-8"))
    truth = sources["born_digital.pdf"]
    with pymupdf.open(out_dir / "born_digital.pdf") as doc:
        text = " ".join(doc[0].get_text().split())
    assert truth["title"] in text
    for paragraph in truth["paragraphs"]:
        assert paragraph in text


def test_scan_has_no_text_layer(out_dir: Path) -> None:
    with pymupdf.open(out_dir / "scanned.pdf") as doc:
        page = doc[0]
        assert page.get_text().strip() == ""
        assert len(page.get_images()) == 1


def test_two_page_table_rows_on_their_pages(out_dir: Path) -> None:
    sources = json.loads((out_dir / "sources.json").read_text(encoding="utf-8"))
    table = sources["table_two_pages.pdf"]["tables"][0]
    with pymupdf.open(out_dir / "table_two_pages.pdf") as doc:
        for part in table["pages"]:
            words = doc[part["page"] - 1].get_text()
            assert all(cell in words for cell in table["header"])
            assert all(cell in words for row in part["rows"] for cell in row)


def test_photo_is_rgb_jpeg(out_dir: Path) -> None:
    with Image.open(out_dir / "photo.jpg") as image:
        assert image.format == "JPEG" and image.mode == "RGB"
        assert 1000 <= image.width <= 1400


def test_deterministic(out_dir: Path, tmp_path: Path) -> None:
    load_script().main(tmp_path)
    for name in SAMPLE_FILES:
        assert (tmp_path / name).read_bytes() == (out_dir / name).read_bytes(), name
