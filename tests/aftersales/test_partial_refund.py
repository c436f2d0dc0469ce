"""An approved partial refund on an order not shipped yet: its units come off the order, exactly those units'
reservations go back to stock through the ledger, and the hold ends so the rest ships; a refund of everything
still cancels the order."""

from decimal import Decimal

import pytest
from django.utils import translation

from aftersales.models import Case, CaseEvent
from aftersales.services import LineRequest, case_approve, case_create, case_reject
from inventory.models import Reservation, Stock, StockMovement
from inventory.services import stock_receive
from orders.exceptions import InvalidTransition, OrderInvalid
from orders.models import Shop
from orders.services import order_lines_cancel, order_transition
from orders.states import HoldReason, Status
from orders.stock import order_stock_reserve_for
from tests.aftersales.helpers import units_held
from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(world):
    sku1, sku2, _sku3 = world["skus"]
    stock_receive(warehouse=world["wh_a"], lines=[(sku1, 10), (sku2, 10)], reason="test stock")
    return world


@pytest.fixture
def order(stocked):
    shop = Shop.objects.create(code="web", name="官网", platform="website", default_warehouse=stocked["wh_a"])
    sku1, sku2, _sku3 = stocked["skus"]
    order = make_order(
        shop=shop,
        skus=[(sku1, 3, Decimal("50.00")), (sku2, 1, Decimal("30.00"))],
        status=Status.PAID,
        shipping_fee=Decimal("10.00"),
    )
    order.refresh_from_db()
    assert order.status == Status.PAID
    return order


def _reserved(sku, world) -> int:
    return Stock.objects.get(sku=sku, warehouse=world["wh_a"]).reserved


def _refund(order, *lines, amount=None):
    return case_create(
        order=order,
        kind="refund_only",
        amount=amount,
        lines=[LineRequest(sku_code=sku, quantity=quantity) for sku, quantity in lines],
        reason="少买点",
    )


def test_an_approved_partial_refund_releases_its_units_and_lets_the_rest_ship(order, stocked, manager):
    sku1, sku2, _ = stocked["skus"]
    order_transition(order=order, to_status=Status.APPROVED, system="tests")
    case = _refund(order, ("SKU-1", 1))
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)

    case_approve(case=case, actor=manager)

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.APPROVED, "")
    assert list(order.lines.order_by("pk").values_list("sku__code", "quantity", "cancelled_quantity")) == [
        ("SKU-1", 3, 1),
        ("SKU-2", 1, 0),
    ]
    assert units_held(order) == {"SKU-1": 2, "SKU-2": 1}
    assert (_reserved(sku1, stocked), _reserved(sku2, stocked)) == (2, 1)
    release = StockMovement.objects.get(kind=StockMovement.Kind.RELEASE, reference=order.number)
    assert (release.sku_id, release.reserved_delta, release.on_hand_delta) == (sku1.pk, -1, 0)
    case.refresh_from_db()
    assert not case.held_order
    assert list(case.events.filter(kind=CaseEvent.Kind.ORDER).values_list("note", flat=True)) == [
        "held",
        "units taken off",
        "released",
    ]
    assert order.paid_amount == Decimal("190.00")  # money stays as paid; the case says what goes back


def test_a_whole_line_refunded_closes_its_reservation_and_the_order_goes_back_to_paid(order, stocked, manager):
    sku2 = stocked["skus"][1]
    case = _refund(order, ("SKU-2", 1))

    case_approve(case=case, actor=manager)

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.PAID, "")
    assert units_held(order) == {"SKU-1": 3}
    assert _reserved(sku2, stocked) == 0
    assert Reservation.objects.get(order_id=order.pk, stock__sku=sku2).state == Reservation.State.RELEASED
    # reserving the order again (approving it from a hold) asks only for what it still ships
    assert order_stock_reserve_for(order=order).ok
    assert units_held(order) == {"SKU-1": 3}


def test_another_open_case_keeps_the_order_held_after_a_partial_refund(order, stocked, manager):
    first = _refund(order, ("SKU-1", 1))
    second = _refund(order, ("SKU-2", 1))

    case_approve(case=first, actor=manager)

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)
    assert units_held(order) == {"SKU-1": 2, "SKU-2": 1}

    case_reject(case=second, actor=manager, reason="买家要继续发货")

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.PAID, "")
    assert units_held(order) == {"SKU-1": 2, "SKU-2": 1}


