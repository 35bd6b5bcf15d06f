"""Reading order on hand-built page layouts."""

from ocrvl.layout.lite.reading_order import TextEnds, xy_cut_order
from ocrvl.layout.lite.regions import order_regions
from ocrvl.types import Region, Word

TITLE = (100, 50, 1100, 100)


def test_title_then_left_column_then_right_column():
    left = [(100, 150, 580, 400), (100, 420, 580, 700), (100, 720, 580, 900)]
    right = [(620, 150, 1100, 500), (620, 520, 1100, 880)]
    boxes = [right[1], left[2], TITLE, right[0], left[0], left[1]]
    order = [boxes[i] for i in xy_cut_order(boxes)]
    assert order == [TITLE, *left, *right]


def test_column_that_runs_longer_than_its_neighbour_is_not_cut_into_bands():
    # the left column goes on below the end of the right one: reading must not jump across
    left = [(100, 150, 580, 400), (100, 420, 580, 700), (300, 740, 400, 760), (100, 780, 580, 900)]
    right = [(620, 150, 1100, 690)]
    boxes = [TITLE, *right, *left]
    order = [boxes[i] for i in xy_cut_order(boxes)]
    assert order == [TITLE, *left, *right]


def test_full_width_figure_splits_the_page_into_two_column_bands():
    top = [(100, 150, 580, 400), (620, 150, 1100, 400)]
    figure = (100, 450, 1100, 700)
    bottom = [(100, 750, 580, 1000), (620, 750, 1100, 1000)]
    boxes = [bottom[1], figure, top[1], bottom[0], top[0]]
    order = [boxes[i] for i in xy_cut_order(boxes)]
    assert order == [top[0], top[1], figure, bottom[0], bottom[1]]


def test_overlapping_boxes_fall_back_to_top_to_bottom():
    boxes = [(100, 300, 600, 400), (120, 100, 620, 350), (90, 380, 610, 500)]
    assert xy_cut_order(boxes) == [1, 0, 2]


def test_gap_across_both_columns_above_a_figure_does_not_interleave_the_columns():
    # both columns happen to have a paragraph break at the same height above a full-width figure
    left = [(100, 150, 580, 300), (100, 330, 580, 420)]
    right = [(620, 150, 1100, 300), (620, 330, 1100, 420)]
    figure = (100, 450, 1100, 700)
    below = [(100, 750, 580, 1000), (620, 750, 1100, 1000)]
    boxes = [*right, figure, *below, *left]
    order = [boxes[i] for i in xy_cut_order(boxes)]
    assert order == [*left, *right, figure, *below]


def test_a_row_of_author_blocks_over_two_columns_is_read_before_them():
    # the second row of authors lines up with the columns below it (a gap runs between them), but fills neither
    authors = [(300, 120, 500, 200), (700, 120, 900, 200)]
    left = [(100, 230, 580, 500), (100, 520, 580, 900)]
    right = [(620, 230, 1100, 600), (620, 620, 1100, 900)]
    boxes = [*right, authors[1], *left, authors[0], TITLE]
    order = [boxes[i] for i in xy_cut_order(boxes)]
    assert order == [TITLE, *authors, *left, *right]


def test_headings_side_by_side_at_the_top_of_two_columns_are_read_with_their_columns():
    # short, and at the same height under a title, but each starts where its column starts
    left = [(100, 130, 300, 150), (100, 180, 580, 800)]
    right = [(620, 130, 850, 150), (620, 180, 1100, 800)]
    boxes = [*right, TITLE, *left]
    order = [boxes[i] for i in xy_cut_order(boxes)]
    assert order == [TITLE, *left, *right]


def test_three_newspaper_columns_under_a_headline_spanning_two_of_them():
    headline = (100, 100, 740, 160)
    under = [(100, 180, 400, 400), (100, 420, 400, 700), (440, 180, 740, 700)]
    third = [(780, 100, 1100, 380), (780, 400, 1100, 700)]
    boxes = [third[1], under[2], headline, under[0], third[0], under[1]]
    order = [boxes[i] for i in xy_cut_order(boxes)]
    assert order == [headline, *under, *third]


def test_centred_subtitle_is_read_before_the_heading_below_it_at_the_left_margin():
    title, subtitle = (540, 140, 650, 200), (536, 266, 656, 306)
    heading, body = (114, 389, 402, 429), (114, 445, 1078, 580)
    boxes = [heading, body, subtitle, title]
    order = [boxes[i] for i in xy_cut_order(boxes)]
    assert order == [title, subtitle, heading, body]


