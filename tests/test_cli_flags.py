"""The flags of `ocrvl parse`, `recognize` and `serve` are made from the option fields: every field is reachable
(or marked API-only), the spellings scripts use do not change, and each flag lands in its own field."""

from __future__ import annotations

import dataclasses
import functools

import pytest
from click.testing import CliRunner

import ocrvl.serve
from ocrvl import cli
from ocrvl.batch import BatchReport
from ocrvl.errors import OcrvlError
from ocrvl.flags import CLI, ApiOnly, Flag, Nested, flag_fields, markdown_table
from ocrvl.inference import InferenceEngine, InferenceOptions
from ocrvl.options import PipelineOptions
from ocrvl.serve.options import ServeOptions

API_ONLY = {
    PipelineOptions: {"pixel_limits", "markdown_ignore_labels"},
    InferenceOptions: set(),
    ServeOptions: {"max_queued_jobs", "job_ttl_seconds", "shutdown_grace_seconds"},
}

# Every PipelineOptions flag away from its default, spelled as scripts spell it today.
PARSE_ARGS = [
    "--engine", "lite", "--pipeline-version", "v1.5", "--layout-shape-mode", "poly", "--no-layout-detection",
    "--prompt-label", "seal",
    "--pages", "2-3", "--password", "pw", "--dpi", "200", "--max-image-pixels", "5000000",
    "--layout-threshold", "0.3", "--no-layout-nms", "--layout-unclip-ratio", "1.2",
    "--layout-merge-bboxes-mode", "small", "--no-merge-layout-blocks", "--no-text-layer", "--no-deskew",
    "--ocr-model", "pp-ocrv6-tiny", "--use-doc-orientation-classify",
    "--use-chart-recognition", "--use-seal-recognition", "--min-pixels", "1000", "--max-pixels", "2000000",
    "--layout-model-dir", "layout", "--model-dir", "rec/", "--vl-rec-backend", "vllm-server",
    "--vl-rec-server-url", "http://127.0.0.1:9/v1", "--vl-rec-max-concurrency", "5", "--vl-rec-api-key", "key",
    "--vl-rec-api-model-name", "served", "--no-merge-tables", "--no-relevel-titles", "--no-join-paragraphs",
    "--device", "cpu", "--precision", "fp32", "--threads", "3", "--batch-size", "4", "--max-batch-patches", "4096",
    "--max-new-tokens", "256", "--no-repetition-guard",
]  # fmt: skip
PARSE_EXPECTED = PipelineOptions(
    engine="lite", pipeline_version="v1.5", layout_shape_mode="poly", use_layout_detection=False, prompt_label="seal",
    pages="2-3", password="pw", dpi=200.0, max_image_pixels=5_000_000, layout_threshold=0.3,
    layout_nms=False, layout_unclip_ratio=1.2, layout_merge_bboxes_mode="small", merge_layout_blocks=False,
    use_text_layer=False, deskew=False, ocr_model="pp-ocrv6-tiny", use_doc_orientation_classify=True,
    use_chart_recognition=True, use_seal_recognition=True, min_pixels=1000,
    max_pixels=2_000_000, layout_detection_model_dir="layout", vl_rec_model_dir="rec", vl_rec_backend="vllm-server",
    vl_rec_server_url="http://127.0.0.1:9/v1", vl_rec_max_concurrency=5, vl_rec_api_key="key",
    vl_rec_api_model_name="served", merge_tables=False, relevel_titles=False, join_paragraphs=False,
    inference=InferenceOptions(device="cpu", precision="fp32", threads=3, max_batch_size=4, max_batch_patches=4096,
                               max_new_tokens=256, repetition=None),
)  # fmt: skip


def parsed_options(monkeypatch, tmp_path, args: list[str], **env: str) -> PipelineOptions:
    """The PipelineOptions `ocrvl parse` builds from ``args`` (the parse itself is left out)."""
    seen = []

    def record(inputs, out_dir, options, batch_options, quiet) -> BatchReport:
        seen.append(options)
        return BatchReport()

    monkeypatch.setattr(cli, "_parse", record)
    result = CliRunner(env=env).invoke(cli.main, ["parse", str(tmp_path), "-o", str(tmp_path / "out"), *args])
    assert result.exit_code == 0, result.output
    return seen[0]


