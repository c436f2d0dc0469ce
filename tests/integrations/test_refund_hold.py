"""A refund request holds an unshipped order; when the platform rejects it or the buyer withdraws it, the order
goes back where it was (through ``orders.services.order_hold_release``), unless another refund is still open. A
refund the platform paid settles the order: money only, it ships as it is; all that was paid, it is cancelled."""

from decimal import Decimal

import pytest

from aftersales.channel import RefundInput
from integrations.ingest import refund_event_apply
from inventory.models import Reservation
from orders.models import OrderEvent
from orders.services import order_transition
from orders.states import HoldReason, Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def _order(shop, skus, status: str):
    order = make_order(
        shop=shop, skus=[(skus["FLW-SERUM-30ML"], 1, Decimal("99.00"))], status=Status.PAID, external_id="T-1"
    )
    steps = {Status.PAID: [], Status.APPROVED: [Status.APPROVED], Status.PICKING: [Status.APPROVED, Status.PICKING]}
    for step in steps[status]:
        order_transition(order=order, to_status=step, system="tests")
    return order


def _notice(shop, refund_id: str, status: str, amount="30.00"):
    return refund_event_apply(
        shop=shop,
        external_id="T-1",
        refund=RefundInput(external_id=refund_id, amount=Decimal(amount), status=status),
        system="tests",
    )


@pytest.mark.parametrize(
    ("before", "after", "settled"),
    [
        (Status.PAID, Status.PAID, "rejected"),
        (Status.APPROVED, Status.APPROVED, "rejected"),
        (Status.APPROVED, Status.APPROVED, "withdrawn"),
        # picking cannot resume half-way: the order is approved again and picked in a new wave
        (Status.PICKING, Status.APPROVED, "withdrawn"),
    ],
)
def test_a_rejected_or_withdrawn_refund_puts_the_order_back(taobao, skus, before, after, settled):
    order = _order(taobao.shop, skus, before)

    _notice(taobao.shop, "RF-1", "requested")
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)

    applied = _notice(taobao.shop, "RF-1", settled)

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (after, "")
    assert "refund_hold_released" in applied.changes
    last = order.events.filter(kind=OrderEvent.Kind.TRANSITION).order_by("-pk").first()
    assert (last.from_status, last.to_status) == (Status.ON_HOLD, after)


def test_the_hold_stays_while_another_refund_of_the_order_is_open(taobao, skus):
    order = _order(taobao.shop, skus, Status.APPROVED)
    _notice(taobao.shop, "RF-1", "requested")
    _notice(taobao.shop, "RF-2", "requested", amount="20.00")

    _notice(taobao.shop, "RF-1", "rejected")
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)

    _notice(taobao.shop, "RF-2", "withdrawn")
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.APPROVED, "")


@pytest.mark.parametrize("before", [Status.PAID, Status.APPROVED])
def test_a_partial_refund_of_money_only_lets_the_order_ship_as_it_is(taobao, skus, before):
    """A platform refund names no lines: money went back for part of the order, and what ships does not change
    — the hold ends, the order goes back where it was and ships as it is."""
    order = _order(taobao.shop, skus, before)
    _notice(taobao.shop, "RF-1", "requested")

    applied = _notice(taobao.shop, "RF-1", "refunded")

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (before, "")
    assert "refund_hold_released" in applied.changes
    last = order.events.filter(kind=OrderEvent.Kind.TRANSITION).order_by("-pk").first()
    assert (last.from_status, last.to_status) == (Status.ON_HOLD, before)
    assert "money only" in last.reason
    assert order.lines.get().to_ship == 1


def test_a_partial_refund_paid_keeps_the_hold_while_another_refund_is_open(taobao, skus):
    order = _order(taobao.shop, skus, Status.APPROVED)
    _notice(taobao.shop, "RF-1", "requested")
    _notice(taobao.shop, "RF-2", "requested", amount="20.00")

    _notice(taobao.shop, "RF-1", "refunded")
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)

    _notice(taobao.shop, "RF-2", "refunded", amount="20.00")
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.APPROVED, "")


