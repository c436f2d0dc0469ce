"""A refund made through the Shopify sandbox's ``orders/{id}/refunds.json`` is seen as Shopify's is: the order's
``updated_at`` becomes the refund's time (polling by ``updated_at_min`` lists it again, with the refund), and the
``refunds/create`` webhook — a Refund resource body — goes to Order Hub's webhook for the shop, which records the
refund on the order's case."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from aftersales.models import Case, Payout
from aftersales.services import LineRequest, case_approve, case_create, refund_execute
from integrations import transport
from integrations.models import InboxMessage
from tests.integrations.test_refund_decisions_more import _shopify_order

pytestmark = pytest.mark.django_db


def _sandbox_get(path, connection, **params):
    response = transport.send(
        "GET",
        f"{connection.base_url.rstrip('/')}/admin/api/2026-10/{path}",
        params=params,
        headers={"X-Shopify-Access-Token": connection.access_token},
    )
    assert response.status == 200, response.body
    return response.json()


@pytest.fixture
def refunded(shopify, manager, sandbox_http, refund_sandbox, django_capture_on_commit_callbacks):
    """A staff refund of one unit of a Shopify sandbox order, given back through the sandbox's refunds.json."""
    order, sku = _shopify_order(shopify)
    case = case_create(
        order=order, kind="refund_only", lines=[LineRequest(sku_code=sku.code, quantity=1)], actor=manager
    )
    case_approve(case=case, actor=manager)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        payout = refund_execute(case=case, actor=manager)
    return order, case, payout, before


def test_the_refunds_create_webhook_reaches_order_hub_and_settles_the_case(refunded, sandbox_http):
    order, case, payout, _before = refunded

    assert ("POST", f"/webhooks/shopify/{order.shop.code}/") in sandbox_http.calls
    inbound = InboxMessage.objects.get(topic="refunds/create")
    assert inbound.external_id == order.external_id
    case.refresh_from_db()
    payout.refresh_from_db()
    assert case.status == "refunded" and case.external_id  # the Shopify refund id, from the webhook
    assert payout.status == Payout.Status.SUCCEEDED
    assert Case.objects.filter(order=order).count() == 1


def test_polling_lists_the_refunded_order_again_with_its_refund(refunded, shopify):
    order, case, _payout, before = refunded
    now = timezone.now()

    listed = _sandbox_get(
        "orders.json",
        shopify,
        updated_at_min=before.isoformat(),
        updated_at_max=(now + dt.timedelta(seconds=1)).isoformat(),
        limit=250,
    )["orders"]

    (native,) = [o for o in listed if str(o["id"]) == order.external_id]
    assert before <= dt.datetime.fromisoformat(native["updated_at"]).replace(microsecond=0) + dt.timedelta(seconds=1)
    assert native["financial_status"] == "partially_refunded"
    assert sum(Decimal(t["amount"]) for r in native["refunds"] for t in r["transactions"]) >= case.amount
    single = _sandbox_get(f"orders/{order.external_id}.json", shopify)["order"]
    assert single["updated_at"] == native["updated_at"]
    # A window that ends before the refund does not list the order at its older time.
    earlier = _sandbox_get(
        "orders.json",
        shopify,
        updated_at_min=(before - dt.timedelta(days=400)).isoformat(),
        updated_at_max=(before - dt.timedelta(seconds=5)).isoformat(),
        limit=250,
    )["orders"]
    assert order.external_id not in [str(o["id"]) for o in earlier]
