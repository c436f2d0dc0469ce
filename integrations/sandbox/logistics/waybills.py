"""Numbers the sandbox's logistics services issue and cancel (shared by every provider module)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from fulfilment.models import Carrier, CarrierPlatformCode, SandboxWaybill


class ServiceRefused(Exception):
    """A business error in the provider's own terms (``code``, ``message``)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def carrier_for(system: str, code: str) -> Carrier:
    found = CarrierPlatformCode.objects.select_related("carrier").filter(platform=system, code=code).first()
    if found is None:
        raise ServiceRefused("carrier_unknown", f"{code!r} is not a carrier code of {system}")
    return found.carrier


@transaction.atomic
def issue(*, carrier: Carrier, reference: str, province: str, city: str, weight_grams: int, address: str) -> str:
    if "#FAIL" in (address or ""):
        raise ServiceRefused("isv.BRANCH_REFUSED", "the branch refused the waybill (sandbox #FAIL)")
    existing = SandboxWaybill.objects.filter(
        carrier_code=carrier.code, order_reference=reference[:64], cancelled_at__isnull=True
    ).first()
    if existing is not None:  # the same parcel asked again gets the same number
        return existing.tracking_number
    waybill = SandboxWaybill.objects.create(
        carrier_code=carrier.code,
        tracking_number=f"pending-{timezone.now().timestamp()}",
        order_reference=reference[:64],
        province=(province or "")[:32],
        city=(city or "")[:32],
        weight_grams=int(weight_grams or 0),
        scenario="stuck" if "#STUCK" in (address or "") else "normal",
    )
    waybill.tracking_number = f"{carrier.code}{8_000_000_000 + waybill.pk:012d}"
    waybill.save(update_fields=["tracking_number"])
    return waybill.tracking_number


def cancel(*, tracking_number: str) -> None:
    updated = SandboxWaybill.objects.filter(tracking_number=tracking_number).update(cancelled_at=timezone.now())
    if not updated:
        raise ServiceRefused("not_found", f"waybill {tracking_number} does not exist")


def intercept(*, tracking_number: str) -> str:
    """Accept an interception of a parcel on its way (refused before pickup — cancel the number — and after
    delivery). Returns the sandbox's reference for the request."""
    from fulfilment.carriers.sandbox import sandbox_events

    waybill = SandboxWaybill.objects.filter(tracking_number=tracking_number, cancelled_at__isnull=True).first()
    if waybill is None:
        raise ServiceRefused("not_found", f"waybill {tracking_number} does not exist")
    events = sandbox_events(waybill, now=timezone.now())
    if not events:
        raise ServiceRefused("not_picked_up", f"{tracking_number} has not been picked up: cancel it instead")
    if events[-1]["kind"] == "delivered":
        raise ServiceRefused("already_delivered", f"{tracking_number} was already signed for")
    return f"INT-{waybill.pk}"


SANDBOX_ALLOTMENT = 3000


def branch_balances(*, shop_id: int, provider: str, carrier: Carrier) -> list[tuple[str, str, int]]:
    """(branch code, branch name, numbers left) of the shop's subscriptions with ``carrier`` at ``provider``, as
    the sandbox service counts them: the numbers the account started with (its first recorded balance, else
    3000) less the numbers issued on it since."""
    from fulfilment.models import Shipment, WaybillAccount

    rows = []
    for account in WaybillAccount.objects.filter(shop_id=shop_id, provider=provider, carrier=carrier).order_by("pk"):
        first = account.history.order_by("history_date").values_list("balance", flat=True).first()
        issued = Shipment.objects.filter(waybill_account=account).exclude(tracking_number="").count()
        rows.append((account.branch_code, account.branch_name, max((first or SANDBOX_ALLOTMENT) - issued, 0)))
    return rows
