"""The viewer and the serve page in a real browser: headless Chromium (Debian's chromium and chromium-driver)
driven by selenium, on loopback only. Every request the browser makes is recorded (the DevTools performance
log) to show none leaves the machine; a screenshot of each is written under the run's temporary folder."""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocrvl.postprocess.json_output import document_json
from tests.conftest import SAMPLES
from tests.viewer.browser import chromium, chromium_present
from tests.viewer.conftest import API_KEY
from tests.viewer.sample import TABLE_ROWS, sample_document

pytestmark = pytest.mark.skipif(
    not chromium_present(), reason="no Chromium: install the Debian packages chromium and chromium-driver"
)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium (the test extra) is not installed")
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

PARSE_SECONDS = 120
# How far a drawn box may be from where the JSON puts it, in screen pixels (sub-pixel layout rounding).
TOLERANCE = 1.0


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def browser(downloads) -> Iterator[webdriver.Chrome]:
    driver = chromium(record_requests=True)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    try:
        yield driver
    finally:
        driver.quit()


def requested_urls(driver) -> list[str]:
    """Every URL the browser asked for since the last call."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def rect(driver, element) -> dict:
    return driver.execute_script("const r = arguments[0].getBoundingClientRect();"
                                 "return {x: r.x, y: r.y, width: r.width, height: r.height};", element)  # fmt: skip


def classes(element) -> list[str]:
    return (element.get_attribute("class") or "").split()


def wait_for_file(folder: Path, name: str) -> Path:
    target = folder / name
    deadline = time.monotonic() + 20
    while not target.is_file() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert target.is_file(), f"{name} was not downloaded: {sorted(p.name for p in folder.iterdir())}"
    return target


# ---------------------------------------------------------------------------------------------- the viewer


@pytest.fixture(scope="module")
def viewer(browser, tmp_path_factory):
    """The sample's viewer open in the browser, and the URLs opening it requested."""
    browser.get_log("performance")
    document = sample_document()
    html = document.save_to_viewer(tmp_path_factory.mktemp("viewer"))
    browser.get(html.as_uri())
    return document, requested_urls(browser)


def test_boxes_are_drawn_where_the_json_says(browser, viewer):
    document, _ = viewer
    for page in document_json(document.restructured)["pages"]:
        section = browser.find_element(By.CSS_SELECTOR, f'section[data-page="{page["page_index"]}"]')
        picture = rect(browser, section.find_element(By.CSS_SELECTOR, "img.page-image"))
        scale = picture["width"] / page["width"]
        assert abs(picture["height"] - page["height"] * scale) < TOLERANCE
        for position, block in enumerate(page["parsing_res_list"]):
            box = section.find_element(By.CSS_SELECTOR, f'[data-block="p{page["page_index"]}-{position}"] rect')
            drawn = rect(browser, box)
            x0, y0, x1, y1 = block["block_bbox"]
            expected = {"x": picture["x"] + x0 * scale, "y": picture["y"] + y0 * scale,
                        "width": (x1 - x0) * scale, "height": (y1 - y0) * scale}  # fmt: skip
            assert all(abs(drawn[k] - expected[k]) < TOLERANCE for k in expected), (block["block_label"], drawn)


def test_hovering_a_block_lights_its_twin_on_the_other_side(browser, viewer):
    table_box = browser.find_element(By.CSS_SELECTOR, '[data-block="p0-2"] rect')
    ActionChains(browser).move_to_element(table_box).perform()
    assert "hot" in classes(browser.find_element(By.ID, "p0-2"))
    assert browser.find_element(By.ID, "info").text == "page 1 · 3 · table · score 0.88"

    paragraph = browser.find_element(By.ID, "p0-1")
    ActionChains(browser).move_to_element(paragraph).perform()
    assert "hot" in classes(browser.find_element(By.CSS_SELECTOR, '[data-block="p0-1"]'))
    assert "hot" not in classes(browser.find_element(By.ID, "p0-2")), "the table is no longer lit"

    continued = browser.find_element(By.CSS_SELECTOR, '[data-block="p1-0"] rect')
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", continued)
    ActionChains(browser).move_to_element(continued).perform()
    lit = browser.find_elements(By.CSS_SELECTOR, ".block.hot")
    assert {e.get_attribute("data-blocks") for e in lit} == {"p0-2 p1-0", "p1-0"}, "the note and the merged table"


