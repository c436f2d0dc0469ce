"""Returned goods at the warehouse: each line counted and graded; good ones back to sellable stock through the
inventory ledger (``inventory.services.stock_return``), damaged ones into the warehouse's damaged pool (its
defective location, never sold); a wrong item or an empty box flags the case as fraud (调包/空包) and counts in its
risk score (``aftersales.services.risk``). Restocked at the order's warehouse, else the shop's default, else the
one named."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftersales.exceptions import CaseInvalid, CaseStateError
from aftersales.locks import case_lock
from aftersales.models import Case, CaseEvent, CaseLine
from aftersales.services.cases import case_event_record, case_status_set
from aftersales.services.replacement import case_replacement_create
from aftersales.services.risk import case_risk_assess
from config.messages import message
from inventory.models import Pool, Warehouse
from inventory.services import stock_return

# Where a received line's units go, by its grade; the other grades put nothing back into stock.
RESTOCK_POOL = {CaseLine.Condition.GOOD: Pool.SPOT, CaseLine.Condition.DAMAGED: Pool.DAMAGED}
# Grades that flag the case as fraud: something else came back, or nothing did.
FRAUD_CONDITIONS = frozenset({CaseLine.Condition.WRONG_ITEM, CaseLine.Condition.MISSING})


@dataclass(frozen=True, slots=True)
class ReceivedLine:
    sku_code: str
    quantity: int
    condition: str = CaseLine.Condition.GOOD


@transaction.atomic(durable=True)
def case_receive(
    *, case: Case, lines: list[ReceivedLine] | None = None, warehouse: Warehouse | None = None, actor=None, system=""
) -> Case:
    """Record the returned parcel of an approved return or exchange (no lines: every line arrived good)."""
    case = case_lock(case_id=case.pk)
    if case.status != Case.Status.AWAITING_RETURN:
        raise CaseStateError(
            _("Case %(number)s is %(status)s; only a case awaiting its return can be received.")
            % {"number": case.number, "status": case.get_status_display()},
            extra={"status": case.status},
        )
    case_lines = {line.sku.code: line for line in case.lines.select_related("sku")}
    if not lines:
        lines = [ReceivedLine(sku_code=code, quantity=line.quantity) for code, line in case_lines.items()]
    target = case.order.warehouse or case.order.shop.default_warehouse or warehouse
    if target is None:
        raise CaseInvalid(
            _("warehouse: order %(order)s has no warehouse; say which warehouse received the parcel.")
            % {"order": case.order.number},
            extra={"field": "warehouse"},
        )
    for index, received in enumerate(lines):
        line = case_lines.get(received.sku_code)
        if line is None:
            raise CaseInvalid(
                _("lines[%(i)s].sku: %(sku)s is not on case %(number)s.")
                % {"i": index, "sku": received.sku_code, "number": case.number},
                extra={"field": f"lines[{index}].sku"},
            )
        if received.condition not in CaseLine.Condition.values:
            raise CaseInvalid(
                _("lines[%(i)s].condition: %(c)s is not a condition.") % {"i": index, "c": received.condition},
                extra={"field": f"lines[{index}].condition"},
            )
        if not isinstance(received.quantity, int) or not 0 <= received.quantity <= line.quantity:
            raise CaseInvalid(
                _("lines[%(i)s].quantity: %(q)s; between 0 and %(max)s were sent back.")
                % {"i": index, "q": received.quantity, "max": line.quantity},
                extra={"field": f"lines[{index}].quantity"},
            )
        line.received_quantity = received.quantity
        line.condition = received.condition
        line.save(update_fields=["received_quantity", "condition"])
        if received.condition in RESTOCK_POOL and received.quantity:
            stock_return(
                sku=line.sku,
                warehouse=target,
                quantity=received.quantity,
                pool=RESTOCK_POOL[received.condition],
                reference=case.number,
                reason=message(gettext_noop("after-sales %(number)s"), number=case.number),
                actor=actor,
                system=system,
                idempotency_key=f"aftersales:{case.pk}:{line.pk}",
            )
    case_event_record(
        case=case,
        kind=CaseEvent.Kind.RECEIVED,
        actor=actor,
        system=system,
        data={"warehouse": target.code, "lines": [[r.sku_code, r.quantity, r.condition] for r in lines]},
    )
    if any(received.condition in FRAUD_CONDITIONS for received in lines) and not case.fraud_flag:
        case.fraud_flag = True
        case.save(update_fields=["fraud_flag", "updated_at"])
    case_status_set(case=case, to_status=Case.Status.RECEIVED, actor=actor, system=system)
    case_risk_assess(case=case)
    if case.kind == Case.Kind.EXCHANGE and not case.fraud_flag:
        # the goods came back as they should: the replacement goes out (a suspicious parcel waits for staff)
        case_replacement_create(case=case, actor=actor, system=system)
    return case
