"""Every lock after-sales takes, in one place, with the order they are taken in.

Lock order: the order row first (``orders.Order``, one order per case step), then the order's cases by pk,
then stock (``inventory.locks``, through inventory's services). Every step that changes what an order's cases
give back locks the order row first, so two requests on the same order queue on it: the second one reads what
the first committed and cannot take the order past what was paid.
"""

from __future__ import annotations

from aftersales.models import Case
from orders.models import Order


def order_lock(*, order_id: int) -> Order:
    """The order row, locked until the transaction ends."""
    return Order.objects.select_for_update(of=("self",)).get(pk=order_id)


def cases_lock(*, order_id: int) -> list[Case]:
    """Every case of the order, locked in pk order (after the order row)."""
    return list(Case.objects.select_for_update().filter(order_id=order_id).order_by("pk"))


def case_lock(*, case_id: int) -> Case:
    """One case, locked: its order row first, then the case."""
    order_id = Case.objects.values_list("order_id", flat=True).get(pk=case_id)
    order_lock(order_id=order_id)
    return Case.objects.select_for_update().get(pk=case_id)
