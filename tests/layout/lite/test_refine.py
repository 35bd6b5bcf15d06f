"""Layout refinement: no text lost, none duplicated, labels fixed from content."""

from pathlib import Path

import numpy as np

from ocrvl.layout.lite.refine import refine_layout
from ocrvl.layout.lite.regions import captions_keep_their_lines, expand_to_rulings
from ocrvl.recognition.lite.text_assembly import region_text
from ocrvl.types import Page, Region, Ruling, Word


def _page(width=1200, height=1600) -> Page:
    return Page(source=Path("x.pdf"), index=0, page_count=1, image=np.zeros((height, width, 3), np.uint8), dpi=144)


def _line(text: str, x: float, y: float, h: float = 20, line: int = -1) -> list[Word]:
    words, cursor = [], x
    for token in text.split():
        w = 11 * len(token)
        words.append(Word(token, (cursor, y, cursor + w, y + h), line=line))
        cursor += w + 8
    return words


def _labels_by_first_word(detected: list[Region], words: list[Word]) -> dict[str, str]:
    return {ws[0].text: r.label for r, ws in refine_layout(detected, words, _page())}


def test_words_outside_every_box_become_a_text_region_and_each_word_is_used_once():
    inside = _line("Covered by the detector box", 100, 200)
    outside = _line("Missed by the detector entirely", 100, 600) + _line("and its second line here", 100, 625)
    detected = [Region((90, 190, 800, 230), "text", 0.9), Region((95, 195, 700, 225), "text", 0.5)]
    pairs = refine_layout(detected, inside + outside, _page())
    used = [w for _, ws in pairs for w in ws]
    assert sorted(map(id, used)) == sorted(map(id, inside + outside))
    assert [r.label for r, _ in pairs] == ["text", "text"]


def test_title_box_that_stops_short_grows_over_the_rest_of_the_title():
    words = _line("Compact Neural Models for Reading", 100, 100, h=40)
    detected = [Region((250, 95, 500, 145), "paragraph_title", 0.4)]
    ((region, region_words),) = refine_layout(detected, words, _page())
    assert region.label == "doc_title" and len(region_words) == len(words)
    assert region.bbox[0] <= 100


def test_page_covering_picture_is_dropped_so_its_text_is_read():
    words = _line("A dense page of ordinary prose that the detector took for one big picture", 80, 300)
    detected = [Region((0, 0, 1200, 1600), "image", 0.8)]
    pairs = refine_layout(detected, words, _page())
    assert [r.label for r, _ in pairs] == ["text"]


def test_grid_of_short_ocr_text_on_a_page_without_tables_becomes_one_table():
    words = []
    for row, y in enumerate((100, 140, 180, 220)):
        for col, x in enumerate((100, 400, 700)):
            words.append(Word(f"r{row}c{col}", (x, y, x + 60, y + 20)))
    detected = [Region((90, 90, 800, 130), "text", 0.3), Region((90, 170, 800, 250), "text", 0.3)]
    pairs = refine_layout(detected, words, _page(), ocr_words=True)
    assert [r.label for r, _ in pairs] == ["table"]
    assert len(pairs[0][1]) == len(words)
    # a born-digital form laid out in columns is not turned into a table
    assert "table" not in {r.label for r, _ in refine_layout(detected, words, _page())}


def test_symbol_line_is_a_formula_short_numbered_line_a_heading_and_a_numbered_caption_a_caption():
    body = _line("Plain body text that runs along the whole line of the column here", 100, 300)
    formula = _line("a2 + b2 = c2", 300, 360)
    heading = _line("2 Method", 100, 240)
    caption = _line("Listing 1: Simple JavaScript Program", 300, 420)
    detected = [
        Region((90, 295, 900, 325), "text", 0.9),
        Region((290, 355, 500, 385), "text", 0.9),
        Region((90, 235, 300, 265), "text", 0.9),
        Region((290, 415, 800, 445), "paragraph_title", 0.9),
    ]
    labels = _labels_by_first_word(detected, body + formula + heading + caption)
    assert labels == {"Plain": "text", "a2": "display_formula", "2": "paragraph_title", "Listing": "figure_title"}


