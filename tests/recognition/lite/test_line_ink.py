"""Detected text lines fitted to the print: parted at column gutters, boxed to the ink."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocrvl import PaddleOCRVL
from ocrvl.recognition.lite.line_ink import PageInk
from ocrvl.recognition.lite.ocr import LineReader, OcrOptions

LINE = 40  # a detected line's box height in the drawn pages below: print 20 pixels tall, padded 10 on each side
PITCH = 48


def inked_page(lines: list[list[tuple[int, int]]], width: int = 1000, top_margin: int = 100) -> np.ndarray:
    """A white BGR page with black runs of print: `lines[i]` holds the (x0, x1) spans of line i's words."""
    page = np.full((top_margin + PITCH * len(lines) + 100, width, 3), 255, dtype=np.uint8)
    for i, spans in enumerate(lines):
        y = top_margin + PITCH * i + 10
        for x0, x1 in spans:
            page[y : y + 20, x0:x1] = 0
    return page


def line_quad(i: int, x0: float, x1: float, top_margin: int = 100) -> np.ndarray:
    """The padded box the detector would draw around line i from x0 to x1."""
    y0 = top_margin + PITCH * i
    return np.array([[x0, y0], [x1, y0], [x1, y0 + LINE], [x0, y0 + LINE]], dtype=np.float32)


def words(x0: int, x1: int, space: int = 8) -> list[tuple[int, int]]:
    """Words of 50 pixels with `space` between them, filling x0..x1 (the last word ends exactly at x1)."""
    spans, x = [], x0
    while x + 50 < x1:
        spans.append((x, x + 50))
        x += 50 + space
    return [*spans, (x, x1)] if x < x1 else spans


def two_columns(rows: int = 8, gutter: int = 36) -> np.ndarray:
    left, right = (60, 480), (480 + gutter, 940)
    return inked_page([words(*left) + words(*right) for _ in range(rows)])


def test_a_line_the_detector_drew_across_a_column_gutter_becomes_two_lines():
    ink = PageInk(two_columns(gutter=36))  # a gutter of 0.9 line heights: the DB detector joins such lines
    left, right = ink.part_at_gutters([line_quad(3, 50, 950)])

    assert 480 <= left[1, 0] <= 516 and left[1, 0] == right[0, 0]  # cut inside the gutter
    assert ink.print_span(left) == pytest.approx((56, 484))  # the print, with a tenth of a line height around it
    assert ink.print_span(right) == pytest.approx((512, 944))


def test_a_newspaper_gutter_narrower_than_the_detector_s_box_is_parted_too():
    """Small print in narrow columns: the gutter, 22 pixels, is about half the padded box the detector draws."""
    assert len(PageInk(two_columns(gutter=22)).part_at_gutters([line_quad(3, 50, 950)])) == 2


def test_in_an_image_enlarged_to_be_read_so_narrow_a_gap_may_hide_a_faint_dash():
    """A small table image scaled up for the recognizer: a range's thin dash blurs below the threshold."""
    ink = PageInk(two_columns(gutter=22), enlarged=True)
    assert len(ink.part_at_gutters([line_quad(3, 50, 950)])) == 1


@pytest.mark.parametrize("row", [0, 7])
def test_the_first_and_last_lines_of_two_columns_are_parted_too(row):
    assert len(PageInk(two_columns()).part_at_gutters([line_quad(row, 50, 950)])) == 2


def test_a_wide_space_with_print_above_and_below_it_is_no_gutter():
    """A loosely justified line's wide space (0.75 line heights) with lines running on above and below it."""
    body = [words(60, 940) for _ in range(7)]
    body[3] = words(60, 400) + words(430, 940)
    assert len(PageInk(inked_page(body)).part_at_gutters([line_quad(3, 50, 950)])) == 1


def test_spaces_aligned_in_the_first_lines_under_a_blank_margin_are_no_gutter():
    """A river of word spaces two lines deep under the top margin runs blank upwards, but beside it only one
    other line's print: no gutter."""
    body = [words(60, 940) for _ in range(7)]
    body[0] = words(60, 400) + words(424, 940)
    body[1] = words(60, 400) + words(424, 940)
    assert len(PageInk(inked_page(body)).part_at_gutters([line_quad(0, 50, 950)])) == 1


def test_two_headlines_side_by_side_under_a_blank_margin_are_parted_where_their_columns_part():
    """The blank between two stories' headlines runs up through the top margin all its width, but down between
    their columns only where the gutter is; the line is parted there."""
    top = 300  # a margin over five line heights deep
    rows = [words(60, 430) + words(500, 940)] + [words(60, 480, 6 + 3 * i) + words(500, 940) for i in range(7)]
    pieces = PageInk(inked_page(rows, top_margin=top)).part_at_gutters([line_quad(0, 50, 950, top_margin=top)])
    assert len(pieces) == 2 and 480 <= pieces[0][1, 0] <= 500


