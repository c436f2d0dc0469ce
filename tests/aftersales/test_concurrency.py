"""Parallel refund requests on one order never give back more than was paid (the order row is locked first)."""

from decimal import Decimal

import pytest

from aftersales.exceptions import RefundExceedsPaid
from aftersales.models import Case
from aftersales.services import case_create
from orders.states import Status
from tests.concurrency import run_together
from tests.factories import make_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_refunds_on_one_order_never_exceed_what_was_paid(world):
    order = make_order(shop=world["shop_a"], skus=[(world["skus"][0], 1, Decimal("100.00"))], status=Status.PAID)

    results, errors = run_together(
        [lambda: case_create(order=order, kind="compensation", amount=Decimal("40.00")) for _ in range(4)]
    )

    assert len([r for r in results if r is not None]) == 2
    assert len(errors) == 2 and all(isinstance(e, RefundExceedsPaid) for e in errors)
    assert sum(Case.objects.filter(order=order).values_list("amount", flat=True)) == Decimal("80.00")
