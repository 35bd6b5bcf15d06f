"""Region text assembly: line order, paragraphs, de-hyphenation, right-to-left pieces."""

from ocrvl.recognition.lite.text_assembly import region_lines, region_text
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


def test_chinese_lines_run_on_without_a_space_and_numbered_items_start_paragraphs():
    words = [
        _w("一、选择题（每小题3分，共", 0, 0, 300),
        _w("30分）", 0, 24, 80),
        _w("1. 下列各数中，最小的数是", 0, 48, 300),
        _w("A. -3", 0, 72, 50),
        _w("B. 0", 100, 72, 150),
        _w("二、填空题", 0, 96, 120),
    ]
    paragraphs = ["一、选择题（每小题3分，共30分）", "1. 下列各数中，最小的数是", "A. -3 B. 0", "二、填空题"]
    assert region_text(words) == "\n\n".join(paragraphs)


def test_spaces_the_recognizer_reads_beside_full_width_marks_and_inside_numbers_are_dropped():
    words = [_w("2 02 3 年七年级数学", 0, 0, 300), _w("原价1", 0, 24, 60), _w("00元 ，打八折", 70, 24, 200)]
    assert region_text(words) == "2023年七年级数学原价100元，打八折"
    assert region_text([_w("二、 填空题（ 每小题3分）", 0, 0, 300)]) == "二、填空题（每小题3分）"
    assert region_text([_w("最小的数是（  ）", 0, 0, 300)]) == "最小的数是（ ）", "the answer's blank stays"


def test_a_typesetter_s_spaces_stay():
    assert region_text([_w("第三章 总则", 0, 0, 100)]) == "第三章 总则"
    assert region_text([_w("3.1 基本概念", 0, 0, 100)]) == "3.1 基本概念"
    assert region_text([_w("Page 1 2", 0, 0, 100), _w("한국어 문장", 0, 24, 100)]) == "Page 1 2 한국어 문장"
    assert region_text([_w("2020.1.1. 「감염병예방법」 관련", 0, 0, 300)]) == "2020.1.1. 「감염병예방법」 관련"


def test_dash_bullets_start_items_but_a_word_broken_at_a_dash_runs_on():
    items = [_w("- Expand the partner program", 0, 0, 300), _w("- Hire 40 engineers", 0, 24, 200)]
    assert region_text(items) == "- Expand the partner program\n\n- Hire 40 engineers"
    assert region_text([_w("a model trained on layout", 0, 0, 300), _w("-based features", 0, 24, 200)]).count("\n") == 0


def test_square_and_box_bullets_start_items():
    """A form's choices, each after a box or a square (Word's Wingdings bullets), are items of their own."""
    lines = ["■ They work in parallel to private practitioners", "■ They coordinate appointments", "☐ Other"]
    words = [_w(text, 0, 24 * i, 300) for i, text in enumerate(lines)]
    assert region_text(words) == "\n\n".join(lines)


def test_region_lines_keeps_one_line_a_line():
    words = [_w("2.1 Naming . . . . . 3", 0, 0, 300), _w("2.2 Simple parsing . . . . . 4", 0, 24, 300)]
    assert region_lines(words) == "2.1 Naming . . . . . 3\n2.2 Simple parsing . . . . . 4"
