"""E-waybills and the label breaker.

Before a label prints, the breaker checks what would make the parcel fail on the road or on the platform:
an inactive carrier, an address the carrier cannot route, a weight over the carrier's limit, a carrier the
order's platform has no code for — then which e-waybill account issues the number: the platform's own
service for a platform order (the only one that may read its encrypted receiver), else a carrier-direct or
aggregator account, else Order Hub's carrier protocol. Then the service is asked for a tracking number
(outside any transaction); a failed request also blocks. A blocked parcel shows its reason and cannot print
until staff fix the cause (carrier, weight, account) and try again.

A number that will not be used (the parcel was cancelled, or labelled again with another carrier or
weight) is given back to the service that issued it (``WaybillCancellation``, processed after commit).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.messages import Message, message, message_label, message_stored
from config.sweep import work_claim, work_fail, work_replay, work_sweep
from config.tasks import enqueue_on_commit
from fulfilment import geo
from fulfilment.carriers.adapters import CarrierCallFailed, WaybillRequest, adapter_for
from fulfilment.carriers.adapters.base import AccountRef, Party
from fulfilment.carriers.adapters.registry import provider_adapter
from fulfilment.carriers.library import carrier_platform_code
from fulfilment.exceptions import CarrierNotMapped, LabelBlocked, ShipmentStateError
from fulfilment.models import (
    PLATFORM_SERVICE,
    BlockReason,
    Shipment,
    WaybillAccount,
    WaybillAttempt,
    WaybillCancellation,
    WaybillProvider,
)
from fulfilment.models.written import (
    BLOCKED_ADDRESS,
    BLOCKED_CARRIER_INACTIVE,
    BLOCKED_NO_BALANCE,
    BLOCKED_OVERWEIGHT,
    BLOCKED_PLATFORM_WAYBILL,
    BLOCKED_WAYBILL_FAILED,
    CANCEL_FAILED,
    PARCEL_CHANGED,
    SUBSCRIPTION_ENDED,
)
from fulfilment.selectors import packing_instructions
from orders.models import Platform

PRINTABLE = (Shipment.Status.PACKED, Shipment.Status.BLOCKED)
CANCEL_TASK = "fulfilment.tasks.waybill_cancellation_process"


def waybill_account_choose(*, shipment: Shipment) -> tuple[WaybillAccount | None, tuple[str, Message] | None]:
    """The account that issues this parcel's number, or why none may: ``(account, None)``, ``(None, None)``
    for Order Hub's carrier protocol, or ``(None, (BlockReason, detail))``. No network."""
    order = shipment.order
    platform = order.shop.platform
    accounts = WaybillAccount.objects.filter(carrier=shipment.carrier, is_active=True).order_by("priority", "pk")
    service = PLATFORM_SERVICE.get(platform)
    if service is not None:
        own = accounts.filter(provider=service, shop=order.shop).first()
        if own is not None:
            return own, None
        if order.consignee_cipher:
            return None, (
                BlockReason.PLATFORM_WAYBILL_REQUIRED,
                message(
                    BLOCKED_PLATFORM_WAYBILL,
                    platform=message_label(Platform(platform).label),
                    service=message_label(WaybillProvider(service).label),
                    carrier=shipment.carrier.name,
                    shop=order.shop.name,
                ),
            )
    direct = (
        accounts.exclude(provider__in=list(PLATFORM_SERVICE.values()))
        .filter(Q(shop=order.shop) | Q(shop__isnull=True))
        .order_by(F("shop").asc(nulls_last=True), "priority", "pk")
        .first()
    )
    return direct, None


def label_breaker_check(*, shipment: Shipment) -> tuple[str, Message] | None:
    """``(BlockReason, detail)`` when the label must not print, else None; the detail is a message
    (``config.messages``), read in each reader's language. No network."""
    order = shipment.order
    carrier = shipment.carrier
    if not carrier.is_active:
        return BlockReason.CARRIER_INACTIVE, message(BLOCKED_CARRIER_INACTIVE, c=str(carrier))
    check = geo.address_check(
        province=order.province, city=order.city, address=order.address, has_cipher=bool(order.consignee_cipher)
    )
    if not check.ok:
        return BlockReason.ADDRESS_UNPARSEABLE, message(BLOCKED_ADDRESS, p=check.problem)
    if shipment.weight_grams > carrier.max_weight_grams:
        return BlockReason.OVERWEIGHT, message(
            BLOCKED_OVERWEIGHT,
            w=f"{shipment.weight_grams / 1000:.1f}",
            c=carrier.name,
            m=f"{carrier.max_weight_grams / 1000:.1f}",
        )
    try:
        carrier_platform_code(carrier=carrier, platform=order.shop.platform)
    except CarrierNotMapped as exc:
        return BlockReason.NO_PLATFORM_CODE, exc.said
    account, refused = waybill_account_choose(shipment=shipment)
    if refused is not None:
        return refused
    if account is not None and (
        not account.subscription_active or (account.balance is not None and account.balance <= 0)
    ):
        return BlockReason.NO_WAYBILL_BALANCE, message(
            BLOCKED_NO_BALANCE,
            provider=message_label(WaybillProvider(account.provider).label),
            carrier=account.carrier_id,
            branch=account.branch_name or account.branch_code or "—",
            n=account.balance if account.subscription_active else message(SUBSCRIPTION_ENDED),
        )
    return None


