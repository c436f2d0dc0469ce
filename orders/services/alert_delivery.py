"""Alert deliveries: every send of an alert to a notification channel is a row (``orders.AlertDelivery``), so
nothing is lost silently — staff see what went out, what is waiting and what was parked, and replay it.

Life of a delivery (one per alert, channel and escalation step)::

    (alert raised / escalated) ─▶ pending ──claim──▶ sending ──channel ok──▶ sent
      quiet hours: due when they end     │               └─ error ─▶ failed (back-off, config.retry) ─▶ … ─▶ parked
                                         │                   permanent error (wrong token, signature…) ─▶ parked
                                         └─ the alert was resolved before it went out ─▶ skipped
    staff replay (parked or failed ─▶ pending, attempts from 0); the sweeper every minute queues what is due

Deliveries are written in the transaction that raises or escalates the alert (``alert_deliveries_write``, called
by ``orders.services.alerts``) and sent by their own task after commit; sending claims the row by compare-and-set,
so two workers send it once, and calls the channel outside any transaction. Whether an error is worth retrying is
the sender's (``NotificationFailed.permanent`` / ``retry_after``, from the provider's real error codes).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.retry import retry_decide
from config.sweep import work_claim, work_replay, work_sweep
from config.tasks import enqueue_on_commit
from orders.models import Alert, AlertDelivery, NotificationChannel
from orders.notifications import NotificationFailed, channel_quiet_until, channel_send, channels_for, email_send
from orders.selectors import order_supervisors

log = logging.getLogger(__name__)

SEND_TASK = "orders.tasks.alert_delivery_send"
SWEEP_LEAD_SECONDS = 30
Status = AlertDelivery.Status


# --- writing -------------------------------------------------------------------------------------------------


def _supervisor_emails(alert: Alert) -> list[str]:
    """A red late shipment also goes to the order's supervisors by e-mail."""
    if alert.kind == Alert.Kind.SHIP_LATE and alert.severity == Alert.Severity.CRITICAL and alert.order is not None:
        return [u.email for u in order_supervisors(alert.order) if u.email]
    return []


@transaction.atomic(savepoint=False)
def alert_deliveries_write(*, alert: Alert, now: dt.datetime | None = None) -> list[AlertDelivery]:
    """Write the deliveries of ``alert`` at its current severity — one per channel that takes it, and the
    supervisors' e-mail when no e-mail channel does — and queue each due one on commit. Runs inside the
    transaction that raised or escalated the alert (its row created or locked there). Idempotent: a step already
    written is not written again. Returns the deliveries written now."""
    now = now or timezone.now()
    step = alert.severity
    emails = _supervisor_emails(alert)
    wanted: list[tuple[NotificationChannel | None, list[str], dt.datetime]] = []
    for channel in channels_for(severity=step, kind=alert.kind):
        extra = emails if channel.kind == NotificationChannel.Kind.EMAIL else []
        emails = [] if extra else emails  # the first e-mail channel carries them
        quiet_end = None if step == Alert.Severity.CRITICAL else channel_quiet_until(channel, now)
        wanted.append((channel, extra, quiet_end or now))
    if emails:
        wanted.append((None, emails, now))
    written = []
    for channel, extra, due in wanted:
        delivery, created = AlertDelivery.objects.get_or_create(
            alert=alert, channel=channel, step=step, defaults={"extra_emails": extra, "next_attempt_at": due}
        )
        if created:
            written.append(delivery)
            if due <= now:
                enqueue_on_commit(SEND_TASK, delivery.pk)
    if alert.notified_severity != step:
        Alert.objects.filter(pk=alert.pk).update(notified_severity=step)
        alert.notified_severity = step
    return written


def alert_text(alert: Alert) -> str:
    """The body of an alert's message: what kind, what it is about, the whole text, when."""
    lines = [f"- {alert.get_kind_display()}"]
    if alert.order is not None:
        order = alert.order
        lines.append(
            f"- 订单 {order.number}（{order.shop.name}），{order.get_status_display()}，"
            f"{order.paid_amount} {order.currency}"
        )
    elif alert.shop is not None:
        lines.append(f"- {alert.shop.name}（{alert.shop.code}）")
    if alert.sku is not None:
        lines.append(f"- SKU {alert.sku.code} {alert.sku.name}")
    if alert.message and alert.message != alert.title:
        lines.append(f"- {alert.message}")
    lines.append(f"- {timezone.localtime(alert.created_at):%Y-%m-%d %H:%M}")
    return "\n".join(lines)


