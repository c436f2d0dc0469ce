"""Headless Chromium for the floor's end-to-end tests (tests/browser.py), on a phone-sized page."""

from __future__ import annotations

import pytest

from tests.browser import PHONE, browser_session


@pytest.fixture
def browser_page(live_server, settings):
    """A 360×740 phone page in headless Chromium, plus ``login(user)`` and ``url(path)`` helpers."""
    # Labels are requested from the carrier sandbox over real HTTP, served by the live server itself.
    settings.FULFILMENT_CARRIER_SANDBOX_URL = f"{live_server.url}/fulfilment/sandbox/carriers/"
    with browser_session(live_server, viewport=PHONE, is_mobile=True) as page:
        yield page
