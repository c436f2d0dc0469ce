"""Presale (定金/尾款) from the platforms: the deposit paid holds the order ``presale`` (never released to the
warehouse), the balance paid releases it; deposit, balance and deadline are on record with the order."""

import datetime as dt
from decimal import Decimal

import pytest

from integrations.exceptions import PayloadInvalid
from integrations.ingest import order_version_apply
from integrations.platforms import adapter_for
from inventory.models import Pool, Reservation
from inventory.services import stock_receive
from orders.models import PresaleTerms
from orders.states import HoldReason, Status
from tests.integrations.helpers import shopify_sample
from tests.integrations.test_payload_variations import _douyin, _pdd, _taobao

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def presale_stock(skus, warehouse):
    stock_receive(warehouse=warehouse, lines=[(sku, 100) for sku in skus.values()], reason="presale", pool=Pool.PRESALE)


def apply(connection, native, django_capture_on_commit_callbacks):
    incoming = adapter_for(connection.shop.platform).to_platform_order(native)
    with django_capture_on_commit_callbacks(execute=True):
        applied = order_version_apply(shop=connection.shop, incoming=incoming, source="poll", system="test")
    applied.order.refresh_from_db()
    return applied.order


def step_trade(state, *, status="WAIT_BUYER_PAY", paid_so_far="50.00", modified="2026-11-11 00:00:33"):
    trade = _taobao()
    trade.update(type="step", status=status, step_trade_status=state, step_paid_fee=paid_so_far, modified=modified)
    return trade


def test_taobao_deposit_paid_holds_the_order_with_its_terms_until_the_balance_is_paid(
    taobao, presale_stock, django_capture_on_commit_callbacks
):
    order = apply(taobao, step_trade("FRONT_PAID_FINAL_NOPAID"), django_capture_on_commit_callbacks)

    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.PRESALE)
    assert "presale" in order.tags
    terms = order.presale
    assert (terms.deposit, terms.balance, terms.balance_due_at) == (Decimal("50.00"), Decimal("217.00"), None)
    assert (terms.state, terms.platform_state) == (PresaleTerms.State.AWAITING_BALANCE, "FRONT_PAID_FINAL_NOPAID")
    # The goods are set aside from the presale pool, nothing from the shelf.
    assert set(Reservation.objects.filter(order_id=order.pk).values_list("stock__pool", flat=True)) == {Pool.PRESALE}

    paid = step_trade(
        "FRONT_PAID_FINAL_PAID", status="WAIT_SELLER_SEND_GOODS", paid_so_far="267.00", modified="2026-11-20 20:00:00"
    )
    order = apply(taobao, paid, django_capture_on_commit_callbacks)

    assert order.status == Status.APPROVED  # released, then through the automatic review
    order.presale.refresh_from_db()
    assert order.presale.state == PresaleTerms.State.BALANCE_PAID


def test_taobao_presale_seen_before_the_deposit_gets_its_terms_when_the_deposit_is_paid(
    taobao, presale_stock, django_capture_on_commit_callbacks
):
    unpaid = step_trade("FRONT_NOPAID_FINAL_NOPAID", paid_so_far=None)
    unpaid["pay_time"] = None
    order = apply(taobao, unpaid, django_capture_on_commit_callbacks)
    assert order.status == Status.PENDING_PAYMENT
    assert not PresaleTerms.objects.filter(order=order).exists()

    order = apply(
        taobao,
        step_trade("FRONT_PAID_FINAL_NOPAID", modified="2026-11-11 00:05:00"),
        django_capture_on_commit_callbacks,
    )

    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.PRESALE)
    assert (order.presale.deposit, order.presale.balance) == (Decimal("50.00"), Decimal("217.00"))
    assert set(Reservation.objects.filter(order_id=order.pk).values_list("stock__pool", flat=True)) == {Pool.PRESALE}