def test_an_equation_number_boxed_apart_from_a_scanned_formula_is_its_number():
    body = _line("Plain body text that runs along the whole line of the column here", 100, 300)
    formula, number = [Word("x² + y² = r²", (300, 360, 460, 380))], [Word("(3)", (800, 360, 830, 380))]
    detected = [Region((90, 295, 900, 325), "text", 0.9), Region((290, 355, 470, 385), "display_formula", 0.9),
                Region((790, 355, 840, 385), "text", 0.5)]  # fmt: skip
    pairs = refine_layout(detected, body + formula + number, _page(), ocr_words=True)
    assert [(r.label, ws[0].text) for r, ws in pairs] == [
        ("text", "Plain"), ("display_formula", "x² + y² = r²"), ("formula_number", "(3)")]  # fmt: skip


def test_a_formula_boxed_as_a_title_is_a_formula():
    body = _line("Plain body text that runs along the whole line of the column here", 100, 300)
    formula = _line("a² + 8 = 12", 300, 360)
    detected = [Region((90, 295, 900, 325), "text", 0.9), Region((290, 355, 500, 385), "paragraph_title", 0.9)]
    labels = _labels_by_first_word(detected, body + formula)
    assert labels == {"Plain": "text", "a²": "display_formula"}


def test_a_caption_boxed_as_a_formula_is_text_and_a_caption_label_boxed_as_a_title_is_a_caption():
    body = _line("Plain body text that runs along the whole line of the column here", 100, 300)
    label = _line("Table 2-2", 100, 360)
    caption = _line("Comparison of the different function usage IDs and *JOBCTL authority", 100, 390)
    formula = _line("f(x) = sin x + cos x", 300, 460)
    detected = [Region((90, 295, 900, 325), "text", 0.9), Region((90, 355, 250, 385), "paragraph_title", 0.9),
                Region((90, 385, 900, 415), "display_formula", 0.6),
                Region((290, 455, 600, 485), "display_formula", 0.9)]  # fmt: skip
    labels = _labels_by_first_word(detected, body + label + caption + formula)
    assert labels == {"Plain": "text", "Table": "figure_title", "Comparison": "text", "f(x)": "display_formula"}


def test_picture_box_over_running_text_is_dropped_but_a_labelled_diagram_is_kept():
    prose = []
    for i in range(4):
        prose += _line("Accurate document layout analysis is a key requirement", 100, 200 + 30 * i)
    labels = _line("Nut case", 700, 300) + _line("Keyway", 700, 400)
    detected = [Region((90, 190, 650, 330), "image", 0.9), Region((680, 280, 900, 430), "image", 0.9)]
    page = _page()
    page.image[:] = 255
    for word in prose + labels:  # the print, dark on white
        x0, y0, x1, y1 = (round(v) for v in word.bbox)
        page.image[y0 + 5 : y1 - 5, x0 + 1 : x1 - 1] = 30
    page.image[330:336, 690:890] = 30  # the diagram: a shaft and its keyway between the labels
    page.image[322:344, 780:790] = 30
    pairs = refine_layout(detected, prose + labels, page)
    assert sorted(r.label for r, _ in pairs) == ["image", "text"]
    text = next(ws for r, ws in pairs if r.label == "text")
    assert len(text) == len(prose)


def test_a_chart_whose_titles_and_legend_lines_are_long_stays_a_picture():
    # two charts side by side: their titles on one row, then each legend's rows, as long as prose lines but
    # standing apart instead of one under another
    words = _line("Relevance - Direct Assignments", 120, 150) + _line("Relevance - Horizontal Assignments", 620, 150)
    words += _line("10", 160, 230) + _line("29", 330, 230) + _line("9", 780, 230)
    words += _line("Excellent", 120, 320) + _line("Satisfactory", 320, 320)
    words += _line("Partly Unsatisfactory Unsatisfactory", 120, 350)
    words += _line("Excellent", 620, 320) + _line("Satisfactory", 820, 320)
    words += _line("Partly Unsatisfactory Unsatisfactory", 620, 350)
    page = _page()
    page.image[:] = 255
    page.image[190:290, 150:480] = (150, 200, 120)  # the bars
    page.image[190:290, 650:1000] = (120, 160, 220)
    detected = [Region((100, 130, 1100, 400), "image", 0.9)]
    assert [r.label for r, _ in refine_layout(detected, words, page)] == ["image"]


