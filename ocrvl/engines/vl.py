"""The PaddleOCR-VL engine: the layout model (PP-DocLayoutV2, or PP-DocLayoutV3 for 1.5 and 1.6) finds the blocks and
their reading order, the recognizer reads them; the release (`ocrvl.releases`) gives the defaults.

``analyze`` (the pipeline's layout thread) runs the layout model and the box rules and cuts the crops;
``recognize`` hands every crop of the page to the shared inference core and returns a future that completes
when the last of them is read, so crops of several pages are decoded together while later pages' layout
runs. No thread waits per page.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from ocrvl.errors import OptionsError
from ocrvl.inference import InferenceEngine, RecognitionRequest, RecognitionResult, Recognizer
from ocrvl.layout.ppdoclayout.block_merge import MergedBlock, stitch_crops
from ocrvl.layout.ppdoclayout.box_rules import parsing_blocks, parsing_regions, postprocess_layout
from ocrvl.layout.ppdoclayout.polygons import crop_region
from ocrvl.log import logger
from ocrvl.options import PipelineOptions
from ocrvl.orientation import PageOrientationClassifier, doc_preprocessor_res
from ocrvl.recognition.vl.content import SpottedText, clean_block_content, parse_spotting
from ocrvl.recognition.vl.routing import CropJob, image_job, task_for_label
from ocrvl.releases import (
    DEFAULT_RELEASE,
    Release,
    layout_models,
    recognizer_repos,
    release_without_layout,
    resolve_release,
)
from ocrvl.types import Block, Page, PageResult, Region


@dataclass
class PlannedPage:
    """A page after layout: its detections, the blocks to output in reading order, and the crops to read."""

    page: Page
    regions: list[Region]  # layout_det_res: the boxes after PaddleOCR-VL's box rules
    blocks: list[Region | MergedBlock]  # what is read, in reading order (adjacent text blocks may be stitched)
    jobs: list[CropJob] = field(default_factory=list)
    orientation_angle: int | None = None  # how far use_doc_orientation_classify turned the page


class VlEngine:
    """PP-DocLayout layout + PaddleOCR-VL-0.9B recognition, by the batched inference core in this process
    (``vl``) or by a recognizer server (``vl-server``, the options' ``vl_rec_backend``), with the defaults of
    `release` wherever the options leave them unset."""

    def __init__(
        self,
        options: PipelineOptions,
        detector,
        recognizer: Recognizer,
        recognizer_name: str = "",
        release: Release = DEFAULT_RELEASE,
    ):
        self.name = "vl" if options.vl_rec_backend == "local" else "vl-server"
        self.options = options
        self.detector = detector
        self.recognizer = recognizer
        self.recognizer_name = recognizer_name
        self.release = release
        self.box_options = options.layout_box_options(release)
        self.routing = options.routing_options(release)
        threads = options.inference.threads
        self.orientation = PageOrientationClassifier(threads) if options.use_doc_orientation_classify else None
        if detector is None and options.page_label is None:
            raise OptionsError("this pipeline was created with use_layout_detection=False, so no layout model is "
                               "loaded: create it with use_layout_detection=True to detect layout")  # fmt: skip
        page_task = task_for_label(options.page_label, self.routing) if options.page_label else None
        if page_task is not None and page_task not in release.tasks:
            raise OptionsError(f"prompt_label {options.page_label!r} is a task of PaddleOCR-VL 1.5 and 1.6, but this "
                               f"run follows {release.pipeline_name} (pipeline_version {release.version}): use "
                               "pipeline_version v1.5 or v1.6 with their weights")  # fmt: skip

    @classmethod
    def from_options(cls, options: PipelineOptions, local: LocalRecognizer | None = None) -> VlEngine:
        """The layout model and the recognizer the options name: local weights found as ``ocrvl models list``
        shows (or `local`, already loaded), or a recognizer server (``vl_rec_backend``)."""
        from ocrvl.inference.device import resolve_placement

        if options.vl_rec_backend == "local":
            local = local or load_local_recognizer(options)
            recognizer, recognizer_dir = local.core, local.directory
            device, name = recognizer.placement.device, recognizer_dir.name
        else:
            recognizer_dir = None
            recognizer = remote_recognizer(options)
            device, name = resolve_placement(options.inference).device, options.vl_rec_server_url
        if options.page_label is not None:  # pages read whole: PaddleOCR-VL loads no layout model either
            detector, layout_dir, layout_model = None, None, None
            release = release_without_layout(options.pipeline_version, recognizer_dir)
        else:
            detector, layout_dir, layout_model = load_layout_detector(options, recognizer_dir, device)
            release = resolve_release(options.pipeline_version, layout_model, recognizer_dir)
        if layout_model is not None and layout_model != release.layout_model:
            logger.warning("pipeline_version %s runs %s, but the layout model at %s is %s: it is used with %s's "
                           "defaults", release.version, release.layout_model, layout_dir, layout_model,
                           release.version)  # fmt: skip
        logger.info("release: %s (pipeline_version %s)", release.pipeline_name, options.pipeline_version)
        return cls(options, detector, recognizer, recognizer_name=name, release=release)

    def close(self) -> None:
        self.recognizer.close()

    # ------------------------------------------------------------------ layout thread

    def analyze(self, page: Page) -> PlannedPage:
        angle = None
        if self.orientation is not None:
            page, angle = self.orientation.upright(page)
        if self.options.page_label is not None:
            # Read whole, as PaddleOCR-VL does without layout detection: one block over the page (none under 6 px).
            whole = (0.0, 0.0, float(page.width), float(page.height))
            regions = [Region(whole, self.options.page_label, 1.0, cls_id=0)]
            blocks: list[Region | MergedBlock] = list(parsing_regions(regions))
        else:
            raw = self.detector.detect(page.image, threshold=self.box_options.min_threshold)
            regions = postprocess_layout(raw, page.width, page.height, self.box_options)
            blocks = parsing_blocks(regions, self.box_options)
        jobs = [job for index, block in enumerate(blocks) if (job := self._job(index, block, page)) is not None]
        return PlannedPage(page, regions, blocks, jobs, orientation_angle=angle)

    def _job(self, index: int, block: Region | MergedBlock, page: Page) -> CropJob | None:
        if isinstance(block, MergedBlock):
            return image_job(index, block.label, stitch_crops(page.image, block), self.routing)
        crop = crop_region(page.image, block.bbox, block.polygon)
        return image_job(index, block.label, crop, self.routing) if crop is not None else None

    # ------------------------------------------------------------------ recognition

    def recognize(self, planned: PlannedPage) -> Future[PageResult]:
        done: Future[PageResult] = Future()
        if not planned.jobs:
            done.set_result(self.assemble(planned, {}))
            return done
        results: dict[int, RecognitionResult] = {}
        lock = threading.Lock()

        def collect(job: CropJob, future: Future[RecognitionResult]) -> None:
            # An exception (a recognizer server that is down, say) fails the page with its message; a crop the
            # recognizer could not read arrives as an error result instead and only leaves its block empty.
            exception = future.exception()
            with lock:
                if done.done():
                    return
                if exception is not None:
                    done.set_exception(exception)
                    return
                results[job.block_index] = future.result()
                finished = len(results) == len(planned.jobs)
            if finished:
                try:
                    done.set_result(self.assemble(planned, results))
                except Exception as exc:  # the page fails with its cause, never leaves its future pending
                    done.set_exception(exc)

        for job in planned.jobs:
            request = crop_request(job, (planned.page.index, job.block_index))
            self.recognizer.submit(request).add_done_callback(lambda future, job=job: collect(job, future))
        return done

    def assemble(self, planned: PlannedPage, results: dict[int, RecognitionResult]) -> PageResult:
        """The page of `planned` with its crops' `results` by block index (a Ray run assembles them away from
        the recognizer, `ocrvl.cluster`)."""
        page = planned.page
        blocks: list[Block] = []
        failed = 0
        spotted: list[SpottedText] = []
        for index, planned_block in enumerate(planned.blocks):
            content = ""
            result = results.get(index)
            if result is not None and result.ok:
                content = clean_block_content(planned_block.label, result.text)
                if planned_block.label == "spotting":
                    spotted += parse_spotting(result.text, planned_block.bbox)
            elif result is not None:
                failed += 1
                logger.warning("%s page %d: %s block at %s could not be read: %s", page.source.name, page.index + 1,
                               planned_block.label, [round(v) for v in planned_block.bbox], result.error)  # fmt: skip
            blocks.extend(self._output_blocks(planned_block, content, page, first_id=len(blocks)))
        settings: dict[str, object] = {
            "engine": "vl",  # PaddleOCR-VL's pipeline wherever its recognizer runs (vl_rec_backend says where)
            "use_doc_preprocessor": planned.orientation_angle is not None,
            "use_layout_detection": self.options.use_layout_detection,
            "use_chart_recognition": self.routing.use_chart_recognition,
            "use_seal_recognition": self.routing.use_seal_recognition,
            "format_block_content": False,
            "merge_layout_blocks": self.options.merge_layout_blocks,
            "markdown_ignore_labels": list(self.options.markdown_ignore_labels),
            "layout_model": self.detector.name if self.detector is not None else None,
            "recognizer": self.recognizer_name,
            "dpi": round(page.dpi, 2),
        }
        if self.options.vl_rec_backend != "local":
            settings["vl_rec_backend"] = self.options.vl_rec_backend
        if self.release is not DEFAULT_RELEASE:  # the first release's pages stay as they were before releases
            settings["pipeline_version"] = self.release.version
            settings["return_layout_polygon_points"] = self.box_options.layout_shape_mode != "rect"
        if failed:
            settings["unread_blocks"] = failed
        result = PageResult.of_page(page, planned.regions, blocks, settings)
        if planned.orientation_angle is not None:
            result.doc_preprocessor_res = doc_preprocessor_res(planned.orientation_angle)
        if spotted:
            result.spotting_res = {"rec_polys": [[list(point) for point in line.polygon] for line in spotted],
                                   "rec_texts": [line.text for line in spotted]}  # fmt: skip
        return result

    def _output_blocks(self, block: Region | MergedBlock, content: str, page: Page, first_id: int) -> list[Block]:
        """The output blocks of a read block: a stitched group gives its members back, the first holding the
        text and all sharing its ``group_id`` (as PaddleOCR-VL writes them); a picture keeps its crop."""
        if isinstance(block, MergedBlock):
            return [
                Block(region=member, content=content if k == 0 else "", block_id=first_id + k, group_id=first_id)
                for k, member in enumerate(block.members)
            ]
        output = Block(region=block, content=content, block_id=first_id, group_id=first_id)
        if task_for_label(block.label, self.routing) is None:
            output.image = crop_region(page.image, block.bbox, block.polygon)
        return [output]


def crop_request(job: CropJob, request_id: Hashable) -> RecognitionRequest:
    """The recognizer's request for one crop of a page, under `request_id`."""
    return RecognitionRequest(image=job.image, prompt=job.prompt, id=request_id, min_pixels=job.min_pixels,
                              max_pixels=job.max_pixels)  # fmt: skip


