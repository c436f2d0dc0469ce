"""django-q2 entry points of the channel integrations. Every task is idempotent (work is claimed by
compare-and-set) and takes ids / JSON values only.

``SCHEDULES`` is upserted by name by ``manage.py schedules_sync`` (schedule_type "I" = every ``minutes``).
"""

from __future__ import annotations

from typing import Any

from integrations import health, imports, inbox, listings, outbox, polling, tokens

SCHEDULES: list[dict] = [
    # The command center's panels (integrations.board), read by /board/ and /metrics.
    {
        "name": "integrations.board_snapshots_refresh",
        "func": "integrations.tasks.board_snapshots_refresh",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        "name": "integrations.tracking_work_retry",
        "func": "integrations.tasks.tracking_work_retry",
        "schedule_type": "I",
        "minutes": 10,
    },
    {
        "name": "integrations.inbox_retry_due",
        "func": "integrations.tasks.inbox_retry_due",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        "name": "integrations.outbox_retry_due",
        "func": "integrations.tasks.outbox_retry_due",
        "schedule_type": "I",
        "minutes": 1,
    },
    # Webhooks to partners: due retries (the first within a minute of the failure).
    {
        "name": "integrations.webhook_retry_due",
        "func": "integrations.tasks.webhook_retry_due",
        "schedule_type": "I",
        "minutes": 1,
    },
    # Buyer notifications: due retries of messages that failed.
    {
        "name": "integrations.buyer_messages_retry_due",
        "func": "integrations.tasks.buyer_messages_retry_due",
        "schedule_type": "I",
        "minutes": 1,
    },
    # Buyer notifications: personal data leaves the message log after CONSIGNEE_RETENTION_DAYS.
    {
        "name": "integrations.buyer_messages_anonymise_due",
        "func": "integrations.tasks.buyer_messages_anonymise_due",
        "schedule_type": "I",
        "minutes": 1440,
    },
    # What came in raw (inbox bodies, uploaded order files: buyers' names, phones, addresses) is erased after
    # CONSIGNEE_RETENTION_DAYS.
    {
        "name": "integrations.inbound_raw_erase_due",
        "func": "integrations.tasks.inbound_raw_erase_due",
        "schedule_type": "I",
        "minutes": 1440,
    },
    # Webhooks: order events whose publishing after commit was lost (a process stopped in between).
    {
        "name": "integrations.webhooks_publish_missed",
        "func": "integrations.tasks.webhooks_publish_missed",
        "schedule_type": "I",
        "minutes": 5,
    },
    {"name": "integrations.polls_due", "func": "integrations.tasks.polls_due", "schedule_type": "I", "minutes": 1},
    # New shops and new SKUs are offered stock by default (rule "default") within ten minutes.
    {
        "name": "integrations.channel_stock_defaults_sync",
        "func": "integrations.tasks.channel_stock_defaults_sync",
        "schedule_type": "I",
        "minutes": 10,
    },
    {
        "name": "integrations.health_check_run",
        "func": "integrations.tasks.health_check_run",
        "schedule_type": "I",
        "minutes": 60,
    },
    # Daily: yesterday's count check (the platforms' counts settle overnight).
    {
        "name": "integrations.count_check_run",
        "func": "integrations.tasks.count_check_run",
        "schedule_type": "I",
        "minutes": 1440,
    },
    # Refresh access tokens expiring within INTEGRATIONS_TOKEN_REFRESH_WINDOW_HOURS (Shopify's expiring offline
    # tokens live 60 minutes, hence every 30).
    {
        "name": "integrations.token_refresh_due",
        "func": "integrations.tasks.token_refresh_due",
        "schedule_type": "I",
        "minutes": 30,
    },
    # Daily: which platform variant each SKU is (Shopify stock pushes need the inventory item id).
    {
        "name": "integrations.listings_sync_due",
        "func": "integrations.tasks.listings_sync_due",
        "schedule_type": "I",
        "minutes": 1440,
    },
]


def inbox_process(message_ids: list[int] | int) -> dict[str, int]:
    return inbox.inbox_process(message_ids)


def inbox_drain() -> dict[str, int]:
    return inbox.inbox_drain()


def inbox_retry_due() -> int:
    return inbox.inbox_retry_due()


def case_intercept(case_id: int) -> list[str]:
    from integrations.case_interceptions import case_interception_run

    return case_interception_run(case_id=case_id)