# --- sending -------------------------------------------------------------------------------------------------


def alert_delivery_claim(delivery_id: int, *, now: dt.datetime) -> bool:
    """Compare-and-set: exactly one worker moves a due delivery to sending (one attempt more)."""
    return work_claim(
        AlertDelivery,
        delivery_id,
        due_statuses=AlertDelivery.DUE,
        claimed_status=Status.SENDING,
        now=now,
        lead_seconds=SWEEP_LEAD_SECONDS,
    )


def alert_delivery_send(delivery_id: int) -> str:
    """Send one delivery (the channel is called outside any transaction). Returns the status it ends in, or
    ``not_due`` when another worker has it or it is not due."""
    now = timezone.now()
    if not alert_delivery_claim(delivery_id, now=now):
        return "not_due"
    delivery = AlertDelivery.objects.select_related(
        "alert", "alert__order", "alert__order__shop", "alert__shop", "alert__sku", "channel"
    ).get(pk=delivery_id)
    alert = delivery.alert
    if alert.resolved_at is not None:
        return _finish(delivery, Status.SKIPPED)
    title = f"[{Alert.Severity(delivery.step).label}] {alert.title}"
    text = alert_text(alert)
    try:
        if delivery.channel is not None:
            channel_send(delivery.channel, title=title, text=text, extra_emails=delivery.extra_emails)
        else:
            email_send(title=title, text=text, recipients=delivery.extra_emails)
    except Exception as exc:  # noqa: BLE001 - recorded on the delivery, retried or parked
        return alert_delivery_fail(delivery, exc)
    return _finish(delivery, Status.SENT, sent_at=timezone.now())


def _finish(delivery: AlertDelivery, status: str, **fields) -> str:
    """Save the outcome of the claimed attempt — only while the claim is still this worker's."""
    fields.setdefault("error_code", "")
    fields.setdefault("last_error", "")
    AlertDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING, claimed_at=delivery.claimed_at).update(
        status=status, claimed_at=None, **fields
    )
    return status


def alert_delivery_fail(delivery: AlertDelivery, exc: BaseException) -> str:
    """Record a failed attempt: retried after config.retry's back-off, or parked (permanent, out of attempts)."""
    decision = retry_decide(exc, attempts=delivery.attempts)
    code = (exc.provider_code or exc.code) if isinstance(exc, NotificationFailed) else type(exc).__name__
    log.warning("alert delivery %s (alert %s) failed: %s", delivery.pk, delivery.alert_id, exc)
    return _finish(
        delivery,
        Status.PARKED if decision.give_up else Status.FAILED,
        next_attempt_at=decision.next_attempt_at,
        error_code=str(code)[:64],
        last_error=f"{type(exc).__name__}: {exc}"[:4000],
    )


@transaction.atomic
def alert_deliveries_replay(*, delivery_ids: Iterable[int]) -> int:
    """Send parked (or failing) deliveries again now, with a fresh set of attempts. Returns how many."""
    replayable = AlertDelivery.objects.filter(pk__in=list(delivery_ids), status__in=AlertDelivery.REPLAYABLE)
    ids = work_replay(replayable, status=Status.PENDING)
    for pk in ids:
        enqueue_on_commit(SEND_TASK, pk)
    return len(ids)


def alert_deliveries_retry_due(*, limit: int = 500) -> dict[str, int]:
    """Sweeper (every minute): count a claim whose worker never finished as a failed attempt, then queue the
    deliveries due now or within ``SWEEP_LEAD_SECONDS`` (retries, and those held by quiet hours)."""
    sweep = work_sweep(
        AlertDelivery,
        due_statuses=AlertDelivery.DUE,
        claimed_status=Status.SENDING,
        claim_expiry_seconds=settings.ALERT_DELIVERY_CLAIM_EXPIRY_SECONDS,
        fail=alert_delivery_fail,
        task=SEND_TASK,
        lead_seconds=SWEEP_LEAD_SECONDS,
        limit=limit,
    )
    return {"expired": sweep.expired, "queued": sweep.queued}
