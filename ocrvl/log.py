"""Logging for ocrvl: one named logger, and a switch to quiet the chatty third-party engines."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger("ocrvl")

_THIRD_PARTY_PREFIXES = ("RapidOCR", "rapidocr")


@contextmanager
def muted_third_party() -> Iterator[None]:
    """rapidocr resets its loggers to INFO with colored handlers whenever an engine is built; hold all
    logging below ERROR while one is, then mute those loggers for good."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)
        for name in list(logging.root.manager.loggerDict):
            if name.startswith(_THIRD_PARTY_PREFIXES):
                logging.getLogger(name).setLevel(logging.ERROR)


def configure(verbose: int = 0) -> None:
    """Console logging for the CLI: warnings by default, info with -v, debug with -vv."""
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    for old in list(logger.handlers):
        logger.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)  # the current stderr, which a test runner may have swapped
    handler.setFormatter(logging.Formatter("ocrvl: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
