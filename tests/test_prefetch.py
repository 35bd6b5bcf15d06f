"""Stages run ahead of their consumer: order kept, errors in place, nothing left running."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future

import pytest

from ocrvl.pipeline import Pipeline
from ocrvl.prefetch import prefetch
from ocrvl.types import PageResult

from .conftest import SAMPLES


def test_prefetch_keeps_order_and_stays_within_its_depth():
    produced = []

    def items():
        for i in range(20):
            produced.append(i)
            yield i

    seen = []
    for item in prefetch(items(), depth=2, name="test"):
        time.sleep(0.005)
        # the producer is at most the queue depth plus the one item it holds ahead of what was consumed
        assert len(produced) <= item + 1 + 2 + 1
        seen.append(item)
    assert seen == list(range(20))


def test_prefetch_raises_the_producers_error_in_its_place():
    def items():
        yield 1
        yield 2
        raise ValueError("page 3 is broken")

    got = []
    with pytest.raises(ValueError, match="page 3 is broken"):
        for item in prefetch(items(), depth=4, name="test"):
            got.append(item)
    assert got == [1, 2]


def test_a_consumer_that_stops_early_stops_the_producer():
    closed = threading.Event()

    def items():
        try:
            yield from range(10_000)
        finally:
            closed.set()

    stream = prefetch(items(), depth=2, name="test")
    assert next(stream) == 0
    stream.close()
    assert closed.is_set()
    assert not any(t.name == "ocrvl-test" for t in threading.enumerate())


class _SlowRecognizer:
    """An engine whose recognition of page k completes only once the layout of page k+1 has run, on another
    thread, and whose results complete in reverse order: a pipeline that waits for one page before starting
    the next deadlocks, and one that yields in completion order gets the pages wrong."""

    name = "test"

    def __init__(self, pages: int):
        self.analyzed = [threading.Event() for _ in range(pages + 1)]
        self.analyze_threads: set[str] = set()

    def analyze(self, page):
        self.analyze_threads.add(threading.current_thread().name)
        self.analyzed[page.index].set()
        return page

    def recognize(self, page) -> Future:
        future: Future = Future()
        last = page.index == page.page_count - 1

        def read():
            try:
                if not last and not self.analyzed[page.index + 1].wait(timeout=10):
                    raise TimeoutError(f"page {page.index + 2} was not analysed while page {page.index + 1} ran")
                time.sleep(0.05 * (page.page_count - page.index))  # earlier pages finish later
                future.set_result(PageResult(page.source, page.index, page.page_count, page.width, page.height,
                                             regions=[], blocks=[], model_settings={}))  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - the test's failure, delivered to the pipeline
                future.set_exception(exc)

        threading.Thread(target=read, daemon=True).start()
        return future


def test_layout_of_the_next_page_runs_while_a_page_is_recognized():
    engine = _SlowRecognizer(pages=2)
    pipeline = Pipeline(engine=engine)
    results = list(pipeline.iter_document(SAMPLES / "table_two_pages.pdf"))
    assert [r.page_index for r in results] == [0, 1]
    assert engine.analyze_threads == {"ocrvl-layout"}