# A bar chart read off a scan (OCR boxes at 144 dpi): tick figures, a legend, the y axis title running up the page,
# and the bars' labels slanted under them, each slanted label's box about as tall as wide.
SLANTED_CHART = [
    ("100", 298, 605, 334, 631), ("Plot number proportions (%)", 268, 629, 300, 885), ("90", 308, 633, 334, 658),
    ("80", 308, 657, 335, 688), ("70", 309, 685, 334, 713), ("60", 308, 711, 335, 742), ("50", 309, 740, 335, 769),
    ("4", 917, 746, 950, 770), ("40", 308, 768, 334, 795), ("3", 917, 785, 949, 809), ("30", 309, 795, 334, 822),
    ("20", 309, 822, 334, 849), ("2", 917, 824, 949, 847), ("10", 309, 850, 334, 877), ("1", 917, 862, 949, 886),
    ("0", 320, 881, 334, 901), ("community park", 473, 903, 601, 1033), ("Institutional", 299, 904, 398, 1003),
    ("residential", 376, 904, 464, 993), ("commercial", 437, 904, 532, 1002), ("municipal park", 548, 904, 666, 1021),
    ("roadside", 721, 904, 798, 981), ("woodlot", 657, 905, 732, 979), ("riverside", 789, 905, 864, 980),
]  # fmt: skip


def test_a_chart_with_slanted_axis_labels_and_an_upright_axis_title_stays_a_picture():
    words = [Word(text, box) for text, *box in SLANTED_CHART]
    page = _page()
    page.image[:] = 255
    for k in range(8):
        page.image[610:880, 350 + 70 * k : 390 + 70 * k] = (80, 120, 190)  # the bars
    detected = [Region((248, 602, 981, 1024), "image", 0.9)]
    assert [r.label for r, _ in refine_layout(detected, words, page, ocr_words=True)] == ["image"]


def test_large_line_boxed_as_page_header_is_a_title_but_a_small_running_header_stays():
    title = _line("Improving Productivity With Programming", 300, 60, h=30)
    running = _line("Chapter 3 Row Access", 800, 20, h=16)
    body = _line("Plain body text that runs along the whole line of the column here", 100, 200, h=26)
    detected = [
        Region((290, 55, 900, 95), "header", 0.6),
        Region((790, 15, 1100, 40), "header", 0.6),
        Region((90, 195, 1000, 230), "text", 0.9),
    ]
    labels = _labels_by_first_word(detected, title + running + body)
    assert labels == {"Improving": "doc_title", "Chapter": "header", "Plain": "text"}


def test_a_masthead_boxed_twice_as_a_title_and_as_a_header_stays_the_title():
    """The detector drew a title box and, inside it, a header box over a newspaper's masthead: the header box gets
    no word, and a box without words pulls nothing into the page's margin."""
    masthead = _line("THE DAILY COURIER", 60, 60, h=44)
    body = [w for i in range(6) for w in _line("Plain body text that runs along the whole line here", 60, 200 + 30 * i)]
    detected = [
        Region((55, 55, 600, 108), "paragraph_title", 0.8),
        Region((110, 58, 590, 106), "header", 0.5),
        Region((50, 195, 800, 385), "text", 0.9),
    ]
    labels = {ws[0].text: r.label for r, ws in refine_layout(detected, masthead + body, _page()) if ws}
    assert labels["THE"] in ("doc_title", "paragraph_title")


