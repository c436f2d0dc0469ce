"""Exchange and re-ship send goods, not money: a linked order of amount 0 (number prefix ``RS``) to the same
consignee, paid at once, so it reserves stock and goes through review, waves, packing and labels like any
order. A re-ship's goes out when the case is approved; an exchange's when the returned goods were received.
The case is then closed; the replacement order carries the rest of the story."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from aftersales.models import Case, CaseEvent
from aftersales.services.cases import case_event_record, case_status_set
from config.messages import message
from orders.models import Order
from orders.services import LineInput, OrderInput, order_create

REPLACEMENT_PREFIX = "RS"
ADDRESS_FIELDS = (
    "buyer_id",
    "buyer_nick",
    "consignee_name",
    "consignee_phone",
    "country",
    "province",
    "city",
    "district",
    "address",
    "postal_code",
    "consignee_cipher",
)


@transaction.atomic(savepoint=False)
def case_replacement_create(*, case: Case, actor=None, system: str = "") -> Order:
    """The case's replacement order (made once: a second call returns it)."""
    if case.replacement_order_id:
        return case.replacement_order
    original = case.order
    lines = [
        LineInput(sku_code=line.sku.code, quantity=line.quantity, unit_price=Decimal("0.00"), title=f"{case.number}")
        for line in case.lines.select_related("sku")
    ]
    data = OrderInput(
        external_id="",
        lines=lines,
        status="paid",
        paid_at=timezone.now(),
        placed_at=timezone.now(),
        currency=original.currency,
        goods_amount=Decimal("0.00"),
        paid_amount=Decimal("0.00"),
        seller_memo=f"after-sales {case.number} ({case.kind}) for {original.number}",
        tags=["aftersales", case.kind],
        **{name: getattr(original, name) for name in ADDRESS_FIELDS},
    )
    replacement = order_create(
        shop=original.shop, data=data, actor=actor, system=system or "aftersales", number_prefix=REPLACEMENT_PREFIX
    )
    case.replacement_order = replacement
    case.save(update_fields=["replacement_order", "updated_at"])
    case_event_record(
        case=case,
        kind=CaseEvent.Kind.ORDER,
        actor=actor,
        system=system,
        note=message(gettext_noop("replacement %(number)s"), number=replacement.number),
        data={"replacement_order": replacement.number},
    )
    case_status_set(case=case, to_status=Case.Status.CLOSED, actor=actor, system=system)
    return replacement
