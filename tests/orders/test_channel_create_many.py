"""Platform orders created together are brought to the platform's status set-based, with exactly the end
result of bringing each one there on its own: statuses, hold reasons, payment times, timeline events,
simple-history rows, refunds, stock and the reviews queued."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction

from aftersales.channel import RefundInput, refunds_apply, refunds_apply_created
from aftersales.models import Case
from inventory.models import Reservation, Stock, StockMovement
from inventory.services import stock_receive
from orders.channel import (
    ChannelOrder,
    _status_apply,
    channel_order_create,
    channel_orders_create_many,
)
from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent, Source
from orders.services import order_create_many, order_transition_many
from orders.states import HoldReason, Status
from tests.factories import ShopFactory, SKUFactory, WarehouseFactory, make_order, order_input

pytestmark = pytest.mark.django_db

SYSTEM = "integrations:test"
START = dt.datetime(2026, 11, 11, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    """Time frozen, so the three ways of creating the same orders stamp the same times."""
    with mock.patch("django.utils.timezone.now", return_value=START):
        yield START


@pytest.fixture
def reviews(monkeypatch):
    """The orders queued for the automatic review (ids, in the order queued)."""
    queued: list[int] = []

    def record(func, *args, **kwargs):
        assert func == "orders.tasks.order_rules_apply"
        queued.extend(args[0] if isinstance(args[0], list) else [args[0]])

    monkeypatch.setattr("orders.services.lifecycle.enqueue_on_commit", record)
    return queued


@pytest.fixture
def world(db):
    warehouse = WarehouseFactory()
    shop = ShopFactory(default_warehouse=warehouse)
    sku, other = SKUFactory(), SKUFactory()
    stock_receive(warehouse=warehouse, lines=[(sku, 50), (other, 3)], reason="opening")
    return shop, sku, other


@dataclass
class _Version:
    """One platform order version as integrations hands it over: the order, and apart from it its refunds."""

    order: ChannelOrder
    refunds: list[RefundInput] = field(default_factory=list)
    refund_pending: bool = False


def _version(sku, *, initial, target, platform_status, quantity=1, refunds=(), refund_pending=False):
    paid_at = START - dt.timedelta(hours=1) if initial == Status.PAID else None
    order = ChannelOrder(
        data=order_input(skus=[(sku, quantity, Decimal("10.00"))], status=initial, paid_at=paid_at),
        target_status=target,
        platform_status=platform_status,
    )
    return _Version(order, list(refunds), refund_pending)


def _requested(external_id):
    return RefundInput(external_id=external_id, amount=Decimal("10.00"), reason="不想要了", requested_at=START)


def catch_up_mix(sku, other):
    """What a catch-up poll brings: mostly paid, some closed or cancelled before payment, one paid then
    closed, refunds requested (one on an order short of stock), one shipped through the platform."""
    paid, pending = Status.PAID, Status.PENDING_PAYMENT
    return [
        _version(sku, initial=paid, target=paid, platform_status="WAIT_SELLER_SEND_GOODS"),
        _version(sku, initial=pending, target=Status.CLOSED, platform_status="TRADE_CLOSED_BY_TAOBAO"),
        _version(sku, initial=paid, target=paid, platform_status="WAIT_SELLER_SEND_GOODS", refunds=[_requested("R1")]),
        _version(sku, initial=pending, target=Status.CANCELLED, platform_status="TRADE_CANCELLED", quantity=2),
        _version(sku, initial=paid, target=Status.CLOSED, platform_status="TRADE_CLOSED", quantity=3),
        _version(sku, initial=paid, target=paid, platform_status="WAIT_SELLER_SEND_GOODS", refund_pending=True),
        _version(
            other,
            initial=paid,
            target=paid,
            platform_status="WAIT_SELLER_SEND_GOODS",
            quantity=5,
            refunds=[_requested("R2")],
        ),  # fmt: skip
        _version(sku, initial=pending, target=Status.CLOSED, platform_status="TRADE_CLOSED_BY_TAOBAO"),
        _version(sku, initial=paid, target=Status.SHIPPED, platform_status="WAIT_BUYER_CONFIRM_GOODS"),
    ]


# --- the three ways ------------------------------------------------------------------------------------------


def together(shop, items):
    created = channel_orders_create_many(shop=shop, incoming=[item.order for item in items], system=SYSTEM)
    assert not created.errors
    refunds_apply_created(
        fresh=[(order, items[index].refunds, items[index].refund_pending) for index, order in created.orders.items()],
        system=SYSTEM,
    )
    return [created.orders[index] for index in range(len(items))]


def one_by_one_after_creating_together(shop, items):
    """The per-order path: the batch created, then each version applied on its own (``order_transition``)."""
    created = order_create_many(shop=shop, data=[item.order.data for item in items], source=Source.POLL, system=SYSTEM)
    for index, order in created.orders.items():
        item = items[index]
        _status_apply(order=order, incoming=item.order, system=SYSTEM)
        refunds_apply(order=order, refunds=item.refunds, pending=item.refund_pending, system=SYSTEM)
    return [created.orders[index] for index in range(len(items))]


def each_on_its_own(shop, items):
    orders = [channel_order_create(shop=shop, incoming=item.order, system=SYSTEM) for item in items]
    for order, item in zip(orders, items, strict=True):
        refunds_apply(order=order, refunds=item.refunds, pending=item.refund_pending, system=SYSTEM)
    return orders


class _Undo(Exception):
    pass


def outcome(way, shop, items, reviews):
    """Everything ``way`` leaves in the database for ``items`` (by order number), then undone — so each way
    starts from the same stock and gets the same order numbers."""
    try:
        with transaction.atomic():
            reviews.clear()
            orders = way(shop, items)
            result = snapshot(orders, reviews)
            raise _Undo
    except _Undo:
        return result


def snapshot(orders, reviews):
    numbers = {order.pk: order.number for order in orders}
    state = {}
    for order in orders:
        row = Order.objects.get(pk=order.pk)
        events = list(order.events.order_by("at", "pk"))
        state[order.number] = {
            "order": (row.status, row.hold_reason, row.hold_note, row.paid_at, row.promised_ship_at, row.warehouse_id),
            "instance": (order.status, order.hold_reason, order.paid_at),
            "events": [
                (e.kind, e.from_status, e.to_status, e.reason, e.system, _ids_out(e.data), e.actor_id, e.at)
                for e in events
            ],
            "event_history": [
                [
                    (kind, _ids_out(data), *rest)
                    for kind, data, *rest in e.history.order_by("history_id").values_list(
                        "history_type", "data", "kind", "from_status", "to_status", "reason", "history_user_id"
                    )
                ]
                for e in events
            ],
            "history": list(
                row.history.order_by("history_id").values_list(
                    "history_type",
                    "status",
                    "hold_reason",
                    "hold_note",
                    "paid_at",
                    "promised_ship_at",
                    "warehouse_id",
                    "updated_at",
                    "history_date",
                    "history_user_id",
                    "history_change_reason",
                )
            ),
            "refunds": list(Case.objects.filter(order=row).values_list("external_id", "status", "amount")),
            "reservations": sorted(
                Reservation.objects.filter(order_id=row.pk).values_list("stock_id", "quantity", "state", "reference")
            ),
            "movements": sorted(
                StockMovement.objects.filter(reference=row.number).values_list(
                    "kind", "sku_id", "on_hand_delta", "reserved_delta", "reason", "system"
                )
            ),
        }
    state["stock"] = sorted(Stock.objects.values_list("pk", "on_hand", "reserved"))
    state["reviewed"] = sorted(numbers[pk] for pk in reviews)
    return state


def _ids_out(data):
    """Event details without the refund's primary key (each way writes its own rows)."""
    return {key: value for key, value in data.items() if key != "refund_id"}


