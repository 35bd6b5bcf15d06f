"""Freed memory goes back to the system once a page is done."""

import subprocess
import sys

import pytest

# Allocates 3000 blocks of 64 KiB (under glibc's mmap threshold, so they come from the heap), frees all but the
# last (which pins the heap's top, so glibc does not shrink it by itself), and prints the resident size in MB
# before and after the trim.
_SCRIPT = """
import ctypes, os
from ocrvl.allocator import give_back_free_memory
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
def resident_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
blocks = [libc.malloc(64 << 10) for _ in range(3000)]
for block in blocks:
    ctypes.memset(block, 1, 64 << 10)
for block in blocks[:-1]:
    libc.free(block)
before = resident_mb()
give_back_free_memory()
print(before, resident_mb())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap")
def test_freed_heap_memory_is_given_back():
    before, after = map(float, subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True,
                                              check=True).stdout.split())  # fmt: skip
    assert before - after > 150  # of the ~187 MB freed
