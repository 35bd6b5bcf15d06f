"""The options of ``ocrvl serve``: where it listens, who may call it, and how much work it takes on."""

from __future__ import annotations

from dataclasses import dataclass

from ocrvl.errors import OptionsError

# The served model's id when none is given: the name PaddleOCR's own genai server serves the recognizer under.
DEFAULT_MODEL_NAME = "PaddleOCR-VL-0.9B"


@dataclass(frozen=True)
class ServeOptions:
    """How the server runs.

    host / port: where it listens (loopback by default; port 0 picks a free one).
    api_key: when set, every endpoint except ``/health`` wants ``Authorization: Bearer <api_key>``.
    model_name: the model id ``/v1/models`` lists and chat completions answer for.
    max_upload_bytes: the largest request body taken (a chat image or an uploaded document).
    max_pages: the most pages one ``/v1/parse`` request may parse (select fewer with its ``pages`` field).
    max_concurrent_jobs: parse jobs running at once; the others wait in the queue.
    max_queued_jobs: parse jobs waiting at most; one more is refused with 429.
    sync_page_limit: a document of at most this many pages is answered in the upload's response; a longer one
        gets a job id to poll (0: always a job id).
    job_ttl_seconds: how long a finished job's result stays available.
    shutdown_grace_seconds: on shutdown, how long running requests and jobs may still take before they are
        cut off (jobs then fail with "server shutting down").
    """

    host: str = "127.0.0.1"
    port: int = 8080
    api_key: str | None = None
    model_name: str = DEFAULT_MODEL_NAME
    max_upload_bytes: int = 100 * 1024 * 1024
    max_pages: int = 500
    max_concurrent_jobs: int = 2
    max_queued_jobs: int = 16
    sync_page_limit: int = 4
    job_ttl_seconds: float = 3600.0
    shutdown_grace_seconds: float = 30.0

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
