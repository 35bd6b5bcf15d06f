"""A PaddleOCR-VL user's own code, run against ``from ocrvl import PaddleOCRVL``: the calls and keyword arguments
PaddleOCR 3.x documents for its PaddleOCR-VL pipeline, and the files and values they give there."""

from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from ocrvl import OptionsError, PaddleOCRVL
from ocrvl.cli import main
from ocrvl.inference import RecognitionRequest
from ocrvl.request_defaults import RequestDefaults
from ocrvl.results import PageOutput
from ocrvl.types import Block, PageResult, Region
from tests.conftest import SAMPLES, tables_in


@pytest.fixture(scope="module")
def pipeline() -> PaddleOCRVL:
    """As PaddleOCR's docs create it, with ocrvl's lite engine (no weights here)."""
    return PaddleOCRVL(engine="lite", use_doc_orientation_classify=False, use_doc_unwarping=False)


@pytest.fixture(scope="module")
def two_pages(pipeline) -> list[PageOutput]:
    return pipeline.predict(str(SAMPLES / "table_two_pages.pdf"))


def _page(blocks: list[Block], width: int = 200, name: str = "report.pdf") -> PageResult:
    return PageResult(Path(name), 0, 1, width, 300, [b.region for b in blocks], blocks, {"engine": "vl"})


def _block(label: str, content: str, bbox=(10.0, 20.0, 110.0, 220.0), image: bool = False, block_id: int = 0):
    crop = np.full((8, 8, 3), 200, np.uint8) if image else None
    return Block(Region(bbox, label, 0.9), content, block_id=block_id, group_id=block_id, image=crop)


def test_documented_usage_writes_paddleocr_vl_files(pipeline, tmp_path):
    output = pipeline.predict(str(SAMPLES / "born_digital.pdf"))
    for res in output:
        res.print()
        res.save_to_json(save_path=str(tmp_path))
        res.save_to_markdown(save_path=str(tmp_path))
        res.save_to_img(save_path=str(tmp_path))
    res = output[0]
    written = json.loads((tmp_path / "born_digital_0_res.json").read_text(encoding="utf-8"))
    assert written == res.json["res"]
    assert written["input_path"] == str(SAMPLES / "born_digital.pdf") and written["page_index"] == 0
    assert (tmp_path / "born_digital_0.md").read_text(encoding="utf-8").startswith("# Compact Neural Models")
    assert Image.open(tmp_path / "born_digital_0_layout_det_res.png").size == (res["width"], res["height"])


def test_result_is_a_dict_of_paddleocr_vl_keys(pipeline):
    res = pipeline.predict(str(SAMPLES / "born_digital.pdf"))[0]
    assert list(res) == ["input_path", "page_index", "page_count", "width", "height", "model_settings",
                         "parsing_res_list", "layout_det_res"]  # fmt: skip
    first = res["parsing_res_list"][0]
    assert (first.label, first["block_label"]) == ("doc_title", "doc_title")
    assert first.content.startswith("Compact Neural Models") and first.bbox == first["block_bbox"]
    assert [b["block_id"] for b in res["parsing_res_list"]] == list(range(len(res["parsing_res_list"])))
    assert [b["group_id"] for b in res["parsing_res_list"]] == list(range(len(res["parsing_res_list"])))
    assert set(res.json) == {"res"} and res.json["res"]["parsing_res_list"][0]["block_label"] == "doc_title"
    settings = res["model_settings"]
    assert settings["use_layout_detection"] and not settings["use_doc_preprocessor"]
    assert settings["engine"] == "lite", "ocrvl's own settings stay, after PaddleOCR-VL's"
    assert res["layout_det_res"]["input_path"] is None and res["layout_det_res"]["boxes"]


def test_a_single_image_has_no_page_index_and_its_files_no_page_number(pipeline, tmp_path):
    (res,) = pipeline.predict(str(SAMPLES / "photo.jpg"))
    assert res["page_index"] is None and res["page_count"] is None
    res.save_all(str(tmp_path))
    assert {"photo_res.json", "photo.md", "photo_layout_det_res.png"} <= {p.name for p in tmp_path.iterdir()}


