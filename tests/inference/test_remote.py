"""The remote recognizer against a fake OpenAI-compatible server on loopback, over real HTTP."""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import time
from concurrent.futures import Future, as_completed
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image

from ocrvl.errors import OptionsError
from ocrvl.inference.remote import RecognizerClosedError, RecognizerServerError, RemoteRecognizer
from ocrvl.inference.remote_options import RemoteOptions
from ocrvl.inference.requests import RecognitionRequest
from ocrvl.models.prompting import TASK_PROMPTS

FAST_RETRIES = {"backoff_base": 0.02, "backoff_max": 0.1}


def decode_data_url(url: str) -> np.ndarray:
    header, _, payload = url.partition(",")
    assert header == "data:image/png;base64"
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(payload))))


def crop(width: int, height: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def echo(body: dict, server: FakeServer):
    """A completion naming the crop's size and the prompt."""
    image_part, text_part = body["messages"][0]["content"]
    height, width = decode_data_url(image_part["image_url"]["url"]).shape[:2]
    return 200, completion(f"{width}x{height} {text_part['text']}")


def completion(text: str, finish_reason: str = "stop", prompt_tokens: int = 42) -> dict:
    return {
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 3, "total_tokens": prompt_tokens + 3},
    }


class FakeServer:
    """Records every request; ``answer(body, server)`` gives (status, json[, headers]) or None to hang up."""

    def __init__(self, answer=echo, models=("served-model",)):
        self.answer = answer
        self.models = list(models)
        self.requests: list[tuple[str, str, dict, dict | None]] = []
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.chats = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.record(self, None)
                if self.path != "/v1/models" or not fake.models:
                    return self.reply(404, {"error": {"message": "not found"}})
                self.reply(200, {"object": "list", "data": [{"id": name, "object": "model"} for name in fake.models]})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.record(self, body)
                with fake.lock:
                    fake.active += 1
                    fake.chats += 1
                    fake.max_active = max(fake.max_active, fake.active)
                try:
                    answer = fake.answer(body, fake)
                finally:
                    with fake.lock:
                        fake.active -= 1
                if answer is None:  # hang up without answering
                    self.close_connection = True
                    return
                self.reply(*answer)

            def reply(self, status, payload, headers=None):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.httpd.handle_error = lambda request, address: None  # a client that gave up is no news here
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def record(self, handler: BaseHTTPRequestHandler, body: dict | None) -> None:
        with self.lock:
            self.requests.append((handler.command, handler.path, dict(handler.headers), body))

    def chat_bodies(self) -> list[dict]:
        return [body for method, _, _, body in self.requests if method == "POST"]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    fake = FakeServer()
    yield fake
    fake.stop()


def recognizer_for(url: str, **options) -> RemoteRecognizer:
    options = {**FAST_RETRIES, **options}
    return RemoteRecognizer.from_options(RemoteOptions(server_url=url, **options))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ------------------------------------------------------------------------------------------ the request


def test_request_body_is_the_chat_completion_paddleocr_sends_vllm(server):
    image = crop(23, 11)
    limits = {"max_new_tokens": 77, "min_pixels": 100, "max_pixels": 900}
    request = RecognitionRequest(image, TASK_PROMPTS["table"], id="t", **limits)
    with recognizer_for(server.url, model_name="m") as recognizer:
        result = recognizer.submit(request).result(timeout=5)
    (body,) = server.chat_bodies()
    image_part, text_part = body["messages"][0]["content"]
    assert np.array_equal(decode_data_url(image_part["image_url"]["url"]), image)  # lossless: the same pixels
    image_part["image_url"]["url"] = "<image>"
    assert body == {
        "model": "m",
        "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "<image>"}},
            {"type": "text", "text": "Table Recognition:"},
        ]}],
        "temperature": 0,
        "max_completion_tokens": 77,
        "skip_special_tokens": True,
        "mm_processor_kwargs": {"min_pixels": 100, "max_pixels": 900},
    }  # fmt: skip
    assert (result.id, result.text, result.finish_reason) == ("t", "23x11 Table Recognition:", "stop")
    assert (result.prompt_tokens, result.token_ids, result.error) == (42, [], None)


def _asks(body: dict, prompt: str) -> bool:
    return any(part.get("text") == prompt for part in body["messages"][0]["content"] if isinstance(part, dict))


