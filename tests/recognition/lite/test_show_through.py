"""Print showing through from the other side of a thin sheet is left out of what is read; light print is kept."""

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from ocrvl import PaddleOCRVL
from ocrvl.layout.lite.cdla import CdlaLayoutDetector
from ocrvl.recognition.lite.ocr import LineReader
from ocrvl.recognition.lite.show_through import without_show_through

FRONT = ("The printing press changed how people shared ideas", "Books became cheaper and reached many more readers")
BACK = ("Harbour traffic doubled within a single decade", "Merchants built new warehouses along the quay")
LONGER_BACK = (*BACK, "Ships waited for days before unloading", "The town council widened the old roads")


def _sheet(lines, size=(1800, 700), fill=0, font_size=44, top=120) -> Image.Image:
    sheet = Image.new("L", size, 255)
    draw = ImageDraw.Draw(sheet)
    for k, line in enumerate(lines):
        draw.text((80, top + 130 * k), line, fill=fill, font=ImageFont.load_default(size=font_size))
    return sheet


def _with_back_showing_through(
    front: Image.Image, strength: float = 0.22, spread: float = 2.0, back_lines: tuple[str, ...] = BACK
) -> np.ndarray:
    """`front` with the mirrored, paper-blurred print of another page seen through it, as grey BGR. The other
    side's lines fall between this side's (where they cross this side's print, a rim of them stays: they are
    only found apart from it)."""
    back = (
        _sheet(back_lines, top=185).transpose(Image.Transpose.FLIP_LEFT_RIGHT).filter(ImageFilter.GaussianBlur(spread))
    )
    page = np.asarray(front, dtype=np.float32) - (255 - np.asarray(back, dtype=np.float32)) * strength
    page += np.random.default_rng(0).normal(0, 2, page.shape)
    grey = np.clip(page, 0, 255).astype(np.uint8)
    return np.repeat(grey[:, :, None], 3, axis=2)


def _back_only(front: Image.Image, back_lines: tuple[str, ...] = BACK) -> np.ndarray:
    """Where the other side's print lies away from this side's."""
    print_on_page = np.asarray(front) < 128
    return (np.asarray(_sheet(back_lines, top=185).transpose(Image.Transpose.FLIP_LEFT_RIGHT)) < 128) & ~np.asarray(
        Image.fromarray(print_on_page.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(15))
    ).astype(bool)


def test_print_showing_through_is_whitened_and_the_print_on_the_page_kept():
    front = _sheet(FRONT)
    page = _with_back_showing_through(front)
    cleaned = without_show_through(page)
    print_on_page = np.asarray(front) < 128
    back_only = _back_only(front)
    assert (255 - page[back_only]).mean() > 25  # the other side shows
    assert (255 - cleaned[back_only]).mean() < 5  # ... and no longer does
    assert np.array_equal(cleaned[print_on_page], page[print_on_page])


def test_a_sharp_show_through_is_told_by_reading_it_mirrored_and_whitened():
    # A thin sheet pressed flat (or scanned at 150 dpi): the other side's edges are nearly as sharp as the print.
    front = _sheet(FRONT)
    page = _with_back_showing_through(front, spread=0.5, back_lines=LONGER_BACK)
    back_only = _back_only(front, LONGER_BACK)
    assert (255 - without_show_through(page)[back_only]).mean() > 25  # not soft: not told by its edges
    cleaned = without_show_through(page, LineReader().read_images)
    assert (255 - cleaned[back_only]).mean() < 5
    assert np.array_equal(cleaned[np.asarray(front) < 128], page[np.asarray(front) < 128])


def test_light_grey_print_that_reads_as_it_stands_is_kept_by_the_reading_check():
    lines = FRONT + BACK
    light = np.asarray(_sheet(lines, size=(1800, 1100), fill=200).convert("RGB"))[:, :, ::-1].copy()
    light[120:170, 80:400] = 0  # some dark print, so the grey lines are the page's faint marks
    assert np.array_equal(without_show_through(light, LineReader().read_images), light)


def test_light_print_and_an_out_of_focus_page_are_left_as_they_are():
    light = np.asarray(_sheet(FRONT, fill=175).convert("RGB"))[:, :, ::-1].copy()
    assert np.array_equal(without_show_through(light), light)
    blurred = _sheet(FRONT[:1])
    blurred.paste(_sheet(FRONT[1:], fill=175).crop((0, 120, 1800, 250)), (0, 250))
    out_of_focus = np.asarray(blurred.filter(ImageFilter.GaussianBlur(2.0)).convert("RGB"))[:, :, ::-1].copy()
    assert np.array_equal(without_show_through(out_of_focus), out_of_focus)


def test_a_page_with_the_other_side_showing_through_reads_as_its_own_text(tmp_path):
    path = tmp_path / "thin_paper.png"
    Image.fromarray(_with_back_showing_through(_sheet(FRONT))[:, :, 0]).save(path)
    markdown = PaddleOCRVL(engine="lite", threads=1).predict(str(path))[0].page_markdown
    assert [word for word in markdown.split() if word.strip("#")] == " ".join(FRONT).split(), markdown