def test_print_takes_paddleocr_vl_arguments(pipeline, capsys):
    res = pipeline.predict(str(SAMPLES / "born_digital.pdf"))[0]
    res.print(json_format=True, indent=2, ensure_ascii=True)
    printed = capsys.readouterr().out
    assert json.loads(printed) == res.json and printed.isascii() and '\n  "res": {' in printed


def test_markdown_dict_and_concatenation(pipeline, two_pages):
    markdown_list = [res.markdown for res in two_pages]
    assert all(set(m) >= {"markdown_texts", "markdown_images", "page_index", "input_path"} for m in markdown_list)
    assert markdown_list[0]["markdown_texts"].startswith("# Annual Rainfall in Selected Cities")
    text = pipeline.concatenate_markdown_pages(markdown_list)
    assert text == markdown_list[0]["markdown_texts"] + "\n\n" + markdown_list[1]["markdown_texts"]
    assert len(tables_in(text)) == 2, "each page keeps its own part of the table"


def test_tables_save_as_html_and_xlsx(two_pages, tmp_path):
    res = two_pages[0]
    (html_file,) = res.save_to_html(str(tmp_path))
    (xlsx_file,) = res.save_to_xlsx(str(tmp_path))
    assert html_file.name == "table_two_pages_0_table_3.html" and xlsx_file.name == "table_two_pages_0_table_3.xlsx"
    assert tables_in(html_file.read_text(encoding="utf-8"))[0][1] == ["Argentina", "Cordoba", "2016", "812"]
    with zipfile.ZipFile(xlsx_file) as workbook:
        sheet = workbook.read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="B2" t="inlineStr"><is><t xml:space="preserve">Cordoba</t>' in sheet


def test_spans_become_merged_cells():
    from ocrvl.postprocess.tables import table_grid

    cells, merged = table_grid("<table><tr><td colspan=2>Head</td></tr><tr><td rowspan=2>a</td><td>b</td></tr>"
                               "<tr><td>c</td></tr></table>")  # fmt: skip
    assert cells == [(0, 0, "Head"), (1, 0, "a"), (1, 1, "b"), (2, 1, "c")]
    assert merged == [(0, 0, 0, 1), (1, 0, 2, 0)]


def test_markdown_names_and_embeds_pictures_as_paddleocr_vl(tmp_path):
    res = PageOutput(_page([_block("image", "", image=True), _block("figure_title", "Figure 1:\nA cat", block_id=1)]))
    pretty = res.markdown["markdown_texts"]
    assert pretty == ('<div style="text-align: center;"><img src="imgs/img_in_image_box_10_20_110_220.jpg" alt="Image" '
                      'width="50%" /></div>\n\n\n<div style="text-align: center;">Figure 1: A cat</div>\n')  # fmt: skip
    plain = res.to_markdown(pretty=False)["markdown_texts"]
    assert plain == "![](imgs/img_in_image_box_10_20_110_220.jpg)\n\nFigure 1:\nA cat"
    path = res.save_to_markdown(str(tmp_path))
    assert path.name == "report_0.md"
    assert Image.open(tmp_path / "imgs" / "img_in_image_box_10_20_110_220.jpg").size == (8, 8)
    assert res["parsing_res_list"][0].image["path"] == "imgs/img_in_image_box_10_20_110_220.jpg"


def test_formula_numbers_only_when_asked(tmp_path):
    res = PageOutput(_page([_block("display_formula", "$$E = mc^2$$"), _block("formula_number", "(1)", block_id=1)]))
    assert res.markdown["markdown_texts"] == "$$E = mc^2$$"
    res.save_to_markdown(str(tmp_path / "numbered.md"), show_formula_number=True)
    assert (tmp_path / "numbered.md").read_text(encoding="utf-8") == "$$E = mc^2 \\tag*{(1)}$$"


def test_restructure_pages_merges_tables_and_numbers_blocks_across_pages(pipeline, two_pages):
    merged = pipeline.restructure_pages(two_pages)
    assert len(merged) == 2
    rows = [len(tables_in(res.markdown["markdown_texts"])[0]) for res in (merged[0], two_pages[0])]
    assert rows[0] > rows[1], "page 2's rows joined the table on page 1"
    assert merged[1]["parsing_res_list"][0]["block_content"] == ""
    ids = [b["global_block_id"] for res in merged for b in res["parsing_res_list"]]
    assert ids == list(range(len(ids)))
    kept = pipeline.restructure_pages(two_pages, merge_tables=False)
    assert kept[0].markdown["markdown_texts"] == two_pages[0].markdown["markdown_texts"]
    assert two_pages[1]["parsing_res_list"][0]["block_content"], "the pages given are left as they were"