# --- tests ---------------------------------------------------------------------------------------------------


def test_a_catch_up_mix_ends_exactly_as_applying_each_version_on_its_own(world, clock, reviews):
    shop, sku, other = world
    items = catch_up_mix(sku, other)

    batch = outcome(together, shop, items, reviews)

    assert batch == outcome(one_by_one_after_creating_together, shop, items, reviews)
    assert batch == outcome(each_on_its_own, shop, items, reviews)


def test_a_catch_up_mix_gets_its_statuses_events_history_and_stock(world, clock, reviews):
    shop, sku, other = world
    orders = together(shop, catch_up_mix(sku, other))

    for order in orders:
        order.refresh_from_db()
    assert [(o.status, o.hold_reason) for o in orders] == [
        (Status.PAID, ""),
        (Status.CLOSED, ""),
        (Status.ON_HOLD, HoldReason.REFUND),
        (Status.CANCELLED, ""),
        (Status.CLOSED, ""),
        (Status.ON_HOLD, HoldReason.REFUND),
        (Status.ON_HOLD, HoldReason.OUT_OF_STOCK),  # short: held out of stock, not held again for the refund
        (Status.CLOSED, ""),
        (Status.PAID, ""),
    ]
    moves = [
        list(o.events.order_by("at", "pk").values_list("kind", "from_status", "to_status", "reason")) for o in orders
    ]
    created_paid = ("created", "", Status.PAID, "source=poll")
    created_unpaid = ("created", "", Status.PENDING_PAYMENT, "source=poll")
    refund = ("updated", "", "", "refund R1: requested 10.00 CNY")
    held = ("transition", Status.PAID, Status.ON_HOLD, "platform: refund requested")
    closed_unpaid = ("transition", Status.PENDING_PAYMENT, Status.CLOSED, "platform status TRADE_CLOSED_BY_TAOBAO")
    assert moves[1] == moves[7] == [created_unpaid, closed_unpaid]
    assert moves[2] == [created_paid, refund, held]
    assert moves[3] == [
        created_unpaid,
        ("transition", Status.PENDING_PAYMENT, Status.CANCELLED, "platform status TRADE_CANCELLED"),
    ]
    assert moves[4] == [created_paid, ("transition", Status.PAID, Status.CLOSED, "platform status TRADE_CLOSED")]
    assert moves[5] == [created_paid, held]
    assert [m[:3] for m in moves[6]] == [created_paid[:3], ("transition", Status.PAID, Status.ON_HOLD), refund[:3]]
    assert moves[8] == [
        created_paid,
        (
            "note",
            "",
            "",
            "platform status WAIT_BUYER_CONFIRM_GOODS: the platform says the goods left outside Order Hub",
        ),
    ]
    assert orders[2].events.get(kind="transition").data == {
        "hold_reason": HoldReason.REFUND,
        "reason_message": {"text": "platform: refund requested", "params": {}},  # read in the reader's language
    }
    assert orders[2].hold_note == "platform: refund requested"
    # simple-history: "+" on creation, "~" for each status change, as a save() writes it
    assert list(orders[1].history.order_by("history_id").values_list("history_type", "status")) == [
        ("+", Status.PENDING_PAYMENT),
        ("~", Status.CLOSED),
    ]
    assert list(orders[2].history.order_by("history_id").values_list("history_type", "status", "hold_reason")) == [
        ("+", Status.PAID, ""),
        ("~", Status.ON_HOLD, HoldReason.REFUND),
    ]
    closing = orders[1].events.get(kind="transition")
    assert list(closing.history.values_list("history_type", "to_status")) == [("+", Status.CLOSED)]
    # stock: the unpaid ones never held any; the paid-then-closed one gave its 3 back
    assert not Reservation.objects.filter(order_id__in=[orders[i].pk for i in (1, 3, 7)]).exists()
    assert list(Reservation.objects.filter(order_id=orders[4].pk).values_list("quantity", "state")) == [(3, "released")]
    stock = Stock.objects.get(sku=sku)
    assert (stock.on_hand, stock.reserved) == (50, 4)  # orders 0, 2, 5 and 8 hold one each
    # reviewed: the orders created paid with their stock reserved (the review leaves closed or held ones alone)
    assert sorted(reviews) == [orders[i].pk for i in (0, 2, 4, 5, 8)]