def test_taobao_closes_a_trade_whose_balance_was_not_paid(taobao, presale_stock, django_capture_on_commit_callbacks):
    apply(taobao, step_trade("FRONT_PAID_FINAL_NOPAID"), django_capture_on_commit_callbacks)

    closed = step_trade("FRONT_PAID_FINAL_NOPAID", status="TRADE_CLOSED", modified="2026-11-21 00:00:00")
    order = apply(taobao, closed, django_capture_on_commit_callbacks)

    assert order.status == Status.CLOSED
    order.presale.refresh_from_db()
    assert order.presale.state == PresaleTerms.State.EXPIRED
    assert not Reservation.objects.filter(order_id=order.pk, state="active").exists()


def test_taobao_unknown_step_status_is_refused_by_name(taobao):
    with pytest.raises(PayloadInvalid) as caught:
        adapter_for("taobao").to_platform_order(step_trade("FRONT_HALF_PAID"))

    assert caught.value.message.startswith("step_trade_status：'FRONT_HALF_PAID' 不是分阶段交易状态")


def test_pdd_deposit_order_is_held_with_the_deposit_it_states(pdd, presale_stock, django_capture_on_commit_callbacks):
    native = _pdd()
    native.update(
        trade_type=1, step_order_info={"advanced_paid_fee": 20.0, "step_paid_fee": 20.0, "step_trade_status": 1}
    )

    order = apply(pdd, native, django_capture_on_commit_callbacks)

    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.PRESALE)
    assert (order.presale.deposit, order.presale.balance) == (Decimal("20.00"), Decimal("49.80"))


def test_pdd_deposit_order_without_its_step_info_is_refused(pdd):
    with pytest.raises(PayloadInvalid) as caught:
        adapter_for("pdd").to_platform_order(dict(_pdd(), trade_type=1, step_order_info=None))

    assert caught.value.extra == {"field": "step_order_info"}


def test_douyin_phases_give_deposit_balance_and_deadline(douyin, presale_stock, django_capture_on_commit_callbacks):
    native = _douyin()
    native["order_phase_list"] = [
        {"current_phase": 2, "total_phase": 2, "pay_success": False, "phase_payable_price": 9900,
         "phase_close_time": 1763049600, "current_phase_status_desc": "未开始"},
        {"current_phase": 1, "total_phase": 2, "pay_success": True, "phase_payable_price": 2000,
         "phase_pay_amount": 2000, "phase_pay_time": 1762790660},
    ]  # fmt: skip

    order = apply(douyin, native, django_capture_on_commit_callbacks)

    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.PRESALE)
    terms = order.presale
    assert (terms.deposit, terms.balance) == (Decimal("20.00"), Decimal("99.00"))
    assert terms.balance_due_at == dt.datetime.fromtimestamp(1763049600, tz=dt.UTC)


def test_shopify_deposit_with_payment_terms_is_held_until_the_outstanding_balance_is_paid(
    shopify, presale_stock, django_capture_on_commit_callbacks
):
    _headers, body = shopify_sample()
    body.update(
        financial_status="partially_paid",
        total_outstanding="241.00",
        payment_terms={
            "payment_terms_name": "Pre-order deposit",
            "payment_schedules": [
                {"amount": "100.00", "completed_at": "2026-11-11T00:03:10+08:00", "due_at": None},
                {"amount": "241.00", "completed_at": None, "due_at": "2026-12-01T00:00:00+08:00"},
            ],
        },
    )

    order = apply(shopify, body, django_capture_on_commit_callbacks)

    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.PRESALE)
    assert (order.presale.deposit, order.presale.balance) == (Decimal("100.00"), Decimal("241.00"))
    assert order.presale.balance_due_at == dt.datetime(2026, 12, 1, tzinfo=SHANGHAI)

    body.update(financial_status="paid", total_outstanding="0.00", updated_at="2026-11-30T10:00:00+08:00")
    body["payment_terms"]["payment_schedules"][1]["completed_at"] = "2026-11-30T10:00:00+08:00"
    order = apply(shopify, body, django_capture_on_commit_callbacks)

    assert order.status == Status.APPROVED


