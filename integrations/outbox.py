"""The outbox: calls to platforms (ship confirmations, stock pushes, delivery checks, refund decisions —
``integrations.refunds``) written in the same transaction as the
change that caused them, delivered after commit, retried like the inbox.

Life of a message::

    pending ──claim──▶ processing ──▶ done
       ▲                   ├─ error ─▶ failed (back-off) ──▶ … ──▶ dead (after the last attempt)
       │                   └─ a newer stock level for the same SKU is waiting ─▶ superseded (not sent)
       └── sweeper (due retries), staff "retry now"

At most one undelivered message exists per (shop, kind, dedup key) — a database constraint: a newer
stock level overwrites the pending one (last value wins, one call instead of many), and a ship
confirmation for the same parcel is written once.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.retry import retry_decide
from config.sweep import work_claim, work_replay, work_sweep
from config.tasks import enqueue_on_commit
from integrations.exceptions import PlatformError
from integrations.models import DUE_STATUSES, OutboxMessage, ShopConnection, WorkStatus
from integrations.platforms import adapter_for, supported
from integrations.tokens import TokenRefresher
from orders.shaping.split import order_platform_parts

log = logging.getLogger(__name__)

DELIVER_TASK = "integrations.tasks.outbox_deliver"
Kind = OutboxMessage.Kind
REFUND_KINDS = frozenset({Kind.REFUND_AGREE, Kind.RETURN_AGREE, Kind.REFUND_REFUSE})


def _connection(shop_id: int) -> ShopConnection | None:
    connection = ShopConnection.objects.select_related("shop").filter(shop_id=shop_id, is_enabled=True).first()
    if connection is None or not supported(connection.shop.platform):
        return None
    return connection


@transaction.atomic(savepoint=False)
def _pending_upsert(
    *, shop_id: int, kind: str, dedup_key: str, payload: dict[str, Any], order_id: int | None = None
) -> OutboxMessage:
    for _attempt in range(3):
        updated = OutboxMessage.objects.filter(
            shop_id=shop_id, kind=kind, dedup_key=dedup_key, status__in=DUE_STATUSES
        ).update(payload=payload)
        if updated:
            return OutboxMessage.objects.filter(
                shop_id=shop_id, kind=kind, dedup_key=dedup_key, status__in=DUE_STATUSES
            ).get()
        try:
            with transaction.atomic():
                return OutboxMessage.objects.create(
                    shop_id=shop_id,
                    kind=kind,
                    dedup_key=dedup_key,
                    payload=payload,
                    order_id=order_id,
                    created_at=timezone.now(),
                    next_attempt_at=timezone.now(),
                )
        except IntegrityError:
            continue  # another transaction wrote the pending row first: update that one
    raise RuntimeError(f"could not write outbox message {kind} {dedup_key}")


@transaction.atomic(savepoint=False)
def stock_push_enqueue(*, shop_id: int, sku_id: int, quantity: int) -> bool:
    """``settings.INVENTORY_STOCK_PUSHER``: queue pushing ``quantity`` sellable of the SKU to the shop's
    platform. Runs inside inventory's transaction. Returns False when the shop cannot receive pushes (no
    enabled connection, or its platform has no stock API here) — inventory then keeps the row dirty."""
    from inventory.models import SKU

    connection = _connection(shop_id)
    if connection is None or "stock" not in adapter_for(connection.shop.platform).capabilities:
        return False
    sku_code = SKU.objects.filter(pk=sku_id).values_list("code", flat=True).first()
    if sku_code is None:
        return False
    message = _pending_upsert(
        shop_id=shop_id,
        kind=Kind.STOCK_PUSH,
        dedup_key=f"sku:{sku_id}",
        payload={"sku_id": sku_id, "sku_code": sku_code, "quantity": int(quantity)},
    )
    enqueue_on_commit(DELIVER_TASK, message.pk)
    return True


@transaction.atomic(savepoint=False)
def ship_confirmation_enqueue(*, order, carrier_code: str, tracking_number: str) -> list[OutboxMessage]:
    """Queue telling the platform that ``order`` shipped with ``tracking_number``: one message per platform
    order the parcel carries (a merged order stands for several; ``orders.shaping.order_platform_parts``).
    ``carrier_code`` is the platform's own code (``integrations.carriers.carrier_code_for_platform``). Call it
    in the transaction that records the shipment.

    A platform order whose lines were split over several parcels is confirmed with the sub-order ids and
    quantities of this parcel where the platform takes them (capability ``ship_partial``); on the others it is
    confirmed once, with its first parcel (they take one confirmation per platform order). Orders of shops
    without a platform connection (POS, own site) → []."""
    connection = _connection(order.shop_id)
    if connection is None:
        return []
    partial = "ship_partial" in adapter_for(connection.shop.platform).capabilities
    messages = []
    for part in order_platform_parts(order):
        lines = [{"id": line_id, "quantity": quantity} for line_id, quantity in part.lines]
        if part.split and partial and all(line["id"] for line in lines):
            key = f"ship:{order.pk}:{part.external_id}:{tracking_number}"
        elif part.split:
            key, lines = f"ship:{part.external_id}", []
            first = (
                OutboxMessage.objects.filter(shop_id=order.shop_id, kind=Kind.SHIP_CONFIRM, dedup_key=key[:128])
                .exclude(status=WorkStatus.SUPERSEDED)
                .first()
            )
            if first is not None:  # an earlier parcel confirms (or confirmed) this platform order
                messages.append(first)
                continue
        else:
            key, lines = f"ship:{order.pk}:{part.external_id}:{tracking_number}", []
        key = key[:128]
        done = OutboxMessage.objects.filter(
            shop_id=order.shop_id, kind=Kind.SHIP_CONFIRM, dedup_key=key, status=WorkStatus.DONE
        ).first()
        if done is not None:
            messages.append(done)
            continue
        message = _pending_upsert(
            shop_id=order.shop_id,
            kind=Kind.SHIP_CONFIRM,
            dedup_key=key,
            order_id=order.pk,
            payload={
                "external_id": part.external_id,
                "order_number": order.number,
                "carrier_code": carrier_code,
                "tracking_number": tracking_number,
                "lines": lines,
            },
        )
        enqueue_on_commit(DELIVER_TASK, message.pk)
        messages.append(message)
    return messages


@transaction.atomic(savepoint=False)
def delivery_check_enqueue(*, order, shipment_id: int) -> list[OutboxMessage]:
    """Tracking says the parcel was delivered: confirm it to platforms that learn deliveries only from the
    merchant (Shopify), or ask the platform until it shows the order signed for (or completed); then tell
    fulfilment (``shipment_platform_delivered``), which clears the level-3 exception. One check per platform
    order the parcel carries, traced like the ship confirmation (a merged order stands for several; a split
    child, which has no platform order id of its own, for its parent's). Orders of shops without a platform
    connection → [] (they have no level-3 check)."""
    from fulfilment.models import Shipment

    connection = _connection(order.shop_id)
    if connection is None:
        return []
    platform_ids = [part.external_id for part in order_platform_parts(order)]
    if not platform_ids:
        return []
    shipment = Shipment.objects.filter(pk=shipment_id).values("tracking_number", "delivered_at").first() or {}
    delivered_at = shipment.get("delivered_at")
    messages = []
    for index, external_id in enumerate(platform_ids):
        message = _pending_upsert(
            shop_id=order.shop_id,
            kind=Kind.DELIVERY_CHECK,
            dedup_key=(f"delivered:{shipment_id}" if index == 0 else f"delivered:{shipment_id}:{external_id}")[:128],
            order_id=order.pk,
            payload={
                "external_id": external_id,
                "shipment_id": shipment_id,
                "tracking_number": shipment.get("tracking_number") or "",
                "delivered_at": (delivered_at or timezone.now()).isoformat(),
            },
        )
        enqueue_on_commit(DELIVER_TASK, message.pk)
        messages.append(message)
    return messages


# Platform statuses that mean the buyer has the parcel (beyond Order Hub's "completed" target).
SIGNED_STATUSES = frozenset({"TRADE_BUYER_SIGNED", "TRADE_FINISHED", "FINISHED_L", "3", "5"})


def _delivery_check(client, adapter, payload: dict[str, Any]) -> dict[str, Any]:
    from fulfilment.services import shipment_platform_delivered

    if payload.get("tracking_number"):
        confirmed = client.delivery_confirm(
            external_id=payload["external_id"],
            tracking_number=payload["tracking_number"],
            delivered_at=payload.get("delivered_at") or timezone.now().isoformat(),
        )
        if confirmed is not None:  # the platform learns deliveries from us: told, so it shows it now
            shipment_platform_delivered(shipment_id=payload["shipment_id"])
            return {"delivery_confirmed": confirmed}
    native = client.order_get(payload["external_id"])
    seen = adapter.to_platform_order(native).order
    if seen.target_status != "completed" and str(seen.platform_status) not in SIGNED_STATUSES:
        raise PlatformError(
            _("the platform does not show order %(external_id)s delivered yet (%(seen_platform_status)s).")
            % {"external_id": payload["external_id"], "seen_platform_status": seen.platform_status}
        )
    shipment_platform_delivered(shipment_id=payload["shipment_id"])
    return {"platform_status": str(seen.platform_status)}


# --- delivery ----------------------------------------------------------------------------------------------


def outbox_claim(message_id: int) -> bool:
    return work_claim(OutboxMessage, message_id, due_statuses=DUE_STATUSES, claimed_status=WorkStatus.PROCESSING)


def outbox_deliver(message_id: int) -> str:
    """Send one outbox message (network outside any transaction). Returns the status it ends in."""
    if not outbox_claim(message_id):
        return "not_due"
    message = OutboxMessage.objects.select_related("shop").get(pk=message_id)
    if message.kind == Kind.STOCK_PUSH:
        newer = (
            OutboxMessage.objects.filter(
                shop=message.shop, kind=message.kind, dedup_key=message.dedup_key, pk__gt=message.pk
            )
            .exclude(status__in=[WorkStatus.DEAD, WorkStatus.SUPERSEDED])
            .exists()
        )
        if newer:
            OutboxMessage.objects.filter(pk=message.pk, status=WorkStatus.PROCESSING).update(
                status=WorkStatus.SUPERSEDED
            )
            return WorkStatus.SUPERSEDED
    try:
        connection = ShopConnection.objects.select_related("shop").get(shop=message.shop)
        client = adapter_for(message.shop.platform).client(connection)
        tokens = TokenRefresher(client)  # an expired token is refreshed once and the call made again
        payload = message.payload
        if message.kind == Kind.DELIVERY_CHECK:
            response = tokens.call(_delivery_check, client, adapter_for(message.shop.platform), payload)
        elif message.kind in REFUND_KINDS:
            from integrations.refunds import refund_decision_send

            response = tokens.call(refund_decision_send, client, connection, message)
        elif message.kind == Kind.SHIP_CONFIRM:
            response = tokens.call(
                client.ship_confirm,
                external_id=payload["external_id"],
                carrier_code=payload["carrier_code"],
                tracking_number=payload["tracking_number"],
                lines=[(line["id"], int(line["quantity"])) for line in payload.get("lines") or []],
            )
        else:
            response = tokens.call(client.stock_update, sku_code=payload["sku_code"], quantity=payload["quantity"])
    except Exception as exc:  # noqa: BLE001 - recorded on the message
        return outbox_fail(message, exc)
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk, status=WorkStatus.PROCESSING).update(
            status=WorkStatus.DONE, sent_at=timezone.now(), response=_jsonable(response), last_error="", error_code=""
        )
        if message.kind == Kind.STOCK_PUSH:
            _stock_acknowledged(message)
    return WorkStatus.DONE


def _stock_acknowledged(message: OutboxMessage) -> None:
    """Tell inventory the platform now shows this quantity (if inventory offers the hook)."""
    from inventory import services as inventory_services

    mark = getattr(inventory_services, "channel_stock_mark_pushed", None)
    if mark is not None:
        mark(shop_id=message.shop_id, sku_id=message.payload["sku_id"], quantity=message.payload["quantity"])


def _jsonable(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {"answer": str(value)}


def outbox_fail(message: OutboxMessage, exc: Exception) -> str:
    attempts = OutboxMessage.objects.filter(pk=message.pk).values_list("attempts", flat=True).first() or 1
    decision = retry_decide(exc, attempts=attempts)
    status = WorkStatus.DEAD if decision.give_up else WorkStatus.FAILED
    next_at = decision.next_attempt_at
    waiting = (
        OutboxMessage.objects.filter(
            shop_id=message.shop_id, kind=message.kind, dedup_key=message.dedup_key, status__in=DUE_STATUSES
        )
        .exclude(pk=message.pk)
        .exists()
    )
    if waiting:
        status = WorkStatus.SUPERSEDED  # a newer message for the same key was written meanwhile; it will be sent
    log.warning("outbox %s %s %s: %s", message.pk, message.kind, status, exc)
    values = {
        "next_attempt_at": next_at,
        "last_error": f"{type(exc).__name__}: {exc}"[:4000],
        "error_code": str(getattr(exc, "code", "") or type(exc).__name__)[:64],
    }
    try:
        with transaction.atomic():
            OutboxMessage.objects.filter(pk=message.pk, status=WorkStatus.PROCESSING).update(status=status, **values)
    except IntegrityError:  # a newer message for the key appeared just now
        status = WorkStatus.SUPERSEDED
        OutboxMessage.objects.filter(pk=message.pk, status=WorkStatus.PROCESSING).update(status=status, **values)
    if status == WorkStatus.DEAD and message.kind in REFUND_KINDS:
        from integrations.refunds import refund_decision_parked

        refund_decision_parked(message, exc)
    return status


def outbox_retry_due(*, limit: int = 500) -> int:
    return work_sweep(
        OutboxMessage,
        due_statuses=DUE_STATUSES,
        claimed_status=WorkStatus.PROCESSING,
        claim_expiry_seconds=settings.INTEGRATIONS_CLAIM_EXPIRY_SECONDS,
        fail=outbox_fail,
        task=DELIVER_TASK,
        limit=limit,
    ).queued


@transaction.atomic
def outbox_retry(*, message_ids: list[int]) -> int:
    """Staff: send failed or dead messages again now, with a fresh set of attempts. A dead message whose key
    already has a newer pending one is left alone (the newer one wins)."""
    count = 0
    for message in OutboxMessage.objects.filter(pk__in=message_ids, status__in=[WorkStatus.FAILED, WorkStatus.DEAD]):
        try:
            with transaction.atomic():
                unchanged = OutboxMessage.objects.filter(pk=message.pk, status=message.status)
                changed = work_replay(unchanged, status=WorkStatus.PENDING)
        except IntegrityError:
            continue
        if changed:
            count += 1
            enqueue_on_commit(DELIVER_TASK, message.pk)
    return count
