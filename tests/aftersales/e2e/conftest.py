"""The browsers of after-sales' end-to-end tests (headless Debian Chromium): the warehouse floor's phone page
(360 px) for the returns desk, a desktop page for CS's queue and case page."""

import pytest

from tests.browser import browser_session
from tests.fulfilment.e2e.conftest import browser_page  # noqa: F401  (the one phone-browser fixture)

DESK = {"width": 1366, "height": 900}


@pytest.fixture
def desk_page(live_server):
    """A desktop page in headless Chromium for CS's back-office pages, plus ``login(user)`` and ``url_for(path)``."""
    with browser_session(live_server, viewport=DESK) as page:
        yield page
