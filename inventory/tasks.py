"""django-q2 entry points of inventory. Each is idempotent (claims its work by compare-and-set) and takes
only JSON values. ``SCHEDULES`` is upserted by name by ``manage.py schedules_sync``."""

from __future__ import annotations

from django_q.models import Schedule

from inventory import services

SCHEDULES = [
    {
        # Debounce catch-up: rows left dirty (waiting for an acknowledgement, or touched while dirty).
        "name": "inventory.channel_stock_sync",
        "func": "inventory.tasks.channel_stock_sync",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    {
        "name": "inventory.channel_stock_full_sync",
        "func": "inventory.tasks.channel_stock_full_sync",
        "schedule_type": Schedule.MINUTES,
        "minutes": 5,
    },
    {
        "name": "inventory.safety_stock_refresh",
        "func": "inventory.tasks.safety_stock_refresh",
        "schedule_type": Schedule.MINUTES,
        "minutes": 60,
    },
]


def channel_stock_sync() -> dict:
    """Push the sellable quantities that changed (dirty rows)."""
    return services.channel_stock_sync()


def channel_stock_full_sync() -> dict:
    """Every 5 minutes: recompute and re-send every shop × SKU row."""
    return services.channel_stock_sync(full=True)


def safety_stock_refresh() -> int:
    """Recompute dynamic safety stock from the last 7 days' sales and re-evaluate alerts."""
    return services.safety_stock_refresh()
