"""The layout picture: the page with each region's box, label and reading-order number."""

from __future__ import annotations

import colorsys
import hashlib
import textwrap

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocrvl.types import PageResult


def label_color(label: str) -> tuple[int, int, int]:
    """The colour of `label`'s boxes, the same in every picture and viewer."""
    hue = int(hashlib.md5(label.encode()).hexdigest()[:4], 16) / 0xFFFF
    r, g, b = colorsys.hsv_to_rgb(hue, 0.85, 0.85)
    return int(r * 255), int(g * 255), int(b * 255)


_BOX_TINT = 40 / 255  # how strongly a region's colour shows through over the page
_TAG_TINT = 220 / 255  # the label tag's background, nearly solid


def layout_picture(page: PageResult) -> Image.Image:
    """An RGB image of the page with the regions drawn on it (a blank page if the image is gone; for a page that
    could not be loaded, a notice saying why)."""
    if page.error is not None:
        return _failure_notice(page.error)
    if page.image is not None:
        picture = Image.fromarray(np.asarray(page.image, dtype=np.uint8)).convert("RGB")
    else:
        picture = Image.new("RGB", (max(page.width, 1), max(page.height, 1)), "white")
    draw = ImageDraw.Draw(picture)
    size = max(12, picture.size[1] // 80)
    font = ImageFont.load_default(size=size)
    for block in page.blocks:
        region = block.region
        color = label_color(region.label)
        box = [int(v) for v in region.bbox]
        width = max(2, size // 6)
        if region.polygon is not None:  # a polygon layout model's outline, as the block was cut
            outline = [(float(x), float(y)) for x, y in region.polygon]
            _tint(picture, outline, color, _BOX_TINT)
            draw.polygon(outline, outline=color, width=width)
        else:
            _tint(picture, [(box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])], color, _BOX_TINT)
            draw.rectangle(box, outline=color, width=width)
        tag = f"{region.order} {region.label}" if region.order is not None else region.label
        left, top, right, bottom = draw.textbbox((box[0], box[1]), tag, font=font)
        y = max(0, box[1] - (bottom - top) - 4)
        x1, y1 = box[0] + (right - left) + 6, y + (bottom - top) + 4
        _tint(picture, [(box[0], y), (x1, y), (x1, y1), (box[0], y1)], color, _TAG_TINT)
        draw.text((box[0] + 3, y + 1 - (top - box[1])), tag, fill=(255, 255, 255), font=font)
    return picture


def _tint(picture: Image.Image, outline: list[tuple[float, float]], color: tuple[int, int, int], amount: float) -> None:
    """Blend `color` into the part of `picture` inside the polygon `outline`, touching only its bounding box (a
    full-page overlay composited over the page costs several passes over every pixel)."""
    xs, ys = [x for x, _ in outline], [y for _, y in outline]
    x0, y0 = max(0, int(min(xs))), max(0, int(min(ys)))
    x1, y1 = min(picture.width, int(max(xs)) + 1), min(picture.height, int(max(ys)) + 1)
    if x1 <= x0 or y1 <= y0:
        return
    patch = picture.crop((x0, y0, x1, y1))
    mask = Image.new("L", patch.size, 0)
    ImageDraw.Draw(mask).polygon([(x - x0, y - y0) for x, y in outline], fill=255)
    picture.paste(Image.blend(patch, Image.new("RGB", patch.size, color), amount), (x0, y0), mask)


def _failure_notice(error: str) -> Image.Image:
    """A white card with the reason a page could not be loaded."""
    font = ImageFont.load_default(size=20)
    lines = textwrap.wrap(error, width=70) or [error]
    image = Image.new("RGB", (900, 60 + 28 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for k, line in enumerate(lines):
        draw.text((30, 30 + 28 * k), line, fill=(180, 0, 0), font=font)
    return image
