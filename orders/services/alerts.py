"""The one alert service: every app raises, resolves, acknowledges and assigns its alerts here.

- ``alert_raise``: open an alert for a key, or update the open one (escalating its severity, never lowering it).
  One open alert per key (a partial unique index); ``once=True`` raises a key at most once ever (a daily
  health check: resolved today, not raised again today).
- ``alerts_resolve`` (a monitor's alerts whose cause has gone) and ``alert_resolve`` (by key or id).
- A new or escalated alert gets one delivery per channel that takes it (``orders.services.alert_delivery``),
  written in the same transaction and sent after commit — retried, parked and replayed there. ``alert_notify``
  writes them later for an alert raised with ``notify=False``.
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
from orders.models import Alert, Order
from orders.notifications import SEVERITY_RANK
from orders.services.alert_delivery import alert_deliveries_write


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
    Returns ``(alert, notify)``: notify is True when it is new or escalated (then its deliveries are written here,
    unless ``notify=False``: the caller writes them later with ``alert_notify``). With ``once`` a key that
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
            alert_deliveries_write(alert=alert)
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
        alert_deliveries_write(alert=alert)
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


@transaction.atomic
def alert_notify(*, alert_id: int) -> int:
    """Write the deliveries of an open alert at its current severity, if not written yet — for an alert raised
    with ``notify=False``. Returns how many deliveries were written."""
    alert = Alert.objects.select_for_update().filter(pk=alert_id).first()
    if alert is None or alert.resolved_at is not None:
        return 0
    previous = alert.notified_severity
    if previous and SEVERITY_RANK[previous] >= SEVERITY_RANK[alert.severity]:
        return 0
    return len(alert_deliveries_write(alert=alert))


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
