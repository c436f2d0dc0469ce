"""Printing labels: a wave's labels in pick order, the commands for the platforms' print components, PDF
labels, and the print log (reprints keep the same waybill number: nothing is requested again)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from config.messages import message, message_stored
from fulfilment.models import LabelPrint, Shipment, WaveOrder
from fulfilment.models.written import COMPONENT_NOT_RUNNING, PRINT_FAILED_UNSAID
from fulfilment.printing import component, pdf
from fulfilment.selectors import packing_instructions
from orders.masking import consignee_for

PRINTED = (LabelPrint.Status.SENT, LabelPrint.Status.PRINTED)


def wave_labels(*, wave) -> list[Shipment]:
    """The wave's parcels that have a waybill number, in pick order (the wave's sequence of orders)."""
    order_ids = list(
        WaveOrder.objects.filter(wave=wave)
        .exclude(status=WaveOrder.Status.REMOVED)
        .order_by("sequence")
        .values_list("order_id", flat=True)
    )
    shipments = {
        s.order_id: s
        for s in Shipment.objects.filter(order_id__in=order_ids)
        .exclude(status=Shipment.Status.CANCELLED)
        .exclude(tracking_number="")
        .select_related("order__shop", "carrier", "warehouse", "waybill_account")
        .prefetch_related("order__lines")
    }
    return [shipments[order_id] for order_id in order_ids if order_id in shipments]


def print_tasks(*, shipments: list[Shipment]) -> dict[str, dict]:
    """One print command per component, its documents in the order given; parcels without a component are
    left to the PDF."""
    documents: dict[str, list] = {}
    for shipment in shipments:
        kind = component.component_of(shipment.label)
        if not kind:
            continue
        account = shipment.waybill_account
        documents.setdefault(kind, []).append(
            component.document(
                shipment,
                custom_template_url=account.custom_template_url if account else "",
                custom_data={
                    "orderNumber": shipment.order.number,
                    "instructions": packing_instructions(order=shipment.order),
                },
            )
        )
    return {kind: component.print_command(documents=docs) for kind, docs in documents.items()}


def labels_pdf(*, shipments: list[Shipment], user, size: str = "100x150") -> bytes:
    labels = []
    for shipment in shipments:
        order = shipment.order
        consignee = consignee_for(user, order)
        wh = shipment.warehouse
        account = shipment.waybill_account
        labels.append(
            {
                "tracking_number": shipment.tracking_number,
                "carrier_name": shipment.carrier.name,
                "sort_code": shipment.label.get("sort_code", ""),
                "receiver": {
                    "name": consignee["name"],
                    "phone": consignee["phone"],
                    "address": "".join(consignee[k] for k in ("province", "city", "district", "address")),
                },
                "sender": {
                    "name": (account.sender_name if account else "") or wh.name,
                    "phone": account.sender_phone if account else "",
                    "address": f"{wh.province}{wh.city}{wh.address}",
                },
                "order_number": order.number,
                "instructions": packing_instructions(order=order),
            }
        )
    return pdf.labels_pdf(labels, size=size)


# What the print page reports when it found no print component on the computer (``print_report_message``).
NOT_RUNNING = "not_running"


def print_report_message(document: dict[str, Any]) -> str:
    """What to log for one document of a print report: the component's own ``msg`` as it gave it; Order Hub's words
    as a message (read in each reader's language) when the page found no component (``problem``: ``not_running``)
    or the component reported a failure without a word."""
    if document.get("problem") == NOT_RUNNING:
        return message(COMPONENT_NOT_RUNNING)
    said = str(document.get("msg") or "")
    return message(PRINT_FAILED_UNSAID) if not said and document.get("status") == "failed" else said


@transaction.atomic
def label_prints_record(
    *,
    shipments: list[Shipment],
    method: str,
    status: str = LabelPrint.Status.SENT,
    component: str = "",
    task_id: str = "",
    messages: dict[str, str] | None = None,
    statuses: dict[str, str] | None = None,
    actor=None,
) -> list[LabelPrint]:
    """Log one print per parcel; a parcel printed before is logged as a reprint (same number). A message made with
    ``config.messages.message`` is kept as one (``LabelPrint.message_display``)."""
    before = set(
        LabelPrint.objects.filter(shipment__in=shipments, status__in=PRINTED).values_list("shipment_id", flat=True)
    )
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    rows = []
    for shipment in shipments:
        row = LabelPrint(
            shipment=shipment,
            tracking_number=shipment.tracking_number,
            method=method,
            component=component,
            task_id=task_id[:64],
            status=(statuses or {}).get(shipment.tracking_number, status),
            reprint=shipment.pk in before,
            message=((messages or {}).get(shipment.tracking_number) or "")[:255],
            message_message=message_stored((messages or {}).get(shipment.tracking_number) or ""),
            by=user,
        )
        row.save()  # one by one: simple-history records each
        rows.append(row)
    return rows