def test_a_refund_paid_of_all_that_was_paid_cancels_the_unshipped_order(taobao, skus):
    order = _order(taobao.shop, skus, Status.APPROVED)
    _notice(taobao.shop, "RF-1", "requested", amount="99.00")

    applied = _notice(taobao.shop, "RF-1", "refunded", amount="99.00")

    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert "cancelled_for_refund" in applied.changes
    assert not Reservation.objects.filter(order_id=order.pk, state=Reservation.State.ACTIVE).exists()


def test_a_repeated_refund_paid_notice_changes_nothing(taobao, skus):
    order = _order(taobao.shop, skus, Status.APPROVED)
    _notice(taobao.shop, "RF-1", "requested")
    _notice(taobao.shop, "RF-1", "refunded")
    events = order.events.count()

    applied = _notice(taobao.shop, "RF-1", "refunded")

    order.refresh_from_db()
    assert (order.status, applied.changes, order.events.count()) == (Status.APPROVED, [], events)


def test_a_rejected_refund_leaves_another_kind_of_hold_alone(taobao, skus):
    order = _order(taobao.shop, skus, Status.APPROVED)
    order_transition(order=order, to_status=Status.ON_HOLD, hold_reason=HoldReason.ADDRESS, system="tests")
    _notice(taobao.shop, "RF-1", "requested")

    _notice(taobao.shop, "RF-1", "rejected")

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.ADDRESS)


def _taobao_refund(topic, *, oid, fee="30.00", as_text=False):
    """A TMC refund message as Taobao pushes it (content: tid, oid, refund_id, refund_fee, refund_phase, modified;
    numbers as numbers, and content sometimes a JSON string)."""
    import json

    content = {
        "tid": 3987456123001234,
        "oid": oid,
        "refund_id": 171234567890123,
        "refund_fee": fee,
        "refund_phase": "onsale",
        "modified": "2026-11-11 10:00:00",
    }
    if oid is None:
        del content["oid"]
    return {"topic": topic, "id": "9901", "content": json.dumps(content) if as_text else content}


@pytest.mark.parametrize("as_text", [False, True])
def test_a_taobao_refund_of_one_sub_order_takes_its_units_off_and_the_rest_ships(taobao, skus, as_text):
    from aftersales.models import Case
    from integrations.platforms import adapter_for

    order = make_order(
        shop=taobao.shop,
        skus=[(skus["FLW-SERUM-30ML"], 1, Decimal("99.00")), (skus["FLW-MASK-5P"], 2, Decimal("15.00"))],
        status=Status.PAID,
        external_id="3987456123001234",
    )
    order_transition(order=order, to_status=Status.APPROVED, system="tests")
    serum, cream = order.lines.order_by("pk")
    serum.external_line_id, cream.external_line_id = "3987456123001235", "3987456123001236"
    serum.save(update_fields=["external_line_id"])
    cream.save(update_fields=["external_line_id"])
    adapter = adapter_for("taobao")

    for topic in ("taobao_refund_RefundCreated", "taobao_refund_RefundSuccess"):
        (event,) = adapter.interpret(topic, _taobao_refund(topic, oid=3987456123001236, as_text=as_text))
        assert event.refund.line_ids == ("3987456123001236",)
        refund_event_apply(shop=taobao.shop, external_id=event.external_id, refund=event.refund, system="tests")
        order.refresh_from_db()
        if topic.endswith("Created"):
            assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)

    case = Case.objects.get(order=order)
    assert list(case.lines.values_list("order_line_id", "quantity", "amount")) == [(cream.pk, 2, Decimal("30.00"))]
    assert (order.status, order.hold_reason) == (Status.APPROVED, "")
    assert list(order.lines.order_by("pk").values_list("quantity", "cancelled_quantity")) == [(1, 0), (2, 2)]


def test_a_taobao_refund_naming_no_sub_order_is_money_only(taobao, skus):
    from integrations.platforms import adapter_for

    (event,) = adapter_for("taobao").interpret(
        "taobao_refund_RefundCreated", _taobao_refund("taobao_refund_RefundCreated", oid=None)
    )

    assert event.refund.line_ids == ()
