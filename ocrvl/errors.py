"""The one exception family of ocrvl.

Every error a user can cause or meet derives from `OcrvlError`, carries a message
that names the file and the problem, and is printed by the CLI as a single line.
"""

from __future__ import annotations

from pathlib import Path


class OcrvlError(Exception):
    """Base of every error ocrvl raises on purpose."""


class InputError(OcrvlError):
    """An input file cannot be read as a document: missing, empty, corrupt, encrypted, too large."""

    def __init__(self, path: Path | str, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class OutputError(OcrvlError):
    """Results cannot be written where the user asked."""


class OptionsError(OcrvlError):
    """An option value is invalid (bad page range, unknown engine, ...)."""


class EngineUnavailableError(OcrvlError):
    """The requested engine cannot run here (weights or a server missing)."""
