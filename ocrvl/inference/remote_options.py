"""Options of the remote recognizer: which OpenAI-compatible server reads the crops, and how hard to try.

The defaults are PaddleOCR's own client's (``GenAIConfig`` and the OpenAI client it wraps): 200 requests in
flight, a 600 s request timeout with a 5 s connect timeout, 2 retries backing off from 0.5 s up to 8 s.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ocrvl.errors import OptionsError

from .options import DEFAULT_MAX_NEW_TOKENS

# PaddleOCR's ``--vl_rec_backend`` names of the servers it can send crops to.
REMOTE_BACKENDS = ("vllm-server", "sglang-server", "fastdeploy-server")
DEFAULT_MAX_CONCURRENCY = 200
# The name PaddleOCR's ``genai_server`` serves the model under; used when the server lists no models.
FALLBACK_MODEL_NAME = "PaddleOCR-VL-0.9B"


@dataclass(frozen=True)
class RemoteOptions:
    """How to reach the recognizer server.

    backend: the server software (its dialect differs a little: see ``remote_protocol``).
    server_url: the server's base URL, with or without the trailing ``/v1`` (``http://127.0.0.1:8000/v1``).
    max_concurrency: requests in flight at most; more submissions wait their turn.
    api_key: sent as ``Authorization: Bearer <key>``; None sends no header.
    model_name: the model to ask for; None takes the first model the server lists at ``/v1/models``.
    request_timeout / connect_timeout: seconds one attempt may take in all / to connect.
    max_retries: further attempts after a connection error, a timeout, a 429 or a 5xx answer.
    backoff_base / backoff_max: the first wait before a retry, doubling per retry up to the cap (with jitter).
    breaker_cooldown: seconds during which, once the server was found unreachable, every request fails at once
        with that error instead of trying again.
    max_new_tokens: the generation limit of a request that sets none.
    """

    server_url: str
    backend: str = "vllm-server"
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    api_key: str | None = None
    model_name: str | None = None
    request_timeout: float = 600.0
    connect_timeout: float = 5.0
    max_retries: int = 2
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    breaker_cooldown: float = 30.0
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS

    def __post_init__(self) -> None:
        if self.backend not in REMOTE_BACKENDS:
            raise OptionsError(f"unknown recognizer server backend {self.backend!r}: use {', '.join(REMOTE_BACKENDS)}")
        object.__setattr__(self, "server_url", normalize_server_url(self.server_url))
        if self.max_concurrency < 1:
            raise OptionsError(f"max_concurrency must be at least 1, not {self.max_concurrency}")
        if self.max_new_tokens < 1:
            raise OptionsError(f"max_new_tokens must be at least 1, not {self.max_new_tokens}")
        if self.request_timeout <= 0 or self.connect_timeout <= 0:
            raise OptionsError("request_timeout and connect_timeout must be more than 0 seconds")
        if self.max_retries < 0:
            raise OptionsError(f"max_retries must be 0 or more, not {self.max_retries}")
        if self.backoff_base < 0 or self.backoff_max < self.backoff_base or self.breaker_cooldown < 0:
            raise OptionsError("backoff_base, backoff_max and breaker_cooldown must be 0 or more, with "
                               "backoff_max at least backoff_base")  # fmt: skip
        if self.api_key is not None and not self.api_key.strip():
            raise OptionsError("api_key must not be empty (leave it out to send none)")
        if self.model_name is not None and not self.model_name.strip():
            raise OptionsError("model_name must not be empty (leave it out to ask the server)")


def normalize_server_url(url: str) -> str:
    """The base URL ending in ``/v1`` and without a trailing slash, or an OptionsError naming what is wrong."""
    text = (url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OptionsError(f"the recognizer server URL must be http(s)://host[:port][/v1], not {url!r}")
    if parts.query or parts.fragment:
        raise OptionsError(f"the recognizer server URL must not have a query or fragment: {url!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        raise OptionsError(f"the recognizer server URL has an invalid port: {url!r}") from None
    path = parts.path.rstrip("/")
    if not path.endswith("/v1"):
        path += "/v1"
    return f"{parts.scheme}://{parts.netloc}{path}"
