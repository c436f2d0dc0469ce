"""Presale 定金 + 尾款: presale pool reservation, reminders, balance paid, deadline passed (time frozen)."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest

from inventory.models import Pool, Reservation, Stock
from orders.models import NotificationChannel, PresaleTerms
from orders.shaping.exceptions import PresaleClosed, PresaleInvalid
from orders.shaping.presale import (
    presale_balance_pay,
    presale_deadlines_enforce,
    presale_deposit_pay,
    presale_reminders_send,
    presale_terms_set,
)
from orders.states import HoldReason, Status
from tests.factories import SKUFactory, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def presale_order(world, receive, clock):
    """A pending presale order (total 300: deposit 50 + balance 250, due in three days) with presale stock."""
    box = SKUFactory(code="BOX-2027", is_presale=True)
    receive(box, world["wh_a"], 10, pool=Pool.PRESALE)
    order = make_order(shop=world["shop_a"], skus=[(box, 1, Decimal("300.00"))])
    presale_terms_set(
        order=order,
        deposit=Decimal("50.00"),
        balance=Decimal("250.00"),
        balance_due_at=clock.now + dt.timedelta(days=3),
    )
    return order


def presale_reserved():
    return Stock.objects.get(sku__code="BOX-2027", pool=Pool.PRESALE).reserved


def test_the_deposit_reserves_from_the_presale_pool_and_holds_until_the_balance(presale_order):
    order = presale_deposit_pay(order_id=presale_order.pk)
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.PRESALE)
    assert "presale" in order.tags
    assert presale_reserved() == 1
    assert presale_deposit_pay(order_id=presale_order.pk).status == Status.ON_HOLD  # a repeat changes nothing
    assert presale_reserved() == 1


def test_terms_must_add_up_to_the_order_total(world):
    order = make_order(shop=world["shop_a"], skus=[(SKUFactory(), 1, Decimal("100.00"))])
    with pytest.raises(PresaleInvalid, match="必须等于订单总额"):
        presale_terms_set(
            order=order,
            deposit=Decimal("10.00"),
            balance=Decimal("80.00"),
            balance_due_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
        )


def test_one_reminder_goes_out_a_day_before_the_deadline(presale_order, clock, django_capture_on_commit_callbacks):
    presale_deposit_pay(order_id=presale_order.pk)
    NotificationChannel.objects.create(
        name="运营群",
        kind="wecom",
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        min_severity="info",
    )
    with mock.patch("integrations.alerting.wecom.robot_post", return_value={"errcode": 0}) as post:
        assert presale_reminders_send() == 0  # three days ahead: too early
        clock.advance(days=2, hours=1)
        with django_capture_on_commit_callbacks(execute=True):
            assert presale_reminders_send() == 1
            assert presale_reminders_send() == 0  # once
    assert post.call_count == 1
    assert "尾款" in post.call_args.args[1]["markdown"]["content"]
    assert PresaleTerms.objects.get().reminded_at == clock.now
    assert presale_order.events.filter(kind="note", reason__startswith="尾款提醒").count() == 1


def test_paying_the_balance_continues_the_normal_flow(presale_order, clock):
    presale_deposit_pay(order_id=presale_order.pk)
    clock.advance(days=1)
    order = presale_balance_pay(order_id=presale_order.pk)
    assert order.status == Status.APPROVED  # reviewed by the rules like any paid order
    terms = PresaleTerms.objects.get()
    assert (terms.state, terms.balance_paid_at) == ("balance_paid", clock.now)
    assert presale_reserved() == 1
    clock.advance(days=5)
    assert presale_deadlines_enforce() == 0


def test_an_unpaid_balance_after_the_deadline_cancels_and_releases(presale_order, clock):
    presale_deposit_pay(order_id=presale_order.pk)
    clock.advance(days=3)
    assert presale_deadlines_enforce() == 1
    presale_order.refresh_from_db()
    assert presale_order.status == Status.CANCELLED
    assert PresaleTerms.objects.get().state == "expired"
    assert presale_reserved() == 0
    assert not Reservation.objects.filter(order_id=presale_order.pk, state="active").exists()
    assert presale_deadlines_enforce() == 0
    with pytest.raises(PresaleClosed):
        presale_balance_pay(order_id=presale_order.pk)


def test_rules_skip_presale_orders_waiting_for_their_balance(presale_order):
    from orders.rules.services import order_rules_apply

    presale_deposit_pay(order_id=presale_order.pk)
    assert order_rules_apply(order_id=presale_order.pk) is None