def test_a_slide_s_first_bullet_point_and_page_number_boxed_as_titles_are_a_point_and_a_page_number():
    """On a slide the detector boxes the first bullet point as a title and the page number at the foot as another:
    a line opening with a bullet is no heading, and a title box reading "Page 3" at the page's foot is its page
    number (left out of the Markdown)."""
    title = _line("Quarterly Results", 100, 60, h=50)
    points = [
        _line(f"● {text}", 100, 250 + 100 * k, h=36)
        for k, text in enumerate(["Revenue grew twelve percent", "Costs stayed flat", "Two new plants open"])
    ]
    folio = _line("Page 3", 1000, 1540, h=24)
    detected = [
        Region((90, 50, 700, 115), "paragraph_title", 0.7),
        Region((90, 245, 800, 290), "paragraph_title", 0.45),
        Region((90, 345, 800, 490), "text", 0.6),
        Region((990, 1535, 1100, 1568), "paragraph_title", 0.4),
    ]
    pairs = refine_layout(detected, title + [w for point in points for w in point] + folio, _page())
    labels = {ws[1].text if ws[0].text == "●" else ws[0].text: region.label for region, ws in pairs}
    assert labels["Revenue"] == "text" and labels["Page"] == "number"


def test_table_box_that_cut_off_a_column_grows_to_its_rules():
    rulings = [Ruling(0, y, 300, y) for y in (100, 130, 160)] + [Ruling(x, 100, x, 160) for x in (0, 120, 300)]
    rulings.append(Ruling(20, 0, 20, 1000))  # a page-long line: not part of the table
    assert expand_to_rulings((110, 98, 300, 162), rulings) == (0, 98, 300, 162)


def test_a_page_whose_only_text_is_boxed_as_a_running_header_keeps_it_as_content():
    # CDLA often boxes the one line of a title page or slide as a page header, which Markdown leaves out.
    line = _line("The quick brown fox jumps over the lazy dog.", 150, 300)
    labels = _labels_by_first_word([Region((140, 290, 900, 330), "header", 0.7)], line)
    assert labels == {"The": "text"}


def test_a_running_header_above_body_text_stays_a_header():
    header = _line("Journal of Examples 12", 100, 40, h=14)
    body = _line("Body text of the page that runs on for a while", 100, 300) + _line("and its next line", 100, 325)
    detected = [Region((90, 35, 500, 60), "header", 0.8), Region((90, 290, 900, 350), "text", 0.9)]
    assert _labels_by_first_word(detected, header + body) == {"Journal": "header", "Body": "text"}


def test_a_word_left_outside_its_column_s_box_joins_that_column_not_the_one_across_the_gutter():
    """The layout box of the right column starts a little inside it; the first word of one of its lines lies
    outside every box, as near the left column's box as its own column's."""
    left = [w for i in range(6) for w in _line("plain words of the left column", 100, 200 + 30 * i)]
    right = [w for i in range(6) for w in _line("words of the column on the right", 520, 200 + 30 * i)]
    orphan = Word("whole", (470, 260, 512, 280))
    detected = [Region((95, 195, 450, 385), "text", 0.9), Region((518, 195, 880, 385), "text", 0.9)]
    pairs = refine_layout(detected, left + right + [orphan], _page())
    (right_words,) = [ws for r, ws in pairs if r.bbox[0] > 460]
    assert orphan in right_words


def test_a_line_the_detector_missed_stays_one_line_around_a_word_in_a_lower_face():
    # "Each mime-type node may contain ...": the code word sits lower than the words beside it (a text layer)
    words = _line("Each", 100, 600, line=7) + [Word("mime-type", (156, 603, 255, 619), line=7)]
    words += _line("node may contain any combination of the following elements:", 263, 600, line=7)
    pairs = refine_layout([], words, _page())
    assert [[w.text for w in ws][:4] for _, ws in pairs] == [["Each", "mime-type", "node", "may"]]


def test_lines_of_a_table_of_contents_are_contents_neither_headings_nor_a_reference_list():
    chapter = _line("3 Utilities . . . . . . . . . . 5", 100, 300, h=24, line=1)
    sections = _line("3.1 Invoking asn1Parser . . . . . . . . 5", 130, 340, line=2)
    sections += _line("3.2 Invoking asn1Coding . . . . . . . . 7", 130, 366, line=3)
    body = _line("The parser is case sensitive and reads a file of definitions.", 100, 440, line=4)
    detected = [Region((90, 295, 900, 330), "paragraph_title", 0.9), Region((120, 335, 900, 390), "reference", 0.9)]
    detected.append(Region((90, 435, 900, 465), "text", 0.9))
    labels = _labels_by_first_word(detected, chapter + sections + body)
    assert labels == {"3": "content", "3.1": "content", "The": "text"}