def outbox_deliver(message_id: int) -> str:
    return outbox.outbox_deliver(message_id)


def outbox_retry_due() -> int:
    return outbox.outbox_retry_due()


def polls_due() -> int:
    return polling.polls_due()


def shop_poll(shop_id: int) -> dict:
    result = polling.shop_poll(shop_id)
    return {"status": result.status, "pages": result.pages, "orders": result.orders, "error": result.error}


def import_run(job_id: int) -> dict[str, int]:
    return imports.import_run(job_id)


def health_check_run() -> int:
    return health.health_check_run()


def count_check_run() -> int:
    return health.count_check_run()


def token_refresh_due() -> int:
    return tokens.token_refresh_due()


def connection_token_refresh(shop_id: int, force: bool = False) -> str:
    return tokens.token_refresh_if_due(shop_id=shop_id, force=force)


def listings_sync_due() -> int:
    return listings.listings_sync_due()


def listing_sync(shop_id: int) -> dict:
    return listings.listing_sync(shop_id=shop_id).as_dict()


def tracking_subscribe(subscription_id: int) -> str:
    from integrations.logistics.tracking import tracking_subscribe as subscribe

    return subscribe(subscription_id=subscription_id)


def tracking_callback_process(callback_id: int) -> str:
    from integrations.logistics.tracking import tracking_callback_process as process

    return process(callback_id=callback_id)


def tracking_work_retry() -> dict[str, int]:
    from integrations.logistics.tracking import tracking_work_retry as retry

    return retry()


def channel_stock_defaults_sync() -> int:
    from integrations.stock import channel_stock_defaults_sync as run

    return run()


def sandbox_webhook_send(*, platform: str, shop_code: str, topic: str, body: dict, target: str) -> int:
    """The sandbox platform sends a webhook of itself (Shopify's ``refunds/create``); delivered again it is a
    duplicate Order Hub's inbox drops by its webhook id."""
    from integrations.sandbox.push import sandbox_webhook_send as send

    return send(platform=platform, shop_code=shop_code, topic=topic, body=body, target=target)


def webhooks_publish(items: list[list]) -> int:
    from integrations.hooks import services as hooks

    return hooks.webhooks_publish(items)


def webhook_deliver(delivery_id: int) -> str:
    from integrations.hooks import services as hooks

    return hooks.webhook_deliver(delivery_id)


def webhook_retry_due() -> int:
    from integrations.hooks import services as hooks

    return hooks.webhook_retry_due()


def webhook_owner_notify(subscription_id: int) -> int:
    from integrations.hooks import services as hooks

    return hooks.webhook_owner_notify(subscription_id)


def webhooks_publish_missed() -> int:
    from integrations.hooks import services as hooks

    return hooks.webhooks_publish_missed()


def board_snapshots_refresh() -> dict[str, Any]:
    """Recompute the command center's panels, then evaluate the alert rules on the new figures."""
    from integrations.board.rules import board_alert_rules_evaluate
    from integrations.board.snapshots import board_snapshots_refresh as refresh

    panels = refresh()
    return {"panels": panels, "rules": board_alert_rules_evaluate()}


# --- buyer notifications (integrations.notify) ----------------------------------------------------------------


def buyer_moments_record(items: list[list]) -> int:
    """Record moments — [moment, order id, source key, references] — as buyer messages; returns how many."""
    from integrations.notify.services import buyer_moments_record as record

    return record(items)


def buyer_messages_send(message_ids: list[int]) -> dict[str, int]:
    from integrations.notify.services import buyer_messages_send as send

    return send(message_ids)


def buyer_message_send(message_id: int) -> str:
    """One message: tasks queued before sends were batched."""
    from integrations.notify.services import buyer_message_send as send

    return send(message_id)


def buyer_messages_retry_due() -> int:
    from integrations.notify.services import buyer_messages_retry_due as sweep

    return sweep()


def buyer_messages_anonymise_due() -> int:
    from integrations.notify.retention import buyer_messages_anonymise_due as anonymise

    return anonymise()


def inbound_raw_erase_due() -> dict:
    from integrations.retention import inbound_raw_erase_due as erase

    return erase()


# --- the peak simulator (integrations.simulator) --------------------------------------------------------------


def peak_run_execute(run_id: int) -> str:
    """Run a simulation queued from the back office (claimed once: a second delivery of the task does nothing)."""
    from integrations.simulator.runner import peak_run_execute as execute

    return execute(run_id=run_id)
