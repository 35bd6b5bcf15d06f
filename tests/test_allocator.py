"""Freed memory goes back to the system once a page is done, past what is kept for the next page."""

import subprocess
import sys

import pytest

from ocrvl.allocator import KEPT_FREE_BYTES

# What both scripts below start with: glibc's malloc and free, and the process's resident size in MB.
_LIBC = """
import ctypes, os, sys, threading
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
def resident_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
"""

# Allocates blocks of 64 KiB (under glibc's mmap threshold, so they come from the heap) adding up to the MB given,
# frees all but the last (which pins the heap's top, so glibc does not shrink it by itself), and prints the resident
# size in MB before and after a page's end.
_PAGE_END_SCRIPT = """
from ocrvl.allocator import give_back_free_memory
blocks = [libc.malloc(64 << 10) for _ in range(int(sys.argv[1]) * 16)]
for block in blocks:
    ctypes.memset(block, 1, 64 << 10)
for block in blocks[:-1]:
    libc.free(block)
before = resident_mb()
give_back_free_memory()
print(before, resident_mb())
"""


def _resident_sizes(script: str, *args: object) -> tuple[float, float]:
    """The two resident sizes in MB that `script` prints, run in a fresh interpreter after `_LIBC`."""
    done = subprocess.run(
        [sys.executable, "-c", _LIBC + script, *map(str, args)], capture_output=True, text=True, check=True
    )
    first, second = map(float, done.stdout.split())
    return first, second


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap")
def test_freed_heap_memory_past_what_is_kept_is_given_back():
    freed = (KEPT_FREE_BYTES >> 20) + 200
    before, after = _resident_sizes(_PAGE_END_SCRIPT, freed)
    assert before - after > freed - 50


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap")
def test_the_next_pages_buffers_are_kept():
    before, after = _resident_sizes(_PAGE_END_SCRIPT, 200)
    assert before - after < 20


# Allocates one block of the MB given, from a thread (as the OCR models' buffers are), touches it, frees it, and prints
# the resident size in MB while it was held and after it was freed.
_LARGE_BLOCK_SCRIPT = """
from ocrvl.allocator import reuse_freed_memory
if sys.argv[2] == "reuse":
    reuse_freed_memory()
def page():
    block = libc.malloc(int(sys.argv[1]) << 20)
    ctypes.memset(block, 1, int(sys.argv[1]) << 20)
    held = resident_mb()
    libc.free(block)
    print(held, resident_mb())
worker = threading.Thread(target=page)
worker.start()
worker.join()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap")
def test_a_freed_large_buffer_is_kept_for_the_next_page():
    held, freed = _resident_sizes(_LARGE_BLOCK_SCRIPT, 48, "reuse")
    assert held - freed < 8
    held, freed = _resident_sizes(_LARGE_BLOCK_SCRIPT, 48, "default")  # glibc's own way: unmapped at once
    assert held - freed > 40