def test_body_per_backend_and_defaults(server):
    pil = Image.fromarray(crop(9)).convert("L")  # any PIL mode goes as RGB
    requests = [RecognitionRequest(pil, TASK_PROMPTS["spotting"], id=0), RecognitionRequest(crop(9), id=1)]
    bodies = {}
    for backend in ("vllm-server", "sglang-server", "fastdeploy-server"):
        with recognizer_for(server.url, backend=backend, model_name="m", max_new_tokens=321) as recognizer:
            recognizer.recognize(requests)
        # The two requests travel concurrently: tell their bodies apart by prompt, spotting's first.
        spotting_first = sorted(server.chat_bodies()[-2:], key=lambda body: not _asks(body, TASK_PROMPTS["spotting"]))
        assert [_asks(body, TASK_PROMPTS["spotting"]) for body in spotting_first] == [True, False]
        bodies[backend] = spotting_first
    spotting, ocr = bodies["vllm-server"]
    assert decode_data_url(spotting["messages"][0]["content"][0]["image_url"]["url"]).shape == (8, 9, 3)
    assert spotting["skip_special_tokens"] is False and ocr["skip_special_tokens"] is True
    assert ocr["max_completion_tokens"] == 321  # the options' default when the request sets none
    assert "mm_processor_kwargs" not in ocr  # no limits given, none sent
    sglang = bodies["sglang-server"][1]
    assert sglang["temperature"] == 0 and "top_p" not in sglang
    fastdeploy = bodies["fastdeploy-server"][1]
    assert (fastdeploy["temperature"], fastdeploy["top_p"]) == (1, 0)


def test_pixel_limits_go_to_vllm_only(server):
    request = RecognitionRequest(crop(9), min_pixels=100, max_pixels=900)
    for backend in ("sglang-server", "fastdeploy-server"):
        with recognizer_for(server.url, backend=backend, model_name="m") as recognizer:
            recognizer.recognize([request])
        assert "mm_processor_kwargs" not in server.chat_bodies()[-1]


def test_length_finish_and_api_key(server):
    server.answer = lambda body, _: (200, completion("cut", finish_reason="length"))
    with recognizer_for(server.url, api_key="sekrit", model_name="m") as recognizer:
        (result,) = recognizer.recognize([RecognitionRequest(crop(5))])
    assert (result.text, result.finish_reason) == ("cut", "length")
    assert server.requests[-1][2]["Authorization"] == "Bearer sekrit"
    with recognizer_for(server.url, model_name="m") as recognizer:
        recognizer.recognize([RecognitionRequest(crop(5))])
    assert "Authorization" not in server.requests[-1][2]


def test_model_name_is_asked_once_from_the_server(server):
    server.models = ["first-model", "second-model"]
    with recognizer_for(server.url.removesuffix("/v1") + "/") as recognizer:  # base URL without /v1
        recognizer.recognize([RecognitionRequest(crop(4 + k)) for k in range(5)])
        assert recognizer.model_name == "first-model"
    gets = [(method, path) for method, path, _, _ in server.requests if method == "GET"]
    assert gets == [("GET", "/v1/models")]
    assert {body["model"] for body in server.chat_bodies()} == {"first-model"}


# ------------------------------------------------------------------------------------------ concurrency


def test_concurrency_cap_and_results_as_they_arrive(server):
    def slow_for_wide_crops(body, fake):
        status, payload = echo(body, fake)
        time.sleep(0.6 if payload["choices"][0]["message"]["content"].startswith("99x") else 0.05)
        return status, payload

    server.answer = slow_for_wide_crops
    requests = [RecognitionRequest(crop(99), id="slow")] + [RecognitionRequest(crop(10 + k), id=k) for k in range(9)]
    with recognizer_for(server.url, model_name="m", max_concurrency=3) as recognizer:
        futures = {recognizer.submit(request): request for request in requests}
        order = [futures[future].id for future in as_completed(futures, timeout=10)]
        for future, request in futures.items():
            width = request.image.shape[1]
            assert future.result().id == request.id and future.result().text.startswith(f"{width}x")
    assert server.max_active == 3
    assert order[-1] == "slow"  # the quick ones were not held back behind the slow one


# ------------------------------------------------------------------------------------------ failures


def test_retries_on_503_then_succeeds(server):
    def busy_twice(body, fake):
        if fake.chats <= 2:
            return 503, {"error": {"message": "overloaded"}}, {"Retry-After": "0"}
        return echo(body, fake)

    server.answer = busy_twice
    with recognizer_for(server.url, model_name="m", max_retries=2) as recognizer:
        (result,) = recognizer.recognize([RecognitionRequest(crop(7))])
    assert result.ok and result.text.startswith("7x")
    assert server.chats == 3


def test_a_bad_crop_fails_alone(server):
    def refuse_width_13(body, fake):
        status, payload = echo(body, fake)
        if payload["choices"][0]["message"]["content"].startswith("13x"):
            return 400, {"error": {"message": "bad image: too strange", "type": "invalid_request_error"}}
        return status, payload

    server.answer = refuse_width_13
    with recognizer_for(server.url, model_name="m") as recognizer:
        results = recognizer.recognize([RecognitionRequest(crop(w), id=w) for w in (12, 13, 14)])
        later = recognizer.recognize([RecognitionRequest(crop(15))])  # no breaker tripped
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].finish_reason == "error" and "400" in results[1].error and "bad image" in results[1].error
    assert later[0].ok
    assert server.chats == 4  # a 400 is not tried again