def test_restructure_pages_relevels_titles_over_the_document(pipeline):
    page = _page([_block("doc_title", "Release notes"), _block("paragraph_title", "Version 2.0 changes", block_id=1)])
    own = PageOutput(page)
    assert own.markdown["markdown_texts"].endswith("### Version 2.0 changes"), "PaddleOCR-VL's rule: one dot, ###"
    (levelled,) = pipeline.restructure_pages([own], relevel_titles=True)
    (alone,) = pipeline.restructure_pages([own], relevel_titles=False)
    assert levelled.markdown["markdown_texts"].endswith("\n## Version 2.0 changes")
    assert alone.markdown["markdown_texts"] == own.markdown["markdown_texts"]


def test_restructure_pages_concatenates_pages_into_one_result(pipeline, two_pages, tmp_path):
    (whole,) = pipeline.restructure_pages(two_pages, concatenate_pages=True)
    assert whole["page_index"] is None and whole["page_count"] == 2
    assert len(whole["layout_det_res"]) == 2
    assert len(whole["parsing_res_list"]) == sum(len(res["parsing_res_list"]) for res in two_pages)
    assert len(tables_in(whole.markdown["markdown_texts"])) == 1, "the table continued on page 2 is one"
    assert [p.name for p in whole.save_all(str(tmp_path))] == ["table_two_pages_res.json", "table_two_pages.md"]


def test_predict_takes_per_call_options(pipeline, two_pages):
    strict = pipeline.predict(str(SAMPLES / "table_two_pages.pdf"), layout_threshold=0.99, format_block_content=True)
    boxes = len(two_pages[0]["layout_det_res"]["boxes"])
    assert len(strict[0]["layout_det_res"]["boxes"]) < boxes, "few regions are that sure at 0.99"
    assert strict[0]["model_settings"]["format_block_content"]
    again = pipeline.predict(str(SAMPLES / "table_two_pages.pdf"))
    assert again[0].json == two_pages[0].json, "a call's options are that call's only"
    with pytest.raises(OptionsError, match="temperature=0.7: sampling is not built"):
        pipeline.predict(str(SAMPLES / "photo.jpg"), temperature=0.7)
    with pytest.raises(OptionsError, match="predict\\(\\) cannot change device"):
        pipeline.predict(str(SAMPLES / "photo.jpg"), device="cpu")
    with pytest.raises(OptionsError, match="use_layout_detection=False reads each page whole"):
        pipeline.predict(str(SAMPLES / "photo.jpg"), use_layout_detection=False)
    pipeline.predict(str(SAMPLES / "photo.jpg"), temperature=0.0, top_p=1.0, repetition_penalty=1.0, use_queues=True)


def test_format_block_content_writes_each_block_as_markdown(pipeline):
    res = pipeline.predict(str(SAMPLES / "table_two_pages.pdf"), format_block_content=True)[0]
    blocks = {b.label: b.content for b in res["parsing_res_list"]}
    assert blocks["doc_title"] == "# Annual Rainfall in Selected Cities"
    assert blocks["table"].startswith("\n<table border=1 style='margin: auto; word-wrap: break-word;'>")


def test_numpy_arrays_in_bgr_as_paddleocr_takes_them(pipeline, tmp_path):
    rgb = np.asarray(Image.open(SAMPLES / "photo.jpg").convert("RGB"))
    Image.fromarray(rgb).save(tmp_path / "photo.png")
    (from_file,) = pipeline.predict(str(tmp_path / "photo.png"))
    from_array, grey = pipeline.predict([rgb[:, :, ::-1].copy(), rgb[:, :, 1].copy()])
    assert from_array["parsing_res_list"] == from_file["parsing_res_list"]
    assert from_array["input_path"] is None and from_array["page_index"] is None
    assert grey["parsing_res_list"], "a grey image is read too"
    json_file = from_array.save_to_json(str(tmp_path))
    assert json_file.name.endswith("_res.json") and json_file.name.split("_")[0].isdigit()