def at(options: object, path: tuple[str, ...]) -> object:
    return functools.reduce(getattr, path, options)


@pytest.mark.parametrize("cls", list(API_ONLY))
def test_every_option_field_is_a_flag_or_marked_api_only(cls):
    kinds = {f.name: type(f.metadata.get(CLI)) for f in dataclasses.fields(cls)}
    assert {name for name, kind in kinds.items() if kind not in (Flag, ApiOnly, Nested)} == set()
    assert {name for name, kind in kinds.items() if kind is ApiOnly} == API_ONLY[cls]


@pytest.mark.parametrize(
    ("command", "classes"),
    [("parse", [PipelineOptions]), ("recognize", [InferenceOptions]), ("serve", [ServeOptions, InferenceOptions])],
)
def test_each_command_offers_the_flags_of_its_options_once(command, classes):
    params = cli.main.commands[command].params
    offered = {opt for param in params for opt in param.opts}
    for cls in classes:
        assert {f.option for f in flag_fields(cls)} <= offered
    names = [param.name for param in params]
    assert len(names) == len(set(names)), "two flags hand their value back under one name"


def test_parse_maps_every_flag_onto_its_field(monkeypatch, tmp_path):
    assert parsed_options(monkeypatch, tmp_path, PARSE_ARGS) == PARSE_EXPECTED
    defaults = PipelineOptions()
    untouched = [f.option for f in flag_fields(PipelineOptions) if at(PARSE_EXPECTED, f.path) == at(defaults, f.path)]
    assert untouched == [], "a flag of PipelineOptions is not exercised by PARSE_ARGS"


def test_parse_without_flags_gives_the_default_options_and_reads_the_api_key_from_the_environment(
    monkeypatch, tmp_path
):
    assert parsed_options(monkeypatch, tmp_path, []) == PipelineOptions()
    from_env = parsed_options(monkeypatch, tmp_path, [], OCRVL_API_KEY="secret")
    assert from_env == PipelineOptions(vl_rec_api_key="secret")


def test_recognize_and_serve_build_their_options_from_the_same_flags(monkeypatch, tmp_path):
    seen = {}

    def from_dir(model_dir, options):
        seen["recognize"] = options
        raise OcrvlError("stop here")

    monkeypatch.setattr(InferenceEngine, "from_dir", staticmethod(from_dir))
    monkeypatch.setattr(ocrvl.serve, "run_server", lambda served, pipeline: seen.update(serve=(served, pipeline)))
    runner = CliRunner()
    runner.invoke(cli.main, ["recognize", str(tmp_path), "--batch-size", "2", "--no-repetition-guard"])
    assert seen["recognize"] == InferenceOptions(max_batch_size=2, repetition=None)
    args = ["serve", "--port", "0", "--max-upload-mb", "1.5", "--model-name", "m", "--engine", "lite",
            "--model-dir", "rec", "--threads", "2"]  # fmt: skip
    result = runner.invoke(cli.main, args, env={"OCRVL_API_KEY": "k"})
    assert result.exit_code == 0, result.output
    assert seen["serve"] == (
        ServeOptions(port=0, max_upload_bytes=int(1.5 * 1024 * 1024), model_name="m", api_key="k"),
        PipelineOptions(engine="lite", vl_rec_model_dir="rec", inference=InferenceOptions(threads=2)),
    )


@pytest.mark.parametrize("cls", list(API_ONLY))
def test_the_option_tables_for_the_readme_list_every_field_with_its_flag(cls):
    table = markdown_table(cls).splitlines()
    assert len(table) == 2 + len(dataclasses.fields(cls))
    for field, row in zip(dataclasses.fields(cls), table[2:]):
        assert row.startswith(f"| `{field.name}`")
    for flagged in flag_fields(cls):
        if len(flagged.path) == 1:
            assert f"`{flagged.path[0]}` / `{flagged.option}`" in markdown_table(cls)