def test_orders_entering_paid_together_reserve_first_come_first_served(world, clock, reviews):
    shop, sku, other = world
    pending = Status.PENDING_PAYMENT
    items = [
        _version(other, initial=pending, target=Status.PAID, platform_status="WAIT_SELLER_SEND_GOODS", quantity=2),
        _version(other, initial=pending, target=Status.PAID, platform_status="WAIT_SELLER_SEND_GOODS", quantity=2),
        _version(other, initial=pending, target=Status.SHIPPED, platform_status="TRADE_FINISHED", quantity=1),
        _version(sku, initial=pending, target=Status.PENDING_PAYMENT, platform_status="WAIT_BUYER_PAY"),
    ]

    batch = outcome(together, shop, items, reviews)

    assert batch == outcome(one_by_one_after_creating_together, shop, items, reviews)
    assert batch == outcome(each_on_its_own, shop, items, reviews)
    orders = sorted(batch.items())[:4]
    assert [state["order"][:2] for _number, state in orders] == [
        (Status.PAID, ""),
        (Status.ON_HOLD, HoldReason.OUT_OF_STOCK),  # 1 of the 3 left after the first
        (Status.PAID, ""),
        (Status.PENDING_PAYMENT, ""),
    ]
    assert [state["order"][3] for _number, state in orders][:3] == [START] * 3  # paid when first seen
    assert orders[2][1]["events"][-1][0] == OrderEvent.Kind.NOTE


