"""Reading inputs: page ranges, image formats, text-layer checks."""

from __future__ import annotations

import os
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from PIL import Image

from ocrvl.documents import (
    LoadOptions,
    PageSelection,
    count_pages,
    iter_pages,
    load_pages,
    parse_page_range,
    sniff_kind,
)
from ocrvl.errors import InputError, OptionsError


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


def test_a_shaded_cell_gives_rules_but_a_mark_behind_part_of_a_word_does_not(tmp_path):
    """A shaded table cell's edges are rules; a lighter box behind the last digit of "0.15" inside it (a mark on
    part of a word) is not: its edges would cut the figure in two."""
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=200)
    page.draw_rect(pymupdf.Rect(100, 90, 200, 110), color=None, fill=(0.65, 0.65, 0.65))
    page.insert_text((130, 104), "0.15", fontsize=11)
    word = page.get_text("words")[0]
    page.draw_rect(pymupdf.Rect(word[2] - 5, 91, word[2], 109), color=None, fill=(0.75, 0.75, 0.75))
    doc.save(tmp_path / "shaded.pdf")
    (loaded,) = iter_pages(tmp_path / "shaded.pdf", LoadOptions(dpi=72))
    vertical = sorted(round(r.x0) for r in loaded.rulings if not r.horizontal)
    assert vertical == [100, 200]


_IDENTITY_CMAP = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<00><FF>
endcodespacerange
1 beginbfrange
<20><7e><0020>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


def test_ligatures_a_font_draws_in_place_of_punctuation_read_as_letters(tmp_path):
    """A font re-encoded to draw "ffi", "fi" and "Th" at the codes of "!", '"' and "#" (its /Differences say so)
    while its ToUnicode map still reads them as punctuation: the words read "The difficulties and figures"."""
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=200)
    page.insert_text((40, 100), '#e di!culties and "gures', fontsize=14, fontname="helv")
    font = page.get_fonts()[0][0]
    cmap = doc.get_new_xref()
    doc.update_object(cmap, "<<>>")
    doc.update_stream(cmap, _IDENTITY_CMAP)
    doc.xref_set_key(font, "ToUnicode", f"{cmap} 0 R")
    doc.xref_set_key(font, "Encoding", "<</Type/Encoding/BaseEncoding/WinAnsiEncoding/Differences[33/f_f_i/f_i/T_h]>>")
    doc.save(tmp_path / "ligatures.pdf")
    (loaded,) = iter_pages(tmp_path / "ligatures.pdf")
    assert [w.text for w in loaded.words] == ["The", "difficulties", "and", "figures"]


def test_ligature_characters_are_read_as_their_letters(tmp_path):
    """A font with no ToUnicode map whose glyph names are ligatures: MuPDF reads "ﬃ" and "ﬁ"; the words hold
    the letters a reader searches for."""
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=200)
    page.insert_text((40, 100), 'di!culties and "gures', fontsize=14, fontname="helv")
    font = page.get_fonts()[0][0]
    doc.xref_set_key(font, "Encoding", "<</Type/Encoding/BaseEncoding/WinAnsiEncoding/Differences[33/f_f_i/f_i]>>")
    doc.save(tmp_path / "ligatures.pdf")
    (loaded,) = iter_pages(tmp_path / "ligatures.pdf")
    assert [w.text for w in loaded.words] == ["difficulties", "and", "figures"]


def _symbol_font_pdf(path: Path, base_font: str, text: str, cmap_entries: bytes) -> Path:
    """A page of `text` in a font called `base_font` whose ToUnicode map holds `cmap_entries` over an identity map
    of the printable ASCII codes, as Word writes its Symbol and Wingdings bullets."""
    doc = pymupdf.open()
    page = doc.new_page(width=300, height=200)
    page.insert_text((40, 100), text, fontsize=14, fontname="helv")
    font = page.get_fonts()[0][0]
    cmap = doc.get_new_xref()
    doc.update_object(cmap, "<<>>")
    doc.update_stream(cmap, _IDENTITY_CMAP.replace(b"endbfrange\n", b"endbfrange\n" + cmap_entries))
    doc.xref_set_key(font, "ToUnicode", f"{cmap} 0 R")
    doc.xref_set_key(font, "BaseFont", f"/{base_font}")
    doc.save(path)
    return path


