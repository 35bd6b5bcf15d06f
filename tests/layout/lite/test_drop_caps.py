"""A drop cap, read as a word of its own, begins the line beside its top."""

from ocrvl.layout.lite.drop_caps import join_drop_caps
from ocrvl.types import Word


def _column(top: float) -> list[Word]:
    lines = ["indow system, and so on) of the", "specific operating system on which", "the executable work runs, or a"]
    return [Word(text, (340, top + 60 * k, 1250, top + 60 * k + 55)) for k, text in enumerate(lines)]


def test_a_drop_cap_begins_the_line_beside_its_top():
    words = [*_column(335), Word("W", (215, 375, 325, 465))]  # OCR's box for the letter sits a little low
    assert [w.text for w in join_drop_caps(words)][:2] == ["Window system, and so on) of the", words[1].text]


def test_a_drop_cap_read_in_lower_case_is_a_capital():
    words = [*_column(335), Word("b", (217, 367, 300, 463))]
    assert join_drop_caps(words)[0].text.startswith("Bindow")


def test_a_letter_of_body_size_beside_a_capitalised_line_or_in_a_large_title_stays_itself():
    small = [*_column(335), Word("A", (300, 340, 330, 395))]
    beside_capital = [Word("Section two", (340, 335, 1250, 390)), *_column(395), Word("B", (215, 340, 325, 465))]
    title = [Word("A", (100, 100, 140, 190)), Word("note,", (150, 100, 300, 190)), Word("part", (310, 100, 400, 190))]
    title += _column(335) + _column(520)  # "A note, part 1" set large over body text: "A" is a word of the title
    assert join_drop_caps(small) == small
    assert join_drop_caps(beside_capital) == beside_capital
    assert join_drop_caps(title) == title
