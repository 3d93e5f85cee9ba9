"""Playground figures: spawn to page ready, and Enter to the reply rendered in the browser.

    python -m benchmarks.playground [--commands 50] [--runs 3] [--screenshot docs/playground.png]

Each run spawns ``python -m bot playground --port 0`` (the real command), opens the URL it printed
(with the run's secret, which the playground turns into a cookie and a redirect to the clean URL) in
headless Chromium (Debian's ``chromium`` + ``chromium-driver``) and measures:
- spawn to page ready: from starting the process to the page having drawn the server, its
  channels and its members from the first websocket message;
- Enter to reply: the page's own ``performance.now()`` from the Enter key to the reply's message
  drawn, over a mix of lookups (``/cast``, ``/episode``, ``/countdown``, ``/about``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.playground.browser import Page, PlaygroundProcess, browser_missing, make_driver

MIX = [
    "/cast name:Nick",
    "/cast name:Tao",
    "/episode which:S2E6",
    "/countdown",
    "/about",
    "/episodes season:1",
    "/trivia packs",
    "/cast",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def one_run(commands: int, screenshot: Path | None) -> tuple[float, list[float]]:
    with tempfile.TemporaryDirectory() as profile:
        driver = make_driver(Path(profile))
        try:
            driver.get("about:blank")
            started = time.monotonic()
            process = PlaygroundProcess()
            try:
                page = Page(driver, process.url)
                ready = time.monotonic() - started
                for index in range(commands):
                    before = len(page.messages())
                    page.run(MIX[index % len(MIX)])
                    page.until(lambda before=before: len(page.messages()) > before, "the reply")
                    page.until(
                        lambda index=index: len(driver.execute_script("return window.__playground.timings")) > index,
                        "the reply to be drawn",
                    )
                timings = list(driver.execute_script("return window.__playground.timings"))
                if screenshot is not None:
                    take_screenshot(page, screenshot)
            finally:
                process.stop()
        finally:
            driver.quit()
    return ready, timings


def take_screenshot(page: Page, path: Path) -> None:
    """The page after a moderator set the countdown and two members played a question."""
    page.driver.refresh()
    page.until(lambda: page.driver.execute_script("return document.body.dataset.ready === 'true'"), "reload")
    page.channel("trivia")
    page.act_as("Ben")
    page.run("/trivia start questions:1")
    question = page.wait_text("Question 1/1")
    question.find_elements("css selector", ".btn")[0].click()
    page.wait_text("Locked in")
    page.run("/cast name:Charlie")
    page.wait_text("Joe Locke")
    page.type("/trivia st")
    page.until(lambda: page.css("#popup:not([hidden]) .popup-item"), "the command list")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.driver.save_screenshot(str(path))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args()
    missing = browser_missing()
    if missing:
        print(f"needs headless Chromium: missing {missing}", file=sys.stderr)
        return 2
    for run in range(args.runs):
        ready, timings = one_run(args.commands, args.screenshot if run == 0 else None)
        print(
            f"run {run + 1}: spawn to page ready {ready:.2f} s; Enter to reply over {len(timings)} commands: "
            f"p50 {statistics.median(timings):.1f} ms, p99 {percentile(timings, 0.99):.1f} ms, "
            f"max {max(timings):.1f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
