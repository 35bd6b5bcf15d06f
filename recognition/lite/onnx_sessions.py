"""ONNX Runtime sessions for the OCR models, made to share a few cores with the layout model.

Threads that spin while waiting for work keep a core busy for nothing; with two or more sessions on a small
machine they take the cores from each other. These sessions run their operators one after another on a
fixed number of threads that sleep when idle. They keep no memory arena: an arena grows to the largest batch of
lines ever read and holds it (about 0.6 GB more at the peak over a few scanned pages), for no measurable speed.
"""

from __future__ import annotations

import os
from pathlib import Path

import onnxruntime as ort


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
