"""``pipeline_version``: each official release's defaults (checked against PaddleX's own configs where PaddleX is
installed), which release ``auto`` follows, and options the user sets winning over a release's defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocrvl.errors import OptionsError
from ocrvl.layout.ppdoclayout.box_rules import LAYOUT_LABELS, LayoutBoxOptions
from ocrvl.options import PipelineOptions
from ocrvl.recognition.vl.routing import RoutingOptions
from ocrvl.releases import RELEASES, recognizer_release, resolve_release

ROOT = Path(__file__).resolve().parents[2]
PADDLEX_CONFIGS = sorted(ROOT.glob(".venv-parity/lib/python*/site-packages/paddlex/configs/pipelines"))
CONFIG_OF = {"v1": "PaddleOCR-VL.yaml", "v1.5": "PaddleOCR-VL-1.5.yaml", "v1.6": "PaddleOCR-VL-1.6.yaml"}


@pytest.mark.skipif(not PADDLEX_CONFIGS, reason="PaddleX is not installed (the parity venv, tests/parity/run.sh)")
@pytest.mark.parametrize("version", list(CONFIG_OF))
def test_each_release_has_the_defaults_of_its_official_config(version):
    import yaml

    config = yaml.safe_load((PADDLEX_CONFIGS[0] / CONFIG_OF[version]).read_text(encoding="utf-8"))
    release = RELEASES[version]
    layout, recognizer = config["SubModules"]["LayoutDetection"], config["SubModules"]["VLRecognition"]
    assert release.pipeline_name == config["pipeline_name"]
    assert release.layout_model == layout["model_name"]
    assert release.recognizer_model == recognizer["model_name"]
    threshold = layout["threshold"]
    expected = {LAYOUT_LABELS[k]: v for k, v in threshold.items()} if isinstance(threshold, dict) else threshold
    assert release.layout_threshold == expected
    assert release.layout_nms == layout["layout_nms"]
    assert list(release.layout_unclip_ratio) == layout["layout_unclip_ratio"]
    modes = layout["layout_merge_bboxes_mode"]
    assert release.layout_merge_bboxes_mode == {LAYOUT_LABELS[k]: v for k, v in modes.items()}
    assert release.use_chart_recognition == config["use_chart_recognition"]
    assert release.use_seal_recognition == config.get("use_seal_recognition", False)
    assert release.merge_layout_blocks == config["merge_layout_blocks"]
    assert list(release.markdown_ignore_labels) == config["markdown_ignore_labels"]


def test_the_first_release_gives_exactly_the_box_rules_and_limits_of_before():
    options = PipelineOptions()
    assert options.layout_box_options(RELEASES["v1"]) == LayoutBoxOptions()
    assert options.routing_options(RELEASES["v1"]).limits("table") == RoutingOptions().limits("table")


def test_releases_1_5_and_1_6_run_a_flat_threshold_of_0_3():
    for version in ("v1.5", "v1.6"):
        box = PipelineOptions().layout_box_options(RELEASES[version])
        assert box.threshold == 0.3 and box.min_threshold == 0.3
        assert box.layout_shape_mode == "auto"
        assert box.merge_bboxes_mode == LayoutBoxOptions().merge_bboxes_mode


def test_options_the_user_sets_win_over_the_release():
    options = PipelineOptions(layout_threshold={"table": 0.7}, layout_shape_mode="quad", max_pixels=2_000_000,
                              layout_merge_bboxes_mode="small")  # fmt: skip
    box = options.layout_box_options(RELEASES["v1.5"])
    assert box.threshold == {"table": 0.7} and box.layout_shape_mode == "quad" and box.merge_bboxes_mode == "small"
    assert options.routing_options(RELEASES["v1.5"]).limits("ocr")[1] == 2_000_000


def test_unknown_pipeline_version_is_refused_with_the_choices():
    with pytest.raises(OptionsError, match="unknown pipeline_version 'v2'.*v1.5"):
        PipelineOptions(pipeline_version="v2")


def test_auto_follows_the_layout_model_then_the_recognizer_name(tmp_path):
    v16 = tmp_path / "hub" / "models--PaddlePaddle--PaddleOCR-VL-1.6" / "snapshots" / "abc"
    plain = tmp_path / "weights"
    for folder in (v16, plain):
        folder.mkdir(parents=True)
    assert resolve_release("auto", "PP-DocLayoutV2", v16).version == "v1"  # a V2 layout model is the first release
    assert resolve_release("auto", "PP-DocLayoutV3", v16).version == "v1.6"
    assert resolve_release("auto", "PP-DocLayoutV3", plain).version == "v1.5"  # nothing names one: 1.5's defaults
    config = '{"model_type": "paddleocr_vl", "_name_or_path": "PaddlePaddle/PaddleOCR-VL-1.6"}'
    (plain / "config.json").write_text(config)
    assert recognizer_release(plain).version == "v1.6"
    assert resolve_release("v1.5", "PP-DocLayoutV2", v16).version == "v1.5"  # asked for: that one
