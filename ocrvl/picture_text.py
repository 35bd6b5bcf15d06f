"""The text inside a page's pictures, as PaddleOCR-VL's ``use_ocr_for_image_block`` reads it: each image block's
crop is read as text (the vl engine's recognizer with the ``OCR:`` prompt, the lite engine's OCR) and becomes the
block's content; the picture stays."""

from __future__ import annotations

from dataclasses import replace

from ocrvl.labels import IMAGE_LABELS
from ocrvl.types import Block, PageResult


def read_pictures(page: PageResult, engine: object) -> PageResult:
    """A copy of `page` whose image blocks hold the text read inside them by `engine` (the page's engine)."""
    pictures = [k for k, block in enumerate(page.blocks) if block.label in IMAGE_LABELS and block.image is not None]
    if not pictures:
        return page
    texts = _read_with_recognizer(page, pictures, engine) if hasattr(engine, "routing") else _read_with_ocr(
        page, pictures, engine)  # fmt: skip
    blocks = list(page.blocks)
    for k, text in zip(pictures, texts):
        blocks[k] = replace(blocks[k], content=text)
    return replace(page, blocks=blocks)


def _read_with_recognizer(page: PageResult, pictures: list[int], engine) -> list[str]:
    from ocrvl.inference import RecognitionRequest
    from ocrvl.models.prompting import TASK_PROMPTS
    from ocrvl.recognition.vl.content import clean_block_content

    low, high = engine.routing.limits("ocr")
    futures = [
        engine.recognizer.submit(RecognitionRequest(page.blocks[k].image, TASK_PROMPTS["ocr"], id=(page.page_index, k),
                                                    min_pixels=low, max_pixels=high))  # fmt: skip
        for k in pictures
    ]
    texts = []
    for k, future in zip(pictures, futures):
        result = future.result()
        texts.append(clean_block_content(page.blocks[k].label, result.text) if result.ok else "")
    return texts


def _read_with_ocr(page: PageResult, pictures: list[int], engine) -> list[str]:
    from ocrvl.recognition.lite.text_assembly import region_text

    blocks: list[Block] = page.blocks
    return [region_text(engine.recognizer.reader.read(blocks[k].image)) for k in pictures]