def waybill_request_build(*, shipment: Shipment, account: WaybillAccount | None) -> WaybillRequest:
    """The request for this parcel's number: sender from the account (else the warehouse), receiver as the
    order holds it — masked values with the platform's ciphertexts, never decrypted."""
    order = shipment.order
    wh = shipment.warehouse
    sender = Party(name=wh.name, phone="", province=wh.province, city=wh.city, district="", address=wh.address)
    ref = AccountRef()
    if account is not None:
        sender = Party(
            name=account.sender_name or wh.name,
            phone=account.sender_phone,
            province=account.sender_province or wh.province,
            city=account.sender_city or wh.city,
            district=account.sender_district,
            address=account.sender_address or wh.address,
        )
        ref = AccountRef.of(account)
    try:
        platform_code = carrier_platform_code(carrier=shipment.carrier, platform=order.shop.platform)
    except CarrierNotMapped:
        platform_code = ""
    items = tuple(
        (line.sku.name or line.sku.code, line.to_ship) for line in order.lines.select_related("sku") if line.to_ship > 0
    )
    return WaybillRequest(
        carrier_code=shipment.carrier.code,
        order_reference=order.number,
        sender=sender,
        receiver=Party(
            name=order.consignee_name,
            phone=order.consignee_phone,
            province=geo.province_normalise(order.province) or order.province,
            city=order.city,
            district=order.district,
            address=order.address,
        ),
        weight_grams=shipment.weight_grams,
        receiver_cipher=order.consignee_cipher or {},
        insured="保价" in (order.tags or []),
        cold_chain="需冰袋" in (order.tags or []),
        platform=order.shop.platform,
        platform_order_id=order.external_id or "",
        platform_carrier_code=platform_code,
        items=items,
        account=ref,
        request_id=f"{order.number}-{shipment.pk}",
    )


def waybill_adapter(*, carrier, account: WaybillAccount | None, ref: AccountRef | None = None):
    if account is None and (ref is None or ref.id is None):
        return adapter_for(carrier)
    return provider_adapter(ref or AccountRef(id=account.pk, provider=account.provider), carrier.code)


def shipment_label_print(*, shipment: Shipment, actor=None) -> Shipment:
    """Get the e-waybill for a packed parcel. A printed label is returned as it is (reprint). Raises
    ``LabelBlocked`` (reason and detail in ``extra``) when the breaker stops it."""
    shipment = Shipment.objects.select_related("order__shop", "carrier", "warehouse").get(pk=shipment.pk)
    if shipment.status not in PRINTABLE:
        if shipment.tracking_number:
            return shipment
        raise ShipmentStateError(_("This parcel is %(s)s.") % {"s": shipment.get_status_display()})
    blocked = label_breaker_check(shipment=shipment)
    if blocked is not None:
        _block(shipment=shipment, reason=blocked[0], detail=blocked[1], actor=actor)
    account, _refused = waybill_account_choose(shipment=shipment)
    request = waybill_request_build(shipment=shipment, account=account)
    started = time.monotonic()
    try:
        result = waybill_adapter(carrier=shipment.carrier, account=account, ref=request.account).waybill_request(
            request
        )
    except CarrierCallFailed as exc:
        _block(
            shipment=shipment,
            reason=BlockReason.WAYBILL_FAILED,
            detail=message(BLOCKED_WAYBILL_FAILED, c=shipment.carrier.name, m=exc.message),
            actor=actor,
            response=exc.body if isinstance(exc.body, dict) else {"error": str(exc.body)[:500], "code": exc.code},
            duration_ms=int((time.monotonic() - started) * 1000),
            account=account,
        )
    duration = int((time.monotonic() - started) * 1000)
    changed = message(PARCEL_CHANGED)  # why the number is not used, if the parcel changed meanwhile
    with transaction.atomic():
        updated = Shipment.objects.filter(pk=shipment.pk, status__in=PRINTABLE).update(
            status=Shipment.Status.LABELLED,
            tracking_number=result.tracking_number,
            label=_label_data(shipment, result, account),
            label_printed_at=timezone.now(),
            waybill_account=account,
            block_reason="",
            block_message="",
            block_message_message=None,
        )
        WaybillAttempt.objects.create(
            shipment=shipment,
            carrier=shipment.carrier,
            ok=bool(updated),
            tracking_number=result.tracking_number,
            response=result.label,
            duration_ms=duration,
            message="" if updated else changed,
            message_message=None if updated else message_stored(changed),
            actor=_user(actor),
        )
        if account is not None and updated:
            WaybillAccount.objects.filter(pk=account.pk, balance__isnull=False).update(balance=F("balance") - 1)
            enqueue_on_commit("fulfilment.tasks.waybill_balance_check", account.pk)
        if not updated:  # someone else labelled or changed it meanwhile: this number is not used
            _cancellation_queue(
                shipment=shipment,
                tracking_number=result.tracking_number,
                account=account,
                reason=changed,
            )
    shipment.refresh_from_db()
    return shipment


