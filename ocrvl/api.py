"""The Python API, shaped like PaddleOCR's: ``PaddleOCRVL(**options).predict(path)``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ocrvl.options import PipelineOptions
from ocrvl.pipeline import Pipeline, discover_inputs
from ocrvl.results import DocumentOutput, PageOutput, join_pages


class PaddleOCRVL:
    """Document parser. Options are the fields of `ocrvl.options.PipelineOptions`.

    >>> parser = PaddleOCRVL(engine="lite")
    >>> for page in parser.predict("paper.pdf"):
    ...     page.save_to_markdown("out/")
    """

    def __init__(self, engine: str = "auto", **options: object):
        self.options = PipelineOptions.from_kwargs(engine=engine, **options)
        self.pipeline = Pipeline(self.options)
        self.restructure = self.options.restructure_options()

    def predict_iter(self, input: str | Path | Iterable[str | Path]) -> Iterator[PageOutput]:
        """Page results one at a time, documents in order; folders are searched recursively.

        An unreadable file raises `ocrvl.errors.InputError` naming it (pages already yielded stay valid).
        """
        paths = [input] if isinstance(input, (str, Path)) else list(input)
        for file, _root in discover_inputs(paths):
            for page in self.pipeline.iter_document(file):
                yield PageOutput(page, self.options.markdown_ignore_labels, self.restructure)

    def predict(self, input: str | Path | Iterable[str | Path]) -> list[PageOutput]:
        """All page results of the input(s) as a list."""
        return list(self.predict_iter(input))

    @staticmethod
    def join(pages: Iterable[PageOutput]) -> list[DocumentOutput]:
        """One DocumentOutput per input file: all its pages in one Markdown text and one JSON."""
        return join_pages(list(pages))
