"""The HTTP application: OpenAI-compatible recognition and document parsing over one shared recognizer.

Endpoints (errors are always ``{"error": {"message", "type", "param", "code"}}``):

- ``GET /health``: status, the parse engine and why, queue counts. Never needs the API key.
- ``GET /v1/models``: the served model.
- ``POST /v1/chat/completions``: one crop and one task prompt -> the recognizer's answer (see openai_api.py).
- ``POST /v1/parse``: a multipart upload (field ``file``; optional ``pages``, ``password``, ``formats``) ->
  the document's JSON and Markdown at once when it has few pages, else 202 and a job id.
- ``GET /v1/parse/{job_id}``: the job's status (``pages_done`` of ``pages``), and its result or error.
- ``GET /v1/parse/{job_id}/files.zip``: every output of a job that asked for ``zip``.
- ``GET /``: a page for people: upload a document, follow its pages, see it in the viewer, download the results.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ocrvl.documents import SUPPORTED_SUFFIXES, LoadOptions, count_pages
from ocrvl.engines import Engine, choose_engine, recognizer_if_found
from ocrvl.errors import InputError, OcrvlError, OptionsError
from ocrvl.inference import InferenceEngine, RecognitionRequest
from ocrvl.inference.core import EngineClosedError
from ocrvl.log import logger
from ocrvl.naming import safe_name
from ocrvl.options import PipelineOptions
from ocrvl.pipeline import Pipeline
from ocrvl.results import DocumentOutput, PageOutput, output_formats
from ocrvl.viewer.serve_page import PAGE_HEADERS, ServedViewer, app_page

from .jobs import JobManager, ParseJob, QueueFullError, ShuttingDownError
from .openai_api import ApiError, chat_completion, decode_image, error_body, model_list, parse_chat_request
from .options import ServeOptions

# The document outputs a parse job returns: JSON and Markdown ("markdown", also the key it comes back under).
SERVED_FORMATS = ("json", "md")
# A job may also ask for the viewer ("html", the page's HTML) and a zip of every output (fetched at its own URL).
OFFERED_FORMATS = (*SERVED_FORMATS, "html", "zip")
OPEN_PATHS = frozenset({"/health", "/"})  # the page holds no data: what it fetches wants the key
# Engine failures that are the server's, not the crop's (see InferenceEngine's error messages).
_SERVER_FAILURES = ("the recognizer failed", "the vision encoder failed")
_COPY_CHUNK = 1024 * 1024
T = TypeVar("T")


class _SerialLayout:
    """A page engine whose layout stage runs one page at a time: concurrent parse jobs share one layout model,
    while their crops still meet in the recognizer's batches."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.name = engine.name
        self._lock = threading.Lock()

    def analyze(self, page):
        with self._lock:
            return self.engine.analyze(page)

    def recognize(self, analysis):
        return self.engine.recognize(analysis)


