"""Where ocrvl keeps what it can make again: `$XDG_CACHE_HOME/ocrvl` (`~/.cache/ocrvl` where that is unset)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_folder(kind: str) -> Path:
    """The cache folder for one kind of file (not made here)."""
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ocrvl" / kind
