"""Headless Chromium (Debian's chromium and chromium-driver) for the viewer's tests and its README screenshot."""

from __future__ import annotations

from pathlib import Path

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


def chromium_present() -> bool:
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


def chromium(width: int = 1400, height: int = 1000, record_requests: bool = False):
    """A headless Chromium that resolves no name but loopback; with `record_requests` its DevTools performance
    log records every request."""
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}", "--hide-scrollbars", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-default-apps", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):  # fmt: skip
        options.add_argument(argument)
    if record_requests:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=webdriver.ChromeService(str(CHROMEDRIVER)), options=options)
