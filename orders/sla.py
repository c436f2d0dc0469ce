"""SLA watch: monitors run by django-q2 schedules (orders.tasks.SCHEDULES) that raise and resolve ``Alert``s.

- stuck: an order stays more than ``STUCK_AFTER`` in a status that should move on its own. Paid orders are
  reviewed automatically within seconds (``order_rules_apply``); ten minutes in paid means the automatic
  review did not run. Amber.
- ship_late: an order not shipped by its promised time turns red and notifies its supervisors (主管 with
  access to its shop, by e-mail, and the group robots), and is assigned to the first of them; two hours
  before, it is amber. Presale orders waiting for their balance are left out.
- phone_many_accounts: one consignee phone behind ``PHONE_ACCOUNTS_MIN`` or more buyer accounts in
  ``PHONE_ACCOUNTS_DAYS`` days. Amber.
- aftersales_deadline: an after-sales case the platform agrees by itself at its deadline (registered by
  aftersales, ``aftersales.sla``): amber before it runs out, red (a breach, counted) once it has.
- address_changes: an order whose address changed ``ADDRESS_CHANGES_MIN`` or more times in
  ``ADDRESS_CHANGES_DAYS`` days (timeline events with ``data["change"] == "address"``). Amber.

Alerts are raised, resolved and notified by ``orders.services.alerts`` (the one alert service of every app):
one open alert per key; a monitor resolves its open alerts whose cause has gone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from orders.masking import mask_phone
from orders.models import Alert, Order, OrderEvent
from orders.notifications import SEVERITY_RANK
from orders.selectors import order_supervisors
from orders.services.alerts import alert_raise, alerts_resolve
from orders.states import NOT_SHIPPED, HoldReason, Status

STUCK_AFTER = {Status.PAID: dt.timedelta(minutes=10)}
DUE_SOON = dt.timedelta(hours=2)
PHONE_ACCOUNTS_DAYS = 30
PHONE_ACCOUNTS_MIN = 3
ADDRESS_CHANGES_DAYS = 7
ADDRESS_CHANGES_MIN = 2
Kind = Alert.Kind
Severity = Alert.Severity


# --- monitors ----------------------------------------------------------------------------------------------


def _open_alert_severities(kind: str) -> dict[str, str]:
    """key → severity of the open alerts of ``kind``, in one query. A monitor runs every minute over every
    order in its state: an order whose alert is already open at that severity needs no write at all (no
    row lock, no update, no history row), so a run costs a few queries however many orders are waiting."""
    return dict(Alert.objects.filter(kind=kind, resolved_at__isnull=True).values_list("key", "severity"))


def sla_stuck_orders_flag(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    keep: set[str] = set()
    raised = 0
    open_alerts = _open_alert_severities(Kind.STUCK)
    for status, limit in STUCK_AFTER.items():
        entered = (
            OrderEvent.objects.filter(
                order=OuterRef("pk"), to_status=status, kind__in=[OrderEvent.Kind.TRANSITION, OrderEvent.Kind.CREATED]
            )
            .order_by("-at", "-id")
            .values("at")[:1]
        )
        stuck = (
            Order.objects.filter(status=status)
            .annotate(entered_at=Subquery(entered))
            .filter(entered_at__lt=now - limit)
            .select_related("shop")
        )
        for order in stuck:
            key = f"stuck:{order.pk}:{status}"
            keep.add(key)
            if key in open_alerts:  # raised before (amber, its start in detail["since"]): nothing changes
                continue
            minutes = int((now - order.entered_at).total_seconds() // 60)
            _alert, notify = alert_raise(
                kind=Kind.STUCK,
                key=key,
                severity=Severity.WARNING,
                order=order,
                title=_title(
                    _("%(number)s has been %(status)s for %(minutes)s min"),
                    number=order.number,
                    status=Status(status).label,
                    minutes=minutes,
                ),
                detail={
                    "status": status,
                    "since": order.entered_at.isoformat(),
                    "minutes": minutes,
                    "shop": order.shop.code,
                },
            )
            raised += notify
    return {"raised": raised, "open": len(keep), "resolved": alerts_resolve(kind=Kind.STUCK, keep=keep, now=now)}


def _title(message, **params) -> str:
    """An alert's title, stored once and read by staff and the groups' robots: in the site's language (Chinese
    first), whoever's request or task raised it."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % {name: str(value) for name, value in params.items()}


