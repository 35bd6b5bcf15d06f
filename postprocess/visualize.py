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


def layout_picture(page: PageResult) -> Image.Image:
    """An RGB image of the page with the regions drawn on it (a blank page if the image is gone; for a page that
    could not be loaded, a notice saying why)."""
    if page.error is not None:
        return _failure_notice(page.error)
    if page.image is not None:
        base = Image.fromarray(np.asarray(page.image, dtype=np.uint8)).convert("RGB")
    else:
        base = Image.new("RGB", (max(page.width, 1), max(page.height, 1)), "white")
    overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    size = max(12, base.size[1] // 80)
    font = ImageFont.load_default(size=size)
    for block in page.blocks:
        region = block.region
        color = label_color(region.label)
        box = [int(v) for v in region.bbox]
        width = max(2, size // 6)
        if region.polygon is not None:  # a polygon layout model's outline, as the block was cut
            outline = [(float(x), float(y)) for x, y in region.polygon]
            draw.polygon(outline, fill=(*color, 40), outline=(*color, 255), width=width)
        else:
            draw.rectangle(box, fill=(*color, 40), outline=(*color, 255), width=width)
        tag = f"{region.order} {region.label}" if region.order is not None else region.label
        left, top, right, bottom = draw.textbbox((box[0], box[1]), tag, font=font)
        y = max(0, box[1] - (bottom - top) - 4)
        draw.rectangle([box[0], y, box[0] + (right - left) + 6, y + (bottom - top) + 4], fill=(*color, 220))
        draw.text((box[0] + 3, y + 1 - (top - box[1])), tag, fill=(255, 255, 255, 255), font=font)
    return Image.alpha_composite(base.convert("RGBA"), overlay).convert("RGB")


def _failure_notice(error: str) -> Image.Image:
    """A white card with the reason a page could not be loaded."""
    font = ImageFont.load_default(size=20)
    lines = textwrap.wrap(error, width=70) or [error]
    image = Image.new("RGB", (900, 60 + 28 * len(lines)), "white")
    draw = ImageDraw.Draw(image)
    for k, line in enumerate(lines):
        draw.text((30, 30 + 28 * k), line, fill=(180, 0, 0), font=font)
    return image
