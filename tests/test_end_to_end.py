"""What a user sees when parsing the samples with the lite engine."""

from __future__ import annotations

import re

import pymupdf
from rapidfuzz.distance import Levenshtein

from tests.conftest import plain, tables_in


def _cer(reference: str, hypothesis: str) -> float:
    return Levenshtein.distance(reference, hypothesis) / max(1, len(reference))


def _body_text(doc, labels=("text",)) -> str:
    return plain(" ".join(b.content for p in doc.pages for b in p.page.blocks if b.label in labels))


def test_born_digital_title_and_headings_in_order(parsed, sources):
    src = sources["born_digital.pdf"]
    md = parsed("born_digital.pdf").markdown
    assert md.startswith(f"# {src['title']}\n")
    positions = []
    for heading in src["headings"]:
        match = re.search(rf"^#+ {re.escape(heading)}$", md, flags=re.M)
        assert match, f"heading {heading!r} missing from Markdown"
        positions.append(match.start())
    assert positions == sorted(positions)


def test_born_digital_paragraphs_complete_and_in_reading_order(parsed, sources):
    md = plain(parsed("born_digital.pdf").markdown)
    positions = []
    for paragraph in sources["born_digital.pdf"]["paragraphs"]:
        position = md.find(plain(paragraph))
        assert position >= 0, f"paragraph missing or broken: {paragraph[:60]!r}"
        positions.append(position)
    assert positions == sorted(positions), "paragraphs out of reading order (two columns)"


def test_born_digital_table_cells_in_the_right_rows(parsed, sources):
    table = sources["born_digital.pdf"]["tables"][0]
    found = tables_in(parsed("born_digital.pdf").markdown)
    assert len(found) == 1
    assert found[0] == [table["header"], *table["rows"]]


def test_born_digital_formula_is_latex_from_the_text_layer(parsed, sources):
    """The text layer's raised, smaller "2"s are exponents: the formula comes out as the LaTeX it was set from."""
    doc = parsed("born_digital.pdf")
    formulas = [b for p in doc.pages for b in p.page.blocks if b.label == "display_formula"]
    assert formulas, "the display formula was not found"
    latex = sources["born_digital.pdf"]["formulas"][0]["latex"]
    assert formulas[0].content == f"$${latex}$$" and formulas[0].image_path is None
    assert f"$${latex}$$" in doc.markdown


def test_table_across_two_pages_keeps_every_row(parsed, sources):
    table = sources["table_two_pages.pdf"]["tables"][0]
    doc = parsed("table_two_pages.pdf")
    assert len(doc.pages) == 2
    for page, expected in zip(doc.pages, table["pages"]):
        found = tables_in(page.page_markdown)
        assert len(found) == 1, f"page {page.page.page_index + 1}: expected one table"
        body = [row for row in found[0] if row != table["header"]]
        assert body == expected["rows"]
    for paragraph in sources["table_two_pages.pdf"]["paragraphs"]:
        assert plain(paragraph) in plain(doc.markdown)


def test_scanned_page_ocr_matches_source_text(parsed, sources):
    src = sources["scanned.pdf"]
    doc = parsed("scanned.pdf")
    assert doc.pages[0].page.model_settings["text_source"] == "PP-OCRv6"
    reference = plain(" ".join(src["paragraphs"]))
    assert _cer(reference, _body_text(doc)) < 0.05
    md = doc.markdown
    assert md.startswith(f"# {src['title']}")
    for heading in src["headings"]:
        assert re.search(rf"^#+ {re.escape(heading)}$", md, flags=re.M), heading


def test_scanned_table_rebuilt_from_ocr(parsed, sources):
    table = sources["scanned.pdf"]["tables"][0]
    found = tables_in(parsed("scanned.pdf").markdown)
    assert found and found[0] == [table["header"], *table["rows"]]


def test_photo_of_a_page_is_read(parsed, sources):
    src = sources["photo.jpg"]
    doc = parsed("photo.jpg")
    assert src["heading"] in doc.markdown
    reference = plain(" ".join(src["paragraphs"]))
    assert _cer(reference, _body_text(doc)) < 0.05


def test_scan_skewed_by_three_more_degrees_is_straightened_and_its_table_read(parser, sources, tmp_path):
    import cv2
    from PIL import Image

    from ocrvl.deskew import skew_angle
    from ocrvl.documents import iter_pages
    from tests.conftest import SAMPLES

    image = next(iter_pages(SAMPLES / "scanned.pdf")).image
    h, w = image.shape[:2]
    rotation = cv2.getRotationMatrix2D((w / 2, h / 2), 3.0, 1.0)
    skewed = cv2.warpAffine(image, rotation, (w, h), borderValue=(255, 255, 255))
    Image.fromarray(skewed).save(tmp_path / "skewed.png")

    (page,) = parser.predict(tmp_path / "skewed.png")
    expected = 3.0 + skew_angle(image)  # the sample scan is itself a little skewed
    assert abs(page.page.model_settings["deskew_angle"] - expected) <= 0.2
    table = sources["scanned.pdf"]["tables"][0]
    assert tables_in(page.page_markdown)[0] == [table["header"], *table["rows"]]


_SHIFTED_CMAP = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CMapName /Shifted-UCS def
/CMapType 2 def
1 begincodespacerange
<00><FF>
endcodespacerange
2 beginbfrange
<20><20><0020>
<21><7e><00a1>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


def test_a_line_in_a_font_whose_map_gives_the_wrong_letters_is_read_off_the_page(parser, tmp_path):
    """One font's ToUnicode map reads every code as another character (its text layer says "Åîèáîãå..."): that
    line is read off the page image; the lines in a sound font keep their text-layer words."""
    sound = [
        "Our consultants help you tune queries, plan capacity and",
        "keep your data safe, on site or remotely, for as long as",
        "you need them. Their first visit is free of charge.",
    ]
    broken = "Enhance the performance of your database operations"
    doc = pymupdf.open()
    page = doc.new_page(width=500, height=400)
    for k, line in enumerate(sound):
        page.insert_text((40, 120 + 16 * k), line, fontsize=12, fontname="tiro")
    page.insert_text((40, 190), broken, fontsize=12, fontname="helv")
    helvetica = next(xref for xref, *_, name, _ in page.get_fonts() if name == "helv")
    cmap = doc.get_new_xref()
    doc.update_object(cmap, "<<>>")
    doc.update_stream(cmap, _SHIFTED_CMAP)
    doc.xref_set_key(helvetica, "ToUnicode", f"{cmap} 0 R")
    doc.save(tmp_path / "garbled.pdf")

    (result,) = parser.predict(tmp_path / "garbled.pdf")
    text = plain(result.page_markdown)
    assert plain(" ".join(sound)) in text
    line = next(line for line in result.page_markdown.splitlines() if "Enhance" in line or "database" in line)
    assert _cer(broken, plain(line)) < 0.1
    assert not any("\u00c0" <= c <= "\u017f" for c in text)
