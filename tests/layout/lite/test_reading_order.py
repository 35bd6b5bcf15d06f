"""Reading order on hand-built page layouts."""

from ocrvl.layout.lite.reading_order import xy_cut_order

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
