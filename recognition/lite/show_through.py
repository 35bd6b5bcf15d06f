"""Print seen through the paper from the page's other side, taken out before the page is read.

On thin paper (magazines, newspapers, old reports) the reverse side's print shows through as faint, mirrored
letters. The text detector finds them as lines, or as the ends of real lines, and the recognizer reads them as
stray letters ("theodT", "2Getm Iigdt"). Light print cannot be told from them by its tone alone (a grey caption,
a light check box), but by its edges: print on this side of the sheet is as sharp as the scan, while what shows
through has been spread by the paper, so its edges rise over several pixels. Marks that are light, lie away from
the page's dark print, and have soft edges for their contrast are set to the paper's tone; everything else is
left as scanned. Only the image the OCR reads is changed, never the page picture or the crops written out.

Show-through scanned sharp (a strong light, a thin sheet pressed flat, a scan at 150 dpi, where the paper's
spread is a pixel) keeps edges nearly as sharp as the print. It is told by what it says: where the faint marks
that are not soft enough, gathered into lines, read surely as other text once mirrored (a sample of the widest
lines, three of them at least), the page shows through, and all its faint marks are set to the paper's tone. What
is left is found again once the page's lines are read: a line far fainter than the page's print, read unsurely,
whose letters read surely mirrored is the other side's, and is left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import cv2
import numpy as np

from ocrvl.recognition.lite.cascade import LineRecognizer

# A page whose paper (the tone of three quarters of it) is darker than this, or whose print is less than this
# much darker than its paper, is left alone: a dark slide, a faded copy.
_LIGHTEST_DARK_PAPER = 150
_LEAST_CONTRAST = 80
# Light marks: darker than the paper by _NOISE_STEPS times the paper's grain (at least _LEAST_STEP grey levels),
# and lighter than the midpoint between paper and print.
_NOISE_STEPS = 4.0
_LEAST_STEP = 10.0
_DARK_SHARE = 0.5
# Light pixels within this many pixels per 1100 of the image's longer side of dark print are its anti-aliased
# edges (about 3 px at 300 dpi).
_EDGE_REACH = 1 / 1100
# Sharpness: a mark's steepest edge (grey levels per pixel, after a one-pixel blur) over its contrast with the
# paper. A light mark less than this fraction as sharp as the page's print (the median of its dark marks) has soft
# edges: show-through. Measured on pages rendered at 300 dpi with a mirrored copy of the page blurred by two pixels
# showing through: the light marks of a clean page (grey rules, fills, figures) are 0.9-1.3 times as sharp as its
# print, except inside photographs; show-through 0.6-0.9 times; an out-of-focus scan's light marks, the
# blurred edges of its print, 1.1 times and more (its print itself is soft).
_SOFT_EDGE = 0.9
# Show-through is the other side's text, faint: marks no darker than _MOST_CONTRAST of the way from paper to print
# (print seen through paper is a tenth to a third as dark), no taller than _TALLEST_MARK times the page's print (the
# median height of its dark marks; a grey fill or a table's shaded band is taller), lying on paper (at least
# _PAPER_AROUND of the pixels just around a mark are paper; a cell's fill, cut up by its text and rules, is bordered
# by them), and at least _FEWEST_MARKS of them (a line of show-through is several words).
_MOST_CONTRAST = 0.35
_TALLEST_MARK = 2.5
_PAPER_AROUND = 0.7
_FEWEST_MARKS = 8
_LEAST_AREA = 20  # pixels: smaller marks are grain
_BILEVEL_TONES = 2  # a scan in black and white only (fax, 600-dpi archive scans) has no faint marks
_LEAST_SIDE = 1000  # pixels: a smaller image is a table or formula cut out, or a page at screen resolution


# Reads BGR line images: (text, confidence) for each.
ReadLines = Callable[[Sequence[np.ndarray]], list[tuple[str, float]]]


def without_show_through(bgr: np.ndarray, read: ReadLines | None = None) -> np.ndarray:
    """`bgr` with the marks showing through from the other side of the sheet set to the paper's tone (the image
    itself when it has none). `read`: reads faint marks that are not soft to tell whether they show through (else
    only soft marks are taken out)."""
    return _with_paper_over(bgr, cv2.COLOR_BGR2GRAY, read)


def page_without_show_through(rgb: np.ndarray, read: ReadLines | None = None) -> np.ndarray:
    """The RGB page `rgb` with the marks showing through set to the paper's tone (`rgb` itself when it has none);
    `read` as for `without_show_through`."""
    return _with_paper_over(rgb, cv2.COLOR_RGB2GRAY, read)


def _with_paper_over(image: np.ndarray, to_gray: int, read: ReadLines | None) -> np.ndarray:
    """`image` (turned grey by the OpenCV code `to_gray` where it has channels) with its show-through set to the
    paper's tone; `image` itself when it has none."""
    if max(image.shape[:2]) < _LEAST_SIDE:
        return image
    gray = cv2.cvtColor(image, to_gray) if image.ndim == 3 else image
    found = _show_through(gray, read)
    if found is None:
        return image
    marks, paper = found
    cleaned = image.copy()
    cleaned[marks] = paper
    return cleaned


