"""What `ocrvl serve` offers the page at `/`: the page itself (open, holding no data), jobs that report each page
read, the viewer and a zip of every output, all behind the API key."""

from __future__ import annotations

import io
import json
import time
import zipfile

import httpx

from tests.conftest import SAMPLES

SAMPLE = SAMPLES / "table_two_pages.pdf"


def upload(client: httpx.Client, **fields: str) -> httpx.Response:
    with SAMPLE.open("rb") as document:
        return client.post("/v1/parse", files={"file": ("rain fall.pdf", document, "application/pdf")}, data=fields)


def finished(client: httpx.Client, job: dict) -> dict:
    deadline = time.monotonic() + 120
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.1)
        job = client.get(f"/v1/parse/{job['job_id']}").json()
    return job


def test_the_page_is_served_without_the_key_and_fetches_only_its_own_server(lite_server):
    page = httpx.get(lite_server + "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'type="file"' in page.text and "/v1/parse" in page.text
    policy = page.headers["content-security-policy"]
    assert "connect-src 'self'" in policy and "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    refused = httpx.post(lite_server + "/v1/parse", files={"file": ("a.pdf", b"%PDF", "application/pdf")})
    assert refused.status_code == 401 and "API key" in refused.json()["error"]["message"]


def test_a_job_asked_not_to_wait_reports_its_pages_and_gives_the_viewer_and_a_zip(client):
    response = upload(client, formats="json,markdown,html,zip", wait="false")
    assert response.status_code == 202, response.text
    assert response.json()["pages"] == 2 and response.json()["pages_done"] == 0
    job = finished(client, response.json())
    assert job["status"] == "done" and job["pages_done"] == 2
    result = job["result"]
    assert "Annual Rainfall in Selected Cities" in result["html"] and "ocrvl-serve-" not in result["html"]
    assert result["markdown"].startswith("# Annual Rainfall") and result["json"]["input_path"] == "rain_fall.pdf"

    assert httpx.get(str(client.base_url.join(result["zip"]))).status_code == 401, "the zip wants the key too"
    archive = client.get(result["zip"])
    assert archive.headers["content-type"] == "application/zip"
    assert 'filename="rain_fall.zip"' in archive.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
        names = set(files.namelist())
        assert {"rain_fall/rain_fall.md", "rain_fall/rain_fall.json", "rain_fall/rain_fall.html",
                "rain_fall/rain_fall_0_layout.png", "rain_fall/rain_fall_1_layout.png"} <= names  # fmt: skip
        assert json.loads(files.read("rain_fall/rain_fall.json"))["input_path"] == "rain_fall.pdf"
        assert files.read("rain_fall/rain_fall.md").decode() == result["markdown"]


def test_the_api_answers_as_before_unless_asked(client):
    answer = upload(client)
    assert answer.status_code == 200 and set(answer.json()["result"]) == {"json", "markdown"}
    wrong = upload(client, formats="json,pdf")
    assert wrong.status_code == 400 and "use json, markdown, html, zip" in wrong.json()["error"]["message"]
    assert client.get("/v1/parse/nosuchjob/files.zip").status_code == 404
