"""The risky-buyers list: a buyer with several cases across shops (same phone), or a fraud flag, is listed with
their numbers; roles without phone access see it masked and cannot open the history by phone; the order page
shows the order's cases and the buyer's history."""

from decimal import Decimal

import pytest
from django.test import Client

from aftersales.models import Case
from aftersales.selectors import risky_buyers_for_user
from aftersales.services import refund_record
from orders.states import Status
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def _case(world, shop, phone, amount="10.00", **fields):
    order = make_order(
        shop=world[shop], skus=[(world["skus"][0], 1, Decimal("50.00"))], status=Status.PAID, consignee_phone=phone
    )
    case, _ = refund_record(order=order, amount=Decimal(amount), external_id=f"RF-{order.pk}", system="tests")
    if fields:
        Case.objects.filter(pk=case.pk).update(**fields)
    return case


@pytest.fixture
def cases(world):
    _case(world, "shop_a", "13900000001")
    _case(world, "shop_b", "13900000001", amount="20.00")
    _case(world, "shop_a", "13900000002", fraud_flag=True)
    _case(world, "shop_a", "13900000003")  # one clean case: not risky
    return world


def test_buyers_with_several_cases_across_shops_or_a_fraud_flag_are_listed(cases, manager):
    buyers = risky_buyers_for_user(manager, days=90, watch_from=40)

    rows = {b["phone"]: (b["cases"], b["amount"], b["frauds"]) for b in buyers}
    assert rows == {"13900000001": (2, Decimal("20.00") + Decimal("10.00"), 0), "13900000002": (1, Decimal("10.00"), 1)}


def test_cs_sees_only_the_cases_of_its_shops(cases, cs_a):
    rows = {b["phone"]: b["cases"] for b in risky_buyers_for_user(cs_a, days=90, watch_from=40)}

    assert rows == {"13900000002": 1}


def test_finance_sees_phones_masked_and_no_history_by_phone(cases, finance, manager):
    client = Client()
    client.force_login(finance)
    page = client.get("/aftersales/buyers/").content.decode()
    assert "13900000001" not in page and "139****0001" in page
    assert 'id="history"' not in client.get("/aftersales/buyers/?phone=13900000001").content.decode()

    client.force_login(manager)
    page = client.get("/aftersales/buyers/?phone=13900000001").content.decode()
    assert page.count('<tr><td class="mono">AS') == 2


def test_the_order_page_shows_its_cases_and_the_buyers_history(cases, manager):
    case = Case.objects.filter(order__consignee_phone="13900000001").order_by("pk").first()
    client = Client()
    client.force_login(manager)

    page = client.get(f"/orders/{case.order.number}/").content.decode()

    assert case.number in page and 'id="buyer-history"' in page
