"""Actions on one order through the API: cancel, hold, release, approve, pay, address change and notes —
each through the lifecycle, 409 with a stable code when the order's state does not allow it, 404 for an
order the user may not see, 403 for a role without the permission."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from inventory.models import Stock
from inventory.services import stock_receive
from orders.models import OrderEvent, ReviewTask, Source
from orders.services import order_transition
from orders.states import HoldReason, Status
from tests.factories import ShopFactory, make_order

pytestmark = pytest.mark.django_db


def url(number: str, action: str) -> str:
    return f"/api/v1/orders/{number}/{action}/"


@pytest.fixture
def stocked(world):
    stock_receive(warehouse=world["wh_a"], lines=[(world["skus"][0], 10)], reason="opening")
    return world


@pytest.fixture
def paid(stocked):
    """A paid order of shop A with its stock reserved."""
    return make_order(shop=stocked["shop_a"], status=Status.PAID, skus=[(stocked["skus"][0], 2, Decimal("50.00"))])


@pytest.fixture
def website(world, cs_a):
    """A website shop shipping from warehouse A, granted to cs_a."""
    from orders.access import shop_access_grant

    shop = ShopFactory(code="website", platform="website", default_warehouse=world["wh_a"])
    shop_access_grant(who=cs_a, shops=shop)
    return shop


def unpaid_api_order(shop, world):
    return make_order(shop=shop, source=Source.API, skus=[(world["skus"][0], 1, Decimal("99.00"))])


def reserved(world) -> int:
    stock = Stock.objects.filter(warehouse=world["wh_a"], sku=world["skus"][0])
    return stock.aggregate(total=Sum("reserved"))["total"] or 0


# --- cancel ----------------------------------------------------------------------------------------------------


def test_cancel_moves_the_order_to_cancelled_and_releases_its_stock(api, paid, cs_a, stocked):
    assert reserved(stocked) == 2
    response = api(cs_a).post(url(paid.number, "cancel"), {"reason": "买家不要了"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    assert response.json()["events"][-1]["reason"] == "买家不要了"
    assert reserved(stocked) == 0


def test_cancelling_a_cancelled_order_changes_nothing(api, paid, cs_a):
    api(cs_a).post(url(paid.number, "cancel"), {}, format="json")
    events = paid.events.count()
    response = api(cs_a).post(url(paid.number, "cancel"), {}, format="json")
    assert response.status_code == 200
    assert paid.events.count() == events


def test_a_shipped_order_cannot_be_cancelled(api, paid, cs_a, manager):
    for status in (Status.APPROVED, Status.PICKING, Status.SHIPPED):
        order_transition(order=paid, to_status=status, actor=manager)
    response = api(cs_a).post(url(paid.number, "cancel"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert response.json()["extra"] == {"order_number": paid.number, "from": "shipped", "to": "cancelled"}
    paid.refresh_from_db()
    assert paid.status == Status.SHIPPED


# --- hold and release ------------------------------------------------------------------------------------------


def test_hold_puts_the_order_on_manual_hold_with_a_review_task(api, paid, cs_a):
    response = api(cs_a).post(url(paid.number, "hold"), {"reason": "等买家确认颜色"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["hold_reason"], body["hold_note"]) == ("on_hold", "manual", "等买家确认颜色")
    task = ReviewTask.objects.get(order=paid)
    assert (task.kind, task.status, task.reason) == ("manual", "open", "等买家确认颜色")


def test_hold_needs_a_reason(api, paid, cs_a):
    response = api(cs_a).post(url(paid.number, "hold"), {}, format="json")
    assert response.status_code == 400
    assert response.json()["message"].startswith("reason:")


def test_an_order_held_for_another_reason_is_not_held_again(api, paid, cs_a, manager):
    order_transition(order=paid, to_status=Status.ON_HOLD, hold_reason=HoldReason.RISK, actor=manager)
    response = api(cs_a).post(url(paid.number, "hold"), {"reason": "x"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "order_on_hold"


def test_an_unpaid_order_cannot_be_held(api, world, cs_a):
    order = make_order(shop=world["shop_a"])
    response = api(cs_a).post(url(order.number, "hold"), {"reason": "x"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_release_returns_the_order_to_where_it_was_held_from(api, paid, cs_a, manager):
    order_transition(order=paid, to_status=Status.APPROVED, actor=manager)
    api(cs_a).post(url(paid.number, "hold"), {"reason": "核对地址"}, format="json")
    response = api(cs_a).post(url(paid.number, "release"), {"reason": "已核对"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["hold_reason"]) == ("approved", "")
    assert ReviewTask.objects.get(order=paid).status == "released"


def test_release_of_an_order_not_on_hold_is_a_conflict(api, paid, cs_a):
    response = api(cs_a).post(url(paid.number, "release"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "order_not_on_hold"


def test_an_out_of_stock_hold_is_not_released_by_hand(api, stocked, cs_a):
    order = make_order(shop=stocked["shop_a"], status=Status.PAID, skus=[(stocked["skus"][0], 11, Decimal("9.00"))])
    assert (order.status, order.hold_reason) == (Status.ON_HOLD, HoldReason.OUT_OF_STOCK)
    response = api(cs_a).post(url(order.number, "release"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "hold_not_releasable"


# --- approve ---------------------------------------------------------------------------------------------------


def test_approve_moves_a_paid_order_to_approved(api, paid, cs_a):
    response = api(cs_a).post(url(paid.number, "approve"), {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    assert paid.events.filter(kind=OrderEvent.Kind.TRANSITION, to_status="approved", actor=cs_a).exists()


def test_a_held_order_is_released_before_it_is_approved(api, paid, cs_a, manager):
    order_transition(order=paid, to_status=Status.ON_HOLD, hold_reason=HoldReason.RISK, actor=manager)
    response = api(cs_a).post(url(paid.number, "approve"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "order_on_hold"


def test_an_unpaid_or_picking_order_cannot_be_approved(api, paid, world, cs_a, manager):
    unpaid = make_order(shop=world["shop_a"])
    order_transition(order=paid, to_status=Status.APPROVED, actor=manager)
    order_transition(order=paid, to_status=Status.PICKING, actor=manager)
    for order, status in ((unpaid, "pending_payment"), (paid, "picking")):
        response = api(cs_a).post(url(order.number, "approve"), {}, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "invalid_transition"
        assert response.json()["extra"]["from"] == status


# --- pay -------------------------------------------------------------------------------------------------------


def test_pay_records_the_payment_of_a_website_order_and_reserves_its_stock(api, website, stocked, cs_a):
    order = unpaid_api_order(website, stocked)
    paid_at = timezone.now() - dt.timedelta(minutes=3)
    response = api(cs_a).post(
        url(order.number, "pay"), {"paid_at": paid_at.isoformat(), "payment_method": "wechat_pay"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["payment_method"]) == ("paid", "wechat_pay")
    assert dt.datetime.fromisoformat(body["paid_at"]) == paid_at
    assert reserved(stocked) == 1


def test_paying_a_paid_order_again_changes_nothing(api, website, stocked, cs_a):
    order = unpaid_api_order(website, stocked)
    api(cs_a).post(url(order.number, "pay"), {}, format="json")
    events = order.events.count()
    response = api(cs_a).post(url(order.number, "pay"), {"payment_method": "alipay"}, format="json")
    assert response.status_code == 200
    assert order.events.count() == events
    assert reserved(stocked) == 1


def test_platform_orders_are_not_paid_through_the_api(api, world, cs_a):
    order = make_order(shop=world["shop_a"], source=Source.API)  # a Tmall shop
    response = api(cs_a).post(url(order.number, "pay"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "payment_not_here"


def test_a_cancelled_order_cannot_be_paid(api, website, world, cs_a):
    order = unpaid_api_order(website, world)
    api(cs_a).post(url(order.number, "cancel"), {}, format="json")
    response = api(cs_a).post(url(order.number, "pay"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_pay_refuses_a_time_that_is_not_one_and_unknown_fields(api, website, world, cs_a):
    order = unpaid_api_order(website, world)
    for body, field in (({"paid_at": "yesterday"}, "paid_at"), ({"amount": "99.00"}, "amount")):
        response = api(cs_a).post(url(order.number, "pay"), body, format="json")
        assert response.status_code == 400
        assert list(response.json()["extra"]["fields"]) == [field]
    order.refresh_from_db()
    assert order.status == Status.PENDING_PAYMENT


# --- address ---------------------------------------------------------------------------------------------------


def test_address_change_updates_the_consignee_and_records_only_the_field_names(api, paid, cs_a):
    response = api(cs_a).patch(
        url(paid.number, "address"), {"phone": "13911112222", "address": "文一路8号"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["consignee"]["phone"] == "13911112222"
    assert response.json()["consignee"]["name"] == "张三"
    paid.refresh_from_db()
    assert (paid.consignee_phone, paid.address) == ("13911112222", "文一路8号")
    event = paid.events.get(kind=OrderEvent.Kind.UPDATED)
    assert event.data["fields"] == ["consignee_phone", "address"]


def test_the_address_of_a_shipped_order_is_locked(api, paid, cs_a, manager):
    for status in (Status.APPROVED, Status.PICKING, Status.SHIPPED):
        order_transition(order=paid, to_status=status, actor=manager)
    response = api(cs_a).patch(url(paid.number, "address"), {"address": "文一路8号"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "address_locked"


def test_an_empty_detail_address_is_refused(api, paid, cs_a):
    response = api(cs_a).patch(url(paid.number, "address"), {"address": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["message"].startswith("address:")


def test_address_is_changed_with_patch_only(api, paid, cs_a):
    assert api(cs_a).post(url(paid.number, "address"), {"address": "x"}, format="json").status_code == 405


# --- notes -----------------------------------------------------------------------------------------------------


def test_a_note_is_added_to_the_timeline(api, paid, cs_a):
    response = api(cs_a).post(url(paid.number, "notes"), {"text": "买家来电要求周末送"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "note"
    assert response.json()["actor"] == "cs_a"
    assert paid.events.filter(kind=OrderEvent.Kind.NOTE, reason="买家来电要求周末送").exists()


def test_a_note_needs_text(api, paid, cs_a):
    response = api(cs_a).post(url(paid.number, "notes"), {"text": ""}, format="json")
    assert response.status_code == 400


# --- who may -----------------------------------------------------------------------------------------------------

ACTIONS = [
    ("post", "cancel", {}),
    ("post", "hold", {"reason": "x"}),
    ("post", "release", {}),
    ("post", "approve", {}),
    ("post", "pay", {}),
    ("patch", "address", {"address": "x"}),
    ("post", "notes", {"text": "x"}),
]


@pytest.mark.parametrize(("method", "action", "body"), ACTIONS)
def test_an_order_of_a_shop_not_granted_is_not_found_and_unchanged(api, world, cs_a, method, action, body):
    other = make_order(shop=world["shop_b"])
    response = getattr(api(cs_a), method)(url(other.number, action), body, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"
    other.refresh_from_db()
    assert other.status == Status.PENDING_PAYMENT
    assert other.events.count() == 1


@pytest.mark.parametrize(("method", "action", "body"), ACTIONS)
def test_finance_may_look_but_not_act(api, paid, finance, method, action, body):
    response = getattr(api(finance), method)(url(paid.number, action), body, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(("method", "action", "body"), ACTIONS)
def test_anonymous_callers_get_401(api, paid, method, action, body):
    assert getattr(api(), method)(url(paid.number, action), body, format="json").status_code == 401