@dataclass
class ServeService:
    """What the endpoints share: the recognizer, the page engine around it, and the parse jobs.

    ``parse_engine`` is ``vl`` (PP-DocLayoutV2 around this same recognizer) or ``lite``; ``parse_engine_reason``
    says why.
    """

    options: ServeOptions
    pipeline_options: PipelineOptions
    recognizer: InferenceEngine | None  # None: no PaddleOCR-VL weights, documents only (engine lite)
    page_engine: Engine
    parse_engine_reason: str
    started: int = field(default_factory=lambda: int(time.time()))
    chats_in_flight: int = 0
    jobs: JobManager = field(init=False)

    def __post_init__(self) -> None:
        self.page_engine = _SerialLayout(self.page_engine)
        self.restructure = self.pipeline_options.restructure_options()
        self.jobs = JobManager(self.parse_document, self.options.max_concurrent_jobs, self.options.max_queued_jobs,
                               self.options.job_ttl_seconds)  # fmt: skip
        self._closed = threading.Lock()
        self._shut = False

    @classmethod
    def load(cls, options: ServeOptions, pipeline_options: PipelineOptions) -> ServeService:
        """Load the recognizer the pipeline options name (it must be found unless the engine is lite), and the
        page engine around it as `choose_engine` picks it."""
        from ocrvl.engines.vl import load_local_recognizer

        if pipeline_options.vl_rec_backend != "local":
            raise OptionsError("ocrvl serve runs the recognizer itself: use the local vl_rec_backend")
        if pipeline_options.engine == "lite":
            local = recognizer_if_found(pipeline_options)
        else:
            local = load_local_recognizer(pipeline_options)
        try:
            choice = choose_engine(pipeline_options, local)
        except BaseException:
            if local is not None:
                local.core.close()
            raise
        recognizer = local.core if local is not None else None
        return cls(options, pipeline_options, recognizer, choice.engine, choice.reason)

    # ------------------------------------------------------------------------------------------ parsing

    def parse_document(self, job: ParseJob, checkpoint: Callable[[], None]) -> dict[str, Any]:
        """A job's work (in a job worker thread): its pages through the shared page engine, joined."""
        pipeline = Pipeline(job.options, engine=self.page_engine)
        pages = []
        for page in pipeline.iter_document(job.path):
            checkpoint()
            pages.append(PageOutput(page, job.options.markdown_ignore_labels, self.restructure))
            job.pages_done = len(pages)
        document = DocumentOutput(pages)
        result: dict[str, Any] = {}
        if "json" in job.formats:
            result["json"] = _named(document.json, job.path, job.filename)
        if "md" in job.formats:
            result["markdown"] = document.markdown
        if {"html", "zip"} & set(job.formats):
            named_json = result.get("json") or _named(document.json, job.path, job.filename)
            viewer = ServedViewer(document, named_json, job.path, job.filename)
            html = viewer.html()
            if "html" in job.formats:
                result["html"] = html
            if "zip" in job.formats:
                job.archive = viewer.archive(html)
                result["zip"] = f"/v1/parse/{job.id}/files.zip"
        return result

    # ------------------------------------------------------------------------------------------ shutdown

    def begin_shutdown(self) -> None:
        self.jobs.begin_shutdown()

    def shutdown(self) -> None:
        """Let running jobs finish within the grace period, fail the rest, then close the recognizer (it
        finishes the crops already submitted). Safe to call more than once."""
        with self._closed:
            if self._shut:
                return
            self._shut = True
        self.jobs.shutdown(self.options.shutdown_grace_seconds)
        if self.recognizer is not None:
            self.recognizer.close()
        logger.info("server stopped")

    def health(self) -> dict[str, Any]:
        return {
            "status": "shutting_down" if self.jobs.stopping else "ok",
            "model": self.options.model_name,
            "device": str(self.recognizer.placement.device) if self.recognizer is not None else None,
            "parse_engine": self.page_engine.name,
            "parse_engine_reason": self.parse_engine_reason,
            "chat_requests_in_flight": self.chats_in_flight,
            "jobs": self.jobs.counts(),
        }