def _label_data(shipment: Shipment, result, account: WaybillAccount | None) -> dict:
    instructions = packing_instructions(order=shipment.order)
    data = {
        **result.label,
        "tracking_number": result.tracking_number,
        "carrier": shipment.carrier.code,
        "instructions": instructions,
        "provider": account.provider if account else WaybillProvider.SANDBOX,
    }
    if result.print_data:
        data["print_data"] = result.print_data
    return data


def _block(
    *,
    shipment: Shipment,
    reason: str,
    detail: Message,
    actor,
    response: dict | None = None,
    duration_ms: int = 0,
    account: WaybillAccount | None = None,
):
    """Block the parcel: its detail is stored in English with its message (``Shipment.block_message_display``)
    and raised in the language of whoever asked for the label."""
    with transaction.atomic():
        Shipment.objects.filter(pk=shipment.pk, status__in=PRINTABLE).update(
            status=Shipment.Status.BLOCKED,
            block_reason=reason,
            block_message=detail[:255],
            block_message_message=message_stored(detail),
        )
        WaybillAttempt.objects.create(
            shipment=shipment,
            carrier=shipment.carrier,
            ok=False,
            block_reason=reason,
            message=detail[:255],
            message_message=message_stored(detail),  # WaybillAttempt.message_display
            response=response or {},
            duration_ms=duration_ms,
            actor=_user(actor),
        )
    raise LabelBlocked(detail, extra={"reason": reason, "shipment": shipment.pk, "order": shipment.order.number})


