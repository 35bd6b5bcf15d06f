"""Running a pipeline stage ahead of its consumer in a thread, through a bounded queue."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_POLL_SECONDS = 0.1


class _Raised:
    def __init__(self, exc: BaseException):
        self.exc = exc


_END = object()


def prefetch(items: Iterable[T], depth: int, name: str) -> Iterator[T]:
    """Yield ``items`` in order while a thread produces up to ``depth`` of them ahead.

    An exception in the producer is raised to the consumer at its place in the sequence. When the consumer
    stops early (the generator is closed), the producer stops after the item it is working on.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            put(_Raised(exc))
            return
        finally:
            close = getattr(items, "close", None)  # a generator: release its open file now, in this thread
            if close is not None:
                close()
        put(_END)

    thread = threading.Thread(target=produce, name=f"ocrvl-{name}", daemon=True)
    thread.start()
    try:
        while True:
            item = buffer.get()
            if item is _END:
                return
            if isinstance(item, _Raised):
                raise item.exc
            yield item
    finally:
        stop.set()
        thread.join()
