"""ONNX Runtime sessions for the OCR models, made to share a few cores with the layout model.

Threads that spin while waiting for work keep a core busy for nothing; with two or more sessions on a small
machine they take the cores from each other. These sessions run their operators one after another on a
fixed number of threads that sleep when idle. They keep no memory arena: an arena grows to the largest batch of
lines ever read and holds it (about 0.6 GB more at the peak over a few scanned pages), for no measurable speed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import onnxruntime as ort

T = TypeVar("T")
R = TypeVar("R")


def session_threads(threads: int) -> int:
    """Intra-op threads for a `threads` option (0: every core)."""
    return threads if threads > 0 else os.cpu_count() or 1


def open_session(model: Path, threads: int) -> ort.InferenceSession:
    """A CPU session of the ONNX file `model`: `threads` intra-op threads (0: every core), no spinning,
    one inter-op thread, operators run in sequence, no memory arena."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = session_threads(threads)
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.enable_cpu_mem_arena = False
    options.log_severity_level = 3
    return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])


class SessionPool:
    """Single-thread sessions of one ONNX file, one per thread given, each reading its own inputs side by side.

    A text line is too small a tensor for two intra-op threads to share well; two sessions, each reading whole
    lines on one core, read 1.3-1.4x as many lines a second on two cores as one session on both.
    """

    def __init__(self, model: Path, threads: int):
        self.sessions = [open_session(model, 1) for _ in range(session_threads(threads))]
        size = len(self.sessions)
        self._workers = ThreadPoolExecutor(size, thread_name_prefix="ocrvl-onnx") if size > 1 else None

    def map(self, work: Callable[[ort.InferenceSession, T], R], items: Sequence[T]) -> list[R]:
        """`work(session, item)` for every item, results in the order of `items`; each session takes the next
        item as soon as it is free, so items given largest first keep the sessions evenly busy."""
        results: list[R | None] = [None] * len(items)
        pending = iter(enumerate(items))
        lock = threading.Lock()
        failed = threading.Event()

        def drain(session: ort.InferenceSession) -> None:
            while not failed.is_set():
                with lock:
                    taken = next(pending, None)
                if taken is None:
                    return
                index, item = taken
                try:
                    results[index] = work(session, item)
                except BaseException:
                    failed.set()
                    raise

        if self._workers is None or len(items) < 2:
            drain(self.sessions[0])
        else:
            for running in [self._workers.submit(drain, session) for session in self.sessions]:
                running.result()
        return results  # type: ignore[return-value]  # every slot is filled once no work failed
