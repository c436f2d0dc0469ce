"""Intercepting a parcel (拦截): ask the carrier, through the e-waybill service that issued its number, to stop
it on its way and send it back to the sender. The request is stored first (one open request per parcel),
the service is called outside any transaction, and its answer is recorded on the request (Order Hub's own words
as a message, read in each reader's language; the carrier's as it gave them):

- accepted — the carrier took the request (it still has to catch the parcel; the track shows it turning back);
- refused — the carrier said no (e.g. already signed for), with its code and message;
- unsupported — the service documents no interception (Cainiao, Pinduoduo, Douyin, Kuaidi100 e-waybills;
  JD for carriers other than JD Logistics): staff ask the carrier's branch by phone or its own site;
- failed — the service could not be reached: asking again makes a new request.

After-sales calls ``shipment_intercept`` with a system name when a refund needs the goods back.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.messages import Message, message_stored
from fulfilment.carriers.adapters import CarrierCallFailed, InterceptNotSupported
from fulfilment.exceptions import ShipmentStateError
from fulfilment.models import Shipment, ShipmentInterception

INTERCEPTABLE = (Shipment.Status.SHIPPED, Shipment.Status.IN_TRANSIT, Shipment.Status.EXCEPTION)


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


@transaction.atomic(durable=True)
def _interception_open(*, shipment_id: int, reason: str, actor, system: str) -> tuple[ShipmentInterception, bool]:
    shipment = (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("carrier", "waybill_account")
        .get(pk=shipment_id)
    )
    if shipment.status not in INTERCEPTABLE:
        if shipment.status == Shipment.Status.LABELLED:
            message = _("Parcel %(n)s has not left the warehouse: void its label instead of intercepting it.")
        else:
            message = _("Parcel %(n)s is %(s)s: only a parcel on its way can be intercepted.")
        raise ShipmentStateError(
            message % {"n": shipment.tracking_number or shipment.pk, "s": shipment.get_status_display()},
            extra={"shipment": shipment.pk, "status": shipment.status},
        )
    existing = shipment.interceptions.filter(status__in=ShipmentInterception.OPEN).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            interception = ShipmentInterception.objects.create(
                shipment=shipment,
                carrier=shipment.carrier,
                tracking_number=shipment.tracking_number,
                provider=shipment.waybill_account.provider if shipment.waybill_account else "sandbox",
                reason=reason[:200],
                reason_message=message_stored(reason) or {},
                requested_by=_user(actor),
                requested_system=system[:64],
            )
    except IntegrityError:  # another request opened at the same moment
        return shipment.interceptions.get(status__in=ShipmentInterception.OPEN), False
    return interception, True


def shipment_intercept(*, shipment: Shipment, reason: str, actor=None, system: str = "") -> ShipmentInterception:
    """Ask the carrier to intercept ``shipment`` and record the answer. Returns the request (an open one is
    returned as it is: asking again while the carrier is on it sends nothing). A ``reason`` made with
    ``config.messages.message`` is shown in each reader's language (the carrier is sent its English text)."""
    from fulfilment.services.labels import waybill_adapter, waybill_request_build

    reason = reason if isinstance(reason, Message) else (reason or "").strip()
    if not reason.strip():
        raise ShipmentStateError(_("Say why the parcel is intercepted (reason)."), extra={"field": "reason"})
    interception, created = _interception_open(shipment_id=shipment.pk, reason=reason, actor=actor, system=system)
    if not created:
        return interception
    shipment = Shipment.objects.select_related("order__shop", "warehouse", "carrier", "waybill_account").get(
        pk=shipment.pk
    )
    account = shipment.waybill_account
    request = waybill_request_build(shipment=shipment, account=account)
    status, reference, message, code = ShipmentInterception.Status.ACCEPTED, "", "", ""
    try:
        result = waybill_adapter(carrier=shipment.carrier, account=account, ref=request.account).intercept(
            tracking_number=shipment.tracking_number, request=request, reason=reason
        )
        reference, message = result.reference, result.message
    except InterceptNotSupported as exc:
        status, message, code = ShipmentInterception.Status.UNSUPPORTED, exc.message, exc.code
    except CarrierCallFailed as exc:
        failed = exc.code in ("network", "connection_missing", "provider_missing")
        status = ShipmentInterception.Status.FAILED if failed else ShipmentInterception.Status.REFUSED
        message, code = exc.message, exc.code
    # Only the caller that opened the request sends it, so the answer is written with save() (kept in history).
    interception.status = status
    interception.reference = reference[:64]
    interception.message, interception.message_message = message[:2000], message_stored(message)
    interception.error_code = code[:64]
    interception.answered_at = timezone.now()
    interception.save(update_fields=["status", "reference", "message", "message_message", "error_code", "answered_at"])
    return interception
