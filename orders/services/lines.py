"""Taking units off an order before it ships (a refund of part of it): each line keeps what was ordered and
counts the units cancelled (``OrderLine.cancelled_quantity``); what is still to reserve, pick and ship is
``OrderLine.to_ship``. Money stays as it was paid: the refund that took the units off says what goes back.

Lock order (docs/inventory.md): the order row, its lines in pk order, then the lines' reservations and stock rows
through ``inventory.services.order_lines_stock_release``.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.messages import message
from inventory.services import order_lines_stock_release
from orders.exceptions import InvalidTransition, OrderInvalid
from orders.models import Order, OrderEvent, OrderLine
from orders.services.lifecycle import order_event_record
from orders.shaping.common import reserved_units
from orders.states import Status

# Orders whose goods have not left and that no picker is working on: units can still be taken off.
UNITS_CANCELLABLE = frozenset({Status.PAID, Status.ON_HOLD, Status.APPROVED})


@transaction.atomic
def order_lines_cancel(
    *, order: Order, units: Mapping[int, int], actor=None, system: str = "", reason: str = ""
) -> dict[int, int]:
    """Take ``units`` = {order line id: units} off ``order`` before it ships: each line's cancelled units go up
    by that many and exactly the units it no longer ships are given back to stock (a line holding fewer
    reserved units than it still ships gives back nothing). Raises ``OrderInvalid`` naming the line when it
    is not the order's or has fewer units left to ship, ``InvalidTransition`` (409) when the order is shipped,
    picking or ended. Returns the units given back to stock per line."""
    locked = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if locked.status not in UNITS_CANCELLABLE:
        raise InvalidTransition(
            _("Order %(order_number)s is %(status)s; units can only be taken off before picking starts.")
            % {"order_number": locked.number, "status": Status(locked.status).label},
            extra={"order_number": locked.number, "status": locked.status},
        )
    lines = {
        line.pk: line
        for line in OrderLine.objects.select_for_update(of=("self",))
        .filter(order_id=locked.pk, pk__in=list(units))
        .select_related("sku")
        .order_by("pk")
    }
    for line_id, quantity in units.items():
        line = lines.get(line_id)
        if line is None:
            raise OrderInvalid(
                _("lines: line %(line_id)s is not a line of order %(order_number)s.")
                % {"line_id": line_id, "order_number": locked.number},
                extra={"field": "lines", "line": line_id},
            )
        if not isinstance(quantity, int) or not 1 <= quantity <= line.to_ship:
            raise OrderInvalid(
                _(
                    "lines: line %(line_id)s (%(sku)s) has %(left)s units left to ship; %(quantity)r cannot be "
                    "taken off."
                )
                % {"line_id": line_id, "sku": line.sku.code, "left": line.to_ship, "quantity": quantity},
                extra={"field": "lines", "line": line_id, "to_ship": line.to_ship},
            )
    held = reserved_units(list(lines))
    release = {}
    for line_id, line in lines.items():
        line.cancelled_quantity += units[line_id]
        line.save(update_fields=["cancelled_quantity"])
        release[line_id] = max(0, held.get(line_id, 0) - line.to_ship)
    given = order_lines_stock_release(
        order_id=locked.pk,
        units=release,
        actor=actor,
        system=system or "orders",
        reason=reason or message(gettext_noop("units cancelled")),
    )
    order_event_record(
        order=locked,
        kind=OrderEvent.Kind.UPDATED,
        actor=actor,
        system=system,
        reason=message(gettext_noop("units cancelled: %(reason)s"), reason=reason)
        if reason
        else message(gettext_noop("units cancelled")),
        data={
            "change": "units_cancelled",
            "lines": [
                {
                    "line": pk,
                    "sku": line.sku.code,
                    "cancelled": units[pk],
                    "to_ship": line.to_ship,
                    "released": given.get(pk, 0),
                }
                for pk, line in lines.items()
            ],
        },
    )
    return given
