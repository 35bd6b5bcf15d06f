"""The OpenAI chat-completions dialect the server speaks: reading a request into a recognition request, shaping
the answer and the errors.

What is accepted is what PaddleOCR's own client sends a vLLM server for PaddleOCR-VL: one user message with an
``image_url`` part (a base64 ``data:`` URL) and a text part holding the task prompt, ``temperature`` 0,
``max_completion_tokens`` (or ``max_tokens``), and the crop's resize limits as
``mm_processor_kwargs: {"min_pixels": N, "max_pixels": M}`` (an extra body field; vLLM hands it to the model's
image processor). ``skip_special_tokens`` and ``repetition_penalty`` may come along as well.
"""

from __future__ import annotations

import base64
import binascii
import io
import time
import uuid
from dataclasses import dataclass
from typing import Any

from PIL import Image

from ocrvl.inference import RecognitionResult
from ocrvl.models.prompting import TASK_PROMPTS

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    503: "service_unavailable",
}
# The engine's own finish reasons in OpenAI's words: a cut loop ends the answer as a stop token would.
_FINISH_REASONS = {"stop": "stop", "repetition": "stop", "length": "length"}
_PIXEL_KEYS = ("min_pixels", "max_pixels")


class ApiError(Exception):
    """An error answered to the client as ``{"error": {"message", "type", "param", "code"}}``."""

    def __init__(self, status: int, message: str, code: str, param: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.message, self.code, self.param)


def error_body(status: int, message: str, code: str, param: str | None = None) -> dict[str, Any]:
    kind = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


@dataclass(frozen=True)
class ChatRequest:
    """A chat completion request, checked: the image still encoded, the limits resolved."""

    image_data: bytes
    prompt: str
    max_new_tokens: int
    min_pixels: int | None = None
    max_pixels: int | None = None
    skip_special_tokens: bool | None = None


def parse_chat_request(body: object, model_name: str, max_new_tokens: int) -> ChatRequest:
    """Check a decoded JSON body; ``max_new_tokens`` is the server's limit (and the default)."""
    if not isinstance(body, dict):
        raise _bad("the request body must be a JSON object")
    model = body.get("model")
    if model is not None and model != model_name:
        raise ApiError(404, f"the model {model!r} is not served here; this server serves {model_name!r}",
                       "model_not_found", "model")  # fmt: skip
    if body.get("stream"):
        raise _bad("streaming is not supported: send stream false (or leave it out)", "stream")
    if body.get("n") not in (None, 1):
        raise _bad("only one choice is generated: n must be 1", "n")
    temperature = body.get("temperature")
    # top_p 0 keeps only the most likely token whatever the temperature: FastDeploy's way of asking for greedy.
    greedy_top_p = _is_number(body.get("top_p")) and body.get("top_p") == 0
    if temperature is not None and not greedy_top_p and (not _is_number(temperature) or temperature != 0):
        raise _bad(f"only greedy decoding is served (PaddleOCR-VL reads deterministically): temperature must be 0 "
                   f"or left out, not {temperature!r}", "temperature")  # fmt: skip
    penalty = body.get("repetition_penalty")
    if penalty is not None and (not _is_number(penalty) or penalty != 1):
        raise _bad(f"repetition_penalty is not supported (loops are cut by the server's repetition guard): "
                   f"send 1 or leave it out, not {penalty!r}", "repetition_penalty")  # fmt: skip
    skip = body.get("skip_special_tokens")
    if skip is not None and not isinstance(skip, bool):
        raise _bad("skip_special_tokens must be true or false", "skip_special_tokens")
    image_data, prompt = _read_messages(body.get("messages"))
    min_pixels, max_pixels = _read_pixel_limits(body.get("mm_processor_kwargs"))
    return ChatRequest(image_data, prompt, _read_token_limit(body, max_new_tokens), min_pixels, max_pixels, skip)


def decode_image(data: bytes, max_image_pixels: int) -> Image.Image:
    """The RGB image, or a 400 naming what is wrong with it."""
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > max_image_pixels:
            raise _bad(f"the image is {image.width}x{image.height} pixels, more than this server takes "
                       f"({max_image_pixels} pixels)", "messages")  # fmt: skip
        image.load()
        return image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise _bad(f"the image cannot be decoded: {exc}", "messages") from None


