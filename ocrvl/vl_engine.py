"""The PaddleOCR-VL engine: PP-DocLayoutV2 finds the blocks and their reading order, the recognizer reads them.

``analyze`` (the pipeline's layout thread) runs the layout model and the box rules and cuts the crops;
``submit`` hands every crop of the page to the shared inference core and returns a future that completes
when the last of them is read, so crops of several pages are decoded together while later pages' layout
runs. No thread waits per page.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from ocrvl.engine import InferenceEngine, RecognitionRequest, RecognitionResult
from ocrvl.log import logger
from ocrvl.options import PipelineOptions
from ocrvl.recognition.vl_routing import CropJob, RoutingOptions, crop_box, crop_job, task_for_label
from ocrvl.types import Block, Page, PageResult, Region


@dataclass
class PlannedPage:
    """A page after layout: its detections, the blocks to output in reading order, and the crops to read."""

    page: Page
    regions: list[Region]  # layout_det_res: the boxes after PaddleOCR-VL's box rules
    blocks: list[Region]  # parsing blocks in reading order (adjacent text blocks may be merged into one)
    jobs: list[CropJob] = field(default_factory=list)


class VlEngine:
    """PP-DocLayoutV2 layout + PaddleOCR-VL-0.9B recognition through the batched inference core."""

    name = "vl"

    def __init__(self, options: PipelineOptions, detector, recognizer: InferenceEngine, recognizer_name: str = ""):
        from ocrvl.layout.vl_boxes import LayoutBoxOptions

        self.options = options
        self.detector = detector
        self.recognizer = recognizer
        self.recognizer_name = recognizer_name
        self.box_options = LayoutBoxOptions.from_pipeline(options)
        self.routing = RoutingOptions(
            use_chart_recognition=options.use_chart_recognition,
            use_seal_recognition=options.use_seal_recognition,
            min_pixels=options.min_pixels,
            max_pixels=options.max_pixels,
            pixel_limits=options.pixel_limits,
        )

    @classmethod
    def from_options(cls, options: PipelineOptions) -> VlEngine:
        """Both models from the directories the options name, or from where ``ocrvl models list`` finds them."""
        from dataclasses import replace

        from ocrvl.layout.ppdoclayout import PPDocLayoutDetector
        from ocrvl.models.locate import resolve_layout_dir, resolve_model_dir

        recognizer_dir = resolve_model_dir(options.vl_rec_model_dir)
        layout_dir = resolve_layout_dir(options.layout_detection_model_dir, recognizer_dir)
        inference = options.inference
        if inference.threads == 0 and options.threads:
            inference = replace(inference, threads=options.threads)
        recognizer = InferenceEngine.from_dir(recognizer_dir, inference)
        detector = PPDocLayoutDetector.from_dir(layout_dir)
        logger.info("layout: %s from %s", detector.name, layout_dir)
        return cls(options, detector, recognizer, recognizer_name=recognizer_dir.name)

    def close(self) -> None:
        self.recognizer.close()

    # ------------------------------------------------------------------ layout thread

    def analyze(self, page: Page) -> PlannedPage:
        from ocrvl.layout.vl_boxes import merge_layout_blocks, postprocess_layout

        raw = self.detector.detect(page.image, threshold=self.box_options.min_threshold)
        regions = postprocess_layout(raw, page.width, page.height, self.box_options)
        blocks = merge_layout_blocks(regions) if self.options.merge_layout_blocks else [_copy(r) for r in regions]
        jobs = [
            job
            for index, block in enumerate(blocks)
            if (job := crop_job(index, block.label, block.bbox, page.image, self.routing)) is not None
        ]
        return PlannedPage(page, regions, blocks, jobs)

    # ------------------------------------------------------------------ recognition

    def submit(self, planned: PlannedPage) -> Future[PageResult]:
        done: Future[PageResult] = Future()
        if not planned.jobs:
            done.set_result(self._assemble(planned, {}))
            return done
        results: dict[int, RecognitionResult] = {}
        lock = threading.Lock()

        def collect(job: CropJob, future: Future[RecognitionResult]) -> None:
            with lock:
                results[job.block_index] = future.result()
                finished = len(results) == len(planned.jobs)
            if finished:
                try:
                    done.set_result(self._assemble(planned, results))
                except Exception as exc:  # the page fails with its cause, never leaves its future pending
                    done.set_exception(exc)

        for job in planned.jobs:
            request = RecognitionRequest(
                image=job.image,
                prompt=job.prompt,
                id=(planned.page.index, job.block_index),
                min_pixels=job.min_pixels,
                max_pixels=job.max_pixels,
            )
            self.recognizer.submit(request).add_done_callback(lambda future, job=job: collect(job, future))
        return done

    def _assemble(self, planned: PlannedPage, results: dict[int, RecognitionResult]) -> PageResult:
        from ocrvl.recognition.vl_content import clean_block_content

        page = planned.page
        blocks: list[Block] = []
        failed = 0
        for index, region in enumerate(planned.blocks):
            block = Block(region=region, content="", block_id=index, group_id=index)
            result = results.get(index)
            if result is not None:
                if result.ok:
                    block.content = clean_block_content(region.label, result.text)
                else:
                    failed += 1
                    logger.warning("%s page %d: %s block %d could not be read: %s",
                                   page.source.name, page.index + 1, region.label, index, result.error)  # fmt: skip
            elif task_for_label(region.label, self.routing) is None:
                block.image = crop_box(page.image, region.bbox)
            blocks.append(block)
        settings: dict[str, object] = {
            "engine": self.name,
            "use_doc_preprocessor": False,
            "use_layout_detection": True,
            "use_chart_recognition": self.options.use_chart_recognition,
            "use_seal_recognition": self.options.use_seal_recognition,
            "format_block_content": False,
            "merge_layout_blocks": self.options.merge_layout_blocks,
            "layout_model": self.detector.name,
            "recognizer": self.recognizer_name,
            "dpi": round(page.dpi, 2),
        }
        if failed:
            settings["unread_blocks"] = failed
        return PageResult(
            input_path=page.source,
            page_index=page.index,
            page_count=page.page_count,
            width=page.width,
            height=page.height,
            regions=planned.regions,
            blocks=blocks,
            model_settings=settings,
            image=page.image,
        )


def _copy(region: Region) -> Region:
    return Region(region.bbox, region.label, region.score, region.order, region.cls_id)