def create_app(service: ServeService) -> Starlette:
    """The application; its lifespan's end shuts ``service`` down."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(service.shutdown)

    options = service.options
    routes = [
        Route("/health", _endpoint(service, _health), methods=["GET"]),
        Route("/v1/models", _endpoint(service, _models), methods=["GET"]),
        Route("/v1/chat/completions", _endpoint(service, _chat), methods=["POST"]),
        Route("/v1/parse", _endpoint(service, _parse), methods=["POST"]),
        Route("/v1/parse/{job_id}", _endpoint(service, _job), methods=["GET"]),
        Route("/v1/parse/{job_id}/files.zip", _endpoint(service, _archive), methods=["GET"]),
        Route("/", _endpoint(service, _page), methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _http_error,
            ClientDisconnect: _client_gone,
            Exception: _internal_error,
        },  # fmt: skip
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=options.max_upload_bytes)
    if options.api_key is not None:
        app.add_middleware(ApiKeyMiddleware, api_key=options.api_key)  # outermost: checked before the body is read
    app.state.service = service
    return app


def _endpoint(service: ServeService, handler):
    async def endpoint(request: Request):
        return await handler(service, request)

    return endpoint


# ---------------------------------------------------------------------------------------------- endpoints


async def _health(service: ServeService, request: Request) -> JSONResponse:
    return JSONResponse(service.health())


async def _models(service: ServeService, request: Request) -> JSONResponse:
    return JSONResponse(model_list(service.options.model_name, service.started))


async def _chat(service: ServeService, request: Request) -> JSONResponse:
    if service.recognizer is None:
        raise ApiError(503, "no recognizer is loaded: this server parses documents (/v1/parse) with the lite engine "
                            "only; start it where PaddleOCR-VL weights are found (`ocrvl models list`) to serve chat "
                            "completions", "no_recognizer")  # fmt: skip
    raw = await request.body()
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, f"the request body is not valid JSON: {exc}", "invalid_json") from None
    recognizer = service.recognizer
    chat = parse_chat_request(body, service.options.model_name, recognizer.options.max_new_tokens)
    image = await asyncio.to_thread(decode_image, chat.image_data, service.pipeline_options.max_image_pixels)
    request_ = RecognitionRequest(image, chat.prompt, max_new_tokens=chat.max_new_tokens,
                                  min_pixels=chat.min_pixels, max_pixels=chat.max_pixels)  # fmt: skip
    try:
        future = recognizer.submit(request_)
    except EngineClosedError:
        raise ApiError(503, "the server is shutting down", "shutting_down") from None
    service.chats_in_flight += 1
    try:
        result = await _outcome(future)
    finally:
        service.chats_in_flight -= 1
    if not result.ok:
        server_side = result.error.startswith(_SERVER_FAILURES)
        raise ApiError(500 if server_side else 400, result.error, "recognition_failed")
    text = result.text
    if chat.skip_special_tokens is not None:
        text = recognizer.prompter.decode(result.token_ids, keep_special_tokens=not chat.skip_special_tokens)
    return JSONResponse(chat_completion(result, text, service.options.model_name))


async def _parse(service: ServeService, request: Request) -> JSONResponse:
    if service.jobs.stopping:
        raise ApiError(503, "the server is shutting down", "shutting_down")
    form = await request.form(max_files=1, max_fields=8)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(400, "send the document as a multipart file field named 'file'", "missing_file", "file")
        formats = _formats(form.get("formats"))
        job_options = _job_options(service.pipeline_options, form.get("pages"), form.get("password"))
        load_options = _load_options(job_options, service.page_engine)
        filename = _upload_name(upload.filename)
        waits = form.get("wait") != "false"  # the page asks for a job id at once, to show each page's progress
        workdir = Path(tempfile.mkdtemp(prefix="ocrvl-serve-"))
        try:
            path = workdir / filename
            await _save(upload, path)
            page_count = await asyncio.to_thread(_count_pages, path, filename, load_options)
            if page_count > service.options.max_pages:
                raise ApiError(413, f"{filename} has {page_count} pages to parse; this server parses at most "
                                    f"{service.options.max_pages} per request (select some with the 'pages' field)",
                               "too_many_pages", "pages")  # fmt: skip
            job = ParseJob(filename, path, workdir, job_options, page_count, formats)
            service.jobs.submit(job)
        except QueueFullError as exc:
            shutil.rmtree(workdir, ignore_errors=True)
            raise ApiError(429, f"the parse queue is full: {exc}", "queue_full") from None
        except ShuttingDownError:
            shutil.rmtree(workdir, ignore_errors=True)
            raise ApiError(503, "the server is shutting down", "shutting_down") from None
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
    finally:
        await form.close()
    if page_count > service.options.sync_page_limit or not waits:
        return JSONResponse(job.describe(), status_code=202, headers={"Location": f"/v1/parse/{job.id}"})
    await _outcome(job.done)
    if job.status == "done":
        return JSONResponse(job.describe())
    status = {"input": 422, "shutdown": 503}.get(job.failure, 500)
    return JSONResponse({**error_body(status, job.error, "parse_failed"), **job.describe()}, status_code=status)


async def _job(service: ServeService, request: Request) -> JSONResponse:
    job = service.jobs.get(request.path_params["job_id"])
    if job is None:
        raise ApiError(404, "no such job (finished jobs are kept for "
                            f"{service.options.job_ttl_seconds:g} seconds)", "job_not_found")  # fmt: skip
    return JSONResponse(job.describe())


async def _archive(service: ServeService, request: Request) -> Response:
    job = service.jobs.get(request.path_params["job_id"])
    if job is None or job.archive is None:
        raise ApiError(404, "no zip for this job: parse with formats including zip (finished jobs are kept "
                            f"for {service.options.job_ttl_seconds:g} seconds)", "job_not_found")  # fmt: skip
    name = Path(job.filename).stem
    return Response(job.archive, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}.zip"'})  # fmt: skip


async def _page(service: ServeService, request: Request) -> HTMLResponse:
    return HTMLResponse(app_page(), headers=PAGE_HEADERS)


# ---------------------------------------------------------------------------------------------- parse helpers


def _formats(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return SERVED_FORMATS
    if not isinstance(value, str):
        raise ApiError(400, "formats must be a text field such as 'json,markdown'", "invalid_formats", "formats")
    try:
        return output_formats(value, OFFERED_FORMATS)
    except OptionsError:
        raise ApiError(400, f"unknown format(s) in {value!r}: use json, markdown, html, zip (comma-separated)",
                       "invalid_formats", "formats") from None  # fmt: skip


def _job_options(options: PipelineOptions, pages: object, password: object) -> PipelineOptions:
    changes: dict[str, Any] = {}
    for name, value in (("pages", pages), ("password", password)):
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise ApiError(400, f"{name} must be a text field", "invalid_option", name)
        changes[name] = value
    try:
        return replace(options, **changes)
    except OptionsError as exc:
        raise ApiError(400, str(exc), "invalid_option") from None


def _load_options(options: PipelineOptions, page_engine: Engine) -> LoadOptions:
    """How the job's pages load (the page selection checked now, so a bad one is the request's error)."""
    try:
        return Pipeline(options, engine=page_engine).load_options
    except OptionsError as exc:
        raise ApiError(400, str(exc), "invalid_option", "pages") from None


def _upload_name(filename: str | None) -> str:
    """A safe file name that keeps the upload's name (shown in errors and the JSON) and a known suffix."""
    original = Path(filename or "document").name
    suffix = Path(original).suffix.lower()
    stem = safe_name(Path(original).stem)
    return stem + (suffix if suffix in SUPPORTED_SUFFIXES else "")


