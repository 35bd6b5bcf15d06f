"""PaddleOCR-VL's ``merge_layout_blocks``: adjacent text blocks read as one stitched crop.

Walking the mergeable blocks (everything but pictures and tables) in reading order, a ``text`` block joins the
group of the ``text`` block before it when either

- it continues to the right ("cross"): the two do not share any x range, it starts right of the other's right
  edge, its top is above the other's bottom, and the gap is under 0.3 x the wider block's width; it is placed
  centred under the group's crop; or
- it continues below around a picture ("up-down"): the two share some x range, its top is within half the
  taller block's height of the other's bottom (and its bottom not above the other's top), exactly one of
  their left or right edges line up (within 5 px), and the box around both overlaps a picture or table; it
  is placed flush with the edge that lines up.

A group whose stitched crop would be at least 3 times as high as wide is read block by block instead.
Blocks that are not mergeable and lie between a group's first and last member in reading order come right
after the group. PaddleOCR-VL reads a merged group once and puts the whole text on the first member; the
other members keep their boxes with empty content and the first member's ``group_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ocrvl.geometry import crop_bounds, union_box
from ocrvl.labels import unread_labels
from ocrvl.layout.ppdoclayout.polygons import crop_region
from ocrvl.types import BBox, Region

ALIGN_TOLERANCE = 5  # pixels by which two edges may differ and still line up
CROSS_GAP_SHARE = 0.3
UPDOWN_GAP_SHARE = 0.5
MAX_STITCHED_ASPECT = 3.0  # height / width at which a group is read block by block
ALIGNS = ("left", "right", "center")


def non_merge_labels(use_chart_recognition: bool = False, use_seal_recognition: bool = False) -> frozenset[str]:
    """Labels never merged: pictures, charts and seals that are not read, and tables."""
    return unread_labels(use_chart_recognition, use_seal_recognition) | {"table"}


DEFAULT_NON_MERGE_LABELS = non_merge_labels()


@dataclass(frozen=True)
class MergedBlock:
    """Text blocks read as one crop: `stitch_crops` builds it; the text belongs to ``members[0]``.

    ``aligns[k]`` places member k + 1 under the crop stitched so far: ``left``, ``right`` or ``center``.
    ``label``, ``score``, ``order`` and ``cls_id`` are the first member's, ``bbox`` spans all members (for
    drawing; the crop is not this box).
    """

    members: tuple[Region, ...]
    aligns: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.members) < 2 or len(self.aligns) != len(self.members) - 1:
            raise ValueError("a merged block needs at least two members and one alignment per joined member")
        if any(a not in ALIGNS for a in self.aligns):
            raise ValueError(f"alignments must be among {ALIGNS}, got {self.aligns}")

    @property
    def label(self) -> str:
        return self.members[0].label

    @property
    def bbox(self) -> BBox:
        return union_box([m.bbox for m in self.members])

    @property
    def score(self) -> float:
        return self.members[0].score

    @property
    def order(self) -> int | None:
        return self.members[0].order

    @property
    def cls_id(self) -> int:
        return self.members[0].cls_id


def _member_crop(page_image: np.ndarray, member: Region) -> np.ndarray:
    height, width = page_image.shape[:2]
    x0, y0, x1, y1 = crop_bounds(member.bbox, width, height)
    crop = crop_region(page_image, member.bbox, member.polygon) if member.polygon is not None else None
    return crop if crop is not None else page_image[y0:y1, x0:x1]


def _crop_size(bbox: BBox) -> tuple[int, int]:
    x0, y0, x1, y1 = crop_bounds(bbox)
    return x1 - x0, y1 - y0


def _aligned(a: float, b: float) -> bool:
    return abs(a - b) <= ALIGN_TOLERANCE


def _x_overlap(a: BBox, b: BBox) -> float:
    """Shared x range as a share of the x range both span (0 when they only touch or are apart)."""
    shared = min(a[2], b[2]) - max(a[0], b[0])
    if shared <= 0:
        return 0.0
    span = max(a[2], b[2]) - min(a[0], b[0])
    return shared / span if span > 0 else 0.0


def _boxes_intersect(a: BBox, b: BBox) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def continues_right(prev: Region, block: Region) -> bool:
    """The "cross" rule: ``block`` is the next text column piece to the right of ``prev``."""
    p, b = prev.bbox, block.bbox
    return (
        _x_overlap(b, p) == 0
        and block.label == "text"
        and prev.label == "text"
        and b[0] > p[2]
        and b[1] < p[3]
        and b[0] - p[2] < max(p[2] - p[0], b[2] - b[0]) * CROSS_GAP_SHARE
    )


def continues_below(prev: Region, block: Region, obstacles: Sequence[BBox]) -> bool:
    """The "up-down" rule: ``block`` continues ``prev`` below it, one edge lined up, beside a picture or table."""
    p, b = prev.bbox, block.bbox
    if not (
        _x_overlap(b, p) > 0
        and block.label == "text"
        and prev.label == "text"
        and b[3] >= p[1]
        and abs(b[1] - p[3]) < max(p[3] - p[1], b[3] - b[1]) * UPDOWN_GAP_SHARE
        and _aligned(b[0], p[0]) != _aligned(b[2], p[2])
    ):
        return False
    around = union_box([p, b])
    return any(_boxes_intersect(around, other) for other in obstacles)


def _alignment(prev: BBox, block: BBox) -> str:
    if _aligned(block[0], prev[0]):
        return "left"
    if _aligned(block[2], prev[2]):
        return "right"
    return "center"


def _stitched_size(members: Sequence[Region]) -> tuple[int, int]:
    sizes = [_crop_size(m.bbox) for m in members]
    return max(w for w, _ in sizes), sum(h for _, h in sizes)


def _groups(regions: Sequence[Region], non_merge: frozenset[str]) -> list[tuple[list[int], list[str]]]:
    """Runs of mergeable regions (indices into `regions`) with the alignment of each joined member."""
    mergeable = [i for i, r in enumerate(regions) if r.label not in non_merge]
    obstacles = [r.bbox for r in regions if r.label in non_merge]
    groups: list[tuple[list[int], list[str]]] = []
    for k, index in enumerate(mergeable):
        if k == 0:
            groups.append(([index], []))
            continue
        prev_index = mergeable[k - 1]
        prev, block = regions[prev_index], regions[index]
        if continues_right(prev, block):
            align = "center"
        elif continues_below(prev, block, obstacles):
            align = _alignment(prev.bbox, block.bbox)
        else:
            groups.append(([index], []))
            continue
        groups[-1][0].append(index)
        groups[-1][1].append(align)
    return groups


def merge_layout_blocks(
    regions: Sequence[Region], non_merge_labels: frozenset[str] = DEFAULT_NON_MERGE_LABELS
) -> list[Region | MergedBlock]:
    """The blocks to read, in reading order: regions, and `MergedBlock` for stitched text groups.

    `regions` are PaddleOCR-VL's parsing regions in reading order. Returned regions are copies.
    """
    groups = {members[0]: (members, aligns) for members, aligns in _groups(regions, non_merge_labels)}
    result: list[Region | MergedBlock] = []
    index = 0
    while index < len(regions):
        if index not in groups:
            if regions[index].label in non_merge_labels:
                result.append(replace(regions[index]))
            index += 1
            continue
        members, aligns = groups[index]
        member_regions = [replace(regions[i]) for i in members]
        width, height = _stitched_size(member_regions)
        if len(members) == 1 or width == 0 or height / width >= MAX_STITCHED_ASPECT:
            result.extend(member_regions)
        else:
            result.append(MergedBlock(tuple(member_regions), tuple(aligns)))
        last = max(members)
        result.extend(replace(regions[i]) for i in range(index + 1, last) if regions[i].label in non_merge_labels)
        index = last + 1
    return result


def stitch_crops(page_image: np.ndarray, block: MergedBlock) -> np.ndarray:
    """The image PaddleOCR-VL reads for a merged block: member crops stacked top to bottom on white.

    Each step widens the canvas to the wider of (stitched so far, next crop) and places both by that step's
    alignment: ``left`` flush left, ``right`` flush right, ``center`` centred (rounded down). A member with an
    outline is cut as `crop_region` cuts it, white outside the outline.
    """
    crops = [_member_crop(page_image, member) for member in block.members]
    stitched = crops[0]
    for crop, align in zip(crops[1:], block.aligns, strict=True):
        canvas_w = max(stitched.shape[1], crop.shape[1])
        canvas = np.full((stitched.shape[0] + crop.shape[0], canvas_w, *page_image.shape[2:]), 255, page_image.dtype)
        for image, top in ((stitched, 0), (crop, stitched.shape[0])):
            left = {"left": 0, "right": canvas_w - image.shape[1], "center": (canvas_w - image.shape[1]) // 2}[align]
            canvas[top : top + image.shape[0], left : left + image.shape[1]] = image
        stitched = canvas
    return np.ascontiguousarray(stitched)