def _user(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


# --- numbers given back -------------------------------------------------------------------------------------


@transaction.atomic(savepoint=False)
def _cancellation_queue(*, shipment: Shipment, tracking_number: str, account, reason: str) -> WaybillCancellation:
    cancellation, created = WaybillCancellation.objects.get_or_create(
        carrier=shipment.carrier,
        tracking_number=tracking_number,
        defaults={
            "shipment": shipment,
            "waybill_account": account,
            "reason": reason[:100],
            "reason_message": message_stored(reason),  # WaybillCancellation.reason_display
        },
    )
    if created:
        enqueue_on_commit(CANCEL_TASK, cancellation.pk)
    return cancellation


@transaction.atomic(durable=True)
def shipment_label_void(*, shipment: Shipment, reason: str, cancel_parcel: bool = False) -> Shipment:
    """Give a printed but unshipped label's number back: the parcel goes back to packed (to be labelled
    again, with another carrier or weight) or, with ``cancel_parcel``, is cancelled. The number is cancelled
    at the service that issued it after commit. A parcel that left the warehouse keeps its number. A ``reason``
    made with ``config.messages.message`` is shown in each reader's language; one a person typed, as typed."""
    shipment = Shipment.objects.select_for_update().select_related("carrier").get(pk=shipment.pk)
    if shipment.status not in (Shipment.Status.LABELLED, *PRINTABLE):
        raise ShipmentStateError(
            _("This parcel is %(s)s: its waybill number is in use.") % {"s": shipment.get_status_display()}
        )
    if shipment.tracking_number:
        _cancellation_queue(
            shipment=shipment, tracking_number=shipment.tracking_number, account=shipment.waybill_account, reason=reason
        )
    shipment.status = Shipment.Status.CANCELLED if cancel_parcel else Shipment.Status.PACKED
    shipment.tracking_number = "" if not cancel_parcel else shipment.tracking_number
    shipment.label = {}
    shipment.label_printed_at = None
    shipment.waybill_account = None
    shipment.block_reason = ""
    shipment.block_message = ""
    shipment.block_message_message = None
    shipment.save()
    return shipment


CANCEL_DUE = (WaybillCancellation.Status.PENDING, WaybillCancellation.Status.FAILED)
CANCEL_REPLAYABLE = (WaybillCancellation.Status.PARKED, WaybillCancellation.Status.FAILED)


def waybill_cancellation_process(*, cancellation_id: int) -> str:
    """Cancel one freed number at its service (network outside transactions). Claimed by compare-and-set once due
    (``config.sweep.work_claim``), so two workers never both cancel it nor both credit the account. A failure is
    retried after config.retry's back-off (``waybill_cancellations_retry``) and parked when the policy gives up;
    staff cancel again from the admin."""
    done_status = WaybillCancellation.Status.DONE
    claimed = work_claim(
        WaybillCancellation,
        cancellation_id,
        due_statuses=CANCEL_DUE,
        claimed_status=WaybillCancellation.Status.PROCESSING,
    )
    cancellation = (
        WaybillCancellation.objects.select_related("shipment__order__shop", "shipment__warehouse", "carrier")
        .filter(pk=cancellation_id)
        .first()
    )
    if cancellation is None or not claimed:
        return cancellation.status if cancellation else "missing"
    account = cancellation.waybill_account
    shipment = cancellation.shipment
    shipment.carrier = cancellation.carrier
    request = waybill_request_build(shipment=shipment, account=account)
    try:
        waybill_adapter(carrier=cancellation.carrier, account=account, ref=request.account).waybill_cancel(
            tracking_number=cancellation.tracking_number, request=request
        )
    except CarrierCallFailed as exc:
        return waybill_cancellation_fail(cancellation, exc)
    # The number is cancelled at its service: recorded once, and the account credited once with it — even when this
    # worker's claim expired meanwhile (the cancellation is due again, or taken by another worker).
    with transaction.atomic():
        done = (
            WaybillCancellation.objects.filter(pk=cancellation.pk)
            .exclude(status=done_status)
            .update(status=done_status, error="", done_at=timezone.now(), claimed_at=None)
        )
        if done and account is not None:
            WaybillAccount.objects.filter(pk=account.pk, balance__isnull=False).update(balance=F("balance") + 1)
    return done_status


def waybill_cancellation_fail(cancellation: WaybillCancellation, exc: BaseException) -> str:
    """Record a failed attempt of a claimed cancellation: retried after config.retry's back-off, or parked."""
    return work_fail(
        cancellation,
        exc,
        claimed_status=WaybillCancellation.Status.PROCESSING,
        failed_status=WaybillCancellation.Status.FAILED,
        dead_status=WaybillCancellation.Status.PARKED,
        error=message(CANCEL_FAILED, code=exc.code, error=exc.message) if isinstance(exc, CarrierCallFailed) else None,
        error_message_field="error_message",  # WaybillCancellation.error_display
    )


def waybill_cancellations_retry(*, now=None) -> int:
    """The sweeper: a claim whose worker never finished counts as a failed attempt; then every cancellation due
    (pending — its task was lost — or failed and its back-off over) is queued. Returns how many were queued."""
    return work_sweep(
        WaybillCancellation,
        due_statuses=CANCEL_DUE,
        claimed_status=WaybillCancellation.Status.PROCESSING,
        claim_expiry_seconds=settings.FULFILMENT_WAYBILL_CANCEL_CLAIM_EXPIRY_SECONDS,
        fail=waybill_cancellation_fail,
        task=CANCEL_TASK,
        limit=200,
        now=now,
    ).queued


def waybill_cancellation_retry_now(*, cancellation: WaybillCancellation) -> str:
    """Staff cancel a parked (or failed) number again: its attempts start again from 0. A number being cancelled
    or already cancelled is left alone."""
    stopped = WaybillCancellation.objects.filter(pk=cancellation.pk, status__in=CANCEL_REPLAYABLE)
    work_replay(stopped, status=WaybillCancellation.Status.FAILED)
    return waybill_cancellation_process(cancellation_id=cancellation.pk)
