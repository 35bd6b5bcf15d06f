"""The text detector's resolution follows the size of the print: large print is found at low resolution (fast),
small print at full resolution (nothing missed)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ocrvl.recognition.lite.ocr import LineReader, OcrOptions

LINES = ("Quarterly report", "Sales rose by 12 percent", "Costs fell in every region")


def printed(font_size: int, size: tuple[int, int] = (1400, 2000)) -> np.ndarray:
    """An RGB page with the lines printed in `font_size` pixel type, repeated down the page."""
    page = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=font_size)
    y = 60
    while y + 2 * font_size < size[1] - 60:
        for line in LINES:
            draw.text((60, y), line, fill="black", font=font)
            y += 2 * font_size
    return np.asarray(page)


SMALL = "pp-ocrv6-small"  # one model's detector, the one these sizes were measured with


class DetectorInputs:
    """Records the image sizes the detection model is given."""

    def __init__(self, reader: LineReader, monkeypatch: pytest.MonkeyPatch):
        self.sides: list[int] = []
        session = reader.models().detector.session
        run = session.run

        def recording_run(outputs, feeds):
            self.sides.append(max(next(iter(feeds.values())).shape[2:]))
            return run(outputs, feeds)

        monkeypatch.setattr(session, "run", recording_run)


@pytest.fixture(scope="module")
def reader() -> LineReader:
    return LineReader(OcrOptions(model=SMALL, threads=1))


def test_large_print_is_found_at_low_resolution_and_read_the_same(reader, monkeypatch):
    page = printed(font_size=72)
    full_resolution = LineReader(OcrOptions(model=SMALL, threads=1, det_probe_side=0))
    inputs = DetectorInputs(reader, monkeypatch)
    words = reader.read(page)
    assert max(inputs.sides) <= 900  # the probe's lines were good enough: no full-resolution pass
    assert [w.text for w in words] == [w.text for w in full_resolution.read(page)]
    assert {w.text for w in words} == set(LINES)


def test_small_print_is_found_at_full_resolution(reader, monkeypatch):
    inputs = DetectorInputs(reader, monkeypatch)
    words = reader.read(printed(font_size=18))
    assert inputs.sides[-1] >= 1400
    assert {w.text for w in words} == set(LINES)


def test_soft_print_that_runs_together_at_the_probes_resolution_is_found_at_full_resolution(reader):
    # Out of focus on a wide page, at the probe's resolution two columns of small print are two blobs, not lines:
    # their height says nothing about the print's, and the page must not be read at that resolution.
    line = "Sales rose by twelve percent in the northern region"
    page = Image.new("RGB", (2550, 1650), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=18)
    for row in range(8):
        for left in (100, 1350):
            draw.text((left, 600 + 22 * row), line, fill="black", font=font)
    words = reader.read(np.asarray(page.filter(ImageFilter.GaussianBlur(1.6))))
    assert len(words) == 16
    assert sum(w.text == line for w in words) >= 12
