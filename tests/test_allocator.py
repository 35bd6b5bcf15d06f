"""Freed memory goes back to the system once a page is done, past what is kept for the next page."""

import subprocess
import sys

import pytest

from ocrvl.allocator import KEPT_FREE_BYTES

# Allocates blocks of 64 KiB (under glibc's mmap threshold, so they come from the heap) adding up to the MB given,
# frees all but the last (which pins the heap's top, so glibc does not shrink it by itself), and prints the resident
# size in MB before and after a page's end.
_SCRIPT = """
import ctypes, os, sys
from ocrvl.allocator import give_back_free_memory
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
def resident_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
blocks = [libc.malloc(64 << 10) for _ in range(int(sys.argv[1]) * 16)]
for block in blocks:
    ctypes.memset(block, 1, 64 << 10)
for block in blocks[:-1]:
    libc.free(block)
before = resident_mb()
give_back_free_memory()
print(before, resident_mb())
"""


def _resident_before_and_after(freed_mb: int) -> tuple[float, float]:
    done = subprocess.run([sys.executable, "-c", _SCRIPT, str(freed_mb)], capture_output=True, text=True, check=True)
    before, after = map(float, done.stdout.split())
    return before, after


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap")
def test_freed_heap_memory_past_what_is_kept_is_given_back():
    freed = (KEPT_FREE_BYTES >> 20) + 200
    before, after = _resident_before_and_after(freed)
    assert before - after > freed - 50


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap")
def test_the_next_pages_buffers_are_kept():
    before, after = _resident_before_and_after(200)
    assert before - after < 20
