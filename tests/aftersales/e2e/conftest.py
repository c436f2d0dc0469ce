"""The phone browser of the warehouse floor's end-to-end tests (headless Debian Chromium at 360 px)."""

from tests.fulfilment.e2e.conftest import browser_page  # noqa: F401  (the one phone-browser fixture)
