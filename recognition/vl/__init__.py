"""The vl engine's recognition: prompt routing per label, crops, answer clean-up, OTSL to HTML."""