def test_a_thin_dash_is_print_not_a_gap():
    """A table's range ("0.310–2.268") in a column of shorter numbers: the en dash, one pixel thick, keeps it
    whole."""
    rows = [[(60, 200), (300, 360), (500, 560)] for _ in range(7)]
    rows[3] = [(60, 200), (300, 360), (408, 468), (500, 560)]
    page = inked_page(rows)
    page[100 + PITCH * 3 + 20, 364:404] = 0
    pieces = PageInk(page).part_at_gutters([line_quad(3, 290, 570)])
    assert [(piece[0, 0], piece[1, 0]) for piece in pieces] == [(290, 484), (484, 570)]  # parted at the gutter only


def test_a_slanted_line_is_left_as_detected():
    ink = PageInk(two_columns())
    quad = line_quad(3, 50, 950)
    quad[1:3, 1] += 80  # a rise of 0.09: the page was not straightened
    assert len(ink.part_at_gutters([quad])) == 1
    assert ink.print_span(quad) == (50.0, 950.0)


LEFT = ("The river rises in the hills", "and runs south past the mill", "where the old road crosses it",
        "before the town of Ashford,", "then turns east to the sea", "through marsh and reed beds")  # fmt: skip
RIGHT = ("Trains leave the station at", "seven and return at noon on", "every weekday except holidays",
         "when the timetable changes", "and a bus replaces the last", "service of the evening run")  # fmt: skip


def two_column_scan(gutter: int) -> Image.Image:
    """Two ragged columns of print with `gutter` pixels between the longest left line and the right column."""
    font = ImageFont.load_default(size=30)
    column = max(font.getlength(text) for text in LEFT)
    page = Image.new("RGB", (int(120 + 2 * column + gutter), 120 + 42 * len(LEFT)), "white")
    draw = ImageDraw.Draw(page)
    for i, (left, right) in enumerate(zip(LEFT, RIGHT)):
        draw.text((60, 60 + 42 * i), left, fill="black", font=font)
        draw.text((60 + column + gutter, 60 + 42 * i), right, fill="black", font=font)
    return page


def test_the_ocr_reads_each_column_s_lines_apart():
    reader = LineReader(OcrOptions(model="pp-ocrv6-small", threads=1))
    lines = [word.text for word in reader.read(np.asarray(two_column_scan(gutter=24)))]
    assert sorted(lines) == sorted(LEFT + RIGHT)


def test_a_two_column_page_reads_column_after_column(tmp_path):
    path = tmp_path / "two_columns.png"
    two_column_scan(gutter=30).save(path)

    markdown = PaddleOCRVL(engine="lite", threads=1).predict(str(path))[0].page_markdown

    assert markdown.split("\n\n") == [" ".join(LEFT), " ".join(RIGHT) + "\n"]


def _x_extents(quads: list[np.ndarray]) -> list[tuple[int, int]]:
    return sorted((round(float(q[:, 0].min())), round(float(q[:, 0].max()))) for q in quads)


def test_print_the_detector_left_beside_a_line_is_read_with_it_or_on_its_own():
    # line 0: the detector's box stops short of the last glyph ("B.  0"); line 1: a closing bracket set apart
    # ("（      ）"); line 2: a bullet the detector skipped, left of its item
    page = inked_page([[(100, 140), (158, 172)], [*words(100, 400), (450, 462)], [(60, 70), (140, 500)]])
    quads = [line_quad(0, 90, 150), line_quad(1, 90, 410), line_quad(2, 130, 510)]
    found = PageInk(page).with_stray_print(quads)
    assert _x_extents(found) == [(48, 82), (90, 184), (90, 410), (130, 510), (438, 474)]


def test_the_last_of_a_row_of_answer_choices_set_far_apart_is_found_whole():
    # "C. 2" found; "D." four line heights further along and its "-1" beyond it, both missed by the detector
    page = inked_page([[(100, 120), (140, 160), (330, 350), (390, 400), (406, 416)]])
    found = PageInk(page).with_stray_print([line_quad(0, 90, 170)])
    assert _x_extents(found) == [(90, 170), (318, 362), (378, 428)]


def test_a_rule_beside_a_line_is_no_print_of_it():
    page = inked_page([words(100, 400)])
    page[60:260, 440:443] = 0  # a vertical rule running far above and below the line
    assert _x_extents(PageInk(page).with_stray_print([line_quad(0, 90, 410)])) == [(90, 410)]


def test_a_table_row_s_cells_past_its_column_rules_are_found():
    # a row label read, then two cells the detector missed, each behind a column rule: a figure and a dash
    page = inked_page([words(100, 300)])
    for x in (340, 520, 700):
        page[60:300, x : x + 2] = 0  # column rules running through the rows above and below
    page[110:130, 580:592] = 0  # "1"
    page[119:122, 760:770] = 0  # "-", thinner than any glyph
    found = _x_extents(PageInk(page).with_stray_print([line_quad(0, 90, 310)]))
    assert found == [(90, 310), (568, 604), (748, 782)]


