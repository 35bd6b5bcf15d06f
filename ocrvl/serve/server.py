"""Running the application with uvicorn: in the foreground (``ocrvl serve``), or in a background thread on a
real loopback socket (tests and benchmarks)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette

from ocrvl.log import logger
from ocrvl.options import PipelineOptions

from .app import ServeService, create_app
from .options import ServeOptions

STARTUP_TIMEOUT_SECONDS = 30.0


class _Server(uvicorn.Server):
    """uvicorn's server, which also tells the service the moment a shutdown is asked for: queued jobs fail and
    new ones are refused at once, while uvicorn lets open requests finish."""

    def __init__(self, config: uvicorn.Config, on_exit: Callable[[], None] | None):
        super().__init__(config)
        self.on_exit = on_exit

    def handle_exit(self, sig, frame) -> None:
        super().handle_exit(sig, frame)
        if self.on_exit is not None:
            # In a signal handler: the service's locks may be held by the interrupted code, so not here.
            threading.Thread(target=self.on_exit, name="ocrvl-shutdown", daemon=True).start()


def run_server(options: ServeOptions, pipeline_options: PipelineOptions) -> None:
    """Load the models, serve until SIGINT or SIGTERM, then shut down cleanly (see `ServeService.shutdown`)."""
    if not options.is_loopback and options.api_key is None:
        logger.warning("serving on %s without an API key: anyone who can reach this port can use it", options.host)
    service = ServeService.load(options, pipeline_options)
    try:
        served = options.model_name if service.recognizer is not None else "documents only (no recognizer loaded)"
        logger.info("serving %s on http://%s:%d (parse engine: %s)", served, options.host, options.port,
                    service.page_engine.name)  # fmt: skip
        server = _Server(_config(create_app(service), options.host, options.port, options.shutdown_grace_seconds,
                                 "info"), service.begin_shutdown)  # fmt: skip
        try:
            server.run()
        except KeyboardInterrupt:  # uvicorn raises the captured SIGINT again once it has shut down
            pass
    finally:
        service.shutdown()


@contextmanager
def serve_in_thread(
    app: Starlette, host: str = "127.0.0.1", port: int = 0, grace_seconds: float = 5.0
) -> Iterator[str]:
    """Serve ``app`` from a background thread; yields its base URL (port 0: a free port). Leaving the block shuts
    the server down as a signal would, and waits for it."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    service = getattr(app.state, "service", None)
    server = _Server(_config(app, host, port, grace_seconds, "warning"), getattr(service, "begin_shutdown", None))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="ocrvl-serve", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start (see the log)")
            time.sleep(0.01)
        bound = sock.getsockname()[1]
        yield f"http://[{host}]:{bound}" if ":" in host else f"http://{host}:{bound}"
    finally:
        if service is not None:
            service.begin_shutdown()
        server.should_exit = True
        thread.join()
        sock.close()


def _config(app: Starlette, host: str, port: int, grace_seconds: float, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        log_level=log_level,
        timeout_graceful_shutdown=grace_seconds,
        loop="asyncio",
        http="h11",
    )
