"""django-q2 entry points of orders. Idempotent, JSON arguments only. ``SCHEDULES`` is upserted by name
by ``manage.py schedules_sync``."""

from __future__ import annotations

import logging

from django_q.models import Schedule

from config.tasks import enqueue_on_commit
from orders.stock import order_stock_retry, orders_held_out_of_stock

log = logging.getLogger(__name__)

SCHEDULES = [
    {
        # Safety net for a lost stock_arrived signal: retry every order held out_of_stock.
        "name": "orders.orders_retry_out_of_stock",
        "func": "orders.tasks.orders_retry_out_of_stock",
        "schedule_type": Schedule.MINUTES,
        "minutes": 10,
    },
]


def orders_retry_out_of_stock(sku_ids: list[int] | None = None) -> dict:
    """Reserve, first paid first served, the orders held out_of_stock that want these SKUs (all such
    orders when ``sku_ids`` is empty). An order that still cannot be filled is skipped, so a large early
    order does not block smaller later ones; each order is its own transaction."""
    released = tried = 0
    for order_id in orders_held_out_of_stock(sku_ids=sku_ids):
        tried += 1
        released += order_stock_retry(order_id=order_id)
    return {"tried": tried, "released": released}


# --- rules, review and SLA -------------------------------------------------------------------------------

SCHEDULES += [
    {
        # Safety net for a lost review task (a worker killed, a task past its timeout at a peak): paid orders
        # the automatic review never reached go to it again.
        "name": "orders.orders_review_sweep",
        "func": "orders.tasks.orders_review_sweep",
        "schedule_type": Schedule.MINUTES,
        "minutes": 2,
    },
    {
        # Orders stuck in a state that should move on its own, late shipments (amber 2 h ahead, red after).
        "name": "orders.sla_watch_orders",
        "func": "orders.tasks.sla_watch_orders",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    {
        "name": "orders.sla_watch_suspicious",
        "func": "orders.tasks.sla_watch_suspicious",
        "schedule_type": Schedule.MINUTES,
        "minutes": 15,
    },
    {
        "name": "orders.presale_reminders_send",
        "func": "orders.tasks.presale_reminders_send",
        "schedule_type": Schedule.MINUTES,
        "minutes": 10,
    },
    {
        "name": "orders.presale_deadlines_enforce",
        "func": "orders.tasks.presale_deadlines_enforce",
        "schedule_type": Schedule.MINUTES,
        "minutes": 5,
    },
]


def order_rules_apply(order_ids: int | list[int]) -> int:
    """The automatic review of paid orders (one id, or the ids of a batch created together; idempotent).
    Several: set-based (``orders.rules.batch.orders_rules_apply``, one transaction). Should that fail, and for
    one: ``orders.rules.services.order_rules_apply`` for each, each in its own transaction — one order failing
    does not stop the others; the task then fails (and is retried) naming them. Returns how many were
    reviewed (several: how many were due)."""
    from orders.rules.batch import orders_rules_apply
    from orders.rules.services import order_rules_apply as apply

    ids = [order_ids] if isinstance(order_ids, int) else list(order_ids)
    if len(ids) > 1:
        try:
            done = orders_rules_apply(order_ids=ids)
        except Exception:
            log.exception("automatic review of %d orders together failed; reviewing them one by one", len(ids))
        else:
            return done["approved"] + done["held"] + done["one_by_one"]
    reviewed, failed = 0, []
    for order_id in ids:
        try:
            reviewed += apply(order_id=order_id) is not None
        except Exception:
            if len(ids) == 1:
                raise
            log.exception("automatic review of order %s failed", order_id)
            failed.append(order_id)
    if failed:
        raise RuntimeError(f"automatic review failed for orders {failed}; the others were reviewed")
    return reviewed


def orders_review_sweep() -> dict:
    """Queue the automatic review again for paid orders it never reached: paid and untouched for
    ``ORDERS_REVIEW_SWEEP_AFTER_SECONDS``, no rules result, not a presale waiting for its balance. The review
    is idempotent, so an order whose first task is merely slow is reviewed once. Batches of
    ``ORDERS_REVIEW_SWEEP_BATCH`` orders, at most ten batches a run."""
    from django.conf import settings

    from orders.rules.selectors import orders_review_missed

    ids = orders_review_missed(
        older_than_seconds=settings.ORDERS_REVIEW_SWEEP_AFTER_SECONDS, limit=settings.ORDERS_REVIEW_SWEEP_BATCH * 10
    )
    batch = settings.ORDERS_REVIEW_SWEEP_BATCH
    for start in range(0, len(ids), batch):
        enqueue_on_commit(
            "orders.tasks.order_rules_apply", ids[start : start + batch], cluster=settings.ORDERS_REVIEW_CLUSTER or None
        )
    return {"queued": len(ids)}


def sla_watch_orders() -> dict:
    from orders.sla import sla_ship_late_flag, sla_stuck_orders_flag

    return {"stuck": sla_stuck_orders_flag(), "ship_late": sla_ship_late_flag()}


def sla_watch_suspicious() -> dict:
    from orders.sla import sla_suspicious_flag

    return sla_suspicious_flag()


def alert_notify(alert_id: int) -> int:
    """Write the deliveries of an alert raised unsent (once per severity); they are sent by their own tasks."""
    from orders.services.alerts import alert_notify as notify

    return notify(alert_id=alert_id)


SCHEDULES += [
    {
        # Alert deliveries due: retries after their back-off, those held by a channel's quiet hours, lost claims.
        "name": "orders.alert_deliveries_retry_due",
        "func": "orders.tasks.alert_deliveries_retry_due",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
]


def alert_delivery_send(delivery_id: int) -> str:
    """Send one alert delivery (claimed by compare-and-set: a second run finds it not due)."""
    from orders.services.alert_delivery import alert_delivery_send as send

    return send(delivery_id)


def alert_deliveries_retry_due() -> dict:
    from orders.services.alert_delivery import alert_deliveries_retry_due as sweep

    return sweep()


def presale_reminders_send() -> int:
    from orders.shaping.presale import presale_reminders_send as send

    return send()


def presale_deadlines_enforce() -> int:
    from orders.shaping.presale import presale_deadlines_enforce as enforce

    return enforce()


def presale_reminder_notify(terms_id: int) -> dict:
    """Tell the notification channels that a presale balance is due soon (sent once, claimed by the caller)."""
    from django.utils import timezone

    from orders.models import PresaleTerms
    from orders.notifications import notification_broadcast

    terms = PresaleTerms.objects.select_related("order", "order__shop").filter(pk=terms_id).first()
    if terms is None or terms.state != PresaleTerms.State.AWAITING_BALANCE:
        return {"sent": 0, "failed": 0}
    due = timezone.localtime(terms.balance_due_at).strftime("%Y-%m-%d %H:%M")
    return notification_broadcast(
        title=f"预售尾款提醒 {terms.order.number}",
        text=f"- {terms.order.shop.name}\n- 尾款 {terms.balance} {terms.currency}，截止 {due}",
        severity="info",
        kind="presale_due",
    )


# --- personal data retention ---------------------------------------------------------------------------------

SCHEDULES += [
    {
        # Erase consignee phone and address CONSIGNEE_RETENTION_DAYS after an order became final.
        "name": "orders.consignees_anonymise_due",
        "func": "orders.tasks.consignees_anonymise_due",
        "schedule_type": Schedule.DAILY,
    },
]


def consignees_anonymise_due() -> dict:
    from orders.services import consignees_anonymise_due as anonymise

    return {"anonymised": anonymise()}
