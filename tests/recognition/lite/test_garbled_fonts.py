"""Telling a font whose text-layer text is garbage from text in any language."""

from ocrvl.recognition.lite.garbled_fonts import garbled_fonts
from ocrvl.types import TextSpan


def test_only_a_font_whose_text_is_garbage_is_taken_for_garbled():
    """Mojibake (accented letters and typographic signs strung together) marks its font as garbled; text in
    French, Vietnamese or Russian, a font of bullets and one of math signs do not."""
    samples = {
        "Garbled": "]üìÜüéê •ìê °ê£ë†£ûÜüéê †ë ∞†¶£ èÜ•ÜáÜ§ê",
        "French": "Être ou ne pas être, voilà la question. Déjà vu à Noël.",
        "Vietnamese": "Người Việt Nam ở đâu cũng nhớ về quê hương đất nước mình",
        "Russian": "Привет мир, как дела сегодня утром",
        "Bullets": "• • • • • • • • • • • • • •",
        "Math": "× ± · ≤ ≥ × ± · ¬ ∑ ∫ ×××",
    }
    spans = [TextSpan(text, (0, 0, 10, 10), 10, 10, font) for font, text in samples.items()]
    assert garbled_fonts(spans) == {"Garbled"}
