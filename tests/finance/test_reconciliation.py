"""Reconciliation: every planted difference found and classified, nothing else flagged; re-runs keep
human decisions."""

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import translation

from aftersales.models import Case
from aftersales.services import refund_record
from finance.models import (
    DailyBalance,
    Difference,
    DifferenceStatus,
    DifferenceType,
    FeeRate,
    StatementLine,
    Tolerance,
)
from finance.services.differences import difference_assign, difference_comment_add, difference_status_set
from finance.services.reconciliation import reconcile
from finance.services.statements import statement_import_file
from tests.finance import builders
from tests.finance.helpers import at, paid_order, refunded, sample_bill_orders

pytestmark = pytest.mark.django_db

D11 = dt.date(2026, 11, 11)
D12 = dt.date(2026, 11, 12)
T = DifferenceType


def trade(
    number,
    amount,
    *,
    txn,
    when="2026-11-11 10:00:00",
    fee=None,
    platform="0.00",
    merchant="0.00",
    gross=None,
    kind="交易",
    refund_ref="",
):
    amount = Decimal(amount)
    if fee is None:
        charge = (abs(amount) * Decimal("0.006")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        fee = -charge if amount > 0 else charge
    return {
        "支付宝交易号": txn,
        "商户订单号": number,
        "业务类型": kind,
        "商品名称": "商品",
        "创建时间": when,
        "完成时间": when,
        "对方账户": "b**r@alipay",
        "订单金额（元）": str(gross if gross is not None else max(amount, Decimal("0.00"))),
        "商家实收（元）": str(amount),
        "支付宝红包（元）": platform,
        "商家优惠（元）": merchant,
        "服务费（元）": str(fee),
        "退款批次号/请求号": refund_ref,
    }


def import_trade_bill(rows, user, *, name="trade.csv", end="2026年11月13日 00:00:00"):
    data = builders.alipay_trade_bill(rows, end=end)
    return statement_import_file(path_or_file=io.BytesIO(data), filename=name, user=user)


def found(**filters):
    return {(d.type, d.order.number if d.order_id else d.line.order_ref) for d in Difference.objects.filter(**filters)}


@pytest.fixture
def sku(world):
    return world["skus"][0]


@pytest.fixture
def planted(world, entities, sku, admin_user):
    """Clean orders that balance, and one planted difference of every type."""
    shop = world["shop_a"]

    def order(n, price="100.00", paid="2026-11-11 10:00:00", **kw):
        return paid_order(shop=shop, number=f"OH20261111{n:06d}", paid=paid, sku=sku, price=price, **kw)

    clean = order(1)
    partial = order(2, price="200.00")
    refunded(partial, "50.00", "R2", when="2026-11-11 15:00:00")
    coupon_ok = order(3, price="129.00", discount_platform="10.00")
    full = order(4, price="80.00")
    refunded(full, "80.00", "R4", when="2026-11-11 16:00:00")
    missing_in_statement = order(5)
    mismatch = order(6)
    refund_missing = order(7)
    fee = order(8)
    coupon = order(9, price="110.00", discount_platform="5.00", discount_merchant="5.00")
    duplicate = order(10)
    cross = order(11, paid="2026-11-11 23:59:30")
    rows = [
        trade(clean.number, "100.00", txn="T1"),
        trade(partial.number, "200.00", txn="T2"),
        trade(partial.number, "-50.00", txn="T2", kind="退款", refund_ref="R2", when="2026-11-11 15:00:00"),
        trade(coupon_ok.number, "119.00", txn="T3", platform="10.00", gross="129.00"),
        trade(full.number, "80.00", txn="T4"),
        trade(full.number, "-80.00", txn="T4", kind="退款", refund_ref="R4", when="2026-11-11 16:00:00"),
        # --- planted ---
        trade("OH20261111999999", "59.00", txn="T99"),  # missing_in_hub
        trade(mismatch.number, "90.00", txn="T6"),  # amount_mismatch
        trade(refund_missing.number, "100.00", txn="T7"),
        trade(refund_missing.number, "-30.00", txn="T7", kind="退款", refund_ref="RX7", when="2026-11-11 18:00:00"),
        trade(fee.number, "100.00", txn="T8", fee="-2.00"),  # unexpected_fee
        trade(coupon.number, "100.00", txn="T9", platform="10.00", merchant="0.00", gross="110.00"),  # coupon
        trade(duplicate.number, "100.00", txn="T10"),
        trade(duplicate.number, "100.00", txn="T10B", when="2026-11-11 10:05:00"),  # duplicate_charge
        trade(cross.number, "100.00", txn="T11", when="2026-11-12 00:00:40"),  # cross_period
    ]
    import_trade_bill(rows, admin_user)
    return {
        "clean": [clean, partial, coupon_ok, full],
        T.MISSING_IN_HUB: "OH20261111-999999",
        T.MISSING_IN_STATEMENT: missing_in_statement,
        T.AMOUNT_MISMATCH: mismatch,
        T.REFUND_NOT_RECORDED: refund_missing,
        T.UNEXPECTED_FEE: fee,
        T.COUPON_ALLOCATION: coupon,
        T.DUPLICATE_CHARGE: duplicate,
        T.CROSS_PERIOD: cross,
    }


def test_every_planted_difference_is_found_classified_and_nothing_else(planted):
    run = reconcile(date_from=D11, date_to=D12)

    expected = {
        (T.MISSING_IN_HUB, "OH20261111999999"),
        *((kind, planted[kind].number) for kind in T.values if kind != T.MISSING_IN_HUB),
    }
    got = {(d.type, d.order.number if d.order_id else d.line.order_key) for d in Difference.objects.all()}
    assert got == expected
    assert run.stats["differences"] == len(T.values) == 8
    assert run.stats["by_type"] == {kind: 1 for kind in T.values}


def test_differences_carry_expected_actual_difference_and_what_they_concern(planted):
    reconcile(date_from=D11, date_to=D12)

    def one(kind):
        return Difference.objects.get(type=kind)

    mismatch = one(T.AMOUNT_MISMATCH)
    assert (mismatch.component, mismatch.expected, mismatch.actual, mismatch.difference) == (
        "paid",
        Decimal("100.00"),
        Decimal("90.00"),
        Decimal("-10.00"),
    )
    refund = one(T.REFUND_NOT_RECORDED)
    assert (refund.expected, refund.actual, refund.line.refund_ref) == (Decimal("0.00"), Decimal("-30.00"), "RX7")
    fee = one(T.UNEXPECTED_FEE)
    assert (fee.expected, fee.actual, fee.difference) == (Decimal("-0.60"), Decimal("-2.00"), Decimal("-1.40"))
    coupon = one(T.COUPON_ALLOCATION)
    assert (coupon.expected, coupon.actual) == (Decimal("5.00"), Decimal("10.00"))
    duplicate = one(T.DUPLICATE_CHARGE)
    assert (duplicate.expected, duplicate.actual, duplicate.difference) == (
        Decimal("100.00"),
        Decimal("200.00"),
        Decimal("100.00"),
    )
    missing = one(T.MISSING_IN_STATEMENT)
    assert (missing.expected, missing.actual, missing.business_date) == (Decimal("100.00"), Decimal("0.00"), D11)
    cross = one(T.CROSS_PERIOD)
    assert cross.business_date == D11 and "2026-11-12" in cross.detail
    # What a difference says reads in the reader's language (Chinese first), its figures and codes as they are.
    assert mismatch.detail_display == f"订单 {mismatch.order.number}：订单中枢实付 100.00，对账单 90.00"
    assert duplicate.detail_display.startswith(f"订单 {duplicate.order.number} 被付款 2 次")
    in_hub = one(T.MISSING_IN_HUB)
    assert (in_hub.actual, in_hub.order_id, in_hub.line.row) == (Decimal("59.00"), None, 12)
    assert {d.shop_id for d in Difference.objects.exclude(type=T.MISSING_IN_HUB)} == {planted["clean"][0].shop_id}
    assert all(d.entity is not None for d in Difference.objects.all())


def test_refund_lines_are_linked_to_the_refunds_they_pay(planted):
    reconcile(date_from=D11, date_to=D12)

    linked = StatementLine.objects.filter(refund__isnull=False).values_list("refund__external_id", flat=True)
    assert sorted(linked) == ["R2", "R4"]


def test_rerunning_is_idempotent_and_keeps_owner_status_and_comments(planted, finance_a):
    reconcile(date_from=D11, date_to=D12)
    mismatch = Difference.objects.get(type=T.AMOUNT_MISMATCH)
    accepted = Difference.objects.get(type=T.CROSS_PERIOD)
    difference_assign(difference=mismatch, owner=finance_a, actor=finance_a)
    difference_status_set(difference=mismatch, status=DifferenceStatus.INVESTIGATING, actor=finance_a)
    difference_comment_add(difference=mismatch, author=finance_a, body="asked Alipay")
    difference_status_set(difference=accepted, status=DifferenceStatus.ACCEPTED, actor=finance_a, note="timing only")
    before = {d.key: d.pk for d in Difference.objects.all()}

    run = reconcile(date_from=D11, date_to=D12)

    assert {d.key: d.pk for d in Difference.objects.all()} == before
    mismatch.refresh_from_db()
    accepted.refresh_from_db()
    assert (mismatch.owner, mismatch.status) == (finance_a, DifferenceStatus.INVESTIGATING)
    assert [c.body for c in mismatch.comments.all()][-1] == "asked Alipay"
    assert accepted.status == DifferenceStatus.ACCEPTED
    assert run.stats["created"] == 0 and run.stats["closed"] == 0


def test_progress_is_told_the_orders_compared_out_of_those_in_scope(planted, monkeypatch):
    monkeypatch.setattr("finance.services.reconciliation.run.PROGRESS_EVERY", 2)
    calls = []

    run = reconcile(date_from=D11, date_to=D12, progress=lambda done, total: calls.append((done, total)))

    orders, scope = run.stats["orders"], run.stats["scope"]
    assert orders == scope >= 4
    assert calls == [(n, scope) for n in range(2, orders + 1, 2)] + [(orders, scope)]


def test_a_difference_that_goes_away_is_closed_and_comes_back_if_it_returns(planted):
    reconcile(date_from=D11, date_to=D12)
    order = planted[T.REFUND_NOT_RECORDED]
    refund, _ = refunded(order, "30.00", "RX7", when="2026-11-11 18:00:00")

    run = reconcile(date_from=D11, date_to=D12)

    difference = Difference.objects.get(type=T.REFUND_NOT_RECORDED)
    assert difference.status == DifferenceStatus.AUTO_CLOSED
    closed = difference.comments.last()
    assert closed.body == f"No longer found by run #{run.pk}."  # stored in English, shown in the reader's language
    with translation.override("zh-hans"):
        assert closed.body_display == f"第 {run.pk} 次对账不再发现。"
    with translation.override("en"):
        assert closed.body_display == f"No longer found by run #{run.pk}."
    assert run.stats["closed"] == 1

    Case.objects.filter(pk=refund.pk).update(status=Case.Status.WITHDRAWN)
    reconcile(date_from=D11, date_to=D12)
    difference.refresh_from_db()
    assert difference.status == DifferenceStatus.OPEN
    assert "Found again" in difference.comments.last().body


def test_a_resolved_difference_reopens_when_its_amount_changes(planted, finance_a, sku, admin_user):
    reconcile(date_from=D11, date_to=D12)
    duplicate = Difference.objects.get(type=T.DUPLICATE_CHARGE)
    difference_status_set(difference=duplicate, status=DifferenceStatus.RESOLVED, actor=finance_a, note="refunded")
    number = planted[T.DUPLICATE_CHARGE].number
    import_trade_bill([trade(number, "100.00", txn="T10C", when="2026-11-12 09:00:00")], admin_user, name="more.csv")

    reconcile(date_from=D11, date_to=D12)

    duplicate.refresh_from_db()
    assert duplicate.status == DifferenceStatus.OPEN
    assert duplicate.difference == Decimal("200.00")
    assert "changed from 100.00 to 200.00" in duplicate.comments.last().body


def test_tolerances_are_configurable(planted):
    Tolerance.objects.create(difference_type=T.AMOUNT_MISMATCH, amount=Decimal("10.00"))
    Tolerance.objects.create(difference_type=T.UNEXPECTED_FEE, amount=Decimal("2.00"))

    reconcile(date_from=D11, date_to=D12)

    assert not Difference.objects.filter(type__in=[T.AMOUNT_MISMATCH, T.UNEXPECTED_FEE]).exists()
    assert Difference.objects.filter(type=T.DUPLICATE_CHARGE).exists()


def test_an_order_arriving_after_its_statement_is_matched_by_the_next_run(world, entities, sku, admin_user):
    import_trade_bill([trade("OH20261111000077", "100.00", txn="T77")], admin_user)
    reconcile(date_from=D11, date_to=D11)
    assert Difference.objects.get().type == T.MISSING_IN_HUB

    order = paid_order(
        shop=world["shop_a"], number="OH20261111000077", sku=sku, price="100.00", paid="2026-11-11 10:00:00"
    )
    reconcile(date_from=D11, date_to=D11)

    assert StatementLine.objects.get().order == order
    assert Difference.objects.get().status == DifferenceStatus.AUTO_CLOSED


def test_orders_of_a_shop_no_statement_covers_are_not_reported_missing(world, entities, sku, admin_user, planted):
    paid_order(shop=world["shop_b"], sku=sku, paid="2026-11-11 12:00:00")

    reconcile(date_from=D11, date_to=D12)

    assert Difference.objects.filter(type=T.MISSING_IN_STATEMENT).count() == 1


def test_the_samples_reconcile_to_exactly_their_two_real_differences(world, entities, sku, bills, admin_user):
    sample_bill_orders(world=world, entities=entities, sku=sku)
    FeeRate.objects.create(source="alipay", kind="commission", rate=Decimal("0.05"))
    for path in sorted(bills.iterdir()):
        statement_import_file(path_or_file=str(path), user=admin_user)

    run = reconcile(date_from=D11, date_to=dt.date(2026, 11, 15))

    assert found() == {(T.DUPLICATE_CHARGE, "OH20261111000102"), (T.MISSING_IN_HUB, "OH20261111-000199")}
    assert run.stats["orders"] == 4
    day = DailyBalance.objects.get(date=D11, shop=world["shop_a"])
    # paid 267 + 69.80 + 119 − refunded 88.80; received by Alipay 267 + 69.80 + 119 − 88.80 and WeChat 69.80
    assert (day.expected, day.received, day.difference) == (Decimal("367.00"), Decimal("436.80"), Decimal("69.80"))
    assert day.settled == Decimal("-88.80")  # the ledger's refund row
    settled = DailyBalance.objects.get(date=dt.date(2026, 11, 14), shop=world["shop_a"])
    assert (settled.settled, settled.fees) == (Decimal("178.20"), Decimal("-9.98"))


def test_a_wrong_commission_on_the_ledger_is_an_unexpected_fee(world, entities, sku, bills, admin_user):
    order = paid_order(
        shop=world["shop_a"],
        sku=sku,
        price="133.50",
        qty=2,
        external_id="3987456123001234567",
        paid="2026-11-11 00:00:31",
    )
    refunded(order, "88.80", "X", when="2026-11-11 09:30:12")
    FeeRate.objects.create(source="alipay", kind="commission", rate=Decimal("0.02"))
    statement_import_file(path_or_file=str(bills / "alipay_account_20261111-15_账务明细.csv"), user=admin_user)

    reconcile(date_from=D11, date_to=dt.date(2026, 11, 15))

    difference = Difference.objects.get()
    assert (difference.type, difference.component) == (T.UNEXPECTED_FEE, "commission")
    assert (difference.expected, difference.actual) == (Decimal("-3.56"), Decimal("-8.91"))


def test_platform_settlements_check_settled_goods_subsidy_postage_and_refunds(world, entities, sku, admin_user):
    shop = world["shop_b"]
    ok = paid_order(
        shop=shop,
        sku=sku,
        price="259.00",
        shipping="6.00",
        discount_platform="3.00",
        external_id="3001",
        paid="2026-11-11 10:00:00",
    )
    postage = paid_order(
        shop=shop, sku=sku, price="100.00", shipping="8.00", external_id="3002", paid="2026-11-11 10:00:00"
    )
    short = paid_order(shop=shop, sku=sku, price="100.00", external_id="3003", paid="2026-11-11 10:00:00")
    refunded(ok, "20.00", "S1", when="2026-11-12 10:00:00")

    def item(order_id, name, amount, direction="收入", refund=""):
        return {
            "订单编号": order_id,
            "费用名称": name,
            "收支方向": direction,
            "金额": amount,
            "费用结算时间": "2026-11-13 08:00:00",
            "售后服务单号": refund,
        }

    rows = [
        item("3001", "货款", "236.00"),  # 259 − 3 − 20 refunded; postage on its own row
        item("3001", "京豆", "3.00"),
        item("3001", "运费", "6.00"),
        item("3001", "售后退款", "20.00", "支出"),
        item("3002", "货款", "100.00"),
        item("3002", "运费", "0.00"),  # 8.00 postage never settled: one difference, not two
        item("3003", "货款", "90.00"),
    ]
    header = [*builders.JD_HEADER, "售后服务单号"]
    statement_import_file(
        path_or_file=io.BytesIO(builders.csv_bytes(header, rows)), filename="jd.csv", user=admin_user, shop=shop
    )

    reconcile(date_from=D11, date_to=dt.date(2026, 11, 13))

    assert {(d.type, d.component, d.order_id, d.difference) for d in Difference.objects.all()} == {
        (T.AMOUNT_MISMATCH, "postage", postage.pk, Decimal("-8.00")),
        (T.AMOUNT_MISMATCH, "settlement", short.pk, Decimal("-10.00")),
    }


def test_shipping_compensation_is_matched_to_a_compensation_refund(world, entities, sku, admin_user):
    shop = world["shop_a"]
    recorded = paid_order(shop=shop, sku=sku, price="100.00", external_id="4001", paid="2026-11-11 10:00:00")
    refund_record(
        order=recorded,
        amount=Decimal("12.00"),
        kind=Case.Kind.COMPENSATION,
        status=Case.Status.REFUNDED,
        refunded_at=at("2026-11-12 10:00:00"),
    )
    unrecorded = paid_order(shop=shop, sku=sku, price="100.00", external_id="4002", paid="2026-11-11 10:00:00")
    rows = [
        {"结算时间": "2026-11-13 10:00:00", "订单号": oid, "收支项目": item, "金额（元）": amount}
        for oid in ("4001", "4002")
        for item, amount in (("交易收入", "100.00"), ("退货运费补偿", "-12.00"))
    ]
    statement_import_file(
        path_or_file=io.BytesIO(builders.csv_bytes(builders.TAOBAO_HEADER, rows)),
        filename="tb.csv",
        user=admin_user,
        shop=shop,
    )

    reconcile(date_from=D11, date_to=dt.date(2026, 11, 13))

    (difference,) = Difference.objects.all()
    assert (difference.type, difference.component, difference.order) == (
        T.REFUND_NOT_RECORDED,
        "compensation",
        unrecorded,
    )
    assert StatementLine.objects.get(order=recorded, kind="compensation").refund.kind == Case.Kind.COMPENSATION
