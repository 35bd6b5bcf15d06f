"""Stopping a sequence caught in a loop, the known failure of small OCR models."""

from __future__ import annotations

from .options import RepetitionLimits


class RepetitionGuard:
    """Watches one sequence token by token, in O(max_period) per token.

    For every period p it keeps how many of the latest tokens equal the token p places earlier. A run
    of r such tokens means the last r + p tokens repeat a unit of p tokens.
    """

    def __init__(self, limits: RepetitionLimits):
        self.limits = limits
        self.tokens: list[int] = []
        self.runs = [0] * (limits.max_period + 1)

    def push(self, token: int) -> int | None:
        """Add a token; returns how many tokens to drop from the end (all but one copy of the unit)
        when the sequence is caught in a loop, else None."""
        self.tokens.append(token)
        count = len(self.tokens)
        limits = self.limits
        for period in range(1, min(limits.max_period, count - 1) + 1):
            if self.tokens[-1] == self.tokens[-1 - period]:
                self.runs[period] += 1
                span = self.runs[period] + period
                if span >= limits.min_span and span >= limits.min_repeats * period:
                    return span - period
            else:
                self.runs[period] = 0
        return None
