"""How a long run gives freed memory back to the system."""

from __future__ import annotations

import ctypes
import os
import sys
from functools import cache

# Freed heap memory kept for the next page's buffers. A scanned page frees 350-500 MB when it is done (the text
# detector's and recognizers' buffers); faulting that much in again on every page took a fifth of a scanned page's
# time. Above this much the heap is trimmed, so a long run's memory stays bounded.
KEPT_FREE_BYTES = 768 << 20

# mallopt's parameters (glibc's malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_M_ARENA_MAX = -8


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                     "keepcost")
    ]  # fmt: skip


@cache
def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc
        return None
    if not hasattr(libc, "malloc_trim"):
        return None
    if hasattr(libc, "mallinfo2"):  # glibc 2.33 on
        libc.mallinfo2.restype = _MallInfo2
    return libc


def free_heap_bytes() -> int | None:
    """The bytes glibc's heap holds freed, in all its arenas (None where that cannot be asked)."""
    libc = _glibc()
    if libc is None or not hasattr(libc, "mallinfo2"):
        return None
    return int(libc.mallinfo2().fordblks)


@cache
def reuse_freed_memory() -> None:
    """Have glibc keep the memory a page frees for the next page's buffers, in at most one heap per core, until
    `give_back_free_memory` hands it back. Process-wide; called by the first pipeline made.

    By default glibc serves every block above 128 KB-32 MB (a scan's detector tensors, a long line's recognizer
    buffers) by mmap and unmaps it when freed, trims a heap by itself once its free top passes a similar size, and
    gives threads up to eight heaps per core. The OCR models' threads then fault their buffers in afresh on every
    page: about 175 thousand page faults for the dev split's 7 scanned pages, 80 thousand this way, and
    `bench_lite` reads those pages about 1.1x faster against one-thread Tesseract (0.81-0.88x its speed before,
    0.86-0.97x after, four runs each in turns) with the same RSS over 60 scanned pages (`bench_memory`)."""
    libc = _glibc()
    if libc is None or not hasattr(libc, "mallopt"):
        return
    libc.mallopt(_M_MMAP_MAX, 0)
    libc.mallopt(_M_TRIM_THRESHOLD, KEPT_FREE_BYTES)
    libc.mallopt(_M_ARENA_MAX, os.cpu_count() or 1)


def give_back_free_memory() -> None:
    """Hand the free pages of the C heap back to the system (glibc's malloc_trim) once a page is done, when the
    heap holds more than `KEPT_FREE_BYTES` freed (always, where glibc cannot say how much it holds).

    The OCR models allocate and free buffers of several MB on every call; glibc keeps what is freed for reuse,
    and over a scanned document its heap would hold ever more of it. Serving every large block by mmap gives it
    back too (`MALLOC_MMAP_THRESHOLD_`), but costs a system call and fresh page faults on every allocation: about
    30% more time per scanned page (benchmarks/bench_memory.py)."""
    libc = _glibc()
    if libc is None:
        return
    free = free_heap_bytes()
    if free is None or free > KEPT_FREE_BYTES:
        libc.malloc_trim(0)
