"""The Python API, shaped like PaddleOCR's: ``PaddleOCRVL(**options).predict(input)``.

It takes PaddleOCR-VL's arguments as PaddleOCR 3.x does (`ocrvl.paddle_compat`), per call too, and images given
as numpy arrays; its page results are PaddleOCR-VL's (`ocrvl.results.PageOutput`), and ``join`` gives ocrvl's
documents (`DocumentOutput`: tables merged, headings levelled and paragraphs joined across pages).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
from PIL import Image

from ocrvl.batch import Batch, BatchOptions, BatchReport, DocumentJob, PageReader, plan_batch, read_here, run_batch
from ocrvl.cluster.options import ClusterOptions
from ocrvl.cluster.storage import local_storage
from ocrvl.errors import InputError, OptionsError
from ocrvl.inference.options import InferenceOptions
from ocrvl.options import PipelineOptions
from ocrvl.paddle_compat import translate
from ocrvl.picture_text import read_pictures
from ocrvl.pipeline import Pipeline, discover_inputs
from ocrvl.postprocess.cross_page import RestructureOptions
from ocrvl.postprocess.cross_page import restructure_pages as restructure
from ocrvl.postprocess.markdown import DEFAULT_MARKDOWN_IGNORE_LABELS
from ocrvl.postprocess.paddle_json import PaddleSource, page_from_paddle_json
from ocrvl.request_defaults import RequestDefaults
from ocrvl.results import DocumentOutput, PageOutput, PagesOutput, join_pages

Input = str | Path | np.ndarray
_OPTION_NAMES = frozenset(f.name for f in fields(PipelineOptions))
_INFERENCE_NAMES = frozenset(f.name for f in fields(InferenceOptions))
# What PaddleOCR-VL's predict may change per call without loading other models.
_PER_CALL = frozenset({
    "use_layout_detection", "use_chart_recognition", "use_seal_recognition", "layout_threshold", "layout_nms",
    "layout_unclip_ratio", "layout_merge_bboxes_mode", "layout_shape_mode", "prompt_label", "min_pixels",
    "max_pixels", "merge_layout_blocks", "markdown_ignore_labels", "max_new_tokens", "use_doc_orientation_classify",
})  # fmt: skip


class PaddleOCRVL:
    """Document parser. Options are the fields of `ocrvl.options.PipelineOptions`, and PaddleOCR-VL's own
    constructor arguments (``device="gpu:0"``, ``vl_rec_backend="native"``, ``cpu_threads``, ...).

    >>> parser = PaddleOCRVL(engine="lite")
    >>> for res in parser.predict("paper.pdf"):
    ...     res.save_to_markdown("out/")
    """

    def __init__(self, engine: str = "auto", **options: object):
        translated = translate({"engine": engine, **options})
        translated.options.setdefault("engine", "auto")
        self.options = PipelineOptions.from_kwargs(**translated.options)
        self.result_settings = translated.result_settings
        self.pipeline = Pipeline(self.options)
        _check_whole_page(self.options, self.pipeline.engine)
        self.restructure = self.options.restructure_options()

    # ---------------------------------------------------------------- predicting

    def predict_iter(self, input: Input | Iterable[Input], **call_options: object) -> Iterator[PageOutput]:
        """Page results one at a time, documents in order; folders are searched recursively; numpy arrays are
        images in OpenCV's BGR order (as PaddleOCR takes them). `call_options` are PaddleOCR-VL's predict
        arguments, for this call only (``use_chart_recognition=True``, ``layout_threshold=0.5``, ...).

        An unreadable file raises `ocrvl.errors.InputError` naming it (pages already yielded stay valid).
        """
        pipeline, settings = self._for_call(call_options)
        inputs = [input] if isinstance(input, str | Path | np.ndarray) else list(input)
        arrays = 0
        for item in inputs:
            if isinstance(item, np.ndarray):
                yield from self._array_pages(pipeline, item, f"array_{arrays}", settings)
                arrays += 1
                continue
            for file, _root in discover_inputs([item]):
                for page in pipeline.iter_document(file):
                    yield self._output(page, pipeline, settings)

    def predict(self, input: Input | Iterable[Input], **call_options: object) -> list[PageOutput]:
        """All page results of the input(s) as a list (see `predict_iter`)."""
        return list(self.predict_iter(input, **call_options))

    def _output(self, page, pipeline: Pipeline, settings: Mapping[str, object], **kwargs) -> PageOutput:
        if settings.get("use_ocr_for_image_block") and page.error is None:
            page = read_pictures(page, pipeline.engine)
        options = pipeline.options
        return PageOutput(page, options.markdown_ignore_labels, self.restructure, paddle_settings=settings, **kwargs)

    def _array_pages(self, pipeline: Pipeline, array: np.ndarray, name: str, settings) -> Iterator[PageOutput]:
        """An image given as an array, read as a lossless copy in a temporary file; PaddleOCR-VL names no input
        path for it."""
        with tempfile.TemporaryDirectory(prefix="ocrvl-array-") as folder:
            path = Path(folder) / f"{name}.png"
            _array_image(array).save(path)
            for page in pipeline.iter_document(path):
                page = replace(page, input_path=Path(name))
                yield self._output(page, pipeline, settings, document=name,
                                   source=PaddleSource(None, None, None))  # fmt: skip

    def _for_call(self, call_options: Mapping[str, object]) -> tuple[Pipeline, dict[str, object]]:
        """The pipeline for one call's options: this parser's, or one with the changed options around the same
        models."""
        translated = translate(call_options)
        settings = {**self.result_settings, **translated.result_settings}
        changes = translated.options
        refused = sorted(set(changes) - _PER_CALL)
        if refused:
            raise OptionsError(f"predict() cannot change {', '.join(refused)}: PaddleOCR-VL takes them when the "
                               "pipeline is created; pass them to PaddleOCRVL(...)")  # fmt: skip
        inference = {k: changes.pop(k) for k in list(changes) if k in _INFERENCE_NAMES and k not in _OPTION_NAMES}
        options = replace(self.options, **changes)
        if inference:
            options = replace(options, inference=replace(options.inference, **inference))
        if options == self.options:
            return self.pipeline, settings
        engine = self._engine_for(options)
        _check_whole_page(options, engine)
        return Pipeline(options, engine=engine), settings

    def _engine_for(self, options: PipelineOptions):
        engine = self.pipeline.engine
        if getattr(engine, "name", "") not in ("vl", "vl-server"):
            from ocrvl.engines.lite import LiteEngine

            return LiteEngine(options)
        from ocrvl.engines.vl import VlEngine

        recognizer = engine.recognizer
        if options.inference.max_new_tokens != self.options.inference.max_new_tokens:
            recognizer = RequestDefaults(recognizer, max_new_tokens=options.inference.max_new_tokens)
        return VlEngine(options, engine.detector, recognizer, engine.recognizer_name, engine.release)

    # ---------------------------------------------------------------- documents

    @staticmethod
    def concatenate_markdown_pages(markdown_list: Sequence[Mapping[str, object]]) -> str:
        """The pages' Markdown (``res.markdown`` of each) as one text, as PaddleOCR-VL joins them."""
        return "\n\n".join(str(markdown["markdown_texts"]) for markdown in markdown_list)

    def restructure_pages(
        self,
        res_list: Sequence[PageOutput | Mapping[str, object]],
        merge_tables: bool = True,
        relevel_titles: bool = True,
        concatenate_pages: bool = False,
    ) -> list[PageOutput]:
        """The pages of one document restructured as PaddleOCR-VL does: a table continued on the next page merged
        into its first part, title levels over the whole document; every block numbered across the document
        (``global_block_id``). With `concatenate_pages`, one result holding every page's blocks. The results may
        also be PaddleOCR-VL JSON saved earlier (``res.json``, or a ``{stem}_res.json`` loaded), without pictures."""
        pages = [res if isinstance(res, PageOutput) else _saved_result(res) for res in res_list]
        if not pages:
            return []
        options = RestructureOptions(merge_tables=merge_tables, relevel_titles=relevel_titles, join_paragraphs=False)
        restructured = restructure([p.page for p in pages], options)
        outputs, first_id = [], 0
        for page, result in zip(pages, restructured):
            ids = list(range(first_id, first_id + len(result.blocks)))
            first_id += len(result.blocks)
            outputs.append(PageOutput(result, page.markdown_ignore_labels, page.restructure, page.document,
                                      source=page.source, paddle_settings=page.paddle_settings,
                                      global_ids=ids))  # fmt: skip
        return [PagesOutput(outputs)] if concatenate_pages else outputs

    @staticmethod
    def join(pages: Iterable[PageOutput]) -> list[DocumentOutput]:
        """One DocumentOutput per input file: all its pages in one Markdown text and one JSON."""
        return join_pages(list(pages))

    def close(self) -> None:
        """Stop the recognizer (PaddleOCR's wrappers have ``close`` too)."""
        close = getattr(self.pipeline.engine, "close", None)
        if close is not None:
            close()