@dataclass(frozen=True)
class LocalRecognizer:
    """The inference core in this process, and the folder its weights were loaded from."""

    core: InferenceEngine
    directory: Path


def load_local_recognizer(options: PipelineOptions) -> LocalRecognizer:
    """The recognizer in this process: the weights the options name, or where ``ocrvl models list`` finds them;
    on the inference options' device, precision and threads."""
    from ocrvl.models.locate import resolve_model_dir

    recognizer_dir = resolve_model_dir(options.vl_rec_model_dir, recognizer_repos(options.pipeline_version))
    return LocalRecognizer(InferenceEngine.from_dir(recognizer_dir, options.inference), recognizer_dir)


def load_layout_detector(
    options: PipelineOptions, recognizer_dir: Path | None, device
) -> tuple[object, Path, str | None]:
    """The layout model the options' release runs (``auto``: either) from the options' folder or beside the
    recognizer's: the detector, where it was found and which model it is. It runs on the recognizer's device but
    stays fp32: its scores are compared with thresholds."""
    from ocrvl.layout.ppdoclayout.model import PPDocLayoutDetector
    from ocrvl.models.locate import resolve_layout

    found = resolve_layout(
        options.layout_detection_model_dir,
        recognizer_dir,
        layout_models(options.pipeline_version, recognizer_dir),
        recognizer_repos(options.pipeline_version),
    )
    detector = PPDocLayoutDetector.from_dir(found.path, device=str(device))
    logger.info("layout: %s from %s", detector.name, found.path)
    return detector, found.path, found.model


def remote_recognizer(options: PipelineOptions) -> Recognizer:
    """The client of the recognizer server the options name."""
    from ocrvl.inference.remote import RemoteOptions, RemoteRecognizer

    settings = {
        "backend": options.vl_rec_backend,
        "server_url": options.vl_rec_server_url,
        "max_concurrency": options.vl_rec_max_concurrency,
        "api_key": options.vl_rec_api_key,
        "model_name": options.vl_rec_api_model_name,
        "max_new_tokens": options.inference.max_new_tokens,
    }
    return RemoteRecognizer.from_options(RemoteOptions(**{k: v for k, v in settings.items() if v is not None}))
