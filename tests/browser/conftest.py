"""Fixtures for the real-browser tests: the built site over HTTP and Debian's Chromium driven by
Playwright. Chromium comes from scripts/install-browser.sh (Playwright's own browser downloads
are not used). Without Chromium or the playwright package these tests skip, unless CI is set,
where they fail.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from .support import ARTIFACTS, SUB_PATH, base_path, built_site, find_chromium, require, serve

# Flags for a closed network: without the background-networking ones Chromium's own outgoing
# connections (updates, sync, QUIC probes) are refused here and can show up as failed requests.
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
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_site(tmp_path_factory)


@pytest.fixture(scope="session")
def origin(site: Path) -> Iterator[str]:
    """http://127.0.0.1:PORT serving the site at /, at /sub/path/ and at base_url's path."""
    with serve(site, tuple(dict.fromkeys(("/", SUB_PATH, base_path())))) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    chromium = find_chromium()
    require(chromium, "Chromium not found (/usr/bin/chromium): run scripts/install-browser.sh")
    require(
        importlib.util.find_spec("playwright") is not None,
        "the playwright package is not installed (pip install playwright)",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def _contexts(browser: Any, **defaults: Any) -> Iterator[Any]:
    """A maker of fresh browser contexts (own storage, the suite's timeout), closed at the end."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        context = browser.new_context(**{**defaults, **options})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def new_context(browser: Any, origin: str) -> Iterator[Any]:
    """Contexts on the series site (their relative URLs resolve against it)."""
    with _contexts(browser, base_url=origin) as make:
        yield make


class PageWatch:
    """Collects console errors, uncaught exceptions and failed requests of a page."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"uncaught exception: {error}"))
        page.on(
            "requestfailed",
            lambda request: self.problems.append(f"request failed: {request.url} ({request.failure})"),
        )
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        location = message.location or {}
        if location.get("url", "").endswith("/favicon.ico"):
            return  # Chromium's own probe, made only at times; icons have their own test
        if message.type == "error":
            self.problems.append(f"console error: {message.text} ({location.get('url', '')})")

    def _response(self, response: Any) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def check(self, where: str) -> None:
        problems, self.problems = self.problems, []
        assert not problems, f"{where}:\n  " + "\n  ".join(problems)


@pytest.fixture
def watched(new_context: Any) -> Any:
    """A factory: watched(**context options) -> (page, PageWatch)."""

    def make(**options: Any) -> tuple[Any, PageWatch]:
        page = new_context(**options).new_page()
        return page, PageWatch(page)

    return make


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    """Contexts for a test that serves its own site."""
    with _contexts(browser) as make:
        yield make