def test_the_order_page_and_the_api_show_deposit_balance_and_deadline(
    douyin, presale_stock, admin_client, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    native = _douyin()
    native["order_phase_list"] = [
        {"current_phase": 1, "pay_success": True, "phase_pay_amount": 2000, "phase_pay_time": 1762790660},
        {"current_phase": 2, "pay_success": False, "phase_payable_price": 9900, "phase_close_time": 1763049600},
    ]
    order = apply(douyin, native, django_capture_on_commit_callbacks)

    page = admin_client.get(reverse("order-detail", args=[order.number]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = page.content.decode()
    assert page.status_code == 200
    assert "定金" in text and "尾款" in text
    assert timezone_local(1763049600) in text  # the deadline, in Shanghai time

    api = admin_client.get(f"/api/v1/orders/{order.number}/")
    assert api.status_code == 200
    assert api.json()["presale"] == {
        "currency": "CNY",
        "deposit": "20.00",
        "balance": "99.00",
        "balance_due_at": dt.datetime.fromtimestamp(1763049600, tz=SHANGHAI).isoformat(),
        "deposit_paid_at": dt.datetime.fromtimestamp(1762790660, tz=SHANGHAI).isoformat(),
        "balance_paid_at": None,
        "state": "awaiting_balance",
        "platform_state": "phase 2/2",
    }


def timezone_local(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, tz=SHANGHAI).strftime("%Y-%m-%d %H:%M")


def test_an_ordinary_order_has_no_presale_in_the_api(taobao, admin_client, django_capture_on_commit_callbacks):
    order = apply(taobao, _taobao(), django_capture_on_commit_callbacks)

    assert admin_client.get(f"/api/v1/orders/{order.number}/").json()["presale"] is None


def test_seed_demo_has_one_presale_order_held_for_its_balance(warehouse, django_capture_on_commit_callbacks):
    from integrations.presale_demo import SHOP, TID, presale_demo_ensure
    from orders.models import Order
    from tests.factories import ShopFactory, SKUFactory

    ShopFactory(code=SHOP, platform="tmall", default_warehouse=warehouse)
    SKUFactory(code="GIFT-NY-BOX", name="新年限定礼盒(预售)", is_presale=True)

    with django_capture_on_commit_callbacks(execute=True):
        assert presale_demo_ensure() == {"presale_orders": 1}
    assert presale_demo_ensure() == {"presale_orders": 0}  # a second seed changes nothing

    order = Order.objects.get(external_id=TID)
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.PRESALE)
    assert (order.presale.deposit, order.presale.balance) == (Decimal("100.00"), Decimal("499.00"))


def test_a_batch_of_new_orders_holds_the_presale_one_and_leaves_the_others(
    taobao, presale_stock, django_capture_on_commit_callbacks
):
    from integrations.ingest import NewVersion, order_versions_create_new

    ordinary = _taobao()
    presale = step_trade("FRONT_PAID_FINAL_NOPAID")
    presale.update(tid=3987456123001239999, tid_str="3987456123001239999")
    items = [
        NewVersion(key=index, incoming=adapter_for("taobao").to_platform_order(native))
        for index, native in enumerate([ordinary, presale])
    ]

    with django_capture_on_commit_callbacks(execute=True):
        batch = order_versions_create_new(shop=taobao.shop, items=items, source="poll", system="test")

    assert not batch.errors
    first, second = (batch.applied[key].order for key in (0, 1))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Status.APPROVED and not PresaleTerms.objects.filter(order=first).exists()
    assert (second.status, second.hold_reason) == (Status.ON_HOLD, HoldReason.PRESALE)
    assert (second.presale.deposit, second.presale.balance) == (Decimal("50.00"), Decimal("217.00"))


def test_the_platform_not_the_deadline_schedule_ends_a_platform_presale(
    douyin, presale_stock, django_capture_on_commit_callbacks
):
    from orders.shaping.presale import presale_deadlines_enforce

    native = _douyin()
    native["order_phase_list"] = [
        {"current_phase": 1, "pay_success": True, "phase_pay_amount": 2000, "phase_pay_time": 1762790660},
        {"current_phase": 2, "pay_success": False, "phase_payable_price": 9900, "phase_close_time": 1763049600},
    ]
    order = apply(douyin, native, django_capture_on_commit_callbacks)

    # Long past the deadline: a balance paid at the last second may still be on its way from the platform.
    assert presale_deadlines_enforce(now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) == 0
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.PRESALE)
