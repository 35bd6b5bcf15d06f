"""Reading order by recursive XY-cut: columns first, then top to bottom.

At each level the regions are split at the empty vertical gutters (columns, read
left to right); when no gutter runs through the whole group, the group is cut into
sections at empty horizontal gaps, neighbouring bands staying together while they share
a gutter, so a full-width title or figure that interrupts the columns ends a section but a
gap that happens to cross both columns does not make them be read band by band.
A group that neither cut separates is read by its top edges.
"""

from __future__ import annotations

from collections.abc import Sequence

from ocrvl.types import BBox

# Boxes that overlap by less than this along an axis still count as separated: detectors pad
# their boxes, and a stray mark can stretch a paragraph's box a little into the gutter.
_MIN_TOLERANCE = 4.0  # pixels
_COLUMN_TOLERANCE = 0.012  # of the group's width, for cuts between columns


def xy_cut_order(boxes: Sequence[BBox]) -> list[int]:
    """Indices of `boxes` in reading order."""
    return _order(list(range(len(boxes))), boxes)


def _order(indices: list[int], boxes: Sequence[BBox]) -> list[int]:
    if len(indices) <= 1:
        return indices
    columns = _split(indices, boxes, axis=0)
    if len(columns) > 1:
        return [i for column in columns for i in _order(column, boxes)]
    sections = _sections(_split(indices, boxes, axis=1), boxes)
    if len(sections) > 1:
        return [i for section in sections for i in _order(section, boxes)]
    return sorted(indices, key=lambda i: (boxes[i][1], boxes[i][0]))


def _sections(bands: list[list[int]], boxes: Sequence[BBox]) -> list[list[int]]:
    """Consecutive horizontal bands joined while they still share a column gutter.

    A gap that happens to run across both columns at once is no section break: the bands on either
    side of it are read as one set of columns. A band that crosses the gutter (a full-width title or
    figure) ends the section above it and starts its own.
    """
    sections: list[list[int]] = []
    for band in bands:
        if sections and _share_columns(sections[-1], band, boxes):
            sections[-1] = sections[-1] + band
        else:
            sections.append(list(band))
    return sections


def _share_columns(section: list[int], band: list[int], boxes: Sequence[BBox]) -> bool:
    """Whether the band continues the section's columns: one of them is set in columns itself and
    together they still split into columns (two single boxes side by side, a centred subtitle and a
    heading at the left margin below it, are no columns)."""
    in_columns = len(_split(section, boxes, axis=0)) > 1 or len(_split(band, boxes, axis=0)) > 1
    return in_columns and len(_split(section + band, boxes, axis=0)) > 1


def _split(indices: list[int], boxes: Sequence[BBox], axis: int) -> list[list[int]]:
    """Group indices whose extents along `axis` overlap; groups come out in axis order."""
    lo, hi = (0, 2) if axis == 0 else (1, 3)
    tolerance = _MIN_TOLERANCE
    if axis == 0:
        width = max(boxes[i][2] for i in indices) - min(boxes[i][0] for i in indices)
        tolerance = max(tolerance, _COLUMN_TOLERANCE * width)
    ordered = sorted(indices, key=lambda i: boxes[i][lo])
    groups: list[list[int]] = [[ordered[0]]]
    reach = boxes[ordered[0]][hi]
    for i in ordered[1:]:
        if boxes[i][lo] >= reach - tolerance:
            groups.append([i])
        else:
            groups[-1].append(i)
        reach = max(reach, boxes[i][hi])
    return groups
