"""``ocrvl doc_parser``: PaddleOCR's ``paddleocr doc_parser`` command, with its flag names and value style
(``--use_chart_recognition True``), run by ocrvl. Each page's result is printed and, with ``--save_path``, saved
as PaddleOCR-VL saves it (``{stem}_res.json``, ``{stem}.md`` with ``imgs/``, ``{stem}_layout_det_res.png``, tables
as HTML and XLSX).

``ocrvl parse`` is ocrvl's own command (one folder per document, whole-document Markdown and JSON, resuming).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from ocrvl.errors import OcrvlError
from ocrvl.log import configure
from ocrvl.paddle_compat import PADDLE_ENGINES, translate
from ocrvl.releases import PIPELINE_VERSIONS

_BACKENDS = ("native", "vllm-server", "sglang-server", "fastdeploy-server", "mlx-vlm-server", "llama-cpp-server")
# What PaddleOCR's doc_parser hands to predict() rather than to the pipeline's constructor.
_PREDICT_ONLY = ("layout_shape_mode", "prompt_label", "repetition_penalty", "temperature", "top_p")


class PaddleBool(click.ParamType):
    """A switch written as PaddleOCR's CLI reads one: true, yes, t, y or 1 (any case) is True, anything else False."""

    name = "bool"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> bool:
        return value if isinstance(value, bool) else str(value).lower() in ("true", "yes", "t", "y", "1")


BOOL = PaddleBool()

# PaddleOCR doc_parser's flags (its own and the common inference ones), each with its value type.
_FLAGS: dict[str, Any] = {
    "layout_detection_model_name": str, "layout_detection_model_dir": str, "layout_threshold": float,
    "layout_nms": BOOL, "layout_unclip_ratio": float, "layout_merge_bboxes_mode": str,
    "vl_rec_model_name": str, "vl_rec_model_dir": str, "vl_rec_backend": click.Choice(_BACKENDS),
    "vl_rec_server_url": str, "vl_rec_max_concurrency": int, "vl_rec_api_model_name": str, "vl_rec_api_key": str,
    "doc_orientation_classify_model_name": str, "doc_orientation_classify_model_dir": str,
    "doc_unwarping_model_name": str, "doc_unwarping_model_dir": str,
    "use_doc_orientation_classify": BOOL, "use_doc_unwarping": BOOL, "use_layout_detection": BOOL,
    "use_chart_recognition": BOOL, "use_seal_recognition": BOOL, "use_ocr_for_image_block": BOOL,
    "format_block_content": BOOL, "merge_layout_blocks": BOOL, "use_queues": BOOL,
    "layout_shape_mode": str, "prompt_label": str, "repetition_penalty": float, "temperature": float,
    "top_p": float, "min_pixels": int, "max_pixels": int, "max_new_tokens": int,
    "device": str, "engine": click.Choice(sorted(PADDLE_ENGINES)), "enable_hpi": BOOL, "use_tensorrt": BOOL,
    "precision": click.Choice(["fp32", "fp16"]), "enable_mkldnn": BOOL, "mkldnn_cache_capacity": int,
    "cpu_threads": int, "enable_cinn": BOOL,
}  # fmt: skip


class DocParserCommand(click.Command):
    """Reads ``--markdown_ignore_labels header footer`` as PaddleOCR's argparse does (every value up to the next
    flag), by repeating the flag before each value."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        spread: list[str] = []
        in_labels = False
        for arg in args:
            if arg.startswith("-"):
                in_labels = arg == "--markdown_ignore_labels"
                if not in_labels:
                    spread.append(arg)
            elif in_labels:
                spread += ["--markdown_ignore_labels", arg]
            else:
                spread.append(arg)
        return super().parse_args(ctx, spread)


def _paddle_flags(command: Callable) -> Callable:
    for name, kind in reversed(_FLAGS.items()):
        command = click.option(f"--{name}", name, type=kind, default=None, show_default=False)(command)
    return command


@click.command("doc_parser", cls=DocParserCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-i", "--input", "input_", required=True, help="Input path: a PDF, an image or a folder.")
@click.option("--save_path", default=None, help="Path to the output directory.")
@click.option("--pipeline_version", type=click.Choice(PIPELINE_VERSIONS), default=None,
              help="PaddleOCR-VL release to follow (default: the one of the weights found).")  # fmt: skip
@click.option("--markdown_ignore_labels", multiple=True, help="Layout labels left out of Markdown.")
@click.option("--ocrvl_engine", type=click.Choice(["auto", "lite", "vl", "vl-server"]), default="auto",
              show_default=True, help="ocrvl's engine (auto: vl where PaddleOCR-VL's weights are found).")  # fmt: skip
@_paddle_flags
def doc_parser(input_: str, save_path: str | None, ocrvl_engine: str, **flags: Any) -> None:
    """Parse documents as `paddleocr doc_parser` does: PaddleOCR's flags (--use_chart_recognition True,
    --device gpu:0, ...), each page's result printed and its files written to --save_path."""
    from ocrvl.api import PaddleOCRVL

    configure(1)
    flags = {name: value for name, value in flags.items() if value is not None and value != ()}
    predict_options = {name: flags.pop(name) for name in _PREDICT_ONLY if name in flags}
    try:
        if "engine" in flags:  # PaddleOCR's inference engine: noted, as in the API
            translate({"engine": flags.pop("engine")})
        parser = PaddleOCRVL(engine=ocrvl_engine, **flags)
        try:
            for res in parser.predict_iter(input_, **predict_options):
                res.print()
                if save_path:
                    res.save_all(save_path)
        finally:
            parser.close()
    except OcrvlError as exc:
        click.echo(f"ocrvl: error: {exc}", err=True)
        sys.exit(1)