def parse_folder(
    inputs: Iterable[Path | str],
    output: Path | str,
    options: PipelineOptions | None = None,
    batch_options: BatchOptions | None = None,
    cluster: ClusterOptions | None = None,
    *,
    on_plan: Callable[[Batch], None] | None = None,
    on_page: Callable[[], None] | None = None,
    on_document: Callable[[DocumentJob, int], None] | None = None,
) -> BatchReport:
    """What ``ocrvl parse`` does: each document of `inputs` (files, folders, fsspec URLs of either) into its own
    folder under `output` (a folder or an fsspec URL, see `ocrvl.cluster.storage`), resumable, with ``errors.json``.
    In this process, or with `cluster` on a Ray cluster (``ClusterOptions()``: the cluster of this machine, or one
    started for the run), which writes exactly what a local run writes. `on_plan` is called with the batch once its
    documents are counted; `on_page` and `on_document` as in `ocrvl.batch.run_batch`."""
    options = options or PipelineOptions()
    with local_storage(inputs, output) as local:

        def write(pipeline: Pipeline, reader_for: Callable[..., PageReader] | None = None) -> BatchReport:
            batch = local.naming_urls(plan_batch(local.inputs, local.output, pipeline.count_pages))
            if on_plan is not None:
                on_plan(batch)
            reader = local.as_given(reader_for(batch, local.origins) if reader_for is not None else read_here)
            return run_batch(pipeline, batch, batch_options, on_page=on_page, on_document=on_document, reader=reader)

        if cluster is None:
            return write(Pipeline(options))
        from ocrvl.cluster import cluster_session

        with cluster_session(options, cluster) as session:
            return write(session.pipeline, session.reader)