def test_a_sharp_show_through_is_not_read_as_text(tmp_path):
    # Scanned with the sheet pressed flat the other side's print keeps sharp edges, so it stays in the image;
    # its lines read as mirrored letters, and are left out.
    path = tmp_path / "pressed_thin_paper.png"
    Image.fromarray(_with_back_showing_through(_sheet(FRONT), spread=0.5)[:, :, 0]).save(path)
    markdown = PaddleOCRVL(engine="lite", threads=1).predict(str(path))[0].page_markdown
    assert [word for word in markdown.split() if word.strip("#")] == " ".join(FRONT).split(), markdown


def test_light_grey_print_beside_black_print_is_read(tmp_path):
    page = _sheet(FRONT[:1])
    page.paste(_sheet(FRONT[1:], fill=175).crop((0, 120, 1800, 250)), (0, 250))
    path = tmp_path / "grey_line.png"
    page.save(path)
    markdown = PaddleOCRVL(engine="lite", threads=1).predict(str(path))[0].page_markdown
    assert [word for word in markdown.split() if word.strip("#")] == " ".join(FRONT).split(), markdown


def test_the_layout_is_found_without_the_show_through_and_the_page_picture_keeps_it(tmp_path, monkeypatch):
    path = tmp_path / "thin_paper.png"
    front = _sheet(FRONT)
    Image.fromarray(_with_back_showing_through(front)[:, :, 0]).save(path)
    laid_out: list[np.ndarray] = []
    detect = CdlaLayoutDetector.detect
    monkeypatch.setattr(CdlaLayoutDetector, "detect", lambda self, image: laid_out.append(image) or detect(self, image))
    page = PaddleOCRVL(engine="lite", threads=1).predict(str(path))[0]
    back_only = _back_only(front)
    assert (255 - laid_out[0][back_only]).mean() < 5
    assert (255 - page.page.image[back_only]).mean() > 25


def test_a_lines_contrast_is_counted_from_its_histogram_as_numpy_places_percentiles():
    from ocrvl.recognition.lite.show_through import _line_contrast

    rng = np.random.default_rng(7)
    lines = [
        (rng.random((int(h), int(w), 3)) ** rng.uniform(0.2, 3) * 255).astype(np.uint8)
        for w, h in zip(rng.uniform(1, 1500, 300), rng.uniform(1, 80, 300))
    ] + [np.full((10, 10, 3), 7, np.uint8), np.zeros((1, 1, 3), np.uint8)]
    for line in lines:
        paper, print_ = np.percentile(cv2.cvtColor(line, cv2.COLOR_BGR2GRAY), (90, 3))
        assert _line_contrast(line) == float(paper - print_)


class _ReadsByInk:
    """A recognizer that reads a line image by the grey of its ink, as `readings` gives it: the image as it stands
    (ink at the left) or mirrored (ink at the right)."""

    def __init__(self, readings: dict[int, tuple[tuple[str, float], tuple[str, float]]]):
        self.readings = readings

    def read(self, lines, known=None):
        out = []
        for line in lines:
            ink = int(line.min())
            as_it_stands, mirrored = self.readings[ink]
            out.append(mirrored if line[:, -1].min() == ink else as_it_stands)
        return out


def _line(ink: int) -> np.ndarray:
    line = np.full((20, 200, 3), 250, np.uint8)
    line[:, :40] = ink
    return line


def _show_through_lines(unsure_ones: int) -> tuple[list[np.ndarray], list[tuple[str, float]], _ReadsByInk]:
    """Lines of dark print, `unsure_ones` faint lines read unsurely that read surely mirrored, and a faint line
    ("bae", the other side's "and") read surely both ways, more surely mirrored."""
    readings = {0: (("print", 0.99), ("tnirp", 0.5)), 1: (("words", 0.98), ("sdrow", 0.4))}
    readings |= {200 + k: (("o25T", 0.6), ("and needs", 0.97)) for k in range(unsure_ones)}
    readings[210] = (("bae", 0.91), ("and", 0.99))
    recognizer = _ReadsByInk(readings)
    inks = [0, 1, *(200 + k for k in range(unsure_ones)), 210]
    lines = [_line(ink) for ink in inks]
    return lines, recognizer.read(lines), recognizer


def test_on_a_page_that_shows_through_a_faint_line_read_surely_goes_where_it_reads_more_surely_mirrored():
    from ocrvl.recognition.lite.show_through import mirrored_lines

    lines, read, recognizer = _show_through_lines(unsure_ones=3)
    assert mirrored_lines(lines, read, recognizer) == {2, 3, 4, 5}


def test_a_faint_line_read_surely_stays_where_the_page_does_not_show_through():
    from ocrvl.recognition.lite.show_through import mirrored_lines

    lines, read, recognizer = _show_through_lines(unsure_ones=2)
    assert mirrored_lines(lines, read, recognizer) == {2, 3}


def test_the_reading_check_reads_a_few_lines_of_bounded_length():
    # Long lines of faint print across a wide page: a sample of them is read, each cut to a bounded length.
    words = " ".join(["faint words across the page"] * 12)
    sheet = _sheet([words] * 16, size=(4800, 2200), fill=215, font_size=40)
    page = np.asarray(sheet.convert("RGB"))[:, :, ::-1].copy()
    page[20:110, 80:1600] = 0  # the page's own dark print, the darkest 1%
    shapes: list[tuple[int, int]] = []

    def read(lines):
        shapes.extend(line.shape[:2] for line in lines)
        return [("", 0.0)] * len(lines)

    assert np.array_equal(without_show_through(page, read), page)
    assert 3 <= len(shapes) <= 12
    assert all(width <= 45 * height for height, width in shapes), shapes
