"""Command line: ``ocrvl parse INPUT... -o OUT_DIR``."""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Collection, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import click
from click import Command
from tqdm import tqdm

from ocrvl import __version__
from ocrvl.batch import ERRORS_FILE, BatchOptions, BatchReport
from ocrvl.cluster.options import ClusterOptions
from ocrvl.cluster.storage import is_url, read_input_list
from ocrvl.doc_parser import doc_parser
from ocrvl.documents import LoadOptions, iter_pages
from ocrvl.errors import OcrvlError, OptionsError
from ocrvl.flags import FlagField, build_options, flag_fields
from ocrvl.inference.options import InferenceOptions
from ocrvl.log import configure
from ocrvl.models.prompting import TASK_PROMPTS
from ocrvl.options import PipelineOptions
from ocrvl.pipeline import discover_inputs
from ocrvl.releases import PIPELINE_VERSIONS
from ocrvl.results import DEFAULT_FORMATS, output_formats
from ocrvl.serve.options import ServeOptions

# Exit codes of `ocrvl parse`: all parsed; some document or page could not be parsed; interrupted (SIGINT,
# SIGTERM), as shells report a run stopped with Ctrl-C.
EXIT_OK, EXIT_FAILED, EXIT_INTERRUPTED = 0, 1, 130


def _formats(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, ...]:
    try:
        return output_formats(value)
    except OptionsError as exc:
        raise click.BadParameter(str(exc)) from None


def option_flags(cls: type, only: Collection[str] | None = None) -> Callable[[Command], Command]:
    """A flag per field of the options dataclass ``cls`` (and of the options it holds), made from the field's
    ``ocrvl.flags`` metadata; ``only`` keeps the named top-level fields. ``build_options`` turns the values back."""

    def decorate(command: Command) -> Command:
        chosen = [f for f in flag_fields(cls) if only is None or f.path[0] in only]
        for field in reversed(chosen):
            command = click.option(field.option, field.dest, help=field.flag.help, **_click_value(field))(command)
        return command

    return decorate


def _click_value(field: FlagField) -> dict[str, Any]:
    if field.is_switch:
        return {"is_flag": True}
    kind = (click.Choice(field.flag.choices) if field.flag.choices else
            click.Path(path_type=Path) if field.flag.path else field.value_type)  # fmt: skip
    return {"type": kind, "default": field.default, "show_default": field.default is not None,
            "envvar": field.flag.envvar}  # fmt: skip


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ocrvl")
def main() -> None:
    """ocrvl: PDFs and images to Markdown and JSON, the PaddleOCR-VL way, offline."""


class _PathOrUrl(click.ParamType):
    """A local path (as a Path), or an fsspec URL such as s3://bucket/key (kept as text)."""

    name = "path|url"

    def convert(self, value, param, ctx):
        return value if isinstance(value, Path) or is_url(value) else Path(value)


@main.command()
@click.argument("inputs", nargs=-1, type=_PathOrUrl())
@click.option(
    "--input-list",
    type=click.Path(path_type=Path),
    help="A text file naming inputs, one path or URL a line (relative paths from its folder), besides INPUTS.",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=_PathOrUrl(),
    help="Folder for the results (one sub-folder per document), or an fsspec URL (s3://bucket/out, with s3fs).",
)
@click.option(
    "--format",
    "formats",
    default=",".join(DEFAULT_FORMATS),
    show_default=True,
    callback=_formats,
    help="Outputs to write: md (document Markdown + imgs/), json (document JSON), img (layout pictures), "
    "pages (per-page Markdown and PaddleOCR-VL JSON as <name>_<page>.md / <name>_<page>_res.json), "
    "html (<name>.html: each page beside its content, boxes linked to the text; one self-contained file).",
)
@click.option("--overwrite", is_flag=True, help="Parse documents again even if their results exist.")
@option_flags(PipelineOptions)
@click.option("--ray", "ray_address", is_flag=False, flag_value="auto", default=None, metavar="[auto|ADDRESS]",
              help="Run on a Ray cluster (pip install 'ocrvl[ray]'): auto (the default value) joins this machine's "
                   "cluster or starts one; or the head's ADDRESS (HOST:6379, ray://HOST:10001).")  # fmt: skip