def _show_through(gray: np.ndarray, read: ReadLines | None = None) -> tuple[np.ndarray, float] | None:
    """The pixels of the grey page `gray` showing through from the sheet's other side, and the paper's tone; None
    where it has none. `read`: reads faint marks that are not soft to tell whether they are the other side's."""
    if np.count_nonzero(cv2.calcHist([gray], [0], None, [256], [0, 256])) <= _BILEVEL_TONES:
        return None
    smooth = cv2.GaussianBlur(gray, (0, 0), 1.0)
    tones = cv2.calcHist([smooth], [0], None, [256], [0, 256]).ravel()
    paper, ink = _tone_at(tones, 0.75), _tone_at(tones, 0.005)
    if paper < _LIGHTEST_DARK_PAPER or paper - ink < _LEAST_CONTRAST:
        return None
    offsets = np.abs(np.arange(256) - paper)
    grain = 1.4826 * _tone_at(np.bincount(offsets, weights=tones * (offsets < 30), minlength=256), 0.5)
    dark = smooth <= paper - _DARK_SHARE * (paper - ink)
    reach = max(1, round(max(gray.shape) * _EDGE_REACH))
    edges = cv2.dilate(dark.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1,) * 2))
    step = max(_NOISE_STEPS * grain, _LEAST_STEP)
    light = (smooth < paper - step) & ~dark & (edges == 0)
    if np.count_nonzero(light) < _FEWEST_MARKS * _LEAST_AREA:  # too few light pixels to hold the marks
        return None
    count, labels, stats, _ = cv2.connectedComponentsWithStats(light.astype(np.uint8), connectivity=8)
    marks = stats[:, cv2.CC_STAT_AREA] >= _LEAST_AREA
    marks[0] = False
    if marks.sum() < _FEWEST_MARKS:
        return None
    slope = (
        cv2.magnitude(cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)) / 8
    )
    print_count, print_labels, print_stats, _ = cv2.connectedComponentsWithStats(edges, connectivity=8)
    big_print = print_stats[1:, cv2.CC_STAT_AREA] >= _LEAST_AREA
    if not big_print.any():
        return None
    sharp_print = float(np.median(_sharpness(print_labels, print_count, smooth, slope, paper)[0][1:][big_print]))
    glyph_height = float(np.median(print_stats[1:, cv2.CC_STAT_HEIGHT][big_print]))
    sharpness, contrast = _sharpness(labels, count, smooth, slope, paper)
    faint = (contrast <= _MOST_CONTRAST * (paper - ink)) & marks
    faint &= stats[:, cv2.CC_STAT_HEIGHT] <= _TALLEST_MARK * glyph_height
    faint &= _paper_around(labels, count, smooth >= paper - step) >= _PAPER_AROUND
    soft = faint & (sharpness < _SOFT_EDGE * sharp_print)
    if read is not None and np.count_nonzero(faint & ~soft) >= _FEWEST_MARKS:
        faint_pixels = faint[labels]
        if _reads_as_mirrored_text(gray, faint_pixels, paper, glyph_height, read):
            return faint_pixels, paper
    if soft.sum() < _FEWEST_MARKS:
        return None
    return soft[labels], paper


