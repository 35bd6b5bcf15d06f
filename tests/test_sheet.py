"""A sheet of paper photographed on a desk is cut out and made rectangular; scans are left as they are."""

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocrvl import PaddleOCRVL
from ocrvl.sheet import flattened_sheet, sheet_outline

SHEET = (1200, 1600)  # width, height
COLUMNS = (
    ("The harbour was rebuilt after the storm", "and ships came back within a year"),
    ("Merchants opened new warehouses", "along the quay by the old market"),
)


def _sheet() -> np.ndarray:
    """A white sheet with a black square near its top-left corner and a grey one near its bottom-right corner, and
    two columns of text in between."""
    sheet = Image.new("RGB", SHEET, (250, 248, 240))
    draw = ImageDraw.Draw(sheet)
    draw.rectangle((100, 100, 200, 200), fill=(0, 0, 0))
    draw.rectangle((1000, 1400, 1100, 1500), fill=(90, 90, 90))
    font = ImageFont.load_default(size=30)
    for column, lines in enumerate(COLUMNS):
        for row, line in enumerate(lines):
            draw.text((100 + 560 * column, 400 + 60 * row), line, fill=(0, 0, 0), font=font)
    return np.asarray(sheet)


def _photographed(sheet: np.ndarray, corners, shade: float = 0.35) -> np.ndarray:
    """`sheet` lying on a dark desk, photographed from a tilt (its corners where `corners` say, in a 1500 x 1900
    picture), lit more on one side than on the other."""
    h, w = sheet.shape[:2]
    source = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    transform = cv2.getPerspectiveTransform(source, np.float32(corners))
    desk = np.full((1900, 1500, 3), (60, 52, 45), np.uint8)
    seen = cv2.warpPerspective(sheet, transform, (1500, 1900), flags=cv2.INTER_LINEAR)
    on_sheet = cv2.warpPerspective(np.ones((h, w), np.uint8), transform, (1500, 1900)) > 0
    light = np.linspace(1.0, 1.0 - shade, 1500, dtype=np.float32)[None, :, None]
    photo = np.where(on_sheet[:, :, None], seen, desk).astype(np.float32) * light
    return photo.clip(0, 255).astype(np.uint8)


def _words(markdown: str) -> list[str]:
    return [word for word in markdown.split() if word.isalpha()]


KEYSTONE = [[180, 120], [1330, 150], [1420, 1780], [90, 1750]]  # the far (top) edge narrower


def test_a_photographed_sheet_is_found_by_its_corners():
    found = sheet_outline(_photographed(_sheet(), KEYSTONE))
    assert found is not None
    assert np.abs(found - np.float32(KEYSTONE)).max() <= 20


def test_the_sheet_is_cut_out_and_made_rectangular():
    flat = flattened_sheet(_photographed(_sheet(), KEYSTONE))
    assert flat is not None
    h, w = flat.shape[:2]
    assert abs(w / h - SHEET[0] / SHEET[1]) <= 0.1  # its size from its longer sides as seen: near, not exact
    # the squares sit where they were printed, at the same share of the sheet's width and height
    dark = cv2.cvtColor(flat, cv2.COLOR_RGB2GRAY) < 40
    ys, xs = np.nonzero(dark[: h // 4, : w // 4])
    assert abs(xs.mean() / w - 150 / SHEET[0]) <= 0.01 and abs(ys.mean() / h - 150 / SHEET[1]) <= 0.01


def _cover() -> np.ndarray:
    """A magazine cover: a dark page with a light panel of text in its middle, and a grey masthead band above it and
    a grey band of teasers below it (no even ground around the panel, as a desk would be)."""
    page = np.full((1600, 1200, 3), 60, np.uint8)
    page[400:1200, 250:950] = 240
    page[40:380, 100:1100] = 150
    page[1220:1560, 100:1100] = 150
    return page


@pytest.mark.parametrize(
    "page",
    [
        np.full((1600, 1200, 3), 245, np.uint8),  # a scan: paper to every edge
        np.pad(np.full((1600, 1000, 3), 245, np.uint8), ((0, 0), (200, 0), (0, 0))),  # a dark margin on one side
        np.full((1200, 1600, 3), 20, np.uint8),  # a dark slide
        "cover",
    ],
    ids=["scan", "dark margin", "dark slide", "cover"],
)
def test_a_scan_is_left_as_it_is(page):
    page = _cover() if isinstance(page, str) else page.copy()
    cv2.putText(page, "Some print on the page", (300, 700), cv2.FONT_HERSHEY_SIMPLEX, 2, (128, 128, 128), 3)
    assert sheet_outline(page) is None


def test_a_photographed_page_reads_as_the_sheet_does(tmp_path):
    parser = PaddleOCRVL(engine="lite", threads=1)
    Image.fromarray(_sheet()).save(tmp_path / "sheet.png")
    Image.fromarray(_photographed(_sheet(), KEYSTONE)).save(tmp_path / "photo.png")
    sheet, photo = (parser.predict(str(tmp_path / name))[0] for name in ("sheet.png", "photo.png"))
    assert _words(photo.page_markdown) == _words(sheet.page_markdown)
    assert "Merchants opened new warehouses" in photo.page_markdown
    picture = photo.page.image  # the sheet alone: no desk a little in from its corners
    dy, dx = (round(0.02 * side) for side in picture.shape[:2])
    corners = [picture[dy, dx], picture[dy, -dx], picture[-dy, -dx], picture[-dy, dx]]
    assert all(corner.mean() > 140 for corner in corners), corners