def test_symbol_and_wingdings_codes_read_as_the_marks_they_draw(tmp_path):
    """Word maps the codes of Symbol and Wingdings to private-use code points (U+F0B7 for Symbol's bullet, U+F06E
    for Wingdings' black square, U+F0FC for its check mark); the words hold the characters the fonts draw."""
    wingdings = _symbol_font_pdf(
        tmp_path / "wingdings.pdf", "ABCDEF+Wingdings-Regular", "n yes | q ok | \u00fc fit",
        b"2 beginbfchar\n<6e><f06e>\n<71><f071>\nendbfchar\n1 beginbfrange\n<fc><fc><f0fc>\nendbfrange\n",
    )  # fmt: skip
    (loaded,) = iter_pages(wingdings)
    assert [w.text for w in loaded.words] == ["■", "yes", "|", "❑", "ok", "|", "✓", "fit"]

    symbol = _symbol_font_pdf(
        tmp_path / "symbol.pdf", "SymbolMT", "\u00b7 a > b", b"1 beginbfrange\n<b7><b7>[<f0b7>]\nendbfrange\n"
    )
    (loaded,) = iter_pages(symbol)
    assert [w.text for w in loaded.words] == ["•", "a", ">", "b"]


def test_private_use_code_points_of_other_fonts_are_kept(tmp_path):
    """Only Symbol's and Wingdings' codes are known: another font's private-use characters stay as they are."""
    pdf = _symbol_font_pdf(
        tmp_path / "other.pdf", "Corporate-Icons", "n item", b"1 beginbfchar\n<6e><f06e>\nendbfchar\n"
    )
    (loaded,) = iter_pages(pdf)
    assert [w.text for w in loaded.words] == ["\uf06e", "item"]


def test_a_glyph_without_a_character_opening_a_line_is_its_bullet(tmp_path):
    """A list mark whose font maps it to no character (MuPDF reads U+FFFD) opening a line is a bullet; one inside
    a line stays what it is."""
    pdf = _symbol_font_pdf(
        tmp_path / "marks.pdf",
        "Corporate-Marks",
        "~Database tuning ~ fast",
        b"1 beginbfchar\n<7e><fffd>\nendbfchar\n",
    )
    (loaded,) = iter_pages(pdf)
    assert [w.text for w in loaded.words] == ["•", "Database", "tuning", "\ufffd", "fast"]


# ------------------------------------------------------------------------------------------ hostile input


def _pdf(path: Path, pages: int = 1) -> Path:
    doc = pymupdf.open()
    for number in range(1, pages + 1):
        doc.new_page(width=300, height=200).insert_text((40, 100), f"Words of page {number}", fontsize=14)
    doc.save(path)
    return path


def test_a_huge_page_range_costs_nothing_and_selects_the_pages_that_exist(tmp_path):
    pdf = _pdf(tmp_path / "one.pdf")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        selection = parse_page_range("1-100000000")
        options = LoadOptions(pages=selection)
        assert count_pages(pdf, options) == 1
        assert [p.index for p in iter_pages(pdf, options)] == [0]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 5 and peak < 20_000_000, (time.perf_counter() - started, peak)

    three = _pdf(tmp_path / "three.pdf", pages=3)
    assert [p.index for p in iter_pages(three, LoadOptions(pages=parse_page_range("3, 2-99999999999")))] == [1, 2]
    with pytest.raises(InputError, match="none of the requested pages exist"):
        count_pages(three, LoadOptions(pages=parse_page_range("4-100000000")))
    with pytest.raises(OptionsError, match="bad page range"):
        parse_page_range("1-" + "9" * 5000)


def _frames(path: Path, sizes: list[tuple[int, int]], **save) -> Path:
    first, *rest = (Image.new("1", size, 1) for size in sizes)
    first.save(path, save_all=True, append_images=rest, **save)
    return path


def test_a_small_tiff_with_a_huge_second_frame_is_refused_before_any_frame_is_decoded(tmp_path):
    bomb = _frames(tmp_path / "bomb.tif", [(10, 10), (20000, 20000)], compression="group4")
    assert bomb.stat().st_size < 30_000
    started = time.perf_counter()
    for read in (lambda: count_pages(bomb, LoadOptions()), lambda: list(iter_pages(bomb, LoadOptions()))):
        with pytest.raises(InputError) as info:
            read()
        assert str(bomb) in str(info.value) and "frame 2 of 2 is 20000 x 20000" in str(info.value)
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("fmt", ["TIFF", "MPO"])
def test_every_frame_of_a_multi_frame_image_is_checked(tmp_path, fmt):
    """TIFF pages and MPO pictures each have their own size (animations share one canvas, checked once)."""
    path = tmp_path / f"frames.{fmt.lower()}"
    first, second = Image.new("RGB", (40, 40), "white"), Image.new("RGB", (400, 300), "white")
    first.save(path, format=fmt, save_all=True, append_images=[second])
    with pytest.raises(InputError, match="frame 2 of 2 is 400 x 300"):
        count_pages(path, LoadOptions(max_image_pixels=10_000))
    assert count_pages(path, LoadOptions(max_image_pixels=120_000)) == 2


