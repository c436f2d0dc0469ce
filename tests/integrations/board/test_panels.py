"""The command center's Connections, Money and after-sales figures against known data."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.board import aftersales_close_time
from aftersales.models import Case
from finance import board as finance_board
from finance.models import DailyBalance, Difference
from integrations.board.connections import connection_figures
from integrations.models import CountCheck, WebhookRejection, WorkStatus
from orders.models import OrderEvent
from orders.states import Status
from tests.factories import (
    InboxMessageFactory,
    ShopConnectionFactory,
    StatementFactory,
    StatementLineFactory,
    make_order,
)

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()
NOW = dt.datetime(2026, 11, 11, 10, 0, tzinfo=TZ)
TODAY = NOW.date()


def push(shop, *, n, status=WorkStatus.DONE, took_s=None, hours_ago=1):
    received = NOW - dt.timedelta(hours=hours_ago)
    message = InboxMessageFactory(
        shop=shop,
        topic="",
        content_hash=f"h{n}",
        status=status,
        received_at=received,
        processed_at=received + dt.timedelta(seconds=took_s) if took_s is not None else None,
    )
    return message


def test_connection_figures_per_shop(world):
    connection = ShopConnectionFactory(
        shop=world["shop_a"],
        consecutive_failures=3,
        token_expires_at=NOW + dt.timedelta(days=5, hours=1),
        certificate_expires_at=None,
    )
    shop = connection.shop
    CountCheck.objects.create(shop=shop, day=TODAY - dt.timedelta(days=2), platform_count=10, hub_count=5, gap_ratio=0)
    CountCheck.objects.create(
        shop=shop, day=TODAY - dt.timedelta(days=1), platform_count=200, hub_count=198, gap_ratio=0
    )
    for n, took in enumerate([1, 2, 3, 4, 40]):
        push(shop, n=n, took_s=took)
    push(shop, n=10, status=WorkStatus.FAILED)
    push(shop, n=11, status=WorkStatus.DEAD)
    push(shop, n=12, hours_ago=30, took_s=500)  # outside the 24 h window
    for _ in range(2):
        WebhookRejection.objects.create(
            shop=shop, platform=shop.platform, shop_code=shop.code, reason="bad sign", at=NOW
        )

    [row] = connection_figures(now=NOW)

    assert row["shop"] == "shop-a"
    assert (row["consistency_pct"], row["platform_count"], row["hub_count"]) == (99.0, 200, 198)
    assert row["answers"] == {"200": 7, "4xx": 2}
    assert (row["outcome"]["done"], row["outcome"]["failed"], row["outcome"]["dead"]) == (5, 1, 1)
    assert (row["latency_p50_s"], row["latency_p95_s"]) == (3.0, 40.0)
    assert (row["consecutive_failures"], row["token_days_left"], row["certificate_days_left"]) == (3, 5, None)
    assert row["link"] == "/integrations/shops/shop-a/"


def test_a_shop_never_count_checked_has_no_consistency_index(world):
    ShopConnectionFactory(shop=world["shop_b"])

    [row] = connection_figures(now=NOW)

    assert row["consistency_pct"] is None and row["answers"] == {"200": 0, "4xx": 0}


def balance(day, expected, received, currency="CNY", shop=None):
    zero = Decimal("0.00")
    return DailyBalance.objects.create(
        date=day,
        channel="tmall",
        shop=shop,
        currency=currency,
        sales=expected,
        refunds=zero,
        expected=Decimal(expected),
        received=Decimal(received),
        settled=zero,
        fees=zero,
        difference=Decimal(received) - Decimal(expected),
    )


def test_receivable_vs_received_sums_shops_per_day_and_currency(world):
    balance(TODAY, "100.00", "90.00", shop=world["shop_a"])
    balance(TODAY, "50.50", "50.50", shop=world["shop_b"])
    balance(TODAY - dt.timedelta(days=1), "10.00", "0.00", shop=world["shop_a"])
    balance(TODAY - dt.timedelta(days=30), "999.00", "0.00", shop=world["shop_a"])  # outside the window

    rows = finance_board.receivable_vs_received(date_from=TODAY - dt.timedelta(days=13), date_to=TODAY)

    assert rows == [
        {"date": "2026-11-10", "currency": "CNY", "expected": "10.00", "received": "0.00", "difference": "-10.00"},
        {"date": "2026-11-11", "currency": "CNY", "expected": "150.50", "received": "140.50", "difference": "-10.00"},
    ]


def difference(key, type_, status="open"):
    zero = Decimal("0.00")
    return Difference.objects.create(
        key=key, type=type_, business_date=TODAY, status=status, expected=zero, actual=zero, difference=zero
    )


def test_open_differences_by_type_leave_resolved_ones_out(world):
    difference("a", "amount_mismatch")
    difference("b", "amount_mismatch", status="investigating")
    difference("c", "unexpected_fee")
    difference("d", "unexpected_fee", status="resolved")
    difference("e", "duplicate_charge", status="accepted")

    assert finance_board.open_differences_by_type() == [
        {"type": "amount_mismatch", "count": 2},
        {"type": "unexpected_fee", "count": 1},
    ]


def shipped_order(world, *, shipped_at):
    order = make_order(shop=world["shop_a"], skus=[(world["skus"][0], 1, Decimal("10.00"))])
    event = OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.TRANSITION, to_status=Status.SHIPPED)
    OrderEvent.objects.filter(pk=event.pk).update(at=shipped_at)
    return order


def test_days_from_shipment_to_settlement_use_the_first_settling_line(world):
    statement = StatementFactory(shop=world["shop_a"])
    for row, (shipped_days_ago, settled_days_ago) in enumerate([(5, 1), (10, 2), (3, 2)]):
        order = shipped_order(world, shipped_at=NOW - dt.timedelta(days=shipped_days_ago))
        _line(statement, row, order, occurred=NOW - dt.timedelta(days=settled_days_ago))
    unshipped = make_order(shop=world["shop_a"], skus=[(world["skus"][0], 1, Decimal("10.00"))])
    _line(statement, 9, unshipped, occurred=NOW)

    figures = finance_board.shipment_to_settlement_days(date_from=TODAY - dt.timedelta(days=29), date_to=TODAY)

    assert figures == {"lines": 3, "median_days": 4.0, "max_days": 8.0}


def _line(statement, row, order, *, occurred):
    return StatementLineFactory(statement=statement, row=row, occurred_at=occurred, order=order)


def test_after_sales_close_time_is_request_to_close_of_cases_closed_in_the_window(world):
    order = make_order(shop=world["shop_a"], skus=[(world["skus"][0], 1, Decimal("10.00"))])
    for n, (asked_h, done_h, status) in enumerate(
        [
            (10, 8, "refunded"),
            (30, 6, "rejected"),
            (5, 1, "closed"),
            (5, None, "requested"),  # still open
            (900, 800, "refunded"),  # closed before the window
        ]
    ):
        Case.objects.create(
            number=f"AS{n}",
            order=order,
            status=status,
            amount=Decimal("1.00"),
            requested_at=NOW - dt.timedelta(hours=asked_h),
            closed_at=NOW - dt.timedelta(hours=done_h) if done_h is not None else None,
        )

    figures = aftersales_close_time(since=NOW - dt.timedelta(days=30), until=NOW)

    assert figures == {"closed": 3, "median_h": 4.0, "max_h": 24.0}
