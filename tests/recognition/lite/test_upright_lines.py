"""Lines taller than wide: text running up the page (a spine, an arXiv stamp) reads the right way round, and a
figure standing alone in a narrow box reads as printed, never as its half-turned twin (a 9 as a 6)."""

from __future__ import annotations

import numpy as np
import pymupdf
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocrvl.recognition.lite.ocr import LineReader, _latin_forms_on_latin_pages
from ocrvl.types import Word

STAMP = "arXiv:2206.01062v1"


@pytest.fixture(scope="module")
def reader() -> LineReader:
    return LineReader()


def test_a_line_running_up_the_page_reads_the_right_way_round(reader):
    line = Image.new("RGB", (560, 70), "white")
    ImageDraw.Draw(line).text((20, 10), STAMP, fill="black", font=ImageFont.load_default(size=40))
    page = Image.new("RGB", (300, 800), "white")
    page.paste(line.rotate(90, expand=True), (100, 100))  # anticlockwise: the text runs up
    (word,) = reader.read(np.asarray(page))
    assert word.text == STAMP


def test_figures_standing_alone_in_narrow_boxes_read_as_printed(reader):
    figures = "96574"
    row = Image.new("RGB", (700, 200), "white")
    draw = ImageDraw.Draw(row)
    for k, figure in enumerate(figures):
        draw.text((40 + 130 * k, 60), figure, fill="black", font=ImageFont.load_default(size=40))
    page = row.resize((700, 400))  # drawn tall: each figure's box is about twice as tall as wide
    words = sorted(reader.read(np.asarray(page)), key=lambda word: word.bbox[0])
    assert sum(word.bbox[3] - word.bbox[1] >= 1.5 * (word.bbox[2] - word.bbox[0]) for word in words) >= 3
    assert "".join(word.text for word in words) == figures


def test_a_closing_bracket_set_apart_reads_as_a_bracket(reader):
    """The blank of a Chinese test question, "（          ）": the detector boxes the closing bracket alone, a box
    taller than wide, which turned on its side would read as a stroke ("一") or a letter."""
    doc = pymupdf.open()
    page = doc.new_page(width=400, height=120)
    page.insert_text((20, 60), "1．下列哪一项不属于文档解析的步骤？（          ）", fontsize=11, fontname="china-s")
    pix = page.get_pixmap(dpi=200)
    image = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)[:, :, :3]
    words = sorted(reader.read(image), key=lambda word: word.bbox[0])
    assert words[-1].text in (")", "）")


def test_a_table_s_dashes_for_no_entry_are_read_as_dashes(reader):
    """An em dash alone in a cell, behind column rules, far from the row's last words: the detector misses it,
    and read alone it looks like the ideograph "一"."""
    doc = pymupdf.open()
    page = doc.new_page(width=620, height=100)
    for i, row in enumerate([("Male", "61,206", "Ref.", "\u2014"), ("Female", "58,120", "1.02", "\u2014")]):
        for x, text in zip((15, 150, 290, 420), row):
            page.insert_text((x, 40 + 30 * i), text, fontsize=10, fontname="china-s" if text == "\u2014" else "helv")
    for x in (135, 275, 405):
        page.draw_line((x, 10), (x, 90), width=0.8)  # the column rules
    pix = page.get_pixmap(dpi=200)
    image = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width, pix.n)[:, :, :3]
    rows: dict[int, list] = {}
    for word in reader.read(image):
        rows.setdefault(round(word.bbox[1] / 80), []).append(word)
    read = [[w.text for w in sorted(row, key=lambda w: w.bbox[0])] for _, row in sorted(rows.items())]
    assert read == [["Male", "61,206", "Ref.", "\u2014"], ["Female", "58,120", "1.02", "\u2014"]]


def test_a_lone_stroke_is_a_dash_on_a_latin_page_and_the_ideograph_on_a_chinese_one():
    latin = [Word("Ref.", (0, 0, 40, 20)), Word("一", (100, 0, 120, 20))]
    chinese = [Word("第一章", (0, 0, 60, 20)), Word("一", (100, 0, 120, 20))]
    assert [w.text for w in _latin_forms_on_latin_pages(latin)] == ["Ref.", "\u2014"]
    assert [w.text for w in _latin_forms_on_latin_pages(chinese)] == ["第一章", "一"]


def test_full_width_punctuation_is_ascii_on_a_latin_page_and_kept_on_a_chinese_one():
    latin = [Word("VERIFY（SESSION_USER，'MGR'）＝1：", (0, 0, 300, 20)), Word("一", (400, 0, 420, 20))]
    chinese = [Word("函数（见表1），返回：", (0, 0, 200, 20))]
    assert [w.text for w in _latin_forms_on_latin_pages(latin)] == ["VERIFY(SESSION_USER,'MGR')=1:", "\u2014"]
    assert [w.text for w in _latin_forms_on_latin_pages(chinese)] == ["函数（见表1），返回："]
