"""An order is not split from under an after-sales case: while a case with lines on it is open the split is
refused (409 ``case_lines_on_order``, and the back office says why); a settled case's line does not move whole."""

import pytest
from django.urls import reverse

from aftersales.exceptions import CaseLinesOnOrder
from aftersales.services import case_approve, case_reject
from orders.models import Order
from orders.shaping.split import order_split
from orders.states import Status
from tests.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(stocked_order):
    return stocked_order


def _line(order, code):
    return order.lines.get(sku__code=code)


def test_an_open_case_with_lines_refuses_the_split(order, manager):
    case = make_case(order=order, lines=[("SKU-1", 1)])
    case_approve(case=case, actor=manager)  # approved, money not back yet: its units came off, the rest ships
    order.refresh_from_db()
    assert order.status == Status.PAID

    with pytest.raises(CaseLinesOnOrder) as caught:
        order_split(order_id=order.pk, parts={_line(order, "SKU-2").pk: 1}, system="tests", review=False)

    assert (caught.value.status, caught.value.code) == (409, "case_lines_on_order")
    assert caught.value.extra == {"order_number": order.number, "case": case.number, "case_status": "approved"}
    assert Order.objects.count() == 1
    assert sorted(order.lines.values_list("sku__code", "quantity")) == [("SKU-1", 3), ("SKU-2", 1)]


def test_a_settled_case_keeps_its_line_on_the_order(order, manager):
    case = make_case(order=order, lines=[("SKU-1", 1)])
    case_reject(case=case, actor=manager, reason="买家要继续发货")
    order.refresh_from_db()
    assert order.status == Status.PAID

    with pytest.raises(CaseLinesOnOrder) as caught:
        order_split(order_id=order.pk, parts={_line(order, "SKU-1").pk: 3}, system="tests", review=False)
    assert caught.value.extra["line"] == _line(order, "SKU-1").pk

    # some of its units, or a line no case is about, may still go
    part = order_split(order_id=order.pk, parts={_line(order, "SKU-1").pk: 2}, system="tests", review=False)
    whole = order_split(order_id=order.pk, parts={_line(order, "SKU-2").pk: 1}, system="tests", review=False)
    assert list(part.lines.values_list("sku__code", "quantity")) == [("SKU-1", 2)]
    assert list(whole.lines.values_list("sku__code", "quantity")) == [("SKU-2", 1)]
    assert case.lines.get().order_line.order_id == order.pk


def test_the_back_office_says_why_the_split_was_refused(client, order, manager):
    case = make_case(order=order, lines=[("SKU-1", 1)])
    case_approve(case=case, actor=manager)
    client.force_login(manager)
    line = _line(order, "SKU-2")

    response = client.post(
        reverse("review:order-split", args=[order.number]),
        {"mode": "manual", f"line_{line.pk}": 1, "reason": "先发"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert f"Not split: Order {order.number} cannot be split while after-sales case {case.number}" in text
    assert Order.objects.count() == 1
