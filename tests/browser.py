"""Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium driven by Playwright for Python
(never `playwright install`: the browser comes from apt). ``browser_session`` opens one page on the live server
with ``page.login(user)`` and ``page.url_for(path)``; each e2e conftest wraps it in its own fixture.

Skipped only on a developer machine without the browser; under CI (the CI env var set) a missing browser or a
missing Playwright fails the run instead.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
WALL = {"width": 1920, "height": 1080}


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but the end-to-end browser is missing: {reason}", pytrace=False)
    pytest.skip(f"{reason} (install Debian's chromium: apt-get install -y chromium)")


@contextmanager
def browser_session(live_server, *, viewport: dict, is_mobile: bool = False):
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still sync.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=viewport, is_mobile=is_mobile, has_touch=is_mobile, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(15_000)

        def login(user):
            from django.test import Client

            client = Client()
            client.force_login(user)
            context.add_cookies(
                [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
            )

        page.login = login
        page.url_for = lambda path: f"{live_server.url}{path}"
        try:
            yield page
        finally:
            page.goto("about:blank")  # no request of the page is left in flight when the database goes
            context.close()
            browser.close()
            if previous is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