def test_constructor_takes_paddleocr_vl_arguments(caplog):
    with caplog.at_level(logging.INFO, logger="ocrvl"):
        parser = PaddleOCRVL(engine="lite", device="gpu:0", vl_rec_backend="native", cpu_threads=3, precision="fp16",
                             pipeline_version="v1.6", vl_rec_model_name="PaddleOCR-VL-1.5-0.9B", enable_mkldnn=True,
                             layout_detection_model_name="PP-DocLayoutV3", use_queues=True,
                             use_ocr_for_image_block=False, format_block_content=False)  # fmt: skip
        PaddleOCRVL(engine="lite", enable_mkldnn=False)
    inference = parser.options.inference
    assert (inference.device, inference.threads, inference.precision) == ("cuda:0", 3, "auto")
    assert parser.options.vl_rec_backend == "local" and parser.options.pipeline_version == "v1.6"
    notes = [r.getMessage() for r in caplog.records if "accepted and not used by ocrvl" in r.getMessage()]
    assert sum(n.startswith("enable_mkldnn:") for n in notes) == 1, "one note per argument"
    assert any(n.startswith("vl_rec_model_name:") for n in notes)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"use_doc_unwarping": True}, "use_doc_unwarping=True asks for document unwarping"),
        ({"device": "npu:0"}, "cpu and cuda devices only"),
        ({"device": "gpu:0,1"}, "several GPUs"),
        ({"vl_rec_backend": "mlx-vlm-server"}, "mlx-vlm-server"),
    ],
)
def test_a_feature_ocrvl_lacks_is_refused_by_name(arguments, message):
    with pytest.raises(OptionsError, match=message):
        PaddleOCRVL(engine="lite", **arguments)


def test_request_defaults_give_requests_the_calls_token_limit():
    seen = []

    class Recording:
        def submit(self, request):
            seen.append(request)

        def close(self):
            seen.append("closed")

    recognizer = RequestDefaults(Recording(), max_new_tokens=7)
    recognizer.submit(RecognitionRequest(np.zeros((4, 4, 3), np.uint8), "OCR:"))
    recognizer.submit(RecognitionRequest(np.zeros((4, 4, 3), np.uint8), "OCR:", max_new_tokens=3))
    recognizer.close()
    assert [r.max_new_tokens for r in seen] == [7, 3], "a request's own limit wins; the recognizer stays open"


