"""A sheet of paper photographed lying on a darker ground (a desk, a table), cut out and made rectangular.

A phone photograph of a page shows the sheet as a light quadrilateral, narrowed towards the far edge where the
camera was tilted, with the ground around it. Its lines run closer together and slant more on one side than on
the other, which no rotation straightens, and the layout model draws its boxes across the columns there. The ground
is what keeps near the tone along the picture's edges and reaches them (so a corner of the sheet in shadow, darker
than the rest of it, is still sheet); the sheet is the largest area left. It is taken where its outline is a
quadrilateral (a corner or two may be cut off in deep shadow) with corners near right angles, clearly lighter than
the ground, which shows along every edge of the picture (a scan, whose paper reaches the edges, or a page with a
dark margin on one side is left as it is), and mapped onto a rectangle of the sheet's own size.
"""

from __future__ import annotations

import cv2
import numpy as np

from ocrvl.image_sample import gray_sample, rim, sample_step

_WORK_SIDE = 800  # the sheet is looked for on a copy whose longer side is at most this long
_SMALLEST_SIDE = 32  # pixels of that copy
_LEAST_SHEET = 0.25  # of the photograph's area
_MOST_SHEET = 0.95
_GROUND_STEP = 40  # grey levels the ground is darker than the sheet, at least
_GROUND_SPREAD = 20  # grey levels the ground's tone may stray from its median along the edges
_GROUND_ALONG_EDGE = 0.5  # of each edge of the photograph that is ground, at least
_EVEN_GROUND = 0.6  # of the picture off the sheet that keeps near the ground's tone, at least
_EDGE_STRIP = 0.01  # of the longer side: the strip along each edge looked at
_THIN = 0.02  # of the longer side: strands narrower than this (a cable, a shadow's rim) are cut off the sheet
_CORNER_FIT = 0.02  # of the outline's length: how far the outline may stray from four straight sides
_SQUARE_ENOUGH = 30.0  # degrees a corner may be off a right angle
_MOST_SIDES = 6
_CUT_CORNERS = 0.05  # of the outline's length: the short sides cutting corners off, at most
_FILLED = 0.9  # of the quadrilateral the light area covers, at least


def flattened_sheet(image: np.ndarray) -> np.ndarray | None:
    """The sheet of paper in the RGB or grey photograph `image`, cut out and made rectangular; None where the
    image is not a sheet photographed on a darker ground."""
    quad = sheet_outline(image)
    if quad is None:
        return None
    top, right, bottom, left = (np.linalg.norm(quad[(k + 1) % 4] - quad[k]) for k in range(4))
    width, height = round(max(top, bottom)), round(max(left, right))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    transform = cv2.getPerspectiveTransform(quad, target)
    return cv2.warpPerspective(
        image, transform, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )


