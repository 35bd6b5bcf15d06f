"""Grouping crops for the vision encoder under a patch budget."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def vision_groups(items: Sequence[T], patches: Callable[[T], int], budget: int) -> list[list[T]]:
    """Consecutive groups of at most ``budget`` patches each (a larger crop forms a group alone).

    Attention stays within each crop and nothing is padded, so any grouping costs the same arithmetic;
    the budget bounds the activations of one packed call.
    """
    groups: list[list[T]] = []
    current: list[T] = []
    total = 0
    for item in items:
        size = patches(item)
        if current and total + size > budget:
            groups.append(current)
            current, total = [], 0
        current.append(item)
        total += size
    if current:
        groups.append(current)
    return groups