def test_doc_parser_takes_paddleocrs_flags_and_writes_its_files(tmp_path):
    result = CliRunner().invoke(main, [
        "doc_parser", "-i", str(SAMPLES / "table_two_pages.pdf"), "--save_path", str(tmp_path / "out"),
        "--use_chart_recognition", "True", "--layout_nms", "false", "--markdown_ignore_labels", "header", "footer",
        "--device", "cpu", "--cpu_threads", "2", "--enable_mkldnn", "True", "--temperature", "0", "--ocrvl_engine",
        "lite",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.count("{'res': {'input_path': ") == 2, "each page's result is printed"
    names = {p.name for p in (tmp_path / "out").iterdir()}
    for page in (0, 1):
        assert {f"table_two_pages_{page}_res.json", f"table_two_pages_{page}.md",
                f"table_two_pages_{page}_layout_det_res.png"} <= names  # fmt: skip
    assert {"table_two_pages_0_table_3.html", "table_two_pages_0_table_3.xlsx"} <= names
    page = json.loads((tmp_path / "out" / "table_two_pages_1_res.json").read_text(encoding="utf-8"))
    assert page["page_index"] == 1 and page["model_settings"]["markdown_ignore_labels"] == ["header", "footer"]
    first = json.loads((tmp_path / "out" / "table_two_pages_0_res.json").read_text(encoding="utf-8"))
    assert {"block_label": "footer", "block_content": "Page 1"}.items() <= first["parsing_res_list"][-1].items()
    markdown = (tmp_path / "out" / "table_two_pages_0.md").read_text(encoding="utf-8")
    assert "Page 1" not in markdown, "the footer is left out of the Markdown, as asked"


def test_doc_parser_names_a_feature_it_lacks():
    result = CliRunner().invoke(main, ["doc_parser", "-i", str(SAMPLES / "photo.jpg"), "--use_doc_unwarping", "True",
                                       "--ocrvl_engine", "lite"])  # fmt: skip
    assert result.exit_code == 1
    assert "use_doc_unwarping=True asks for document unwarping" in result.output


def test_use_ocr_for_image_block_reads_the_text_inside_pictures(pipeline):
    from PIL import ImageDraw, ImageFont

    from ocrvl.picture_text import read_pictures

    picture = Image.new("RGB", (520, 120), "white")
    ImageDraw.Draw(picture).text((20, 30), "Quarterly Revenue 2024", fill="black", font=ImageFont.load_default(40))
    block = Block(Region((0.0, 0.0, 520.0, 120.0), "image", 0.9), "", image=np.asarray(picture))
    page = PageResult(Path("poster.png"), 0, 1, 1040, 400, [block.region], [block], {"engine": "lite"})
    read = read_pictures(page, pipeline.pipeline.engine)
    assert read.blocks[0].content == "Quarterly Revenue 2024" and page.blocks[0].content == ""
    markdown = PageOutput(read, paddle_settings={"use_ocr_for_image_block": True}).markdown["markdown_texts"]
    assert markdown == ('<div style="text-align: center;"><img src="imgs/img_in_image_box_0_0_520_120.jpg" alt="Image" '
                        'width="50%" />\n\nQuarterly Revenue 2024\n\n</div>\n')  # fmt: skip
    (res,) = pipeline.predict(str(SAMPLES / "photo.jpg"), use_ocr_for_image_block=True)
    assert res["model_settings"]["use_ocr_for_image_block"] is True


def test_use_ocr_for_image_block_asks_the_vl_recognizer_with_the_ocr_prompt():
    from concurrent.futures import Future

    from ocrvl.inference import RecognitionResult
    from ocrvl.picture_text import read_pictures
    from ocrvl.recognition.vl.routing import RoutingOptions

    asked = []

    class Recognizer:
        def submit(self, request):
            asked.append(request)
            done = Future()
            done.set_result(RecognitionResult(request.id, "Total \\(x\\)", [], "stop"))
            return done

    class Engine:
        routing = RoutingOptions(min_pixels=1000, max_pixels=50_000)
        recognizer = Recognizer()

    blocks = [_block("image", "", image=True), _block("text", "kept", block_id=1)]
    read = read_pictures(_page(blocks), Engine())
    assert [b.content for b in read.blocks] == ["Total $x$", "kept"]
    assert [(r.prompt, r.min_pixels, r.max_pixels) for r in asked] == [("OCR:", 1000, 50_000)]


def test_restructure_pages_takes_results_saved_as_json(pipeline, two_pages, tmp_path):
    saved = [json.loads(res.save_to_json(str(tmp_path)).read_text(encoding="utf-8")) for res in two_pages]
    from_json = pipeline.restructure_pages([{"res": saved[0]}, saved[1]])
    from_results = pipeline.restructure_pages(two_pages)
    assert [r.json for r in from_json] == [r.json for r in from_results]
    assert [r.markdown["markdown_texts"] for r in from_json] == [r.markdown["markdown_texts"] for r in from_results]
    with pytest.raises(OptionsError, match="restructure_pages takes the results predict\\(\\) returned"):
        pipeline.restructure_pages(["table_two_pages_0_res.json"])


def test_a_read_chart_is_paddleocr_vls_html_table_in_the_markdown():
    chart = _block("chart", "| Year | Sales |\n| --- | --- |\n| 2023 | 12 |")
    markdown = PageOutput(_page([chart]), paddle_settings={"use_chart_recognition": True}).markdown["markdown_texts"]
    centred = "<{0} style='text-align: center;'>{1}</{0}>"
    assert markdown == ("<table border=1 style='margin: auto; width: max-content;'>\n"
                        f"  <thead><tr>{centred.format('th', 'Year')}{centred.format('th', 'Sales')}</tr></thead>\n"
                        f"  <tbody>\n    <tr>{centred.format('td', '2023')}{centred.format('td', '12')}</tr>\n"
                        "  </tbody>\n</table>")  # fmt: skip
