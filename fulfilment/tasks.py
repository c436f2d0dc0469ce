"""django-q2 entry points. Each takes ids/JSON values, is idempotent (claims by compare-and-set) and has
its service's name. ``SCHEDULES`` is upserted by ``manage.py schedules_sync``."""

from __future__ import annotations

from typing import Any

SCHEDULES: list[dict[str, Any]] = [
    {"name": "fulfilment.tracking_poll", "func": "fulfilment.tasks.tracking_poll", "schedule_type": "I", "minutes": 30},
    {
        "name": "fulfilment.tracking_pushes_retry",
        "func": "fulfilment.tasks.tracking_pushes_retry",
        "schedule_type": "I",
        "minutes": 10,
    },
    {
        "name": "fulfilment.incidents_scan",
        "func": "fulfilment.tasks.incidents_scan",
        "schedule_type": "I",
        "minutes": 15,
    },
    {
        "name": "fulfilment.waybill_cancellations_retry",
        "func": "fulfilment.tasks.waybill_cancellations_retry",
        "schedule_type": "I",
        "minutes": 15,
    },
    {
        "name": "fulfilment.waybill_balances_refresh",
        "func": "fulfilment.tasks.waybill_balances_refresh",
        "schedule_type": "I",
        "minutes": 60,
    },
    # The daily shipping health report to the groups that asked for it, at FULFILMENT_REPORT_SEND_AT.
    {
        "name": "fulfilment.shipping_report_send_due",
        "func": "fulfilment.tasks.shipping_report_send_due",
        "schedule_type": "I",
        "minutes": 5,
    },
    {"name": "fulfilment.eta_backtest", "func": "fulfilment.tasks.eta_backtest", "schedule_type": "W", "minutes": None},
]


def tracking_push_process(push_id: int) -> str:
    from fulfilment.services import tracking_push_process as process

    return process(push_id=push_id)


def tracking_pushes_retry() -> int:
    """Process pushes still pending (a lost enqueue) or failed and due again (config.retry's back-off), and fail
    claims whose worker never finished."""
    from fulfilment.services.tracking import tracking_pushes_retry_due

    return tracking_pushes_retry_due()


def tracking_poll() -> int:
    """Poll the carriers for the parcels due (every 30 minutes each)."""
    from fulfilment.services import tracking_poll_shipment
    from fulfilment.services.tracking import tracking_poll_due

    new = 0
    for shipment_id in tracking_poll_due():
        new += tracking_poll_shipment(shipment_id=shipment_id)
    return new


def incidents_scan() -> dict[str, int]:
    from fulfilment.services import incidents_scan as scan

    return scan()


def shipping_report_send_due() -> dict[str, int]:
    """After the set time, send yesterday's shipping health report to the groups (and retry failed sends)."""
    from fulfilment.services.report_delivery import shipping_report_send_due as send_due

    return send_due()


def eta_backtest() -> str:
    """Measure the delivery ETA on the week's history (kept for the shipping health report)."""
    from fulfilment.eta.services import eta_backtest_record

    return str(eta_backtest_record())


def waybill_cancellation_process(cancellation_id: int) -> str:
    from fulfilment.services.labels import waybill_cancellation_process as process

    return process(cancellation_id=cancellation_id)


def waybill_cancellations_retry() -> int:
    """Queue the cancellations still pending (a lost task) or failed and due again (config.retry's back-off), and
    fail claims whose worker never finished."""
    from fulfilment.services.labels import waybill_cancellations_retry as retry

    return retry()


def waybill_balance_check(account_id: int) -> bool:
    from fulfilment.services.accounts import waybill_balance_check as check

    return check(account_id=account_id)


def waybill_balances_refresh() -> dict[str, int]:
    """Read every e-waybill account's balance from its service (hourly); low balances raise the alert."""
    from fulfilment.services.accounts import waybill_balances_refresh as refresh

    return refresh()
