"""Reading inputs: page ranges, image formats, text-layer checks."""

from __future__ import annotations

import numpy as np
import pymupdf
import pytest
from PIL import Image

from ocrvl.documents import LoadOptions, PageSelection, iter_pages, parse_page_range
from ocrvl.errors import OptionsError


def test_page_ranges():
    assert list(parse_page_range("7,1-3").indices(10)) == [0, 1, 2, 6]
    assert parse_page_range(None) is None
    for bad in ("0", "3-1", "a-b", ","):
        with pytest.raises(OptionsError):
            parse_page_range(bad)


def test_multi_page_tiff_transparent_png_and_bmp(tmp_path):
    frames = [Image.new("RGB", (200, 100), c) for c in ("red", "green", "blue")]
    frames[0].save(tmp_path / "multi.tif", save_all=True, append_images=frames[1:])
    pages = list(iter_pages(tmp_path / "multi.tif", LoadOptions(pages=PageSelection.of({1, 2}))))
    assert [p.index for p in pages] == [1, 2] and pages[0].page_count == 3
    assert tuple(pages[0].image[0, 0]) == (0, 128, 0)

    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(tmp_path / "clear.png")
    (page,) = iter_pages(tmp_path / "clear.png")
    assert page.image.shape == (50, 50, 3) and page.image.min() == 255, "transparency flattens onto white"

    Image.new("RGB", (30, 20), "white").save(tmp_path / "a.bmp")
    assert next(iter_pages(tmp_path / "a.bmp")).image.shape == (20, 30, 3)


def test_pdf_text_layer_is_in_page_pixels_and_invisible_text_is_not_trusted(tmp_path):
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=200)
    page.insert_text((50, 100), "Visible words here", fontsize=12)
    doc.save(tmp_path / "visible.pdf")
    (loaded,) = iter_pages(tmp_path / "visible.pdf", LoadOptions(dpi=144))
    assert loaded.image.shape[:2] == (400, 600) and loaded.text_layer_ok
    first = loaded.words[0]
    assert first.text == "Visible" and 95 <= first.bbox[0] <= 105 and 180 <= first.bbox[3] <= 210

    doc = pymupdf.open()
    page = doc.new_page(width=300, height=200)
    page.insert_text((50, 100), "Hidden OCR layer", fontsize=12, render_mode=3)
    doc.save(tmp_path / "invisible.pdf")
    (loaded,) = iter_pages(tmp_path / "invisible.pdf")
    assert loaded.words and not loaded.text_layer_ok


def test_vector_table_lines_become_rulings(tmp_path):
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=200)
    for y in (50, 80, 110):
        page.draw_line((50, y), (250, y))
    page.draw_line((150, 50), (150, 110))
    doc.save(tmp_path / "ruled.pdf")
    (loaded,) = iter_pages(tmp_path / "ruled.pdf", LoadOptions(dpi=72))
    horizontal = sorted(r.y0 for r in loaded.rulings if r.horizontal)
    vertical = [r for r in loaded.rulings if not r.horizontal]
    assert np.allclose(horizontal, [50, 80, 110], atol=1) and len(vertical) == 1
