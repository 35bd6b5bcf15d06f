"""PaddleOCR-VL's layout box rules on hand-built boxes, one rule per test."""

from __future__ import annotations

import numpy as np
import pytest

from ocrvl.errors import OptionsError
from ocrvl.layout.ppdoclayout.block_merge import MergedBlock, merge_layout_blocks, stitch_crops
from ocrvl.layout.ppdoclayout.box_rules import (
    LAYOUT_LABELS,
    LayoutBoxOptions,
    parsing_blocks,
    parsing_regions,
    postprocess_layout,
)
from ocrvl.options import PipelineOptions
from ocrvl.types import Region

PORTRAIT = (1000, 1400)
LANDSCAPE = (1400, 1000)


def region(label: str, bbox, score: float = 0.9, order: int | None = None) -> Region:
    return Region(tuple(float(v) for v in bbox), label, score, order, LAYOUT_LABELS.index(label))


def ranked(*regions: Region) -> list[Region]:
    """Regions given in the model's reading order (order = 1-based position)."""
    return [Region(r.bbox, r.label, r.score, i, r.cls_id) for i, r in enumerate(regions, start=1)]


def run(regions, options=None, page=PORTRAIT) -> list[Region]:
    return postprocess_layout(regions, page[0], page[1], options or LayoutBoxOptions())


def labels(regions) -> list[str]:
    return [r.label for r in regions]


# ------------------------------------------------------------------------------------------ thresholds


def test_default_thresholds_are_per_class():
    raw = ranked(region("text", (0, 0, 100, 50), 0.45), region("table", (0, 100, 300, 400), 0.45))
    assert labels(run(raw)) == ["text"]  # text needs > 0.4, table > 0.5


def test_threshold_mapping_by_id_or_label_and_missing_classes_need_half():
    raw = ranked(
        region("text", (0, 0, 100, 50), 0.35),
        region("table", (0, 100, 300, 400), 0.35),
        region("image", (400, 100, 600, 400), 0.45),
    )
    options = LayoutBoxOptions(threshold={LAYOUT_LABELS.index("table"): 0.3, "text": 0.3})
    assert labels(run(raw, options)) == ["text", "table"]
    assert options.min_threshold == 0.3


def test_single_threshold_applies_to_every_class():
    raw = ranked(region("text", (0, 0, 100, 50), 0.45), region("table", (0, 100, 300, 400), 0.45))
    assert labels(run(raw, LayoutBoxOptions(threshold=0.44))) == ["text", "table"]


# ------------------------------------------------------------------------------------------ NMS


def test_nms_same_class_at_0_6_but_across_classes_only_at_0_98():
    # Boxes 100 x 100 shifted by 15 px: IoU about 0.74.
    same = ranked(region("text", (0, 0, 100, 100), 0.9), region("text", (15, 0, 115, 100), 0.8))
    cross = ranked(region("text", (0, 0, 100, 100), 0.9), region("paragraph_title", (15, 0, 115, 100), 0.8))
    assert [r.score for r in run(same)] == [0.9]
    assert labels(run(cross)) == ["text", "paragraph_title"]
    # Nearly identical boxes of different classes: the lower score goes.
    near = ranked(region("text", (0, 0, 100, 100), 0.8), region("paragraph_title", (0, 0, 100, 101), 0.9))
    assert labels(run(near)) == ["paragraph_title"]


def test_nms_tie_goes_to_the_later_row_as_in_paddlex():
    # PaddleX walks np.argsort(scores)[::-1]: between equal scores the later row is kept.
    twins = ranked(region("text", (0, 0, 100, 100), 0.75), region("text", (5, 0, 105, 100), 0.75))
    assert [r.bbox for r in run(twins, LayoutBoxOptions(threshold=0.5))] == [(5.0, 0.0, 105.0, 100.0)]


def test_nms_tie_order_follows_class_ids_with_per_class_thresholds():
    # Per-class thresholds stack the rows class by class (ascending ids) before NMS, so of two equal-score
    # near-identical boxes the one of the higher class id is the later row and stays.
    pair = ranked(region("text", (0, 0, 100, 100), 0.75), region("paragraph_title", (0, 0, 100, 100), 0.75))
    assert labels(run(pair)) == ["text"]  # text is class 22, paragraph_title 17
    assert labels(run(pair, LayoutBoxOptions(threshold=0.5))) == ["paragraph_title"]  # one threshold: input order


def test_nms_off_keeps_duplicates():
    same = ranked(region("text", (0, 0, 100, 100), 0.9), region("text", (15, 0, 115, 100), 0.8))
    assert len(run(same, LayoutBoxOptions(layout_nms=False))) == 2


# ------------------------------------------------------------------------------------------ page image


