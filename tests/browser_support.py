"""Helpers for the real-browser tests (tests/test_browser*.py; fixtures in browser_fixtures.py).

Chromium (Debian's, at /usr/bin/chromium, or $TRACKER_CHROMIUM) is driven by
Playwright for Python, which only needs its bundled driver: never run
`playwright install`. When Chromium, Playwright or poppler-utils is missing the
browser tests are skipped with the reason, unless TRACKER_REQUIRE_CHROMIUM=1
(as in CI), where that is a failure.
"""
from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
REQUIRE_CHROMIUM = os.environ.get("TRACKER_REQUIRE_CHROMIUM") == "1"
POPPLER_TOOLS = ("pdfinfo", "pdftotext", "pdftoppm")

# Headless, as root, with the network closed except localhost: no sandbox, no GPU,
# nothing that phones home. Playwright adds a fresh, empty --user-data-dir itself.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

A4_LANDSCAPE_PTS = (842.0, 595.0)


def unavailable(reason: str) -> None:
    """Skip the test, or fail it when the environment promises a browser (CI)."""
    if REQUIRE_CHROMIUM:
        pytest.fail(f"TRACKER_REQUIRE_CHROMIUM=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str:
    """The Chromium executable, or skip/fail with the reason."""
    found = shutil.which(CHROMIUM)
    if not found:
        unavailable(f"Chromium not found at {CHROMIUM} (set TRACKER_CHROMIUM or install chromium)")
    return found


def poppler_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        unavailable(f"{name} not found (install poppler-utils)")
    return found


# --- the app, served over real HTTP -------------------------------------------------------

@contextmanager
def serve(app) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a free port) from a background thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="tracker-live-server",
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- what the page reported ----------------------------------------------------------------

# Runs in every document before the page's own scripts. Playwright injects it over
# the DevTools protocol, so the page's CSP does not block it.
CSP_WATCH_SCRIPT = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCsp(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
                     + ` at ${event.documentURI}`);
});
"""


@dataclass
class PageProblems:
    """Console errors, uncaught exceptions, CSP violations and failed requests (or error
    answers from the app) seen while a test ran."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def watch(self, context) -> None:
        """Record what every page of the browser context reports, from now on."""
        context.expose_function("__reportCsp", lambda text: self.csp_violations.append(text))
        context.add_init_script(CSP_WATCH_SCRIPT)
        context.on("page", self._watch_page)
        for page in context.pages:
            self._watch_page(page)

    def _watch_page(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _on_request_failed(self, request) -> None:
        # A download ends its navigation with ERR_ABORTED: that is the browser saving it.
        if request.failure != "net::ERR_ABORTED":
            self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def _on_response(self, response) -> None:
        # Assets and pages the app answers with a server error are a bug, whatever the test.
        if response.status >= 500:
            self.failed_requests.append(f"{response.status} {response.url}")

    def _on_console(self, message) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            self.console_errors.append(f"{message.text} ({where})")
            if "Content Security Policy" in message.text:
                self.csp_violations.append(message.text)

    def all(self) -> list[str]:
        return ([f"console: {m}" for m in self.console_errors]
                + [f"pageerror: {m}" for m in self.page_errors]
                + [f"CSP: {m}" for m in self.csp_violations]
                + [f"request: {m}" for m in self.failed_requests])


def login(page, base_url: str, email: str, password: str) -> None:
    """Sign in through the login form, as a person would; fail if it does not take."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) button[type=submit]")
    assert "/login" not in page.url, (
        f"login as {email} failed: still on {page.url}: "
        + " | ".join(page.locator(".flash, .error").all_inner_texts())
    )


# --- PDF inspection (poppler-utils) ----------------------------------------------------------

def open_as(context, base_url: str, who: tuple[str, str], path: str = "/"):
    """A new page of `context`, signed in as `who` (e-mail, password), showing `path`."""
    page = context.new_page()
    login(page, base_url, *who)
    page.goto(f"{base_url}{path}")
    return page


def submit_status(page, base_url: str, item_id: int | str, status: str, **fields: str) -> None:
    """Post a status update through the item page's form, as an officer would (each of
    `fields` typed into the input or text area of that name), and wait for the answer."""
    page.goto(f"{base_url}/items/{item_id}")
    form = page.locator("form.status-form")
    form.locator("select[name=status]").select_option(status)
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def pdf_page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every page, from `pdfinfo -f 1 -l N`."""
    info = subprocess.run([poppler_tool("pdfinfo"), str(pdf)], check=True, capture_output=True,
                          text=True, timeout=30).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    detail = subprocess.run(
        [poppler_tool("pdfinfo"), "-f", "1", "-l", str(pages), str(pdf)],
        check=True, capture_output=True, text=True, timeout=30,
    ).stdout
    sizes = [(float(w), float(h)) for w, h in
             re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", detail, re.M)]
    assert len(sizes) == pages, detail
    return sizes


def pdf_pages_text(pdf: Path, *, layout: bool = True) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed), NFC-normalised."""
    args = [poppler_tool("pdftotext"), "-enc", "UTF-8"]
    if layout:
        args.append("-layout")
    out = subprocess.run([*args, str(pdf), "-"], check=True, capture_output=True,
                         timeout=60).stdout.decode("utf-8")
    pages = unicodedata.normalize("NFC", out).split("\f")
    if pages and not pages[-1].strip():
        pages.pop()  # pdftotext ends the last page with a form feed too
    return pages


def render_pdf_page_png(pdf: Path, png: Path, *, page: int = 1, dpi: int = 60) -> Path:
    """Render one page of the PDF to exactly `png` with pdftoppm."""
    stem = png.with_suffix("")
    subprocess.run(
        [poppler_tool("pdftoppm"), "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
         "-singlefile", str(pdf), str(stem)],
        check=True, capture_output=True, timeout=30,
    )
    return stem.with_suffix(".png")


def png_size(png: Path) -> tuple[int, int]:
    """Width and height from the PNG header; fails if the file is not a PNG."""
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{png} is not a PNG"
    return struct.unpack(">II", head[16:24])
