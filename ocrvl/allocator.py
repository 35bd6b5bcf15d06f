"""How a long run gives freed memory back to the system."""

from __future__ import annotations

import ctypes
import sys
from functools import cache


@cache
def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc
        return None
    return libc if hasattr(libc, "malloc_trim") else None


def give_back_free_memory() -> None:
    """Hand the free pages of the C heap back to the system (glibc's malloc_trim), once a page is done.

    The OCR models allocate and free buffers of several MB on every call; glibc keeps what is freed for reuse,
    and over a scanned document its heap holds hundreds of MB of it. Serving every large block by mmap gives it
    back too (`MALLOC_MMAP_THRESHOLD_`), but costs a system call and fresh page faults on every allocation: about
    30% more time per scanned page (benchmarks/bench_memory.py). A trim per page costs a few milliseconds."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
