"""Crop pixel limits of PaddleOCR-VL, in a module without torch: the lite engine's start-up imports them
through the options, and must not pay for torch."""

# The limits PaddleX's PaddleOCR-VL pipeline passes for every crop when the user sets none (its
# get_layout_parsing_results); the checkpoint's own defaults, used when a request names none, are larger.
PIPELINE_MIN_PIXELS = 112_896
PIPELINE_MAX_PIXELS = 1_003_520
