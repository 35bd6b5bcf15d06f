"""Two recognizers as one: every line read by a fast model, and read again by an accurate one where the fast
model was unsure of it.

PP-OCRv6 tiny reads a line several times faster than PP-OCRv6 small and agrees with it on most lines. Where it
does not, its own confidence (the mean probability of the characters it read) is low more often than not, so
only those lines are worth the accurate model's time; its reading replaces the fast one there (the two models'
confidences are not on one scale, so they are not compared).

In a script neither model reads (Korean, Arabic) nearly every line is unsure and the accurate model is no surer of
them: reading them all again costs seconds a page for nothing. Where many lines are unsure, a sample of them is read
again first, and the rest only when the accurate model reads a few of those: it is sure of them, or finds text where
the fast model found none (a form's check boxes, which only the accurate model reads as marks); and only when it
reads more of them than it disowns, finding no text at all where the fast model read some (what it does with most
lines of a script it does not know, where the fast model reads strings of look-alike ideographs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

# How the default was chosen (no evaluation data): the lines of the repository's own samples (a scanned letter,
# a table on two pages, a born-digital report) rendered at 72, 100 and 150 dpi were read by both models; 0.94
# is the lowest threshold below which the lines the models disagree on hold three quarters of the characters
# they disagree on (0.90 holds about half), re-reading 9% of the lines there.
DEFAULT_REREAD_BELOW = 0.94
_SAMPLE = 12  # unsure lines read again first where there are more than twice as many
_SURE = 0.8  # the accurate model's confidence that counts as reading a line
_READ_IN_SAMPLE = 2  # lines of the sample it must read for the rest to be read again


class LineRecognizer(Protocol):
    def read(
        self, lines: Sequence[np.ndarray], known: Mapping[int, tuple[str, float]] | None = None
    ) -> list[tuple[str, float]]: ...


@dataclass
class RereadCount:
    """How many lines a cascade read, and how many of them it read twice."""

    lines: int = 0
    reread: int = 0

    @property
    def fraction(self) -> float:
        return self.reread / self.lines if self.lines else 0.0


class CascadeRecognizer:
    """Reads lines with `fast`, and again with `accurate` those `fast` read with a confidence below
    `reread_below`."""

    def __init__(self, fast: LineRecognizer, accurate: LineRecognizer, reread_below: float = DEFAULT_REREAD_BELOW):
        self.fast = fast
        self.accurate = accurate
        self.reread_below = reread_below
        self.count = RereadCount()

    def read(
        self, lines: Sequence[np.ndarray], known: Mapping[int, tuple[str, float]] | None = None
    ) -> list[tuple[str, float]]:
        """(text, confidence) for each line, in the order given; `known`: the fast model's readings of some of the
        lines, by index, which it does not read again."""
        results = self.fast.read(lines, known)
        unsure = [i for i, (_, score) in enumerate(results) if score < self.reread_below]
        first = unsure[:: len(unsure) // _SAMPLE][:_SAMPLE] if len(unsure) > 2 * _SAMPLE else unsure
        found_nothing = [not results[i][0].strip() for i in first]
        again = self._reread(lines, first, results)
        read = sum(
            score >= _SURE or (bool(text.strip()) and blank) for (text, score), blank in zip(again, found_nothing)
        )
        disowned = sum(not text.strip() and not blank for (text, _), blank in zip(again, found_nothing))
        if len(first) < len(unsure) and read >= _READ_IN_SAMPLE and read > disowned:
            self._reread(lines, sorted(set(unsure) - set(first)), results)
        self.count.lines += len(lines)
        return results

    def _reread(
        self, lines: Sequence[np.ndarray], which: list[int], results: list[tuple[str, float]]
    ) -> list[tuple[str, float]]:
        """Lines `which` read by the accurate model, their readings put in `results`."""
        again = self.accurate.read([lines[i] for i in which])
        for i, reading in zip(which, again):
            results[i] = reading
        self.count.reread += len(which)
        return again