async def _save(upload: UploadFile, path: Path) -> None:
    with path.open("wb") as target:
        while chunk := await upload.read(_COPY_CHUNK):
            await asyncio.to_thread(target.write, chunk)


def _count_pages(path: Path, filename: str, load_options: LoadOptions) -> int:
    try:
        return count_pages(path, load_options)
    except InputError as exc:
        raise ApiError(422, f"{filename}: {exc.problem}", "unreadable_document", "file") from None


async def _outcome(future: Future[T]) -> T:
    """Wait for a worker thread's future without blocking the loop. Shielded: a cancelled request (a server
    shutting down cuts off its requests) must not cancel the future the worker will still complete."""
    return await asyncio.shield(asyncio.wrap_future(future))


def _named(document_json: dict, path: Path, filename: str) -> dict:
    """The JSON with the upload's own name where the server's temporary `path` would be."""
    document_json["input_path"] = filename
    for page in document_json.get("pages", []):
        page["input_path"] = filename
        if "error" in page:  # a page that could not be loaded: its message names the file
            page["error"] = page["error"].replace(str(path), filename)
    return document_json


# ---------------------------------------------------------------------------------------------- errors


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(exc.body(), status_code=exc.status)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(error_body(exc.status_code, str(exc.detail), code), status_code=exc.status_code)


async def _client_gone(request: Request, exc: Exception) -> Response:
    """A client that hangs up before its request is read: one line in the log, and nothing to answer."""
    logger.warning("%s %s: the client disconnected before sending the whole request", request.method,
                   request.url.path)  # fmt: skip
    return Response(status_code=400)


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, OcrvlError):
        return JSONResponse(error_body(400, str(exc), "invalid_request"), status_code=400)
    logger.exception("request %s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body(500, f"internal error: {type(exc).__name__}: {exc}", "internal_error"), 500)


# ---------------------------------------------------------------------------------------------- middleware


class PayloadTooLarge(ApiError):
    def __init__(self, limit: int):
        super().__init__(413, f"the request body is larger than this server takes ({limit} bytes)", "payload_too_large")


class BodyLimitMiddleware:
    """Refuses a body over ``max_bytes``: at once when its Content-Length says so, else as soon as reading it
    passes the limit (the endpoint's read raises `PayloadTooLarge`), so no more than the limit is ever read."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await _send_json(send, PayloadTooLarge(self.max_bytes).body(), 413)
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise PayloadTooLarge(self.max_bytes)
            return message

        await self.app(scope, limited_receive, send)


class ApiKeyMiddleware:
    """Every path but ``/health`` wants ``Authorization: Bearer <api_key>``."""

    def __init__(self, app: ASGIApp, api_key: str):
        self.app = app
        self.expected = f"Bearer {api_key}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            return await self.app(scope, receive, send)
        given = _header(scope, b"authorization")
        if given is None or not _same(given.encode("latin-1"), self.expected):
            message = "a valid API key is required: send 'Authorization: Bearer <key>'"
            if given is not None:
                message = "the API key is not valid"
            return await _send_json(send, error_body(401, message, "invalid_api_key"), 401,
                                    [(b"www-authenticate", b"Bearer")])  # fmt: skip
        await self.app(scope, receive, send)


def _same(given: bytes, expected: bytes) -> bool:
    import hmac

    return hmac.compare_digest(given, expected)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


async def _send_json(send: Send, body: dict, status: int, headers: list[tuple[bytes, bytes]] = ()) -> None:
    payload = json.dumps(body).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                    *headers],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": payload})