def test_the_table_has_its_cells_and_spans(browser, viewer):
    table = browser.find_element(By.CSS_SELECTOR, "article table")
    rows = browser.execute_script(
        "return [...arguments[0].rows].map(r => [...r.cells].map(c => c.textContent.trim()))", table
    )
    rows[2][2] = "x2"  # the cell's $x^2$, as MathML: x and 2
    assert rows == TABLE_ROWS
    region, year = table.find_element(By.XPATH, ".//td[.='Region']"), table.find_element(By.XPATH, ".//td[.='2023']")
    assert rect(browser, region)["height"] > 1.8 * rect(browser, year)["height"], "Region spans two rows"


def test_the_formula_is_rendered_as_mathml(browser, viewer):
    fraction = browser.find_element(By.CSS_SELECTOR, '[data-label="display_formula"] math mfrac')
    numerator, denominator = fraction.find_elements(By.XPATH, "./*")
    assert rect(browser, numerator)["y"] + rect(browser, numerator)["height"] <= rect(browser, denominator)["y"] + 1
    assert rect(browser, fraction)["height"] > 0 and numerator.text.replace("\n", "") == "a+b"


def test_opening_the_viewer_requests_nothing_outside_the_file(browser, viewer, screenshots):
    _, urls = viewer
    assert urls and all(url.startswith(("file://", "data:")) for url in urls), urls
    browser.execute_script("window.scrollTo(0, 0)")
    ActionChains(browser).move_to_element(browser.find_element(By.ID, "p0-2")).perform()
    browser.save_screenshot(str(screenshots / "viewer.png"))


# ---------------------------------------------------------------------------------------------- ocrvl serve's page


def test_the_serve_page_parses_an_upload_behind_the_key_and_offers_the_downloads(
    browser, lite_server, downloads, screenshots
):
    browser.get_log("performance")
    browser.get(lite_server + "/")
    browser.find_element(By.ID, "file").send_keys(str(SAMPLES / "table_two_pages.pdf"))
    key = WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "key") if d.find_element(
        By.ID, "key-panel").is_displayed() else None)  # fmt: skip
    assert "API key" in browser.find_element(By.ID, "error").text
    key.send_keys(API_KEY)
    browser.find_element(By.CSS_SELECTOR, "#key-form button").click()  # the upload is sent again with the key
    WebDriverWait(browser, PARSE_SECONDS).until(lambda d: d.find_element(By.ID, "result").is_displayed())
    assert browser.find_element(By.ID, "status-text").text == "table_two_pages: 2 pages read"
    assert browser.find_element(By.ID, "progress").get_attribute("value") == "2"

    browser.switch_to.frame(browser.find_element(By.ID, "viewer"))
    try:
        assert browser.find_element(By.CSS_SELECTOR, "article h1").text == "Annual Rainfall in Selected Cities"
        assert len(browser.find_elements(By.CSS_SELECTOR, ".merged table tr")) > 20
        assert len(browser.find_elements(By.CSS_SELECTOR, "svg .box")) >= 5
    finally:
        browser.switch_to.default_content()
    browser.save_screenshot(str(screenshots / "serve.png"))

    browser.find_element(By.CSS_SELECTOR, '[data-download="markdown"]').click()
    markdown = wait_for_file(downloads, "table_two_pages.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Annual Rainfall in Selected Cities")
    browser.find_element(By.CSS_SELECTOR, '[data-download="zip"]').click()
    with zipfile.ZipFile(wait_for_file(downloads, "table_two_pages.zip")) as archive:
        assert "table_two_pages/table_two_pages.html" in archive.namelist()
        assert archive.read("table_two_pages/table_two_pages.md").decode() == markdown

    urls = requested_urls(browser)
    assert all(url.startswith((lite_server, "data:", "blob:", "about:")) for url in urls), urls
    assert any(url.endswith("/files.zip") for url in urls)


def test_the_serve_page_shows_the_api_error_for_a_file_it_cannot_read(browser, lite_server, tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"this is not a PDF")
    browser.get(lite_server + "/")
    browser.execute_script("sessionStorage.setItem('ocrvl-api-key', arguments[0])", API_KEY)
    browser.find_element(By.ID, "file").send_keys(str(broken))
    error = WebDriverWait(browser, 20).until(lambda d: d.find_element(By.ID, "error") if d.find_element(
        By.ID, "error").is_displayed() else None)  # fmt: skip
    assert error.text.startswith("broken.pdf: ") and not browser.find_element(By.ID, "result").is_displayed()
    assert browser.find_element(By.ID, "drop").get_attribute("class") == "drop", "ready for another file"