def test_page_covering_image_dropped_but_big_table_kept():
    big = (0, 0, 1000, 1320)  # 94 % of a portrait page
    raw = ranked(region("image", big), region("table", big), region("text", (10, 10, 200, 60)))
    assert labels(run(raw, LayoutBoxOptions(layout_nms=False))) == ["table", "text"]


def test_page_image_share_is_lower_on_landscape_pages():
    image = region("image", (0, 0, 1190, 1000))  # 85 % of either page
    text = region("text", (10, 10, 200, 60))
    assert labels(run(ranked(image, text), page=PORTRAIT)) == ["image", "text"]
    assert labels(run(ranked(image, text), page=LANDSCAPE)) == ["text"]


def test_lone_page_image_is_kept():
    assert labels(run(ranked(region("image", (0, 0, 1000, 1400))))) == ["image"]


# ------------------------------------------------------------------------------------------ nested boxes


def test_default_modes_large_classes_swallow_what_is_inside():
    title = region("paragraph_title", (100, 100, 600, 160))
    inner_formula = region("inline_formula", (300, 110, 380, 150))
    figure = region("image", (100, 300, 600, 700))
    text_in_figure = region("text", (150, 350, 300, 400))
    kept = run(ranked(title, inner_formula, figure, text_in_figure))
    assert labels(kept) == ["paragraph_title", "image", "text"]  # image is "union": its text stays


def test_small_mode_keeps_the_inner_box_and_drops_its_container():
    outer = region("text", (100, 100, 600, 400))
    inner = region("table", (150, 150, 500, 350))
    kept = run(ranked(outer, inner), LayoutBoxOptions(merge_bboxes_mode={"table": "small"}))
    assert labels(kept) == ["table"]


def test_single_mode_for_all_classes():
    outer = region("image", (100, 100, 600, 400))
    inner = region("text", (150, 150, 500, 350))
    assert labels(run(ranked(outer, inner), LayoutBoxOptions(merge_bboxes_mode="large"))) == ["image"]
    assert labels(run(ranked(outer, inner), LayoutBoxOptions(merge_bboxes_mode="small"))) == ["text"]
    assert labels(run(ranked(outer, inner), LayoutBoxOptions(merge_bboxes_mode="union"))) == ["image", "text"]


# ------------------------------------------------------------------------------------------ unclip, clip


def test_unclip_scales_around_the_centre_and_clips_to_the_page():
    raw = ranked(region("text", (100, 100, 300, 200)), region("table", (900, 100, 980, 200)))
    kept = run(raw, LayoutBoxOptions(unclip_ratio=(2.0, 1.5)))
    assert kept[0].bbox == (0.0, 75.0, 400.0, 225.0)
    assert kept[1].bbox == (860.0, 75.0, 1000.0, 225.0)  # would reach 1020: clipped to the page width


def test_unclip_per_class_leaves_other_classes_alone():
    raw = ranked(region("text", (100, 100, 300, 200)), region("table", (400, 400, 600, 600)))
    kept = run(raw, LayoutBoxOptions(unclip_ratio={"table": 1.1}))
    assert kept[0].bbox == (100.0, 100.0, 300.0, 200.0)
    assert kept[1].bbox == (390.0, 390.0, 610.0, 610.0)


def test_boxes_snap_to_whole_pixels_inside_the_page():
    kept = run(ranked(region("text", (-5.4, 10.6, 1020.7, 50.2))))
    assert kept[0].bbox == (0.0, 11.0, 1000.0, 50.0)


# ------------------------------------------------------------------------------------------ reading order


def test_reading_order_follows_the_model_and_is_renumbered():
    body = region("text", (100, 300, 900, 600), order=3)
    title = region("doc_title", (100, 100, 900, 200), order=1)
    faint = region("text", (100, 700, 900, 800), score=0.2, order=2)
    kept = run([body, title, faint])
    assert [(r.label, r.order) for r in kept] == [("doc_title", 1), ("text", 2)]


# ------------------------------------------------------------------------------------------ parsing regions


def test_contained_block_dropped_but_picture_and_its_text_both_read():
    big = region("text", (100, 100, 600, 400))
    inside = region("paragraph_title", (120, 120, 580, 380))
    figure = region("image", (100, 500, 600, 900))
    label_in_figure = region("text", (150, 550, 400, 700))
    kept = parsing_regions(ranked(big, inside, figure, label_in_figure))
    assert labels(kept) == ["text", "image", "text"]


def test_table_over_text_keeps_the_larger():
    table = region("table", (100, 100, 600, 400))
    cell = region("text", (120, 120, 300, 200))
    assert labels(parsing_regions(ranked(cell, table))) == ["table"]


def test_tiny_blocks_and_reference_containers_are_not_read():
    kept = parsing_regions(
        ranked(
            region("text", (100, 100, 600, 105)),  # 5 px high
            region("reference", (100, 200, 600, 500)),
            region("reference_content", (100, 200, 600, 300)),
        )
    )
    assert labels(kept) == ["reference_content"]