@option_flags(ClusterOptions)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, errors only.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def parse(inputs, input_list, out_dir, formats, overwrite, ray_address, quiet, verbose, **flags) -> None:
    """Parse PDFs, images and folders of them into OUT_DIR.

    Each document gets OUT_DIR/<name>/ with <name>.md, <name>.json, imgs/ and a layout
    picture per page. A second run skips documents already parsed from the same file
    content with the same options (see --overwrite) and resumes an interrupted one from
    its last finished page. Files and pages that fail are listed with their reason in
    OUT_DIR/errors.json. Exit code: 0 all parsed, 1 some file or page failed, 130
    interrupted (Ctrl-C or SIGTERM). With --ray the pages are read on a Ray cluster and
    written here as a local run writes them.
    """
    configure(-1 if quiet else verbose + 1)
    with _sigterm_as_interrupt():
        try:
            inputs = [*inputs, *(read_input_list(input_list) if input_list is not None else ())]
            if not inputs:
                raise OptionsError("nothing to parse: give INPUTS (files, folders, URLs) or --input-list FILE")
            options, batch_options = build_options(PipelineOptions, flags), BatchOptions(formats, overwrite)
            if ray_address is None:
                report = _parse(inputs, out_dir, options, batch_options, quiet)
            else:
                cluster = build_options(ClusterOptions, flags, address=ray_address)
                report = _parse(inputs, out_dir, options, batch_options, quiet, cluster=cluster)
        except OcrvlError as exc:
            click.echo(f"ocrvl: error: {exc}", err=True)
            sys.exit(EXIT_FAILED)
        except KeyboardInterrupt:
            click.echo("ocrvl: interrupted before parsing began", err=True)
            sys.exit(EXIT_INTERRUPTED)
    _summarize(report, out_dir, quiet)


def _parse(inputs, out_dir: Path, options: PipelineOptions, batch_options: BatchOptions, quiet: bool,
           cluster: ClusterOptions | None = None) -> BatchReport:  # fmt: skip
    from ocrvl.api import parse_folder

    with ExitStack() as stack:
        bar = tqdm(disable=True)  # until the documents are counted

        def on_plan(batch) -> None:
            nonlocal bar
            total = sum(job.page_count or 0 for job in batch.jobs)
            bar = stack.enter_context(tqdm(total=total, unit="page", disable=quiet, file=sys.stderr,
                                           dynamic_ncols=True))  # fmt: skip

        def on_document(job, pages_left: int) -> None:
            bar.total = max(bar.n, bar.total - pages_left)
            bar.refresh()

        return parse_folder(inputs, out_dir, options, batch_options, cluster, on_plan=on_plan,
                            on_page=lambda: bar.update(1), on_document=on_document)  # fmt: skip