def test_entering_paid_and_closing_in_the_same_step_keep_the_one_by_one_order(world, clock, reviews):
    shop, _sku, other = world  # 3 of other in stock
    paid, pending = Status.PAID, Status.PENDING_PAYMENT
    items = [
        _version(other, initial=paid, target=Status.CLOSED, platform_status="TRADE_CLOSED", quantity=1),
        _version(other, initial=pending, target=paid, platform_status="WAIT_SELLER_SEND_GOODS", quantity=3),
        _version(other, initial=paid, target=Status.CLOSED, platform_status="TRADE_CLOSED", quantity=2),
    ]

    batch = outcome(together, shop, items, reviews)

    # (Not compared with creating each on its own: there the third is not yet created when the second is
    # paid, so it finds stock — creating together reserves for all paid ones first, as order_create_many does.)
    assert batch == outcome(one_by_one_after_creating_together, shop, items, reviews)
    # the second is paid when the first has given back 1 but the third still holds 2: short
    assert [batch[number]["order"][:2] for number in sorted(batch)[:3]] == [
        (Status.CLOSED, ""),
        (Status.ON_HOLD, HoldReason.OUT_OF_STOCK),
        (Status.CLOSED, ""),
    ]


def test_closing_unpaid_orders_takes_the_same_statements_for_two_or_twenty(
    world, clock, reviews, django_assert_num_queries
):
    shop, sku, _other = world

    def close(count):
        items = [
            _version(
                sku, initial=Status.PENDING_PAYMENT, target=Status.CLOSED, platform_status="TRADE_CLOSED_BY_TAOBAO"
            )
            for _ in range(count)
        ]
        data = [item.order.data for item in items]
        created = order_create_many(shop=shop, data=data, source=Source.POLL, system=SYSTEM)
        orders = list(created.orders.values())
        with django_assert_num_queries(7) as captured:  # savepoint, lock, update, history, events, their history
            order_transition_many(
                orders=orders, to_status=Status.CLOSED, system=SYSTEM, reason="platform status TRADE_CLOSED_BY_TAOBAO"
            )
        return captured

    assert len(close(2)) == len(close(20))
    assert not Reservation.objects.exists()  # nothing released: an unpaid order holds nothing
    assert Order.objects.filter(status=Status.CLOSED).count() == 22


