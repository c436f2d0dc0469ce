"""Sandbox shops for a load run: a shop whose platform is the built-in sandbox served at ``base_url``, connected
for pushes only (nothing is polled during the run), with fresh keys so its platform order ids are its own."""

from __future__ import annotations

import datetime as dt
import secrets

from django.utils import timezone


def sandbox_shop_create(*, platform: str, code: str, name: str, warehouse, base_url: str, app_key: str):
    """The shop and its ``ShopConnection`` (returned) to the sandbox of ``platform`` at ``base_url``."""
    from integrations.models import ShopConnection
    from orders.models import Shop

    shop = Shop.objects.create(code=code, name=name, platform=platform, default_warehouse=warehouse)
    return ShopConnection.objects.create(
        shop=shop,
        base_url=f"{base_url}/sandbox/{platform}",
        app_key=app_key,
        app_secret=secrets.token_hex(16),
        access_token=secrets.token_hex(16),
        webhook_secret=secrets.token_hex(16),
        token_expires_at=timezone.now() + dt.timedelta(days=60),
        is_enabled=True,
        poll_interval_minutes=1440,  # pushes only: nothing is polled during the run
        next_poll_at=timezone.now() + dt.timedelta(days=365),
    )
