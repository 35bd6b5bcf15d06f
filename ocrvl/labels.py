"""Groups of PaddleOCR-VL block labels that the stages treat alike."""

from __future__ import annotations

# Cropped and linked, never read as text.
PICTURE_LABELS = frozenset({"image", "chart", "header_image", "footer_image", "seal"})

# Outside the body text flow: kept in JSON, left out of reading order (and of Markdown by default).
MARGINAL_LABELS = frozenset({"header", "footer", "header_image", "footer_image", "number", "aside_text"})
