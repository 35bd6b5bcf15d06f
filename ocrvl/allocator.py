"""How a long command-line run gives freed memory back to the system."""

from __future__ import annotations

import ctypes
import os
import sys

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
_MMAP_THRESHOLD = 1 << 20


def return_large_blocks_at_once() -> None:
    """Serve blocks of 1 MiB and more by mmap, so freeing one gives it back to the system.

    The OCR models allocate and free large tensors on every call; glibc's adaptive threshold moves them onto its
    heap, which then keeps hundreds of MB of freed space for the rest of the run (benchmarks/bench_memory.py:
    a scanned PDF peaks near 1.4 GB without this, 0.9 GB with it). glibc only; the user's own
    MALLOC_MMAP_THRESHOLD_ wins."""
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc (musl, ...): nothing to tune
        return
    libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