def sla_ship_late_flag(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    due = (
        Order.objects.filter(status__in=NOT_SHIPPED - {Status.PENDING_PAYMENT}, promised_ship_at__lte=now + DUE_SOON)
        .exclude(status=Status.ON_HOLD, hold_reason=HoldReason.PRESALE)
        .select_related("shop")
        .order_by("promised_ship_at")
    )
    keep: set[str] = set()
    raised = 0
    open_alerts = _open_alert_severities(Kind.SHIP_LATE)
    supervisors_of_shop: dict[int, list] = {}
    for order in due:
        key = f"ship_late:{order.pk}"
        keep.add(key)
        late = order.promised_ship_at <= now
        severity = Severity.CRITICAL if late else Severity.WARNING
        if key in open_alerts and SEVERITY_RANK[open_alerts[key]] >= SEVERITY_RANK[severity]:
            continue  # already open at this severity: nothing changes
        when = timezone.localtime(order.promised_ship_at).strftime("%m-%d %H:%M")
        assignee = None
        if late:
            if order.shop_id not in supervisors_of_shop:
                supervisors_of_shop[order.shop_id] = order_supervisors(order)
            supervisors = supervisors_of_shop[order.shop_id]
            assignee = supervisors[0] if supervisors else None
        _alert, notify = alert_raise(
            kind=Kind.SHIP_LATE,
            key=key,
            order=order,
            assignee=assignee,
            severity=severity,
            title=_title(
                _("%(number)s not shipped: promised by %(when)s") if late else _("%(number)s must ship by %(when)s"),
                number=order.number,
                when=when,
            ),
            detail={
                "promised_ship_at": order.promised_ship_at.isoformat(),
                "status": order.status,
                "shop": order.shop.code,
                "late": late,
            },
        )
        raised += notify
    return {"raised": raised, "open": len(keep), "resolved": alerts_resolve(kind=Kind.SHIP_LATE, keep=keep, now=now)}


def sla_suspicious_flag(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    raised = 0
    keep_phone: set[str] = set()
    phones = (
        Order.objects.filter(placed_at__gte=now - dt.timedelta(days=PHONE_ACCOUNTS_DAYS))
        .exclude(consignee_phone="")
        .exclude(consignee_phone__contains="*")
        .exclude(buyer_id="")
        .order_by()
        .values("consignee_phone")
        .annotate(accounts=Count("buyer_id", distinct=True), orders=Count("id"))
        .filter(accounts__gte=PHONE_ACCOUNTS_MIN)
    )
    for row in phones:
        phone = row["consignee_phone"]
        key = f"phone_accounts:{hashlib.sha256(phone.encode()).hexdigest()[:24]}"
        keep_phone.add(key)
        latest = Order.objects.filter(consignee_phone=phone).order_by("-placed_at", "-pk").first()
        _alert, notify = alert_raise(
            kind=Kind.PHONE_MANY_ACCOUNTS,
            key=key,
            severity=Severity.WARNING,
            order=latest,
            title=_title(
                _("Phone %(phone)s used by %(accounts)s accounts in %(days)s days"),
                phone=mask_phone(phone),
                accounts=row["accounts"],
                days=PHONE_ACCOUNTS_DAYS,
            ),
            detail={"phone": mask_phone(phone), "accounts": row["accounts"], "orders": row["orders"]},
        )
        raised += notify
    keep_address: set[str] = set()
    changed = (
        OrderEvent.objects.filter(
            kind=OrderEvent.Kind.UPDATED, data__change="address", at__gte=now - dt.timedelta(days=ADDRESS_CHANGES_DAYS)
        )
        .order_by()
        .values("order_id")
        .annotate(changes=Count("id"))
        .filter(changes__gte=ADDRESS_CHANGES_MIN)
    )
    for row in changed:
        order = Order.objects.get(pk=row["order_id"])
        key = f"address_changes:{order.pk}"
        keep_address.add(key)
        _alert, notify = alert_raise(
            kind=Kind.ADDRESS_CHANGES,
            key=key,
            severity=Severity.WARNING,
            order=order,
            title=_title(
                _("%(number)s: address changed %(changes)s times in %(days)s days"),
                number=order.number,
                changes=row["changes"],
                days=ADDRESS_CHANGES_DAYS,
            ),
            detail={"changes": row["changes"]},
        )
        raised += notify
    resolved = alerts_resolve(kind=Kind.PHONE_MANY_ACCOUNTS, keep=keep_phone, now=now)
    resolved += alerts_resolve(kind=Kind.ADDRESS_CHANGES, keep=keep_address, now=now)
    return {"raised": raised, "open": len(keep_phone) + len(keep_address), "resolved": resolved}


# Monitors of the apps above orders, which orders does not import: each registers itself when the apps are
# ready (aftersales: the platforms' after-sales deadlines, ``aftersales.sla``). A monitor takes ``now`` and
# returns its counts, like the ones above.
_monitors: dict[str, Callable[..., dict[str, int]]] = {}


def sla_monitor_register(name: str, monitor: Callable[..., dict[str, int]]) -> None:
    _monitors[name] = monitor


def sla_watch(*, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    return {
        "stuck": sla_stuck_orders_flag(now=now),
        "ship_late": sla_ship_late_flag(now=now),
        "suspicious": sla_suspicious_flag(now=now),
        **{name: monitor(now=now) for name, monitor in _monitors.items()},
    }