def test_a_row_printed_on_a_dark_band_keeps_its_cells_apart():
    # a slide's table row: black words on a dark blue band (grey 77) running across the page, with cells far apart
    page = inked_page([[(100, 160), (400, 460), (700, 760)]])
    band = page[95:155, 60:900]
    band[band.min(axis=2) > 0] = 77
    quads = [line_quad(0, 90, 170), line_quad(0, 390, 470), line_quad(0, 690, 770)]
    ink = PageInk(page)
    assert _x_extents(ink.with_stray_print(quads)) == [(90, 170), (390, 470), (690, 770)]
    assert ink.print_span(quads[1]) == (396.0, 464.0)


def test_white_print_on_a_dark_page_is_print_and_its_letters_holes_are_not():
    # white rings ("o") on a page of grey 121: the holes inside them are the page's colour, cut off from it
    page = inked_page([[]])
    page[:] = 121
    for x in range(120, 400, 40):
        cv2.circle(page, (x, 120), 10, (255, 255, 255), 3)
    quad = line_quad(0, 90, 410)
    left, right = PageInk(page).print_span(quad)  # the rings' outer edges, a tenth of a line height kept
    assert (left, right) == (108 - 0.1 * LINE, 373 + 0.1 * LINE)
    # on a dark band across a white page (a table's dark rows, its light rows enclosed by them) light is no print
    page[:] = 255
    page[95:155, 60:900] = 121
    for x in range(120, 400, 40):
        cv2.circle(page, (x, 120), 10, (255, 255, 255), 3)
    assert PageInk(page).print_span(quad) == (90.0, 410.0)


def test_white_print_on_a_dark_page_is_parted_at_its_gutter_and_keeps_its_bullets():
    # a dark slide: two columns of white words, and a white bullet the detector left out before the first line
    page = 255 - two_columns(gutter=36)
    page[112:128, 24:36] = 255  # the bullet, beside line 0 only
    ink = PageInk(page)
    assert len(ink.part_at_gutters([line_quad(3, 50, 950)])) == 2
    found = ink.with_stray_print([line_quad(0, 50, 490), line_quad(0, 510, 950)])
    assert _x_extents(found) == [(12, 490), (510, 950)]  # the first grown over the bullet


def test_dot_leaders_are_no_dash():
    page = inked_page([words(100, 300) + [(x, x + 3) for x in range(340, 500, 8)]])
    page[110:128, 340:500] = 255
    for x in range(340, 500, 8):
        page[126:129, x : x + 3] = 0  # a row of dots at the baseline
    assert _x_extents(PageInk(page).with_stray_print([line_quad(0, 90, 310)])) == [(90, 310)]


def test_a_drop_cap_left_of_a_paragraph_s_first_line_is_read_as_a_line_of_its_own():
    # a letter three lines tall, level with the first line's print, beside the first three lines of a paragraph
    page = inked_page([words(200, 600), words(200, 600), words(200, 600), words(100, 600)])
    page[110 : 110 + 2 * PITCH + 20, 110:170] = 0
    quads = [line_quad(i, 190 if i < 3 else 90, 610) for i in range(4)]
    found = PageInk(page).with_stray_print(quads)
    cap = [q for q in found if round(float(q[:, 0].min())) == 98]
    assert len(found) == 5 and len(cap) == 1
    assert round(float(cap[0][:, 1].min())) == 98 and round(float(cap[0][:, 1].max())) == 238


def test_a_dark_slide_s_bullet_points_keep_their_bullets(tmp_path):
    items = ["Revenue grew twelve percent over the year", "Costs stayed flat in every region",
             "Two new plants open in the spring"]  # fmt: skip
    slide = Image.new("RGB", (1600, 900), (20, 40, 90))
    draw = ImageDraw.Draw(slide)
    draw.text((90, 50), "Quarterly results and outlook", fill="white", font=ImageFont.load_default(size=64))
    for k, item in enumerate(items):
        y = 240 + 110 * k
        draw.ellipse((100, y + 18, 118, y + 36), fill="white")
        draw.text((150, y), item, fill="white", font=ImageFont.load_default(size=44))
    slide.save(tmp_path / "slide.png")

    markdown = PaddleOCRVL(engine="lite", threads=1).predict(str(tmp_path / "slide.png"))[0].page_markdown

    paragraphs = markdown.strip().split("\n\n")
    assert paragraphs[0] == "# Quarterly results and outlook"
    assert [p.lstrip("•● ") for p in paragraphs[1:]] == items
    assert all(p[0] in "•●" for p in paragraphs[1:]), "the white bullets are read"
