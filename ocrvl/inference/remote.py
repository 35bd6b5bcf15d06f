"""The recognizer as a client of an OpenAI-compatible server (vLLM, SGLang, FastDeploy or ``ocrvl serve``).

A drop-in for the local inference core: ``submit`` a crop from any thread and get a future of its result.
One background thread runs an event loop that keeps at most ``max_concurrency`` requests in flight; each
result is delivered as soon as its answer arrives.

How failures reach the caller:

- a crop the server refuses (400, 413, 422, a 500 that persists) comes back as a result with
  ``finish_reason "error"`` and the server's message: only that block stays empty;
- a server that cannot be reached (connection refused or lost, timeouts, 429 or 502-504 that persist) or
  that refuses every request (401, 403, 404) raises ``RecognizerServerError`` from the future. The first
  request that finds it so trips a breaker: for ``breaker_cooldown`` seconds every pending and new request
  fails at once with the same error, so a down server gives one clear message, not a hang or a flood.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

import httpx

from ocrvl.errors import OcrvlError
from ocrvl.log import logger

from .remote_options import FALLBACK_MODEL_NAME, RemoteOptions
from .remote_protocol import CropError, chat_body, error_message, model_ids, png_data_url, read_completion
from .requests import RecognitionRequest, RecognitionResult

# Statuses worth another attempt: rate limiting and server trouble.
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Statuses that say every request will fail the same way: credentials, URL or model name.
_REFUSAL_STATUSES = frozenset({401, 403, 404, 405})


class RecognizerServerError(OcrvlError):
    """The recognizer server cannot be reached or refuses every request; the message names the URL and why."""


class RecognizerClosedError(OcrvlError):
    """A request was submitted to a remote recognizer that has been closed."""


class _Breaker:
    """Remembers that the server is unreachable, for a cool-down, so that requests fail fast meanwhile."""

    def __init__(self, cooldown: float):
        self._cooldown = cooldown
        self._lock = threading.Lock()
        self._error: RecognizerServerError | None = None
        self._until = 0.0

    def current(self) -> RecognizerServerError | None:
        with self._lock:
            if self._error is not None and time.monotonic() >= self._until:
                self._error = None  # cooled down: let the next request try the server again
            return self._error

    def trip(self, error: RecognizerServerError) -> RecognizerServerError:
        """Record the error; while one is recorded it stays the one everybody gets."""
        with self._lock:
            if self._error is None:
                self._error = error
                self._until = time.monotonic() + self._cooldown
                logger.error("recognizer server: %s", error)
            return self._error


class RemoteRecognizer:
    """Reads crops through a recognizer server; ``submit``, ``recognize`` and ``close`` as the local core."""

    def __init__(self, options: RemoteOptions):
        self.options = options
        self._model_name = options.model_name
        self._breaker = _Breaker(options.breaker_cooldown)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self._closing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._delivery: ThreadPoolExecutor | None = None
        # Created in the loop's thread, see _run_loop.
        self._client: httpx.AsyncClient
        self._slots: asyncio.Semaphore
        self._model_lock: asyncio.Lock

    @classmethod
    def from_options(cls, options: RemoteOptions) -> RemoteRecognizer:
        logger.info("recognizer: %s at %s", options.backend, options.server_url)
        return cls(options)

    @property
    def model_name(self) -> str | None:
        """The model asked for: the option's, or the server's first once it has been asked."""
        return self._model_name

    # ------------------------------------------------------------ public interface

    def submit(self, request: RecognitionRequest) -> Future[RecognitionResult]:
        """Queue a request; its future completes when the server has answered (or fails, see the module)."""
        future: Future[RecognitionResult] = Future()
        with self._lock:
            if self._closing:
                raise RecognizerClosedError("the remote recognizer is closed; create a new one")
            error = self._breaker.current()
            if error is None:
                self._start()
                self._pending += 1
        if error is not None:
            future.set_exception(RecognizerServerError(str(error)))  # a fresh one: each future raises its own
            return future
        asyncio.run_coroutine_threadsafe(self._serve(request, future), self._loop)
        return future

    def recognize(self, requests: Iterable[RecognitionRequest]) -> list[RecognitionResult]:
        """Run requests together; results in the order given."""
        futures = [self.submit(request) for request in requests]
        return [future.result() for future in futures]

    def close(self) -> None:
        """Finish every submitted request, then stop the loop; later submissions raise."""
        with self._lock:
            self._closing = True
            while self._pending:
                self._idle.wait()
            loop, thread, delivery = self._loop, self._thread, self._delivery
            self._loop = self._thread = self._delivery = None
        if loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._client.aclose(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        delivery.shutdown(wait=True)

    def __enter__(self) -> RemoteRecognizer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------ the loop

    def _start(self) -> None:
        """Start the loop thread on first use (called under the lock)."""
        if self._loop is not None:
            return
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run_loop, args=(loop, ready), name="ocrvl-remote", daemon=True)
        self._thread.start()
        ready.wait()
        self._loop = loop
        self._delivery = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocrvl-remote-results")

    def _run_loop(self, loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        options = self.options
        headers = {"Authorization": f"Bearer {options.api_key}"} if options.api_key else {}
        connect = min(options.connect_timeout, options.request_timeout)
        self._client = httpx.AsyncClient(
            headers=headers,
            timeout=httpx.Timeout(options.request_timeout, connect=connect),
            # one more than the requests in flight: asking for the model name must never wait for a slot
            limits=httpx.Limits(max_connections=options.max_concurrency + 1),
        )
        self._slots = asyncio.Semaphore(options.max_concurrency)
        self._model_lock = asyncio.Lock()
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _serve(self, request: RecognitionRequest, future: Future) -> None:
        try:
            async with self._slots:
                outcome: RecognitionResult | BaseException = await self._recognize(request)
        except RecognizerServerError as exc:
            outcome = RecognizerServerError(str(exc))  # the breaker's error is shared: each future gets its own
        except Exception as exc:  # noqa: BLE001 - a bug here must still settle the future
            logger.exception("remote recognizer failed")
            outcome = _error_result(request, f"the remote recognizer failed: {type(exc).__name__}: {exc}")
        # The caller's callbacks (assembling a page) run in the delivery thread, not in the loop.
        self._delivery.submit(self._settle, future, outcome)

    def _settle(self, future: Future, outcome: RecognitionResult | BaseException) -> None:
        try:
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
        finally:
            with self._lock:
                self._pending -= 1
                if not self._pending:
                    self._idle.notify_all()

    # ------------------------------------------------------------ one request

    async def _recognize(self, request: RecognitionRequest) -> RecognitionResult:
        self._raise_if_tripped()
        model = await self._resolve_model()
        try:
            image_url = await asyncio.to_thread(png_data_url, request.image)
        except CropError as exc:
            return _error_result(request, str(exc))
        limit = request.max_new_tokens if request.max_new_tokens is not None else self.options.max_new_tokens
        body = chat_body(self.options.backend, model, request, image_url, limit)
        response = await self._exchange("POST", "/chat/completions", body)
        if response.status_code in _REFUSAL_STATUSES:
            raise self._refusal(response, f" (is model {model!r} served there?)" if response.status_code == 404 else "")
        if response.status_code >= 400:
            return _error_result(request, f"the server refused this crop: {_describe(response)}")
        try:
            return read_completion(request, response.json())
        except ValueError as exc:  # also a body that is not JSON
            return _error_result(request, f"the server's answer cannot be read: {exc}")

    async def _resolve_model(self) -> str:
        if self._model_name is not None:
            return self._model_name
        async with self._model_lock:
            if self._model_name is None:
                response = await self._exchange("GET", "/models")
                if response.status_code in (401, 403):
                    raise self._refusal(response)
                ids = []
                if response.status_code == 200:
                    try:
                        ids = model_ids(response.json())
                    except ValueError:
                        pass
                if not ids:
                    logger.warning("%s/models lists no model (%s); asking for %r", self.options.server_url,
                                   _describe(response), FALLBACK_MODEL_NAME)  # fmt: skip
                self._model_name = ids[0] if ids else FALLBACK_MODEL_NAME
                logger.info("recognizer server model: %s", self._model_name)
        return self._model_name

    async def _exchange(self, method: str, path: str, body: dict | None = None) -> httpx.Response:
        """The server's answer: a success, a 4xx about this request, or a 500 that persisted.

        Connection errors, timeouts, 429 and 5xx are tried again with backoff; when the attempts run out on
        anything but a 500 the breaker trips and RecognizerServerError is raised.
        """
        options = self.options
        attempts = options.max_retries + 1
        for attempt in range(1, attempts + 1):
            self._raise_if_tripped()
            retry_after = None
            try:
                response = await asyncio.wait_for(
                    self._client.request(method, options.server_url + path, json=body), options.request_timeout
                )
            except (httpx.TransportError, TimeoutError) as exc:
                failure = self._transport_failure(exc)
            else:
                status = response.status_code
                if status not in _RETRY_STATUSES or (status == 500 and attempt == attempts):
                    return response
                failure = f"{options.server_url} answered {_describe(response)}"
                retry_after = _retry_after(response)
            if attempt == attempts:
                suffix = f" after {attempts} attempts" if attempts > 1 else ""
                raise self._breaker.trip(RecognizerServerError(failure + suffix))
            delay = min(options.backoff_base * 2 ** (attempt - 1), options.backoff_max) * random.uniform(0.5, 1.0)
            if retry_after is not None:
                delay = min(max(delay, retry_after), options.backoff_max)
            logger.debug("recognizer server: %s; trying again in %.2f s", failure, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    def _transport_failure(self, exc: BaseException) -> str:
        url = self.options.server_url
        if isinstance(exc, (TimeoutError, httpx.TimeoutException)) and not isinstance(exc, httpx.ConnectTimeout):
            return f"{url} did not answer within {self.options.request_timeout:g} s"
        reason = _reason(exc)
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
            return f"could not connect to {url}: {reason}"
        return f"lost the connection to {url}: {reason}"

    def _refusal(self, response: httpx.Response, hint: str = "") -> RecognizerServerError:
        error = RecognizerServerError(f"{self.options.server_url} refused the request: {_describe(response)}{hint}")
        return self._breaker.trip(error)

    def _raise_if_tripped(self) -> None:
        error = self._breaker.current()
        if error is not None:
            raise error


def _error_result(request: RecognitionRequest, message: str) -> RecognitionResult:
    return RecognitionResult(id=request.id, text="", token_ids=[], finish_reason="error", error=message)


def _describe(response: httpx.Response) -> str:
    return error_message(response.status_code, response.content, response.reason_phrase)


def _reason(exc: BaseException) -> str:
    """Why a connection failed, in words: ``connection refused``, ``name or service not known``, ..."""
    cause: BaseException | None = exc
    while cause is not None:  # the OS error sits at the bottom of httpx's and anyio's wrappers
        if isinstance(cause, socket.gaierror) and cause.strerror:
            return cause.strerror.lower()
        if isinstance(cause, OSError) and cause.errno:
            return os.strerror(cause.errno).lower()
        cause = cause.__cause__ or cause.__context__
    text = str(exc).strip()
    return text[0].lower() + text[1:] if text else type(exc).__name__


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare from these servers, and the backoff covers it
    return seconds if seconds is not None and seconds >= 0 else None
