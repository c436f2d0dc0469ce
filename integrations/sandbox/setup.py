"""Point the demo's shops at the sandbox, so ``make run`` shows orders flowing in."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from integrations.models import ShopConnection
from integrations.platforms import supported
from orders.models import Shop


@transaction.atomic
def sandbox_connections_ensure(*, base_url: str = "http://127.0.0.1:8000", backfill_hours: int = 2) -> int:
    """Give every active shop on a supported platform that has no connection one to the sandbox. Returns
    how many were created. Existing connections are left alone."""
    created = 0
    for shop in Shop.objects.filter(is_active=True, connection__isnull=True):
        if not supported(shop.platform):
            continue
        platform = "taobao" if shop.platform == "tmall" else shop.platform
        ShopConnection.objects.create(
            shop=shop,
            base_url=f"{base_url.rstrip('/')}/sandbox/{platform}",
            app_key=f"sandbox-{shop.code}",
            app_secret=secrets.token_hex(16),
            access_token=secrets.token_hex(16),
            refresh_token=f"sbxr-{secrets.token_hex(12)}",  # the sandbox emulates each platform's refresh
            webhook_secret=secrets.token_hex(16),
            token_expires_at=timezone.now() + dt.timedelta(days=60),
            poll_cursor=timezone.now() - dt.timedelta(hours=backfill_hours),
        )
        created += 1
    return created
