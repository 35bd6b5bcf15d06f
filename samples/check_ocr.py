"""Measure how well the PP-OCR line reader reads the raster samples (scanned.pdf, photo.jpg).

Run from the repository root after ``python samples/make_samples.py``::

    python samples/check_ocr.py [--dir samples]

For the scan, every OCR line is mapped back to born-digital page coordinates (undoing the
render scale and the scan rotation) and assigned to the ground-truth block containing its
centre; the lines of each paragraph are joined in top-to-bottom order. For the photo (one
column) all lines are joined in reading order and compared with heading + paragraphs.
The character error rate (CER) is the Levenshtein distance divided by the reference
length, after collapsing whitespace ("cer") and with all whitespace removed ("cer_nospace").
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pymupdf
from PIL import Image
from rapidfuzz.distance import Levenshtein

from ocrvl.recognition.ocr import LineReader
from ocrvl.types import Word

RENDER_DPI = 144


def normalize(text: str, keep_spaces: bool = True) -> str:
    """Collapses runs of whitespace (or removes them)."""
    return " ".join(text.split()) if keep_spaces else "".join(text.split())


def cer(reference: str, hypothesis: str, keep_spaces: bool = True) -> float:
    """Character error rate of `hypothesis` against `reference`."""
    ref, hyp = normalize(reference, keep_spaces), normalize(hypothesis, keep_spaces)
    return Levenshtein.distance(ref, hyp) / max(len(ref), 1)


def render_first_page(pdf: Path) -> np.ndarray:
    """RGB pixels of page 1 at RENDER_DPI."""
    with pymupdf.open(pdf) as doc:
        pix = doc[0].get_pixmap(dpi=RENDER_DPI)
    return np.frombuffer(pix.samples, np.uint8).reshape(pix.h, pix.w, pix.n)[:, :, :3].copy()


def to_page_points(
    words: Sequence[Word], shape: tuple[int, ...], rotation_deg: float
) -> list[tuple[float, float]]:
    """Centres of OCR boxes in unrotated page points."""
    h, w = shape[:2]
    inverse = cv2.invertAffineTransform(cv2.getRotationMatrix2D((w / 2, h / 2), rotation_deg, 1.0))
    scale = 72.0 / RENDER_DPI
    centres = []
    for word in words:
        x0, y0, x1, y1 = word.bbox
        px, py = inverse @ np.array([(x0 + x1) / 2, (y0 + y1) / 2, 1.0])
        centres.append((float(px) * scale, float(py) * scale))
    return centres


def inside(point: tuple[float, float], bbox: Sequence[float], slack: float = 3.0) -> bool:
    """Whether `point` lies in `bbox` grown by `slack` points."""
    x, y = point
    return bbox[0] - slack <= x <= bbox[2] + slack and bbox[1] - slack <= y <= bbox[3] + slack


def check_scan(directory: Path, sources: dict[str, Any], reader: LineReader) -> dict[str, float]:
    """Per-paragraph OCR of scanned.pdf; returns aggregate CERs."""
    truth = sources["scanned.pdf"]
    image = render_first_page(directory / "scanned.pdf")
    words = reader.read(image)
    centres = to_page_points(words, image.shape, truth["rotation_deg"])
    errors = {True: 0, False: 0}
    lengths = {True: 0, False: 0}
    for block in truth["blocks"]:
        if block["type"] not in ("title", "heading", "paragraph"):
            continue
        lines = [w for w, c in zip(words, centres, strict=True) if inside(c, block["bbox"])]
        hyp = " ".join(w.text for w in sorted(lines, key=lambda w: w.bbox[1]))
        for keep in (True, False):
            ref = normalize(block["text"], keep)
            errors[keep] += Levenshtein.distance(ref, normalize(hyp, keep))
            lengths[keep] += len(ref)
        if cer(block["text"], hyp) > 0.02:
            print(f"  scan {block['type']}: cer={cer(block['text'], hyp):.3f}")
            print(f"    ref: {block['text']}\n    ocr: {hyp}")
    return {"cer": errors[True] / lengths[True], "cer_nospace": errors[False] / lengths[False]}


def check_photo(directory: Path, sources: dict[str, Any], reader: LineReader) -> dict[str, float]:
    """OCR of photo.jpg against heading + paragraphs; returns CERs."""
    truth = sources["photo.jpg"]
    image = np.asarray(Image.open(directory / "photo.jpg").convert("RGB"))
    hyp = " ".join(w.text for w in reader.read(image))
    ref = " ".join([truth["heading"], *truth["paragraphs"]])
    print(f"  photo ocr: {hyp}")
    return {"cer": cer(ref, hyp), "cer_nospace": cer(ref, hyp, keep_spaces=False)}


def main(directory: Path) -> dict[str, dict[str, float]]:
    """Runs both checks and prints the CERs."""
    sources = json.loads((directory / "sources.json").read_text(encoding="utf-8"))
    reader = LineReader()
    results = {
        "scanned.pdf": check_scan(directory, sources, reader),
        "photo.jpg": check_photo(directory, sources, reader),
    }
    for name, scores in results.items():
        print(f"{name}: CER {scores['cer']:.4f}  (ignoring spaces {scores['cer_nospace']:.4f})")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path(__file__).resolve().parent)
    main(parser.parse_args().dir)
