"""Both recognizers, the local inference core and the remote one, are the `Recognizer` the vl engine is typed with."""

from __future__ import annotations

import inspect
import typing

from ocrvl.engines.vl import VlEngine
from ocrvl.inference import InferenceEngine, Recognizer
from ocrvl.inference.remote import RemoteRecognizer
from ocrvl.inference.remote_options import RemoteOptions


def _submit_parameters(cls) -> list[str]:
    return list(inspect.signature(cls.submit).parameters)


def test_the_local_and_the_remote_recognizer_are_recognizers(recognizer):
    local = recognizer.engine()
    remote = RemoteRecognizer.from_options(RemoteOptions(server_url="http://127.0.0.1:9/v1", model_name="m"))
    try:
        assert isinstance(local, Recognizer)
        assert isinstance(remote, Recognizer)
    finally:
        local.close()
        remote.close()
    # The same call, not merely the same method names.
    assert _submit_parameters(InferenceEngine) == _submit_parameters(RemoteRecognizer) == _submit_parameters(Recognizer)


def test_an_object_without_close_is_not_a_recognizer():
    class SubmitOnly:
        def submit(self, request): ...

    assert not isinstance(SubmitOnly(), Recognizer)


def test_the_vl_engine_takes_any_recognizer():
    hints = typing.get_type_hints(VlEngine.__init__)
    assert hints["recognizer"] is Recognizer
