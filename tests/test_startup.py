"""What a lite run costs at start: no torch (about 180 MB of memory and seconds of import) unless a PaddleOCR-VL
model is actually used."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import SAMPLES

LITE_RUN = f"""
import sys
from ocrvl import PaddleOCRVL
import ocrvl.cli
pages = PaddleOCRVL(engine="lite").predict({str(SAMPLES / "born_digital.pdf")!r})
assert pages and pages[0].page_markdown.strip(), "the lite run read nothing"
print("torch imported:", "torch" in sys.modules)
"""


def test_a_lite_run_never_imports_torch():
    done = subprocess.run([sys.executable, "-c", LITE_RUN], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "torch imported: False" in done.stdout
