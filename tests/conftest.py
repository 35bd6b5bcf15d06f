"""Shared fixtures: the committed samples, their ground truth, and one lite parser for the session
(models load once; parsing each sample once keeps the suite fast)."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import pytest
from lxml import html as lxml_html

from ocrvl import PaddleOCRVL

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.fixture(scope="session")
def release(tmp_path_factory) -> Path:
    """A tiny random PaddleOCR-VL release folder laid out like the official one: the recognizer at the top,
    PP-DocLayoutV2/ in Paddle format inside."""
    from ocrvl.testing.checkpoints import write_tiny_checkpoint
    from ocrvl.testing.ppdoclayout import write_tiny_paddle_layout

    root = tmp_path_factory.mktemp("PaddleOCR-VL")
    write_tiny_checkpoint(root)
    write_tiny_paddle_layout(root / "PP-DocLayoutV2")
    return root


@pytest.fixture(scope="session")
def sources() -> dict:
    return json.loads((SAMPLES / "sources.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def parser() -> PaddleOCRVL:
    return PaddleOCRVL(engine="lite")


@pytest.fixture(scope="session")
def parsed(parser):
    """Document output per sample file name, parsed on first use."""
    cache: dict = {}

    def get(name: str):
        if name not in cache:
            cache[name] = parser.join(parser.predict(SAMPLES / name))[0]
        return cache[name]

    return get


def tables_in(markdown: str) -> list[list[list[str]]]:
    """Every HTML table in `markdown` as rows of normalized cell texts."""
    tables = []
    for fragment in re.findall(r"<table\b.*?</table>", markdown, flags=re.S | re.I):
        tree = lxml_html.fromstring(fragment)
        tables.append(
            [[" ".join(cell.text_content().split()) for cell in row.xpath("./td|./th")] for row in tree.iter("tr")]
        )
    return tables


def plain(text: str) -> str:
    return " ".join(text.split())


def ctrl_c_as_in_a_terminal() -> None:
    """For a child process's `preexec_fn`: SIGINT at its default, as in a terminal's foreground job. A job started in
    the background (`cmd &`, as CI runners may start the tests) inherits SIGINT ignored, and Python then never turns
    Ctrl-C into KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