def _check_whole_page(options: PipelineOptions, engine: object) -> None:
    """Refuse a page read whole (no layout detection) where the engine cannot read one: the lite engine always
    detects layout."""
    if not options.use_layout_detection and getattr(engine, "name", "") == "lite":
        raise OptionsError("use_layout_detection=False reads each page whole with PaddleOCR-VL's recognizer, which "
                           "the lite engine does not have: use engine='vl' with the PaddleOCR-VL weights "
                           "(`ocrvl models list` shows where ocrvl looks)")  # fmt: skip


def _saved_result(data: Mapping[str, object]) -> PageOutput:
    """A page result back from its PaddleOCR-VL JSON."""
    if not isinstance(data, Mapping) or not isinstance(data.get("res", data), Mapping):
        raise OptionsError("restructure_pages takes the results predict() returned, or their JSON (res.json)")
    page, source = page_from_paddle_json(dict(data))
    ignored = page.model_settings.get("markdown_ignore_labels", DEFAULT_MARKDOWN_IGNORE_LABELS)
    return PageOutput(page, ignored, source=source)  # type: ignore[arg-type]


def _array_image(array: np.ndarray) -> Image.Image:
    """An image array as PaddleOCR takes it (OpenCV's BGR or BGRA order, or grey) as an RGB(A) picture."""
    if array.dtype != np.uint8 or array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise InputError("<numpy array>", f"an image array must be uint8, H x W or H x W x 3 (BGR, as cv2.imread "
                                          f"gives) or x 4 (BGRA); got {array.dtype} {array.shape}")  # fmt: skip
    if array.ndim == 2 or array.shape[2] == 1:
        return Image.fromarray(np.ascontiguousarray(array.reshape(array.shape[:2])), "L")
    channels = [2, 1, 0, 3][: array.shape[2]]
    return Image.fromarray(np.ascontiguousarray(array[:, :, channels]))