def test_a_persistent_500_fails_only_its_crop(server):
    server.answer = lambda body, _: (500, {"message": "the recognizer failed on this crop"})
    with recognizer_for(server.url, model_name="m", max_retries=1) as recognizer:
        (result,) = recognizer.recognize([RecognitionRequest(crop(5))])
    assert result.finish_reason == "error" and "failed on this crop" in result.error
    assert server.chats == 2


def test_wrong_api_key_fails_with_a_server_error(server):
    server.answer = lambda body, _: (401, {"error": {"message": "invalid API key"}})
    with recognizer_for(server.url, model_name="m") as recognizer:
        future = recognizer.submit(RecognitionRequest(crop(5)))
        with pytest.raises(RecognizerServerError, match="refused the request: HTTP 401.*invalid API key"):
            future.result(timeout=5)
    assert server.chats == 1


def test_server_down_fails_fast_with_one_clear_error():
    url = f"http://127.0.0.1:{free_port()}/v1"
    with recognizer_for(url, model_name="m", request_timeout=60, max_retries=2) as recognizer:
        start = time.monotonic()
        futures = [recognizer.submit(RecognitionRequest(crop(5 + k))) for k in range(20)]
        errors = [future.exception(timeout=5) for future in futures]
        assert time.monotonic() - start < 3
        assert all(isinstance(error, RecognizerServerError) for error in errors)
        assert {str(error) for error in errors} == {f"could not connect to {url}: connection refused after 3 attempts"}
        second = recognizer.submit(RecognitionRequest(crop(5)))
        assert second.done()  # failed at once, without trying the server again
        assert str(second.exception()) == str(errors[0])


def test_server_down_while_asking_for_the_model_name():
    url = f"http://127.0.0.1:{free_port()}/v1"
    with recognizer_for(url, max_retries=1) as recognizer:
        future = recognizer.submit(RecognitionRequest(crop(5)))
        with pytest.raises(RecognizerServerError, match=f"could not connect to {url}"):
            future.result(timeout=5)


def test_server_dying_mid_run_fails_with_a_clear_error(server):
    release = threading.Event()

    def hang_until_released(body, fake):
        release.wait(5)
        return None  # the dying server hangs up

    server.answer = hang_until_released
    with recognizer_for(server.url, model_name="m", max_concurrency=2) as recognizer:
        futures = [recognizer.submit(RecognitionRequest(crop(5 + k))) for k in range(6)]
        deadline = time.monotonic() + 5
        while server.active < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.stop()
        release.set()
        errors = [future.exception(timeout=5) for future in futures]
    assert all(isinstance(error, RecognizerServerError) for error in errors)
    assert all(server.url in str(error) for error in errors)
    assert server.chats == 2


def test_a_request_that_takes_too_long_times_out(server):
    def slow(body, fake):
        time.sleep(1.0)
        return echo(body, fake)

    server.answer = slow
    with recognizer_for(server.url, model_name="m", request_timeout=0.2, max_retries=0) as recognizer:
        future = recognizer.submit(RecognitionRequest(crop(5)))
        with pytest.raises(RecognizerServerError, match=r"did not answer within 0\.2 s"):
            future.result(timeout=5)


def test_close_finishes_in_flight_requests_then_refuses(server):
    def slowish(body, fake):
        time.sleep(0.2)
        return echo(body, fake)

    server.answer = slowish
    recognizer = recognizer_for(server.url, model_name="m", max_concurrency=2)
    futures: list[Future] = [recognizer.submit(RecognitionRequest(crop(5 + k))) for k in range(4)]
    recognizer.close()
    assert all(future.done() and future.result().ok for future in futures)
    with pytest.raises(RecognizerClosedError):
        recognizer.submit(RecognitionRequest(crop(5)))
    recognizer.close()  # twice is fine


# ------------------------------------------------------------------------------------------ options


@pytest.mark.parametrize(
    "given, expected",
    [
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000/v1"),
        ("http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1"),
        (" https://ocr.example.com/api/ ", "https://ocr.example.com/api/v1"),
    ],
)
def test_server_url_is_normalized(given, expected):
    assert RemoteOptions(server_url=given).server_url == expected


@pytest.mark.parametrize(
    "settings, complaint",
    [
        ({"server_url": "127.0.0.1:8000"}, "http"),
        ({"server_url": "http://host:port/v1"}, "port"),
        ({"server_url": "http://h/v1", "backend": "local"}, "backend"),
        ({"server_url": "http://h/v1", "max_concurrency": 0}, "max_concurrency"),
        ({"server_url": "http://h/v1", "request_timeout": 0}, "timeout"),
        ({"server_url": "http://h/v1", "max_retries": -1}, "max_retries"),
        ({"server_url": "http://h/v1", "api_key": " "}, "api_key"),
    ],
)
def test_bad_options_are_refused(settings, complaint):
    with pytest.raises(OptionsError, match=complaint):
        RemoteOptions(**settings)
