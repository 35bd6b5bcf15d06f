"""The chat-completions dialect a recognizer server is spoken to in: one crop and its task prompt in, text out.

Per backend it follows what PaddleOCR's own client sends (PaddleX ``DocVLMGenAIClientPredictor``):

- every backend: one user message holding the image as a data URL and the task prompt as text,
  ``max_completion_tokens``, and ``skip_special_tokens`` (false only for spotting, whose location tokens are
  the answer);
- vllm-server and sglang-server decode greedily with ``temperature: 0``; fastdeploy-server is sent
  ``temperature: 1, top_p: 0`` (its way of asking for the most likely token);
- only vllm-server is sent the crop's resize limits, as ``mm_processor_kwargs``; PaddleOCR's client does not
  send them to the other two (they resize with the model's defaults).

Crops go as PNG rather than PaddleX's JPEG: lossless, so a server running the same model reads the very
pixels the local recognizer would.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import numpy as np
from PIL import Image

from ocrvl.models.prompting import TASK_PROMPTS

from .requests import RecognitionRequest, RecognitionResult

_PIXEL_LIMIT_BACKENDS = frozenset({"vllm-server"})


class CropError(ValueError):
    """A crop cannot be sent (not an image the recognizer takes)."""


def png_data_url(image: Image.Image | np.ndarray) -> str:
    """The crop as a ``data:image/png;base64,...`` URL of its RGB pixels."""
    if isinstance(image, np.ndarray):
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise CropError(f"an image array must be RGB uint8 (height, width, 3), not {image.dtype} "
                            f"{tuple(image.shape)}")  # fmt: skip
        image = Image.fromarray(image)
    elif not isinstance(image, Image.Image):
        raise CropError(f"a crop must be a PIL image or an RGB uint8 array, not {type(image).__name__}")
    if image.width < 1 or image.height < 1:
        raise CropError(f"the crop is empty ({image.width}x{image.height} pixels)")
    try:
        if image.mode != "RGB":
            image = image.convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=1)  # fast; the size matters less than the CPU here
    except (OSError, ValueError) as exc:
        raise CropError(f"the image cannot be read: {exc}") from exc
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def chat_body(
    backend: str, model: str, request: RecognitionRequest, image_url: str, max_new_tokens: int
) -> dict[str, Any]:
    """The JSON body of ``POST /v1/chat/completions`` for one crop."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": image_url}},
                    {"type": "text", "text": request.prompt},
                ],
            }
        ],
    }
    if backend == "fastdeploy-server":
        body.update(temperature=1, top_p=0)
    else:
        body["temperature"] = 0
    body["max_completion_tokens"] = max_new_tokens
    body["skip_special_tokens"] = request.prompt != TASK_PROMPTS["spotting"]
    limits = {"min_pixels": request.min_pixels, "max_pixels": request.max_pixels}
    limits = {key: value for key, value in limits.items() if value is not None}
    if limits and backend in _PIXEL_LIMIT_BACKENDS:
        body["mm_processor_kwargs"] = limits
    return body


def read_completion(request: RecognitionRequest, answer: object) -> RecognitionResult:
    """The result of a 200 answer; ValueError if it is not a chat completion."""
    try:
        choice = answer["choices"][0]  # type: ignore[index]
        content = choice["message"].get("content")
        finish = choice.get("finish_reason")
    except (KeyError, IndexError, TypeError, AttributeError):
        raise ValueError(f"the answer is not a chat completion: {_clip(repr(answer))}") from None
    if content is not None and not isinstance(content, str):
        raise ValueError(f"the answer's message content is not text: {_clip(repr(content))}")
    usage = answer.get("usage") if isinstance(answer, dict) else None
    prompt_tokens = usage.get("prompt_tokens") if isinstance(usage, dict) else None
    return RecognitionResult(
        id=request.id,
        text=content or "",
        token_ids=[],  # a server answers text only
        finish_reason="length" if finish == "length" else "stop",
        prompt_tokens=prompt_tokens if isinstance(prompt_tokens, int) else 0,
    )


def model_ids(answer: object) -> list[str]:
    """The model ids of a ``GET /v1/models`` answer."""
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, list):
        return []
    return [item["id"] for item in data if isinstance(item, dict) and isinstance(item.get("id"), str)]


def error_message(status: int, body: bytes, reason: str = "") -> str:
    """What a server said about a failed request, in one line.

    OpenAI and recent vLLM answer ``{"error": {"message"}}``, older vLLM and FastDeploy ``{"message"}``,
    FastAPI-based servers ``{"detail"}``.
    """
    text = body.decode("utf-8", "replace").strip()
    message = None
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        error = parsed.get("error")
        if isinstance(error, dict):
            message = error.get("message")
        elif isinstance(error, str):
            message = error
        message = message or parsed.get("message") or parsed.get("detail")
    if not isinstance(message, str) or not message.strip():
        message = text or reason
    heading = f"HTTP {status}" + (f" {reason}" if reason else "")
    return f"{heading}: {_clip(' '.join(message.split()))}" if message else heading


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
