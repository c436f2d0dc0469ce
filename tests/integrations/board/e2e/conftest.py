"""Headless Chromium for the command center's end-to-end test (tests/browser.py), on a wall-screen page."""

from __future__ import annotations

import pytest

from tests.browser import WALL, browser_session


@pytest.fixture
def wall_page(live_server, settings):
    settings.BOARD_REFRESH_SECONDS = 5  # the page's shortest refresh: the test sees a second fetch land
    with browser_session(live_server, viewport=WALL) as page:
        yield page