def chat_completion(result: RecognitionResult, text: str, model_name: str) -> dict[str, Any]:
    completion_tokens = len(result.token_ids)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model_name,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": _FINISH_REASONS[result.finish_reason],
            }
        ],
        "usage": {
            "prompt_tokens": result.prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": result.prompt_tokens + completion_tokens,
        },
    }


def model_list(model_name: str, created: int) -> dict[str, Any]:
    return {"object": "list", "data": [{"id": model_name, "object": "model", "created": created, "owned_by": "ocrvl"}]}


# ------------------------------------------------------------------------------------------- request parts


def _read_messages(messages: object) -> tuple[bytes, str]:
    if not isinstance(messages, list) or len(messages) != 1 or not isinstance(messages[0], dict):
        raise _bad("messages must hold exactly one user message (an image part and a task prompt part)", "messages")
    message = messages[0]
    if message.get("role") != "user":
        raise _bad(f"the message's role must be 'user', not {message.get('role')!r}", "messages")
    content = message.get("content")
    if not isinstance(content, list):
        raise _bad("the message's content must be a list of parts: one image part and one text part", "messages")
    images = [part for part in content if isinstance(part, dict) and part.get("type") in ("image_url", "image")]
    texts = [part for part in content if isinstance(part, dict) and part.get("type") == "text"]
    if len(images) != 1 or len(texts) != 1 or len(content) != 2:
        raise _bad(f"the message's content must be one image part and one text part; it has {len(images)} image "
                   f"part(s), {len(texts)} text part(s) and {len(content) - len(images) - len(texts)} other(s)",
                   "messages")  # fmt: skip
    prompt = texts[0].get("text")
    if prompt not in TASK_PROMPTS.values():
        known = ", ".join(repr(p) for p in TASK_PROMPTS.values())
        raise _bad(f"the text part must be one of PaddleOCR-VL's task prompts ({known}), not {prompt!r}", "messages")
    return _image_bytes(images[0]), prompt


def _image_bytes(part: dict) -> bytes:
    if part["type"] == "image_url":
        url = part.get("image_url")
        url = url.get("url") if isinstance(url, dict) else url
    else:
        url = part.get("image")
    if not isinstance(url, str) or not url:
        raise _bad("the image part holds no image: send image_url.url as a base64 data: URL", "messages")
    if url.startswith(("http://", "https://", "file:")):
        raise _bad("only base64 data: URLs are accepted (this server fetches nothing)", "messages")
    payload = url
    if url.startswith("data:"):
        header, comma, payload = url.partition(",")
        if not comma or not header.endswith(";base64"):
            raise _bad("the image's data: URL must be base64 (data:image/png;base64,...)", "messages")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise _bad("the image is not valid base64", "messages") from None


def _read_token_limit(body: dict, server_limit: int) -> int:
    requested = body.get("max_completion_tokens")
    name = "max_completion_tokens"
    if requested is None:
        requested, name = body.get("max_tokens"), "max_tokens"
    if requested is None:
        return server_limit
    if not isinstance(requested, int) or isinstance(requested, bool) or requested < 1:
        raise _bad(f"{name} must be a whole number of at least 1, not {requested!r}", name)
    return min(requested, server_limit)


def _read_pixel_limits(kwargs: object) -> tuple[int | None, int | None]:
    if kwargs is None:
        return None, None
    if not isinstance(kwargs, dict):
        raise _bad("mm_processor_kwargs must be an object such as {\"min_pixels\": N, \"max_pixels\": M}",
                   "mm_processor_kwargs")  # fmt: skip
    unknown = sorted(set(kwargs) - set(_PIXEL_KEYS))
    if unknown:
        raise _bad(f"mm_processor_kwargs takes only min_pixels and max_pixels, not {', '.join(unknown)}",
                   "mm_processor_kwargs")  # fmt: skip
    limits = []
    for key in _PIXEL_KEYS:
        value = kwargs.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise _bad(f"mm_processor_kwargs.{key} must be a whole number of at least 1, not {value!r}",
                       "mm_processor_kwargs")  # fmt: skip
        limits.append(value)
    if limits[0] is not None and limits[1] is not None and limits[0] > limits[1]:
        raise _bad(f"mm_processor_kwargs: min_pixels ({limits[0]}) is above max_pixels ({limits[1]})",
                   "mm_processor_kwargs")  # fmt: skip
    return limits[0], limits[1]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bad(message: str, param: str | None = None) -> ApiError:
    return ApiError(400, message, "invalid_request", param)
