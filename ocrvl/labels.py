"""Groups of PaddleOCR-VL block labels that the stages treat alike."""

from __future__ import annotations

import re

# Cropped and linked, never read as text.
PICTURE_LABELS = frozenset({"image", "chart", "header_image", "footer_image", "seal"})

# Outside the body text flow: kept in JSON, left out of reading order (and of Markdown by default).
MARGINAL_LABELS = frozenset({"header", "footer", "header_image", "footer_image", "number", "aside_text"})

# Pictures the vl engine crops and links but never reads.
IMAGE_LABELS = frozenset({"image", "header_image", "footer_image"})

# Glyphs that mark a list item at the start of its first line: dots, squares, diamonds, arrows, check boxes.
BULLETS = frozenset("•◦▪‣·●○■□◆◇❖❑⬧◻▶►▸➢➤➔⇨☐☑☒✓")

# Text that is a figure, as tables print them: 12 / -0.5 / 1,087,948 / (3.2) / $8.6M / 45% / 1.2Bn / 0.05*
FIGURE = re.compile(r"^[(+\-−–]?[$€£¥]?\d[\d.,]*\s?(%|[kKMB]n?)?\)?[*†‡]*$")
# A table's entry that is no figure: a dash, "(X)", "n/a", "NA" (not available, withheld, not applicable).
NO_FIGURE = re.compile(r"^(\(?[A-Za-z]\)?|n/?a|N/?A|[-–—·.…x×*]{1,3})$")


def unread_labels(use_chart_recognition: bool = False, use_seal_recognition: bool = False) -> frozenset[str]:
    """Labels the vl engine keeps as pictures: images always, charts and seals unless their recognition is on."""
    labels = set(IMAGE_LABELS)
    if not use_chart_recognition:
        labels.add("chart")
    if not use_seal_recognition:
        labels.add("seal")
    return frozenset(labels)
