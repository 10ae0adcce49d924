"""Helpers for real-browser tests: a live server in a thread and the system Chromium."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

CHROMIUM = os.environ.get("LOUPAN_CHROMIUM", "/usr/bin/chromium")
# Flags the probe of this machine kind found necessary on a closed network (no background
# connections to Google's hosts) and as root (no sandbox).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_available() -> bool:
    return Path(CHROMIUM).exists()


@contextmanager
def live_server(app):
    """Serve the app's Flask server on a free local port for the duration of the block."""
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@contextmanager
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class PageWatcher:
    """Collects console errors and failed or refused requests of a page."""

    def __init__(self, page, base_url: str):
        self.errors: list[str] = []
        self.base_url = base_url
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message):
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _failed(self, request):
        # A navigation cancels the previous page's requests still in flight: not a failure.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.errors.append(f"request failed: {request.url} {request.failure}")

    def _response(self, response):
        if not response.url.startswith(self.base_url):
            self.errors.append(f"request outside the server: {response.url}")
        elif response.status >= 400:
            self.errors.append(f"HTTP {response.status}: {response.url}")


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(f"{base_url}/")
    page.wait_for_load_state("networkidle")


def choose(page, selector: str, text: str) -> None:
    """Pick the option `text` of the dropdown `selector` the way a user does: open it, type to
    filter, click the option (pressing Enter races the dropdown's own filtering)."""
    import re

    page.click(selector)
    page.keyboard.type(text)
    page.get_by_role("option", name=re.compile(re.escape(text))).first.click()
    page.wait_for_function(
        "([sel, text]) => document.querySelector(sel)?.innerText.includes(text)",
        arg=[selector, text],
    )
