"""Driving the playground as a person would: a real headless Chromium through Selenium.

``PlaygroundProcess`` spawns ``python -m bot playground --port 0`` (the real command, a fresh
database) and reads the one line with the URL, which carries the run's secret (``?token=…``);
``Page`` opens that URL as a person would (the playground keeps the secret in a cookie and drops it
from the address bar), types into the message box, clicks buttons and members, and reads what the
page shows. Needs Debian's ``chromium`` and ``chromium-driver``
(``.ci/run`` installs them); without them the browser tests skip, except in CI where they fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 15.0


def browser_missing() -> str | None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install '.[test]')")
    return ", ".join(missing) or None


def require_browser() -> None:
    missing = browser_missing()
    if missing is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests, but these are missing: {missing}")
    pytest.skip(f"headless Chromium not installed here ({missing}): apt-get install chromium chromium-driver")


class PlaygroundProcess:
    """``heartstopper-bot playground`` as its own process, on a free port (or ``port``, to restart on one)."""

    def __init__(self, *args: str, port: int = 0) -> None:
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "playground", "--port", str(port), *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=None if os.environ.get("PLAYGROUND_STDERR") else subprocess.DEVNULL,
            text=True,
            env={**os.environ, "LOG_LEVEL": "WARNING"},
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if "http://" not in line:
            self.stop()
            raise RuntimeError(f"the playground did not start: {line!r}")
        self.url = line[line.index("http://") :]  # http://127.0.0.1:PORT/?token=SECRET
        parts = urlsplit(self.url)
        self.base = f"{parts.scheme}://{parts.netloc}"  # no secret: what another page could reach
        self.port = int(parts.port or 80)
        self.token = parse_qs(parts.query)["token"][0]
        self.spawned_in = time.monotonic() - started

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def make_driver(profile: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1440,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


class Page:
    """The page, with the handful of things a person does there."""

    def __init__(self, driver: Any, url: str) -> None:
        self.driver = driver
        # The page remembers who and where in localStorage, per origin; a port an earlier test used may
        # come round again, so start from nothing.
        parts = urlsplit(url)
        driver.execute_cdp_cmd(
            "Storage.clearDataForOrigin",
            {"origin": f"{parts.scheme}://{parts.netloc}", "storageTypes": "local_storage"},
        )
        driver.get(url)
        self.wait_ready()

    def wait_ready(self) -> None:
        self.until(lambda: self.driver.execute_script("return document.body.dataset.ready === 'true'"), "the page")

    def reload(self) -> None:
        self.driver.refresh()
        self.wait_ready()

    def connection(self) -> str:
        """live, lost (the playground stopped) or refused (a new run refuses this page's secret)."""
        return str(self.driver.execute_script("return document.body.dataset.connection || ''"))

    def banner(self) -> str:
        node = self.css("#connection")[0]
        return "" if node.get_attribute("hidden") is not None else node.text

    def until(self, predicate: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
        from selenium.common.exceptions import StaleElementReferenceException

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                value = predicate()
            except StaleElementReferenceException:
                value = None
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}")

    def css(self, selector: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return list(self.driver.find_elements(By.CSS_SELECTOR, selector))

    @property
    def box(self) -> Any:
        return self.css("#box")[0]

    def type(self, text: str) -> None:
        self.box.clear()
        self.box.send_keys(text)

    def run(self, text: str) -> None:
        """Type a whole command and press Enter."""
        from selenium.webdriver.common.keys import Keys

        self.type(text)
        self.box.send_keys(Keys.ENTER)

    def act_as(self, name: str) -> None:
        self.css(f"li[data-member='{name}']")[0].click()

    def channel(self, name: str) -> None:
        self.css(f"li[data-channel='{name}']")[0].click()

    def messages(self) -> list[Any]:
        return self.css("#messages .message")

    def texts(self) -> list[str]:
        return [m.text for m in self.messages()]

    def wait_text(self, needle: str, what: str | None = None) -> Any:
        return self.until(
            lambda: next((m for m in self.messages() if needle in m.text), None), what or f"a message with {needle!r}"
        )

    def clock(self, label: str) -> None:
        """Press a clock button by its label (1×, 60×, +1 min, Jump to the next post…)."""
        from selenium.webdriver.common.by import By

        button = self.driver.find_element(By.XPATH, f"//aside[@id='sidebar']//button[normalize-space()='{label}']")
        button.click()

    def local_error(self) -> str:
        node = self.css("#local-error")[0]
        return "" if node.get_attribute("hidden") is not None else node.text


@pytest.fixture(scope="session")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    require_browser()
    browser = make_driver(tmp_path_factory.mktemp("chromium-profile"))
    yield browser
    browser.quit()


@pytest.fixture
def playground() -> Iterator[PlaygroundProcess]:
    require_browser()
    process = PlaygroundProcess()
    yield process
    process.stop()


@pytest.fixture
def page(driver: Any, playground: PlaygroundProcess) -> Page:
    return Page(driver, playground.url)


@pytest.fixture(scope="session")
def served() -> Iterator[PlaygroundProcess]:
    """One playground for the plain-HTTP tests (no browser needed), shared: they only read or refuse."""
    process = PlaygroundProcess()
    yield process
    process.stop()
