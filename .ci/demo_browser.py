#!/usr/bin/env python3
"""The demo's /realtime/ page in a real browser (headless Chromium from Debian).

Two windows load the page through nginx. Both must show their two websockets
connected; an echo sent in the first comes back there, and a broadcast sent from
the second window arrives in the first (through Daphne and the Redis channel layer).
A screenshot of the first window is written when everything arrived. Exits 1 with
one line naming what did not happen (e.g. the websocket never connected).

Usage: demo_browser.py URL [--screenshot PNG] [--timeout SECONDS]
"""

import argparse
import json
import os
import sys
import tempfile
import time
import uuid

os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager download a driver

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import TimeoutException, WebDriverException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PANELS = {"echo": '[data-socket="/ws/echo/"]', "notifications": '[data-socket="/ws/notifications/"]'}


class CheckFailed(Exception):
    """What the page did not do, in one line."""


def browser(profile_dir):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        # The demo's certificate is self-signed (no public CA can vouch for a .localhost name).
        "--ignore-certificate-errors",
        # This machine has no network beyond loopback: no background requests to Google.
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--window-size=1280,760", f"--user-data-dir={profile_dir}",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def wait(driver, timeout, condition, failure):
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition)
    except TimeoutException:
        raise CheckFailed(failure(driver)) from None


def states(driver):
    return {name: driver.find_element(By.CSS_SELECTOR, f"{css} .state").text for name, css in PANELS.items()}


def open_page(driver, url, timeout):
    """Load the page and wait until both of its websockets say they are connected."""
    driver.get(url)
    wait(driver, timeout,
         lambda d: all(state == "connected" for state in states(d).values()),
         lambda d: f"the websocket never connected on {url} within {timeout} s: "
                   + ", ".join(f"{name} says {state!r}" for name, state in states(d).items()))


def send(driver, panel, text):
    form = driver.find_element(By.CSS_SELECTOR, f"{PANELS[panel]} form")
    form.find_element(By.NAME, "text").send_keys(text)
    form.find_element(By.TAG_NAME, "button").click()


def arrived(driver, panel, text, timeout, what):
    items = f"{PANELS[panel]} .log li"
    wait(driver, timeout,
         lambda d: any(li.text == text for li in d.find_elements(By.CSS_SELECTOR, items)),
         lambda d: f"{what} never arrived within {timeout} s (the {panel} log shows "
                   f"{[li.text for li in d.find_elements(By.CSS_SELECTOR, items)][:5]})")


def check(url, screenshot, timeout):
    token = uuid.uuid4().hex[:8]
    timings = {}
    with tempfile.TemporaryDirectory(prefix="djangoops-chromium-") as profile:
        driver = browser(profile)
        try:
            start = time.monotonic()
            open_page(driver, url, timeout)
            timings["first_page_connected_ms"] = round((time.monotonic() - start) * 1000)
            first = driver.current_window_handle

            start = time.monotonic()
            send(driver, "echo", f"echo {token}")
            arrived(driver, "echo", f"echo {token}", timeout, "the echo")
            timings["echo_ms"] = round((time.monotonic() - start) * 1000)

            driver.switch_to.new_window("window")
            open_page(driver, url, timeout)
            start = time.monotonic()
            send(driver, "notifications", f"broadcast {token}")
            driver.switch_to.window(first)
            arrived(driver, "notifications", f"broadcast {token}", timeout,
                    "the broadcast from the second window")
            timings["broadcast_ms"] = round((time.monotonic() - start) * 1000)

            if screenshot:
                os.makedirs(os.path.dirname(os.path.abspath(screenshot)), exist_ok=True)
                driver.save_screenshot(screenshot)
            return {"url": url, "browser": driver.capabilities.get("browserVersion"),
                    "states": states(driver), **timings, "screenshot": screenshot}
        finally:
            driver.quit()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--screenshot", help="PNG written once the echo and the broadcast arrived")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds for each step (default 30)")
    args = parser.parse_args(argv)
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            print(f"browser check: {path} is missing: apt-get install chromium chromium-driver", file=sys.stderr)
            return 1
    try:
        result = check(args.url, args.screenshot, args.timeout)
    except (CheckFailed, WebDriverException) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"browser check failed: {message}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