# The faint marks are gathered into lines by joining marks less than a glyph's height apart; a line is at least
# twice as wide as tall and _LOWEST_LINE of a glyph's height tall. The _SAMPLE widest are read mirrored, each at
# most _LONGEST_READ times as wide as tall (a page's faint marks may run into one band across it, whose reading
# would cost as much as a page's lines).
_LOWEST_LINE = 0.4
_SAMPLE = 12
_LONGEST_READ = 40


def _reads_as_mirrored_text(
    gray: np.ndarray, faint: np.ndarray, paper: float, glyph_height: float, read: ReadLines
) -> bool:
    """Whether the `faint` pixels of the grey page `gray`, gathered into lines and cut out alone on the paper's
    tone, read as the other side's text: at least _SHOWS_THROUGH of a sample of the widest lines read surely as
    text with letters once mirrored, more surely than as they stand."""
    join = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, round(glyph_height)), 1))
    _, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(faint.astype(np.uint8), join), connectivity=8)
    lines = [(x, y, w, h) for x, y, w, h, _ in stats[1:] if w >= 2 * h and h >= _LOWEST_LINE * glyph_height]
    lines = sorted(lines, key=lambda box: -box[2])[:_SAMPLE]
    if len(lines) < _SHOWS_THROUGH:
        return False
    crops = []
    for x, y, w, h in lines:
        pad = max(2, h // 4)
        rows = slice(max(0, y - pad), y + h + pad)
        columns = slice(max(0, x - pad), x + min(w, _LONGEST_READ * h) + pad)
        alone = np.where(faint[rows, columns], gray[rows, columns], np.uint8(paper))
        crops.append(cv2.cvtColor(alone, cv2.COLOR_GRAY2BGR))
    mirrored = read([_mirrored(crop) for crop in crops])
    legible = [i for i, (text, score) in enumerate(mirrored) if score > _SURE and _letters(text) >= _FEWEST_LETTERS]
    if len(legible) < _SHOWS_THROUGH:
        return False
    as_they_stand = read([crops[i] for i in legible])
    seen_through = sum(
        _reads_better_mirrored(as_read, mirrored[i], _FEWEST_LETTERS) for i, as_read in zip(legible, as_they_stand)
    )
    return seen_through >= _SHOWS_THROUGH


def _sharpness(
    labels: np.ndarray, count: int, smooth: np.ndarray, slope: np.ndarray, paper: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per labelled mark: its steepest edge over its contrast with the paper, and that contrast."""
    flat = labels.ravel()
    marked = flat > 0
    darkest = np.full(count, 255, dtype=np.uint8)
    np.minimum.at(darkest, flat[marked], smooth.ravel()[marked])
    steepest = np.zeros(count, dtype=np.float32)
    np.maximum.at(steepest, flat[marked], slope.ravel()[marked])
    contrast = np.maximum(paper - darkest.astype(np.float32), 1.0)
    return steepest / contrast, contrast


def _tone_at(counts: np.ndarray, share: float) -> int:
    """The grey level below which `share` of the pixels counted in the histogram `counts` lie."""
    return int(np.searchsorted(np.cumsum(counts), share * counts.sum()))


def _paper_around(labels: np.ndarray, count: int, paper: np.ndarray) -> np.ndarray:
    """Per labelled mark: the share of the pixels just around it that are paper."""
    grown = cv2.dilate(labels.astype(np.float32), np.ones((3, 3), np.uint8)).astype(np.int32)
    ring = (grown > 0) & (labels == 0)
    around = np.bincount(grown[ring], minlength=count)
    on_paper = np.bincount(grown[ring & paper], minlength=count)
    return on_paper / np.maximum(around, 1)


# A line is faint when its contrast (its paper's tone less its darkest print's) is under _FAINT_LINE times that of
# the page's print (the median of the lines read with a confidence of at least _SURE). A faint line read unsurely
# (under _SURE) is the other side's when mirrored it reads surely as other text with letters in it. On the dev
# split's English PDFs rendered at 150 dpi with another page showing through at a fifth of its ink: its lines are
# 0.15-0.2 times as contrasted as the print on paper, up to 0.9 on a slide's fills, read as scanned at 0.5-0.9
# (a few short ones higher) and mirrored at 0.94-1.0. Scanned clean, 3% of the lines of those pages are faint and
# unsure, and none of them reads so mirrored (of all their lines, 1% do: numbers, roman numerals, brackets; and
# a sure "to land" reads mirrored as a surer "brsl ot").
_FAINT_LINE = 0.7
_SURE = 0.9
_FEWEST_LETTERS = 3  # numerals, roman numerals and brackets read about as well either way
# This many lines reading so tell a page that shows through (of the sampled lines of faint marks, before the page's
# lines are found; of its faint lines read unsurely, after). There a faint line read surely as it stands goes too
# where mirrored it reads more surely still, as text with letters in it: at 150 dpi the other side's short words
# read surely as other words ("and" as "bae", "In addition" as "noi ibb6 al"). On a page that does not show
# through, no line is faint and unsure and reads surely mirrored, so none is dropped this way.
_SHOWS_THROUGH = 3
_FEWEST_LETTERS_SHOWING_THROUGH = 2


def mirrored_lines(
    lines: Sequence[np.ndarray], read: Sequence[tuple[str, float]], recognizer: LineRecognizer
) -> set[int]:
    """Indices of the line images `lines` (BGR), read as `read` by `recognizer`, that are print showing through
    from the other side of the sheet."""
    contrast = np.array([_line_contrast(line) for line in lines])
    sure = [c for c, (_, score) in zip(contrast, read) if score >= _SURE]
    if not sure:
        return set()
    least = _FAINT_LINE * float(np.median(sure))
    faint = [i for i, (c, (text, _)) in enumerate(zip(contrast, read)) if c < least and text.strip()]
    unsure = [i for i in faint if read[i][1] < _SURE]
    if not unsure:
        return set()
    mirrored = dict(zip(unsure, recognizer.read([_mirrored(lines[i]) for i in unsure])))
    seen_through = {i for i in unsure if _reads_mirrored(read[i], mirrored[i], _FEWEST_LETTERS)}
    if len(seen_through) < _SHOWS_THROUGH:
        return seen_through
    sure_faint = [i for i in faint if i not in mirrored]
    mirrored.update(zip(sure_faint, recognizer.read([_mirrored(lines[i]) for i in sure_faint])))
    return seen_through | {
        i for i in faint if _reads_better_mirrored(read[i], mirrored[i], _FEWEST_LETTERS_SHOWING_THROUGH)
    }


def _mirrored(line: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(line[:, ::-1])


def _reads_mirrored(as_read: tuple[str, float], mirrored: tuple[str, float], fewest_letters: int) -> bool:
    """Whether a line read `as_read` reads `mirrored` surely as other text with at least `fewest_letters` letters."""
    text, score = mirrored
    return score > _SURE and text.strip() != as_read[0].strip() and _letters(text) >= fewest_letters


def _reads_better_mirrored(as_read: tuple[str, float], mirrored: tuple[str, float], fewest_letters: int) -> bool:
    """`_reads_mirrored`, and more surely so than as it stands."""
    return mirrored[1] > as_read[1] and _reads_mirrored(as_read, mirrored, fewest_letters)


def _letters(text: str) -> int:
    return sum(char.isalpha() for char in text)


def _line_contrast(line: np.ndarray) -> float:
    """The line's paper tone (90th percentile) less its print's (3rd), as np.percentile places them, counted from
    its histogram."""
    gray = cv2.cvtColor(line, cv2.COLOR_BGR2GRAY) if line.ndim == 3 else line
    if gray.size == 0:
        return 0.0
    below = np.cumsum(cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel().astype(np.int64))
    paper, darkest = (_percentile_of_levels(below, share) for share in (0.9, 0.03))
    return float(paper - darkest)


def _percentile_of_levels(below: np.ndarray, share: float) -> float:
    """The grey level at `share` of the pixels counted in the cumulative histogram `below`, interpolated between
    the two nearest pixels' levels as np.percentile does."""
    position = share * (below[-1] - 1)
    low, high = (int(np.searchsorted(below, rank, side="right")) for rank in (np.floor(position), np.ceil(position)))
    return low + (high - low) * (position - np.floor(position))