def test_hanging_bullets_boxed_apart_or_left_out_join_their_items():
    """A list with its bullets hanging in the margin, two line heights left of the items: the detector boxed the
    items only, one bullet on its own; each bullet starts its item's text, and no bullet is a block of its own."""
    items = ["Concentration has risen in most member states", "Whether or not there has been convergence"]
    words, detected = [], []
    for k, item in enumerate(items):
        y = 200 + 120 * k
        words += [Word("•", (100, y, 110, y + 20), line=10 * k)]
        words += _line(item, 150, y, line=10 * k + 1) + _line(
            "and its second line runs on further than the first line", 150, y + 25, line=10 * k + 2
        )
        detected.append(Region((145, y - 5, 800, y + 50), "text", 0.9))
    detected.append(Region((98, 315, 112, 345), "text", 0.4))  # the second bullet, boxed alone
    pairs = refine_layout(detected, words, _page())
    assert [region_text(ws) for _, ws in pairs] == [
        f"• {item} and its second line runs on further than the first line" for item in items
    ]


def test_a_caption_box_over_the_middle_of_a_table_s_top_line_takes_the_whole_line():
    """A table's caption spaced out over its width, the table box drawn from the caption line down and the caption
    box round its middle words only: the number before and the unit after belong to the caption, not to the
    table as a first row of odd cells. A title box over one head of the table's first row takes nothing."""
    rows = [("State", "Revenue", "Capital"), ("Assam", "1,204", "310"), ("Bihar", "2,118", "95"), ("Goa", "407", "12")]
    cells = [
        word
        for k, row in enumerate(rows)
        for x, cell in zip((80, 500, 900), row)
        for word in _line(cell, x, 160 + 40 * k)
    ]
    caption = [
        *_line("Table 5:", 80, 100),
        *_line("Public health outlay by state and by kind of spending", 300, 100),
        *_line("(in thousands)", 980, 100),
    ]
    detected = [Region((70, 95, 1150, 330), "table", 0.9), Region((290, 88, 870, 124), "figure_title", 0.8)]
    pairs = refine_layout(detected, caption + cells, _page())
    texts = {region.label: region_text(ws) for region, ws in pairs}
    assert texts["figure_title"] == "Table 5: Public health outlay by state and by kind of spending (in thousands)"
    assert texts["table"].startswith("State Revenue Capital")

    central, states = _line("Central government", 400, 120), _line("States", 880, 120)
    table, title = Region((70, 110, 1150, 330), "table", 0.9), Region((870, 104, 960, 146), "figure_title", 0.8)
    assert not captions_keep_their_lines([table, title], [central + cells, states])
    assert table.bbox == (70, 110, 1150, 330) and title.bbox == (870, 104, 960, 146)


def test_undetected_columns_under_a_running_head_that_reaches_over_the_gutter_read_left_then_right():
    # The detector boxed nothing on a scan too soft for it. The running head is a little wider than the left
    # column; the right column starts close under it. The head is not the right column's first line, and the
    # left column is read before the right one.
    def ocr_line(text: str, x: float, y: float) -> Word:
        return Word(text, (x, y, x + 460, y + 20))

    head = Word("Compact Neural Models for Reading Documents", (100, 100, 700, 120))
    left = [ocr_line(f"left column line {row} of prose", 100, 200 + 25 * row) for row in range(6)]
    right = [ocr_line(f"right column line {row} of prose", 640, 140 + 25 * row) for row in range(9)]
    pairs = refine_layout([], [head, *left, *right], _page(), ocr_words=True)
    texts = [" ".join(w.text for w in ws) for _, ws in pairs]
    assert texts[0] == head.text
    assert texts[1].startswith("left column line 0") and texts[1].endswith("line 5 of prose")
    assert texts[2].startswith("right column line 0") and texts[2].endswith("line 8 of prose")


def _white_page(width=1200, height=1600) -> Page:
    return Page(source=Path("x.pdf"), index=0, page_count=1, image=np.full((height, width, 3), 255, np.uint8), dpi=144)