# three magazine columns; a photograph and its caption over the first two in mid-page, the third running beside
PHOTO, CAPTION = (100, 450, 740, 700), (100, 710, 740, 740)
ABOVE = [(100, 150, 400, 430), (440, 150, 740, 430)]
BELOW = [(100, 760, 400, 1000), (440, 760, 740, 1000)]
THIRD = (780, 150, 1100, 1000)


def _magazine(ends: dict[tuple, TextEnds] | None = None) -> list[tuple]:
    boxes = [THIRD, *BELOW, CAPTION, *ABOVE, PHOTO]
    text_ends = [ends.get(box) for box in boxes] if ends else None
    pictures = frozenset({boxes.index(PHOTO), boxes.index(CAPTION)})
    return [boxes[i] for i in xy_cut_order(boxes, text_ends, pictures)]


def test_columns_beside_a_photograph_in_mid_page_are_read_down_through_it():
    assert _magazine() == [ABOVE[0], PHOTO, CAPTION, BELOW[0], ABOVE[1], BELOW[1], THIRD]


def test_text_running_across_the_photograph_is_read_across():
    # each column's part above the photograph ends its sentence; the first part below goes on from the second
    # part above, in lower case
    ends = {ABOVE[0]: TextEnds(False, False), ABOVE[1]: TextEnds(True, False)}
    ends |= {BELOW[0]: TextEnds(True, True), BELOW[1]: TextEnds(False, True), THIRD: TextEnds(False, False)}
    assert _magazine(ends) == [*ABOVE, PHOTO, CAPTION, *BELOW, THIRD]


def test_text_running_down_through_a_full_width_figure_is_read_down():
    top = [(100, 150, 580, 400), (620, 150, 1100, 400)]
    figure = (100, 450, 1100, 700)
    bottom = [(100, 750, 580, 1000), (620, 750, 1100, 1000)]
    boxes = [bottom[1], figure, top[1], bottom[0], top[0]]
    # the left column's part above breaks off mid-sentence and goes on below the figure, in lower case, to end a
    # sentence at the foot of the column; the right column starts afresh
    ends = [TextEnds(False, True), None, TextEnds(True, False), TextEnds(False, True), TextEnds(True, False)]
    order = [boxes[i] for i in xy_cut_order(boxes, ends, frozenset({1}))]
    assert order == [top[0], figure, bottom[0], top[1], bottom[1]]


def test_text_ends_are_read_from_the_first_and_last_words():
    assert TextEnds.of("arrangement,", "the") == TextEnds(open_end=True, continues=True)
    assert TextEnds.of("Under", "damages.”") == TextEnds(open_end=False, continues=False)


def _paragraph(box: tuple, first: str, last: str) -> list[Word]:
    """Two OCR lines filling the box: `first` opens the top one, `last` closes the bottom one."""
    x0, y0, x1, y1 = box
    return [Word(f"{first} and more words", (x0, y0, x1, y0 + 20)), Word(f"words {last}", (x0, y1 - 20, x1, y1))]


def test_regions_are_ordered_by_how_their_paragraphs_begin_and_end():
    # a full-width photograph: read across unless the text runs on down each column, as here
    top = [(100, 150, 580, 400), (620, 150, 1100, 400)]
    bottom = [(100, 750, 580, 1000), (620, 750, 1100, 1000)]
    paragraphs = [(top[0], "Once", "the"), (top[1], "Then", "of")]
    paragraphs += [(bottom[0], "way", "end."), (bottom[1], "more", "so.")]
    regions = [Region(box, "text", 0.9) for box, _, _ in paragraphs] + [Region((100, 450, 1100, 700), "image", 0.9)]
    order_regions(regions, [_paragraph(*p) for p in paragraphs] + [[]])
    assert [r.order for r in regions] == [1, 4, 3, 5, 2]


def test_running_head_reaching_over_the_gutter_does_not_put_the_right_column_first():
    # A running head a little wider than its column, the other column's first box starting on the same row (the
    # head on that side taken into it): no cut parts the page, yet it reads head, left column, right column.
    head = (100, 50, 700, 80)
    right = (640, 55, 1100, 900)
    left = [(100, 150, 600, 500), (100, 520, 600, 950)]
    boxes = [right, left[1], head, left[0]]
    assert [boxes[i] for i in xy_cut_order(boxes)] == [head, *left, right]
