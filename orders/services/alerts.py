"""The one alert service: every app raises, resolves, acknowledges and assigns its alerts here.

- ``alert_raise``: open an alert for a key, or update the open one (escalating its severity, never lowering it).
  One open alert per key (a partial unique index); ``once=True`` raises a key at most once ever (a daily
  health check: resolved today, not raised again today).
- ``alerts_resolve`` (a monitor's alerts whose cause has gone) and ``alert_resolve`` (by key or id).
- ``alert_notify``: a new or escalated alert goes to the notification channels once per severity
  (``orders.tasks.alert_notify``, queued on commit, network outside the transaction; claimed by compare-and-set).
- ``alert_acknowledge`` and ``alert_assign``: staff take it on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from config.tasks import enqueue_on_commit
from orders.models import Alert, Order
from orders.notifications import SEVERITY_RANK, NotificationFailed, notification_broadcast
from orders.selectors import order_supervisors

NOTIFY_TASK = "orders.tasks.alert_notify"


class AlertInvalid(ApplicationError):
    code = "alert_invalid"


@transaction.atomic
def alert_raise(
    *,
    kind: str,
    key: str,
    severity: str,
    title: str,
    order: Order | None = None,
    shop_id: int | None = None,
    sku_id: int | None = None,
    message: str = "",
    detail: dict[str, Any] | None = None,
    assignee=None,
    notify: bool = True,
    once: bool = False,
) -> tuple[Alert, bool]:
    """Open an alert for ``key`` or update the open one (escalating its severity, never lowering it).
    Returns ``(alert, notify)``: notify is True when it is new or escalated (then queued on commit, unless
    ``notify=False``: quiet hours, the caller sends it later with ``alert_notify``). With ``once`` a key that
    was ever raised is left alone (``(that alert, False)``)."""
    if once:
        earlier = Alert.objects.filter(key=key).order_by("-pk").first()
        if earlier is not None:
            return earlier, False
    alert = Alert.objects.select_for_update().filter(key=key, resolved_at__isnull=True).first()
    if alert is None:
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    kind=kind,
                    key=key,
                    severity=severity,
                    title=title[:200],
                    message=message,
                    order=order,
                    shop_id=shop_id if shop_id is not None else (order.shop_id if order is not None else None),
                    sku_id=sku_id,
                    detail=detail or {},
                    assignee=assignee,
                )
        except IntegrityError:  # a concurrent run opened it
            return Alert.objects.get(key=key, resolved_at__isnull=True), False
        if notify:
            enqueue_on_commit(NOTIFY_TASK, alert.pk)
        return alert, True
    escalate = SEVERITY_RANK[severity] > SEVERITY_RANK[alert.severity]
    alert.title = title[:200]
    alert.message = message or alert.message
    alert.detail = detail or alert.detail
    fields = ["title", "message", "detail", "updated_at"]
    if escalate:
        alert.severity = severity
        fields.append("severity")
        if assignee is not None and alert.assignee_id is None:
            alert.assignee = assignee
            fields.append("assignee")
    alert.save(update_fields=fields)
    if escalate and notify:
        enqueue_on_commit(NOTIFY_TASK, alert.pk)
    return alert, escalate


def _resolve(alerts, now: dt.datetime) -> int:
    resolved = 0
    for alert in alerts.order_by("pk"):
        alert.resolved_at = now
        alert.save(update_fields=["resolved_at", "updated_at"])  # one history row each
        resolved += 1
    return resolved


@transaction.atomic
def alerts_resolve(*, kind: str, keep: set[str], now: dt.datetime) -> int:
    """Resolve the open alerts of ``kind`` whose key is not in ``keep`` (their cause went away)."""
    return _resolve(Alert.objects.filter(kind=kind, resolved_at__isnull=True).exclude(key__in=keep), now)


@transaction.atomic
def alert_resolve(*, keys: Iterable[str] = (), alert_ids: Iterable[int] = (), now: dt.datetime | None = None) -> int:
    """Resolve the open alerts with these keys or ids (their cause was dealt with). Returns how many."""
    keys, alert_ids = list(keys), list(alert_ids)
    if not keys and not alert_ids:
        return 0
    open_alerts = Alert.objects.filter(resolved_at__isnull=True)
    wanted = open_alerts.filter(key__in=keys) | open_alerts.filter(pk__in=alert_ids)
    return _resolve(wanted, now or timezone.now())


def alert_notify(*, alert_id: int) -> dict[str, int]:
    """Send an alert at its current severity, once: claimed by compare-and-set on ``notified_severity``.
    If every channel fails the claim is given back (and the error raised) so the task's retry sends it."""
    alert = Alert.objects.select_related("order", "order__shop", "shop", "sku").filter(pk=alert_id).first()
    if alert is None or alert.resolved_at is not None:
        return {"sent": 0, "failed": 0}
    previous = alert.notified_severity
    if previous and SEVERITY_RANK[previous] >= SEVERITY_RANK[alert.severity]:
        return {"sent": 0, "failed": 0}
    claimed = Alert.objects.filter(pk=alert.pk, notified_severity=previous).update(notified_severity=alert.severity)
    if claimed != 1:
        return {"sent": 0, "failed": 0}
    emails = []
    if alert.kind == Alert.Kind.SHIP_LATE and alert.severity == Alert.Severity.CRITICAL and alert.order is not None:
        emails = [u.email for u in order_supervisors(alert.order) if u.email]
    result = notification_broadcast(
        title=f"[{alert.get_severity_display()}] {alert.title}",
        text=alert_text(alert),
        severity=alert.severity,
        kind=alert.kind,
        extra_emails=emails,
    )
    if result["failed"] and not result["sent"]:
        Alert.objects.filter(pk=alert.pk, notified_severity=alert.severity).update(notified_severity=previous)
        raise NotificationFailed(
            _("alert %(alert_pk)s: every notification channel failed") % {"alert_pk": alert.pk}, extra=result
        )
    return result


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


@transaction.atomic
def alert_acknowledge(*, alert_id: int, actor) -> Alert:
    alert = Alert.objects.select_for_update().get(pk=alert_id)
    if alert.acknowledged_at is None:
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at", "updated_at"])
    return alert


@transaction.atomic
def alert_assign(*, alert_id: int, assignee, actor) -> Alert:
    if assignee is not None and not assignee.is_active:
        raise AlertInvalid(
            _("%(value)s is not an active user.") % {"value": assignee.get_username()}, extra={"field": "assignee"}
        )
    alert = Alert.objects.select_for_update().get(pk=alert_id)
    alert.assignee = assignee
    alert.save(update_fields=["assignee", "updated_at"])
    return alert