def _summarize(report: BatchReport, out_dir: Path, quiet: bool) -> None:
    """One line on stderr (always when something failed or the run was interrupted), then the exit code."""
    summary = f"{len(report.written)} written, {len(report.skipped)} already done, {len(report.failed)} failed"
    if report.failed_pages:
        summary += f", {len(report.failed_pages)} page(s) unreadable"
    if not report.ok:
        summary += f" (see {out_dir}/{ERRORS_FILE})"
    if report.interrupted is not None:
        job = report.interrupted
        summary = (f"interrupted while parsing {job.source} ({report.interrupted_pages} page(s) finished; the next "
                   f"run resumes it): {summary}")  # fmt: skip
    if not quiet or not report.ok or report.interrupted is not None:
        click.echo(f"ocrvl: {summary}", err=True)
    if report.interrupted is not None:
        sys.exit(EXIT_INTERRUPTED)
    sys.exit(EXIT_OK if report.ok else EXIT_FAILED)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (a container stop, ``kill``) stops the run as Ctrl-C does: the current page ends, finished pages
    stay staged for the next run, and the summary and errors.json are written."""

    def interrupt(signum, frame) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--task", type=click.Choice(list(TASK_PROMPTS)), default="ocr", show_default=True,
              help="Task prompt for every image.")  # fmt: skip
@click.option("--model-dir", type=click.Path(path_type=Path), default=None,
              help="PaddleOCR-VL weights (default: where `ocrvl models list` finds them).")  # fmt: skip
@click.option("--min-pixels", type=int, default=None,
              help="Smaller images are upscaled to this many pixels (default: the checkpoint's setting).")  # fmt: skip
@click.option("--max-pixels", type=int, default=None,
              help="Larger images are downscaled to this many pixels (default: the checkpoint's setting).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="One JSON object per image instead of plain text.")
@option_flags(InferenceOptions)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def recognize(inputs, task, model_dir, min_pixels, max_pixels, as_json, verbose, **flags) -> None:
    """Read whole images (or PDF pages) with the PaddleOCR-VL recognizer, without layout analysis.

    Each image is one crop with the --task prompt, as in PaddleOCR-VL's element-level recipe; all of
    them go through the batched inference core together. Results are printed in input order; an
    unreadable file is reported and skipped, and the exit code is 1 when any failed.
    """
    from ocrvl.inference import InferenceEngine, RecognitionRequest
    from ocrvl.recognition.vl.content import parse_spotting, spotting_text

    configure(verbose + 1)
    try:
        engine = InferenceEngine.from_dir(model_dir, build_options(InferenceOptions, flags))
    except OcrvlError as exc:
        click.echo(f"ocrvl: error: {exc}", err=True)
        sys.exit(1)
    failed = 0
    pending: deque = deque()  # (label, size, future) in input order; bounded so pages are not all held at once

    def emit(label: dict, size: tuple[int, int], future) -> None:
        nonlocal failed
        result = future.result()
        failed += not result.ok
        text, extra = result.text, {}
        if task == "spotting":  # lines with their outlines, in the image's pixels
            spotted = parse_spotting(result.text, (0, 0, *size))
            text = spotting_text(result.text)
            extra = {"spotting": [{"text": s.text, "polygon": [list(p) for p in s.polygon]} for s in spotted]}
        if as_json:
            click.echo(json.dumps({**label, "text": text, **extra, "finish_reason": result.finish_reason,
                                   "generated_tokens": len(result.token_ids), "error": result.error},
                                  ensure_ascii=False))  # fmt: skip
        elif result.ok:
            click.echo(text if len(inputs) == 1 and label["page_count"] == 1 else
                       f"==> {label['input_path']} [page {label['page_index'] + 1}] <==\n{text}\n")  # fmt: skip
        else:
            click.echo(f"ocrvl: error: {label['input_path']} page {label['page_index'] + 1}: {result.error}", err=True)

    with engine:
        for path, _root in discover_inputs(inputs):
            try:
                for page in iter_pages(path, LoadOptions()):
                    request = RecognitionRequest(page.image, TASK_PROMPTS[task], min_pixels=min_pixels,
                                                 max_pixels=max_pixels)  # fmt: skip
                    label = {"input_path": str(path), "page_index": page.index, "page_count": page.page_count}
                    pending.append((label, (page.width, page.height), engine.submit(request)))
                    while len(pending) > 2 * engine.options.max_batch_size:
                        emit(*pending.popleft())
            except OcrvlError as exc:
                failed += 1
                click.echo(f"ocrvl: error: {exc}", err=True)
        while pending:
            emit(*pending.popleft())
    sys.exit(1 if failed else 0)


@main.command()
@option_flags(ServeOptions)
@click.option("--engine", type=click.Choice(["auto", "vl", "lite"]), default="auto", show_default=True,
              help="Page engine of /v1/parse: vl when a PP-DocLayoutV2 model is found (auto), else lite. lite also "
                   "serves without PaddleOCR-VL weights (chat completions are then refused).")
@option_flags(PipelineOptions, only=("vl_rec_model_dir", "layout_detection_model_dir", "inference"))
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def serve(engine, verbose, **flags) -> None:
    """Serve the recognizer over HTTP: an OpenAI-compatible /v1/chat/completions and /v1/models (what
    `ocrvl parse --vl-rec-backend vllm-server --vl-rec-server-url http://HOST:PORT/v1` uses), /v1/parse for
    whole documents, and /health. Stops cleanly on Ctrl-C or SIGTERM."""
    from ocrvl.serve import run_server

    configure(verbose + 1)
    try:
        serve_options = build_options(ServeOptions, flags)
        pipeline_options = build_options(PipelineOptions, flags, engine=engine)
        run_server(serve_options, pipeline_options)
    except OcrvlError as exc:
        click.echo(f"ocrvl: error: {exc}", err=True)
        sys.exit(1)


@main.group()
def models() -> None:
    """Find the PaddleOCR-VL weights ocrvl would use, and convert the layout model."""


@models.command("list")
@click.option("--model-dir", type=click.Path(path_type=Path), default=None, help="A directory to check first.")
@click.option("--layout-model-dir", type=click.Path(path_type=Path), default=None,
              help="A PP-DocLayoutV2 or PP-DocLayoutV3 directory to check first.")  # fmt: skip
@click.option("--pipeline-version", type=click.Choice(PIPELINE_VERSIONS), default="auto", show_default=True,
              help="Look for this release's models only.")  # fmt: skip
def list_models(model_dir: Path | None, layout_model_dir: Path | None, pipeline_version: str) -> None:
    """Show every place weights are looked for, in order, what is there, and which release they are."""
    from ocrvl.models.checkpoints import describe
    from ocrvl.models.locate import DOWNLOAD_COMMAND, LAYOUT_DOWNLOAD_COMMAND, candidates, layout_candidates
    from ocrvl.releases import download_commands, layout_models, recognizer_repos, resolve_release

    click.echo("Recognizer (PaddleOCR-VL-0.9B):")
    found = candidates(model_dir, recognizer_repos(pipeline_version))
    for candidate in found:
        if candidate.usable:
            try:
                info = describe(candidate.path)
            except OcrvlError as exc:
                status = f"found but unusable: {exc}"
            else:
                status = (f"found: {info['layout']} layout, {info['dtype']}, {_amount(info['parameters'])} "
                          f"parameters, {_amount(info['bytes'], 1024)}B on disk")  # fmt: skip
        else:
            status = f"not found: {candidate.problem}"
        click.echo(f"  {candidate.source}\n    {candidate.path}\n    {status}")
    chosen = next((c for c in found if c.usable), None)
    recognizer_dir = chosen.path if chosen else None
    wanted = layout_models(pipeline_version, recognizer_dir)
    click.echo(f"Layout ({' / '.join(wanted)}):")
    layouts = layout_candidates(layout_model_dir, recognizer_dir, wanted, recognizer_repos(pipeline_version))
    for candidate in layouts:
        status = f"found: {candidate.model}" if candidate.usable else f"not found: {candidate.problem}"
        click.echo(f"  {candidate.source}\n    {candidate.path}\n    {status}")
    layout = next((c for c in layouts if c.usable), None)
    if chosen is not None:
        click.echo(f"\nrecognizer: {chosen.path}")
    if layout is not None:
        click.echo(f"layout:     {layout.path} ({layout.model})")
    if chosen is not None and layout is not None:
        release = resolve_release(pipeline_version, layout.model, recognizer_dir)
        click.echo(f"release:    {release.pipeline_name} (pipeline_version {release.version})")
        click.echo("ocrvl uses the vl engine (PaddleOCR-VL) with these.")
    else:
        missing = " and ".join(n for n, c in (("the recognizer", chosen), ("the layout model", layout)) if c is None)
        click.echo(f"\nMissing: {missing}; the lite engine runs instead. To get both (once, with network):")
        if pipeline_version == "auto":
            click.echo(f"  {LAYOUT_DOWNLOAD_COMMAND}\n(PaddleOCR-VL-1.5's recognizer, {DOWNLOAD_COMMAND}, "
                       "works with that release's PP-DocLayoutV2.)")  # fmt: skip
        else:
            click.echo("\n".join(f"  {command}" for command in download_commands(pipeline_version)))


@models.command("convert")
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("target", type=click.Path(path_type=Path))
def convert_models(source: Path, target: Path) -> None:
    """Convert the release's PP-DocLayoutV2 folder (inference.json + inference.pdiparams, Paddle format)
    into TARGET in transformers format (config.json + model.safetensors), without PaddlePaddle."""
    from ocrvl.layout.ppdoclayout.convert import convert_layout_model

    try:
        written = convert_layout_model(source, target)
    except OcrvlError as exc:
        click.echo(f"ocrvl: error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"ocrvl: wrote {written}")


def _amount(n: float, base: int = 1000) -> str:
    for unit in ("", "K", "M", "G"):
        if n < base or unit == "G":
            return f"{n:.0f} {unit}" if unit == "" else f"{n:.2f} {unit}"
        n /= base
    return f"{n:.2f} G"


main.add_command(doc_parser)  # PaddleOCR's `paddleocr doc_parser`, its flags and files (ocrvl/doc_parser.py)

if __name__ == "__main__":
    main()
