"""Every figure of the after-sales reports against known data: five orders over three Shanghai days (one paid
half an hour after midnight in Shanghai, still the day before in UTC; one paid the day before the range), five
cases of known kinds, reasons, statuses and times."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from aftersales.models import ApprovalTier, Case
from aftersales.reports.selectors import (
    ReportFilter,
    aftersales_report,
    auto_approved_share,
    close_times,
    refund_by_shop,
    refund_by_sku,
    refund_reasons,
    refund_trend,
)
from aftersales.services import LineRequest, case_approve, case_create, case_reject
from orders.states import Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
D = Decimal


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SH)


def _order(shop, sku, quantity, price, paid_at):
    return make_order(shop=shop, skus=[(sku, quantity, D(price))], status=Status.PAID, paid_at=paid_at)


def _case(order, sku, *, reason_code, asked, kind="refund_only"):
    case = case_create(
        order=order, kind=kind, lines=[LineRequest(sku_code=sku.code, quantity=1)], reason_code=reason_code
    )
    Case.objects.filter(pk=case.pk).update(requested_at=asked)
    return case


def _ended(case, status, when):
    stamps = {"refunded_at": when} if status == Case.Status.REFUNDED else {}
    Case.objects.filter(pk=case.pk).update(status=status, closed_at=when, **stamps)


@pytest.fixture
def data(world, manager):
    sku1, sku2, _sku3 = world["skus"]
    shop_a, shop_b = world["shop_a"], world["shop_b"]
    o1 = _order(shop_a, sku1, 2, "50.00", at(10, 10))
    o2 = _order(shop_a, sku2, 1, "30.00", at(10, 23, 30))
    o3 = _order(shop_b, sku1, 1, "50.00", at(11, 0, 30))  # 16:30 UTC on the 10th
    o4 = _order(shop_a, sku1, 1, "80.00", at(12, 9))
    o5 = _order(shop_a, sku1, 1, "60.00", at(9, 9))  # paid before the range; its case is within it
    c3 = _case(o4, sku1, reason_code="quality", asked=at(12, 10))
    case_approve(case=c3, actor=manager)
    c4 = _case(o2, sku2, reason_code="no_longer_wanted", asked=at(10, 20))
    case_reject(case=c4, actor=manager, reason="已发货")
    c5 = _case(o5, sku1, reason_code="wrong_item", asked=at(11, 15), kind="exchange")
    _ended(c5, Case.Status.CLOSED, at(11, 19))
    ApprovalTier.objects.create(
        name="auto", approver=ApprovalTier.Approver.AUTOMATIC, max_amount=D("50.00"), clean_history_only=False
    )
    c1 = _case(o1, sku1, reason_code="quality", asked=at(10, 12))
    _ended(c1, Case.Status.REFUNDED, at(10, 18))
    c2 = _case(o3, sku1, reason_code="damaged", asked=at(11, 9))
    _ended(c2, Case.Status.REFUNDED, at(12, 9))
    return {"cases": (c1, c2, c3, c4, c5)}


FILTER = ReportFilter(date_from=dt.date(2026, 11, 10), date_to=dt.date(2026, 11, 12))


def _pick(rows, *keys):
    return [tuple(row[key] for key in keys) for row in rows]


def test_trend_sets_each_days_cases_against_the_orders_paid_that_shanghai_day(data, manager):
    rows = refund_trend(manager, FILTER)

    assert _pick(rows, "start", "orders", "paid_amount", "cases", "refunded_cases", "refunded_amount") == [
        (dt.date(2026, 11, 10), 2, D("130.00"), 2, 1, D("50.00")),
        (dt.date(2026, 11, 11), 1, D("50.00"), 2, 1, D("50.00")),
        (dt.date(2026, 11, 12), 1, D("80.00"), 1, 0, D("0.00")),
    ]
    assert _pick(rows, "case_rate", "amount_rate") == [
        (D("50.0"), D("38.5")),
        (D("100.0"), D("100.0")),
        (D("0.0"), D("0.0")),
    ]


def test_trend_by_week_and_month_starts_on_monday_and_the_first(data, manager):
    weeks = refund_trend(manager, ReportFilter(date_from=FILTER.date_from, date_to=FILTER.date_to, period="week"))
    months = refund_trend(manager, ReportFilter(date_from=FILTER.date_from, date_to=FILTER.date_to, period="month"))

    assert _pick(weeks, "start", "orders", "cases", "refunded_cases") == [(dt.date(2026, 11, 9), 4, 5, 2)]
    assert _pick(months, "start", "orders", "paid_amount", "refunded_amount", "case_rate") == [
        (dt.date(2026, 11, 1), 4, D("260.00"), D("100.00"), D("50.0"))
    ]


def test_an_empty_period_is_listed_with_no_rate(data, manager):
    rows = refund_trend(manager, ReportFilter(date_from=dt.date(2026, 11, 13), date_to=dt.date(2026, 11, 13)))

    assert _pick(rows, "start", "orders", "cases", "case_rate", "amount_rate") == [
        (dt.date(2026, 11, 13), 0, 0, None, None)
    ]


def test_by_shop_counts_each_shops_cases_and_orders(data, manager):
    rows = refund_by_shop(manager, FILTER)

    assert _pick(rows, "code", "orders", "paid_amount", "cases", "refunded_cases", "case_rate", "amount_rate") == [
        ("shop-a", 3, D("210.00"), 4, 1, D("33.3"), D("23.8")),
        ("shop-b", 1, D("50.00"), 1, 1, D("100.0"), D("100.0")),
    ]


def test_a_cs_agent_sees_only_the_shops_granted(data, cs_a):
    assert [row["code"] for row in refund_by_shop(cs_a, FILTER)] == ["shop-a"]
    assert _pick(refund_trend(cs_a, FILTER), "orders", "cases") == [(2, 2), (0, 1), (1, 1)]


def test_top_returned_skus_set_their_units_against_what_was_paid_for_their_lines(data, manager):
    rows = refund_by_sku(manager, FILTER)

    assert _pick(
        rows, "sku", "units", "cases", "refunded_cases", "refunded_amount", "orders", "paid_amount", "case_rate"
    ) == [
        ("SKU-1", 4, 4, 2, D("100.00"), 3, D("230.00"), D("66.7")),
        ("SKU-2", 1, 1, 0, D("0.00"), 1, D("30.00"), D("0.0")),
    ]
    assert [row["amount_rate"] for row in rows] == [D("43.5"), D("0.0")]


def test_reasons_count_every_case_requested_with_their_share_and_per_day(data, manager):
    reasons = refund_reasons(manager, FILTER)

    assert _pick(reasons["reasons"], "reason_code", "cases", "amount", "share") == [
        ("quality", 2, D("130.00"), D("40.0")),
        ("damaged", 1, D("50.00"), D("20.0")),
        ("no_longer_wanted", 1, D("30.00"), D("20.0")),
        ("wrong_item", 1, D("0.00"), D("20.0")),
    ]
    assert reasons["by_period"] == {
        "quality": [1, 0, 1],
        "damaged": [0, 1, 0],
        "no_longer_wanted": [1, 0, 0],
        "wrong_item": [0, 1, 0],
    }


def test_time_to_close_interpolates_p50_and_p90_over_refunded_and_closed_cases(data, manager):
    close = close_times(manager, FILTER)

    # 4 h (exchange closed), 6 h and 24 h (refunded); the rejected case does not count
    assert (close["closed"], close["p50_h"], close["p90_h"]) == (3, 6.0, 20.4)
    assert _pick(close["kinds"], "kind", "closed", "p50_h", "p90_h") == [
        ("refund_only", 2, 15.0, 22.2),
        ("exchange", 1, 4.0, 4.0),
    ]


def test_kind_filter_narrows_the_cases_not_the_orders(data, manager):
    only = ReportFilter(date_from=FILTER.date_from, date_to=FILTER.date_to, kind="exchange")

    assert _pick(refund_trend(manager, only), "orders", "cases") == [(2, 0), (1, 1), (1, 0)]
    assert close_times(manager, only)["closed"] == 1


def test_shop_filter_keeps_one_shop(data, manager, world):
    one = ReportFilter(date_from=FILTER.date_from, date_to=FILTER.date_to, shop_id=world["shop_b"].pk)

    assert _pick(refund_trend(manager, one), "orders", "cases") == [(0, 0), (1, 1), (0, 0)]


def test_auto_approved_share_of_the_approved_cases(data, manager):
    assert auto_approved_share(manager, FILTER) == {"approved": 3, "automatic": 2, "share": D("66.7")}


def test_the_whole_report_reads_in_a_fixed_number_of_queries(data, manager, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        report = aftersales_report(manager, FILTER)

    assert report["auto"]["automatic"] == 2
