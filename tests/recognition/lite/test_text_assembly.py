"""Region text assembly: line order, paragraphs, de-hyphenation, right-to-left pieces."""

from ocrvl.recognition.lite.text_assembly import region_text
from ocrvl.types import Word


def _w(text: str, x0: float, y0: float, x1: float, line: int = -1, h: float = 20) -> Word:
    return Word(text, (x0, y0, x1, y0 + h), line=line)


def test_lines_join_into_one_paragraph_with_hyphens_removed():
    words = [_w("A", 0, 0, 10, 1), _w("exam-", 20, 0, 80, 1), _w("ple", 0, 24, 40, 2), _w("line.", 50, 24, 90, 2)]
    assert region_text(words) == "A example line."


def test_blank_space_between_lines_starts_a_new_paragraph():
    words = [_w("First.", 0, 0, 60, 1), _w("Second.", 0, 60, 70, 2)]
    assert region_text(words) == "First.\n\nSecond."


def test_pieces_of_one_arabic_line_are_read_right_to_left():
    # a PDF producer split one visual line at a direction change into two text-layer lines
    right = _w("تعتبر البرمجة بلغة", 300, 0, 500, line=1)
    left = _w("من الأدوات", 100, 0, 280, line=2)
    assert region_text([left, right]) == "تعتبر البرمجة بلغة من الأدوات"


def test_ocr_lines_on_one_row_are_read_left_to_right():
    words = [_w("world", 120, 0, 200), _w("hello", 0, 2, 100)]
    assert region_text(words) == "hello world"