def sheet_outline(image: np.ndarray) -> np.ndarray | None:
    """The corners of the sheet in `image` (top-left, top-right, bottom-right, bottom-left, in its pixels), or None
    (see `flattened_sheet`)."""
    step = sample_step(image, _WORK_SIDE)  # every step-th pixel: a sheet is large
    if min(image.shape[:2]) // step < _SMALLEST_SIDE:  # a strip or a scrap: no sheet with a ground around it
        return None
    gray = gray_sample(image, step)
    smooth = cv2.GaussianBlur(gray, (5, 5), 0)
    ground_tone = float(np.median(rim(smooth, max(1, round(_EDGE_STRIP * max(gray.shape))))))
    h, w = smooth.shape
    if float(np.median(smooth[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4])) - ground_tone < _GROUND_STEP:
        return None  # the middle of the picture is no lighter than its edges: no sheet on a darker ground
    near_ground = (np.abs(smooth.astype(np.int16) - round(ground_tone)) <= _GROUND_SPREAD).astype(np.uint8)
    _, labels = cv2.connectedComponents(near_ground, connectivity=4)
    touching = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    ground = np.isin(labels, touching[touching > 0])
    side = max(3, round(_THIN * max(gray.shape)) | 1)
    off_ground = cv2.morphologyEx(
        (~ground).astype(np.uint8), cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    )
    contours, _ = cv2.findContours(off_ground, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    area = cv2.contourArea(hull)
    if not _LEAST_SHEET * gray.size <= area <= _MOST_SHEET * gray.size:
        return None
    outline = cv2.approxPolyDP(hull, _CORNER_FIT * cv2.arcLength(hull, True), True).reshape(-1, 2).astype(np.float32)
    corners = _four_corners(outline)
    if corners is None or not _square_enough(corners):
        return None
    if area < _FILLED * cv2.contourArea(corners):
        return None
    sheet = np.zeros_like(gray)
    cv2.fillConvexPoly(sheet, corners.astype(np.int32), 1)
    if not _ground_around(sheet, smooth, ground):
        return None
    return _clockwise_from_top_left(corners.astype(np.float32) * step)


def _four_corners(outline: np.ndarray) -> np.ndarray | None:
    """The corners of the quadrilateral an outline of four to six straight sides follows: where its four longest
    sides, extended, meet (a corner of the sheet in deep shadow, near the ground's tone, is cut off by a short
    side)."""
    if not 4 <= len(outline) <= _MOST_SIDES:
        return None
    sides = [(outline[k], outline[(k + 1) % len(outline)]) for k in range(len(outline))]
    lengths = [float(np.linalg.norm(end - start)) for start, end in sides]
    longest = sorted(sorted(range(len(sides)), key=lambda k: -lengths[k])[:4])
    if sum(lengths) - sum(lengths[k] for k in longest) > _CUT_CORNERS * sum(lengths):
        return None  # no quadrilateral with a corner or two cut off
    corners = [_meeting(sides[a], sides[b]) for a, b in zip(longest, longest[1:] + longest[:1])]
    return None if any(corner is None for corner in corners) else np.array(corners, dtype=np.float32)


def _meeting(first: tuple[np.ndarray, np.ndarray], second: tuple[np.ndarray, np.ndarray]) -> np.ndarray | None:
    """Where the lines through two sides meet (None for parallel sides)."""
    (p, p2), (q, q2) = first, second
    r, s = p2 - p, q2 - q
    cross = float(r[0] * s[1] - r[1] * s[0])
    if abs(cross) < 1e-6:
        return None
    t = float((q - p)[0] * s[1] - (q - p)[1] * s[0]) / cross
    return p + t * r


def _square_enough(corners: np.ndarray) -> bool:
    for k in range(4):
        a, b = corners[k - 1] - corners[k], corners[(k + 1) % 4] - corners[k]
        cosine = float(np.dot(a, b) / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-9))
        if abs(90.0 - np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))) > _SQUARE_ENOUGH:
            return False
    return True


def _ground_around(sheet: np.ndarray, smooth: np.ndarray, ground: np.ndarray) -> bool:
    """Whether a darker, even ground lies around the `sheet` (1 on 0): along every edge of the picture, most of a
    thin strip is off the sheet; off the sheet, most of the picture is `ground` (of one tone and reaching the edges:
    a desk, not a photograph printed around a light panel, as on a magazine's cover); and it is clearly darker than
    the sheet."""
    strip = max(1, round(_EDGE_STRIP * max(sheet.shape)))
    edges = (sheet[:strip], sheet[-strip:], sheet[:, :strip], sheet[:, -strip:])
    if any(1.0 - float(edge.mean()) < _GROUND_ALONG_EDGE for edge in edges):
        return False
    on_sheet = sheet.astype(bool)
    if float(ground[~on_sheet].mean()) < _EVEN_GROUND:
        return False
    return float(np.median(smooth[on_sheet])) - float(np.median(smooth[~on_sheet])) >= _GROUND_STEP


def _clockwise_from_top_left(corners: np.ndarray) -> np.ndarray | None:
    """Four corners as top-left, top-right, bottom-right, bottom-left; None for a sheet turned so far (near half
    a right angle) that no corner is clearly the top-left one."""
    sums, differences = corners.sum(axis=1), corners[:, 1] - corners[:, 0]
    order = [int(np.argmin(sums)), int(np.argmin(differences)), int(np.argmax(sums)), int(np.argmax(differences))]
    return corners[order] if len(set(order)) == 4 else None
