"""The options of ``ocrvl serve``: where it listens, who may call it, and how much work it takes on."""

from __future__ import annotations

from dataclasses import dataclass

from ocrvl.errors import OptionsError
from ocrvl.flags import api_only, flag

# The served model's id when none is given: the name PaddleOCR's own genai server serves the recognizer under.
DEFAULT_MODEL_NAME = "PaddleOCR-VL-0.9B"


@dataclass(frozen=True)
class ServeOptions:
    """How the server runs; each field's help is in its ``metadata`` (``ocrvl.flags``)."""

    host: str = flag("127.0.0.1", "Interface to listen on (loopback by default).")
    port: int = flag(8080, "Port to listen on (0: any free one).")
    api_key: str | None = flag(
        None,
        "Require `Authorization: Bearer KEY` on every endpoint but /health ($OCRVL_API_KEY).",
        envvar="OCRVL_API_KEY",
    )
    model_name: str = flag(DEFAULT_MODEL_NAME, "The model id /v1/models lists and chat completions answer for.")
    max_upload_bytes: int = flag(
        100 * 1024 * 1024,
        "Largest request body (a chat image or an uploaded document).",
        name="--max-upload-mb",
        unit=1024 * 1024,
    )
    max_pages: int = flag(
        500, "Most pages one /v1/parse may parse.", api="A request selects fewer with its pages field."
    )
    max_concurrent_jobs: int = flag(2, "Parse jobs running at once.", api="The others wait in the queue.")
    max_queued_jobs: int = api_only(16, "Parse jobs waiting at most; one more gets 429.")
    sync_page_limit: int = flag(
        4,
        "Documents of at most this many pages are answered at once; longer ones get a job id to poll.",
        api="0: always a job id.",
    )
    job_ttl_seconds: float = api_only(3600.0, "How long a finished job's result stays available.")
    shutdown_grace_seconds: float = api_only(
        30.0,
        "On shutdown, how long running requests and jobs may still take before they are cut off (jobs then "
        'fail with "server shutting down").',
    )

    def __post_init__(self) -> None:
        if not self.host:
            raise OptionsError("host must not be empty")
        if not 0 <= self.port <= 65535:
            raise OptionsError(f"port {self.port} is out of range: use 0 (any free port) to 65535")
        if self.api_key is not None and not self.api_key.strip():
            raise OptionsError("api_key must not be empty (leave it unset for an open server)")
        if not self.model_name.strip():
            raise OptionsError("model_name must not be empty")
        for name in ("max_upload_bytes", "max_pages", "max_concurrent_jobs"):
            if getattr(self, name) < 1:
                raise OptionsError(f"{name} must be at least 1, not {getattr(self, name)}")
        for name in ("max_queued_jobs", "sync_page_limit", "job_ttl_seconds", "shutdown_grace_seconds"):
            if getattr(self, name) < 0:
                raise OptionsError(f"{name} must be 0 or more, not {getattr(self, name)}")

    @property
    def is_loopback(self) -> bool:
        return self.host in ("localhost", "::1") or self.host.startswith("127.")