def _column(first_word: str, x: float, top: float, lines: int, h: float = 20) -> list[Word]:
    return [
        w for k in range(lines) for w in _line(f"{first_word if k == 0 else 'more'} words of body", x, top + 30 * k, h)
    ]


def test_small_print_under_a_photograph_boxed_as_text_is_its_caption_and_the_columns_run_down_through_it():
    # three columns; a photograph over the first two in mid-page, its two-line caption set small, detected as text
    above = _column("first", 100, 200, 6) + _column("second", 450, 200, 6)
    caption = _line("small caption under the photograph", 100, 692, h=14) + _line("its second line", 100, 712, h=14)
    below = _column("third", 100, 760, 8) + _column("fourth", 450, 760, 8)
    beside = _column("fifth", 800, 200, 25)
    detected = [Region((95, 195, 400, 375), "text", 0.9), Region((445, 195, 750, 375), "text", 0.9),
                Region((95, 400, 750, 680), "image", 0.9), Region((95, 688, 750, 730), "text", 0.9),
                Region((95, 755, 400, 995), "text", 0.9), Region((445, 755, 750, 995), "text", 0.9),
                Region((795, 195, 1100, 945), "text", 0.9)]  # fmt: skip
    pairs = refine_layout(detected, above + caption + below + beside, _white_page())
    read = [(r.label, ws[0].text if ws else "") for r, ws in pairs]
    assert read == [("text", "first"), ("image", ""), ("figure_title", "small"), ("text", "third"),
                    ("text", "second"), ("text", "fourth"), ("text", "fifth")]  # fmt: skip


def test_a_column_going_on_under_a_picture_as_wide_as_it_stays_text():
    # a figure in the first of two columns and the column's text, as large as the body, right under it
    words = _column("first", 100, 100, 5) + _column("under", 100, 500, 3) + _column("right", 450, 100, 20)
    detected = [Region((95, 95, 400, 245), "text", 0.9), Region((95, 260, 400, 485), "image", 0.9),
                Region((95, 495, 400, 585), "text", 0.9), Region((445, 95, 750, 695), "text", 0.9)]  # fmt: skip
    labels = {ws[0].text: r.label for r, ws in refine_layout(detected, words, _white_page()) if ws}
    assert labels == {"first": "text", "under": "text", "right": "text"}


_STORY = "the council met on tuesday to hear the plans for the new bridge over the river and the road".split()


def _prose_column(tag: str, x: float, lines: int, y: float = 100) -> list[Word]:
    """Lines of prose about 35 characters long; their word spaces do not line up from line to line."""
    rows = [" ".join([f"{tag}{i}" + "x" * (i % 3), *_STORY[i:], *_STORY[:i]]) for i in range(lines)]
    return [w for i, row in enumerate(rows) for w in _line(row[:36].rsplit(" ", 1)[0], x, y + 26 * i)]


def test_a_table_box_over_columns_of_running_text_is_text_read_column_by_column():
    """A newspaper's columns the detector took for a table: no rules, every column long lines of prose."""
    words = _prose_column("L", 100, 10) + _prose_column("R", 560, 10)
    pairs = refine_layout([Region((90, 90, 1000, 370), "table", 0.9)], words, _page())

    assert {region.label for region, _ in pairs} == {"text"}
    assert [region_text(ws).split()[0] for _, ws in pairs] == ["L0", "R0"]


def test_a_table_with_a_column_of_sentences_beside_short_cells_stays_a_table():
    sentences = [" ".join(_STORY[i : i + 7]) for i in range(10)]
    words = [w for i in range(10) for w in _line(f"A-{i}", 100, 100 + 26 * i) + _line(sentences[i], 250, 100 + 26 * i)]
    assert set(_labels_by_first_word([Region((90, 90, 700, 370), "table", 0.9)], words).values()) == {"table"}


def test_a_table_s_notes_boxed_as_a_table_of_their_own_stay_as_boxed():
    """A few long lines (a table's notes) are too little to call running text."""
    words = _prose_column("N", 100, 3)
    assert set(_labels_by_first_word([Region((90, 90, 600, 180), "table", 0.9)], words).values()) == {"table"}