def test_a_page_too_large_to_render_at_the_dpi_is_rendered_smaller(tmp_path, caplog):
    """/UserUnit 75 on a 200 x 200 inch page: 15000 x 15000 inches, 0.07 dpi within the render limit."""
    path = _pdf(tmp_path / "poster.pdf", pages=3)
    doc = pymupdf.open(path)
    doc[1].set_mediabox(pymupdf.Rect(0, 0, 14400, 14400))
    doc.xref_set_key(doc[1].xref, "UserUnit", "75")
    doc.save(tmp_path / "userunit.pdf")
    pages = list(iter_pages(tmp_path / "userunit.pdf", LoadOptions(max_render_pixels=1_000_000)))
    assert [p.index for p in pages] == [0, 1, 2]
    assert 900_000 <= pages[1].width * pages[1].height <= 1_000_000 and pages[1].dpi < 0.1
    assert "page 2 is 15000 x 15000 inches; rendered at 0.066" in caplog.text


def test_a_page_that_cannot_be_rendered_comes_as_a_failure_in_its_place(tmp_path):
    path = _pdf(tmp_path / "tiny.pdf", pages=3)
    doc = pymupdf.open(path)
    doc.xref_set_key(doc[1].xref, "UserUnit", "0.0000001")
    doc.save(tmp_path / "dot.pdf")
    loaded = list(load_pages(tmp_path / "dot.pdf"))
    assert [type(p).__name__ for p in loaded] == ["Page", "PageFailure", "Page"]
    assert loaded[1].message.startswith(f"{tmp_path / 'dot.pdf'}: page 2 has no area")
    with pytest.raises(InputError, match="page 2 has no area"):
        list(iter_pages(tmp_path / "dot.pdf"))


def test_fifos_and_devices_are_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []
    reader = threading.Thread(target=lambda: _catch(outcome, lambda: count_pages(fifo, LoadOptions())), daemon=True)
    reader.start()
    reader.join(5)
    if reader.is_alive():  # let the stuck open() return before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading a FIFO hangs")
    assert (
        isinstance(outcome[0], InputError) and "named pipe (FIFO)" in str(outcome[0]) and str(fifo) in str(outcome[0])
    )
    with pytest.raises(InputError, match="is a device"):
        sniff_kind(Path("/dev/null"))


def _catch(outcome: list[BaseException], call) -> None:
    try:
        call()
    except BaseException as exc:  # noqa: BLE001 - handed to the test thread
        outcome.append(exc)


def _page_with_ink() -> np.ndarray:
    """A white page with a black bar: the grey levels a reader must keep apart."""
    grey = np.full((60, 120), 255, np.uint8)
    grey[20:40, 30:90] = 0
    return grey


def _unusual(mode: str) -> Image.Image:
    grey = _page_with_ink()
    if mode == "F":
        return Image.fromarray(grey.astype(np.float32) / 255, "F")
    if mode == "F nan":
        values = grey.astype(np.float32) / 255
        values[0, :5] = np.nan
        return Image.fromarray(values, "F")
    if mode == "I;16B":
        return Image.frombytes("I;16B", (120, 60), (grey.astype(">u2") * 257).tobytes())
    if mode == "I":
        return Image.fromarray(grey.astype(np.int32) * 1000, "I")
    if mode == "P transparent":
        palette = Image.fromarray(grey).convert("P")
        palette.info["transparency"] = palette.getpixel((0, 0))  # the white paper is transparent: still white
        return palette
    return Image.fromarray(grey).convert(mode)


@pytest.mark.parametrize("mode", ["F", "F nan", "I;16", "I;16B", "I", "CMYK", "LA", "P transparent", "1"])
def test_unusual_tiff_modes_are_read_as_they_look(tmp_path, mode):
    image = _unusual(mode) if mode != "I;16" else Image.fromarray(_page_with_ink().astype(np.uint16) * 257)
    path = tmp_path / "page.tif"
    image.save(path, **({"transparency": image.info["transparency"]} if "transparency" in image.info else {}))
    (page,) = iter_pages(path)
    assert page.image.dtype == np.uint8 and page.image.shape == (60, 120, 3)
    assert page.image[5, 60].min() >= 250, "paper stays white"
    assert page.image[30, 60].max() <= 5, "ink stays black"
