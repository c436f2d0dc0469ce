"""Picking on the floor: scan the bin, scan the SKU, confirm the quantity.

Every refusal (wrong bin, wrong SKU, impossible quantity) is recorded as a ``ScanEvent`` in its own
transaction before the error is raised, so the floor's mistakes are counted even though the pick is not.
Posts carry a client action id: a retried post (flaky network) is applied once.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fulfilment.exceptions import WaveError, WrongLocation, WrongQuantity, WrongSKU
from fulfilment.models import PickTask, ScanEvent, Wave, WaveOrder
from inventory.models import SKU
from orders.states import Status


def sku_matches(sku: SKU, scanned: str) -> bool:
    scanned = (scanned or "").strip()
    return bool(scanned) and (scanned.upper() == sku.code.upper() or (bool(sku.barcode) and scanned == sku.barcode))


def sku_by_scan(scanned: str) -> SKU | None:
    scanned = (scanned or "").strip()
    if not scanned:
        return None
    return SKU.objects.filter(Q(code__iexact=scanned) | Q(barcode=scanned)).first()


def pick_refusal_message(*, task: PickTask, scanned: str) -> str:
    """What the picker is told when the scanned SKU is not the one this task wants."""
    order = task.wave_order.order
    found = sku_by_scan(scanned)
    if found is None:
        return _("Nothing is known by %(code)r. Scan %(sku)s for order %(order)s.") % {
            "code": scanned,
            "sku": task.sku.code,
            "order": order.number,
        }
    if order.lines.filter(sku=found).exists():
        return _("%(found)s is in order %(order)s but not picked here. This bin is for %(sku)s.") % {
            "found": found.code,
            "order": order.number,
            "sku": task.sku.code,
        }
    return _("WRONG SKU: %(found)s is not in order %(order)s. Put it back and scan %(sku)s.") % {
        "found": found.code,
        "order": order.number,
        "sku": task.sku.code,
    }


def scan_refused_record(
    *, task: PickTask, kind: str, scanned: str, expected: str, actor, client_id: str = "", quantity: int = 0
) -> None:
    """Record a refused scan (idempotent by ``client_id``)."""
    try:
        with transaction.atomic():
            ScanEvent.objects.create(
                station=ScanEvent.Station.PICK,
                kind=kind,
                wave_id=task.wave_id,
                task=task,
                order_id=task.wave_order.order_id,
                scanned=(scanned or "")[:64],
                expected=expected[:64],
                quantity=quantity,
                client_id=client_id[:64],
                user=_user(actor),
            )
    except IntegrityError:
        pass  # the same refusal, posted again


def pick_confirm(
    *, task: PickTask, location_code: str, sku_code: str, quantity: int, actor, client_id: str = ""
) -> PickTask:
    """Confirm a pick: ``location_code`` must be the task's bin, ``sku_code`` (code or barcode) the task's
    SKU, and ``quantity`` between 0 and what is still to pick (less than that is a short pick)."""
    if client_id and ScanEvent.objects.filter(client_id=client_id, kind=ScanEvent.Kind.PICKED).exists():
        task.refresh_from_db()
        return task
    task = PickTask.objects.select_related("wave_order__order", "sku", "location", "wave").get(pk=task.pk)
    if task.status != PickTask.Status.OPEN:
        raise WaveError(
            _("This pick is already done (%(status)s).") % {"status": task.get_status_display()}, code="task_done"
        )
    if task.wave_order.order.status != Status.PICKING:
        raise WaveError(
            _("Order %(order)s is no longer being picked (%(status)s): put its goods back.")
            % {"order": task.wave_order.order.number, "status": task.wave_order.order.get_status_display()},
            code="order_not_picking",
        )
    if task.location_id and (location_code or "").strip().upper() != task.location.code:
        scan_refused_record(
            task=task,
            kind=ScanEvent.Kind.WRONG_LOCATION,
            scanned=location_code,
            expected=task.location.code,
            actor=actor,
        )
        raise WrongLocation(
            _("Wrong bin %(scanned)r: go to %(code)s.") % {"scanned": location_code, "code": task.location.code},
            extra={"expected": task.location.code, "scanned": location_code},
        )
    if not sku_matches(task.sku, sku_code):
        message = pick_refusal_message(task=task, scanned=sku_code)
        scan_refused_record(
            task=task, kind=ScanEvent.Kind.WRONG_SKU, scanned=sku_code, expected=task.sku.code, actor=actor
        )
        raise WrongSKU(
            message, extra={"expected": task.sku.code, "scanned": sku_code, "order": task.wave_order.order.number}
        )
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        quantity = -1
    if not 0 <= quantity <= task.quantity:
        scan_refused_record(
            task=task,
            kind=ScanEvent.Kind.WRONG_QUANTITY,
            scanned=sku_code,
            expected=task.sku.code,
            actor=actor,
            quantity=max(quantity, 0),
        )
        raise WrongQuantity(
            _("Quantity %(q)s: pick between 0 and %(max)s.") % {"q": quantity, "max": task.quantity},
            extra={"max": task.quantity},
        )
    return _pick_apply(task=task, quantity=quantity, actor=actor, client_id=client_id)


@transaction.atomic
def _pick_apply(*, task: PickTask, quantity: int, actor, client_id: str) -> PickTask:
    status = PickTask.Status.DONE if quantity == task.quantity else PickTask.Status.SHORT
    now = timezone.now()
    # Compare-and-set: only an open task is picked, once.
    updated = PickTask.objects.filter(pk=task.pk, status=PickTask.Status.OPEN).update(
        picked_quantity=quantity, status=status, picked_by=_user(actor), picked_at=now
    )
    if not updated:
        task.refresh_from_db()
        return task
    try:
        with transaction.atomic():
            ScanEvent.objects.create(
                station=ScanEvent.Station.PICK,
                kind=ScanEvent.Kind.PICKED,
                wave_id=task.wave_id,
                task=task,
                order_id=task.wave_order.order_id,
                scanned=task.sku.code,
                expected=task.sku.code,
                quantity=quantity,
                client_id=client_id[:64],
                user=_user(actor),
            )
    except IntegrityError:
        raise WaveError(_("This action was already applied."), code="duplicate_action") from None
    if not PickTask.objects.filter(wave_order_id=task.wave_order_id, status=PickTask.Status.OPEN).exists():
        WaveOrder.objects.filter(pk=task.wave_order_id, status=WaveOrder.Status.PICKING).update(
            status=WaveOrder.Status.PICKED
        )
    if not PickTask.objects.filter(wave_id=task.wave_id, status=PickTask.Status.OPEN).exists():
        Wave.objects.filter(pk=task.wave_id, status=Wave.Status.PICKING).update(
            status=Wave.Status.PICKED, picked_at=now
        )
    task.refresh_from_db()
    return task


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