def test_order_transition_many_refuses_the_lot_if_one_cannot_move_and_skips_those_already_there(world, clock):
    shop, sku, _other = world
    shipped_outside = make_order(shop=shop, skus=[(sku, 1, Decimal("10.00"))], status=Status.PAID)
    unpaid = make_order(shop=shop, skus=[(sku, 1, Decimal("10.00"))])
    Order.objects.filter(pk=shipped_outside.pk).update(status=Status.SHIPPED)  # as fulfilment would leave it

    with pytest.raises(InvalidTransition) as refused:
        order_transition_many(orders=[unpaid, shipped_outside], to_status=Status.CANCELLED, system=SYSTEM)
    assert refused.value.extra == {"order_number": shipped_outside.number, "from": "shipped", "to": "cancelled"}
    unpaid.refresh_from_db()
    assert unpaid.status == Status.PENDING_PAYMENT
    assert not OrderEvent.objects.filter(kind=OrderEvent.Kind.TRANSITION).exists()

    closed = make_order(shop=shop, skus=[(sku, 1, Decimal("10.00"))])
    order_transition_many(orders=[closed], to_status=Status.CLOSED, system=SYSTEM)
    order_transition_many(orders=[unpaid, closed], to_status=Status.CLOSED, system=SYSTEM, reason=["a", "b"])
    assert (unpaid.status, closed.status) == (Status.CLOSED, Status.CLOSED)  # the callers' instances follow
    assert list(closed.events.filter(kind="transition").values_list("reason", flat=True)) == [""]  # no second move
    assert closed.history.filter(history_type="~").count() == 1
    assert unpaid.events.get(kind="transition").reason == "a"


def test_orders_back_to_paid_together_keep_the_reservations_they_hold(world, clock, reviews):
    shop, sku, _other = world
    orders = [make_order(shop=shop, skus=[(sku, 2, Decimal("10.00"))], status=Status.PAID) for _ in range(3)]
    unpaid = make_order(shop=shop, skus=[(sku, 1, Decimal("10.00"))])
    order_transition_many(orders=orders, to_status=Status.ON_HOLD, hold_reason=HoldReason.REFUND, system=SYSTEM)
    assert [o.hold_note for o in orders] == [""] * 3  # no reason given

    order_transition_many(orders=[*orders, unpaid], to_status=Status.PAID, system=SYSTEM, reason="refund cancelled")

    assert [(o.status, o.hold_reason) for o in [*orders, unpaid]] == [(Status.PAID, "")] * 4
    reserved = Reservation.objects.filter(state=Reservation.State.ACTIVE)
    assert sorted(reserved.values_list("order_id", "quantity")) == sorted(
        [(o.pk, 2) for o in orders] + [(unpaid.pk, 1)]
    )
    stock = Stock.objects.get(sku=sku)
    assert (stock.on_hand, stock.reserved) == (50, 7)
    assert (unpaid.paid_at, unpaid.promised_ship_at) == (START, START + dt.timedelta(hours=shop.ship_within_hours))
    assert sorted(reviews[-4:]) == sorted(o.pk for o in [*orders, unpaid])  # one review task for the lot
    assert list(orders[0].history.order_by("history_id").values_list("history_type", "status")) == [
        ("+", Status.PAID),
        ("~", Status.ON_HOLD),
        ("~", Status.PAID),
    ]


def test_paid_orders_cancelled_together_give_their_stock_back_together(world, clock, reviews):
    shop, sku, other = world
    orders = [make_order(shop=shop, skus=[(sku, 2, Decimal("10.00")), (other, 1, Decimal("5.00"))], status=Status.PAID)]
    orders += [make_order(shop=shop, skus=[(sku, 3, Decimal("10.00"))], status=Status.PAID) for _ in range(2)]
    kept = make_order(shop=shop, skus=[(sku, 1, Decimal("10.00"))], status=Status.PAID)
    unpaid = make_order(shop=shop, skus=[(sku, 1, Decimal("10.00"))])
    assert Stock.objects.get(sku=sku).reserved == 9

    with mock.patch("orders.stock.order_stock_follow") as one_by_one:
        order_transition_many(orders=[*orders, unpaid], to_status=Status.CANCELLED, system=SYSTEM, reason="买家取消")
    one_by_one.assert_called_once()  # only the unpaid one, which holds nothing
    assert (Stock.objects.get(sku=sku).reserved, Stock.objects.get(sku=other).reserved) == (1, 0)
    active = Reservation.objects.filter(state=Reservation.State.ACTIVE)
    assert list(active.values_list("order_id", flat=True)) == [kept.pk]
    releases = StockMovement.objects.filter(kind="release")
    assert releases.count() == 4 and set(releases.values_list("reason", flat=True)) == {"order cancelled"}
