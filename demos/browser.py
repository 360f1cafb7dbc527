"""A headless Chromium for the explorer's screenshots and tests: Debian's chromium and
chromium-driver packages, driven by Selenium, fetching nothing from the network.

``bash dev.sh test`` installs both packages (as root, with apt-get) and Selenium (the test
extra). Nothing is downloaded at run time: the browser and its driver are the system's.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Chromium quiet, offline and headless; as root it needs --no-sandbox
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--hide-scrollbars")


def programs() -> tuple[str | None, str | None]:
    """Where the chromium browser and its chromedriver are, or None for each missing."""
    return (shutil.which("chromium") or shutil.which("chromium-browser"),
            shutil.which("chromedriver"))


def missing() -> str | None:
    """What is missing to drive the browser (a sentence), or None when all is there."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "Selenium is not installed: pip install 'chainrule[test]'"
    browser, driver = programs()
    if browser is None or driver is None:
        return ("Chromium and its driver are not installed: sudo apt-get install chromium "
                "chromium-driver (bash dev.sh test installs them)")
    return None


@contextmanager
def chromium(width: int = 1400, height: int = 800) -> Iterator[Any]:
    """A headless Chromium under Selenium that logs the page's requests and console."""
    problem = missing()
    if problem is not None:
        raise RuntimeError(problem)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = programs()
    options = Options()
    options.binary_location = str(browser)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    with tempfile.TemporaryDirectory() as profile:  # a new, empty profile each time
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service(str(driver_path), log_output=os.devnull),
                                  options=options)
        try:
            yield driver
        finally:
            driver.quit()


# the browser's own pages (its new-tab page, say) load from these, never from the network
INTERNAL = ("chrome://", "chrome-untrusted://", "devtools://")


def requests(driver: Any) -> list[str]:
    """Every URL asked for since the last call, but the browser's own (DevTools log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith(INTERNAL):
                urls.append(url)
    return urls


def console(driver: Any) -> list[str]:
    """What the page wrote to the console since the last call: level and message."""
    return [f"{e['level']}: {e['message']}" for e in driver.get_log("browser")]
