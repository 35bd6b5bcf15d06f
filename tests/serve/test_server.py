"""`ocrvl serve` over real HTTP on loopback: the OpenAI-compatible recognizer, document parsing, limits,
API keys, misbehaving clients and shutdown."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pymupdf
import pytest

from ocrvl.inference import InferenceEngine, InferenceOptions, RecognitionRequest
from tests.conftest import SAMPLES

from .conftest import MAX_NEW_TOKENS, PIXELS, chat_body, crop


@pytest.fixture(scope="module")
def local_engine(release):
    with InferenceEngine.from_dir(release, InferenceOptions(device="cpu", precision="fp32")) as engine:
        yield engine


def read_locally(engine: InferenceEngine, image, prompt: str = "OCR:") -> str:
    request = RecognitionRequest(image, prompt, max_new_tokens=MAX_NEW_TOKENS, **PIXELS)
    return engine.recognize([request])[0].text


def content(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return response.json()["choices"][0]["message"]["content"]


# ------------------------------------------------------------------------------------------------ basics


def test_models_lists_the_served_model_and_health_describes_the_service(server):
    with server.client() as client:
        models = client.get("/v1/models").json()
        health = client.get("/health").json()
    assert models["object"] == "list"
    assert [(m["id"], m["object"]) for m in models["data"]] == [("PaddleOCR-VL-0.9B", "model")]
    assert health["status"] == "ok"
    assert health["parse_engine"] == "vl" and health["parse_engine_reason"] == "vl asked for"
    assert health["jobs"]["max_concurrent_jobs"] == 2


@pytest.mark.parametrize("prompt", ["OCR:", "Table Recognition:"])
def test_chat_completion_answers_what_the_local_engine_reads(server, local_engine, prompt):
    image = crop("Total 42.50")
    with server.client() as client:
        response = client.post("/v1/chat/completions", json=chat_body(image, prompt))
    answer = response.json()
    assert content(response) == read_locally(local_engine, image, prompt)
    assert answer["object"] == "chat.completion" and answer["model"] == "PaddleOCR-VL-0.9B"
    assert answer["choices"][0]["message"]["role"] == "assistant"
    assert answer["choices"][0]["finish_reason"] in ("stop", "length")
    usage = answer["usage"]
    assert usage["prompt_tokens"] > 0 and usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_max_tokens_caps_the_answer_and_reports_length(server, local_engine):
    image = crop("a longer line of text to read")
    body = chat_body(image, max_completion_tokens=None, max_tokens=2)
    with server.client() as client:
        answer = client.post("/v1/chat/completions", json=body).json()
    assert answer["usage"]["completion_tokens"] <= 2
    if answer["usage"]["completion_tokens"] == 2:
        assert answer["choices"][0]["finish_reason"] == "length"


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"prompt": "Describe this image."}, 400, "task prompts"),
        ({"image": "data:image/png;base64," + "aGVsbG8gd29ybGQ="}, 400, "cannot be decoded"),
        ({"image": "data:image/png;base64,@@not base64@@"}, 400, "not valid base64"),
        ({"image": "https://example.com/crop.png"}, 400, "fetches nothing"),
        ({"stream": True}, 400, "streaming is not supported"),
        ({"temperature": 0.7}, 400, "only greedy decoding"),
        ({"mm_processor_kwargs": {"min_pixels": 9, "max_pixels": 4}}, 400, "above max_pixels"),
        ({"model": "gpt-4o"}, 404, "not served here"),
    ],
)
def test_bad_chat_requests_are_refused_with_a_clear_message(server, change, status, words):
    change = dict(change)
    body = chat_body(change.pop("image", crop("x")), change.pop("prompt", "OCR:"), **change)
    with server.client() as client:
        response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == status
    error = response.json()["error"]
    assert words in error["message"] and error["type"] and error["code"]


def test_fastdeploys_way_of_asking_for_greedy_decoding_is_served(server):
    body = chat_body(crop("x"), "OCR:", temperature=1, top_p=0)
    with server.client() as client:
        assert client.post("/v1/chat/completions", json=body).status_code == 200


def test_a_body_that_is_not_json_is_refused(server):
    with server.client() as client:
        response = client.post(
            "/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"}
        )
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]["message"]


# ------------------------------------------------------------------------------------------------ misbehaving clients


def test_clients_that_hang_up_do_not_disturb_the_others(server, local_engine):
    images = [crop(f"row {k}: {'#' * k}", width=90 + 25 * k) for k in range(4)]
    expected = [read_locally(local_engine, image) for image in images]
    host, port = server.base_url.removeprefix("http://").split(":")

    def half_request_then_hang_up() -> None:
        with socket.create_connection((host, int(port))) as raw:
            raw.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        b"Content-Length: 100000\r\n\r\n{\"model\": \"PaddleOCR-VL-0.9B\", \"messa")  # fmt: skip

    def impatient() -> None:
        with pytest.raises(httpx.TimeoutException), server.client(timeout=httpx.Timeout(5, read=0.01)) as client:
            client.post("/v1/chat/completions", json=chat_body(crop("impatient", width=300, height=80)))

    def patient(image) -> str:
        with server.client() as client:
            return content(client.post("/v1/chat/completions", json=chat_body(image)))

    with ThreadPoolExecutor(8) as pool:
        rude = [pool.submit(half_request_then_hang_up), pool.submit(impatient), pool.submit(half_request_then_hang_up)]
        answers = list(pool.map(patient, images))
        for future in rude:
            future.result()
    assert answers == expected
    with server.client() as client:
        assert content(client.post("/v1/chat/completions", json=chat_body(images[0]))) == expected[0]


# ------------------------------------------------------------------------------------------------ keys and limits


@pytest.fixture(scope="module")
def guarded(start):
    with start(api_key="s3cret", max_upload_bytes=4_000) as running:
        yield running


def test_an_api_key_guards_everything_but_health(guarded):
    image = crop("k", width=40, height=20)
    with guarded.client() as client:
        missing = client.get("/v1/models")
        wrong = client.post("/v1/chat/completions", json=chat_body(image), headers={"Authorization": "Bearer nope"})
        health = client.get("/health")
        right = client.get("/v1/models", headers={"Authorization": "Bearer s3cret"})
        answered = client.post(
            "/v1/chat/completions", json=chat_body(image), headers={"Authorization": "Bearer s3cret"}
        )
    assert missing.status_code == 401 and "API key is required" in missing.json()["error"]["message"]
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert right.status_code == 200 and answered.status_code == 200


def test_an_oversize_body_is_refused_with_413_whether_or_not_it_declares_its_length(guarded):
    headers = {"Authorization": "Bearer s3cret"}
    big = b"x" * 10_000

    def chunks():
        for k in range(0, len(big), 1_000):
            yield big[k : k + 1_000]

    with guarded.client(headers=headers) as client:
        declared = client.post("/v1/parse", files={"file": ("big.pdf", big)})
        streamed = client.post("/v1/chat/completions", content=chunks())
        still_fine = client.post("/v1/chat/completions", json=chat_body(crop("k", width=40, height=20)))
    for response in (declared, streamed):
        assert response.status_code == 413
        assert "larger than this server takes (4000 bytes)" in response.json()["error"]["message"]
    assert still_fine.status_code == 200


# ------------------------------------------------------------------------------------------------ parsing


def test_a_short_document_is_parsed_in_the_response(server):
    with server.client() as client, (SAMPLES / "born_digital.pdf").open("rb") as file:
        response = client.post("/v1/parse", files={"file": ("born_digital.pdf", file)})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["status"] == "done" and answer["pages"] == 1 and answer["job_id"]
    document = answer["result"]["json"]
    assert document["input_path"] == "born_digital.pdf" and len(document["pages"]) == 1
    assert document["pages"][0]["model_settings"]["engine"] == "vl"
    assert document["pages"][0]["parsing_res_list"]
    assert isinstance(answer["result"]["markdown"], str) and answer["result"]["markdown"].strip()


def test_a_longer_document_becomes_a_job_to_poll(server):
    with server.client() as client, (SAMPLES / "table_two_pages.pdf").open("rb") as file:
        accepted = client.post("/v1/parse", files={"file": ("table_two_pages.pdf", file)}, data={"formats": "markdown"})
        assert accepted.status_code == 202, accepted.text
        job = accepted.json()
        assert job["status"] in ("queued", "running") and job["pages"] == 2
        deadline = time.monotonic() + 20
        while job["status"] not in ("done", "failed") and time.monotonic() < deadline:
            time.sleep(0.05)
            job = client.get(f"/v1/parse/{job['job_id']}").json()
    assert job["status"] == "done", job
    assert list(job["result"]) == ["markdown"] and job["result"]["markdown"].strip()


def test_a_page_selection_makes_a_long_document_short(server):
    with server.client() as client, (SAMPLES / "table_two_pages.pdf").open("rb") as file:
        response = client.post("/v1/parse", files={"file": ("t.pdf", file)}, data={"pages": "2", "formats": "json"})
    assert response.status_code == 200, response.text
    assert [p["page_index"] for p in response.json()["result"]["json"]["pages"]] == [1]


def test_formats_are_named_as_the_cli_names_them(server):
    with server.client() as client:
        upload = (SAMPLES / "born_digital.pdf").read_bytes()
        short = client.post("/v1/parse", files={"file": ("b.pdf", upload)}, data={"formats": "md"})
        unknown = client.post("/v1/parse", files={"file": ("b.pdf", upload)}, data={"formats": "json,docx"})
    assert short.status_code == 200, short.text
    assert list(short.json()["result"]) == ["markdown"], "md is markdown, and comes back under that key"
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "invalid_formats"
    assert "docx" in unknown.json()["error"]["message"]


def test_a_broken_document_fails_with_the_reason(server):
    with server.client() as client:
        garbage = client.post("/v1/parse", files={"file": ("report.pdf", b"this is not a document")})
        truncated = client.post(
            "/v1/parse", files={"file": ("cut.pdf", (SAMPLES / "born_digital.pdf").read_bytes()[:600])}
        )
        no_file = client.post("/v1/parse", data={"pages": "1"})
        unknown = client.get("/v1/parse/nope")
    assert garbage.status_code == 422
    assert garbage.json()["error"]["message"].startswith("report.pdf: not a PDF")
    assert truncated.status_code == 422 and truncated.json()["error"]["message"].startswith("cut.pdf:")
    assert no_file.status_code == 400 and "'file'" in no_file.json()["error"]["message"]
    assert unknown.status_code == 404


def test_too_many_pages_are_refused(server, tmp_path):
    document = pymupdf.open()
    for _ in range(3):
        document.new_page()
    document.save(tmp_path / "three.pdf")
    with server.client() as client:
        response = client.post("/v1/parse", files={"file": ("three.pdf", (tmp_path / "three.pdf").read_bytes())})
    assert response.status_code == 413
    assert "three.pdf has 3 pages" in response.json()["error"]["message"]
    assert "at most 2" in response.json()["error"]["message"]


# ------------------------------------------------------------------------------------------------ shutdown


class GatedLayout:
    """A page engine whose layout waits for a gate: jobs stay running until the test opens it."""

    def __init__(self, engine):
        self.engine = engine
        self.name = engine.name
        self.gate = threading.Event()

    def analyze(self, page):
        self.gate.wait(20)
        return self.engine.analyze(page)

    def recognize(self, analysis):
        return self.engine.recognize(analysis)


def test_a_full_queue_refuses_and_a_shutdown_fails_unfinished_jobs_explicitly(start):
    pdf = (SAMPLES / "born_digital.pdf").read_bytes()
    with start(max_concurrent_jobs=1, max_queued_jobs=1, sync_page_limit=0, shutdown_grace_seconds=0.2) as running:
        gated = running.service.page_engine = GatedLayout(running.service.page_engine)
        with running.client() as client:
            first = client.post("/v1/parse", files={"file": ("a.pdf", pdf)}).json()
            second = client.post("/v1/parse", files={"file": ("b.pdf", pdf)}).json()
            refused = client.post("/v1/parse", files={"file": ("c.pdf", pdf)})
            time.sleep(0.2)
            assert client.get(f"/v1/parse/{first['job_id']}").json()["status"] == "running"
            assert client.get(f"/v1/parse/{second['job_id']}").json()["status"] == "queued"
        assert refused.status_code == 429 and "queue is full" in refused.json()["error"]["message"]
        jobs = running.service.jobs
    gated.gate.set()
    for job_id in (first["job_id"], second["job_id"]):
        job = jobs.get(job_id)
        assert (job.status, job.error) == ("failed", "server shutting down")
        assert not job.workdir.exists()
