"""The command center in a browser: the charts draw, the figures show what the stored panels hold, the page picks
up new figures on its own, and a backlog cell opens the orders behind it."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from integrations.board.snapshots import board_snapshots_refresh
from orders.models import Order
from orders.states import Status
from tests.factories import make_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def paid_order(world):
    order = make_order(shop=world["shop_a"], skus=[(world["skus"][0], 1, Decimal("10.00"))])
    Order.objects.filter(pk=order.pk).update(status=Status.PAID)
    return order


def test_the_board_draws_refreshes_and_drills_down(wall_page, manager, world):
    first = paid_order(world)
    board_snapshots_refresh()
    page = wall_page
    page.login(manager)

    page.goto(page.url_for("/board/"))

    expect(page.locator("#board")).to_have_attribute("data-loaded", "1")
    expect(page.locator("h1")).to_have_text("指挥中心")
    expect(page.locator('[data-figure="backlog"]')).to_have_text("1")
    expect(page.locator('[data-figure="oversold"]')).to_have_text("0")
    for chart in ("#chart-per-hour", "#chart-backlog", "#chart-heat-channel", "#chart-money-daily"):
        expect(page.locator(f"{chart} canvas")).to_have_count(1)

    second = paid_order(world)
    board_snapshots_refresh()
    # Fetched again by the page itself, every 5 s: a fetch may land while the second order is being written, so the
    # test waits for up to three refreshes rather than exactly one.
    expect(page.locator('[data-figure="backlog"]')).to_have_text("2", timeout=15_000)

    page.locator("#table-backlog tbody a", has_text="2").first.click()
    expect(page).to_have_url(page.url_for("/orders/?status=paid&age=0-10m"))
    for order in (first, second):
        expect(page.get_by_text(order.number)).to_be_visible()
