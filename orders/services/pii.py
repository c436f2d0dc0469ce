"""Personal data of consignees: revealing it on purpose (logged), and anonymising it when it is no longer needed.

- ``consignee_reveal``: a user who sees the consignee masked but holds ``orders.reveal_consignee_pii`` sees
  one order's phone and address after giving a reason; every reveal is a ``ConsigneeReveal`` row (who, when,
  which order, why, from which address).
- ``consignees_anonymise_due``: ``CONSIGNEE_RETENTION_DAYS`` after an order reached a final status
  (completed, cancelled, closed), the consignee's phone, detail address, postal code, the platform's
  encrypted receiver data and the buyer's remark are erased and the names cut to their first character —
  in the order and in every historical version of it. What finance and reports need stays: numbers, platform
  order id, shop, amounts, lines, dates, and the province / city / district.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.errors import ApplicationError, PermissionDenied
from config.messages import message
from orders.masking import REVEAL_PERMISSION, consignee_for
from orders.models import ConsigneeReveal, Order, OrderEvent
from orders.states import TERMINAL

REASON_MIN_LENGTH = 4
ANONYMISED_SYSTEM = "retention"


class RevealReasonMissing(ApplicationError):
    code = "reveal_reason_missing"
    status = 400


def consignee_reveal(*, user, order: Order, reason: str, ip_address: str | None = None) -> dict[str, str]:
    """Log the reveal and return the consignee block unmasked. The caller has checked that ``user`` may see
    ``order`` at all (``order_get_for_user``)."""
    if not user.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied(_("You may not reveal consignee data."))
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise RevealReasonMissing(
            _("reason: say why you need the phone and address (at least %(n)d characters).") % {"n": REASON_MIN_LENGTH}
        )
    ConsigneeReveal.objects.create(order=order, user=user, reason=reason[:200], ip_address=ip_address)
    return consignee_for(user, order, reveal=True)


def _mask_name(name: str) -> str:
    name = (name or "").strip()
    return f"{name[0]}**" if name else ""


def consignees_anonymise_due(*, now: dt.datetime | None = None, days: int | None = None, batch: int = 500) -> int:
    """Anonymise the consignee data of orders final for more than ``days`` (default
    ``CONSIGNEE_RETENTION_DAYS``). Idempotent; returns how many orders were anonymised."""
    now = now or timezone.now()
    days = settings.CONSIGNEE_RETENTION_DAYS if days is None else days
    cutoff = now - dt.timedelta(days=days)
    final_at = (
        OrderEvent.objects.filter(order=OuterRef("pk"), to_status__in=TERMINAL)
        .values("order")
        .annotate(at=Max("at"))
        .values("at")
    )
    still_personal = (
        ~Q(consignee_phone="") | ~Q(buyer_email="") | ~Q(address="") | ~Q(postal_code="") | ~Q(consignee_cipher={})
    )
    due = (
        Order.objects.filter(status__in=TERMINAL)
        .filter(still_personal)
        .annotate(final_at=Subquery(final_at))
        .filter(final_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = 0
    while True:
        ids = list(due[:batch])
        if not ids:
            return done
        done += _anonymise(ids)


@transaction.atomic
def _anonymise(ids: list[int]) -> int:
    orders = list(Order.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    history = Order.history.model
    for order in orders:
        values = {
            "consignee_name": _mask_name(order.consignee_name),
            "buyer_nick": _mask_name(order.buyer_nick),
            "buyer_email": "",
            "consignee_phone": "",
            "address": "",
            "postal_code": "",
            "consignee_cipher": {},
            "buyer_remark": "",
        }
        Order.objects.filter(pk=order.pk).update(**values)
        history.objects.filter(id=order.pk).update(**values)
    reason = message(gettext_noop("consignee data anonymised (retention period over)"))
    OrderEvent.objects.bulk_create(
        OrderEvent(
            order=order,
            kind=OrderEvent.Kind.UPDATED,
            system=ANONYMISED_SYSTEM,
            reason=reason,
            data={
                "reason_message": reason.stored(),
                "anonymised": [
                    "consignee_phone",
                    "buyer_email",
                    "address",
                    "postal_code",
                    "consignee_cipher",
                    "buyer_remark",
                ],
            },
        )
        for order in orders
    )
    return len(orders)
