"""What a page engine needs from a recognizer: the local inference core (`InferenceEngine`) and the remote
one for OpenAI-compatible servers (`RemoteRecognizer`) both are one."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Protocol, runtime_checkable

from ocrvl.inference.requests import RecognitionRequest, RecognitionResult


@runtime_checkable
class Recognizer(Protocol):
    """Reads crops asynchronously. ``submit`` returns at once; the future completes with the crop's result (a
    crop that cannot be read completes with an error result, a recognizer that cannot read anything fails the
    future). ``close`` finishes the crops already submitted and refuses new ones."""

    def submit(self, request: RecognitionRequest) -> Future[RecognitionResult]: ...

    def close(self) -> None: ...