def test_an_approved_refund_of_money_only_lets_the_order_ship_as_it_is(order, stocked, manager):
    """A platform's refund of an amount (no lines) held the order; approving it changes nothing of what ships:
    the order goes back where it was, its lines and reservations untouched."""
    from aftersales.channel import RefundInput, refunds_apply

    order_transition(order=order, to_status=Status.APPROVED, system="tests")
    refunds_apply(order=order, refunds=[RefundInput(external_id="RF-9", amount=Decimal("15.00"))], system="tests")
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.REFUND)
    case = Case.objects.get(order=order, external_id="RF-9")

    case_approve(case=case, actor=manager)

    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (Status.APPROVED, "")
    assert units_held(order) == {"SKU-1": 3, "SKU-2": 1}
    assert order.lines.filter(cancelled_quantity__gt=0).count() == 0
    released = case.events.get(kind=CaseEvent.Kind.ORDER, note="released: money only")  # stored in English
    back = order.events.get(to_status=Status.APPROVED, from_status=Status.ON_HOLD)
    assert back.reason == f"after-sales {case.number}: money only, the goods ship as ordered"
    with translation.override("zh-hans"):
        assert (released.note_display, back.reason_display) == (
            "已放行：仅退金额",
            f"售后单 {case.number}：仅退金额，货物照单发出",
        )
    with translation.override("en"):
        assert (released.note_display, back.reason_display) == (
            "released: money only",
            f"after-sales {case.number}: money only, the goods ship as ordered",
        )


def test_refunding_what_was_paid_still_cancels_the_order(order, stocked, manager):
    sku1, sku2, _ = stocked["skus"]
    case = _refund(order, ("SKU-1", 3), ("SKU-2", 1), amount=Decimal("190.00"))

    case_approve(case=case, actor=manager)

    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert (_reserved(sku1, stocked), _reserved(sku2, stocked)) == (0, 0)
    assert order.lines.filter(cancelled_quantity__gt=0).count() == 0


def test_every_unit_refunded_for_less_than_was_paid_cancels_the_order(order, stocked, manager):
    case = _refund(order, ("SKU-1", 3), ("SKU-2", 1), amount=Decimal("100.00"))

    case_approve(case=case, actor=manager)

    order.refresh_from_db()
    assert order.status == Status.CANCELLED
    assert units_held(order) == {}
    assert Case.objects.get(pk=case.pk).status == Case.Status.APPROVED


def test_units_come_off_only_what_a_line_still_ships(order):
    line = order.lines.get(sku__code="SKU-1")
    order_lines_cancel(order=order, units={line.pk: 2})

    with pytest.raises(OrderInvalid) as exc:
        order_lines_cancel(order=order, units={line.pk: 2})

    assert exc.value.extra == {"field": "lines", "line": line.pk, "to_ship": 1}
    assert units_held(order) == {"SKU-1": 1, "SKU-2": 1}


def test_units_cannot_come_off_an_order_being_picked(order):
    order_transition(order=order, to_status=Status.APPROVED, system="tests")
    order_transition(order=order, to_status=Status.PICKING, system="tests")
    line = order.lines.get(sku__code="SKU-2")

    with pytest.raises(InvalidTransition):
        order_lines_cancel(order=order, units={line.pk: 1})

    line.refresh_from_db()
    assert line.cancelled_quantity == 0


def test_the_case_timeline_reads_in_each_readers_language(order, stocked, manager):
    """Written while Chinese was active; the same rows read in English for an English reader."""
    with translation.override("zh-hans"):
        order_transition(order=order, to_status=Status.APPROVED, system="tests")
        case = _refund(order, ("SKU-1", 1))
        case_approve(case=case, actor=manager)
    events = list(case.events.filter(kind=CaseEvent.Kind.ORDER).order_by("at", "id"))
    hold = order.events.get(to_status=Status.ON_HOLD)

    with translation.override("en"):
        assert [e.note_display for e in events] == ["held", "units taken off", "released"]
        assert hold.reason_display == f"after-sales {case.number}"
    with translation.override("zh-hans"):
        assert [e.note_display for e in events] == ["已挂起", "已扣减件数", "已放行"]
        assert hold.reason_display == f"售后单 {case.number}"
