"""A recognizer whose requests get this run's generation limit: how one ``predict`` call's ``max_new_tokens``
reaches a recognizer loaded once for the parser."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import replace

from ocrvl.inference import RecognitionRequest, RecognitionResult, Recognizer


class RequestDefaults:
    """`recognizer`, with every request that names no generation limit given `max_new_tokens`. Closing it leaves
    the recognizer running (its owner closes it)."""

    def __init__(self, recognizer: Recognizer, max_new_tokens: int):
        self.recognizer = recognizer
        self.max_new_tokens = max_new_tokens

    def submit(self, request: RecognitionRequest) -> Future[RecognitionResult]:
        if request.max_new_tokens is None:
            request = replace(request, max_new_tokens=self.max_new_tokens)
        return self.recognizer.submit(request)

    def close(self) -> None:
        """Nothing to do: the recognizer belongs to the parser."""
