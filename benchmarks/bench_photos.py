"""Pages photographed with a phone on a desk, ocrvl lite beside one-thread Tesseract.

    python benchmarks/bench_photos.py [--eval-dir ../shared/eval] [--pages 8] [--keep DIR]

The dev split has no photographed page, so this benchmark makes its own: the magazine pages of
`bench_columns.py` (a running head, a headline, two or three columns, a photograph with its caption over one or
two of them), rendered grey at 200 dpi and once as a flat scan (`scan`), once as a photograph of the printed
sheet (`photo`): lying on a dark desk, lit more on one side than on the other and darker towards its edges, a warm
cast, each corner moved by up to 2% of the sheet's width as a tilted camera does, JPEG. Prints score.py's NED per
page and kind for both tools, and their pages/s.
"""

from __future__ import annotations

import io
import random

import bench_columns
import bench_lite
import cv2
import numpy as np
import pymupdf
from PIL import Image

DPI = 200
_DESK = (70, 60, 50)
_KEYSTONE = 0.02  # of the sheet's width, each corner moved by up to this
_PAD = 0.06  # of the sheet's width, desk around it


def rendered(doc: pymupdf.Document) -> np.ndarray:
    pix = doc[0].get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY)
    return np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width)


def photographed(grey: np.ndarray, seed: int) -> Image.Image:
    """The grey page `grey` printed, laid on a desk and photographed (see the module's description)."""
    rng = np.random.default_rng(seed)
    h, w = grey.shape
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(angle) * x / w + np.sin(angle) * y / h
    ramp = (ramp - ramp.min()) / (ramp.max() - ramp.min())
    vignette = 1 - 0.125 * (((x - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2)
    page = grey.astype(np.float32) * (1.0 - 0.45 * ramp) * vignette
    sheet = np.stack([page, page * 0.93, page * 0.8], axis=2)
    pad = int(_PAD * w)
    source = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    corners = source + pad + rng.uniform(-_KEYSTONE * w, _KEYSTONE * w, (4, 2)).astype(np.float32)
    transform = cv2.getPerspectiveTransform(source, corners)
    size = (w + 2 * pad, h + 2 * pad)
    seen = cv2.warpPerspective(sheet, transform, size)
    on_sheet = cv2.warpPerspective(np.ones((h, w), np.uint8), transform, size) > 0
    photo = np.where(on_sheet[:, :, None], seen, np.float32(_DESK)) + rng.normal(0, 4, (*on_sheet.shape, 3))
    out = io.BytesIO()
    Image.fromarray(photo.clip(0, 255).astype(np.uint8)).save(out, "JPEG", quality=80)
    return Image.open(out)


def main() -> None:
    args = bench_lite.typeset_arguments(__doc__.splitlines()[0], 8, "pages of each kind")
    prose, rng = bench_columns.Prose(seed=11), random.Random(11)
    typeset: dict[int, tuple[pymupdf.Document, list[str]]] = {}
    photos: list[pymupdf.Document] = []  # the documents to photograph (the others are scanned flat)

    def flat(n: int) -> tuple[pymupdf.Document, list[str]]:
        typeset[n] = bench_columns.magazine_page(prose, rng, n)
        return typeset[n]

    def photo(n: int) -> tuple[pymupdf.Document, list[str]]:  # the same page as `flat` made, to be photographed
        doc, reference = typeset[n]
        copy = pymupdf.open("pdf", doc.tobytes())
        photos.append(copy)
        return copy, reference

    def scan(doc: pymupdf.Document, n: int) -> Image.Image:
        grey = rendered(doc)
        return photographed(grey, n) if any(doc is copy for copy in photos) else Image.fromarray(grey)

    makers = {"scan": flat, "photo": photo}  # in this order for each page: the flat scan typesets it
    bench_lite.typeset_beside_peers(args, makers, scan, DPI, "ocrvl-photos-", bench_lite.tesseract_peers())


if __name__ == "__main__":
    main()