def test_inline_formula_overlapping_a_block_is_dropped():
    text = region("text", (100, 100, 600, 200))
    formula = region("inline_formula", (530, 110, 630, 190))  # 70 %: not enough for other labels
    assert labels(parsing_regions(ranked(formula, text))) == ["text"]


# ------------------------------------------------------------------------------------------ block merging


def test_text_continued_in_the_next_column_is_merged():
    left = region("text", (100, 100, 400, 300))
    right = region("text", (420, 80, 720, 300))
    blocks = merge_layout_blocks(ranked(left, right))
    assert len(blocks) == 1 and isinstance(blocks[0], MergedBlock)
    assert [m.bbox for m in blocks[0].members] == [left.bbox, right.bbox]
    assert blocks[0].aligns == ("center",)
    assert blocks[0].bbox == (100.0, 80.0, 720.0, 300.0)


def test_columns_far_apart_or_different_labels_are_not_merged():
    left = region("text", (100, 100, 400, 300))
    far = region("text", (500, 80, 800, 300))  # gap 100 >= 0.3 x 300
    title = region("paragraph_title", (420, 80, 720, 300))
    assert not any(isinstance(b, MergedBlock) for b in merge_layout_blocks(ranked(left, far)))
    assert not any(isinstance(b, MergedBlock) for b in merge_layout_blocks(ranked(left, title)))


def test_text_wrapping_around_a_picture_is_merged_and_the_picture_follows():
    above = region("text", (100, 100, 500, 200))
    figure = region("image", (320, 210, 500, 300))
    below = region("text", (100, 210, 300, 300))  # left edges line up, right edges do not
    blocks = merge_layout_blocks(ranked(above, figure, below))
    assert isinstance(blocks[0], MergedBlock) and blocks[0].aligns == ("left",)
    assert labels(blocks) == ["text", "image"]


def test_text_below_is_not_merged_without_a_picture_beside_it_or_when_both_edges_line_up():
    above = region("text", (100, 100, 500, 200))
    below = region("text", (100, 210, 300, 300))
    assert labels(merge_layout_blocks(ranked(above, below))) == ["text", "text"]
    figure = region("image", (100, 310, 500, 400))
    same_width = region("text", (100, 210, 500, 300))
    blocks = merge_layout_blocks(ranked(above, same_width, figure))
    assert not any(isinstance(b, MergedBlock) for b in blocks)


def test_group_too_tall_for_one_crop_is_read_block_by_block():
    left = region("text", (100, 100, 200, 400))
    right = region("text", (220, 90, 320, 400))  # stitched: 100 wide, 610 high
    assert labels(merge_layout_blocks(ranked(left, right))) == ["text", "text"]


def test_parsing_blocks_honours_merge_layout_blocks():
    left = region("text", (100, 100, 400, 300))
    right = region("text", (420, 80, 720, 300))
    merged = parsing_blocks(ranked(left, right))
    separate = parsing_blocks(ranked(left, right), LayoutBoxOptions(merge_layout_blocks=False))
    assert len(merged) == 1 and len(separate) == 2


@pytest.mark.parametrize(("align", "offset"), [("left", 0), ("center", 10), ("right", 20)])
def test_stitched_crop_stacks_members_on_white(align, offset):
    page = np.full((100, 100, 3), 7, dtype=np.uint8)
    block = MergedBlock((region("text", (10, 10, 50, 20)), region("text", (60, 30, 80, 40))), (align,))
    stitched = stitch_crops(page, block)
    assert stitched.shape == (20, 40, 3)
    assert (stitched[:10] == 7).all()
    second = np.full((10, 40), 255)
    second[:, offset : offset + 20] = 7
    assert (stitched[10:, :, 0] == second).all()


# ------------------------------------------------------------------------------------------ options


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": 1.5},
        {"threshold": {"caption": 0.3}},
        {"threshold": {99: 0.3}},
        {"unclip_ratio": -1.0},
        {"unclip_ratio": (1.0, 1.0, 1.0)},
        {"merge_bboxes_mode": "big"},
        {"merge_bboxes_mode": {"table": "huge"}},
        {"layout_nms": "yes"},
    ],
)
def test_invalid_options_are_refused(kwargs):
    with pytest.raises(OptionsError):
        LayoutBoxOptions(**kwargs)


def test_options_from_a_parsing_run():
    defaults = PipelineOptions().layout_box_options()
    assert defaults == LayoutBoxOptions()
    assert defaults.threshold_for("text") == 0.4 and defaults.min_threshold == 0.4
    custom = PipelineOptions(
        layout_threshold=0.3, layout_nms=False, layout_unclip_ratio=1.2, use_chart_recognition=True
    ).layout_box_options()
    assert custom.threshold_for("table") == 0.3 and not custom.layout_nms
    assert custom.unclip_ratio == (1.2, 1.2)
    assert "chart" not in custom.non_merge_labels
