"""How ocrvl writes math: the delimiter rule shared by the recognizer's clean-up and the Markdown writer."""

from __future__ import annotations

import re


def strip_math_delimiters(text: str) -> str:
    """`text` without any math delimiters: how a formula number such as "(3.1)" is stored.

    PaddleX drops the ``$`` of formula numbers only when it converted ``\\(`` delimiters; here always."""
    return re.sub(r"\\[()\[\]]|\$", "", text).strip()
